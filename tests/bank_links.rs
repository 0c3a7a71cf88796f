//! Pending links and bank updates on both backends: a link resolved later is in the change
//! feed, on any door (a create, a rename); a `PUT` that changes nothing writes nothing, one
//! that changes an account tells only of it; DEACTIVATED objects take no `PUT`; a `PUT` names
//! an account's owners as they are now; two processes storing a link and its customer at
//! once always end linked.

#[macro_use]
mod common;

use common::{errs, id, list, whole_feed, Backend, Client, Reply, TestApp, ADMIN_KEY};
use reqwest::Method;
use serde_json::{json, Value};

const PATH: &str = "/v2/data/customers";

fn card(account: &str, holder: &str, last4: &str) -> Value {
    json!({
        "sourceAccountId": account, "sourceCustomerId": holder, "last4": last4, "iin": "123456",
        "cardType": "CREDIT", "status": "OPEN", "networkIdentifier": "4",
        "openDate": "2023-01-01T08:00:00Z", "closeDate": null
    })
}

/// An account of `owners`, the first its primary owner, with a card of the first owner's.
fn account(id: &str, owners: &[&str]) -> Value {
    held(id, owners, owners[0])
}

/// The copy of an account listed under `holder`, with `holder`'s card.
fn held(id: &str, owners: &[&str], holder: &str) -> Value {
    json!({
        "sourceAccountId": id, "sourceCustomerIds": owners, "primarySourceCustomerId": owners[0],
        "status": "OPEN", "type": "DDA", "sourcePortfolioId": "p1",
        "accountOpenDate": "2018-05-12T20:30:00Z", "accountCloseDate": null,
        "cards": [card(id, holder, "1111")]
    })
}

fn customer(id: &str, parent: Option<&str>, accounts: Vec<Value>) -> Value {
    json!({
        "sourceCustomerId": id, "sourceParentCustomerId": parent, "organizationId": "50004",
        "postalCode": "78753", "country": "US", "customerCreationDate": "2017-01-01T08:00:00Z",
        "enrollmentStartDate": "2023-01-01T08:00:00Z", "enrollmentEndDate": null,
        "enrollmentOptInStatus": "ACTIVE", "alertOptInStatus": ["ALL"],
        "targetingIndicator": "TARGET", "accounts": accounts
    })
}

fn batch(customers: Vec<Value>) -> Value {
    json!({ "customers": customers })
}

async fn post(client: &Client, body: &Value) -> Reply {
    client.post(PATH, body).await
}

async fn put(client: &Client, body: &Value) -> Reply {
    let headers = [("content-type", "application/json")];
    let body = Some(body.to_string().into_bytes());
    client.send(Method::PUT, PATH, &headers, body).await
}

async fn ok(reply: Reply) -> Reply {
    assert!(reply.status == 200 || reply.status == 201, "{}", reply.text);
    reply
}

/// The one object of `kind` with this external id, as `/v1` shows it.
async fn one(app: &TestApp, kind: &str, external_id: &str) -> Value {
    let found = list(&app.admin, &format!("/v1/{kind}?externalId={external_id}")).await;
    assert_eq!(found.len(), 1, "{kind} {external_id}: {found:?}");
    found[0].clone()
}

