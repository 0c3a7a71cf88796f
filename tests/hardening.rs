//! Hostile and racing input on both backends: what once gave a 500, a plain-text answer, a
//! wrong status or a broken rule.

#[macro_use]
mod common;

use common::{customer_body, Backend, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

async fn nul_characters_are_refused_alike_on_both_backends(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for body in [
        json!({"externalId": "a\u{0}b", "customerSegment": "b2b", "state": {"state": "ACTIVE", "stateReason": "active"}}),
        json!({"customName": "x\u{0}", "customerSegment": "b2b", "state": {"state": "ACTIVE", "stateReason": "active"}}),
        json!({"requestId": "r\u{0}", "customerSegment": "b2b", "state": {"state": "ACTIVE", "stateReason": "active"}}),
    ] {
        app.admin
            .post("/v1/customers", &body)
            .await
            .problem(400, "MALFORMED_REQUEST");
    }
    app.admin
        .get("/v1/customers?externalId=%00")
        .await
        .problem(400, "MALFORMED_REQUEST");
    app.admin
        .get("/v1/customers/%00")
        .await
        .problem(400, "MALFORMED_REQUEST");
    app.admin
        .get("/v1/customers/%FF")
        .await
        .problem(400, "MALFORMED_REQUEST");
    let listed = app.admin.get("/v1/customers").await.json();
    assert_eq!(listed["data"], json!([]));
}

async fn the_role_is_checked_before_the_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reader = app.admin.with_key(&app.make_key("reader", "default"));
    for (content_type, body) in [("text/plain", &b"hello"[..]), ("application/json", b"{")] {
        reader
            .send(
                Method::POST,
                "/v1/customers",
                &[("content-type", content_type)],
                Some(body.to_vec()),
            )
            .await
            .problem(403, "FORBIDDEN");
    }
    let writer = app.admin.with_key(&app.make_key("writer", "default"));
    writer
        .send(
            Method::PUT,
            "/v1/catalog",
            &[("content-type", "text/plain")],
            Some(b"x".to_vec()),
        )
        .await
        .problem(403, "FORBIDDEN");
}

async fn bearer_is_any_case_and_401_names_the_scheme(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let lower = common::Client::new(&app.server.base, "");
    let reply = lower
        .send(
            Method::GET,
            "/v1/customers",
            &[("authorization", &format!("bearer {}", common::ADMIN_KEY))],
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let refused = lower.get("/v1/customers").await;
    refused.problem(401, "UNAUTHORIZED");
    assert!(refused
        .header("www-authenticate")
        .is_some_and(|v| v.starts_with("Bearer")));
}

async fn a_used_key_with_a_malformed_body_is_a_reused_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = customer_body("k1");
    body["requestId"] = json!("key-1");
    assert_eq!(app.admin.post("/v1/customers", &body).await.status, 201);
    let malformed = json!({"requestId": "key-1", "externalId": 5});
    app.admin
        .post("/v1/customers", &malformed)
        .await
        .problem(422, "IDEMPOTENCY_KEY_REUSED");
    // A fresh key with a malformed body: the 400 is kept and replayed like any answer.
    let fresh = json!({"requestId": "key-2", "externalId": 5});
    app.admin
        .post("/v1/customers", &fresh)
        .await
        .problem(400, "MALFORMED_REQUEST");
    let again = app.admin.post("/v1/customers", &fresh).await;
    again.problem(400, "MALFORMED_REQUEST");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}

async fn long_problem_lists_are_capped(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut catalog = app.admin.get("/v1/catalog").await.json();
    catalog["customerSegments"] = Value::Array((0..500).map(|_| json!("same")).collect());
    catalog["requestId"] = json!("big-refusal");
    let reply = app.admin.put("/v1/catalog", &catalog).await;
    let body = reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(body["errors"].as_array().unwrap().len(), 100);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("problems; the first 100"),
        "{body}"
    );
    // Many bad attribute names are one TOO_MANY, not one problem each.
    let mut many = customer_body("many");
    many["customAttributes"] = (0..5000)
        .map(|i| (format!("bad key {i}"), json!("v")))
        .collect();
    let reply = app.admin.post("/v1/customers", &many).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        vec![("customAttributes".to_owned(), "TOO_MANY".to_owned())]
    );
}

