//! The eGain v12 customer door on both backends, against the real binary: the seed's four
//! requests as sent; example 2 read back field for field in JSON and in XML (in eGain's
//! namespaces), never with its PIN or secret answer; the same customers through `/v1`;
//! reads of several ids, searches by email and phone with paging; sessions on every
//! answer; idempotent retries; the `customer.created` event.
//!
//! The door's rules are in `egain_rules.rs`, hostile and odd bodies in `egain_xml.rs`.

#[macro_use]
mod common;

use common::{
    egain_created_id, egain_error, egain_login, egain_seed_requests, ids_in, list, parse_xml,
    without_ids, Backend, EgainApp, EgainSeedRequest, Reply, XmlNode, EGAIN_CUSTOMER,
};
use reqwest::Method;
use serde_json::{json, Map, Value};

const CUSTOMER_NS: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/customer";
const PERSON_NS: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson";
const POINT_NS: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactpoint";
const SEED_EMAIL: &str = "john.russel@customer.com";
const EMAIL_AT: &str =
    "/contactPersons/contactPerson/0/contactPoints/contactPoint/2/type/email/emailAddress";

/// The seed's requests by name.
fn seed() -> [EgainSeedRequest; 4] {
    egain_seed_requests().try_into().unwrap()
}

/// Example 2's JSON body, parsed.
fn example_2() -> Value {
    serde_json::from_str(&seed()[3].body).unwrap()
}

/// Example 2 in JSON with another email address.
fn example_2_with_email(email: &str) -> Vec<u8> {
    let mut body = example_2();
    *body.pointer_mut(EMAIL_AT).unwrap() = json!(email);
    body.to_string().into_bytes()
}

/// Posts a seed request with its own headers, the session put in for "Valid session ID".
async fn post_seed(door: &EgainApp, path: &str, request: &EgainSeedRequest) -> Reply {
    let headers: Vec<(&str, &str)> = request
        .headers
        .iter()
        .filter(|(name, _)| name != "X-egain-session")
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    assert!(
        headers.iter().any(|(n, _)| *n == "Content-Type"),
        "{headers:?}"
    );
    door.send(
        Method::POST,
        path,
        &headers,
        Some(request.body.clone().into_bytes()),
    )
    .await
}

/// Asserts a create's answer: 201, no body, a decimal `Location`, the session; its id.
fn created(door: &EgainApp, reply: &Reply) -> u64 {
    let id = egain_created_id(reply);
    assert!(reply.text.is_empty(), "a 201 has no body: {}", reply.text);
    assert_eq!(reply.header("x-egain-session"), Some(door.session.as_str()));
    id
}

fn read_path(ids: &[u64]) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    format!("{EGAIN_CUSTOMER}/{}", ids.join(","))
}

