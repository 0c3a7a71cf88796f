//! The native account door on both backends: creating by profile or by attributes, the
//! customer reference, the rules, uniqueness, tenancy and listing.

#[macro_use]
mod common;

use common::{customer_body, errs, id, list, Backend, Client, TestApp};
use serde_json::{json, Value};

async fn accounts(app: &TestApp) -> usize {
    list(&app.admin, "/v1/accounts").await.len()
}

async fn customers(app: &TestApp) -> usize {
    list(&app.admin, "/v1/customers").await.len()
}

async fn create_customer(app: &TestApp, external_id: &str) -> Value {
    let reply = app
        .admin
        .post("/v1/customers", &customer_body(external_id))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

async fn create_account(client: &Client, body: Value) -> Value {
    let reply = client.post("/v1/accounts", &body).await;
    assert_eq!(reply.status, 201, "{body}: {}", reply.text);
    reply.json()
}

async fn a_profile_alone_creates_the_account_and_its_customer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .admin
        .post("/v1/accounts", &json!({"accountProfile": "standard"}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let body = reply.json();
    let account_id = id(&body);
    assert_eq!(
        reply.header("location"),
        Some(format!("/v1/accounts/{account_id}").as_str())
    );
    assert_eq!(body["externalId"], Value::Null);
    assert_eq!(body["accountProfile"], "standard");
    assert_eq!(body["accountSegment"], "standard");
    assert_eq!(
        body["state"],
        json!({"state": "ACTIVE", "stateReason": "active"})
    );
    assert!(body["createdAt"].is_string() && body["updatedAt"].is_string());

    // One new customer, made from the account profile's customer profile.
    let all = list(&app.admin, "/v1/customers").await;
    assert_eq!(all.len(), 1, "{all:?}");
    let customer = &all[0];
    assert_eq!(customer["customerProfile"], "b2b");
    assert_eq!(customer["customerSegment"], "b2b");
    assert_eq!(
        customer["state"],
        json!({"state": "ACTIVE", "stateReason": "active"})
    );
    assert_eq!(
        body["customers"],
        json!([{"refId": customer["id"], "externalId": Value::Null, "primary": true}])
    );
    assert_eq!(accounts(&app).await, 1);

    let read = app.admin.get(&format!("/v1/accounts/{account_id}")).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json(), body);
}

async fn an_account_names_its_customer_by_ref_id_or_external_id(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = create_customer(&app, "cust-1").await;
    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({
                "externalId": "acc-1",
                "customer": {"refId": customer["id"]},
                "accountSegment": "standard",
                "state": {"state": "SUSPENDED", "stateReason": "dfltSuspended"},
                "customName": "Main account",
                "customAttributes": {"key1": "Value 1", "key2": "Value 2"}
            }),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let by_ref = reply.json();
    assert_eq!(by_ref["externalId"], "acc-1");
    assert_eq!(by_ref["accountProfile"], Value::Null);
    assert_eq!(by_ref["accountSegment"], "standard");
    assert_eq!(
        by_ref["state"],
        json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"})
    );
    assert_eq!(by_ref["customName"], "Main account");
    assert_eq!(
        by_ref["customAttributes"],
        json!({"key1": "Value 1", "key2": "Value 2"})
    );
    assert_eq!(
        by_ref["customers"],
        json!([{"refId": customer["id"], "externalId": "cust-1", "primary": true}])
    );

    // By external id, with a profile: the request's customer wins over the profile's.
    let by_external = create_account(
        &app.admin,
        json!({
            "externalId": "acc-2",
            "customer": {"externalId": "cust-1"},
            "accountProfile": "standard"
        }),
    )
    .await;
    assert_eq!(
        by_external["customers"],
        json!([{"refId": customer["id"], "externalId": "cust-1", "primary": true}])
    );
    assert_eq!(by_external["accountProfile"], "standard");
    assert_eq!(customers(&app).await, 1, "no customer was made");
    assert_eq!(accounts(&app).await, 2);

    let read = app
        .admin
        .get(&format!("/v1/accounts/{}", id(&by_ref)))
        .await;
    assert_eq!(read.json(), by_ref);
}

async fn profile_and_segment_must_be_configured(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = create_customer(&app, "cust-1").await;
    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({
                "customer": {"refId": customer["id"]},
                "accountProfile": "gold",
                "accountSegment": "standard",
                "state": {"state": "ACTIVE", "stateReason": "active"}
            }),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("accountProfile", "NOT_CONFIGURED")])
    );

    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({
                "customer": {"refId": customer["id"]},
                "accountSegment": "nope",
                "state": {"state": "ACTIVE", "stateReason": "active"}
            }),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("accountSegment", "NOT_CONFIGURED")])
    );
    assert_eq!(accounts(&app).await, 0);

    // Refused with a profile and no customer: the customer the profile would make is not
    // made either.
    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({"accountProfile": "standard", "accountSegment": "nope"}),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("accountSegment", "NOT_CONFIGURED")])
    );
    assert_eq!(accounts(&app).await, 0);
    assert_eq!(customers(&app).await, 1);
}

