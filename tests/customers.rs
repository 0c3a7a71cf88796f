//! The native customer door on both backends: the OCS.io examples and every create rule.

#[macro_use]
mod common;

use common::{customer_body, Backend, TestApp};
use serde_json::{json, Value};

fn seed_examples() -> Vec<Value> {
    common::seed_examples(include_str!("../../shared/seeds/ocs-create-customer.txt"))
}

async fn seed_examples_work_unchanged(backend: Backend) {
    let examples = seed_examples();
    assert_eq!(examples.len(), 3, "the seed has three examples");
    for example in examples {
        // Each example on a fresh install, sent byte for byte as the seed shows it.
        let app = TestApp::spawn(backend).await;
        let reply = app.admin.post("/v1/customers", &example).await;
        assert_eq!(reply.status, 201, "{example}: {}", reply.text);
        let body = reply.json();
        let id = body["id"].as_str().unwrap();
        assert_eq!(
            reply.header("location"),
            Some(format!("/v1/customers/{id}").as_str())
        );
        assert_eq!(body["externalId"], "customer_external_id");
        assert_eq!(body["customerSegment"], "b2b");
        assert_eq!(
            body["state"],
            json!({"state": "ACTIVE", "stateReason": "active"})
        );
        if let Some(name) = example.get("customName") {
            assert_eq!(&body["customName"], name);
            assert_eq!(body["customAttributes"], example["customAttributes"]);
        }
        let read = app.admin.get(&format!("/v1/customers/{id}")).await;
        assert_eq!(read.status, 200);
        assert_eq!(read.json(), body);
    }
}

