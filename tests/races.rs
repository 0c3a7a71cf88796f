//! Racing instances, on both backends: three server processes on one database, each race
//! run for many rounds with every racer released at once. Each round has exactly one
//! winner; every other answer is a conflict in its door's shape (or a replay of the
//! winner's answer, for a shared idempotency key), and the database holds exactly one of
//! what was raced for, with nothing of the losers' writes left behind.

#[macro_use]
mod common;

use std::future::Future;
use std::sync::Arc;

use common::{
    customer_body, egain_client, egain_error, egain_login, egain_seed_requests, errs, list,
    whole_feed, Backend, Client, Reply, Server, TestApp, ADMIN_KEY, CHEAP_ARGON2, EGAIN_CUSTOMER,
};
use reqwest::Method;
use serde_json::{json, Value};

const ROUNDS: usize = 12;
const RACERS: usize = 6;
const BANK: &str = "/v2/data/customers";
const SEED_EMAIL: &str = "john.russel@customer.com";

/// Three processes on one database: the app's server and two more.
struct Field {
    app: TestApp,
    _others: Vec<Server>,
    /// One admin client per process.
    clients: Vec<Client>,
}

impl Field {
    async fn new(backend: Backend) -> Self {
        let app = TestApp::spawn_env(backend, &CHEAP_ARGON2).await;
        let mut env = vec![("CLIENTELE_ADMIN_KEY", ADMIN_KEY)];
        env.extend_from_slice(&CHEAP_ARGON2);
        let others: Vec<Server> = (0..2).map(|_| Server::start(&app.db.url, &env)).collect();
        let mut clients = vec![app.admin.clone()];
        clients.extend(others.iter().map(|s| Client::new(&s.base, ADMIN_KEY)));
        Self {
            app,
            _others: others,
            clients,
        }
    }

    /// Runs `RACERS` requests at once, racer `i` on process `i % 3`; their answers in order.
    async fn race<F, Fut>(&self, request: F) -> Vec<Reply>
    where
        F: Fn(usize, Client) -> Fut,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let start = Arc::new(tokio::sync::Barrier::new(RACERS));
        let mut tasks = Vec::new();
        for i in 0..RACERS {
            let sent = request(i, self.clients[i % self.clients.len()].clone());
            let start = start.clone();
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                sent.await
            }));
        }
        let mut replies = Vec::new();
        for task in tasks {
            replies.push(task.await.expect("a racer"));
        }
        replies
    }

    /// The objects of `kind` with this external id.
    async fn by_external_id(&self, kind: &str, external_id: &str) -> Vec<Value> {
        list(
            &self.app.admin,
            &format!("/v1/{kind}?externalId={external_id}"),
        )
        .await
    }
}

/// The one 2xx answer of a round, and the others.
fn winner(replies: Vec<Reply>) -> (Reply, Vec<Reply>) {
    let (won, lost): (Vec<Reply>, Vec<Reply>) =
        replies.into_iter().partition(|r| r.status.is_success());
    assert_eq!(
        won.len(),
        1,
        "one winner, not {won:?}; the others: {lost:?}"
    );
    (won.into_iter().next().unwrap(), lost)
}

async fn post(client: Client, path: &'static str, body: Value) -> Reply {
    client.post(path, &body).await
}

async fn post_keyed(client: Client, path: &'static str, key: String, body: Value) -> Reply {
    client
        .post_with(path, &[("idempotency-key", key.as_str())], &body)
        .await
}

fn bank_customer(id: &str) -> Value {
    let account = format!("acc-{id}");
    json!({
        "sourceCustomerId": id, "organizationId": "50004", "postalCode": "78753", "country": "US",
        "customerCreationDate": "2017-01-01T08:00:00Z", "enrollmentStartDate": "2023-01-01T08:00:00Z",
        "enrollmentEndDate": null, "enrollmentOptInStatus": "ACTIVE", "alertOptInStatus": ["ALL"],
        "targetingIndicator": "TARGET",
        "accounts": [{
            "sourceAccountId": account, "sourceCustomerIds": [id], "primarySourceCustomerId": id,
            "status": "OPEN", "type": "DDA", "accountOpenDate": "2018-05-12T20:30:00Z",
            "accountCloseDate": null,
            "cards": [{
                "sourceAccountId": account, "sourceCustomerId": id, "last4": "1111", "iin": "123456",
                "cardType": "CREDIT", "status": "OPEN", "networkIdentifier": "4",
                "openDate": "2023-01-01T08:00:00Z", "closeDate": null
            }]
        }]
    })
}

