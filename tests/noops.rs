//! Changes that change nothing write nothing, on both backends: an empty `PATCH {}`, a
//! patch of the values an object has, a move to the state and reason it has. Each answers
//! 200 with the object as it is: no `updatedAt` bump, no history, no event.

#[macro_use]
mod common;

use common::{id, Backend, Client, Reply, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn patch(client: &Client, path: &str, body: &Value) -> Reply {
    client
        .send(
            Method::PATCH,
            path,
            &[("content-type", "application/merge-patch+json")],
            Some(body.to_string().into_bytes()),
        )
        .await
}

async fn events(app: &TestApp) -> Vec<Value> {
    let reply = app.admin.get("/v1/events?after=0&limit=1000").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["data"].as_array().unwrap().clone()
}

async fn history(app: &TestApp, path: &str) -> Vec<Value> {
    let reply = app.admin.get(path).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["data"].as_array().unwrap().clone()
}

/// What a no-op may not touch: the object, its histories and the feed.
struct Snapshot {
    object: Value,
    states: Vec<Value>,
    segments: Vec<Value>,
    events: usize,
}

async fn snapshot(app: &TestApp, path: &str) -> Snapshot {
    let object = app.admin.get(path).await;
    assert_eq!(object.status, 200, "{}", object.text);
    Snapshot {
        object: object.json(),
        states: history(app, &format!("{path}/states")).await,
        segments: history(app, &format!("{path}/segments")).await,
        events: events(app).await.len(),
    }
}

async fn assert_untouched(app: &TestApp, path: &str, before: &Snapshot, answer: &Reply) {
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(
        answer.json(),
        before.object,
        "the answer is the object as it is"
    );
    let after = snapshot(app, path).await;
    assert_eq!(after.object, before.object, "the object changed");
    assert_eq!(after.states, before.states, "state history was written");
    assert_eq!(
        after.segments, before.segments,
        "segment history was written"
    );
    assert_eq!(after.events, before.events, "an event was written");
}

async fn a_patch_that_changes_nothing_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = common::customer_body("quiet");
    body["customName"] = json!("Quiet Ltd");
    body["customAttributes"] = json!({"tier": "gold"});
    let created = app.admin.post("/v1/customers", &body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let path = format!("/v1/customers/{}", id(&created.json()));
    let before = snapshot(&app, &path).await;

    for same in [
        json!({}),
        json!({"customName": "Quiet Ltd"}),
        json!({"externalId": "quiet", "customerSegment": "b2b"}),
        json!({"customAttributes": {"tier": "gold"}}),
        json!({"requestId": "noop-patch"}),
    ] {
        let reply = patch(&app.admin, &path, &same).await;
        assert_untouched(&app, &path, &before, &reply).await;
    }
    // Its retry is the same answer, replayed.
    let again = patch(&app.admin, &path, &json!({"requestId": "noop-patch"})).await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_untouched(&app, &path, &before, &again).await;

    // A patch that does change something still writes, and says so in the feed.
    let changed = patch(&app.admin, &path, &json!({"customName": "Loud Ltd"})).await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    let after = snapshot(&app, &path).await;
    assert_eq!(after.object["customName"], "Loud Ltd");
    assert_ne!(after.object["updatedAt"], before.object["updatedAt"]);
    assert_eq!(after.events, before.events + 1);
}

async fn a_move_to_the_state_an_object_has_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app
        .admin
        .post("/v1/customers", &common::customer_body("steady"))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let path = format!("/v1/customers/{}", id(&created.json()));
    let before = snapshot(&app, &path).await;
    for same in [
        json!({"state": "ACTIVE", "stateReason": "active"}),
        json!({"state": "ACTIVE", "stateReason": "active", "cascade": true}),
        json!({"state": "ACTIVE", "stateReason": "active", "requestId": "noop-state"}),
    ] {
        let reply = app.admin.post(&format!("{path}/state"), &same).await;
        assert_untouched(&app, &path, &before, &reply).await;
    }
    // Another reason for the same state is a change.
    let reply = app
        .admin
        .post(
            &format!("{path}/state"),
            &json!({"state": "ACTIVE", "stateReason": "dfltActive"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let after = snapshot(&app, &path).await;
    assert_eq!(after.object["state"]["stateReason"], "dfltActive");
    assert_eq!(after.states.len(), before.states.len() + 1);
    assert_eq!(after.events, before.events + 1);
}

async fn a_cascade_leaves_children_already_there_as_they_are(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let account = app
        .admin
        .post("/v1/accounts", &json!({"accountProfile": "standard"}))
        .await;
    assert_eq!(account.status, 201, "{}", account.text);
    let account = account.json();
    let customer_id = account["customers"][0]["refId"]
        .as_str()
        .expect("the account's customer")
        .to_owned();
    let account_path = format!("/v1/accounts/{}", id(&account));
    let suspended = json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"});
    let reply = app
        .admin
        .post(&format!("{account_path}/state"), &suspended)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let account_before = snapshot(&app, &account_path).await;

    let mut cascade = suspended.clone();
    cascade["cascade"] = json!(true);
    let reply = app
        .admin
        .post(&format!("/v1/customers/{customer_id}/state"), &cascade)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["state"]["state"], "SUSPENDED");
    let account_after = snapshot(&app, &account_path).await;
    assert_eq!(account_after.object, account_before.object);
    assert_eq!(account_after.states, account_before.states);
    let feed = events(&app).await;
    let last: Vec<_> = feed[account_before.events..]
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(last, vec!["customer.state_changed"], "{last:?}");
}

both_backends!(
    a_patch_that_changes_nothing_writes_nothing,
    a_move_to_the_state_an_object_has_writes_nothing,
    a_cascade_leaves_children_already_there_as_they_are,
);