async fn without_profile_segment_and_state_are_required(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = create_customer(&app, "cust-1").await;
    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({"externalId": "a1", "customer": {"refId": customer["id"]}}),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    let errors = reply.field_errors();
    assert!(
        errors.contains(&("accountSegment".into(), "REQUIRED".into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("state".into(), "REQUIRED".into())),
        "{errors:?}"
    );
    assert_eq!(errors.len(), 2, "{errors:?}");

    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({
                "externalId": "a1",
                "customer": {"refId": customer["id"]},
                "accountSegment": "standard",
                "state": {"state": "ACTIVE"}
            }),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("state.stateReason", "REQUIRED")])
    );
    assert_eq!(accounts(&app).await, 0);
}

async fn the_reason_must_be_configured_for_the_state(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = create_customer(&app, "cust-1").await;
    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({
                "customer": {"refId": customer["id"]},
                "accountSegment": "standard",
                "state": {"state": "ACTIVE", "stateReason": "dfltSuspended"}
            }),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("state.stateReason", "NOT_CONFIGURED")])
    );
    // Also when the state overrides a profile's.
    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({
                "customer": {"refId": customer["id"]},
                "accountProfile": "standard",
                "state": {"state": "SUSPENDED", "stateReason": "active"}
            }),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        errs(&[("state.stateReason", "NOT_CONFIGURED")])
    );
    assert_eq!(accounts(&app).await, 0);

    // The right reason for the state is taken, and overrides the profile's state.
    let made = create_account(
        &app.admin,
        json!({
            "customer": {"refId": customer["id"]},
            "accountProfile": "standard",
            "state": {"state": "SUSPENDED", "stateReason": "dfltSuspended"}
        }),
    )
    .await;
    assert_eq!(
        made["state"],
        json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"})
    );
}

async fn a_pending_marker_is_ignored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = create_customer(&app, "cust-1").await;
    let made = create_account(
        &app.admin,
        json!({
            "customer": {"refId": customer["id"]},
            "accountSegment": "standard",
            "state": {
                "state": "ACTIVE", "stateReason": "active",
                "stateValidFrom": "2026-12-01T00:00:00Z",
                "pending": {"state": "SUSPENDED", "stateReason": "dfltSuspended"}
            }
        }),
    )
    .await;
    assert_eq!(
        made["state"],
        json!({"state": "ACTIVE", "stateReason": "active"})
    );
}

async fn the_customer_must_exist_and_not_be_deactivated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = create_customer(&app, "cust-1").await;
    for reference in [
        json!({"externalId": "nobody"}),
        json!({"refId": "no-such-id"}),
    ] {
        let reply = app
            .admin
            .post(
                "/v1/accounts",
                &json!({"customer": reference, "accountProfile": "standard"}),
            )
            .await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(reply.field_errors(), errs(&[("customer", "NOT_FOUND")]));
    }
    // A reference naming nothing does not fall back to making a customer.
    assert_eq!(customers(&app).await, 1);
    assert_eq!(accounts(&app).await, 0);

    let deactivated = app
        .admin
        .post(
            &format!("/v1/customers/{}/state", id(&customer)),
            &json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
        )
        .await;
    assert_eq!(deactivated.status, 200, "{}", deactivated.text);
    for reference in [
        json!({"externalId": "cust-1"}),
        json!({"refId": customer["id"]}),
    ] {
        let reply = app
            .admin
            .post(
                "/v1/accounts",
                &json!({
                    "customer": reference,
                    "accountSegment": "standard",
                    "state": {"state": "ACTIVE", "stateReason": "active"}
                }),
            )
            .await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(reply.field_errors(), errs(&[("customer", "INVALID_STATE")]));
    }
    assert_eq!(customers(&app).await, 1);
    assert_eq!(accounts(&app).await, 0);
}

