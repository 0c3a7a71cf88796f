//! Exactly-once creates on both backends, also across two server processes.

#[macro_use]
mod common;

use common::{customer_body, Backend, Client, TestApp, ADMIN_KEY};
use serde_json::json;

async fn count(app: &TestApp) -> usize {
    app.admin.get("/v1/customers?limit=1000").await.json()["data"]
        .as_array()
        .unwrap()
        .len()
}

async fn a_retry_gets_the_first_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = customer_body("c1");
    body["requestId"] = json!("7f1c0e58-5a57-4c5e-a1f0-3d1c2b8a9e01");
    let first = app.admin.post("/v1/customers", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("idempotent-replayed"), None);
    let retry = app.admin.post("/v1/customers", &body).await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.text, first.text);
    assert_eq!(retry.header("location"), first.header("location"));
    assert_eq!(count(&app).await, 1);
}

async fn the_header_key_works_like_request_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = [("idempotency-key", "order-42")];
    let first = app
        .admin
        .post_with("/v1/customers", &key, &customer_body("c1"))
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    let retry = app
        .admin
        .post_with("/v1/customers", &key, &customer_body("c1"))
        .await;
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.json()["id"], first.json()["id"]);
    // The same key with another body is a client bug, not a retry.
    app.admin
        .post_with("/v1/customers", &key, &customer_body("c2"))
        .await
        .problem(422, "IDEMPOTENCY_KEY_REUSED");
    let mut body = customer_body("c3");
    body["requestId"] = json!("r-1");
    assert_eq!(app.admin.post("/v1/customers", &body).await.status, 201);
    body["externalId"] = json!("c4");
    app.admin
        .post("/v1/customers", &body)
        .await
        .problem(422, "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(count(&app).await, 2);

    let too_long = "k".repeat(256);
    let reply = app
        .admin
        .post_with(
            "/v1/customers",
            &[("idempotency-key", &too_long)],
            &customer_body("c5"),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        vec![("Idempotency-Key".to_owned(), "TOO_LONG".to_owned())]
    );
    assert_eq!(count(&app).await, 2);
}

async fn errors_are_kept_and_replayed_before_validation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(
        app.admin
            .post("/v1/customers", &customer_body("taken"))
            .await
            .status,
        201
    );
    let mut duplicate = customer_body("taken");
    duplicate["requestId"] = json!("dup-1");
    let first = app.admin.post("/v1/customers", &duplicate).await;
    first.problem(409, "CONFLICT");
    let retry = app.admin.post("/v1/customers", &duplicate).await;
    retry.problem(409, "CONFLICT");
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.text, first.text);

    // A request refused for a segment the catalog lacks stays refused for its key, even
    // once the catalog has the segment: the key is checked before validation.
    let mut vip = json!({
        "requestId": "vip-1",
        "customerSegment": "vip",
        "state": {"state": "ACTIVE", "stateReason": "active"}
    });
    app.admin
        .post("/v1/customers", &vip)
        .await
        .problem(422, "VALIDATION_FAILED");
    let mut catalog = app.admin.get("/v1/catalog").await.json();
    catalog["customerSegments"]
        .as_array_mut()
        .unwrap()
        .push(json!("vip"));
    assert_eq!(app.admin.put("/v1/catalog", &catalog).await.status, 200);
    let replayed = app.admin.post("/v1/customers", &vip).await;
    replayed.problem(422, "VALIDATION_FAILED");
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    vip["requestId"] = json!("vip-2");
    assert_eq!(app.admin.post("/v1/customers", &vip).await.status, 201);
    assert_eq!(count(&app).await, 2);
}

async fn keys_are_scoped_to_tenant_and_path(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = customer_body("c1");
    body["requestId"] = json!("shared-key");
    assert_eq!(app.admin.post("/v1/customers", &body).await.status, 201);
    let other = app.admin.with_key(&app.make_key("writer", "acme"));
    let reply = other.post("/v1/customers", &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.header("idempotent-replayed"), None);
    // Tenant acme cannot see tenant default's customer through the replay either.
    assert_ne!(
        reply.json()["id"],
        app.admin.get("/v1/customers").await.json()["data"][0]["id"]
    );
}

