//! The catalog on both backends: the built-in default, validated replacement, the CLI.

#[macro_use]
mod common;

use common::{customer_body, Backend, TestApp};
use serde_json::json;

async fn the_default_catalog_holds_the_seed_values(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reply = app.admin.get("/v1/catalog").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let catalog = reply.json();
    assert_eq!(catalog["customerProfiles"][0]["code"], "b2b");
    assert_eq!(catalog["subscriberProfiles"][0]["code"], "internetOnly");
    assert!(catalog["subscriberSegments"]
        .as_array()
        .unwrap()
        .contains(&json!("topUploader")));
    assert_eq!(catalog["states"]["ACTIVE"], json!(["active", "dfltActive"]));
    assert_eq!(catalog["states"]["DEACTIVATED"], json!(["dfltDeactivated"]));
    assert_eq!(catalog["resourceTypes"][0]["code"], "MSISDN");
    assert!(catalog["departments"]
        .as_array()
        .unwrap()
        .contains(&json!("Service")));
    assert_eq!(catalog["classifiers"]["level"][0], "Premium");
}

async fn an_inconsistent_catalog_is_refused_whole(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = app.admin.get("/v1/catalog").await.json();
    let mut bad = before.clone();
    bad["customerProfiles"][0]["segment"] = json!("unknown-segment");
    bad["accountProfiles"][0]["customerProfile"] = json!("ghost");
    bad["states"]["ACTIVE"] = json!(["active"]);
    let reply = app.admin.put("/v1/catalog", &bad).await;
    reply.problem(422, "VALIDATION_FAILED");
    let errors = reply.field_errors();
    for expected in [
        ("customerProfiles[0].segment", "NOT_CONFIGURED"),
        ("accountProfiles[0].customerProfile", "NOT_CONFIGURED"),
        ("subscriberProfiles[0].stateReason", "NOT_CONFIGURED"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing in {errors:?}"
        );
    }
    let mut unknown = before.clone();
    unknown["colour"] = json!("red");
    app.admin
        .put("/v1/catalog", &unknown)
        .await
        .problem(400, "MALFORMED_REQUEST");
    assert_eq!(app.admin.get("/v1/catalog").await.json(), before);
}

async fn a_replaced_catalog_governs_new_customers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut catalog = app.admin.get("/v1/catalog").await.json();
    catalog["customerSegments"] = json!(["b2b", "vip"]);
    catalog["states"]["ACTIVE"] = json!(["active", "dfltActive", "welcome"]);
    catalog["customerProfiles"].as_array_mut().unwrap().push(
        json!({"code": "gold", "segment": "vip", "state": "ACTIVE", "stateReason": "welcome",
                     "customAttributes": {"tier": "gold"}}),
    );
    catalog["requestId"] = json!("catalog-1");
    let reply = app.admin.put("/v1/catalog", &catalog).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let created = app
        .admin
        .post(
            "/v1/customers",
            &json!({"customerProfile": "gold", "customAttributes": {"extra": "1"}}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let body = created.json();
    assert_eq!(body["customerSegment"], "vip");
    assert_eq!(
        body["state"],
        json!({"state": "ACTIVE", "stateReason": "welcome"})
    );
    assert_eq!(
        body["customAttributes"],
        json!({"tier": "gold", "extra": "1"})
    );
    // b2c was dropped from the catalog, so it is no longer a segment one may use.
    let mut old = customer_body("c1");
    old["customerSegment"] = json!("b2c");
    app.admin
        .post("/v1/customers", &old)
        .await
        .problem(422, "VALIDATION_FAILED");
    // Another process on the same database sees the new catalog too.
    let second = app.another_server();
    let other = common::Client::new(&second.base, common::ADMIN_KEY);
    assert_eq!(
        other.get("/v1/catalog").await.json()["customerSegments"],
        json!(["b2b", "vip"])
    );
}

async fn the_cli_shows_and_applies_catalogs(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let shown = app.cli(&["catalog", "show"]);
    assert!(shown.contains("internetOnly"), "{shown}");
    let edited = shown.replace(
        "subscriberSegments = [\"topUploader\"]",
        "subscriberSegments = [\"topUploader\", \"heavyUser\"]",
    );
    assert_ne!(edited, shown);
    let file = app.db.dir().join("catalog.toml");
    std::fs::write(&file, edited).unwrap();
    app.cli(&["catalog", "apply", file.to_str().unwrap()]);
    // The running server picks the change up within its catalog TTL.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let catalog = app.admin.get("/v1/catalog").await.json();
        if catalog["subscriberSegments"] == json!(["topUploader", "heavyUser"]) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server never saw the applied catalog"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let broken = app.db.dir().join("broken.toml");
    std::fs::write(&broken, "customerSegments = [\"a\", \"a\"]\n").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clientele"))
        .args(["catalog", "apply", broken.to_str().unwrap()])
        .env("CLIENTELE_DATABASE_URL", &app.db.url)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("customerSegments[1]"), "{stderr}");
}

