//! What arrives before a body can be read, on both backends: duplicate JSON members,
//! bodies declared too large, request targets and heads too large. Each is a problem
//! document where the HTTP stack lets us write one, and changes nothing.

#[macro_use]
mod common;

use std::time::Duration;

use common::{Backend, Reply, TestApp, ADMIN_KEY};
use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An answer read off a raw connection.
struct Raw {
    status: u16,
    head: String,
    body: String,
}

impl Raw {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }

    fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}\n{}", self.head, self.body);
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{}",
            self.head
        );
        let body: Value = serde_json::from_str(&self.body).expect("a JSON problem");
        assert_eq!(body["code"], code, "{body}");
        assert_eq!(body["status"], status);
        body
    }
}

/// Sends `request` as it is and reads the first final answer, the body by its length.
/// The deadline only stops a test that would otherwise hang.
async fn raw(base: &str, request: &[u8]) -> Raw {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    let read = async {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            let text = String::from_utf8_lossy(&buffer).into_owned();
            if let Some(end) = text.find("\r\n\r\n") {
                let head = text[..end].to_owned();
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (n, v) = l.split_once(':')?;
                        n.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if buffer.len() >= end + 4 + length {
                    let body = String::from_utf8_lossy(&buffer[end + 4..end + 4 + length]);
                    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
                    return Raw {
                        status,
                        head,
                        body: body.into_owned(),
                    };
                }
            }
            let n = stream.read(&mut chunk).await.expect("reading the answer");
            assert!(n > 0, "the connection closed before an answer: {text:?}");
            buffer.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(20), read)
        .await
        .expect("an answer before the body timeout")
}

async fn post_raw(app: &TestApp, path: &str, body: &str) -> Reply {
    app.admin
        .send(
            Method::POST,
            path,
            &[("content-type", "application/json")],
            Some(body.as_bytes().to_vec()),
        )
        .await
}

async fn customers(app: &TestApp) -> Vec<Value> {
    common::list(&app.admin, "/v1/customers").await
}

async fn duplicate_members_are_refused_by_path(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let state = r#""state": {"state": "ACTIVE", "stateReason": "active"}"#;
    for (body, path) in [
        (
            format!(
                r#"{{"externalId": "a", "externalId": "b", "customerSegment": "b2b", {state}}}"#
            ),
            "externalId",
        ),
        (
            r#"{"externalId": "a", "customerSegment": "b2b",
                "state": {"state": "ACTIVE", "stateReason": "active", "state": "SUSPENDED"}}"#
                .to_owned(),
            "state.state",
        ),
        (
            format!(
                r#"{{"externalId": "a", "customerSegment": "b2b", {state},
                    "customAttributes": {{"k": "1", "k": "2"}}}}"#
            ),
            "customAttributes.k",
        ),
        (
            format!(
                r#"{{"requestId": "dup-1", "requestId": "dup-2", "customerSegment": "b2b", {state}}}"#
            ),
            "requestId",
        ),
    ] {
        let reply = post_raw(&app, "/v1/customers", &body).await;
        reply.problem(400, "MALFORMED_REQUEST");
        assert_eq!(
            reply.field_errors(),
            common::errs(&[(path, "NOT_ALLOWED")]),
            "{body}"
        );
    }
    assert_eq!(customers(&app).await, Vec::<Value>::new());

    // On every JSON body: a patch and a catalog too.
    let created = app
        .admin
        .post("/v1/customers", &common::customer_body("kept"))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let before = created.json();
    let path = format!("/v1/customers/{}", common::id(&before));
    let reply = app
        .admin
        .send(
            Method::PATCH,
            &path,
            &[("content-type", "application/merge-patch+json")],
            Some(br#"{"customName": "a", "customName": "b"}"#.to_vec()),
        )
        .await;
    reply.problem(400, "MALFORMED_REQUEST");
    assert_eq!(
        reply.field_errors(),
        common::errs(&[("customName", "NOT_ALLOWED")])
    );
    assert_eq!(app.admin.get(&path).await.json(), before);
    let catalog = app.admin.get("/v1/catalog").await.text;
    let doubled = catalog.replacen('{', r#"{"customerSegments": ["x"], "#, 1);
    let reply = app
        .admin
        .send(
            Method::PUT,
            "/v1/catalog",
            &[("content-type", "application/json")],
            Some(doubled.into_bytes()),
        )
        .await;
    reply.problem(400, "MALFORMED_REQUEST");
    assert_eq!(
        reply.field_errors(),
        common::errs(&[("customerSegments", "NOT_ALLOWED")])
    );
    assert_eq!(app.admin.get("/v1/catalog").await.text, catalog);
}

async fn a_body_declared_too_large_is_refused_at_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let declared = 2 * 1024 * 1024;
    for expect in ["", "Expect: 100-continue\r\n"] {
        // Only the start of the body is sent: the answer cannot wait for the rest.
        let request = format!(
            "POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_KEY}\r\n\
             Content-Type: application/json\r\nContent-Length: {declared}\r\n{expect}\r\n\
             {{\"externalId\": "
        );
        let answer = raw(&app.server.base, request.as_bytes()).await;
        let body = answer.problem(413, "PAYLOAD_TOO_LARGE");
        assert!(
            body["detail"].as_str().unwrap().contains("2097152"),
            "{body}"
        );
    }
    // A client that sends it all anyway reads the same answer.
    let mut big = common::customer_body("big");
    big["customName"] = json!("x".repeat(declared));
    app.admin
        .post("/v1/customers", &big)
        .await
        .problem(413, "PAYLOAD_TOO_LARGE");
    assert_eq!(customers(&app).await, Vec::<Value>::new());
    assert_eq!(app.admin.get("/healthz").await.status, 200);
}

