//! Webhooks on both backends: registration and its rules; every event of a mixed load
//! delivered — exactly once after de-duplication by event id, in order per entity, as the
//! feed shows it, signed per Standard Webhooks; retries until a failing receiver recovers;
//! an endpoint failing after the retry horizon, its events waiting and then delivered;
//! replays; no gap when the server is killed mid-relay or another process takes over; and
//! the lease rules behind that, on the storage interface itself.

#[macro_use]
mod common;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use common::{
    assert_in_order_per_entity, customer_body, eventually, mixed_load, whole_feed, Backend, Client,
    Server, TestApp, ADMIN_KEY,
};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;

/// Short leases and retries, so that takeovers and backoff happen within a test.
const FAST: [(&str, &str); 3] = [
    ("CLIENTELE_RELAY_LEASE_SECS", "1"),
    ("CLIENTELE_WEBHOOK_RETRY_FIRST_MS", "100"),
    ("CLIENTELE_WEBHOOK_RETRY_HORIZON_SECS", "120"),
];

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

/// How the receiver answers.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Ok,
    /// 500 to everything.
    Fail,
    /// 200, after this long.
    Slow(Duration),
}

#[derive(Default)]
struct Inbox {
    received: Mutex<Vec<Received>>,
    /// What the receiver answered, in order: 200s and 500s.
    answered: Mutex<Vec<u16>>,
    mode: Mutex<Option<Mode>>,
}

/// A webhook endpoint on a free port of this machine, answering as its mode says.
#[derive(Clone)]
struct Receiver {
    url: String,
    inbox: Arc<Inbox>,
}

async fn receive(State(inbox): State<Arc<Inbox>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let mode = inbox.mode.lock().unwrap().unwrap_or(Mode::Ok);
    let status = match mode {
        Mode::Ok => StatusCode::OK,
        Mode::Fail => StatusCode::INTERNAL_SERVER_ERROR,
        Mode::Slow(pause) => {
            tokio::time::sleep(pause).await;
            StatusCode::OK
        }
    };
    inbox.answered.lock().unwrap().push(status.as_u16());
    if status.is_success() {
        inbox
            .received
            .lock()
            .unwrap()
            .push(Received { headers, body });
    }
    status
}

impl Receiver {
    async fn start(mode: Mode) -> Self {
        let inbox = Arc::new(Inbox::default());
        *inbox.mode.lock().unwrap() = Some(mode);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hooks", axum::routing::post(receive))
            .with_state(inbox.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, inbox }
    }

    fn set(&self, mode: Mode) {
        *self.inbox.mode.lock().unwrap() = Some(mode);
    }

    fn received(&self) -> Vec<Received> {
        self.inbox.received.lock().unwrap().clone()
    }

    fn answered(&self) -> Vec<u16> {
        self.inbox.answered.lock().unwrap().clone()
    }

    /// The distinct event ids delivered.
    fn ids(&self) -> HashSet<String> {
        self.received()
            .iter()
            .map(|r| header(r, "webhook-id"))
            .collect()
    }

    async fn wait_for(&self, ids: &HashSet<String>, timeout: Duration) {
        let all = eventually(timeout, || async { ids.is_subset(&self.ids()) }).await;
        let missing = ids.difference(&self.ids()).count();
        assert!(all, "{missing} of {} events never came", ids.len());
    }
}

fn header(r: &Received, name: &str) -> String {
    r.headers
        .get(name)
        .unwrap_or_else(|| panic!("a delivery has {name}"))
        .to_str()
        .unwrap()
        .to_owned()
}

/// Checks a delivery's signature the way the Standard Webhooks specification says.
fn verify(secret: &str, r: &Received) {
    let key = BASE64
        .decode(secret.strip_prefix("whsec_").expect("a whsec_ secret"))
        .expect("base64");
    let id = header(r, "webhook-id");
    let timestamp = header(r, "webhook-timestamp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (timestamp.parse::<i64>().unwrap() - now).abs() < 300,
        "a fresh timestamp"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(&r.body);
    let expected = format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()));
    let signatures = header(r, "webhook-signature");
    assert!(
        signatures.split(' ').any(|s| s == expected),
        "signature {signatures} is not {expected}"
    );
}