async fn concurrent_replacements_all_land(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let base = app.admin.get("/v1/catalog").await.json();
    let mut tasks = Vec::new();
    for i in 0..8 {
        let client = app.admin.clone();
        let mut catalog = base.clone();
        catalog["customerSegments"]
            .as_array_mut()
            .unwrap()
            .push(json!(format!("seg{i}")));
        tasks.push(tokio::spawn(async move {
            client.put("/v1/catalog", &catalog).await.status
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let last = app.admin.get("/v1/catalog").await.json();
    assert_eq!(last["customerSegments"].as_array().unwrap().len(), 3);
}

/// A catalog may not take away what stored objects use: their profile, segment, state
/// reason or resource type, or the last reason to deactivate them. What no object uses may go.
async fn a_catalog_keeps_what_stored_objects_use(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let base = app.admin.get("/v1/catalog").await.json();
    let reply = app
        .admin
        .post(
            "/v1/subscribers",
            &json!({"subscriberProfile": "internetOnly",
            "primaryResourceType": "MSISDN", "primaryResource": "421900123456"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let customer = app
        .admin
        .post("/v1/customers", &customer_body("kept"))
        .await;
    assert_eq!(customer.status, 201, "{}", customer.text);
    let id = customer.json()["id"].as_str().unwrap().to_owned();
    let suspended = app
        .admin
        .post(
            &format!("/v1/customers/{id}/state"),
            &json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"}),
        )
        .await;
    assert_eq!(suspended.status, 200, "{}", suspended.text);

    let mut taking = base.clone();
    taking["subscriberSegments"] = json!([]);
    taking["subscriberProfiles"] = json!([]);
    taking["resourceTypes"] = json!([]);
    taking["states"]["SUSPENDED"] = json!([]);
    taking["states"]["DEACTIVATED"] = json!([]);
    let reply = app.admin.put("/v1/catalog", &taking).await;
    reply.problem(422, "VALIDATION_FAILED");
    let errors = reply.field_errors();
    for expected in [
        ("subscriberProfiles", "NOT_ALLOWED"),
        ("subscriberSegments", "NOT_ALLOWED"),
        ("resourceTypes", "NOT_ALLOWED"),
        ("states.SUSPENDED", "NOT_ALLOWED"),
        ("states.DEACTIVATED", "REQUIRED"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing in {errors:?}"
        );
    }
    assert_eq!(app.admin.get("/v1/catalog").await.json(), base);

    // A value no stored object uses may go.
    let mut trimmed = base.clone();
    trimmed["customerSegments"] = json!(["b2b"]);
    let reply = app.admin.put("/v1/catalog", &trimmed).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

both_backends!(
    a_catalog_keeps_what_stored_objects_use,
    concurrent_replacements_all_land,
    the_default_catalog_holds_the_seed_values,
    an_inconsistent_catalog_is_refused_whole,
    a_replaced_catalog_governs_new_customers,
    the_cli_shows_and_applies_catalogs,
);
