//! API keys on both backends: a chosen admin key must be hard to guess; keys are listed
//! without their secrets, revoked on every server within seconds, rotated without a gap;
//! and a flood of made-up keys does not lock out a good key no server has seen yet.

#[macro_use]
mod common;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clientele::domain::auth::key_hash;
use common::{Backend, Client, Server, TestApp, ADMIN_KEY};
use reqwest::StatusCode;

const NEW_ADMIN_KEY: &str = "clt_rotated_admin_key_9876543210";

/// Runs `clientele ARGS` on the app's database: whether it succeeded, stdout, stderr.
fn cli_outcome(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_clientele"))
        .args(args)
        .env_remove("CLIENTELE_CONFIG")
        .env("CLIENTELE_DATABASE_URL", &app.db.url)
        .output()
        .expect("running clientele");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Starts `clientele serve` with `admin_key` and expects it to refuse; returns its stderr.
fn refused_start(db_url: &str, admin_key: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clientele"))
        .arg("serve")
        .env_remove("CLIENTELE_CONFIG")
        .env_remove("CLIENTELE_LISTEN_FD")
        .env("CLIENTELE_DATABASE_URL", db_url)
        .env("CLIENTELE_LISTEN", "127.0.0.1:0")
        .env("CLIENTELE_ADMIN_KEY", admin_key)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting clientele");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().expect("waiting") {
            assert!(!status.success(), "serve exited 0 with key {admin_key:?}");
            let mut stderr = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut stderr)
                .unwrap();
            return stderr;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("serve started with the key {admin_key:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The rows of `keys list` as columns: id, tenant, role, created, last used, revoked.
fn rows(listing: &str) -> Vec<Vec<String>> {
    let mut lines = listing.lines();
    let header = lines.next().expect("a header line");
    assert!(header.starts_with("ID"), "{listing}");
    lines
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .collect()
}

fn row_of(listing: &str, id: &str) -> Vec<String> {
    rows(listing)
        .into_iter()
        .find(|row| row[0] == id)
        .unwrap_or_else(|| panic!("no key {id} in:\n{listing}"))
}

/// The id of the key a client uses: the actor its changes are recorded with.
async fn key_id(client: &Client, external_id: &str) -> String {
    let created = client
        .post("/v1/customers", &common::customer_body(external_id))
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let events = client.get("/v1/events?after=0&limit=1000").await.json();
    events["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["data"]["externalId"] == external_id)
        .expect("the create's event")["actor"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Polls until `client` is refused with 401 on `GET /v1/customers`, reporting how long it
/// took; panics past the deadline, which only stops a test that would otherwise hang.
async fn until_refused(client: &Client) {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(20);
    loop {
        let reply = client.get("/v1/customers").await;
        match reply.status.as_u16() {
            401 => {
                eprintln!(
                    "{} refused the key after {:?}",
                    client.base,
                    started.elapsed()
                );
                return;
            }
            200 => assert!(
                Instant::now() < deadline,
                "a revoked key still works on {}",
                client.base
            ),
            other => panic!("unexpected {other}: {}", reply.text),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_chosen_admin_key_must_be_hard_to_guess(backend: Backend) {
    let db = common::TestDb::new(backend).await;
    for weak in [
        "a",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "changeme-changeme-changeme",
        "123456789012345678901234567890",
        "short_Key_1",
    ] {
        let stderr = refused_start(&db.url, weak);
        assert!(
            stderr.contains("CLIENTELE_ADMIN_KEY (--admin-key) is too easy to guess"),
            "{weak:?}: {stderr}"
        );
        assert!(
            !stderr.contains(weak) || weak.len() < 2,
            "the key is echoed: {stderr}"
        );
    }
    // Nothing was stored: a good key starts the server and is its only admin key.
    let server = Server::start(&db.url, &[("CLIENTELE_ADMIN_KEY", ADMIN_KEY)]);
    let admin = Client::new(&server.base, ADMIN_KEY);
    let reply = admin.get("/v1/customers").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let refused = admin.with_key("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    refused
        .get("/v1/customers")
        .await
        .problem(401, "UNAUTHORIZED");
}

async fn keys_are_listed_without_their_secrets(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let writer_key = app.make_key("writer", "default");
    let reader_key = app.make_key("reader", "acme");
    let writer = app.admin.with_key(&writer_key);
    let writer_id = key_id(&writer, "listed").await;
    let admin_id = key_id(&app.admin, "listed-by-admin").await;

    let listing = app.cli(&["keys", "list"]);
    for secret in [ADMIN_KEY, &writer_key, &reader_key] {
        assert!(!listing.contains(secret), "a key is listed:\n{listing}");
        assert!(
            !listing.contains(&key_hash(secret)),
            "a hash is listed:\n{listing}"
        );
    }
    assert_eq!(rows(&listing).len(), 3, "{listing}");
    let row = row_of(&listing, &writer_id);
    assert_eq!(row[1..3], ["default", "writer"], "{listing}");
    assert_ne!(row[4], "-", "the writer's use is not listed:\n{listing}");
    assert_eq!(row[5], "-", "{listing}");
    assert_eq!(row_of(&listing, &admin_id)[2], "admin");

    let acme = app.cli(&["keys", "list", "--tenant", "acme"]);
    let acme_rows = rows(&acme);
    assert_eq!(acme_rows.len(), 1, "{acme}");
    assert_eq!(acme_rows[0][1..3], ["acme", "reader"]);
    assert_eq!(
        acme_rows[0][4], "-",
        "an unused key has no last use:\n{acme}"
    );

    // Used again within the minute: the use is not written again.
    let last_used = row[4].clone();
    for _ in 0..3 {
        assert_eq!(writer.get("/v1/customers").await.status, 200);
    }
    let again = app.cli(&["keys", "list", "--tenant", "default"]);
    assert_eq!(row_of(&again, &writer_id)[4], last_used, "{again}");
}

async fn a_revoked_key_is_refused_by_every_server(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let second = app.another_server();
    let key = app.make_key("writer", "default");
    let on_first = app.admin.with_key(&key);
    let on_second = Client::new(&second.base, &key);
    let id = key_id(&on_first, "before-revocation").await;
    // Both servers have the key in their sets now.
    assert_eq!(on_second.get("/v1/customers").await.status, 200);

    let (ok, _, stderr) = cli_outcome(&app, &["keys", "revoke", &id]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("revoked the writer key"), "{stderr}");
    until_refused(&on_first).await;
    until_refused(&on_second).await;
    on_first
        .post("/v1/customers", &common::customer_body("after"))
        .await
        .problem(401, "UNAUTHORIZED");
    // The other keys work on; the revoked one stays listed, with its revocation.
    assert_eq!(app.admin.get("/v1/customers").await.status, 200);
    let admin_on_second = Client::new(&second.base, ADMIN_KEY);
    assert_eq!(admin_on_second.get("/v1/customers").await.status, 200);
    let listing = app.cli(&["keys", "list"]);
    assert_ne!(row_of(&listing, &id)[5], "-", "{listing}");

    let (ok, _, stderr) = cli_outcome(&app, &["keys", "revoke", &id]);
    assert!(ok && stderr.contains("revoked already"), "{stderr}");
    let (ok, _, stderr) = cli_outcome(&app, &["keys", "revoke", "no-such-key"]);
    assert!(!ok && stderr.contains("no key has the id"), "{stderr}");
}

async fn an_admin_key_is_rotated_without_a_gap(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let TestApp { server, db, admin } = app;
    let old_id = key_id(&admin, "before-rotation").await;
    assert!(server.terminate().success());

    // Restarted with a new key: the old one works on until it is revoked.
    let server = Server::start(&db.url, &[("CLIENTELE_ADMIN_KEY", NEW_ADMIN_KEY)]);
    let old = Client::new(&server.base, ADMIN_KEY);
    let new = Client::new(&server.base, NEW_ADMIN_KEY);
    assert_eq!(new.get("/v1/catalog").await.status, 200);
    assert_eq!(old.get("/v1/catalog").await.status, 200);
    let app = TestApp { server, db, admin };
    let listing = app.cli(&["keys", "list", "--tenant", "default"]);
    let admins: Vec<_> = rows(&listing)
        .into_iter()
        .filter(|row| row[2] == "admin" && row[5] == "-")
        .collect();
    assert_eq!(admins.len(), 2, "{listing}");

    let (ok, _, stderr) = cli_outcome(&app, &["keys", "revoke", &old_id]);
    assert!(ok, "{stderr}");
    until_refused(&old).await;
    assert_eq!(new.get("/v1/catalog").await.status, 200);

    // A revoked key cannot come back through the configuration.
    let stderr = refused_start(&app.db.url, ADMIN_KEY);
    assert!(stderr.contains("was revoked"), "{stderr}");
}

async fn a_flood_of_made_up_keys_does_not_lock_out_a_new_good_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let stop = Arc::new(AtomicBool::new(false));
    let refused = Arc::new(AtomicUsize::new(0));
    let mut flood = Vec::new();
    for worker in 0..48 {
        let client = app.admin.clone();
        let (stop, refused) = (stop.clone(), refused.clone());
        flood.push(tokio::spawn(async move {
            let mut n = 0u64;
            let mut statuses = std::collections::BTreeMap::new();
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let made_up = client.with_key(&format!("clt_made_up_{worker}_{n}"));
                let status = made_up.get("/v1/customers").await.status;
                if status == StatusCode::UNAUTHORIZED {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
                *statuses.entry(status.as_u16()).or_insert(0u64) += 1;
            }
            statuses
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while refused.load(Ordering::Relaxed) < 2_000 {
        assert!(Instant::now() < deadline, "the flood did not get going");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let started = Instant::now();
    let at_start = refused.load(Ordering::Relaxed);
    // Keys no server has seen, made while the flood runs; each must get in at once.
    let mut first_answers = Vec::new();
    for round in 0..10 {
        let good = app.admin.with_key(&app.make_key("writer", "default"));
        for attempt in 0..4 {
            let sent = Instant::now();
            let reply = good.get("/v1/customers").await;
            if attempt == 0 {
                first_answers.push(sent.elapsed());
            }
            assert_eq!(
                reply.status, 200,
                "round {round}: a good key was refused during the flood: {}",
                reply.text
            );
        }
    }
    let during = refused.load(Ordering::Relaxed) - at_start;
    let seconds = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let mut statuses = std::collections::BTreeMap::new();
    for worker in flood {
        for (status, n) in worker.await.unwrap() {
            *statuses.entry(status).or_insert(0u64) += n;
        }
    }
    eprintln!(
        "{backend:?}: {during} made-up keys refused in {seconds:.2} s ({:.0}/s) while 10 new \
         keys got in, their first answers in at most {:?}; statuses {statuses:?}",
        during as f64 / seconds,
        first_answers.iter().max().unwrap()
    );
    assert_eq!(
        statuses.keys().copied().collect::<Vec<_>>(),
        vec![401],
        "a made-up key got another answer than 401: {statuses:?}"
    );
    assert_eq!(app.admin.get("/healthz").await.status, 200);
}

both_backends!(
    a_chosen_admin_key_must_be_hard_to_guess,
    keys_are_listed_without_their_secrets,
    a_revoked_key_is_refused_by_every_server,
    an_admin_key_is_rotated_without_a_gap,
    a_flood_of_made_up_keys_does_not_lock_out_a_new_good_key,
);