/// A JSON read of one customer, asserted 200 and JSON.
async fn read_json(door: &EgainApp, id: u64) -> Value {
    let reply = door.get(&read_path(&[id]), Some("application/json")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    reply.json()
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

/// Every member name of `value`, at any depth.
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

/// A customer number may have a few digits: it is cut out where it stands alone, not
/// from the middle of a secret.
#[test]
fn only_whole_ids_are_cut_out() {
    let ids = ["12".to_owned(), "abc-1".to_owned()];
    assert_eq!(
        without_ids(r#"{"n":12,"pin":"0121","id":"abc-1","x":"abc-12"}"#, &ids),
        r#"{"n":,"pin":"0121","id":"","x":"abc-12"}"#
    );
}

/// Neither secret of the seed is in `text`, once the ids and customer numbers are cut out.
fn assert_no_secret(text: &str, ids: &[String]) {
    let rest = without_ids(text, ids);
    for secret in ["0121", "Texas", "secretAnswer", "<pin>", "\"pin\""] {
        assert!(!rest.contains(secret), "{secret} shows in {text}");
    }
}

/// An XML answer in the door's one form: attributes and child elements as members, text
/// as strings, and a wrapper whose children are all its name less the `s` (`contactPersons`
/// of `contactPerson`) as `{item: [...]}`.
fn xml_as_json(node: &XmlNode) -> Value {
    if node.children.is_empty() && node.attributes.is_empty() {
        return Value::String(node.text.clone());
    }
    let mut object = Map::new();
    for (name, value) in &node.attributes {
        object.insert(name.clone(), Value::String(value.clone()));
    }
    let item = node.name.strip_suffix('s');
    if !node.children.is_empty() && node.children.iter().all(|c| Some(c.name.as_str()) == item) {
        let items = node.children.iter().map(xml_as_json).collect();
        object.insert(item.unwrap().to_owned(), Value::Array(items));
        return Value::Object(object);
    }
    for child in &node.children {
        assert!(
            object
                .insert(child.name.clone(), xml_as_json(child))
                .is_none(),
            "<{}> twice in <{}>",
            child.name,
            node.name
        );
    }
    Value::Object(object)
}

/// The customers of a search or several-id read in JSON, asserted 200.
fn json_list(reply: &Reply) -> Vec<Value> {
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let body = reply.json();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    body["customer"]
        .as_array()
        .expect("a customer array")
        .clone()
}

fn listed_ids(customers: &[Value]) -> Vec<u64> {
    customers
        .iter()
        .map(|c| c["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

/// The `/v1` view of the customer the eGain door names `number`.
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
        .get(&format!(
            "/v1/customers/{}",
            found[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

// The seed.

async fn the_seed_requests_are_created(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let [xml_1, json_1, xml_2, json_2] = seed();
    let mut ids = Vec::new();
    for request in [&xml_1, &json_1, &xml_2] {
        ids.push(created(
            &door,
            &post_seed(&door, EGAIN_CUSTOMER, request).await,
        ));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "three customers: {ids:?}");
    // Both example 2 bodies carry one email address: the second is refused, in JSON.
    let reply = post_seed(&door, EGAIN_CUSTOMER, &json_2).await;
    let (code, message) = egain_error(&reply, 400);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert_eq!(code, "400-101");
    assert!(message.contains("emailAddress"), "{message}");
    assert_eq!(reply.header("x-egain-session"), Some(door.session.as_str()));
    // With another address it is another customer.
    let mut other = json_2.clone();
    other.body = other.body.replace(SEED_EMAIL, "jack.russel@customer.com");
    assert_ne!(other.body, json_2.body);
    created(&door, &post_seed(&door, EGAIN_CUSTOMER, &other).await);
    assert_eq!(list(&door.app.admin, "/v1/customers").await.len(), 4);
}

async fn a_duplicate_email_in_xml_is_refused_in_xml(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let [_, _, xml_2, json_2] = seed();
    created(&door, &post_seed(&door, EGAIN_CUSTOMER, &json_2).await);
    let reply = post_seed(&door, EGAIN_CUSTOMER, &xml_2).await;
    let (_, message) = egain_error(&reply, 400);
    assert_eq!(reply.header("content-type"), Some("application/xml"));
    assert!(message.contains("emailAddress"), "{message}");
    let mut other = xml_2.clone();
    other.body = other.body.replace(SEED_EMAIL, "jack.russel@customer.com");
    created(&door, &post_seed(&door, EGAIN_CUSTOMER, &other).await);
}

async fn the_system_prefix_serves_the_door_too(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let [xml_1, json_1, xml_2, json_2] = seed();
    let system = "/system/ws/v12/interaction/customer";
    let mut ids = Vec::new();
    for request in [&xml_1, &json_1, &xml_2] {
        ids.push(created(&door, &post_seed(&door, system, request).await));
    }
    let reply = post_seed(&door, system, &json_2).await;
    egain_error(&reply, 400);
    // The Location is where the customer is read.
    let reply = post_seed(&door, EGAIN_CUSTOMER, &xml_1).await;
    let location = reply.header("location").unwrap().to_owned();
    created(&door, &reply);
    let read = door.get(&location, Some("application/json")).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(
        read.json()["contactPersons"]["contactPerson"][0]["firstName"],
        "Jack"
    );
    let several = door
        .get(
            &format!("{system}/{},{}", ids[0], ids[2]),
            Some("application/json"),
        )
        .await;
    assert_eq!(listed_ids(&json_list(&several)), [ids[0], ids[2]]);
    let search = door
        .get(
            &format!("{system}?email={SEED_EMAIL}"),
            Some("application/json"),
        )
        .await;
    assert_eq!(listed_ids(&json_list(&search)), [ids[2]]);
}

// Round trips.

async fn example_2_reads_back_in_json_as_sent(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let id = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[2]).await);
    let read = read_json(&door, id).await;
    assert_eq!(read["id"], id.to_string());
    assert_eq!(
        read["link"],
        json!({"rel": "self", "href": format!("/system/ws/v12/interaction/customer/{id}")})
    );
    let person = &read["contactPersons"]["contactPerson"][0];
    assert!(
        person["id"].as_str().is_some_and(|p| !p.is_empty()),
        "{person}"
    );
    for point in person["contactPoints"]["contactPoint"].as_array().unwrap() {
        assert!(
            point["id"].as_str().is_some_and(|p| !p.is_empty()),
            "{point}"
        );
    }
    let sent = without(&example_2(), &["pin", "secretAnswer"]);
    assert_eq!(without(&read, &["id", "link"]), sent);
}

async fn example_2_reads_back_in_xml_in_egains_namespaces(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let id = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[2]).await);
    let json = read_json(&door, id).await;
    for accept in [None, Some("application/xml")] {
        let reply = door.get(&read_path(&[id]), accept).await;
        assert_eq!(reply.status, 200, "{accept:?}: {}", reply.text);
        assert_eq!(reply.header("content-type"), Some("application/xml"));
        let root = parse_xml(&reply.text);
        assert_eq!(
            (root.name.as_str(), root.ns.as_deref()),
            ("customer", Some(CUSTOMER_NS))
        );
        assert_eq!(root.attribute("id"), Some(id.to_string().as_str()));
        let person = root.child("contactPersons").child("contactPerson");
        assert_eq!(person.ns.as_deref(), Some(PERSON_NS), "{}", reply.text);
        assert_eq!(person.child("firstName").ns.as_deref(), Some(PERSON_NS));
        let points = person.child("contactPoints");
        assert_eq!(points.ns.as_deref(), Some(PERSON_NS));
        for point in points.all("contactPoint") {
            assert_eq!(point.ns.as_deref(), Some(POINT_NS), "{}", reply.text);
        }
        // The prefixes used are the ones declared, for the namespaces eGain uses.
        let declared: Vec<(String, String)> = root
            .descendants()
            .iter()
            .flat_map(|n| n.declared.clone())
            .collect();
        assert!(
            declared.contains(&(String::new(), CUSTOMER_NS.to_owned())),
            "{declared:?}"
        );
        for node in root.descendants() {
            let prefix = node.prefix.clone().unwrap_or_default();
            let uri = declared.iter().find(|(p, _)| *p == prefix).map(|(_, u)| u);
            assert_eq!(uri, node.ns.as_ref(), "<{prefix}:{}>", node.name);
        }
        // Everything the JSON read holds, at the same place.
        assert_eq!(xml_as_json(&root), json, "{}", reply.text);
    }
}

async fn no_read_shows_the_pin_or_secret_answer(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let [_, _, xml_2, json_2] = seed();
    let first = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &xml_2).await);
    let mut other = json_2.clone();
    other.body = other.body.replace(SEED_EMAIL, "jack.russel@customer.com");
    let second = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &other).await);
    let json = read_json(&door, first).await;
    assert!(!member_names(&json)
        .iter()
        .any(|n| n == "pin" || n == "secretAnswer"));
    let mut ids = ids_in(&json);
    ids.extend(ids_in(&read_json(&door, second).await));
    // A number holding "0121" once failed this test from a link and an id attribute.
    ids.extend([first.to_string(), second.to_string()]);
    let search = format!("{EGAIN_CUSTOMER}?phone=234%203456");
    let both = read_path(&[first, second]);
    for path in [read_path(&[first]), both, search] {
        for accept in [None, Some("application/xml"), Some("application/json")] {
            let reply = door.get(&path, accept).await;
            assert_eq!(reply.status, 200, "{path}: {}", reply.text);
            assert!(reply.text.contains("Tierney"), "{}", reply.text);
            assert_no_secret(&reply.text, &ids);
        }
    }
}

async fn the_native_door_sees_an_egain_customer(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let id = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[2]).await);
    let view = native_view(&door, id).await;
    assert_eq!(view["egainId"], json!(id));
    let person = &view["contact"]["contactPersons"][0];
    assert_eq!(person["firstName"], "John");
    assert_eq!(person["lastName"], "Tierney");
    let points = person["contactPoints"].as_array().expect("contact points");
    let channels: Vec<&str> = points.iter().map(|p| p["type"].as_str().unwrap()).collect();
    assert_eq!(channels, ["phone", "postal", "email"]);
    assert_eq!(points[0]["phoneNo"], "234 3456");
    assert_eq!(points[2]["emailAddress"], SEED_EMAIL);
    assert!(!member_names(&view)
        .iter()
        .any(|n| n == "pin" || n == "secretAnswer"));
    // Ids and times may hold any digits; no other value holds a secret.
    let rest = without(&view, &["id", "createdAt", "updatedAt", "egainId"]).to_string();
    assert!(!rest.contains("0121") && !rest.contains("Texas"), "{view}");
}

