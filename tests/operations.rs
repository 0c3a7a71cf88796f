//! Operations on both backends: health, readiness, metrics, request ids, bootstrap, shutdown,
//! configuration; and the OpenAPI document against its snapshot.

#[macro_use]
mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::{customer_body, Backend, Client, Server, TestApp, TestDb};
use reqwest::Method;
use serde_json::json;

async fn health_and_readiness_are_open(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let open = app.admin.with_key("");
    assert_eq!(open.get("/healthz").await.json()["status"], "ok");
    let ready = open.get("/readyz").await;
    assert_eq!(ready.status, 200);
    let expected = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(ready.json()["database"], expected);
}

async fn metrics_count_requests_by_route_and_status(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let created = app
        .admin
        .post("/v1/customers", &customer_body("m1"))
        .await
        .json();
    app.admin
        .get(&format!(
            "/v1/customers/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    app.admin.post("/v1/customers", &customer_body("m1")).await;
    let text = app.admin.with_key("").get("/metrics").await.text;
    for line in [
        "clientele_http_requests_total{route=\"/v1/customers\",method=\"POST\",status=\"201\"} 1",
        "clientele_http_requests_total{route=\"/v1/customers\",method=\"POST\",status=\"409\"} 1",
        "clientele_http_requests_total{route=\"/v1/customers/{id}\",method=\"GET\",status=\"200\"} 1",
    ] {
        assert!(text.contains(line), "{line} missing in:\n{text}");
    }
    assert!(
        text.contains("clientele_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        !text.contains(created["id"].as_str().unwrap()),
        "ids must not become labels"
    );
}

async fn request_ids_go_in_and_out(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let given = app
        .admin
        .send(
            Method::GET,
            "/healthz",
            &[("x-request-id", "trace-me-123")],
            None,
        )
        .await;
    assert_eq!(given.header("x-request-id"), Some("trace-me-123"));
    let made = app.admin.get("/v1/nowhere").await;
    assert!(made.header("x-request-id").is_some_and(|id| id.len() >= 32));
}

async fn a_generated_admin_key_is_printed_once(backend: Backend) {
    let db = TestDb::new(backend).await;
    let mut server = Server::start_with(&db.url, &[], Stdio::piped());
    let stdout = server.child.stdout.take().unwrap();
    let key = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|line| line.starts_with("clt_"))
            .expect("the generated key on stdout")
    })
    .await
    .unwrap();
    let admin = Client::new(&server.base, &key);
    assert_eq!(admin.get("/v1/catalog").await.status, 200);
    drop(server);
    // A second start finds the admin key stored and prints none.
    let mut again = Server::start_with(&db.url, &[], Stdio::piped());
    assert_eq!(
        Client::new(&again.base, &key)
            .get("/v1/catalog")
            .await
            .status,
        200
    );
    let stdout = again.child.stdout.take().unwrap();
    let status = again.terminate();
    assert!(status.success());
    let printed = std::io::read_to_string(stdout).unwrap();
    assert!(!printed.contains("clt_"), "printed a key again: {printed}");
}

async fn sigterm_drains_and_exits_zero(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.admin.clone();
    // Writes answered before the signal must survive the shutdown.
    let mut inflight = Vec::new();
    for i in 0..8 {
        let client = client.clone();
        inflight.push(tokio::spawn(async move {
            client
                .post("/v1/customers", &customer_body(&format!("t{i}")))
                .await
                .status
        }));
    }
    for task in inflight {
        assert_eq!(task.await.unwrap(), 201);
    }
    let TestApp { server, db, .. } = app;
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    // Everything answered 201 is there after a restart.
    let again = Server::start(&db.url, &[("CLIENTELE_ADMIN_KEY", common::ADMIN_KEY)]);
    let listed = Client::new(&again.base, common::ADMIN_KEY)
        .get("/v1/customers")
        .await
        .json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 8);
}

async fn a_config_file_sets_limits_and_env_overrides_it(backend: Backend) {
    let db = TestDb::new(backend).await;
    let file = db.dir().join("clientele.toml");
    std::fs::write(
        &file,
        "database_url = \"sqlite:///nonexistent/dir/never.db\"\n[limits]\nexternalIdChars = 10\n",
    )
    .unwrap();
    // The environment's database URL wins over the file's.
    let server = Server::start(
        &db.url,
        &[
            ("CLIENTELE_CONFIG", file.to_str().unwrap()),
            ("CLIENTELE_ADMIN_KEY", common::ADMIN_KEY),
        ],
    );
    let admin = Client::new(&server.base, common::ADMIN_KEY);
    let reply = admin
        .post("/v1/customers", &customer_body("eleven-char"))
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    assert_eq!(
        reply.field_errors(),
        vec![("externalId".to_owned(), "TOO_LONG".to_owned())]
    );
    assert_eq!(
        admin
            .post("/v1/customers", &customer_body("ten-chars!"))
            .await
            .status,
        201
    );
}