async fn native(app: &TestApp, external_id: &str) -> Value {
    let reply = app
        .admin
        .post("/v1/customers", &common::customer_body(external_id))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

/// The feed's events after `after` of them: type, entity id and the object they carry.
async fn events_after(app: &TestApp, after: usize) -> Vec<(String, String, Value)> {
    whole_feed(&app.admin)
        .await
        .into_iter()
        .skip(after)
        .map(|e| {
            let kind = e["type"].as_str().unwrap().to_owned();
            (
                kind,
                e["id"].as_str().unwrap().to_owned(),
                e["data"].clone(),
            )
        })
        .collect()
}

fn types(events: &[(String, String, Value)]) -> Vec<&str> {
    events.iter().map(|(t, _, _)| t.as_str()).collect()
}

/// Every owner of an account is linked; none is awaited.
fn all_linked(account: &Value) -> bool {
    account["customers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|o| o["refId"].is_string())
}

async fn a_link_resolved_later_is_in_the_change_feed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let child = customer("child", Some("mum"), vec![account("acc", &["child", "co"])]);
    ok(post(&app.admin, &batch(vec![child])).await).await;
    let before = whole_feed(&app.admin).await.len();
    assert_eq!(before, 2, "the child and its account");
    // The parent arrives on the native door: the child changed, and says so.
    let mum = native(&app, "mum").await;
    let events = events_after(&app, before).await;
    assert_eq!(types(&events), ["customer.created", "customer.updated"]);
    let child = one(&app, "customers", "child").await;
    assert_eq!(events[1].1, id(&child));
    assert_eq!(
        events[1].2, child,
        "the event carries the child as committed"
    );
    assert_eq!(child["parent"]["refId"], mum["id"]);
    // The co-owner arrives in a bank batch: the account it co-owns changed.
    let co = customer("co", None, vec![account("acc-co", &["co"])]);
    ok(post(&app.admin, &batch(vec![co])).await).await;
    let events = events_after(&app, before + 2).await;
    assert_eq!(
        types(&events),
        ["customer.created", "account.updated", "account.created"]
    );
    let joint = one(&app, "accounts", "acc").await;
    assert_eq!(
        events[1].2, joint,
        "the event carries the account as committed"
    );
    assert!(all_linked(&joint), "{joint}");
    assert_ne!(joint["updatedAt"], joint["createdAt"]);
    // A link made within one batch is in the created event already: no more events.
    let kid = customer(
        "kid",
        Some("dad"),
        vec![account("acc-kid", &["kid", "dad"])],
    );
    let dad = customer("dad", None, vec![account("acc-dad", &["dad"])]);
    ok(post(&app.admin, &batch(vec![kid, dad])).await).await;
    let events = events_after(&app, before + 5).await;
    assert_eq!(
        types(&events),
        [
            "customer.created",
            "customer.created",
            "account.created",
            "account.created"
        ]
    );
    let kid = one(&app, "customers", "kid").await;
    assert_eq!(events[0].2, kid);
    assert_eq!(
        kid["parent"]["refId"],
        one(&app, "customers", "dad").await["id"]
    );
}

async fn renaming_a_customer_onto_an_awaited_id_links_what_awaited_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let child = customer(
        "child",
        Some("later"),
        vec![account("acc", &["child", "later"])],
    );
    ok(post(&app.admin, &batch(vec![child])).await).await;
    let renamed = native(&app, "sooner").await;
    let before = whole_feed(&app.admin).await.len();
    let path = format!("/v1/customers/{}", id(&renamed));
    let patch = |body: Value| {
        let client = app.admin.clone();
        let path = path.clone();
        async move {
            let headers = [("content-type", "application/merge-patch+json")];
            let body = Some(body.to_string().into_bytes());
            client.send(Method::PATCH, &path, &headers, body).await
        }
    };
    let reply = patch(json!({"externalId": "later"})).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let child = one(&app, "customers", "child").await;
    assert_eq!(child["parent"]["refId"], renamed["id"]);
    let joint = one(&app, "accounts", "acc").await;
    assert!(all_linked(&joint), "{joint}");
    let events = events_after(&app, before).await;
    assert_eq!(events.len(), 3, "{events:?}");
    assert_eq!(events[0].0, "customer.updated");
    assert_eq!(events[0].1, id(&renamed));
    let mut linked: Vec<_> = events[1..]
        .iter()
        .map(|(t, _, data)| (t.clone(), data.clone()))
        .collect();
    linked.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        linked,
        [
            ("account.updated".to_owned(), joint),
            ("customer.updated".to_owned(), child)
        ]
    );
    // Renaming a customer onto the id its own ancestor awaits would make a circle.
    let top = customer("top", Some("missing"), vec![account("acc-top", &["top"])]);
    ok(post(&app.admin, &batch(vec![top])).await).await;
    let mut low = common::customer_body("low");
    low["parent"] = json!({"externalId": "top"});
    let low = ok(app.admin.post("/v1/customers", &low).await).await.json();
    assert_eq!(
        low["parent"]["refId"],
        one(&app, "customers", "top").await["id"]
    );
    let before = whole_feed(&app.admin).await.len();
    let reply = app
        .admin
        .send(
            Method::PATCH,
            &format!("/v1/customers/{}", id(&low)),
            &[("content-type", "application/merge-patch+json")],
            Some(json!({"externalId": "missing"}).to_string().into_bytes()),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    // The member that closes the circle is the new id, not a parent the patch never sent.
    assert_eq!(reply.field_errors(), errs(&[("externalId", "NOT_ALLOWED")]));
    assert_eq!(
        one(&app, "customers", "top").await["parent"],
        json!({"refId": null, "externalId": "missing"})
    );
    assert_eq!(one(&app, "customers", "low").await, low, "nothing written");
    assert_eq!(whole_feed(&app.admin).await.len(), before);
}