async fn register(client: &Client, url: &str, events: Value) -> Value {
    let reply = client
        .post("/v1/webhooks", &json!({"url": url, "events": events}))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(
        reply.header("location").map(str::to_owned),
        Some(format!(
            "/v1/webhooks/{}",
            reply.json()["id"].as_str().unwrap()
        ))
    );
    reply.json()
}

async fn patch(client: &Client, path: &str, body: Value) -> common::Reply {
    client
        .send(
            Method::PATCH,
            path,
            &[("content-type", "application/merge-patch+json")],
            Some(body.to_string().into_bytes()),
        )
        .await
}

fn ids_of(events: &[Value]) -> HashSet<String> {
    events
        .iter()
        .map(|e| e["eventId"].as_str().unwrap().to_owned())
        .collect()
}

/// The events as delivered, first delivery of each, in the order they came.
fn first_deliveries(receiver: &Receiver) -> Vec<Value> {
    let mut seen = HashSet::new();
    receiver
        .received()
        .iter()
        .filter(|r| seen.insert(header(r, "webhook-id")))
        .map(|r| serde_json::from_slice(&r.body).expect("a JSON body"))
        .collect()
}

/// Every event of `feed` was delivered, as the feed shows it, signed with `secret`, with
/// its id and type in the headers, each entity's events in order.
fn check_deliveries(receiver: &Receiver, feed: &[Value], secret: &str) {
    let by_id: HashMap<String, &Value> = feed
        .iter()
        .map(|e| (e["eventId"].as_str().unwrap().to_owned(), e))
        .collect();
    for r in receiver.received() {
        verify(secret, &r);
        let id = header(&r, "webhook-id");
        let event = by_id
            .get(&id)
            .expect("only the feed's events are delivered");
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(
            &body, *event,
            "a delivery is the event as the feed shows it"
        );
        assert_eq!(header(&r, "clientele-event-type"), event["type"]);
        assert_eq!(
            header(&r, "content-type"),
            "application/json",
            "{:?}",
            r.headers
        );
    }
    assert_in_order_per_entity(&first_deliveries(receiver));
}

