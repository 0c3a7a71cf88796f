//! The native subscriber door on both backends: the three OCS.io examples and one test per
//! rule of ocs-create-subscriber.txt, with a race on the primary resource.

#[macro_use]
mod common;

use common::{errs, id, list, Backend, Client, TestApp, ADMIN_KEY};
use serde_json::{json, Value};

fn seed_examples() -> Vec<Value> {
    common::seed_examples(include_str!("../../shared/seeds/ocs-create-subscriber.txt"))
}

async fn accounts(app: &TestApp) -> usize {
    list(&app.admin, "/v1/accounts").await.len()
}

async fn customers(app: &TestApp) -> usize {
    list(&app.admin, "/v1/customers").await.len()
}

/// An account (and its customer, made by the profile) with this external id.
async fn create_account(client: &Client, external_id: &str) -> Value {
    let reply = client
        .post(
            "/v1/accounts",
            &json!({"externalId": external_id, "accountProfile": "standard"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

/// A subscriber by attributes under the account with external id `account`.
fn subscriber_body(external_id: &str, account: &str) -> Value {
    json!({
        "externalId": external_id,
        "account": {"externalId": account},
        "subscriberSegment": "topUploader",
        "state": {"state": "ACTIVE", "stateReason": "dfltActive"}
    })
}

async fn create(client: &Client, body: &Value) -> Value {
    let reply = client.post("/v1/subscribers", body).await;
    assert_eq!(reply.status, 201, "{body}: {}", reply.text);
    reply.json()
}

async fn set_state(client: &Client, kind: &str, id: &str, state: &str, reason: &str) {
    let reply = client
        .post(
            &format!("/v1/{kind}/{id}/state"),
            &json!({"state": state, "stateReason": reason}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json()["state"]["state"], state);
}

/// The refused body makes nothing: the same external id is still free afterwards.
async fn external_id_still_free(app: &TestApp, external_id: &str, account: &str) {
    let made = create(&app.admin, &subscriber_body(external_id, account)).await;
    assert_eq!(made["externalId"], external_id);
}

async fn seed_examples_work_unchanged(backend: Backend) {
    let examples = seed_examples();
    assert_eq!(examples.len(), 3, "the seed has three examples");
    for (n, example) in examples.iter().enumerate() {
        // Each example on a fresh install that has the account the third one names.
        let app = TestApp::spawn(backend).await;
        let account = create_account(&app.admin, "account_external_id").await;
        let reply = app.admin.post("/v1/subscribers", example).await;
        assert_eq!(reply.status, 201, "{example}: {}", reply.text);
        let body = reply.json();
        let sid = id(&body);
        assert_eq!(
            reply.header("location"),
            Some(format!("/v1/subscribers/{sid}").as_str())
        );
        assert_eq!(body["externalId"], "subscriber_external_id");
        assert_eq!(body["subscriberSegment"], "topUploader");
        assert_eq!(
            body["state"],
            json!({"state": "ACTIVE", "stateReason": "dfltActive"})
        );
        assert_eq!(body["primaryResourceType"], Value::Null);
        assert_eq!(body["primaryResource"], Value::Null);
        assert!(body["createdAt"].is_string() && body["updatedAt"].is_string());
        if let Some(name) = example.get("customName") {
            assert_eq!(&body["customName"], name);
            assert_eq!(
                body["customAttributes"],
                json!({"key1": "Value 1", "key2": "Value 2"})
            );
        } else {
            assert_eq!(body["customName"], Value::Null);
            assert_eq!(body["customAttributes"], json!({}));
        }
        if n == 2 {
            assert_eq!(body["subscriberProfile"], Value::Null);
            assert_eq!(body["customName"], "Demo Subscriber");
            assert_eq!(
                body["account"],
                json!({"refId": account["id"], "externalId": "account_external_id"})
            );
            assert_eq!(accounts(&app).await, 1);
        } else {
            assert_eq!(body["subscriberProfile"], "internetOnly");
            // By profile and without account: a new account of the profile's account profile.
            assert_ne!(body["account"]["refId"], account["id"]);
            assert_eq!(accounts(&app).await, 2);
        }
        assert_eq!(customers(&app).await, if n == 2 { 1 } else { 2 });
        let read = app.admin.get(&format!("/v1/subscribers/{sid}")).await;
        assert_eq!(read.status, 200, "{}", read.text);
        assert_eq!(read.json(), body);
    }
}

async fn rule_1_the_profile_must_be_configured(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    let mut body = subscriber_body("s1", "acc");
    body["subscriberProfile"] = json!("gold");
    let reply = app.admin.post("/v1/subscribers", &body).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("subscriberProfile", "NOT_CONFIGURED")])
    );
    // A profile alone, unknown, is refused the same way and makes no account.
    let reply = app
        .admin
        .post(
            "/v1/subscribers",
            &json!({"externalId": "s1", "subscriberProfile": "gold"}),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert!(
        reply
            .field_errors()
            .contains(&("subscriberProfile".into(), "NOT_CONFIGURED".into())),
        "{:?}",
        reply.field_errors()
    );
    assert_eq!(accounts(&app).await, 1);
    assert_eq!(customers(&app).await, 1);
    external_id_still_free(&app, "s1", "acc").await;
}

async fn rule_2_the_segment_must_be_configured(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    let mut body = subscriber_body("s1", "acc");
    body["subscriberSegment"] = json!("nope");
    let reply = app.admin.post("/v1/subscribers", &body).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("subscriberSegment", "NOT_CONFIGURED")])
    );
    // Also when it overrides a profile's segment; nothing is made for the profile.
    let reply = app
        .admin
        .post(
            "/v1/subscribers",
            &json!({"externalId": "s1", "subscriberProfile": "internetOnly", "subscriberSegment": "nope"}),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("subscriberSegment", "NOT_CONFIGURED")])
    );
    assert_eq!(accounts(&app).await, 1);
    assert_eq!(customers(&app).await, 1);
    external_id_still_free(&app, "s1", "acc").await;
}