async fn profile_defaults_yield_to_request_fields(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .admin
        .post(
            "/v1/customers",
            &json!({
                "customerProfile": "b2b",
                "customerSegment": "b2c",
                "state": {"state": "SUSPENDED", "stateReason": "dfltSuspended"},
                "testCustomer": true
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = reply.json();
    assert_eq!(body["customerProfile"], "b2b");
    assert_eq!(body["customerSegment"], "b2c");
    assert_eq!(body["state"]["state"], "SUSPENDED");
    assert_eq!(body["testCustomer"], true);
    assert_eq!(body["externalId"], Value::Null);
}

async fn without_profile_segment_and_state_are_required(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .admin
        .post("/v1/customers", &json!({"externalId": "c1"}))
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    let errors = reply.field_errors();
    assert!(
        errors.contains(&("customerSegment".into(), "REQUIRED".into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("state".into(), "REQUIRED".into())),
        "{errors:?}"
    );
    let reply = app
        .admin
        .post(
            "/v1/customers",
            &json!({"customerSegment": "b2b", "state": {"state": "ACTIVE"}}),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        vec![("state.stateReason".to_owned(), "REQUIRED".to_owned())]
    );
    assert_eq!(count(&app).await, 0);
}

async fn profile_segment_and_reason_must_be_configured(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .admin
        .post(
            "/v1/customers",
            &json!({
                "customerProfile": "gold",
                "customerSegment": "nope",
                "state": {"state": "ACTIVE", "stateReason": "dfltSuspended"},
                "externalId": "x".repeat(129),
                "customAttributes": {"bad key": "v"}
            }),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    let errors = reply.field_errors();
    for expected in [
        ("customerProfile", "NOT_CONFIGURED"),
        ("customerSegment", "NOT_CONFIGURED"),
        ("state.stateReason", "NOT_CONFIGURED"),
        ("externalId", "TOO_LONG"),
        ("customAttributes.bad key", "INVALID_FORMAT"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing in {errors:?}"
        );
    }
    let reply = app
        .admin
        .post(
            "/v1/customers",
            &json!({"customerSegment": "b2b", "state": {"state": "ASLEEP", "stateReason": "active"}}),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        vec![("state.state".to_owned(), "INVALID_FORMAT".to_owned())]
    );
    assert_eq!(count(&app).await, 0);
}

async fn a_pending_marker_is_ignored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .admin
        .post(
            "/v1/customers",
            &json!({
                "customerSegment": "b2b",
                "state": {
                    "state": "ACTIVE", "stateReason": "active",
                    "stateValidFrom": "2026-12-01T00:00:00Z",
                    "pending": {"state": "SUSPENDED", "stateReason": "dfltSuspended"}
                }
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.json()["state"],
        json!({"state": "ACTIVE", "stateReason": "active"})
    );
}

async fn a_customer_cannot_start_deactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .admin
        .post(
            "/v1/customers",
            &json!({"customerSegment": "b2b", "state": {"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}}),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        vec![("state.state".to_owned(), "INVALID_STATE".to_owned())]
    );
}

async fn external_id_is_unique_per_tenant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.admin.post("/v1/customers", &customer_body("dup")).await;
    assert_eq!(first.status, 201);
    let second = app.admin.post("/v1/customers", &customer_body("dup")).await;
    second.problem(409, "CONFLICT");
    assert_eq!(
        second.field_errors(),
        vec![("externalId".to_owned(), "DUPLICATE".to_owned())]
    );
    assert_eq!(count(&app).await, 1);
    // Another tenant has its own namespace of external ids.
    let other = app.admin.with_key(&app.make_key("writer", "acme"));
    assert_eq!(
        other
            .post("/v1/customers", &customer_body("dup"))
            .await
            .status,
        201
    );
}

async fn racing_creates_of_one_external_id_make_one_customer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let second = app.another_server();
    let clients = [
        app.admin.clone(),
        common::Client::new(&second.base, common::ADMIN_KEY),
    ];
    let mut tasks = Vec::new();
    for i in 0..16 {
        let client = clients[i % 2].clone();
        tasks.push(tokio::spawn(async move {
            client
                .post("/v1/customers", &customer_body("race"))
                .await
                .status
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        15,
        "{statuses:?}"
    );
    assert_eq!(count(&app).await, 1);
}

async fn a_parent_is_named_by_ref_id_or_external_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let parent = app
        .admin
        .post("/v1/customers", &customer_body("mother"))
        .await
        .json();
    let mut by_ref = customer_body("child-1");
    by_ref["parent"] = json!({"refId": parent["id"]});
    let reply = app.admin.post("/v1/customers", &by_ref).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.json()["parent"],
        json!({"refId": parent["id"], "externalId": "mother"})
    );
    let mut by_external = customer_body("child-2");
    by_external["parent"] = json!({"externalId": "mother"});
    let reply = app.admin.post("/v1/customers", &by_external).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let child = reply.json();
    assert_eq!(child["parent"]["refId"], parent["id"]);
    let read = app
        .admin
        .get(&format!("/v1/customers/{}", child["id"].as_str().unwrap()))
        .await;
    assert_eq!(
        read.json()["parent"],
        json!({"refId": parent["id"], "externalId": "mother"})
    );

    let mut orphan = customer_body("child-3");
    orphan["parent"] = json!({"externalId": "nobody"});
    let reply = app.admin.post("/v1/customers", &orphan).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        vec![("parent".to_owned(), "NOT_FOUND".to_owned())]
    );
    let mut both = customer_body("child-4");
    both["parent"] = json!({"externalId": "mother", "refId": parent["id"]});
    let reply = app.admin.post("/v1/customers", &both).await;
    assert_eq!(
        reply.field_errors(),
        vec![("parent".to_owned(), "NOT_ALLOWED".to_owned())]
    );
    assert_eq!(count(&app).await, 3);
}

async fn another_tenants_customer_is_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app
        .admin
        .post("/v1/customers", &customer_body("mine"))
        .await
        .json();
    let path = format!("/v1/customers/{}", created["id"].as_str().unwrap());
    let stranger = app.admin.with_key(&app.make_key("admin", "other"));
    stranger.get(&path).await.problem(404, "NOT_FOUND");
    let listed = stranger.get("/v1/customers?externalId=mine").await.json();
    assert_eq!(listed["data"], json!([]));
    let mut child = customer_body("theirs");
    child["parent"] = json!({"refId": created["id"]});
    let reply = stranger.post("/v1/customers", &child).await;
    assert_eq!(
        reply.field_errors(),
        vec![("parent".to_owned(), "NOT_FOUND".to_owned())]
    );
    app.admin
        .get("/v1/customers/no-such-id")
        .await
        .problem(404, "NOT_FOUND");
}

async fn listing_filters_and_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut body = customer_body(&format!("c{i}"));
        if i % 2 == 1 {
            body["customerSegment"] = json!("b2c");
            body["state"] = json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"});
        }
        let reply = app.admin.post("/v1/customers", &body).await;
        assert_eq!(reply.status, 201, "{}", reply.text);
        ids.push(reply.json()["id"].as_str().unwrap().to_owned());
    }
    // Paging by three walks every customer once, in creation order.
    let mut seen = Vec::new();
    let mut path = "/v1/customers?limit=3".to_owned();
    loop {
        let page = app.admin.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let page = page.json();
        for c in page["data"].as_array().unwrap() {
            seen.push(c["id"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => path = format!("/v1/customers?limit=3&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);

    let one = app.admin.get("/v1/customers?externalId=c3").await.json();
    assert_eq!(one["data"].as_array().unwrap().len(), 1);
    assert_eq!(one["data"][0]["id"], ids[3].as_str());
    let b2c = app.admin.get("/v1/customers?segment=b2c").await.json();
    assert_eq!(b2c["data"].as_array().unwrap().len(), 3);
    let suspended = app
        .admin
        .get("/v1/customers?state=SUSPENDED&segment=b2c")
        .await
        .json();
    assert_eq!(suspended["data"].as_array().unwrap().len(), 3);
    let active = app.admin.get("/v1/customers?state=ACTIVE").await.json();
    assert_eq!(active["data"].as_array().unwrap().len(), 4);

    let fourth = app
        .admin
        .get(&format!("/v1/customers/{}", ids[3]))
        .await
        .json();
    let after = fourth["createdAt"].as_str().unwrap().to_owned();
    let later = app
        .admin
        .get(&format!("/v1/customers?createdAfter={after}"))
        .await
        .json();
    let later: Vec<_> = later["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(later, ids[4..].iter().map(|i| json!(i)).collect::<Vec<_>>());

    for bad in [
        "limit=0",
        "limit=1001",
        "limit=x",
        "state=ASLEEP",
        "createdAfter=yesterday",
        "colour=red",
    ] {
        app.admin
            .get(&format!("/v1/customers?{bad}"))
            .await
            .problem(400, "MALFORMED_REQUEST");
    }
}

async fn count(app: &TestApp) -> usize {
    let reply = app.admin.get("/v1/customers?limit=1000").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()["data"].as_array().unwrap().len()
}

both_backends!(
    seed_examples_work_unchanged,
    profile_defaults_yield_to_request_fields,
    without_profile_segment_and_state_are_required,
    profile_segment_and_reason_must_be_configured,
    a_pending_marker_is_ignored,
    a_customer_cannot_start_deactivated,
    external_id_is_unique_per_tenant,
    racing_creates_of_one_external_id_make_one_customer,
    a_parent_is_named_by_ref_id_or_external_id,
    another_tenants_customer_is_not_found,
    listing_filters_and_pages,
);