async fn a_native_customer_reads_through_the_egain_door(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let body = json!({
        "externalId": "native-1",
        "customerProfile": "b2b",
        "state": {"state": "ACTIVE", "stateReason": "active"}
    });
    let reply = door.app.admin.post("/v1/customers", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let native = reply.json();
    let number = native["egainId"].as_u64().expect("an egainId");
    let read = read_json(&door, number).await;
    assert_eq!(read["id"], number.to_string());
    assert_eq!(
        read["link"]["href"],
        format!("/system/ws/v12/interaction/customer/{number}")
    );
    let reply = door.get(&read_path(&[number]), None).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(
        parse_xml(&reply.text).attribute("id"),
        Some(number.to_string().as_str())
    );
}

// Reads.

async fn several_ids_read_as_a_customers_list(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let [xml_1, _, xml_2, _] = seed();
    let jack = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &xml_1).await);
    let john = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &xml_2).await);
    let unknown = jack.max(john) + 1000;
    let path = read_path(&[jack, unknown, john]);
    let customers = json_list(&door.get(&path, Some("application/json")).await);
    assert_eq!(listed_ids(&customers), [jack, john]);
    assert_eq!(
        customers[0]["contactPersons"]["contactPerson"][0]["firstName"],
        "Jack"
    );
    assert_eq!(
        customers[1]["contactPersons"]["contactPerson"][0]["firstName"],
        "John"
    );
    let reply = door.get(&path, Some("application/xml")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let root = parse_xml(&reply.text);
    assert_eq!(
        (root.name.as_str(), root.ns.as_deref()),
        ("customers", Some(CUSTOMER_NS))
    );
    let listed: Vec<&str> = root
        .all("customer")
        .iter()
        .map(|c| {
            assert_eq!(c.ns.as_deref(), Some(CUSTOMER_NS));
            assert_eq!(c.child("link").attribute("rel"), Some("self"));
            c.attribute("id").unwrap()
        })
        .collect();
    assert_eq!(listed, [jack.to_string(), john.to_string()]);
    assert_eq!(root.children.len(), 2);
}