fn created_events(feed: &[Value], kind: &str) -> usize {
    feed.iter()
        .filter(|e| e["type"] == format!("{kind}.created"))
        .count()
}

async fn one_external_id_makes_one_customer(backend: Backend) {
    let field = Field::new(backend).await;
    for round in 0..ROUNDS {
        let external_id = format!("race-{round}");
        let replies = field
            .race(|i, client| {
                let mut body = customer_body(&external_id);
                body["customName"] = json!(format!("racer {i}"));
                post(client, "/v1/customers", body)
            })
            .await;
        let (won, lost) = winner(replies);
        assert_eq!(won.status, 201, "{}", won.text);
        for reply in lost {
            reply.problem(409, "CONFLICT");
            assert_eq!(reply.field_errors(), errs(&[("externalId", "DUPLICATE")]));
        }
        let stored = field.by_external_id("customers", &external_id).await;
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0], won.json());
    }
    let feed = whole_feed(&field.app.admin).await;
    assert_eq!(created_events(&feed, "customer"), ROUNDS, "{feed:?}");
}

/// Many creates at once over three processes, several of each external id, each with its
/// own request id: the creates waiting together in one process are written as one group,
/// yet each external id has one winner, every loser is a duplicate at its own path, every
/// request sent again replays its own first answer, and the feed numbers each customer's
/// event once, without a gap.
async fn many_creates_at_once_with_duplicates_have_one_winner_each(backend: Backend) {
    const IDS: usize = 12;
    const COPIES: usize = 4;
    let field = Field::new(backend).await;
    let bodies: Vec<Value> = (0..IDS * COPIES)
        .map(|i| {
            let mut body = customer_body(&format!("wide-{}", i % IDS));
            body["requestId"] = json!(format!("wide-request-{i}"));
            body
        })
        .collect();
    let send_all = || {
        let start = Arc::new(tokio::sync::Barrier::new(bodies.len()));
        let tasks: Vec<_> = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let client = field.clients[i % field.clients.len()].clone();
                let (body, start) = (body.clone(), start.clone());
                tokio::spawn(async move {
                    start.wait().await;
                    client.post("/v1/customers", &body).await
                })
            })
            .collect();
        async move {
            let mut replies = Vec::new();
            for task in tasks {
                replies.push(task.await.expect("a racer"));
            }
            replies
        }
    };
    let replies = send_all().await;
    for id in 0..IDS {
        let of_id: Vec<&Reply> = replies.iter().skip(id).step_by(IDS).collect();
        let won: Vec<&&Reply> = of_id.iter().filter(|r| r.status.is_success()).collect();
        assert_eq!(won.len(), 1, "one winner for wide-{id}: {of_id:?}");
        assert_eq!(won[0].status, 201, "{}", won[0].text);
        for reply in of_id.iter().filter(|r| !r.status.is_success()) {
            reply.problem(409, "CONFLICT");
            assert_eq!(reply.field_errors(), errs(&[("externalId", "DUPLICATE")]));
        }
        let stored = field
            .by_external_id("customers", &format!("wide-{id}"))
            .await;
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0], won[0].json());
    }
    let again = send_all().await;
    for (first, replay) in replies.iter().zip(&again) {
        assert_eq!(replay.status, first.status, "{}", replay.text);
        assert_eq!(replay.text, first.text);
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    }
    let feed = whole_feed(&field.app.admin).await;
    assert_eq!(created_events(&feed, "customer"), IDS, "{feed:?}");
    let seqs: Vec<i64> = feed.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=IDS as i64).collect::<Vec<_>>(), "{feed:?}");
}