/// An account with `n` subscribers; returns the account id and the subscribers' ids.
async fn account_with_subscribers(app: &TestApp, n: usize) -> (String, Vec<String>) {
    let account = app
        .admin
        .post("/v1/accounts", &json!({"accountProfile": "standard"}))
        .await
        .json();
    let account_id = account["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for i in 0..n {
        let client = app.admin.clone();
        let account_id = account_id.clone();
        tasks.push(tokio::spawn(async move {
            let reply = client
                .post(
                    "/v1/subscribers",
                    &json!({"account": {"refId": account_id}, "externalId": format!("s{i}"),
                            "state": {"state": "ACTIVE", "stateReason": "dfltActive"}}),
                )
                .await;
            assert_eq!(reply.status, 201, "{}", reply.text);
            reply.json()["id"].as_str().unwrap().to_owned()
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    (account_id, ids)
}

async fn a_cascade_never_revives_a_subscriber_deactivated_meanwhile(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (account, subscribers) = account_with_subscribers(&app, 150).await;
    let last = subscribers.last().unwrap().clone();
    let cascade = {
        let client = app.admin.clone();
        let path = format!("/v1/accounts/{account}/state");
        tokio::spawn(async move {
            client
                .post(
                    &path,
                    &json!({"state": "SUSPENDED", "stateReason": "dfltSuspended", "cascade": true}),
                )
                .await
                .status
        })
    };
    let deactivate = app
        .admin
        .post(
            &format!("/v1/subscribers/{last}/state"),
            &json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
        )
        .await;
    assert_eq!(cascade.await.unwrap(), 200);
    assert_eq!(deactivate.status, 200, "{}", deactivate.text);
    let read = app
        .admin
        .get(&format!("/v1/subscribers/{last}"))
        .await
        .json();
    assert_eq!(
        read["state"]["state"], "DEACTIVATED",
        "DEACTIVATED is terminal: {read}"
    );
    let history = app
        .admin
        .get(&format!("/v1/subscribers/{last}/states"))
        .await
        .json();
    let states: Vec<_> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].clone())
        .collect();
    assert_eq!(states.last(), Some(&json!("DEACTIVATED")), "{states:?}");
}

async fn no_live_child_is_left_under_a_deactivated_account(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (account, _) = account_with_subscribers(&app, 150).await;
    let cascade = {
        let client = app.admin.clone();
        let path = format!("/v1/accounts/{account}/state");
        tokio::spawn(async move {
            client
                .post(&path, &json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated", "cascade": true}))
                .await
                .status
        })
    };
    let late = app
        .admin
        .post(
            "/v1/subscribers",
            &json!({"account": {"refId": account}, "externalId": "late",
                    "state": {"state": "ACTIVE", "stateReason": "dfltActive"}}),
        )
        .await;
    assert_eq!(cascade.await.unwrap(), 200);
    match late.status.as_u16() {
        // Created first: the cascade must have reached it.
        201 => {
            let id = late.json()["id"].as_str().unwrap().to_owned();
            let read = app.admin.get(&format!("/v1/subscribers/{id}")).await.json();
            assert_eq!(read["state"]["state"], "DEACTIVATED", "{read}");
        }
        // Created after: the account was already deactivated.
        422 => assert_eq!(
            late.field_errors(),
            vec![("account".to_owned(), "INVALID_STATE".to_owned())]
        ),
        other => panic!("unexpected {other}: {}", late.text),
    }
    let live = app
        .admin
        .get(&format!("/v1/subscribers?account={account}&state=ACTIVE"))
        .await
        .json();
    assert_eq!(live["data"], json!([]));
}

async fn acknowledged_writes_survive_a_kill(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let TestApp { server, db, admin } = app;
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..200 {
        let client = admin.clone();
        let answered = answered.clone();
        tasks.push(tokio::spawn(async move {
            let mut body = customer_body(&format!("k{i}"));
            body["requestId"] = json!(format!("kill-{i}"));
            let reply = tokio::time::timeout(
                std::time::Duration::from_secs(20),
                client.try_send(
                    Method::POST,
                    "/v1/customers",
                    &[("content-type", "application/json")],
                    Some(body.to_string().into_bytes()),
                ),
            )
            .await;
            answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            (i, body, reply.ok().flatten())
        }));
    }
    // Kill the server (SIGKILL: no drain) once a few writes are answered, the rest under way.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while answered.load(std::sync::atomic::Ordering::SeqCst) < 10 {
        assert!(
            std::time::Instant::now() < deadline,
            "no write was answered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let mut acknowledged = Vec::new();
    let mut unanswered = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            (_, _, Some(reply)) if reply.status == 201 => acknowledged.push(reply.json()),
            (_, body, _) => unanswered.push(body),
        }
    }
    eprintln!(
        "acknowledged {} unanswered {}",
        acknowledged.len(),
        unanswered.len()
    );
    let again = common::Server::start(&db.url, &[("CLIENTELE_ADMIN_KEY", common::ADMIN_KEY)]);
    let client = common::Client::new(&again.base, common::ADMIN_KEY);
    for created in &acknowledged {
        let read = client
            .get(&format!(
                "/v1/customers/{}",
                created["id"].as_str().unwrap()
            ))
            .await;
        assert_eq!(
            read.status, 200,
            "an acknowledged create was lost: {created}"
        );
        assert_eq!(read.json(), *created);
    }
    // A retry of a request that got no answer either replays what was stored or does the
    // work now: exactly one customer per external id either way.
    for body in &unanswered {
        let reply = client.post("/v1/customers", body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
    }
    let all = client.get("/v1/customers?limit=1000").await.json();
    assert_eq!(all["data"].as_array().unwrap().len(), 200);
    assert!(
        !acknowledged.is_empty(),
        "no write was acknowledged before the kill"
    );
}

both_backends!(
    acknowledged_writes_survive_a_kill,
    nul_characters_are_refused_alike_on_both_backends,
    the_role_is_checked_before_the_body,
    bearer_is_any_case_and_401_names_the_scheme,
    a_used_key_with_a_malformed_body_is_a_reused_key,
    long_problem_lists_are_capped,
    a_cascade_never_revives_a_subscriber_deactivated_meanwhile,
    no_live_child_is_left_under_a_deactivated_account,
);