async fn reading_only_unknown_ids_is_404(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let jack = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[0]).await);
    let reply = door.get(&read_path(&[jack + 1]), None).await;
    egain_error(&reply, 404);
    assert_eq!(reply.header("content-type"), Some("application/xml"));
    let reply = door
        .get(&read_path(&[jack + 1, jack + 2]), Some("application/json"))
        .await;
    egain_error(&reply, 404);
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

async fn at_most_75_ids_are_read_at_once(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let jack = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[0]).await);
    let mut ids: Vec<u64> = (1..=75).map(|n| jack + n).collect();
    ids[74] = jack;
    let reply = door.get(&read_path(&ids), Some("application/json")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    ids.push(jack + 76);
    let reply = door.get(&read_path(&ids), Some("application/json")).await;
    let (_, message) = egain_error(&reply, 400);
    assert!(message.contains("75"), "{message}");
}

async fn a_non_numeric_id_is_400(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let jack = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[0]).await);
    for ids in [
        "abc".to_owned(),
        format!("{jack},x1"),
        "-1".to_owned(),
        "1.5".to_owned(),
    ] {
        let reply = door
            .get(&format!("{EGAIN_CUSTOMER}/{ids}"), Some("application/json"))
            .await;
        egain_error(&reply, 400);
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{ids}"
        );
    }
}