/// Native creates and bank batches name one external id (a bank customer's
/// `sourceCustomerId` is its `externalId`): one of either door wins.
async fn a_native_and_a_bank_create_of_one_external_id_make_one_customer(backend: Backend) {
    let field = Field::new(backend).await;
    for round in 0..ROUNDS {
        let external_id = format!("mixed-{round}");
        let replies = field
            .race(|i, client| {
                if i % 2 == 0 {
                    post(client, "/v1/customers", customer_body(&external_id))
                } else {
                    let batch = json!({"customers": [bank_customer(&external_id)]});
                    post(client, BANK, batch)
                }
            })
            .await;
        let (won, lost) = winner(replies);
        assert!(matches!(won.status.as_u16(), 200 | 201), "{}", won.text);
        for reply in lost {
            let body = reply.problem(409, "CONFLICT");
            let expected = if body.get("requestId").is_some() {
                ("customers[0].sourceCustomerId", "DUPLICATE")
            } else {
                ("externalId", "DUPLICATE")
            };
            assert_eq!(reply.field_errors(), errs(&[expected]), "{body}");
        }
        assert_eq!(
            field.by_external_id("customers", &external_id).await.len(),
            1
        );
        // The bank batch's account goes with its customer, or not at all.
        let account = field
            .by_external_id("accounts", &format!("acc-{external_id}"))
            .await;
        assert_eq!(account.len(), usize::from(won.status == 200), "{account:?}");
    }
}

async fn one_primary_resource_makes_one_subscriber_and_nothing_else(backend: Backend) {
    let field = Field::new(backend).await;
    for round in 0..ROUNDS {
        let msisdn = format!("4207770{round:05}");
        let replies = field
            .race(|i, client| {
                let body = json!({
                    "externalId": format!("sub-{round}-{i}"),
                    "subscriberProfile": "internetOnly",
                    "primaryResourceType": "MSISDN",
                    "primaryResource": msisdn,
                });
                post(client, "/v1/subscribers", body)
            })
            .await;
        let (won, lost) = winner(replies);
        assert_eq!(won.status, 201, "{}", won.text);
        for reply in lost {
            reply.problem(409, "CONFLICT");
            assert_eq!(
                reply.field_errors(),
                errs(&[("primaryResource", "DUPLICATE")])
            );
        }
    }
    // The losers' profiles made no account and no customer either.
    for kind in ["subscribers", "accounts", "customers"] {
        assert_eq!(
            list(&field.app.admin, &format!("/v1/{kind}")).await.len(),
            ROUNDS,
            "{kind}"
        );
    }
    let feed = whole_feed(&field.app.admin).await;
    for kind in ["subscriber", "account", "customer"] {
        assert_eq!(created_events(&feed, kind), ROUNDS, "{kind}");
    }
}

/// The eGain door's client on each process, all in one agent's session.
async fn egain_doors(field: &Field) -> (Vec<Client>, String) {
    field
        .app
        .make_user("agent", "writer", "default", "agent-password-1");
    let doors: Vec<Client> = field
        .clients
        .iter()
        .map(|c| egain_client(&c.base))
        .collect();
    let session = egain_login(&doors[0], "agent", "agent-password-1").await;
    (doors, session)
}

async fn egain_create(
    door: Client,
    session: String,
    content_type: &'static str,
    key: Option<String>,
    body: String,
) -> Reply {
    let mut headers = vec![
        ("x-egain-session", session.as_str()),
        ("content-type", content_type),
        ("accept", content_type),
    ];
    if let Some(key) = &key {
        headers.push(("idempotency-key", key.as_str()));
    }
    door.send(
        Method::POST,
        EGAIN_CUSTOMER,
        &headers,
        Some(body.into_bytes()),
    )
    .await
}

/// The customers an exact email search finds on the eGain door.
async fn egain_search(door: &Client, session: &str, email: &str) -> Vec<Value> {
    let reply = door
        .send(
            Method::GET,
            &format!("{EGAIN_CUSTOMER}?email={email}"),
            &[("x-egain-session", session), ("accept", "application/json")],
            None,
        )
        .await;
    match reply.status.as_u16() {
        204 => Vec::new(),
        200 => reply.json()["customer"]
            .as_array()
            .expect("customers")
            .clone(),
        other => panic!("search answered {other}: {}", reply.text),
    }
}