async fn long_targets_and_large_heads_are_problem_documents(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let long = format!("/v1/customers?externalId={}", "x".repeat(9 * 1024));
    app.admin.get(&long).await.problem(414, "URI_TOO_LONG");
    let unknown = format!("/nowhere/{}", "x".repeat(9 * 1024));
    app.admin.get(&unknown).await.problem(414, "URI_TOO_LONG");

    let many: Vec<(String, String)> = (0..120)
        .map(|i| (format!("x-filler-{i}"), "v".to_owned()))
        .collect();
    let headers: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    app.admin
        .send(Method::GET, "/v1/customers", &headers, None)
        .await
        .problem(431, "HEADERS_TOO_LARGE");
    let huge = "v".repeat(40 * 1024);
    app.admin
        .send(Method::GET, "/v1/customers", &[("x-huge", &huge)], None)
        .await
        .problem(431, "HEADERS_TOO_LARGE");
    // Nothing stops the requests that are within the limits.
    let fine = format!("/v1/customers?externalId={}", "x".repeat(100));
    assert_eq!(app.admin.get(&fine).await.status, 200);
}

/// What hyper answers itself, past every limit of ours, is documented in API-DESIGN.md:
/// the status alone, with an empty body.
async fn what_hyper_answers_itself_keeps_its_status(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let base = &app.server.base;
    let target = format!("/v1/customers?externalId={}", "x".repeat(70 * 1024));
    let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(raw(base, request.as_bytes()).await.status, 414);
    let mut request = String::from("GET /v1/customers HTTP/1.1\r\nHost: x\r\n");
    for i in 0..250 {
        request.push_str(&format!("x-filler-{i}: v\r\n"));
    }
    request.push_str("\r\n");
    assert_eq!(raw(base, request.as_bytes()).await.status, 431);
    let answer = raw(base, b"NOT A REQUEST\r\n\r\n").await;
    assert_eq!(answer.status, 400);
    assert_eq!(app.admin.get("/healthz").await.status, 200);
}

both_backends!(
    duplicate_members_are_refused_by_path,
    a_body_declared_too_large_is_refused_at_once,
    long_targets_and_large_heads_are_problem_documents,
    what_hyper_answers_itself_keeps_its_status,
);