async fn a_read_in_neither_format_is_406(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let jack = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[0]).await);
    let reply = door.get(&read_path(&[jack]), Some("text/html")).await;
    egain_error(&reply, 406);
    let reply = door
        .get(
            &format!("{EGAIN_CUSTOMER}?email={SEED_EMAIL}"),
            Some("text/html"),
        )
        .await;
    egain_error(&reply, 406);
}

async fn search_by_email_ignores_case(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[0]).await);
    let john = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[2]).await);
    for email in [SEED_EMAIL, "John.Russel@CUSTOMER.com"] {
        let path = format!("{EGAIN_CUSTOMER}?email={email}");
        let found = json_list(&door.get(&path, Some("application/json")).await);
        assert_eq!(listed_ids(&found), [john], "{email}");
        let reply = door.get(&path, None).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let root = parse_xml(&reply.text);
        assert_eq!(root.name, "customers");
        assert_eq!(root.all("customer").len(), 1);
    }
}

async fn search_by_phone_finds_the_seed_number(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let john = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[3]).await);
    let path = format!("{EGAIN_CUSTOMER}?phone=234%203456");
    let found = json_list(&door.get(&path, Some("application/json")).await);
    assert_eq!(listed_ids(&found), [john]);
    let plus = format!("{EGAIN_CUSTOMER}?phone=234+3456");
    assert_eq!(
        listed_ids(&json_list(&door.get(&plus, Some("application/json")).await)),
        [john]
    );
}

async fn a_search_with_no_match_is_204(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[3]).await);
    for query in ["email=nobody@customer.com", "phone=234%203457", "phone=234"] {
        let reply = door
            .get(
                &format!("{EGAIN_CUSTOMER}?{query}"),
                Some("application/json"),
            )
            .await;
        assert_eq!(reply.status, 204, "{query}: {}", reply.text);
        assert!(reply.text.is_empty());
        assert_eq!(reply.header("x-egain-session"), Some(door.session.as_str()));
    }
}

async fn search_pages_over_matches(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let first = created(
        &door,
        &door
            .create("application/json", example_2_with_email("a@customer.com"))
            .await,
    );
    let second = created(
        &door,
        &door
            .create("application/json", example_2_with_email("b@customer.com"))
            .await,
    );
    let page = |n: u32| format!("{EGAIN_CUSTOMER}?phone=234%203456&$pagesize=1&$pagenum={n}");
    let one = listed_ids(&json_list(
        &door.get(&page(1), Some("application/json")).await,
    ));
    let two = listed_ids(&json_list(
        &door.get(&page(2), Some("application/json")).await,
    ));
    assert_eq!(one.len(), 1);
    assert_eq!(two.len(), 1);
    let mut seen = [one[0], two[0]];
    let mut made = [first, second];
    seen.sort_unstable();
    made.sort_unstable();
    assert_eq!(seen, made);
    let reply = door.get(&page(3), Some("application/json")).await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    let all = format!("{EGAIN_CUSTOMER}?phone=234%203456");
    assert_eq!(
        json_list(&door.get(&all, Some("application/json")).await).len(),
        2
    );
}