async fn one_email_makes_one_egain_customer(backend: Backend) {
    let field = Field::new(backend).await;
    let (doors, session) = egain_doors(&field).await;
    let seed = egain_seed_requests();
    let (xml, json_body) = (&seed[2].body, &seed[3].body);
    for round in 0..ROUNDS {
        let email = format!("race-{round}@customer.com");
        let replies = field
            .race(|i, _| {
                let door = doors[i % doors.len()].clone();
                let (content_type, body) = if i % 2 == 0 {
                    ("application/xml", xml)
                } else {
                    ("application/json", json_body)
                };
                let body = body.replace(SEED_EMAIL, &email);
                egain_create(door, session.clone(), content_type, None, body)
            })
            .await;
        let (won, lost) = winner(replies);
        assert_eq!(won.status, 201, "{}", won.text);
        for reply in lost {
            let (code, message) = egain_error(&reply, 400);
            assert_eq!(code, "400-101");
            assert!(message.contains("emailAddress"), "{message}");
        }
        let found = egain_search(&doors[0], &session, &email).await;
        assert_eq!(found.len(), 1, "{found:?}");
    }
    assert_eq!(list(&field.app.admin, "/v1/customers").await.len(), ROUNDS);
}

/// Answers to one idempotency key: one did the work, the others replay its answer or
/// say that it is still running (`in_progress` checks that in the door's shape).
fn one_did_the_work(replies: Vec<Reply>, in_progress: impl Fn(&Reply)) -> Reply {
    let mut fresh = Vec::new();
    let mut replays = Vec::new();
    let mut running = 0;
    for reply in replies {
        match (
            reply.status.is_success(),
            reply.header("idempotent-replayed"),
        ) {
            (true, None) => fresh.push(reply),
            (true, Some("true")) => replays.push(reply),
            _ => {
                in_progress(&reply);
                running += 1;
            }
        }
    }
    assert_eq!(fresh.len(), 1, "one did the work: {fresh:?}");
    eprintln!(
        "one fresh, {} replays, {running} still running",
        replays.len()
    );
    let first = fresh.pop().unwrap();
    for replay in replays {
        assert_eq!(replay.status, first.status);
        assert_eq!(replay.text, first.text);
        assert_eq!(replay.header("location"), first.header("location"));
    }
    first
}

fn native_in_progress(reply: &Reply) {
    reply.problem(409, "IDEMPOTENCY_IN_PROGRESS");
}

async fn one_request_id_on_the_native_door_creates_once(backend: Backend) {
    let field = Field::new(backend).await;
    for round in 0..ROUNDS {
        let mut body = customer_body(&format!("keyed-{round}"));
        body["requestId"] = json!(format!("request-{round}"));
        let replies = field
            .race(|_, client| post(client, "/v1/customers", body.clone()))
            .await;
        let first = one_did_the_work(replies, native_in_progress);
        assert_eq!(first.status, 201);
    }
    assert_eq!(list(&field.app.admin, "/v1/customers").await.len(), ROUNDS);
}

/// An account by profile makes its customer too: one of each, whoever wins the key.
async fn one_idempotency_key_on_the_native_door_creates_once(backend: Backend) {
    let field = Field::new(backend).await;
    for round in 0..ROUNDS {
        let body = json!({"externalId": format!("acc-{round}"), "accountProfile": "standard"});
        let replies = field
            .race(|_, client| {
                post_keyed(client, "/v1/accounts", format!("key-{round}"), body.clone())
            })
            .await;
        let first = one_did_the_work(replies, native_in_progress);
        assert_eq!(first.status, 201);
    }
    for kind in ["accounts", "customers"] {
        let all = list(&field.app.admin, &format!("/v1/{kind}")).await;
        assert_eq!(all.len(), ROUNDS, "{kind}");
    }
}

