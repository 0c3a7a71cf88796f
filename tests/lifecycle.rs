//! State changes, cascades, state and segment history, and merge-patch updates of
//! customers, accounts and subscribers, on both backends.

#[macro_use]
mod common;

use common::{customer_body, errs, id, Backend, Client, Reply, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

const KINDS: [&str; 3] = ["customers", "accounts", "subscribers"];

fn segment_field(kind: &str) -> &'static str {
    match kind {
        "customers" => "customerSegment",
        "accounts" => "accountSegment",
        _ => "subscriberSegment",
    }
}

async fn created(client: &Client, path: &str, body: Value) -> Value {
    let reply = client.post(path, &body).await;
    assert_eq!(reply.status, 201, "{body}: {}", reply.text);
    reply.json()
}

async fn new_customer(app: &TestApp, external_id: &str) -> String {
    id(&created(&app.admin, "/v1/customers", customer_body(external_id)).await)
}

async fn new_account(app: &TestApp, external_id: &str, customer: &str) -> String {
    id(&created(
        &app.admin,
        "/v1/accounts",
        json!({"externalId": external_id, "customer": {"refId": customer}, "accountProfile": "standard"}),
    )
    .await)
}

async fn new_subscriber(app: &TestApp, external_id: &str, account: &str) -> String {
    id(&created(
        &app.admin,
        "/v1/subscribers",
        json!({"externalId": external_id, "account": {"refId": account}, "subscriberProfile": "internetOnly"}),
    )
    .await)
}

/// A customer with one account with one subscriber; ids in the order of `KINDS`.
async fn trio(app: &TestApp, tag: &str) -> [String; 3] {
    let c = new_customer(app, &format!("{tag}-c")).await;
    let a = new_account(app, &format!("{tag}-a"), &c).await;
    let s = new_subscriber(app, &format!("{tag}-s"), &a).await;
    [c, a, s]
}