async fn a_search_takes_email_or_phone_and_known_parameters(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[3]).await);
    for query in [
        "",
        "?$pagesize=1",
        "?email=john.russel@customer.com&colour=red",
        "?name=John",
        "?email=john.russel@customer.com&$pagesize=0",
        "?email=john.russel@customer.com&$pagenum=x",
    ] {
        let reply = door
            .get(
                &format!("{EGAIN_CUSTOMER}{query}"),
                Some("application/json"),
            )
            .await;
        egain_error(&reply, 400);
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{query}"
        );
    }
    let reply = door.get(&format!("{EGAIN_CUSTOMER}?name=John"), None).await;
    let (_, message) = egain_error(&reply, 400);
    assert!(message.contains("name"), "{message}");
    assert_eq!(reply.header("content-type"), Some("application/xml"));
}

// Sessions.

async fn no_or_a_made_up_session_is_401_in_the_request_format(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let [xml_1, json_1, _, _] = seed();
    let made_up = "0".repeat(64);
    for session in [None, Some(made_up.as_str())] {
        let with = |content_type: &'static str| {
            let mut headers = vec![("content-type", content_type), ("accept", content_type)];
            headers.extend(session.map(|s| ("x-egain-session", s)));
            headers
        };
        for (content_type, body) in [
            ("application/xml", &xml_1.body),
            ("application/json", &json_1.body),
        ] {
            let reply = door
                .door
                .send(
                    Method::POST,
                    EGAIN_CUSTOMER,
                    &with(content_type),
                    Some(body.clone().into_bytes()),
                )
                .await;
            let (code, _) = egain_error(&reply, 401);
            assert_eq!(code, "401-101");
            assert_eq!(reply.header("content-type"), Some(content_type));
        }
        let mut headers = vec![("accept", "application/json")];
        headers.extend(session.map(|s| ("x-egain-session", s)));
        let reply = door
            .door
            .send(Method::GET, &format!("{EGAIN_CUSTOMER}/1"), &headers, None)
            .await;
        egain_error(&reply, 401);
        assert_eq!(reply.header("content-type"), Some("application/json"));
    }
    assert!(list(&door.app.admin, "/v1/customers").await.is_empty());
}

async fn every_answer_carries_the_session(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let session = Some(door.session.as_str());
    let reply = post_seed(&door, EGAIN_CUSTOMER, &seed()[3]).await;
    let id = created(&door, &reply);
    let answers = [
        (200, door.get(&read_path(&[id]), None).await),
        (
            200,
            door.get(&format!("{EGAIN_CUSTOMER}?email={SEED_EMAIL}"), None)
                .await,
        ),
        (
            204,
            door.get(&format!("{EGAIN_CUSTOMER}?email=no@customer.com"), None)
                .await,
        ),
        (400, door.create("application/json", "{").await),
        (400, post_seed(&door, EGAIN_CUSTOMER, &seed()[2]).await),
        (404, door.get(&read_path(&[id + 1]), None).await),
        (406, door.get(&read_path(&[id]), Some("text/html")).await),
        (415, door.create("text/plain", "hello").await),
    ];
    for (status, reply) in answers {
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
        assert_eq!(reply.header("x-egain-session"), session, "{status}");
    }
}

async fn a_reader_cannot_create(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    door.app
        .make_user("viewer", "reader", "default", "viewer-password-1");
    let session = egain_login(&door.door, "viewer", "viewer-password-1").await;
    let [xml_1, json_1, _, _] = seed();
    for (content_type, body) in [
        ("application/xml", &xml_1.body),
        ("application/json", &json_1.body),
    ] {
        let headers = [
            ("content-type", content_type),
            ("accept", content_type),
            ("x-egain-session", session.as_str()),
        ];
        let reply = door
            .door
            .send(
                Method::POST,
                EGAIN_CUSTOMER,
                &headers,
                Some(body.clone().into_bytes()),
            )
            .await;
        egain_error(&reply, 403);
        assert_eq!(reply.header("content-type"), Some(content_type));
        assert_eq!(reply.header("x-egain-session"), Some(session.as_str()));
    }
    assert!(list(&door.app.admin, "/v1/customers").await.is_empty());
    // A reader reads what a writer made.
    let jack = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &xml_1).await);
    let headers = [
        ("accept", "application/json"),
        ("x-egain-session", session.as_str()),
    ];
    let reply = door
        .door
        .send(Method::GET, &read_path(&[jack]), &headers, None)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