async fn one_idempotency_key_on_the_egain_door_creates_once(backend: Backend) {
    let field = Field::new(backend).await;
    let (doors, session) = egain_doors(&field).await;
    let seed = egain_seed_requests();
    for round in 0..ROUNDS {
        let email = format!("keyed-{round}@customer.com");
        // One body in one format for every racer: the key's answer is in that format.
        let (content_type, body) = if round % 2 == 0 {
            ("application/xml", seed[2].body.replace(SEED_EMAIL, &email))
        } else {
            ("application/json", seed[3].body.replace(SEED_EMAIL, &email))
        };
        let replies = field
            .race(|i, _| {
                let door = doors[i % doors.len()].clone();
                let key = Some(format!("egain-{round}"));
                egain_create(door, session.clone(), content_type, key, body.clone())
            })
            .await;
        let first = one_did_the_work(replies, |reply| {
            egain_error(reply, 409);
        });
        assert_eq!(first.status, 201);
        assert_eq!(egain_search(&doors[0], &session, &email).await.len(), 1);
    }
    assert_eq!(list(&field.app.admin, "/v1/customers").await.len(), ROUNDS);
}

async fn one_idempotency_key_on_the_bank_door_creates_once(backend: Backend) {
    let field = Field::new(backend).await;
    for round in 0..ROUNDS {
        let batch = json!({"customers": [
            bank_customer(&format!("b-{round}-1")), bank_customer(&format!("b-{round}-2"))
        ]});
        let replies = field
            .race(|_, client| post_keyed(client, BANK, format!("bank-{round}"), batch.clone()))
            .await;
        let first = one_did_the_work(replies, |reply| {
            let body = reply.problem(409, "IDEMPOTENCY_IN_PROGRESS");
            assert!(body["requestId"].is_string(), "{body}");
        });
        assert_eq!(first.status, 200);
    }
    for kind in ["customers", "accounts"] {
        let all = list(&field.app.admin, &format!("/v1/{kind}")).await;
        assert_eq!(all.len(), 2 * ROUNDS, "{kind}");
    }
}

/// Batches that share one `sourceCustomerId`: one is stored whole, the others not at all.
async fn one_source_customer_id_in_several_batches_stores_one_batch(backend: Backend) {
    let field = Field::new(backend).await;
    for round in 0..ROUNDS {
        let shared = format!("shared-{round}");
        let own = |i: usize| format!("own-{round}-{i}");
        let replies = field
            .race(|i, client| {
                // The shared customer first in some batches, last in the others.
                let mut customers = vec![bank_customer(&own(i)), bank_customer(&shared)];
                if i % 2 == 0 {
                    customers.reverse();
                }
                post(client, BANK, json!({ "customers": customers }))
            })
            .await;
        let mut winners = Vec::new();
        for (i, reply) in replies.iter().enumerate() {
            if reply.status == 200 {
                winners.push(i);
                continue;
            }
            let body = reply.problem(409, "CONFLICT");
            assert!(body["requestId"].is_string(), "{body}");
            // The shared customer, or its account, is the duplicate.
            let at = if i % 2 == 0 { 0 } else { 1 };
            let errors = reply.field_errors();
            assert!(!errors.is_empty(), "{body}");
            for (path, code) in errors {
                assert_eq!(code, "DUPLICATE", "{body}");
                assert!(path.starts_with(&format!("customers[{at}].")), "{body}");
            }
        }
        assert_eq!(winners.len(), 1, "one batch stored: {replies:?}");
        assert_eq!(field.by_external_id("customers", &shared).await.len(), 1);
        for i in 0..RACERS {
            let stored = field.by_external_id("customers", &own(i)).await.len();
            let account = field
                .by_external_id("accounts", &format!("acc-{}", own(i)))
                .await
                .len();
            let expected = usize::from(winners[0] == i);
            assert_eq!((stored, account), (expected, expected), "racer {i}");
        }
    }
    assert_eq!(
        list(&field.app.admin, "/v1/customers").await.len(),
        2 * ROUNDS
    );
}

both_backends!(
    one_external_id_makes_one_customer,
    many_creates_at_once_with_duplicates_have_one_winner_each,
    a_native_and_a_bank_create_of_one_external_id_make_one_customer,
    one_primary_resource_makes_one_subscriber_and_nothing_else,
    one_email_makes_one_egain_customer,
    one_request_id_on_the_native_door_creates_once,
    one_idempotency_key_on_the_native_door_creates_once,
    one_idempotency_key_on_the_egain_door_creates_once,
    one_idempotency_key_on_the_bank_door_creates_once,
    one_source_customer_id_in_several_batches_stores_one_batch,
);