async fn read(client: &Client, kind: &str, id: &str) -> Value {
    let reply = client.get(&format!("/v1/{kind}/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

async fn state_of(app: &TestApp, kind: &str, id: &str) -> Value {
    read(&app.admin, kind, id).await["state"].clone()
}

async fn change(client: &Client, kind: &str, id: &str, body: Value) -> Reply {
    client.post(&format!("/v1/{kind}/{id}/state"), &body).await
}

async fn change_ok(app: &TestApp, kind: &str, id: &str, body: Value) -> Value {
    let reply = change(&app.admin, kind, id, body.clone()).await;
    assert_eq!(reply.status, 200, "{kind} {body}: {}", reply.text);
    reply.json()
}

async fn patch(client: &Client, kind: &str, id: &str, body: &Value) -> Reply {
    client
        .send(
            Method::PATCH,
            &format!("/v1/{kind}/{id}"),
            &[("content-type", "application/merge-patch+json")],
            Some(body.to_string().into_bytes()),
        )
        .await
}

async fn history(app: &TestApp, kind: &str, id: &str, what: &str) -> Vec<Value> {
    let reply = app.admin.get(&format!("/v1/{kind}/{id}/{what}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let data = reply.json()["data"].as_array().unwrap().clone();
    for entry in &data {
        assert!(entry["at"].is_string(), "{entry}");
        assert!(
            entry["actor"].as_str().is_some_and(|a| !a.is_empty()),
            "{entry}"
        );
    }
    data
}

/// `(state, stateReason)` of each entry of a state history.
async fn states(app: &TestApp, kind: &str, id: &str) -> Vec<(String, String)> {
    history(app, kind, id, "states")
        .await
        .iter()
        .map(|e| {
            (
                e["state"].as_str().unwrap().to_owned(),
                e["stateReason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn segments(app: &TestApp, kind: &str, id: &str) -> Vec<String> {
    history(app, kind, id, "segments")
        .await
        .iter()
        .map(|e| e["segment"].as_str().unwrap().to_owned())
        .collect()
}

fn pair(state: &str, reason: &str) -> (String, String) {
    (state.to_owned(), reason.to_owned())
}

async fn add_segments(app: &TestApp) {
    let mut catalog = app.admin.get("/v1/catalog").await.json();
    catalog["accountSegments"]
        .as_array_mut()
        .unwrap()
        .push(json!("premium"));
    catalog["subscriberSegments"]
        .as_array_mut()
        .unwrap()
        .push(json!("heavyUser"));
    let put = app.admin.put("/v1/catalog", &catalog).await;
    assert_eq!(put.status, 200, "{}", put.text);
}

fn other_segment(kind: &str) -> &'static str {
    match kind {
        "customers" => "b2c",
        "accounts" => "premium",
        _ => "heavyUser",
    }
}

async fn a_state_change_answers_the_entity_as_get_does(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = trio(&app, "t").await;
    for (kind, id) in KINDS.iter().zip(&ids) {
        let before = read(&app.admin, kind, id).await;
        let body = change_ok(
            &app,
            kind,
            id,
            json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"}),
        )
        .await;
        assert_eq!(
            body["state"],
            json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"}),
            "{kind}"
        );
        assert_eq!(body["id"], before["id"]);
        assert_eq!(body["externalId"], before["externalId"]);
        assert_eq!(body["createdAt"], before["createdAt"]);
        assert_eq!(read(&app.admin, kind, id).await, body, "{kind}");
        // And back, with a request id.
        let body = change_ok(
            &app,
            kind,
            id,
            json!({"requestId": format!("back-{kind}"), "state": "ACTIVE", "stateReason": "active", "cascade": false}),
        )
        .await;
        assert_eq!(
            body["state"],
            json!({"state": "ACTIVE", "stateReason": "active"})
        );
        assert_eq!(read(&app.admin, kind, id).await, body);
    }
}

async fn unknown_and_foreign_ids_are_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = trio(&app, "t").await;
    let stranger = app.admin.with_key(&app.make_key("admin", "other"));
    for (kind, id) in KINDS.iter().zip(&ids) {
        let body = json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"});
        change(&app.admin, kind, "no-such-id", body.clone())
            .await
            .problem(404, "NOT_FOUND");
        change(&stranger, kind, id, body.clone())
            .await
            .problem(404, "NOT_FOUND");
        patch(&stranger, kind, id, &json!({"customName": "theirs"}))
            .await
            .problem(404, "NOT_FOUND");
        patch(&app.admin, kind, "no-such-id", &json!({"customName": "x"}))
            .await
            .problem(404, "NOT_FOUND");
        for what in ["states", "segments"] {
            stranger
                .get(&format!("/v1/{kind}/{id}/{what}"))
                .await
                .problem(404, "NOT_FOUND");
            app.admin
                .get(&format!("/v1/{kind}/no-such-id/{what}"))
                .await
                .problem(404, "NOT_FOUND");
        }
        let now = read(&app.admin, kind, id).await;
        assert_eq!(now["state"]["state"], "ACTIVE", "{kind}");
        assert_eq!(now["customName"], Value::Null, "{kind}");
        assert_eq!(states(&app, kind, id).await.len(), 1, "{kind}");
    }
}

async fn state_and_reason_must_be_valid(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = trio(&app, "t").await;
    for (kind, id) in KINDS.iter().zip(&ids) {
        let before = read(&app.admin, kind, id).await;
        let reply = change(
            &app.admin,
            kind,
            id,
            json!({"state": "SUSPENDED", "stateReason": "active"}),
        )
        .await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(
            reply.field_errors(),
            errs(&[("stateReason", "NOT_CONFIGURED")]),
            "{kind}"
        );
        let reply = change(
            &app.admin,
            kind,
            id,
            json!({"state": "ASLEEP", "stateReason": "active"}),
        )
        .await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(
            reply.field_errors(),
            errs(&[("state", "INVALID_FORMAT")]),
            "{kind}"
        );
        change(
            &app.admin,
            kind,
            id,
            json!({"state": "SUSPENDED", "stateReason": "dfltSuspended", "colour": "red"}),
        )
        .await
        .problem(400, "MALFORMED_REQUEST");
        change(
            &app.admin,
            kind,
            id,
            json!({"state": "SUSPENDED", "stateReason": "dfltSuspended", "cascade": "yes"}),
        )
        .await
        .problem(400, "MALFORMED_REQUEST");
        assert_eq!(read(&app.admin, kind, id).await, before, "{kind}");
        assert_eq!(states(&app, kind, id).await.len(), 1, "{kind}");
    }
}

async fn deactivated_is_terminal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_segments(&app).await;
    let ids = trio(&app, "t").await;
    // Bottom up, without cascade, so each is deactivated by its own request.
    for (kind, id) in KINDS.iter().zip(&ids).rev() {
        let done = change_ok(
            &app,
            kind,
            id,
            json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
        )
        .await;
        assert_eq!(
            done["state"],
            json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"})
        );
        for (state, reason) in [
            ("ACTIVE", "active"),
            ("SUSPENDED", "dfltSuspended"),
            ("INACTIVE", "dfltInactive"),
            ("DEACTIVATED", "dfltDeactivated"),
        ] {
            let reply = change(
                &app.admin,
                kind,
                id,
                json!({"state": state, "stateReason": reason, "cascade": true}),
            )
            .await;
            reply.problem(422, "VALIDATION_FAILED");
            assert_eq!(
                reply.field_errors(),
                errs(&[("state", "INVALID_STATE")]),
                "{kind} to {state}"
            );
        }
        let segment = segment_field(kind);
        for body in [
            json!({"customName": "revived"}),
            json!({"customAttributes": {"k": "v"}}),
            json!({"externalId": format!("{kind}-new")}),
            json!({segment: other_segment(kind)}),
        ] {
            let reply = patch(&app.admin, kind, id, &body).await;
            reply.problem(422, "VALIDATION_FAILED");
            assert_eq!(
                reply.field_errors(),
                errs(&[("state", "INVALID_STATE")]),
                "{kind} {body}"
            );
        }
        assert_eq!(read(&app.admin, kind, id).await, done, "{kind}");
        assert_eq!(
            states(&app, kind, id).await.last(),
            Some(&pair("DEACTIVATED", "dfltDeactivated"))
        );
        assert_eq!(states(&app, kind, id).await.len(), 2, "{kind}");
    }
}

async fn a_customer_cascade_reaches_its_accounts_and_their_subscribers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = new_customer(&app, "c").await;
    let a1 = new_account(&app, "a1", &c).await;
    let a2 = new_account(&app, "a2", &c).await;
    let s1 = new_subscriber(&app, "s1", &a1).await;
    let s2 = new_subscriber(&app, "s2", &a1).await;
    let s3 = new_subscriber(&app, "s3", &a2).await;
    let gone = new_subscriber(&app, "gone", &a2).await;
    change_ok(
        &app,
        "subscribers",
        &gone,
        json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
    )
    .await;
    // Another customer's family is not touched.
    let [oc, oa, os] = trio(&app, "other").await;

    let body = change_ok(
        &app,
        "customers",
        &c,
        json!({"state": "SUSPENDED", "stateReason": "dfltSuspended", "cascade": true}),
    )
    .await;
    let suspended = json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"});
    assert_eq!(body["state"], suspended);
    for (kind, id) in [
        ("customers", &c),
        ("accounts", &a1),
        ("accounts", &a2),
        ("subscribers", &s1),
        ("subscribers", &s2),
        ("subscribers", &s3),
    ] {
        assert_eq!(state_of(&app, kind, id).await, suspended, "{kind} {id}");
        assert_eq!(
            states(&app, kind, id).await.last(),
            Some(&pair("SUSPENDED", "dfltSuspended")),
            "{kind} {id}"
        );
    }
    assert_eq!(
        state_of(&app, "subscribers", &gone).await,
        json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"})
    );
    assert_eq!(states(&app, "subscribers", &gone).await.len(), 2);
    for (kind, id) in KINDS.iter().zip([&oc, &oa, &os]) {
        assert_eq!(state_of(&app, kind, id).await["state"], "ACTIVE", "{kind}");
        assert_eq!(states(&app, kind, id).await.len(), 1);
    }

    // Deactivating with cascade deactivates the family; nothing below accepts a change then.
    change_ok(
        &app,
        "customers",
        &c,
        json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated", "cascade": true}),
    )
    .await;
    for (kind, id) in [
        ("accounts", &a1),
        ("accounts", &a2),
        ("subscribers", &s1),
        ("subscribers", &s3),
    ] {
        assert_eq!(
            state_of(&app, kind, id).await,
            json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
            "{kind}"
        );
        let reply = change(
            &app.admin,
            kind,
            id,
            json!({"state": "ACTIVE", "stateReason": "active"}),
        )
        .await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(reply.field_errors(), errs(&[("state", "INVALID_STATE")]));
    }
    assert_eq!(states(&app, "subscribers", &gone).await.len(), 2);
    assert_eq!(states(&app, "subscribers", &s2).await.len(), 3);
}

async fn an_account_cascade_reaches_only_its_subscribers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = new_customer(&app, "c").await;
    let a1 = new_account(&app, "a1", &c).await;
    let a2 = new_account(&app, "a2", &c).await;
    let s1 = new_subscriber(&app, "s1", &a1).await;
    let s2 = new_subscriber(&app, "s2", &a1).await;
    let s3 = new_subscriber(&app, "s3", &a2).await;
    let inactive = json!({"state": "INACTIVE", "stateReason": "dfltInactive"});
    let body = change_ok(
        &app,
        "accounts",
        &a1,
        json!({"state": "INACTIVE", "stateReason": "dfltInactive", "cascade": true}),
    )
    .await;
    assert_eq!(body["state"], inactive);
    for id in [&s1, &s2] {
        assert_eq!(state_of(&app, "subscribers", id).await, inactive);
        assert_eq!(
            states(&app, "subscribers", id).await,
            vec![
                pair("ACTIVE", "dfltActive"),
                pair("INACTIVE", "dfltInactive")
            ]
        );
    }
    assert_eq!(state_of(&app, "customers", &c).await["state"], "ACTIVE");
    assert_eq!(state_of(&app, "accounts", &a2).await["state"], "ACTIVE");
    assert_eq!(state_of(&app, "subscribers", &s3).await["state"], "ACTIVE");
    assert_eq!(states(&app, "customers", &c).await.len(), 1);
}

async fn without_cascade_children_keep_their_state(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let [c, a, s] = trio(&app, "t").await;
    change_ok(
        &app,
        "customers",
        &c,
        json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"}),
    )
    .await;
    assert_eq!(state_of(&app, "accounts", &a).await["state"], "ACTIVE");
    assert_eq!(state_of(&app, "subscribers", &s).await["state"], "ACTIVE");
    change_ok(
        &app,
        "accounts",
        &a,
        json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated", "cascade": false}),
    )
    .await;
    assert_eq!(
        state_of(&app, "subscribers", &s).await,
        json!({"state": "ACTIVE", "stateReason": "dfltActive"})
    );
    assert_eq!(states(&app, "subscribers", &s).await.len(), 1);
    assert_eq!(
        state_of(&app, "customers", &c).await,
        json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"})
    );
}

async fn the_state_history_lists_every_change_oldest_first(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let [c, a, s] = trio(&app, "t").await;
    assert_eq!(
        states(&app, "customers", &c).await,
        vec![pair("ACTIVE", "active")]
    );
    assert_eq!(
        states(&app, "accounts", &a).await,
        vec![pair("ACTIVE", "active")]
    );
    assert_eq!(
        states(&app, "subscribers", &s).await,
        vec![pair("ACTIVE", "dfltActive")]
    );
    for (state, reason) in [
        ("SUSPENDED", "dfltSuspended"),
        ("ACTIVE", "active"),
        ("INACTIVE", "dfltInactive"),
    ] {
        change_ok(
            &app,
            "customers",
            &c,
            json!({"state": state, "stateReason": reason}),
        )
        .await;
    }
    // Refused changes leave no trace.
    change(
        &app.admin,
        "customers",
        &c,
        json!({"state": "ACTIVE", "stateReason": "dfltSuspended"}),
    )
    .await
    .problem(422, "VALIDATION_FAILED");
    let entries = history(&app, "customers", &c, "states").await;
    assert_eq!(
        entries
            .iter()
            .map(|e| pair(
                e["state"].as_str().unwrap(),
                e["stateReason"].as_str().unwrap()
            ))
            .collect::<Vec<_>>(),
        vec![
            pair("ACTIVE", "active"),
            pair("SUSPENDED", "dfltSuspended"),
            pair("ACTIVE", "active"),
            pair("INACTIVE", "dfltInactive"),
        ]
    );
    // The same key made every change here.
    let actors: std::collections::BTreeSet<_> =
        entries.iter().map(|e| e["actor"].to_string()).collect();
    assert_eq!(actors.len(), 1, "{entries:?}");
    // The actor names the key without giving it away.
    assert!(!entries[0]["actor"]
        .as_str()
        .unwrap()
        .contains(common::ADMIN_KEY));

    // A change by another key is recorded with another actor.
    let writer = app.admin.with_key(&app.make_key("writer", "default"));
    let reply = change(
        &writer,
        "customers",
        &c,
        json!({"state": "ACTIVE", "stateReason": "active"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let entries = history(&app, "customers", &c, "states").await;
    assert_eq!(entries.len(), 5);
    assert_ne!(entries[4]["actor"], entries[0]["actor"]);
}

async fn a_retried_state_change_is_applied_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let c = new_customer(&app, "c").await;
    let body =
        json!({"requestId": "suspend-1", "state": "SUSPENDED", "stateReason": "dfltSuspended"});
    let first = change(&app.admin, "customers", &c, body.clone()).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let retry = change(&app.admin, "customers", &c, body).await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.text, first.text);
    assert_eq!(states(&app, "customers", &c).await.len(), 2);
}

async fn a_patch_changes_only_the_named_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = trio(&app, "t").await;
    for (kind, id) in KINDS.iter().zip(&ids) {
        let start = patch(
            &app.admin,
            kind,
            id,
            &json!({"customName": "First", "customAttributes": {"a": "1", "b": "2"}}),
        )
        .await;
        assert_eq!(start.status, 200, "{kind}: {}", start.text);
        let before = start.json();
        assert_eq!(before["customName"], "First");
        assert_eq!(before["customAttributes"], json!({"a": "1", "b": "2"}));
        assert_eq!(read(&app.admin, kind, id).await, before);

        // customAttributes is replaced whole; nothing else moves.
        let reply = patch(
            &app.admin,
            kind,
            id,
            &json!({"requestId": format!("attrs-{kind}"), "customAttributes": {"c": "3"}}),
        )
        .await;
        assert_eq!(reply.status, 200, "{kind}: {}", reply.text);
        let after = reply.json();
        assert_eq!(after["customAttributes"], json!({"c": "3"}));
        for field in [
            "id",
            "externalId",
            "customName",
            "state",
            segment_field(kind),
            "createdAt",
        ] {
            assert_eq!(after[field], before[field], "{kind} {field}");
        }
        assert_eq!(read(&app.admin, kind, id).await, after);

        // null removes the name.
        let reply = patch(&app.admin, kind, id, &json!({"customName": null})).await;
        assert_eq!(reply.status, 200, "{kind}: {}", reply.text);
        let after = reply.json();
        assert_eq!(after["customName"], Value::Null);
        assert_eq!(after["customAttributes"], json!({"c": "3"}));

        // A new external id is found by it.
        let new_ext = format!("{kind}-renamed");
        let reply = patch(&app.admin, kind, id, &json!({"externalId": new_ext})).await;
        assert_eq!(reply.status, 200, "{kind}: {}", reply.text);
        assert_eq!(reply.json()["externalId"], new_ext.as_str());
        assert_eq!(
            read(&app.admin, kind, id).await["externalId"],
            new_ext.as_str()
        );

        // An empty patch changes nothing.
        let unchanged = read(&app.admin, kind, id).await;
        let reply = patch(&app.admin, kind, id, &json!({})).await;
        assert_eq!(reply.status, 200, "{kind}: {}", reply.text);
        let now = read(&app.admin, kind, id).await;
        for field in [
            "externalId",
            "customName",
            "customAttributes",
            "state",
            segment_field(kind),
        ] {
            assert_eq!(now[field], unchanged[field], "{kind} {field}");
        }
    }
    // The renamed objects are still referenced by the new external ids.
    let listed = app
        .admin
        .get("/v1/customers?externalId=customers-renamed")
        .await
        .json();
    assert_eq!(listed["data"][0]["id"], ids[0].as_str());
    let account = created(
        &app.admin,
        "/v1/accounts",
        json!({"customer": {"externalId": "customers-renamed"}, "accountProfile": "standard"}),
    )
    .await;
    assert_eq!(account["customers"][0]["refId"], ids[0].as_str());
    let subscriber = created(
        &app.admin,
        "/v1/subscribers",
        json!({"account": {"externalId": "accounts-renamed"}, "subscriberProfile": "internetOnly"}),
    )
    .await;
    assert_eq!(
        subscriber["account"],
        json!({"refId": ids[1], "externalId": "accounts-renamed"})
    );
}

async fn a_patch_refuses_unknown_fields_and_wrong_types(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = trio(&app, "t").await;
    for (kind, id) in KINDS.iter().zip(&ids) {
        let before = read(&app.admin, kind, id).await;
        let foreign_segment = if *kind == "customers" {
            "accountSegment"
        } else {
            "customerSegment"
        };
        for body in [
            json!({"customName": "x", "state": {"state": "SUSPENDED", "stateReason": "dfltSuspended"}}),
            json!({"customName": "x", "id": "other"}),
            json!({"customName": "x", "createdAt": "2020-01-01T00:00:00Z"}),
            json!({"customName": "x", "colour": "red"}),
            json!({"customName": "x", foreign_segment: "b2b"}),
            json!({"customName": 5}),
            json!({"customAttributes": {"k": 1}}),
            json!({"customAttributes": ["k"]}),
            json!(["customName"]),
        ] {
            patch(&app.admin, kind, id, &body)
                .await
                .problem(400, "MALFORMED_REQUEST");
        }
        let reply = app
            .admin
            .send(
                Method::PATCH,
                &format!("/v1/{kind}/{id}"),
                &[("content-type", "application/merge-patch+json")],
                Some(b"{\"customName\": ".to_vec()),
            )
            .await;
        reply.problem(400, "MALFORMED_REQUEST");
        assert_eq!(read(&app.admin, kind, id).await, before, "{kind}");
    }
}

async fn a_patch_needs_the_merge_patch_media_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let ids = trio(&app, "t").await;
    for (kind, id) in KINDS.iter().zip(&ids) {
        let before = read(&app.admin, kind, id).await;
        for content_type in ["text/plain", "application/xml"] {
            let reply = app
                .admin
                .send(
                    Method::PATCH,
                    &format!("/v1/{kind}/{id}"),
                    &[("content-type", content_type)],
                    Some(json!({"customName": "x"}).to_string().into_bytes()),
                )
                .await;
            reply.problem(415, "UNSUPPORTED_MEDIA_TYPE");
        }
        assert_eq!(read(&app.admin, kind, id).await, before, "{kind}");
    }
}

async fn a_patch_keeps_external_ids_unique_per_kind(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = trio(&app, "one").await;
    let second = trio(&app, "two").await;
    let suffix = ["c", "a", "s"];
    for (i, kind) in KINDS.iter().enumerate() {
        let before = read(&app.admin, kind, &second[i]).await;
        let taken = format!("one-{}", suffix[i]);
        let reply = patch(
            &app.admin,
            kind,
            &second[i],
            &json!({"externalId": taken, "customName": "x"}),
        )
        .await;
        reply.problem(409, "CONFLICT");
        assert_eq!(
            reply.field_errors(),
            errs(&[("externalId", "DUPLICATE")]),
            "{kind}"
        );
        assert_eq!(read(&app.admin, kind, &second[i]).await, before, "{kind}");
        // Keeping one's own external id is no conflict.
        let own = format!("one-{}", suffix[i]);
        let reply = patch(&app.admin, kind, &first[i], &json!({"externalId": own})).await;
        assert_eq!(reply.status, 200, "{kind}: {}", reply.text);
    }
    // A subscriber holding an id keeps it even once deactivated.
    change_ok(
        &app,
        "subscribers",
        &first[2],
        json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
    )
    .await;
    let reply = patch(
        &app.admin,
        "subscribers",
        &second[2],
        &json!({"externalId": "one-s"}),
    )
    .await;
    reply.problem(409, "CONFLICT");
    assert_eq!(reply.field_errors(), errs(&[("externalId", "DUPLICATE")]));
    // Another kind's external id is no conflict.
    let reply = patch(
        &app.admin,
        "accounts",
        &second[1],
        &json!({"externalId": "one-c"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["externalId"], "one-c");
}

async fn a_segment_change_is_kept_in_the_segment_history(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_segments(&app).await;
    let ids = trio(&app, "t").await;
    for (kind, id) in KINDS.iter().zip(&ids) {
        let field = segment_field(kind);
        let initial = read(&app.admin, kind, id).await[field]
            .as_str()
            .unwrap()
            .to_owned();
        let start = segments(&app, kind, id).await;
        assert!(start.len() <= 1, "{kind}: {start:?}");
        if let Some(first) = start.first() {
            assert_eq!(first, &initial);
        }

        // Refused: not configured; a patch without a segment leaves no segment entry.
        let reply = patch(
            &app.admin,
            kind,
            id,
            &json!({field: "nope", "customName": "x"}),
        )
        .await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(
            reply.field_errors(),
            errs(&[(field, "NOT_CONFIGURED")]),
            "{kind}"
        );
        assert_eq!(read(&app.admin, kind, id).await["customName"], Value::Null);
        let reply = patch(&app.admin, kind, id, &json!({"customName": "y"})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        assert_eq!(segments(&app, kind, id).await, start, "{kind}");

        let next = other_segment(kind);
        let reply = patch(&app.admin, kind, id, &json!({field: next})).await;
        assert_eq!(reply.status, 200, "{kind}: {}", reply.text);
        assert_eq!(reply.json()[field], next);
        assert_eq!(read(&app.admin, kind, id).await[field], next);
        let mut expected = start.clone();
        expected.push(next.to_owned());
        assert_eq!(segments(&app, kind, id).await, expected, "{kind}");

        // And back again.
        let reply = patch(&app.admin, kind, id, &json!({field: initial})).await;
        assert_eq!(reply.status, 200, "{kind}: {}", reply.text);
        expected.push(initial.clone());
        assert_eq!(segments(&app, kind, id).await, expected, "{kind}");
    }
}

/// Rewrites the object's row as releases before `created_by` stored it: its creation kept
/// as a row of each history, not on the object's row.
async fn store_as_before(app: &TestApp, kind: &str, id: &str) {
    let entity = kind.trim_end_matches('s');
    app.db
        .execute(&format!(
            "INSERT INTO state_history (tenant_id, entity, entity_id, state, state_reason, actor, at) \
                 SELECT tenant_id, '{entity}', id, first_state, first_reason, 'earlier', created_at \
                 FROM {kind} WHERE id = '{id}'; \
             INSERT INTO segment_history (tenant_id, entity, entity_id, segment, actor, at) \
                 SELECT tenant_id, '{entity}', id, first_segment, 'earlier', created_at \
                 FROM {kind} WHERE id = '{id}' AND first_segment IS NOT NULL; \
             UPDATE {kind} SET created_by = NULL, first_state = NULL, first_reason = NULL, \
                 first_segment = NULL WHERE id = '{id}'"
        ))
        .await;
}

async fn a_history_begins_with_the_creation_however_it_was_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    add_segments(&app).await;
    let now = trio(&app, "now").await;
    let before = trio(&app, "before").await;
    for (kind, id) in KINDS.iter().zip(&before) {
        store_as_before(&app, kind, id).await;
    }
    for (kind, (now, before)) in KINDS.iter().zip(now.iter().zip(&before)) {
        for (id, actor) in [(now, None), (before, Some("earlier"))] {
            let object = read(&app.admin, kind, id).await;
            let states = history(&app, kind, id, "states").await;
            assert_eq!(states.len(), 1, "{kind}: {states:?}");
            assert_eq!(states[0]["state"], object["state"]["state"], "{kind}");
            assert_eq!(
                states[0]["stateReason"], object["state"]["stateReason"],
                "{kind}"
            );
            assert_eq!(states[0]["at"], object["createdAt"], "{kind}");
            let segments = history(&app, kind, id, "segments").await;
            let segment = &object[segment_field(kind)];
            assert_eq!(segments.len(), usize::from(!segment.is_null()), "{kind}");
            for entry in &segments {
                assert_eq!(&entry["segment"], segment, "{kind}");
                assert_eq!(entry["at"], object["createdAt"], "{kind}");
            }
            if let Some(actor) = actor {
                assert_eq!(states[0]["actor"], actor, "{kind}");
                for entry in &segments {
                    assert_eq!(entry["actor"], actor, "{kind}");
                }
            }
        }
        let start = states(&app, kind, now).await;
        for id in [now, before] {
            let body =
                json!({"state": "SUSPENDED", "stateReason": "dfltSuspended", "cascade": false});
            change_ok(&app, kind, id, body).await;
            let reply = patch(
                &app.admin,
                kind,
                id,
                &json!({segment_field(kind): other_segment(kind)}),
            )
            .await;
            assert_eq!(reply.status, 200, "{kind}: {}", reply.text);
            let mut expected = start.clone();
            expected.push(pair("SUSPENDED", "dfltSuspended"));
            assert_eq!(states(&app, kind, id).await, expected, "{kind}");
            let segments = segments(&app, kind, id).await;
            assert_eq!(segments.last().unwrap(), other_segment(kind), "{kind}");
        }
        assert_eq!(
            segments(&app, kind, now).await,
            segments(&app, kind, before).await,
            "{kind}"
        );
    }
}

both_backends!(
    a_state_change_answers_the_entity_as_get_does,
    unknown_and_foreign_ids_are_not_found,
    state_and_reason_must_be_valid,
    deactivated_is_terminal,
    a_customer_cascade_reaches_its_accounts_and_their_subscribers,
    an_account_cascade_reaches_only_its_subscribers,
    without_cascade_children_keep_their_state,
    the_state_history_lists_every_change_oldest_first,
    a_retried_state_change_is_applied_once,
    a_patch_changes_only_the_named_fields,
    a_patch_refuses_unknown_fields_and_wrong_types,
    a_patch_needs_the_merge_patch_media_type,
    a_patch_keeps_external_ids_unique_per_kind,
    a_segment_change_is_kept_in_the_segment_history,
    a_history_begins_with_the_creation_however_it_was_stored,
);