async fn registrations_follow_the_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let made = register(
        &app.admin,
        "https://example.com/hooks",
        json!(["customer.*", "subscriber.state_changed"]),
    )
    .await;
    let id = made["id"].as_str().unwrap().to_owned();
    let secret = made["secret"].as_str().expect("the secret, shown once");
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(made["status"], "active");
    assert_eq!(
        made["events"],
        json!(["customer.*", "subscriber.state_changed"])
    );
    assert_eq!(made["pending"], 0);
    // Never shown again.
    let one = app.admin.get(&format!("/v1/webhooks/{id}")).await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert!(one.json().get("secret").is_none(), "{}", one.text);
    let listed = app.admin.get("/v1/webhooks").await.json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);
    assert!(!listed.to_string().contains("whsec_"));
    // A secret of one's own is taken as it is.
    let own = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let reply = app
        .admin
        .post(
            "/v1/webhooks",
            &json!({"url": "http://127.0.0.1:9/x", "events": ["*"], "secret": own, "description": "mine"}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    assert_eq!(reply.json()["secret"], own);
    assert_eq!(reply.json()["description"], "mine");
    // Every problem at once, at its field.
    let reply = app
        .admin
        .post(
            "/v1/webhooks",
            &json!({"url": "ftp://example.com", "events": ["customer.*", "customer.create"], "secret": "plain"}),
        )
        .await;
    reply.problem(422, "VALIDATION_FAILED");
    let mut fields = reply.field_errors();
    fields.sort();
    assert_eq!(
        fields,
        common::errs(&[
            ("events[1]", "NOT_ALLOWED"),
            ("secret", "INVALID_FORMAT"),
            ("url", "INVALID_FORMAT")
        ])
    );
    let reply = app.admin.post("/v1/webhooks", &json!({})).await;
    reply.problem(422, "VALIDATION_FAILED");
    let reply = app
        .admin
        .post(
            "/v1/webhooks",
            &json!({"url": "https://x.example", "events": ["*"], "extra": 1}),
        )
        .await;
    reply.problem(400, "MALFORMED_REQUEST");
    // A merge patch changes what it names.
    let reply = patch(
        &app.admin,
        &format!("/v1/webhooks/{id}"),
        json!({"events": ["account.*"], "status": "disabled", "description": "paused"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let changed = reply.json();
    assert_eq!(changed["events"], json!(["account.*"]));
    assert_eq!(changed["status"], "disabled");
    assert_eq!(changed["description"], "paused");
    assert_eq!(changed["url"], "https://example.com/hooks");
    let reply = patch(
        &app.admin,
        &format!("/v1/webhooks/{id}"),
        json!({"status": "failing"}),
    )
    .await;
    assert_eq!(
        reply.field_errors(),
        common::errs(&[("status", "NOT_ALLOWED")])
    );
    let reply = patch(
        &app.admin,
        &format!("/v1/webhooks/{id}"),
        json!({"url": null}),
    )
    .await;
    assert_eq!(reply.field_errors(), common::errs(&[("url", "REQUIRED")]));
    let reply = patch(
        &app.admin,
        &format!("/v1/webhooks/{id}"),
        json!({"description": null}),
    )
    .await;
    assert_eq!(reply.status, 200);
    assert!(reply.json()["description"].is_null());
    // Admins only, and each tenant its own.
    let writer = app.admin.with_key(&app.make_key("writer", "default"));
    writer.get("/v1/webhooks").await.problem(403, "FORBIDDEN");
    let other = app.admin.with_key(&app.make_key("admin", "t2"));
    other
        .get(&format!("/v1/webhooks/{id}"))
        .await
        .problem(404, "NOT_FOUND");
    assert_eq!(other.get("/v1/webhooks").await.json()["data"], json!([]));
    other
        .send(Method::DELETE, &format!("/v1/webhooks/{id}"), &[], None)
        .await
        .problem(404, "NOT_FOUND");
    // Deleted, it is gone.
    let reply = app
        .admin
        .send(Method::DELETE, &format!("/v1/webhooks/{id}"), &[], None)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text);
    app.admin
        .get(&format!("/v1/webhooks/{id}"))
        .await
        .problem(404, "NOT_FOUND");
    app.admin
        .get(&format!("/v1/webhooks/{id}/deliveries"))
        .await
        .problem(404, "NOT_FOUND");
}

async fn every_event_arrives_once_in_order_and_signed(backend: Backend) {
    let app = TestApp::spawn_env(backend, &FAST).await;
    let all = Receiver::start(Mode::Ok).await;
    let customers = Receiver::start(Mode::Ok).await;
    let hook = register(&app.admin, &all.url, json!(["*"])).await;
    let picky = register(&app.admin, &customers.url, json!(["customer.*"])).await;
    mixed_load(&app.admin, "w", 4, 8).await;
    let feed = whole_feed(&app.admin).await;
    assert_eq!(feed.len(), 4 * 8 * 7);
    all.wait_for(&ids_of(&feed), Duration::from_secs(60)).await;
    let customer_events: Vec<Value> = feed
        .iter()
        .filter(|e| e["entity"] == "customer")
        .cloned()
        .collect();
    customers
        .wait_for(&ids_of(&customer_events), Duration::from_secs(60))
        .await;
    // A moment more shows nothing else comes.
    tokio::time::sleep(Duration::from_millis(500)).await;
    check_deliveries(&all, &feed, hook["secret"].as_str().unwrap());
    check_deliveries(
        &customers,
        &customer_events,
        picky["secret"].as_str().unwrap(),
    );
    assert_eq!(all.received().len(), feed.len(), "each event once");
    assert_eq!(customers.received().len(), customer_events.len());
    // One endpoint at a time, in feed order: the first deliveries are the feed itself.
    let order: Vec<i64> = first_deliveries(&all)
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    let feed_order: Vec<i64> = feed.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(order, feed_order);
    // The endpoint shows it has caught up, and every attempt is listed.
    let id = hook["id"].as_str().unwrap();
    let caught_up = eventually(Duration::from_secs(10), || async {
        let one = app.admin.get(&format!("/v1/webhooks/{id}")).await.json();
        one["pending"] == 0 && one["deliveredThrough"] == feed.len()
    })
    .await;
    assert!(caught_up);
    let page = app
        .admin
        .get(&format!("/v1/webhooks/{id}/deliveries?limit=5"))
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
    let page = page.json();
    let data = page["data"].as_array().unwrap();
    assert_eq!(data.len(), 5);
    assert_eq!(data[0]["seq"], feed.len(), "newest first");
    assert_eq!(data[0]["outcome"], "delivered");
    assert_eq!(data[0]["status"], 200);
    assert_eq!(data[0]["attempt"], 1);
    let next = page["next"].as_i64().expect("more pages");
    let older = app
        .admin
        .get(&format!(
            "/v1/webhooks/{id}/deliveries?limit=1000&before={next}"
        ))
        .await
        .json();
    assert_eq!(older["data"].as_array().unwrap().len(), feed.len() - 5);
    assert!(older["next"].is_null());
    // The metrics show the queue and the attempts.
    let metrics = app.admin.with_key("").get("/metrics").await.text;
    for name in [
        format!("clientele_relay_lag{{sink=\"webhook:{id}\"}}"),
        format!("clientele_webhook_queue{{webhook=\"{id}\"}}"),
        format!("clientele_webhook_delivery_attempts_total{{webhook=\"{id}\"}}"),
    ] {
        assert!(metrics.contains(&name), "{name} in /metrics");
    }
}

async fn a_receiver_failing_for_a_while_still_gets_every_event(backend: Backend) {
    let app = TestApp::spawn_env(backend, &FAST).await;
    let receiver = Receiver::start(Mode::Fail).await;
    let hook = register(&app.admin, &receiver.url, json!(["*"])).await;
    let id = hook["id"].as_str().unwrap();
    mixed_load(&app.admin, "f", 2, 3).await;
    let feed = whole_feed(&app.admin).await;
    // It is retried with backoff: the attempts show the 500s and the next try.
    let retried = eventually(Duration::from_secs(20), || async {
        receiver.answered().iter().filter(|s| **s == 500).count() >= 4
    })
    .await;
    assert!(retried, "the first event is tried again");
    let deliveries = app
        .admin
        .get(&format!("/v1/webhooks/{id}/deliveries"))
        .await
        .json();
    let latest = &deliveries["data"][0];
    assert_eq!(latest["status"], 500, "{deliveries}");
    assert_eq!(latest["outcome"], "retrying");
    assert!(latest["nextTryAt"].is_string(), "{latest}");
    assert!(latest["attempt"].as_i64().unwrap() >= 2);
    assert!(
        deliveries["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["seq"] == feed[0]["seq"]),
        "the events after the failing one wait"
    );
    let waiting = app.admin.get(&format!("/v1/webhooks/{id}")).await.json();
    assert_eq!(waiting["pending"], feed.len());
    assert_eq!(waiting["status"], "active");
    // It recovers: everything comes, in order.
    receiver.set(Mode::Ok);
    receiver
        .wait_for(&ids_of(&feed), Duration::from_secs(30))
        .await;
    check_deliveries(&receiver, &feed, hook["secret"].as_str().unwrap());
    assert_eq!(receiver.received().len(), feed.len());
}

async fn an_endpoint_failing_past_the_horizon_waits_then_gets_everything(backend: Backend) {
    let env = [
        ("CLIENTELE_RELAY_LEASE_SECS", "1"),
        ("CLIENTELE_WEBHOOK_RETRY_FIRST_MS", "100"),
        ("CLIENTELE_WEBHOOK_RETRY_HORIZON_SECS", "2"),
    ];
    let app = TestApp::spawn_env(backend, &env).await;
    let receiver = Receiver::start(Mode::Fail).await;
    let hook = register(&app.admin, &receiver.url, json!(["customer.*"])).await;
    let id = hook["id"].as_str().unwrap();
    for n in 0..3 {
        let reply = app
            .admin
            .post("/v1/customers", &customer_body(&format!("h{n}")))
            .await;
        assert_eq!(reply.status, 201);
    }
    let failing = eventually(Duration::from_secs(20), || async {
        app.admin.get(&format!("/v1/webhooks/{id}")).await.json()["status"] == "failing"
    })
    .await;
    assert!(
        failing,
        "the endpoint is failing once the horizon has passed"
    );
    let one = app.admin.get(&format!("/v1/webhooks/{id}")).await.json();
    assert!(one["failingSince"].is_string(), "{one}");
    assert_eq!(one["pending"], 3, "its events wait, none dropped");
    let deliveries = app
        .admin
        .get(&format!("/v1/webhooks/{id}/deliveries"))
        .await
        .json();
    assert_eq!(deliveries["data"][0]["outcome"], "failed", "{deliveries}");
    assert!(deliveries["data"][0]["nextTryAt"].is_null());
    // Nothing is tried while it is failing.
    let tries = receiver.answered().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.answered().len(), tries);
    // Its owner sets it active again: the waiting events go out, in order.
    receiver.set(Mode::Ok);
    let reply = patch(
        &app.admin,
        &format!("/v1/webhooks/{id}"),
        json!({"status": "active"}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.json()["failingSince"].is_null());
    let feed = whole_feed(&app.admin).await;
    receiver
        .wait_for(&ids_of(&feed), Duration::from_secs(20))
        .await;
    check_deliveries(&receiver, &feed, hook["secret"].as_str().unwrap());
}

async fn a_replay_delivers_again_from_a_seq(backend: Backend) {
    let app = TestApp::spawn_env(backend, &FAST).await;
    let receiver = Receiver::start(Mode::Ok).await;
    let hook = register(&app.admin, &receiver.url, json!(["*"])).await;
    let id = hook["id"].as_str().unwrap();
    for n in 0..5 {
        let reply = app
            .admin
            .post("/v1/customers", &customer_body(&format!("r{n}")))
            .await;
        assert_eq!(reply.status, 201);
    }
    let feed = whole_feed(&app.admin).await;
    receiver
        .wait_for(&ids_of(&feed), Duration::from_secs(20))
        .await;
    let reply = app
        .admin
        .post(&format!("/v1/webhooks/{id}/replay"), &json!({"from": 3}))
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text);
    assert_eq!(reply.json()["deliveredThrough"], 2);
    let again = eventually(Duration::from_secs(20), || async {
        receiver.received().len() == feed.len() + 3
    })
    .await;
    assert!(again, "{} deliveries", receiver.received().len());
    let replayed: Vec<i64> = receiver.received()[feed.len()..]
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["seq"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(replayed, [3, 4, 5]);
    app.admin
        .post(&format!("/v1/webhooks/{id}/replay"), &json!({"from": 0}))
        .await
        .problem(422, "VALIDATION_FAILED");
    app.admin
        .post("/v1/webhooks/nope/replay", &json!({"from": 1}))
        .await
        .problem(404, "NOT_FOUND");
}

async fn a_server_killed_mid_relay_and_restarted_leaves_no_gap(backend: Backend) {
    let app = TestApp::spawn_env(backend, &FAST).await;
    let receiver = Receiver::start(Mode::Slow(Duration::from_millis(15))).await;
    let hook = register(&app.admin, &receiver.url, json!(["*"])).await;
    mixed_load(&app.admin, "k", 3, 6).await;
    let feed = whole_feed(&app.admin).await;
    let midway = eventually(Duration::from_secs(30), || async {
        receiver.received().len() >= 20
    })
    .await;
    assert!(midway);
    let mut app = app;
    // SIGKILL mid-relay: its lease is not given up and its last progress not written.
    let _ = app.server.child.kill();
    let _ = app.server.child.wait();
    assert!(receiver.received().len() < feed.len(), "killed mid-relay");
    let mut env = vec![("CLIENTELE_ADMIN_KEY", ADMIN_KEY)];
    env.extend_from_slice(&FAST);
    app.server = Server::start(&app.db.url, &env);
    receiver.set(Mode::Ok);
    receiver
        .wait_for(&ids_of(&feed), Duration::from_secs(60))
        .await;
    // At least once: some may come twice; after de-duplication, all of them, in order.
    check_deliveries(&receiver, &feed, hook["secret"].as_str().unwrap());
    assert_eq!(first_deliveries(&receiver).len(), feed.len());
}

/// Two processes on one database: one at a time holds the endpoint, and when it is killed
/// the other takes over from its last position.
async fn another_process_takes_over_from_a_killed_one(backend: Backend) {
    let app = TestApp::spawn_env(backend, &FAST).await;
    let mut env = vec![("CLIENTELE_ADMIN_KEY", ADMIN_KEY)];
    env.extend_from_slice(&FAST);
    let second = Server::start(&app.db.url, &env);
    let receiver = Receiver::start(Mode::Slow(Duration::from_millis(15))).await;
    let hook = register(&app.admin, &receiver.url, json!(["*"])).await;
    let id = hook["id"].as_str().unwrap().to_owned();
    mixed_load(&app.admin, "t", 3, 6).await;
    let feed = whole_feed(&app.admin).await;
    let midway = eventually(Duration::from_secs(30), || async {
        receiver.received().len() >= 20
    })
    .await;
    assert!(midway);
    // Exactly one of the two holds the endpoint's lease.
    let held = format!("clientele_relay_lease_held{{sink=\"webhook:{id}\"}} 1");
    let holds = |base: &str| {
        let client = Client::new(base, "");
        let held = held.clone();
        async move { client.get("/metrics").await.text.contains(&held) }
    };
    let (first_holds, second_holds) = (holds(&app.server.base).await, holds(&second.base).await);
    assert!(
        first_holds ^ second_holds,
        "one holder: {first_holds} {second_holds}"
    );
    let (mut holder, survivor) = if first_holds {
        (app.server, second)
    } else {
        (second, app.server)
    };
    let _ = holder.child.kill();
    let _ = holder.child.wait();
    receiver.set(Mode::Ok);
    receiver
        .wait_for(&ids_of(&feed), Duration::from_secs(60))
        .await;
    check_deliveries(&receiver, &feed, hook["secret"].as_str().unwrap());
    let took_over = eventually(Duration::from_secs(10), || holds(&survivor.base)).await;
    assert!(took_over);
}

/// The lease rules themselves, through the storage interface: one holder at a time, an
/// advance only by the holder, and a takeover from where it left off once its lease lapses
/// or is given up. (A replay's reset of the generation is in `a_replay_…`.)
async fn a_sink_is_advanced_by_one_process_at_a_time(backend: Backend) {
    use clientele::domain::time::Timestamp;
    use clientele::domain::webhooks::Cursor;
    let db = common::TestDb::new(backend).await;
    let store = clientele::store::Store::open(&db.url)
        .await
        .expect("a store");
    let at = |s: i64| Timestamp::from_micros(1_000_000_000_000 + s * 1_000_000);
    let sink = "nats:LEASES";
    store.ensure_cursor(sink, 0, at(0)).await.unwrap();
    store.ensure_cursor(sink, 99, at(0)).await.unwrap();
    let a = store.claim_cursor(sink, "a", at(10), at(0)).await.unwrap();
    assert_eq!(
        a,
        Some(Cursor {
            last_seq: 0,
            generation: 0
        }),
        "made once, at 0"
    );
    assert_eq!(
        store.claim_cursor(sink, "b", at(11), at(1)).await.unwrap(),
        None
    );
    let moved = Cursor {
        last_seq: 5,
        generation: 0,
    };
    assert!(store
        .advance_cursor(sink, "a", moved, at(12), at(2))
        .await
        .unwrap());
    assert!(!store
        .advance_cursor(sink, "b", moved, at(12), at(2))
        .await
        .unwrap());
    // Renewed to 12: still a's at 11, b's once it has lapsed, from where a left it.
    assert_eq!(
        store.claim_cursor(sink, "b", at(21), at(11)).await.unwrap(),
        None
    );
    let b = store.claim_cursor(sink, "b", at(23), at(13)).await.unwrap();
    assert_eq!(b, Some(moved));
    let late = Cursor {
        last_seq: 9,
        generation: 0,
    };
    assert!(!store
        .advance_cursor(sink, "a", late, at(24), at(14))
        .await
        .unwrap());
    assert_eq!(store.read_cursor(sink).await.unwrap(), Some(moved));
    // Given up, it is free at once.
    store.release_cursor(sink, "b").await.unwrap();
    assert!(store
        .claim_cursor(sink, "a", at(25), at(15))
        .await
        .unwrap()
        .is_some());
    store.close().await;
}

both_backends!(
    a_sink_is_advanced_by_one_process_at_a_time,
    registrations_follow_the_rules,
    every_event_arrives_once_in_order_and_signed,
    a_receiver_failing_for_a_while_still_gets_every_event,
    an_endpoint_failing_past_the_horizon_waits_then_gets_everything,
    a_replay_delivers_again_from_a_seq,
    a_server_killed_mid_relay_and_restarted_leaves_no_gap,
    another_process_takes_over_from_a_killed_one,
);