async fn without_customer_and_profile_the_customer_is_required(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({
                "externalId": "a1",
                "accountSegment": "standard",
                "state": {"state": "ACTIVE", "stateReason": "active"}
            }),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(reply.field_errors(), errs(&[("customer", "REQUIRED")]));
    assert_eq!(accounts(&app).await, 0);
    assert_eq!(customers(&app).await, 0);
}

async fn unknown_fields_and_wrong_types_are_malformed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for body in [
        json!({"accountProfile": "standard", "colour": "red"}),
        json!({"accountProfile": 5}),
        json!({"accountProfile": "standard", "customAttributes": {"k": 1}}),
        json!({"accountProfile": "standard", "customer": "cust-1"}),
    ] {
        app.admin
            .post("/v1/accounts", &body)
            .await
            .problem(400, "MALFORMED_REQUEST");
    }
    assert_eq!(accounts(&app).await, 0);
    assert_eq!(customers(&app).await, 0);
}

async fn external_id_is_unique_per_tenant(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"externalId": "dup", "accountProfile": "standard"});
    create_account(&app.admin, body.clone()).await;
    let reply = app.admin.post("/v1/accounts", &body).await;
    reply.problem(409, "CONFLICT");
    assert_eq!(reply.field_errors(), errs(&[("externalId", "DUPLICATE")]));
    assert_eq!(accounts(&app).await, 1);
    // The refused account's customer was not made either.
    assert_eq!(customers(&app).await, 1);

    // Also when the account names an existing customer.
    let customer = create_customer(&app, "cust-1").await;
    let reply = app
        .admin
        .post(
            "/v1/accounts",
            &json!({"externalId": "dup", "customer": {"refId": customer["id"]}, "accountProfile": "standard"}),
        )
        .await;
    reply.problem(409, "CONFLICT");
    assert_eq!(reply.field_errors(), errs(&[("externalId", "DUPLICATE")]));

    // Unique among accounts: a customer's external id does not block an account's.
    let same_as_customer = create_account(
        &app.admin,
        json!({"externalId": "cust-1", "accountProfile": "standard"}),
    )
    .await;
    assert_eq!(same_as_customer["externalId"], "cust-1");
    assert_eq!(accounts(&app).await, 2);

    // Another tenant has its own namespace.
    let other = app.admin.with_key(&app.make_key("writer", "acme"));
    let theirs = create_account(&other, body).await;
    assert_eq!(theirs["externalId"], "dup");
    assert_eq!(accounts(&app).await, 2);
}

async fn another_tenants_account_is_not_found(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = create_customer(&app, "mine").await;
    let account = create_account(
        &app.admin,
        json!({"externalId": "acc-mine", "customer": {"refId": customer["id"]}, "accountProfile": "standard"}),
    )
    .await;
    let path = format!("/v1/accounts/{}", id(&account));
    let stranger = app.admin.with_key(&app.make_key("admin", "other"));
    stranger.get(&path).await.problem(404, "NOT_FOUND");
    assert_eq!(
        stranger
            .get("/v1/accounts?externalId=acc-mine")
            .await
            .json()["data"],
        json!([])
    );
    assert_eq!(list(&stranger, "/v1/accounts").await, Vec::<Value>::new());
    // Nor can the stranger hang an account on this tenant's customer.
    for reference in [
        json!({"refId": customer["id"]}),
        json!({"externalId": "mine"}),
    ] {
        let reply = stranger
            .post(
                "/v1/accounts",
                &json!({"customer": reference, "accountProfile": "standard"}),
            )
            .await;
        reply.problem(422, "VALIDATION_FAILED");
        assert_eq!(reply.field_errors(), errs(&[("customer", "NOT_FOUND")]));
    }
    assert_eq!(list(&stranger, "/v1/accounts").await.len(), 0);
    app.admin
        .get("/v1/accounts/no-such-id")
        .await
        .problem(404, "NOT_FOUND");
    // The owner still reads it unchanged.
    assert_eq!(app.admin.get(&path).await.json(), account);
}