// Idempotency and events.

async fn a_retried_create_with_an_idempotency_key_is_replayed(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let headers = [
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("idempotency-key", "create-john-1"),
    ];
    let body = seed()[3].body.clone().into_bytes();
    let first = door
        .send(Method::POST, EGAIN_CUSTOMER, &headers, Some(body.clone()))
        .await;
    let id = created(&door, &first);
    assert_eq!(first.header("idempotent-replayed"), None);
    let retry = door
        .send(Method::POST, EGAIN_CUSTOMER, &headers, Some(body))
        .await;
    assert_eq!(created(&door, &retry), id);
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let path = format!("{EGAIN_CUSTOMER}?email={SEED_EMAIL}");
    assert_eq!(
        listed_ids(&json_list(&door.get(&path, Some("application/json")).await)),
        [id]
    );
    assert_eq!(list(&door.app.admin, "/v1/customers").await.len(), 1);
}

async fn a_create_writes_one_customer_created_event_without_secrets(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let id = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[2]).await);
    egain_error(&post_seed(&door, EGAIN_CUSTOMER, &seed()[3]).await, 400);
    let reply = door.app.admin.get("/v1/events?limit=1000").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let events: Vec<Value> = reply.json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity"] == "customer")
        .cloned()
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event["type"], "customer.created");
    assert_eq!(event["actor"], "user:agent", "{event}");
    assert_eq!(event["data"]["egainId"], json!(id));
    assert_eq!(
        event["data"]["contact"]["contactPersons"][0]["firstName"],
        "John"
    );
    assert!(!member_names(event)
        .iter()
        .any(|n| n == "pin" || n == "secretAnswer"));
    let rest = without(&event["data"], &["id", "createdAt", "updatedAt", "egainId"]).to_string();
    assert!(!rest.contains("0121") && !rest.contains("Texas"), "{event}");
}

async fn an_idempotency_key_reused_for_another_body_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let headers = [
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("idempotency-key", "create-john-2"),
    ];
    let first = door
        .send(
            Method::POST,
            EGAIN_CUSTOMER,
            &headers,
            Some(example_2_with_email("a@customer.com")),
        )
        .await;
    created(&door, &first);
    let other = door
        .send(
            Method::POST,
            EGAIN_CUSTOMER,
            &headers,
            Some(example_2_with_email("b@customer.com")),
        )
        .await;
    egain_error(&other, 400);
    assert_eq!(other.header("content-type"), Some("application/json"));
    assert_eq!(list(&door.app.admin, "/v1/customers").await.len(), 1);
}

// Tenants.

async fn another_tenants_customers_are_not_seen(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let john = created(&door, &post_seed(&door, EGAIN_CUSTOMER, &seed()[3]).await);
    door.app
        .make_user("outsider", "writer", "other", "outsider-password-1");
    let session = egain_login(&door.door, "outsider", "outsider-password-1").await;
    let as_outsider = |path: String| {
        let session = session.clone();
        let client = door.door.clone();
        async move {
            let headers = [
                ("accept", "application/json"),
                ("x-egain-session", session.as_str()),
            ];
            client.send(Method::GET, &path, &headers, None).await
        }
    };
    egain_error(&as_outsider(read_path(&[john])).await, 404);
    let search = as_outsider(format!("{EGAIN_CUSTOMER}?email={SEED_EMAIL}")).await;
    assert_eq!(search.status, 204, "{}", search.text);
    // Email addresses are unique within a tenant only.
    let headers = [
        ("content-type", "application/json"),
        ("x-egain-session", session.as_str()),
    ];
    let reply = door
        .door
        .send(
            Method::POST,
            EGAIN_CUSTOMER,
            &headers,
            Some(seed()[3].body.clone().into_bytes()),
        )
        .await;
    let theirs = egain_created_id(&reply);
    assert_ne!(theirs, john);
    egain_error(&door.get(&read_path(&[theirs]), None).await, 404);
}

