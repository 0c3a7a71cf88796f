//! Edits on the eGain v12 door (`PUT /ws/v12/interaction/customer`), on both backends,
//! against the real binary: what is sent changes, what is sent empty clears, what is not
//! sent is kept; a PUT of a read changes nothing and writes no event; persons and points
//! are matched by id; secrets are replaced and never shown; every create rule holds on the
//! merged result; ids, tenants, states, roles and idempotency keys are honoured.

#[macro_use]
mod common;

use common::{
    egain_created_id, egain_error, egain_login, egain_seed_requests, ids_in, list, without_ids,
    Backend, EgainApp, Reply, EGAIN_CUSTOMER,
};
use reqwest::Method;
use serde_json::{json, Value};

const SYSTEM_CUSTOMER: &str = "/system/ws/v12/interaction/customer";
const CUSTOMER_NS: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/customer";
const PERSON_NS: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson";
const EMAIL_AT: &str =
    "/contactPersons/contactPerson/0/contactPoints/contactPoint/2/type/email/emailAddress";
const JSON: &str = "application/json";
const XML: &str = "application/xml";

/// The seed's example 2 in JSON (pin `0121`, secret answer `Texas`).
fn example_2() -> Value {
    serde_json::from_str(&egain_seed_requests()[3].body).unwrap()
}

fn example_2_with_email(email: &str) -> Value {
    let mut body = example_2();
    *body.pointer_mut(EMAIL_AT).unwrap() = json!(email);
    body
}

/// Creates `body` through the door in JSON; its number.
async fn create(door: &EgainApp, body: &Value) -> u64 {
    egain_created_id(&door.create(JSON, body.to_string()).await)
}

/// A PUT of `body` under `prefix`, sent and answered in `format`.
async fn put_at(door: &EgainApp, prefix: &str, format: &str, body: impl Into<Vec<u8>>) -> Reply {
    let headers = [("content-type", format), ("accept", format)];
    door.send(Method::PUT, prefix, &headers, Some(body.into()))
        .await
}

async fn put(door: &EgainApp, body: &Value) -> Reply {
    put_at(door, EGAIN_CUSTOMER, JSON, body.to_string()).await
}

/// Asserts an edit's answer: 204, no body, the session.
fn edited(door: &EgainApp, reply: &Reply) {
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(reply.text.is_empty(), "a 204 has no body: {}", reply.text);
    assert_eq!(reply.header("x-egain-session"), Some(door.session.as_str()));
}

/// Asserts a 400 in eGain's JSON shape naming each of `paths` as `path: …`; the message.
fn refused(reply: &Reply, paths: &[&str]) -> String {
    let (code, message) = egain_error(reply, 400);
    assert_eq!(code, "400-101");
    assert_eq!(reply.header("content-type"), Some(JSON));
    for path in paths {
        assert!(
            message.contains(&format!("{path}: ")),
            "{path} not named in {message:?}"
        );
    }
    message
}

async fn read_json(door: &EgainApp, number: u64) -> Value {
    let reply = door
        .get(&format!("{EGAIN_CUSTOMER}/{number}"), Some(JSON))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

fn person(read: &Value) -> &Value {
    &read["contactPersons"]["contactPerson"][0]
}

fn points(read: &Value) -> Vec<Value> {
    person(read)["contactPoints"]["contactPoint"]
        .as_array()
        .expect("contact points")
        .clone()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_owned()
}

/// Every event of the tenant, in order.
async fn events(door: &EgainApp) -> Vec<Value> {
    let reply = door.app.admin.get("/v1/events?limit=1000").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["data"].as_array().unwrap().clone()
}

/// The `/v1` view of the customer the door names `number`.
async fn native_view(door: &EgainApp, number: u64) -> Value {
    let all = list(&door.app.admin, "/v1/customers").await;
    let found: Vec<&Value> = all
        .iter()
        .filter(|c| c["egainId"] == json!(number))
        .collect();
    assert_eq!(found.len(), 1, "egainId {number} in {all:?}");
    let reply = door
        .app
        .admin
        .get(&format!("/v1/customers/{}", id_of(found[0])))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

/// What an edit may not change: the door's read, the `/v1` view and the feed.
struct Snapshot {
    read: Value,
    view: Value,
    events: usize,
}

async fn snapshot(door: &EgainApp, number: u64) -> Snapshot {
    Snapshot {
        read: read_json(door, number).await,
        view: native_view(door, number).await,
        events: events(door).await.len(),
    }
}

/// Asserts nothing of `number` changed since `before`.
async fn unchanged(door: &EgainApp, number: u64, before: &Snapshot) {
    let after = snapshot(door, number).await;
    assert_eq!(after.read, before.read);
    assert_eq!(after.view["updatedAt"], before.view["updatedAt"]);
    assert_eq!(after.view, before.view);
    assert_eq!(after.events, before.events, "no event is written");
}

/// `value` without the members `names`, at any depth.
fn without(value: &Value, names: &[&str]) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .filter(|(k, _)| !names.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), without(v, names)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| without(v, names)).collect()),
        other => other.clone(),
    }
}