async fn a_retry_makes_one_account_and_one_customer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let body = json!({"requestId": "acc-req-1", "externalId": "a1", "accountProfile": "standard"});
    let first = app.admin.post("/v1/accounts", &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let retry = app.admin.post("/v1/accounts", &body).await;
    assert_eq!(retry.status, 201, "{}", retry.text);
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.json()["id"], first.json()["id"]);
    assert_eq!(accounts(&app).await, 1);
    assert_eq!(customers(&app).await, 1);
}

async fn listing_filters_and_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut catalog = app.admin.get("/v1/catalog").await.json();
    catalog["accountSegments"]
        .as_array_mut()
        .unwrap()
        .push(json!("premium"));
    let put = app.admin.put("/v1/catalog", &catalog).await;
    assert_eq!(put.status, 200, "{}", put.text);

    let alice = create_customer(&app, "alice").await;
    let bob = create_customer(&app, "bob").await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let owner = if i % 3 == 0 { &bob } else { &alice };
        let mut body = json!({
            "externalId": format!("a{i}"),
            "customer": {"refId": owner["id"]},
            "accountSegment": "standard",
            "state": {"state": "ACTIVE", "stateReason": "active"}
        });
        if i % 2 == 1 {
            body["accountSegment"] = json!("premium");
            body["state"] = json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"});
        }
        ids.push(id(&create_account(&app.admin, body).await));
    }

    // Paging by two walks every account once, in creation order.
    let mut seen = Vec::new();
    let mut path = "/v1/accounts?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = app.admin.get(&path).await;
        assert_eq!(page.status, 200, "{}", page.text);
        let page = page.json();
        let data = page["data"].as_array().unwrap();
        assert!(data.len() <= 2, "{page}");
        for a in data {
            seen.push(id(a));
        }
        pages += 1;
        assert!(pages < 20, "paging does not end");
        match page["next"].as_str() {
            Some(next) => path = format!("/v1/accounts?limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(seen, ids);

    let ids_of = |data: Vec<Value>| data.iter().map(id).collect::<Vec<_>>();
    assert_eq!(
        ids_of(list(&app.admin, "/v1/accounts?externalId=a3").await),
        vec![ids[3].clone()]
    );
    assert_eq!(
        ids_of(list(&app.admin, "/v1/accounts?externalId=nobody").await),
        Vec::<String>::new()
    );
    assert_eq!(
        ids_of(list(&app.admin, "/v1/accounts?segment=premium").await),
        vec![ids[1].clone(), ids[3].clone(), ids[5].clone()]
    );
    assert_eq!(
        ids_of(list(&app.admin, "/v1/accounts?state=ACTIVE").await),
        vec![
            ids[0].clone(),
            ids[2].clone(),
            ids[4].clone(),
            ids[6].clone()
        ]
    );
    assert_eq!(
        ids_of(list(&app.admin, &format!("/v1/accounts?customer={}", id(&bob))).await),
        vec![ids[0].clone(), ids[3].clone(), ids[6].clone()]
    );
    assert_eq!(
        ids_of(
            list(
                &app.admin,
                &format!("/v1/accounts?customer={}&state=SUSPENDED", id(&alice))
            )
            .await
        ),
        vec![ids[1].clone(), ids[5].clone()]
    );
    let some = list(&app.admin, "/v1/accounts?segment=standard&state=ACTIVE").await;
    assert_eq!(some.len(), 4);
    for a in &some {
        assert_eq!(a["accountSegment"], "standard");
    }

    for bad in [
        "limit=0",
        "limit=1001",
        "limit=x",
        "state=ASLEEP",
        "colour=red",
    ] {
        app.admin
            .get(&format!("/v1/accounts?{bad}"))
            .await
            .problem(400, "MALFORMED_REQUEST");
    }
}

both_backends!(
    a_profile_alone_creates_the_account_and_its_customer,
    an_account_names_its_customer_by_ref_id_or_external_id,
    profile_and_segment_must_be_configured,
    without_profile_segment_and_state_are_required,
    the_reason_must_be_configured_for_the_state,
    a_pending_marker_is_ignored,
    the_customer_must_exist_and_not_be_deactivated,
    without_customer_and_profile_the_customer_is_required,
    unknown_fields_and_wrong_types_are_malformed,
    external_id_is_unique_per_tenant,
    another_tenants_account_is_not_found,
    a_retry_makes_one_account_and_one_customer,
    listing_filters_and_pages,
);