/// Two customers: `c1` with two accounts (one joint with `c2`) and an awaited parent and
/// co-owner, `c2` with the joint account.
fn family() -> (Value, Value) {
    let c1 = customer(
        "c1",
        Some("far"),
        vec![
            account("acc-1", &["c1", "away"]),
            account("acc-j", &["c1", "c2"]),
        ],
    );
    let c2 = customer("c2", None, vec![held("acc-j", &["c1", "c2"], "c2")]);
    (c1, c2)
}

async fn a_put_that_changes_nothing_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (c1, c2) = family();
    ok(post(&app.admin, &batch(vec![c1.clone(), c2.clone()])).await).await;
    let before = whole_feed(&app.admin).await.len();
    let customer = one(&app, "customers", "c1").await;
    let states = format!("/v1/customers/{}/states", id(&customer));
    let history = app.admin.get(&states).await.json();
    let accounts = [
        one(&app, "accounts", "acc-1").await,
        one(&app, "accounts", "acc-j").await,
    ];
    ok(put(&app.admin, &batch(vec![c1.clone(), c2.clone()])).await).await;
    assert_eq!(whole_feed(&app.admin).await.len(), before, "no event");
    assert_eq!(one(&app, "customers", "c1").await, customer, "c1 untouched");
    assert_eq!(app.admin.get(&states).await.json(), history);
    assert_eq!(one(&app, "accounts", "acc-1").await, accounts[0]);
    assert_eq!(one(&app, "accounts", "acc-j").await, accounts[1]);
    // Changing one account tells of that account alone.
    let mut changed = c1;
    changed["accounts"][0]["status"] = json!("CLOSED");
    ok(put(&app.admin, &batch(vec![changed])).await).await;
    let events = events_after(&app, before).await;
    assert_eq!(types(&events), ["account.updated"]);
    assert_eq!(events[0].1, id(&accounts[0]));
    assert_eq!(events[0].2["bankAccount"]["status"], "CLOSED");
    assert_eq!(one(&app, "customers", "c1").await, customer);
    assert_eq!(one(&app, "accounts", "acc-j").await, accounts[1]);
    // So does a card's new status.
    let mut changed = c2;
    changed["accounts"][0]["cards"][0]["status"] = json!("CLOSED");
    ok(put(&app.admin, &batch(vec![changed.clone()])).await).await;
    ok(put(&app.admin, &batch(vec![changed])).await).await;
    let events = events_after(&app, before + 1).await;
    assert_eq!(types(&events), ["account.updated"], "once, not twice");
    assert_eq!(events[0].1, id(&accounts[1]));
}