fn member_names(value: &Value) -> Vec<String> {
    match value {
        Value::Object(object) => object
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.clone()).chain(member_names(v)))
            .collect(),
        Value::Array(items) => items.iter().flat_map(member_names).collect(),
        _ => Vec::new(),
    }
}

fn remove(body: &mut Value, pointer: &str) {
    let (parent, name) = pointer.rsplit_once('/').unwrap();
    let removed = body
        .pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(name);
    assert!(removed.is_some(), "{pointer}");
}

// Merging.

async fn an_empty_element_clears_and_one_not_sent_is_kept(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = read_json(&door, number).await;
    assert_eq!(before["marketSegment"], "Medical Products");
    assert_eq!(person(&before)["middleName"], "Russel");

    let xml = format!(
        r#"<customer xmlns="{CUSTOMER_NS}" id="{number}"><marketSegment></marketSegment></customer>"#
    );
    edited(&door, &put_at(&door, SYSTEM_CUSTOMER, XML, xml).await);
    let mut expected = before.clone();
    remove(&mut expected, "/marketSegment");
    assert_eq!(read_json(&door, number).await, expected);

    // The individual's one person is matched without its id.
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [{"middleName": ""}]}
    });
    edited(&door, &put(&door, &body).await);
    remove(&mut expected, "/contactPersons/contactPerson/0/middleName");
    assert_eq!(read_json(&door, number).await, expected);
}

async fn a_put_of_what_was_read_changes_nothing(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    let path = format!("{EGAIN_CUSTOMER}/{number}");
    for format in [JSON, XML] {
        let read = door.get(&path, Some(format)).await;
        assert_eq!(read.status, 200, "{}", read.text);
        assert!(read.text.contains("link"), "{}", read.text);
        let reply = put_at(&door, EGAIN_CUSTOMER, format, read.text.clone()).await;
        edited(&door, &reply);
        unchanged(&door, number, &before).await;
    }
}

async fn a_change_writes_one_updated_event_without_secrets(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [{"lastName": "Tierney-Smith"}]}
    });
    edited(&door, &put(&door, &body).await);

    let after = snapshot(&door, number).await;
    assert_eq!(person(&after.read)["lastName"], "Tierney-Smith");
    assert_eq!(
        after.view["contact"]["contactPersons"][0]["lastName"],
        "Tierney-Smith"
    );
    let (was, now) = (
        before.view["updatedAt"].as_str().unwrap(),
        after.view["updatedAt"].as_str().unwrap(),
    );
    assert!(now > was, "updatedAt {was} → {now}");
    let all = events(&door).await;
    assert_eq!(all.len(), before.events + 1, "{all:?}");
    let event = all.last().unwrap();
    assert_eq!(event["type"], "customer.updated", "{event}");
    assert_eq!(event["id"], before.view["id"], "{event}");
    assert_eq!(event["actor"], "user:agent", "{event}");
    assert_eq!(
        event["data"]["contact"]["contactPersons"][0]["lastName"],
        "Tierney-Smith"
    );
    assert!(!member_names(event)
        .iter()
        .any(|n| n == "pin" || n == "secretAnswer"));
    let rest = without(&event["data"], &["id", "createdAt", "updatedAt", "egainId"]).to_string();
    assert!(!rest.contains("0121") && !rest.contains("Texas"), "{event}");
}