async fn rule_3_the_reason_must_be_configured_for_the_state(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    let mut body = subscriber_body("s1", "acc");
    body["state"] = json!({"state": "ACTIVE", "stateReason": "dfltSuspended"});
    let reply = app.admin.post("/v1/subscribers", &body).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("state.stateReason", "NOT_CONFIGURED")])
    );
    let reply = app
        .admin
        .post(
            "/v1/subscribers",
            &json!({
                "externalId": "s1",
                "account": {"externalId": "acc"},
                "subscriberProfile": "internetOnly",
                "state": {"state": "SUSPENDED", "stateReason": "dfltActive"}
            }),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("state.stateReason", "NOT_CONFIGURED")])
    );
    // The configured reason is taken, and the state overrides the profile's.
    let made = create(
        &app.admin,
        &json!({
            "externalId": "s1",
            "account": {"externalId": "acc"},
            "subscriberProfile": "internetOnly",
            "state": {"state": "SUSPENDED", "stateReason": "dfltSuspended"}
        }),
    )
    .await;
    assert_eq!(
        made["state"],
        json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"})
    );
}

async fn rule_4_a_pending_state_is_ignored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    let mut body = subscriber_body("s1", "acc");
    body["state"] = json!({
        "state": "ACTIVE",
        "stateReason": "dfltActive",
        "stateValidFrom": "2026-12-01T00:00:00Z",
        "pending": {"state": "SUSPENDED", "stateReason": "dfltSuspended"}
    });
    let made = create(&app.admin, &body).await;
    assert_eq!(
        made["state"],
        json!({"state": "ACTIVE", "stateReason": "dfltActive"})
    );
    let read = app
        .admin
        .get(&format!("/v1/subscribers/{}", id(&made)))
        .await
        .json();
    assert_eq!(
        read["state"],
        json!({"state": "ACTIVE", "stateReason": "dfltActive"})
    );
    assert_eq!(read, made);
}

async fn rule_5_without_profile_the_state_is_required(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    let mut body = subscriber_body("s1", "acc");
    body.as_object_mut().unwrap().remove("state");
    let reply = app.admin.post("/v1/subscribers", &body).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(reply.field_errors(), errs(&[("state", "REQUIRED")]));

    body["state"] = json!({"state": "ACTIVE"});
    let reply = app.admin.post("/v1/subscribers", &body).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("state.stateReason", "REQUIRED")])
    );
    external_id_still_free(&app, "s1", "acc").await;
}

