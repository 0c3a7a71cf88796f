//! The server's own limits on both backends: requests past the number it handles at once
//! are answered 503 with `Retry-After` at once, not queued, and a request that runs past
//! the timeout is ended with a 503; the server answers normally afterwards.

#[macro_use]
mod common;

use std::time::{Duration, Instant};

use common::{customer_body, Backend, TestApp};

/// A server whose configuration file sets `limits`.
async fn with_limits(backend: Backend, limits: &str) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("clientele.toml");
    std::fs::write(&file, format!("[limits]\n{limits}\n")).unwrap();
    let app = TestApp::spawn_env(backend, &[("CLIENTELE_CONFIG", file.to_str().unwrap())]).await;
    (app, dir)
}

async fn requests_past_the_cap_are_refused_at_once(backend: Backend) {
    let (app, _dir) = with_limits(backend, "maxInFlight = 2").await;
    // Two long polls of the empty feed hold both places. A poll that arrives while a check
    // below holds a place is turned away itself, and tries again.
    let holders: Vec<_> = (0..2)
        .map(|_| {
            let client = app.admin.clone();
            tokio::spawn(async move {
                loop {
                    let status = client.get("/v1/events?wait=3").await.status;
                    if status != 503 {
                        return status;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
        })
        .collect();
    // Both held once a request as light as /healthz is turned away; a fixed sleep was not
    // enough for the polls to arrive on a loaded machine.
    let deadline = Instant::now() + Duration::from_secs(10);
    while app.admin.get("/healthz").await.status != 503 {
        assert!(
            Instant::now() < deadline,
            "the polls never held both places"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let started = Instant::now();
    let refused = app
        .admin
        .post("/v1/customers", &customer_body("third"))
        .await;
    refused.problem(503, "UNAVAILABLE");
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "it waited for a place"
    );
    for holder in holders {
        assert_eq!(holder.await.unwrap(), 200);
    }
    let reply = app
        .admin
        .post("/v1/customers", &customer_body("after"))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let listed = app.admin.get("/v1/customers?externalId=third").await.json();
    assert_eq!(
        listed["data"].as_array().unwrap().len(),
        0,
        "the refused create wrote"
    );
}

async fn a_request_past_the_timeout_is_ended(backend: Backend) {
    let (app, _dir) = with_limits(backend, "requestTimeoutSecs = 1").await;
    // Left alone, the poll would answer 200 with an empty page after five seconds: the 503
    // is the timeout ending it.
    let reply = app.admin.get("/v1/events?wait=5").await;
    reply.problem(503, "UNAVAILABLE");
    let reply = app
        .admin
        .post("/v1/customers", &customer_body("after"))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
}

/// A feed read waiting for news does not hold a stopping server up: SIGTERM answers it.
async fn a_long_poll_ends_when_the_server_stops(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let client = app.admin.clone();
    let poll = tokio::spawn(async move {
        let started = Instant::now();
        let reply = client.get("/v1/events?wait=25").await;
        (reply.status, reply.text, started.elapsed())
    });
    // Stopped once the poll waits in the server, not merely sent: a request not read yet
    // is closed unanswered by a stopping server, as it should be.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let metrics = app.admin.get("/metrics").await.text;
        if metrics
            .lines()
            .any(|line| line.starts_with("clientele_feed_readers_waiting") && !line.ends_with(" 0"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the poll never waited:\n{metrics}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let TestApp { server, db, .. } = app;
    let stopped = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    let (status, text, waited) = poll.await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(
        waited < Duration::from_secs(10),
        "the poll held on for {waited:?}"
    );
    assert!(stopped.success(), "{stopped:?}");
    drop(db);
}

both_backends!(
    a_long_poll_ends_when_the_server_stops,
    requests_past_the_cap_are_refused_at_once,
    a_request_past_the_timeout_is_ended,
);