async fn persons_and_points_are_matched_by_id_and_a_new_point_is_added(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = read_json(&door, number).await;
    let old = points(&before);
    assert_eq!(old.len(), 3);
    assert_eq!(old[0]["priority"]["value"], "high");
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [{
            "id": id_of(person(&before)),
            "jobTitle": "Director",
            "contactPoints": {"contactPoint": [
                {"id": id_of(&old[0]), "priority": {"value": "low"}},
                {"type": {"value": "email", "email": {"emailAddress": "john.work@customer.com"}}}
            ]}
        }]}
    });
    edited(&door, &put(&door, &body).await);

    let after = read_json(&door, number).await;
    assert_eq!(id_of(person(&after)), id_of(person(&before)));
    assert_eq!(person(&after)["jobTitle"], "Director");
    let now = points(&after);
    assert_eq!(now.len(), 4, "{after}");
    let mut changed = old[0].clone();
    changed["priority"]["value"] = json!("low");
    assert_eq!(now[0], changed);
    assert_eq!(now[1..3], old[1..3], "the points not sent are unchanged");
    let added = &now[3];
    assert_eq!(added["type"]["value"], "email");
    assert_eq!(
        added["type"]["email"]["emailAddress"],
        "john.work@customer.com"
    );
    let new_id = id_of(added);
    assert!(
        !new_id.is_empty() && old.iter().all(|p| id_of(p) != new_id),
        "a new id: {new_id}"
    );
    // Everything else of the person is as it was.
    let strip = |read: &Value| {
        let mut p = person(read).clone();
        p.as_object_mut().unwrap().remove("contactPoints");
        p.as_object_mut().unwrap().remove("jobTitle");
        p
    };
    assert_eq!(strip(&after), strip(&before));
}

// Secrets.

async fn a_new_pin_or_secret_answer_replaces_the_old_and_never_shows(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let (pin, answer) = ("PinZqWx", "AnswerOhioQx");
    let before = events(&door).await.len();
    let body = json!({
        "id": number.to_string(),
        "pin": pin,
        "contactPersons": {"contactPerson": [{"secretAnswer": answer}]}
    });
    edited(&door, &put(&door, &body).await);
    assert_eq!(
        events(&door).await.len(),
        before + 1,
        "new secrets are a change"
    );
    let cleared = json!({"id": number.to_string(), "pin": ""});
    edited(&door, &put(&door, &cleared).await);
    assert_eq!(
        events(&door).await.len(),
        before + 2,
        "a cleared pin is a change"
    );

    let path = format!("{EGAIN_CUSTOMER}/{number}");
    let search = format!("{EGAIN_CUSTOMER}?email=john.russel@customer.com");
    let mut texts = Vec::new();
    for accept in [JSON, XML] {
        for path in [&path, &search] {
            let reply = door.get(path, Some(accept)).await;
            assert_eq!(reply.status, 200, "{}", reply.text);
            texts.push(reply.text);
        }
    }
    let view = native_view(&door, number).await;
    let feed = Value::Array(events(&door).await);
    let mut ids = ids_in(&view);
    ids.extend(ids_in(&feed));
    ids.extend(ids_in(&read_json(&door, number).await));
    ids.push(number.to_string());
    texts.push(view.to_string());
    texts.push(feed.to_string());
    for text in texts {
        let text = without_ids(&text, &ids);
        for secret in [pin, answer, "0121", "Texas"] {
            assert!(!text.contains(secret), "{secret} shows in {text}");
        }
        assert!(!text.contains("secretAnswer"), "{text}");
    }
}

async fn a_secret_over_255_characters_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    let body = json!({"id": number.to_string(), "pin": "p".repeat(256)});
    refused(&put(&door, &body).await, &["pin"]);
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [{"secretAnswer": "a".repeat(256)}]}
    });
    refused(
        &put(&door, &body).await,
        &["contactPersons.contactPerson[0].secretAnswer"],
    );
    unchanged(&door, number, &before).await;
}

// Rules on the merged result.

async fn an_edit_clearing_the_first_name_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [{"firstName": ""}]}
    });
    refused(
        &put(&door, &body).await,
        &["contactPersons.contactPerson[0].firstName"],
    );
    let xml = format!(
        r#"<customer xmlns="{CUSTOMER_NS}" xmlns:p="{PERSON_NS}" id="{number}"><contactPersons><p:contactPerson><p:firstName></p:firstName></p:contactPerson></contactPersons></customer>"#
    );
    let reply = put_at(&door, EGAIN_CUSTOMER, XML, xml).await;
    let (_, message) = egain_error(&reply, 400);
    assert_eq!(reply.header("content-type"), Some(XML));
    assert!(
        message.contains("contactPersons.contactPerson[0].firstName: "),
        "{message}"
    );
    unchanged(&door, number, &before).await;
}