/// One access line per request, after the answer: its method, route template (never the ids
/// in the path), status, latency and request id.
async fn each_request_gets_one_access_line_by_route(backend: Backend) {
    let db = TestDb::new(backend).await;
    let log_path = db.dir().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let server = Server::start_with_output(
        &db.url,
        &[
            ("CLIENTELE_ADMIN_KEY", common::ADMIN_KEY),
            ("RUST_LOG", "info"),
        ],
        Stdio::null(),
        Stdio::from(log),
    );
    let admin = Client::new(&server.base, common::ADMIN_KEY);
    let created = admin
        .post("/v1/customers", &customer_body("logged-once"))
        .await;
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let made_id = created.header("x-request-id").unwrap().to_owned();
    let read = admin
        .send(
            Method::GET,
            &format!("/v1/customers/{id}"),
            &[("x-request-id", "trace-the-read")],
            None,
        )
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(admin.get("/v1/nowhere").await.status, 404);
    assert!(server.terminate().success());
    let text = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let access: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "request")
        .collect();
    assert_eq!(access.len(), 3, "{text}");
    let of = |request_id: &str| {
        let found: Vec<_> = access
            .iter()
            .filter(|line| line["fields"]["request_id"] == request_id)
            .collect();
        assert_eq!(found.len(), 1, "one line for {request_id}: {text}");
        found[0]["fields"].clone()
    };
    let post = of(&made_id);
    assert_eq!(post["method"], "POST");
    assert_eq!(post["route"], "/v1/customers");
    assert_eq!(post["status"], 201);
    assert!(
        post["latency_ms"].as_f64().is_some_and(|ms| ms > 0.0),
        "{post}"
    );
    let get = of("trace-the-read");
    assert_eq!(get["method"], "GET");
    assert_eq!(get["route"], "/v1/customers/{id}");
    assert_eq!(get["status"], 200);
    assert!(access.iter().all(|line| line["level"] == "INFO"), "{text}");
    assert!(
        !access.iter().any(|line| line.to_string().contains(&id)),
        "an id in an access line: {text}"
    );
    assert!(
        access
            .iter()
            .any(|line| line["fields"]["route"] == "unmatched" && line["fields"]["status"] == 404),
        "{text}"
    );
}

both_backends!(
    health_and_readiness_are_open,
    metrics_count_requests_by_route_and_status,
    request_ids_go_in_and_out,
    a_generated_admin_key_is_printed_once,
    sigterm_drains_and_exits_zero,
    a_config_file_sets_limits_and_env_overrides_it,
    each_request_gets_one_access_line_by_route,
);

/// The served OpenAPI document matches `tests/snapshots/openapi.json`; run with
/// `UPDATE_SNAPSHOTS=1` to accept a deliberate change.
#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let reply = app.admin.with_key("").get("/openapi.json").await;
    assert_eq!(reply.status, 200);
    let served = serde_json::to_string_pretty(&reply.json()).unwrap() + "\n";
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &served).unwrap();
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == served,
        "the OpenAPI document changed; review it and run with UPDATE_SNAPSHOTS=1"
    );
    let document = reply.json();
    for kind in ["customers", "accounts", "subscribers"] {
        for path in ["", "/{id}", "/{id}/state", "/{id}/states", "/{id}/segments"] {
            let path = format!("/v1/{kind}{path}");
            assert!(document["paths"][&path].is_object(), "{path} undocumented");
        }
    }
    assert!(
        document["paths"]
            .as_object()
            .unwrap()
            .keys()
            .all(|path| !path.contains("{kind}")),
        "a path is documented under a template the router does not have"
    );
    let mut ids = std::collections::HashSet::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            let id = operation["operationId"].as_str().unwrap_or_default();
            assert!(
                ids.insert(id.to_owned()),
                "operationId {id:?} twice or missing"
            );
        }
    }
    for path in [
        "/v1/events",
        "/v1/catalog",
        "/healthz",
        "/readyz",
        "/metrics",
    ] {
        assert!(document["paths"][path].is_object(), "{path} undocumented");
    }
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        json!("bearer")
    );
}