async fn rule_6_the_account_must_exist_and_not_be_deactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let account = create_account(&app.admin, "acc").await;
    for reference in [
        json!({"externalId": "nobody"}),
        json!({"refId": "no-such-id"}),
    ] {
        let mut body = subscriber_body("s1", "acc");
        body["account"] = reference.clone();
        let reply = app.admin.post("/v1/subscribers", &body).await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(reply.field_errors(), errs(&[("account", "NOT_FOUND")]));
        // With a profile, an account that names nothing is not replaced by a new one.
        let reply = app
            .admin
            .post(
                "/v1/subscribers",
                &json!({"externalId": "s1", "account": reference, "subscriberProfile": "internetOnly"}),
            )
            .await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(reply.field_errors(), errs(&[("account", "NOT_FOUND")]));
    }
    assert_eq!(accounts(&app).await, 1);
    assert_eq!(customers(&app).await, 1);

    // A second account stays live for the final check.
    create_account(&app.admin, "live").await;
    set_state(
        &app.admin,
        "accounts",
        &id(&account),
        "DEACTIVATED",
        "dfltDeactivated",
    )
    .await;
    for reference in [
        json!({"externalId": "acc"}),
        json!({"refId": account["id"]}),
    ] {
        let mut body = subscriber_body("s1", "acc");
        body["account"] = reference;
        let reply = app.admin.post("/v1/subscribers", &body).await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(reply.field_errors(), errs(&[("account", "INVALID_STATE")]));
    }
    assert_eq!(accounts(&app).await, 2);
    external_id_still_free(&app, "s1", "live").await;
}

async fn rule_7_without_account_the_profile_is_required(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .admin
        .post(
            "/v1/subscribers",
            &json!({
                "externalId": "s1",
                "subscriberSegment": "topUploader",
                "state": {"state": "ACTIVE", "stateReason": "dfltActive"}
            }),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("subscriberProfile", "REQUIRED")])
    );
    assert_eq!(accounts(&app).await, 0);
    assert_eq!(customers(&app).await, 0);

    // With a profile, the account and its customer are made from the profiles' chain.
    let made = create(
        &app.admin,
        &json!({"externalId": "s1", "subscriberProfile": "internetOnly"}),
    )
    .await;
    assert_eq!(made["subscriberProfile"], "internetOnly");
    assert_eq!(made["subscriberSegment"], "topUploader");
    assert_eq!(
        made["state"],
        json!({"state": "ACTIVE", "stateReason": "dfltActive"})
    );
    let all_accounts = list(&app.admin, "/v1/accounts").await;
    assert_eq!(all_accounts.len(), 1, "{all_accounts:?}");
    let account = &all_accounts[0];
    assert_eq!(account["accountProfile"], "standard");
    assert_eq!(account["accountSegment"], "standard");
    assert_eq!(
        made["account"],
        json!({"refId": account["id"], "externalId": Value::Null})
    );
    let all_customers = list(&app.admin, "/v1/customers").await;
    assert_eq!(all_customers.len(), 1, "{all_customers:?}");
    let customer = &all_customers[0];
    assert_eq!(customer["customerProfile"], "b2b");
    assert_eq!(account["customers"][0]["refId"], customer["id"]);
    assert_eq!(account["customers"][0]["primary"], true);
}

async fn rule_8_external_id_is_unique_even_when_deactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    let first = create(&app.admin, &subscriber_body("s1", "acc")).await;
    let reply = app
        .admin
        .post("/v1/subscribers", &subscriber_body("s1", "acc"))
        .await;
    reply.problem(409, "CONFLICT");
    assert_eq!(reply.field_errors(), errs(&[("externalId", "DUPLICATE")]));

    set_state(
        &app.admin,
        "subscribers",
        &id(&first),
        "DEACTIVATED",
        "dfltDeactivated",
    )
    .await;
    let reply = app
        .admin
        .post("/v1/subscribers", &subscriber_body("s1", "acc"))
        .await;
    reply.problem(409, "CONFLICT");
    assert_eq!(reply.field_errors(), errs(&[("externalId", "DUPLICATE")]));
    // Also by profile: the refusal makes no account or customer.
    let reply = app
        .admin
        .post(
            "/v1/subscribers",
            &json!({"externalId": "s1", "subscriberProfile": "internetOnly"}),
        )
        .await;
    reply.problem(409, "CONFLICT");
    assert_eq!(reply.field_errors(), errs(&[("externalId", "DUPLICATE")]));
    assert_eq!(accounts(&app).await, 1);
    assert_eq!(customers(&app).await, 1);

    // The holder is untouched.
    let read = app
        .admin
        .get(&format!("/v1/subscribers/{}", id(&first)))
        .await
        .json();
    assert_eq!(read["state"]["state"], "DEACTIVATED");

    // Another tenant has its own namespace.
    let other = app.admin.with_key(&app.make_key("writer", "acme"));
    let theirs = create(
        &other,
        &json!({"externalId": "s1", "subscriberProfile": "internetOnly"}),
    )
    .await;
    assert_eq!(theirs["externalId"], "s1");
}

