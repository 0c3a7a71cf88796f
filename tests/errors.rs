//! Bad input on both backends: every failure is an RFC 9457 problem, and nothing changes.

#[macro_use]
mod common;

use common::{customer_body, Backend, Client, TestApp};
use reqwest::Method;
use serde_json::json;

async fn assert_nothing_stored(app: &TestApp) {
    let listed = app.admin.get("/v1/customers").await.json();
    assert_eq!(
        listed["data"],
        json!([]),
        "a refused request stored something"
    );
}

async fn malformed_bodies_are_400(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let json_type = [("content-type", "application/json")];
    for body in [
        &b"{"[..],
        b"{\"externalId\": }",
        b"[1,2]",
        b"\"text\"",
        b"null",
    ] {
        app.admin
            .send(
                Method::POST,
                "/v1/customers",
                &json_type,
                Some(body.to_vec()),
            )
            .await
            .problem(400, "MALFORMED_REQUEST");
    }
    // No body at all, and a body of blanks.
    app.admin
        .send(Method::POST, "/v1/customers", &json_type, None)
        .await
        .problem(400, "MALFORMED_REQUEST");
    app.admin
        .send(Method::POST, "/v1/customers", &[], None)
        .await
        .problem(400, "MALFORMED_REQUEST");
    app.admin
        .send(
            Method::POST,
            "/v1/customers",
            &json_type,
            Some(b"  \n".to_vec()),
        )
        .await
        .problem(400, "MALFORMED_REQUEST");
    assert_nothing_stored(&app).await;
}

async fn wrong_types_and_unknown_fields_are_all_listed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = customer_body("c1");
    body["id"] = json!("chosen-by-client");
    body["createdAt"] = json!("2020-01-01T00:00:00Z");
    body["tenant"] = json!("other");
    body["testCustomer"] = json!("yes");
    body["customAttributes"] = json!({"k": 5});
    body["state"]["colour"] = json!("red");
    let reply = app.admin.post("/v1/customers", &body).await;
    reply.problem(400, "MALFORMED_REQUEST");
    let errors = reply.field_errors();
    for expected in [
        ("id", "NOT_ALLOWED"),
        ("createdAt", "NOT_ALLOWED"),
        ("tenant", "NOT_ALLOWED"),
        ("testCustomer", "INVALID_FORMAT"),
        ("customAttributes.k", "INVALID_FORMAT"),
        ("state.colour", "NOT_ALLOWED"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "{expected:?} missing in {errors:?}"
        );
    }
    assert_nothing_stored(&app).await;
}

async fn other_media_types_are_415(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for content_type in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
    ] {
        app.admin
            .send(
                Method::POST,
                "/v1/customers",
                &[("content-type", content_type)],
                Some(customer_body("c1").to_string().into_bytes()),
            )
            .await
            .problem(415, "UNSUPPORTED_MEDIA_TYPE");
    }
    // A charset parameter is fine.
    let reply = app
        .admin
        .send(
            Method::POST,
            "/v1/customers",
            &[("content-type", "application/json; charset=utf-8")],
            Some(customer_body("c1").to_string().into_bytes()),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

async fn limits_are_enforced(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut big = customer_body("big");
    big["customName"] = json!("x".repeat(1024 * 1024));
    app.admin
        .post("/v1/customers", &big)
        .await
        .problem(413, "PAYLOAD_TOO_LARGE");

    let mut long = customer_body(&"e".repeat(129));
    long["customName"] = json!("n".repeat(1025));
    let reply = app.admin.post("/v1/customers", &long).await;
    reply.problem(422, "VALIDATION_FAILED");
    let errors = reply.field_errors();
    assert!(
        errors.contains(&("externalId".into(), "TOO_LONG".into())),
        "{errors:?}"
    );
    assert!(
        errors.contains(&("customName".into(), "TOO_LONG".into())),
        "{errors:?}"
    );

    let mut many = customer_body("many");
    many["customAttributes"] = (0..101).map(|i| (format!("k{i}"), json!("v"))).collect();
    let reply = app.admin.post("/v1/customers", &many).await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        vec![("customAttributes".to_owned(), "TOO_MANY".to_owned())]
    );

    let mut deep = json!("leaf");
    for _ in 0..40 {
        deep = json!({ "a": deep });
    }
    let mut nested = customer_body("deep");
    nested["customAttributes"] = deep;
    app.admin
        .post("/v1/customers", &nested)
        .await
        .problem(400, "MALFORMED_REQUEST");

    // At the limits, everything is accepted.
    let mut edge = customer_body(&"e".repeat(128));
    edge["customName"] = json!("n".repeat(1024));
    edge["customAttributes"] = (0..100)
        .map(|i| (format!("k{i}"), json!("v".repeat(4096))))
        .collect();
    let reply = app.admin.post("/v1/customers", &edge).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

async fn unknown_routes_and_methods_are_problems(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.admin
        .get("/v1/nothing-here")
        .await
        .problem(404, "NOT_FOUND");
    app.admin
        .send(Method::DELETE, "/v1/customers", &[], None)
        .await
        .problem(405, "METHOD_NOT_ALLOWED");
}

async fn keys_and_roles_are_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let anonymous = app.admin.with_key("");
    anonymous
        .get("/v1/customers")
        .await
        .problem(401, "UNAUTHORIZED");
    anonymous
        .post("/v1/customers", &customer_body("x"))
        .await
        .problem(401, "UNAUTHORIZED");
    app.admin
        .with_key("clt_not_a_key")
        .get("/v1/customers")
        .await
        .problem(401, "UNAUTHORIZED");
    Client::new(&app.server.base, "")
        .send(
            Method::GET,
            "/v1/customers",
            &[("authorization", "Basic Zm9vOmJhcg==")],
            None,
        )
        .await
        .problem(401, "UNAUTHORIZED");

    let reader = app.admin.with_key(&app.make_key("reader", "default"));
    assert_eq!(reader.get("/v1/customers").await.status, 200);
    reader
        .post("/v1/customers", &customer_body("x"))
        .await
        .problem(403, "FORBIDDEN");
    let writer = app.admin.with_key(&app.make_key("writer", "default"));
    assert_eq!(
        writer
            .post("/v1/customers", &customer_body("w"))
            .await
            .status,
        201
    );
    writer.get("/v1/catalog").await.problem(403, "FORBIDDEN");
    writer
        .put("/v1/catalog", &json!({}))
        .await
        .problem(403, "FORBIDDEN");
}

async fn a_key_over_its_rate_is_429(backend: Backend) {
    let app = TestApp::spawn_env(backend, &[("CLIENTELE_RATE_LIMIT", "3")]).await;
    let mut limited = None;
    for _ in 0..20 {
        let reply = app.admin.get("/v1/customers").await;
        if reply.status == 429 {
            limited = Some(reply);
            break;
        }
        assert_eq!(reply.status, 200);
    }
    let reply = limited.expect("20 quick requests against a limit of 3/s must hit it");
    reply.problem(429, "RATE_LIMITED");
    assert!(reply
        .header("retry-after")
        .is_some_and(|s| s.parse::<u64>().is_ok()));
    // The limit is per key.
    let other = app.admin.with_key(&app.make_key("reader", "default"));
    assert_eq!(other.get("/v1/customers").await.status, 200);
}

both_backends!(
    a_key_over_its_rate_is_429,
    malformed_bodies_are_400,
    wrong_types_and_unknown_fields_are_all_listed,
    other_media_types_are_415,
    limits_are_enforced,
    unknown_routes_and_methods_are_problems,
    keys_and_roles_are_checked,
);