async fn an_edit_giving_a_second_person_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [
            {"id": id_of(person(&before.read)), "lastName": "Tierney"},
            {"firstName": "Jenifer"}
        ]}
    });
    refused(&put(&door, &body).await, &["contactPersons.contactPerson"]);
    // A person named by an id that is none of the customer's is another person too.
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [{"id": "no-such-person", "firstName": "Jenifer"}]}
    });
    refused(&put(&door, &body).await, &["contactPersons.contactPerson"]);
    unchanged(&door, number, &before).await;
}

async fn an_edit_to_another_customers_email_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    create(&door, &example_2_with_email("jack.russel@customer.com")).await;
    let before = snapshot(&door, number).await;
    let email_point = &points(&before.read)[2];
    for taken in ["jack.russel@customer.com", "Jack.Russel@CUSTOMER.com"] {
        let body = json!({
            "id": number.to_string(),
            "contactPersons": {"contactPerson": [{"contactPoints": {"contactPoint": [{
                "id": id_of(email_point),
                "type": {"value": "email", "email": {"emailAddress": taken}}
            }]}}]}
        });
        refused(
            &put(&door, &body).await,
            &["contactPersons.contactPerson[0].contactPoints.contactPoint[0].type.email.emailAddress"],
        );
    }
    // Its own address, in another case, is its own.
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [{"contactPoints": {"contactPoint": [{
            "id": id_of(email_point),
            "type": {"value": "email", "email": {"emailAddress": "John.Russel@customer.com"}}
        }]}}]}
    });
    unchanged(&door, number, &before).await;
    edited(&door, &put(&door, &body).await);
}

async fn an_edit_with_an_invalid_priority_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    let phone = &points(&before.read)[0];
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [{"contactPoints": {"contactPoint": [{
            "id": id_of(phone),
            "priority": {"value": "urgent"}
        }]}}]}
    });
    refused(
        &put(&door, &body).await,
        &["contactPersons.contactPerson[0].contactPoints.contactPoint[0].priority.value"],
    );
    unchanged(&door, number, &before).await;
}

/// A problem is named where it is in the request, not where the merge put it: the email
/// point is the customer's third, sent first.
async fn a_problem_is_named_at_its_path_in_the_request(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    let email_point = &points(&before.read)[2];
    let body = json!({
        "id": number.to_string(),
        "contactPersons": {"contactPerson": [{"contactPoints": {"contactPoint": [
            {"id": id_of(email_point), "priority": {"value": "urgent"}},
            {"type": {"value": "email", "email": {"emailAddress": "not-an-address"}}}
        ]}}]}
    });
    let message = refused(
        &put(&door, &body).await,
        &[
            "contactPersons.contactPerson[0].contactPoints.contactPoint[0].priority.value",
            "contactPersons.contactPerson[0].contactPoints.contactPoint[1].type.email.emailAddress",
        ],
    );
    assert!(!message.contains("contactPoint[2]"), "{message}");
    assert!(!message.contains("contactPoint[3]"), "{message}");
    unchanged(&door, number, &before).await;
}

// Naming the customer.

async fn an_edit_names_its_customer_by_a_decimal_id(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    let change = json!({"contactPersons": {"contactPerson": [{"lastName": "Else"}]}});
    refused(&put(&door, &change).await, &["id"]);
    for bad in ["", "abc", "1.5", "-1"] {
        let mut body = change.clone();
        body["id"] = json!(bad);
        refused(&put(&door, &body).await, &["id"]);
    }
    let xml =
        format!(r#"<customer xmlns="{CUSTOMER_NS}"><marketSegment>X</marketSegment></customer>"#);
    let reply = put_at(&door, EGAIN_CUSTOMER, XML, xml).await;
    egain_error(&reply, 400);
    assert_eq!(reply.header("content-type"), Some(XML));
    unchanged(&door, number, &before).await;
}

/// Ids are decimal digits, as a read takes them: `+N` is no id.
async fn an_edit_id_with_a_sign_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let read = door
        .get(&format!("{EGAIN_CUSTOMER}/+{number}"), Some(JSON))
        .await;
    egain_error(&read, 400);
    let before = snapshot(&door, number).await;
    let body = json!({"id": format!("+{number}"), "marketSegment": "Signed"});
    refused(&put(&door, &body).await, &["id"]);
    unchanged(&door, number, &before).await;
}