fn with_msisdn(mut body: Value, msisdn: &str) -> Value {
    body["primaryResourceType"] = json!("MSISDN");
    body["primaryResource"] = json!(msisdn);
    body
}

async fn rule_9_primary_resource_is_unique_among_live_subscribers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    let holder = create(
        &app.admin,
        &with_msisdn(subscriber_body("s1", "acc"), "420777000111"),
    )
    .await;
    assert_eq!(holder["primaryResourceType"], "MSISDN");
    assert_eq!(holder["primaryResource"], "420777000111");

    let second = with_msisdn(subscriber_body("s2", "acc"), "420777000111");
    let reply = app.admin.post("/v1/subscribers", &second).await;
    reply.problem(409, "CONFLICT");
    assert_eq!(
        reply.field_errors(),
        errs(&[("primaryResource", "DUPLICATE")])
    );
    // A suspended holder still holds it.
    set_state(
        &app.admin,
        "subscribers",
        &id(&holder),
        "SUSPENDED",
        "dfltSuspended",
    )
    .await;
    app.admin
        .post("/v1/subscribers", &second)
        .await
        .problem(409, "CONFLICT");
    // By profile too, and the refusal makes no account.
    let reply = app
        .admin
        .post(
            "/v1/subscribers",
            &json!({
                "externalId": "s3", "subscriberProfile": "internetOnly",
                "primaryResourceType": "MSISDN", "primaryResource": "420777000111"
            }),
        )
        .await;
    reply.problem(409, "CONFLICT");
    assert_eq!(
        reply.field_errors(),
        errs(&[("primaryResource", "DUPLICATE")])
    );
    assert_eq!(accounts(&app).await, 1);

    // Once the holder is deactivated the resource is free again.
    set_state(
        &app.admin,
        "subscribers",
        &id(&holder),
        "DEACTIVATED",
        "dfltDeactivated",
    )
    .await;
    let reused = create(&app.admin, &second).await;
    assert_eq!(reused["primaryResource"], "420777000111");
    assert_eq!(reused["externalId"], "s2");
    // ... and now the new subscriber holds it.
    let reply = app
        .admin
        .post(
            "/v1/subscribers",
            &with_msisdn(subscriber_body("s4", "acc"), "420777000111"),
        )
        .await;
    reply.problem(409, "CONFLICT");
    assert_eq!(
        reply.field_errors(),
        errs(&[("primaryResource", "DUPLICATE")])
    );
    // The deactivated holder kept its resource on record.
    let old = app
        .admin
        .get(&format!("/v1/subscribers/{}", id(&holder)))
        .await
        .json();
    assert_eq!(old["primaryResource"], "420777000111");
    assert_eq!(old["state"]["state"], "DEACTIVATED");
}