/// Each object a `PUT` changed is told of as it reads back afterwards: a customer moved
/// under a stored parent with a new profile, one now awaiting a parent, an account with new
/// bank fields, a card's status and a co-owner dropped, an account added.
async fn a_put_tells_of_each_change_as_it_reads_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (c1, c2) = family();
    ok(post(&app.admin, &batch(vec![c1.clone(), c2.clone()])).await).await;
    let mum = customer("mum", None, vec![account("acc-mum", &["mum"])]);
    ok(post(&app.admin, &batch(vec![mum])).await).await;
    let before = whole_feed(&app.admin).await.len();
    let mut moved = c1.clone();
    moved["sourceParentCustomerId"] = json!("mum");
    moved["postalCode"] = json!("10001");
    moved["accounts"][0]["sourceCustomerIds"] = json!(["c1"]);
    moved["accounts"][1]["status"] = json!("DISPUTE");
    moved["accounts"][1]["cards"][0]["status"] = json!("CLOSED");
    moved["accounts"][1]["cards"][0]["closeDate"] = json!("2024-02-01T00:00:00Z");
    let added = account("acc-new", &["c1"]);
    moved["accounts"].as_array_mut().unwrap().push(added);
    let mut waiting = c2.clone();
    waiting["sourceParentCustomerId"] = json!("not-yet");
    waiting["accounts"][0]["status"] = json!("DISPUTE");
    ok(put(&app.admin, &batch(vec![moved, waiting])).await).await;
    let events = events_after(&app, before).await;
    assert_eq!(
        types(&events),
        [
            "customer.updated",
            "customer.updated",
            "account.updated",
            "account.updated",
            "account.created"
        ]
    );
    let now = [
        one(&app, "customers", "c1").await,
        one(&app, "customers", "c2").await,
        one(&app, "accounts", "acc-1").await,
        one(&app, "accounts", "acc-j").await,
        one(&app, "accounts", "acc-new").await,
    ];
    for (event, read) in events.iter().zip(&now) {
        assert_eq!(&event.2, read, "{} {}", event.0, event.1);
    }
    let mum = one(&app, "customers", "mum").await;
    assert_eq!(now[0]["parent"]["refId"], mum["id"]);
    assert_eq!(now[0]["bankProfile"]["postalCode"], "10001");
    assert_eq!(
        now[1]["parent"],
        json!({"refId": null, "externalId": "not-yet"})
    );
    assert_eq!(
        now[2]["customers"].as_array().unwrap().len(),
        1,
        "{}",
        now[2]
    );
    assert_eq!(now[3]["bankAccount"]["status"], "DISPUTE");
    // Sent again, it is all as stored: nothing is written.
    let feed = whole_feed(&app.admin).await.len();
    let mut again = c1;
    again["sourceParentCustomerId"] = json!("mum");
    again["postalCode"] = json!("10001");
    again["accounts"][0]["sourceCustomerIds"] = json!(["c1"]);
    again["accounts"][1]["status"] = json!("DISPUTE");
    again["accounts"][1]["cards"][0]["status"] = json!("CLOSED");
    again["accounts"][1]["cards"][0]["closeDate"] = json!("2024-02-01T00:00:00Z");
    again["accounts"]
        .as_array_mut()
        .unwrap()
        .push(account("acc-new", &["c1"]));
    let mut waiting = c2;
    waiting["sourceParentCustomerId"] = json!("not-yet");
    waiting["accounts"][0]["status"] = json!("DISPUTE");
    ok(put(&app.admin, &batch(vec![again, waiting])).await).await;
    assert_eq!(whole_feed(&app.admin).await.len(), feed);
    assert_eq!(one(&app, "customers", "c1").await, now[0]);
    assert_eq!(one(&app, "accounts", "acc-j").await, now[3]);
}

async fn deactivate(app: &TestApp, kind: &str, object: &Value) {
    let reply = app
        .admin
        .post(
            &format!("/v1/{kind}/{}/state", id(object)),
            &json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn deactivated_objects_take_no_put_and_closed_accounts_reopen(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (c1, c2) = family();
    ok(post(&app.admin, &batch(vec![c1.clone(), c2])).await).await;
    // A bank's CLOSED is a status like any other: it may go back to OPEN.
    let mut closed = c1.clone();
    closed["accounts"][0]["status"] = json!("CLOSED");
    ok(put(&app.admin, &batch(vec![closed])).await).await;
    let read = one(&app, "accounts", "acc-1").await;
    assert_eq!(read["bankAccount"]["status"], "CLOSED");
    ok(put(&app.admin, &batch(vec![c1.clone()])).await).await;
    let read = one(&app, "accounts", "acc-1").await;
    assert_eq!(read["bankAccount"]["status"], "OPEN");
    assert_eq!(read["state"]["state"], "ACTIVE", "{read}");
    // A DEACTIVATED account takes no update, and nothing else of the PUT is written.
    deactivate(&app, "accounts", &read).await;
    let before = whole_feed(&app.admin).await.len();
    let accounts = list(&app.admin, "/v1/accounts").await;
    let customers = list(&app.admin, "/v1/customers").await;
    let mut reopen = c1.clone();
    reopen["postalCode"] = json!("10001");
    reopen["accounts"][1]["status"] = json!("CLOSED");
    let reply = put(&app.admin, &batch(vec![reopen])).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("customers[0].accounts[0].sourceAccountId", "INVALID_STATE")])
    );
    assert_eq!(whole_feed(&app.admin).await.len(), before);
    assert_eq!(list(&app.admin, "/v1/accounts").await, accounts);
    assert_eq!(list(&app.admin, "/v1/customers").await, customers);
    let read = one(&app, "accounts", "acc-1").await;
    assert_eq!(read["state"]["state"], "DEACTIVATED");
    // A DEACTIVATED customer takes none either.
    let customer = one(&app, "customers", "c1").await;
    deactivate(&app, "customers", &customer).await;
    let before = whole_feed(&app.admin).await.len();
    let customers = list(&app.admin, "/v1/customers").await;
    let mut moved = c1;
    moved["postalCode"] = json!("10001");
    moved["accounts"] = json!([]);
    let reply = put(&app.admin, &batch(vec![moved])).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("customers[0].sourceCustomerId", "INVALID_STATE")])
    );
    assert_eq!(whole_feed(&app.admin).await.len(), before);
    assert_eq!(list(&app.admin, "/v1/customers").await, customers);
}