async fn an_id_that_names_no_customer_is_404(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let unknown = number + 1000;
    let body = json!({"id": unknown.to_string(), "marketSegment": "X"});
    let reply = put(&door, &body).await;
    let (code, _) = egain_error(&reply, 404);
    assert_eq!(code, "404-101");
    assert_eq!(reply.header("content-type"), Some(JSON));
    let xml = format!(
        r#"<customer xmlns="{CUSTOMER_NS}" id="{unknown}"><marketSegment>X</marketSegment></customer>"#
    );
    let reply = put_at(&door, EGAIN_CUSTOMER, XML, xml).await;
    egain_error(&reply, 404);
    assert_eq!(reply.header("content-type"), Some(XML));
    assert_eq!(
        read_json(&door, number).await["marketSegment"],
        "Medical Products"
    );
}

async fn another_tenants_customer_is_404(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    door.app
        .make_user("outsider", "writer", "other", "outsider-password-1");
    let session = egain_login(&door.door, "outsider", "outsider-password-1").await;
    let headers = [
        ("content-type", JSON),
        ("accept", JSON),
        ("x-egain-session", session.as_str()),
    ];
    let body = json!({"id": number.to_string(), "marketSegment": "Hijacked"});
    let reply = door
        .door
        .send(
            Method::PUT,
            EGAIN_CUSTOMER,
            &headers,
            Some(body.to_string().into_bytes()),
        )
        .await;
    egain_error(&reply, 404);
    assert_eq!(reply.header("content-type"), Some(JSON));
    unchanged(&door, number, &before).await;
}

// States, idempotency, other doors, roles.