async fn rule_9_racing_creates_of_one_primary_resource_make_one_subscriber(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    let second = app.another_server();
    let clients = [app.admin.clone(), Client::new(&second.base, ADMIN_KEY)];
    let mut tasks = Vec::new();
    for i in 0..12 {
        let client = clients[i % 2].clone();
        let body = with_msisdn(
            subscriber_body(&format!("racer-{i}"), "acc"),
            "420600123456",
        );
        tasks.push(tokio::spawn(async move {
            client.post("/v1/subscribers", &body).await
        }));
    }
    let mut winners = Vec::new();
    let mut losers = 0;
    for task in tasks {
        let reply = task.await.unwrap();
        match reply.status.as_u16() {
            201 => winners.push(reply.json()),
            409 => {
                reply.problem(409, "CONFLICT");
                assert_eq!(
                    reply.field_errors(),
                    errs(&[("primaryResource", "DUPLICATE")])
                );
                losers += 1;
            }
            other => panic!("unexpected {other}: {}", reply.text),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(losers, 11);
    // The losers wrote nothing: their external ids are still free.
    let winner_ext = winners[0]["externalId"].as_str().unwrap().to_owned();
    for i in 0..12 {
        let ext = format!("racer-{i}");
        if ext != winner_ext {
            external_id_still_free(&app, &ext, "acc").await;
        }
    }
}

async fn rule_10_primary_resource_needs_a_configured_type(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    let mut body = subscriber_body("s1", "acc");
    body["primaryResource"] = json!("420777000111");
    let reply = app.admin.post("/v1/subscribers", &body).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("primaryResourceType", "REQUIRED")])
    );

    body["primaryResourceType"] = json!("IMSI");
    let reply = app.admin.post("/v1/subscribers", &body).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("primaryResourceType", "NOT_CONFIGURED")])
    );

    for bad in ["12ab", "1234567", "1234567890123456"] {
        let reply = app
            .admin
            .post(
                "/v1/subscribers",
                &with_msisdn(subscriber_body("s1", "acc"), bad),
            )
            .await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(
            reply.field_errors(),
            errs(&[("primaryResource", "INVALID_FORMAT")]),
            "{bad}"
        );
    }

    // A type without pattern takes any value; the right MSISDN is taken.
    let mut ip = subscriber_body("s2", "acc");
    ip["primaryResourceType"] = json!("ipV4");
    ip["primaryResource"] = json!("10.0.0.1");
    let made = create(&app.admin, &ip).await;
    assert_eq!(made["primaryResourceType"], "ipV4");
    assert_eq!(made["primaryResource"], "10.0.0.1");
    let made = create(
        &app.admin,
        &with_msisdn(subscriber_body("s1", "acc"), "420777000111"),
    )
    .await;
    assert_eq!(made["primaryResourceType"], "MSISDN");
    assert_eq!(made["primaryResource"], "420777000111");
}

async fn unknown_fields_and_wrong_types_are_malformed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    create_account(&app.admin, "acc").await;
    for bad in [
        json!({"colour": "red"}),
        json!({"customAttributes": {"k": 1}}),
        json!({"account": "acc"}),
        json!({"primaryResource": 420777000111u64, "primaryResourceType": "MSISDN"}),
    ] {
        let mut body = subscriber_body("s1", "acc");
        for (k, v) in bad.as_object().unwrap() {
            body[k] = v.clone();
        }
        app.admin
            .post("/v1/subscribers", &body)
            .await
            .problem(400, "MALFORMED_REQUEST");
    }
    external_id_still_free(&app, "s1", "acc").await;
}

async fn another_tenants_subscriber_and_account_are_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let account = create_account(&app.admin, "acc").await;
    let mine = create(&app.admin, &subscriber_body("s1", "acc")).await;
    let stranger = app.admin.with_key(&app.make_key("admin", "other"));
    let path = format!("/v1/subscribers/{}", id(&mine));
    stranger.get(&path).await.problem(404, "NOT_FOUND");
    for reference in [
        json!({"refId": account["id"]}),
        json!({"externalId": "acc"}),
    ] {
        let mut body = subscriber_body("s2", "acc");
        body["account"] = reference;
        let reply = stranger.post("/v1/subscribers", &body).await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(reply.field_errors(), errs(&[("account", "NOT_FOUND")]));
    }
    app.admin
        .get("/v1/subscribers/no-such-id")
        .await
        .problem(404, "NOT_FOUND");
    assert_eq!(app.admin.get(&path).await.json(), mine);
}

async fn a_retry_makes_one_subscriber(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body =
        json!({"requestId": "sub-req-1", "externalId": "s1", "subscriberProfile": "internetOnly"});
    let first = app.admin.post("/v1/subscribers", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let retry = app.admin.post("/v1/subscribers", &body).await;
    assert_eq!(retry.status, 201, "{}", retry.text);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.text, first.text);
    assert_eq!(accounts(&app).await, 1);
    assert_eq!(customers(&app).await, 1);
}

both_backends!(
    seed_examples_work_unchanged,
    rule_1_the_profile_must_be_configured,
    rule_2_the_segment_must_be_configured,
    rule_3_the_reason_must_be_configured_for_the_state,
    rule_4_a_pending_state_is_ignored,
    rule_5_without_profile_the_state_is_required,
    rule_6_the_account_must_exist_and_not_be_deactivated,
    rule_7_without_account_the_profile_is_required,
    rule_8_external_id_is_unique_even_when_deactivated,
    rule_9_primary_resource_is_unique_among_live_subscribers,
    rule_9_racing_creates_of_one_primary_resource_make_one_subscriber,
    rule_10_primary_resource_needs_a_configured_type,
    unknown_fields_and_wrong_types_are_malformed,
    another_tenants_subscriber_and_account_are_not_found,
    a_retry_makes_one_subscriber,
);