async fn owners_of_an_account(app: &TestApp, external_id: &str) -> Vec<(String, bool)> {
    let account = one(app, "accounts", external_id).await;
    let mut owners: Vec<(String, bool)> = account["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let name = o["externalId"].as_str().unwrap_or_default().to_owned();
            (name, o["primary"].as_bool().unwrap())
        })
        .collect();
    owners.sort();
    owners
}

async fn a_put_names_the_owners_an_account_has_now(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (c1, c2) = family();
    ok(post(&app.admin, &batch(vec![c1.clone(), c2])).await).await;
    let owned = |names: &[(&str, bool)]| -> Vec<(String, bool)> {
        names.iter().map(|(n, p)| (n.to_string(), *p)).collect()
    };
    assert_eq!(
        owners_of_an_account(&app, "acc-1").await,
        owned(&[("away", false), ("c1", true)])
    );
    // Co-owners not named any more, linked or awaited, are owners no more.
    let mut alone = c1.clone();
    alone["accounts"][0]["sourceCustomerIds"] = json!(["c1"]);
    alone["accounts"][1]["sourceCustomerIds"] = json!(["c1"]);
    let before = whole_feed(&app.admin).await.len();
    ok(put(&app.admin, &batch(vec![alone])).await).await;
    assert_eq!(
        owners_of_an_account(&app, "acc-1").await,
        owned(&[("c1", true)])
    );
    assert_eq!(
        owners_of_an_account(&app, "acc-j").await,
        owned(&[("c1", true)])
    );
    let events = events_after(&app, before).await;
    assert_eq!(types(&events), ["account.updated", "account.updated"]);
    // The one left waiting for "away" went with it: storing "away" links nothing.
    native(&app, "away").await;
    assert_eq!(
        owners_of_an_account(&app, "acc-1").await,
        owned(&[("c1", true)])
    );
    // Named again, they are owners again.
    ok(put(&app.admin, &batch(vec![c1])).await).await;
    assert_eq!(
        owners_of_an_account(&app, "acc-1").await,
        owned(&[("away", false), ("c1", true)])
    );
    assert_eq!(
        owners_of_an_account(&app, "acc-j").await,
        owned(&[("c1", true), ("c2", false)])
    );
    // The primary owner is never dropped: an account whose primary owner is not named is
    // another's, as on a create.
    let c2_alone = customer("c2", None, vec![account("acc-j", &["c2"])]);
    let reply = put(&app.admin, &batch(vec![c2_alone])).await;
    reply.problem(409, "CONFLICT");
    assert_eq!(
        owners_of_an_account(&app, "acc-j").await,
        owned(&[("c1", true), ("c2", false)])
    );
}

/// Sends a request until the data is not busy with the other writer; its answer.
async fn until_done(client: &Client, path: &str, body: &Value) -> Reply {
    for _ in 0..20 {
        let reply = client.post(path, body).await;
        if reply.status != 503 {
            return ok(reply).await;
        }
    }
    panic!("busy twenty times");
}

async fn a_link_and_its_customer_stored_at_once_on_two_servers_end_linked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let second = app.another_server();
    let other = Client::new(&second.base, ADMIN_KEY);
    for round in 0..40 {
        let (child, awaited) = (format!("child-{round}"), format!("awaited-{round}"));
        let joint = format!("acc-{round}");
        let bank = batch(vec![customer(
            &child,
            Some(&awaited),
            vec![account(&joint, &[&child, &awaited])],
        )]);
        let native = common::customer_body(&awaited);
        tokio::join!(
            until_done(&app.admin, PATH, &bank),
            until_done(&other, "/v1/customers", &native)
        );
        let parent = one(&app, "customers", &awaited).await;
        let read = one(&app, "customers", &child).await;
        assert_eq!(
            read["parent"]["refId"], parent["id"],
            "round {round}: {read}"
        );
        let joint = one(&app, "accounts", &joint).await;
        assert!(all_linked(&joint), "round {round}: {joint}");
    }
}

both_backends!(
    a_link_resolved_later_is_in_the_change_feed,
    renaming_a_customer_onto_an_awaited_id_links_what_awaited_it,
    a_put_that_changes_nothing_writes_nothing,
    a_put_tells_of_each_change_as_it_reads_back,
    deactivated_objects_take_no_put_and_closed_accounts_reopen,
    a_put_names_the_owners_an_account_has_now,
    a_link_and_its_customer_stored_at_once_on_two_servers_end_linked,
);