async fn a_deactivated_customer_refuses_an_edit(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let id = id_of(&native_view(&door, number).await);
    let reply = door
        .app
        .admin
        .post(
            &format!("/v1/customers/{id}/state"),
            &json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let before = snapshot(&door, number).await;
    let body = json!({"id": number.to_string(), "marketSegment": "Too late"});
    let message = refused(&put(&door, &body).await, &[]);
    assert!(message.contains("DEACTIVATED"), "{message}");
    unchanged(&door, number, &before).await;
}

async fn a_retried_edit_with_an_idempotency_key_is_replayed(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = events(&door).await.len();
    let headers = [
        ("content-type", JSON),
        ("accept", JSON),
        ("idempotency-key", "edit-john-1"),
    ];
    let body = json!({"id": number.to_string(), "marketSegment": "Retail"})
        .to_string()
        .into_bytes();
    let first = door
        .send(Method::PUT, EGAIN_CUSTOMER, &headers, Some(body.clone()))
        .await;
    edited(&door, &first);
    assert_eq!(first.header("idempotent-replayed"), None);
    let retry = door
        .send(Method::PUT, EGAIN_CUSTOMER, &headers, Some(body))
        .await;
    edited(&door, &retry);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let all = events(&door).await;
    assert_eq!(all.len(), before + 1, "{all:?}");
    assert_eq!(all.last().unwrap()["type"], "customer.updated");
    assert_eq!(read_json(&door, number).await["marketSegment"], "Retail");
    // The key with another edit is refused, and the edit is not made.
    let other = json!({"id": number.to_string(), "marketSegment": "Wholesale"});
    let reply = door
        .send(
            Method::PUT,
            EGAIN_CUSTOMER,
            &headers,
            Some(other.to_string().into_bytes()),
        )
        .await;
    let (code, _) = egain_error(&reply, 400);
    assert_eq!(code, "400-102");
    assert_eq!(read_json(&door, number).await["marketSegment"], "Retail");
    assert_eq!(events(&door).await.len(), before + 1);
}

async fn an_edit_adds_contact_data_to_a_native_customer(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let body = json!({
        "externalId": "native-1",
        "customerProfile": "b2b",
        "state": {"state": "ACTIVE", "stateReason": "active"}
    });
    let reply = door.app.admin.post("/v1/customers", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let native = reply.json();
    assert!(native.get("contact").is_none_or(Value::is_null), "{native}");
    let number = native["egainId"].as_u64().expect("an egainId");
    let edit = json!({
        "id": number.to_string(),
        "type": {"value": "individual"},
        "contactPersons": {"contactPerson": [{
            "firstName": "Nina",
            "contactPoints": {"contactPoint": [{
                "type": {"value": "email", "email": {"emailAddress": "nina@customer.com"}}
            }]}
        }]}
    });
    edited(&door, &put(&door, &edit).await);
    let view = native_view(&door, number).await;
    assert_eq!(view["id"], native["id"]);
    assert_eq!(view["externalId"], "native-1");
    let person = &view["contact"]["contactPersons"][0];
    assert_eq!(person["firstName"], "Nina", "{view}");
    assert_eq!(
        person["contactPoints"][0]["emailAddress"],
        "nina@customer.com"
    );
    let read = read_json(&door, number).await;
    assert_eq!(
        read["contactPersons"]["contactPerson"][0]["firstName"],
        "Nina"
    );
}

async fn a_reader_cannot_edit(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    door.app
        .make_user("viewer", "reader", "default", "viewer-password-1");
    let session = egain_login(&door.door, "viewer", "viewer-password-1").await;
    for (format, body) in [
        (
            JSON,
            json!({"id": number.to_string(), "marketSegment": "X"}).to_string(),
        ),
        (
            XML,
            format!(
                r#"<customer xmlns="{CUSTOMER_NS}" id="{number}"><marketSegment>X</marketSegment></customer>"#
            ),
        ),
    ] {
        let headers = [
            ("content-type", format),
            ("accept", format),
            ("x-egain-session", session.as_str()),
        ];
        let reply = door
            .door
            .send(
                Method::PUT,
                EGAIN_CUSTOMER,
                &headers,
                Some(body.into_bytes()),
            )
            .await;
        let (code, _) = egain_error(&reply, 403);
        assert_eq!(code, "403-101");
        assert_eq!(reply.header("content-type"), Some(format));
        assert_eq!(reply.header("x-egain-session"), Some(session.as_str()));
    }
    unchanged(&door, number, &before).await;
}

// Departments.

/// Turns departmentalization on, with the departments `Service` and `Sales`.
async fn departmentalize(door: &EgainApp) {
    let mut catalog = door.app.admin.get("/v1/catalog").await.json();
    catalog["departmentalization"] = json!(true);
    catalog["departments"] = json!(["Service", "Sales"]);
    let reply = door.app.admin.put("/v1/catalog", &catalog).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

/// Departmentalized, a PUT of a read still changes nothing: the email's scope (its
/// department) is no change.
async fn a_put_of_what_was_read_changes_nothing_when_departmentalized(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    departmentalize(&door).await;
    let number = create(&door, &example_2()).await;
    let before = snapshot(&door, number).await;
    let read = door
        .get(&format!("{EGAIN_CUSTOMER}/{number}"), Some(JSON))
        .await;
    edited(&door, &put(&door, &read.json()).await);
    unchanged(&door, number, &before).await;
}

both_backends!(
    a_problem_is_named_at_its_path_in_the_request,
    an_edit_id_with_a_sign_is_refused,
    a_put_of_what_was_read_changes_nothing_when_departmentalized,
    an_empty_element_clears_and_one_not_sent_is_kept,
    a_put_of_what_was_read_changes_nothing,
    a_change_writes_one_updated_event_without_secrets,
    persons_and_points_are_matched_by_id_and_a_new_point_is_added,
    a_new_pin_or_secret_answer_replaces_the_old_and_never_shows,
    a_secret_over_255_characters_is_refused,
    an_edit_clearing_the_first_name_is_refused,
    an_edit_giving_a_second_person_is_refused,
    an_edit_to_another_customers_email_is_refused,
    an_edit_with_an_invalid_priority_is_refused,
    an_edit_names_its_customer_by_a_decimal_id,
    an_id_that_names_no_customer_is_404,
    another_tenants_customer_is_404,
    a_deactivated_customer_refuses_an_edit,
    a_retried_edit_with_an_idempotency_key_is_replayed,
    an_edit_adds_contact_data_to_a_native_customer,
    a_reader_cannot_edit,
);