// Door bugs.

/// Example 1 in JSON with the contact person's id (and its one email point's) chosen by
/// the client.
fn with_contact_ids(first_name: &str, email: &str) -> Vec<u8> {
    json!({
        "type": {"value": "individual"},
        "contactPersons": {"contactPerson": [{
            "id": "person-chosen-1",
            "firstName": first_name,
            "contactPoints": {"contactPoint": [{
                "id": "point-chosen-1",
                "type": {"value": "email", "email": {"emailAddress": email}}
            }]}
        }]}
    })
    .to_string()
    .into_bytes()
}

/// A create may name contact ids (eGain's edits do), but ids are the registry's to give: the
/// ones a create names are not taken, so ids another customer holds, in this tenant or
/// another, neither fail the create nor show up on it.
async fn a_create_does_not_take_the_contact_ids_it_names(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let mut numbers = vec![];
    for (name, email) in [("Ann", "ann@customer.com"), ("Bob", "bob@customer.com")] {
        let reply = door
            .create("application/json", with_contact_ids(name, email))
            .await;
        numbers.push(egain_created_id(&reply));
    }
    door.app
        .make_user("outsider", "writer", "other", "outsider-password-1");
    let session = egain_login(&door.door, "outsider", "outsider-password-1").await;
    let headers = [
        ("content-type", "application/json"),
        ("x-egain-session", session.as_str()),
    ];
    let theirs = door
        .door
        .send(
            Method::POST,
            EGAIN_CUSTOMER,
            &headers,
            Some(with_contact_ids("Cy", "cy@customer.com")),
        )
        .await;
    egain_created_id(&theirs);
    let mut ids = std::collections::BTreeSet::new();
    for number in numbers {
        let read = door
            .get(
                &format!("{EGAIN_CUSTOMER}/{number}"),
                Some("application/json"),
            )
            .await;
        assert_eq!(read.status, 200, "{}", read.text);
        let person = &read.json()["contactPersons"]["contactPerson"][0];
        let point = &person["contactPoints"]["contactPoint"][0];
        for id in [&person["id"], &point["id"]] {
            let id = id.as_str().expect("an id").to_owned();
            assert!(!id.ends_with("chosen-1"), "a named id was taken: {id}");
            assert!(ids.insert(id), "an id twice");
        }
    }
}

both_backends!(
    a_create_does_not_take_the_contact_ids_it_names,
    the_seed_requests_are_created,
    a_duplicate_email_in_xml_is_refused_in_xml,
    the_system_prefix_serves_the_door_too,
    example_2_reads_back_in_json_as_sent,
    example_2_reads_back_in_xml_in_egains_namespaces,
    no_read_shows_the_pin_or_secret_answer,
    the_native_door_sees_an_egain_customer,
    a_native_customer_reads_through_the_egain_door,
    several_ids_read_as_a_customers_list,
    reading_only_unknown_ids_is_404,
    at_most_75_ids_are_read_at_once,
    a_non_numeric_id_is_400,
    a_read_in_neither_format_is_406,
    search_by_email_ignores_case,
    search_by_phone_finds_the_seed_number,
    a_search_with_no_match_is_204,
    search_pages_over_matches,
    a_search_takes_email_or_phone_and_known_parameters,
    no_or_a_made_up_session_is_401_in_the_request_format,
    every_answer_carries_the_session,
    a_reader_cannot_create,
    a_retried_create_with_an_idempotency_key_is_replayed,
    a_create_writes_one_customer_created_event_without_secrets,
    an_idempotency_key_reused_for_another_body_is_refused,
    another_tenants_customers_are_not_seen,
);