async fn concurrent_retries_across_two_processes_create_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let second = app.another_server();
    let clients = [app.admin.clone(), Client::new(&second.base, ADMIN_KEY)];
    for round in 0..3 {
        let mut body = customer_body(&format!("once-{round}"));
        body["requestId"] = json!(format!("round-{round}"));
        let mut tasks = Vec::new();
        for i in 0..12 {
            let client = clients[i % 2].clone();
            let body = body.clone();
            tasks.push(tokio::spawn(async move {
                client.post("/v1/customers", &body).await
            }));
        }
        let mut fresh = 0;
        let mut ids = std::collections::BTreeSet::new();
        for task in tasks {
            let reply = task.await.unwrap();
            match (reply.status.as_u16(), reply.header("idempotent-replayed")) {
                (201, None) => {
                    fresh += 1;
                    ids.insert(reply.json()["id"].to_string());
                }
                (201, Some("true")) => {
                    ids.insert(reply.json()["id"].to_string());
                }
                (409, _) => {
                    reply.problem(409, "IDEMPOTENCY_IN_PROGRESS");
                }
                other => panic!("unexpected answer {other:?}: {}", reply.text),
            }
        }
        assert_eq!(fresh, 1, "exactly one request did the work");
        assert_eq!(ids.len(), 1, "every answer names the same customer");
    }
    assert_eq!(count(&app).await, 3);
}

async fn kept_answers_are_purged_after_their_retention(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = customer_body("kept");
    body["requestId"] = json!("kept-1");
    assert_eq!(app.admin.post("/v1/customers", &body).await.status, 201);
    // The store's purge, as the server runs it every few minutes, with a cut-off a day ahead
    // so that the answer just kept counts as expired.
    let store = clientele::store::Store::open(&app.db.url).await.unwrap();
    let day = 24 * 3600 * 1_000_000;
    assert_eq!(
        store
            .purge_idempotency(clientele::store::now_micros() - day)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .purge_idempotency(clientele::store::now_micros() + day)
            .await
            .unwrap(),
        1
    );
    store.close().await;
    // Forgotten, the key runs the request again: now a duplicate, not a replay.
    let again = app.admin.post("/v1/customers", &body).await;
    again.problem(409, "CONFLICT");
    assert_eq!(again.header("idempotent-replayed"), None);
}

async fn a_replay_keeps_the_content_type_of_the_first_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = customer_body("typed");
    body["requestId"] = json!("typed-1");
    let first = app.admin.post("/v1/customers", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let retry = app.admin.post("/v1/customers", &body).await;
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.header("content-type"), Some("application/json"));
    assert_eq!(retry.header("content-type"), first.header("content-type"));
    let mut bad = customer_body("typed-bad");
    bad["customerSegment"] = json!("nope");
    bad["requestId"] = json!("typed-2");
    let refused = app.admin.post("/v1/customers", &bad).await;
    refused.problem(422, "VALIDATION_FAILED");
    let again = app.admin.post("/v1/customers", &bad).await;
    again.problem(422, "VALIDATION_FAILED");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.text, refused.text);
}

async fn a_key_is_scoped_by_the_decoded_object_not_the_raw_path(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app.admin.post("/v1/customers", &customer_body("enc")).await;
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let change =
        json!({"requestId": "suspend-once", "state": "SUSPENDED", "stateReason": "dfltSuspended"});
    let plain = app
        .admin
        .post(&format!("/v1/customers/{id}/state"), &change)
        .await;
    assert_eq!(plain.status, 200, "{}", plain.text);
    // The same path with its first character percent-encoded names the same object.
    let encoded = format!("%{:02X}{}", id.as_bytes()[0], &id[1..]);
    let retry = app
        .admin
        .post(&format!("/v1/customers/{encoded}/state"), &change)
        .await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    let states = app
        .admin
        .get(&format!("/v1/customers/{id}/states"))
        .await
        .json();
    assert_eq!(states["data"].as_array().unwrap().len(), 2, "{states}");
}

both_backends!(
    kept_answers_are_purged_after_their_retention,
    a_retry_gets_the_first_answer,
    the_header_key_works_like_request_id,
    errors_are_kept_and_replayed_before_validation,
    keys_are_scoped_to_tenant_and_path,
    concurrent_retries_across_two_processes_create_once,
    a_replay_keeps_the_content_type_of_the_first_answer,
    a_key_is_scoped_by_the_decoded_object_not_the_raw_path,
);
