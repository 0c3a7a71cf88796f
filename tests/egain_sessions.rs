//! The eGain door's users and sessions on both backends, against the real binary: users
//! made while a server runs; logins in XML (any prefix, eGain's namespace or none) and
//! JSON; bad logins refused alike in the request's format; logout; idle expiry; five
//! sessions a user at most, also under concurrent logins on two processes; sessions taken
//! by every process on the database; per-name rate limits; no secret in any output.

#[macro_use]
mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::CHEAP_ARGON2;
use common::{egain_client, egain_login, Backend, Client, Reply, Server, TestApp, ADMIN_KEY};
use reqwest::Method;

const NS: &str = "http://bindings.egain.com/ws/model/v12/gen/platform";
const LOGIN: &str = "/ws/v12/authentication/user/login";
const LOGOUT: &str = "/ws/v12/authentication/user/logout";
const SYSTEM_LOGIN: &str = "/system/ws/v12/authentication/user/login";
const SYSTEM_LOGOUT: &str = "/system/ws/v12/authentication/user/logout";

/// A server with cheap password hashing and the extra environment.
async fn spawn(backend: Backend, env: &[(&str, &str)]) -> TestApp {
    let mut all = CHEAP_ARGON2.to_vec();
    all.extend_from_slice(env);
    TestApp::spawn_env(backend, &all).await
}

/// A second server on the app's database, with the same extra environment.
fn another(app: &TestApp, env: &[(&str, &str)]) -> Server {
    let mut all = vec![("CLIENTELE_ADMIN_KEY", ADMIN_KEY)];
    all.extend_from_slice(&CHEAP_ARGON2);
    all.extend_from_slice(env);
    Server::start(&app.db.url, &all)
}

fn xml_login(name: &str, password: &str) -> String {
    format!(
        r#"<user xmlns="{NS}"><userName>{name}</userName><password>{password}</password></user>"#
    )
}

async fn post(client: &Client, path: &str, content_type: &str, body: &str) -> Reply {
    client
        .send(
            Method::POST,
            path,
            &[("content-type", content_type)],
            Some(body.as_bytes().to_vec()),
        )
        .await
}

async fn login_json(client: &Client, path: &str, name: &str, password: &str) -> Reply {
    let body = serde_json::json!({"userName": name, "password": password}).to_string();
    post(client, path, "application/json", &body).await
}

async fn logout(client: &Client, token: &str) -> Reply {
    client
        .send(Method::DELETE, LOGOUT, &[("x-egain-session", token)], None)
        .await
}

/// The session a login answered with; asserts a 204 with no body.
fn session_of(reply: &Reply) -> String {
    assert_eq!(reply.status, 204, "{}", reply.text);
    assert!(reply.text.is_empty(), "{}", reply.text);
    let token = reply
        .header("x-egain-session")
        .expect("X-egain-session")
        .to_owned();
    assert_eq!(token.len(), 64, "{token}");
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
    token
}

/// eGain's XML error: asserts status and content type; its code and message.
fn xml_error(reply: &Reply, status: u16) -> (String, String) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("application/xml"),
        "{}",
        reply.text
    );
    let between = |open: &str, close: &str| {
        let start = reply
            .text
            .find(open)
            .unwrap_or_else(|| panic!("no {open}: {}", reply.text));
        let rest = &reply.text[start + open.len()..];
        rest[..rest.find(close).expect("a closing tag")].to_owned()
    };
    assert!(reply.text.contains("<error>"), "{}", reply.text);
    (
        between("<code>", "</code>"),
        between("<developerMessage>", "</developerMessage>"),
    )
}

/// eGain's JSON error: asserts status and content type; its code and message.
fn json_error(reply: &Reply, status: u16) -> (String, String) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "{}",
        reply.text
    );
    let body = reply.json();
    (
        body["code"].as_str().expect("a code").to_owned(),
        body["developerMessage"]
            .as_str()
            .expect("a message")
            .to_owned(),
    )
}

fn text(output: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The rows of `users list` as columns: id, tenant, role, created, name (which may hold spaces).
fn user_rows(listing: &str) -> Vec<Vec<String>> {
    let mut lines = listing.lines();
    assert!(
        lines.next().expect("a header").starts_with("ID"),
        "{listing}"
    );
    lines
        .map(|line| {
            let mut cells = Vec::new();
            let mut rest = line;
            for _ in 0..4 {
                rest = rest.trim_start();
                let end = rest.find(' ').unwrap_or(rest.len());
                cells.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
            cells.push(rest.trim().to_owned());
            cells
        })
        .collect()
}

async fn users_are_made_while_a_server_runs(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let client = egain_client(&app.server.base);
    app.make_user("alice", "writer", "default", "correct horse");
    app.make_user("Bob Smith", "reader", "acme", "battery staple");
    session_of(&login_json(&client, LOGIN, "alice", "correct horse").await);
    session_of(&login_json(&client, LOGIN, "Bob Smith", "battery staple").await);

    let listing = app.cli(&["users", "list"]);
    assert!(
        !listing.contains("$argon2") && !listing.contains("correct horse"),
        "{listing}"
    );
    let rows = user_rows(&listing);
    assert_eq!(rows.len(), 2, "{listing}");
    let columns = |row: &[String]| (row[1].clone(), row[2].clone(), row[4].clone());
    let expected = |t: &str, r: &str, n: &str| (t.to_owned(), r.to_owned(), n.to_owned());
    assert_eq!(columns(&rows[0]), expected("default", "writer", "alice"));
    assert_eq!(columns(&rows[1]), expected("acme", "reader", "Bob Smith"));
    assert!(rows[0][3].ends_with('Z'), "{listing}");
    let acme = user_rows(&app.cli(&["users", "list", "--tenant", "acme"]));
    assert_eq!(acme.len(), 1);
    assert_eq!(acme[0][4], "Bob Smith");

    let long = "x".repeat(256);
    let create = |name: &'static str| {
        [
            "users",
            "create",
            name,
            "--role",
            "reader",
            "--password-stdin",
        ]
    };
    let refusals: Vec<(Vec<&str>, &str, &str)> = vec![
        // Names are unique across tenants.
        (
            vec![
                "users",
                "create",
                "alice",
                "--role",
                "reader",
                "--tenant",
                "other",
                "--password-stdin",
            ],
            "new password\n",
            "exists already",
        ),
        (create("").to_vec(), "pw\n", "user name"),
        (create("al\tice").to_vec(), "pw\n", "control character"),
        (
            vec![
                "users",
                "create",
                &long,
                "--role",
                "reader",
                "--password-stdin",
            ],
            "pw\n",
            "1 to 255",
        ),
        (create("carol").to_vec(), "\n", "password is empty"),
        (create("carol").to_vec(), "", "password is empty"),
        (
            vec!["users", "create", "carol", "--role", "reader"],
            "pw\n",
            "--password-stdin",
        ),
        (
            vec![
                "users",
                "create",
                "carol",
                "--role",
                "boss",
                "--password-stdin",
            ],
            "pw\n",
            "role",
        ),
        (
            vec![
                "users",
                "create",
                "carol",
                "--role",
                "reader",
                "--tenant",
                "a b",
                "--password-stdin",
            ],
            "pw\n",
            "tenant",
        ),
    ];
    for (args, stdin, says) in refusals {
        let output = app.cli_input(&args, stdin, &CHEAP_ARGON2);
        let (stdout, stderr) = text(&output);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(
            !stdout.contains("pw") && !stderr.contains("new password"),
            "{args:?}"
        );
    }
    // The refused duplicate changed nothing; no other user was made.
    session_of(&login_json(&client, LOGIN, "alice", "correct horse").await);
    let refused = login_json(&client, LOGIN, "alice", "new password").await;
    json_error(&refused, 401);
    assert_eq!(user_rows(&app.cli(&["users", "list"])).len(), 2);
}

async fn logins_in_xml_and_json(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let client = egain_client(&app.server.base);
    app.make_user("alice", "writer", "default", "s3cret <&> pass");
    let password = "s3cret &lt;&amp;&gt; pass";
    let bodies = [
        ("application/xml", xml_login("alice", password)),
        (
            "text/xml; charset=utf-8",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><ns2:user xmlns:ns2="{NS}"><ns2:userName>alice</ns2:userName><ns2:password>{password}</ns2:password></ns2:user>"#
            ),
        ),
        (
            "application/xml",
            format!(
                r#"<e:user xmlns:e="{NS}" xmlns="urn:unused"><e:password>{password}</e:password><e:userName>alice</e:userName></e:user>"#
            ),
        ),
        (
            "Application/XML",
            format!("<user><userName>alice</userName><password>{password}</password></user>"),
        ),
        (
            "application/json",
            serde_json::json!({"userName": "alice", "password": "s3cret <&> pass"}).to_string(),
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for path in [LOGIN, SYSTEM_LOGIN] {
        for (content_type, body) in &bodies {
            let reply = post(&client, path, content_type, body).await;
            let token = session_of(&reply);
            assert!(seen.insert(token.clone()), "a token came twice");
            let out = client
                .send(
                    Method::DELETE,
                    SYSTEM_LOGOUT,
                    &[("x-egain-session", &token)],
                    None,
                )
                .await;
            assert_eq!(out.status, 204, "{}", out.text);
        }
    }

    let (code, _) = xml_error(&post(&client, LOGIN, "text/plain", "alice").await, 415);
    assert_eq!(code, "415-101");
    let no_type = client
        .send(
            Method::POST,
            LOGIN,
            &[],
            Some(xml_login("alice", password).into_bytes()),
        )
        .await;
    xml_error(&no_type, 415);
    let refusals = [
        (
            "application/xml",
            "<user><userName>alice</userName><password>x</password><extra/></user>".to_owned(),
        ),
        (
            "application/xml",
            "<user xmlns=\"urn:other\"><userName>alice</userName><password>x</password></user>"
                .to_owned(),
        ),
        (
            "application/xml",
            "<user><userName>alice</userName>".to_owned(),
        ),
        (
            "application/xml",
            "<!DOCTYPE user><user><userName>alice</userName><password>x</password></user>"
                .to_owned(),
        ),
        ("application/xml", String::new()),
        (
            "application/xml",
            "<user><userName>alice</userName></user>".to_owned(),
        ),
    ];
    for (content_type, body) in refusals {
        let (code, _) = xml_error(&post(&client, LOGIN, content_type, &body).await, 400);
        assert_eq!(code, "400-101", "{body}");
    }
    for body in [
        r#"{"userName":"alice","password":"x","domain":"y"}"#,
        r#"{"userName":"alice"}"#,
        r#"{"userName":"alice","password":7}"#,
        r#"{"userName":"alice","password":"x""#,
        "",
    ] {
        let (code, _) = json_error(&post(&client, LOGIN, "application/json", body).await, 400);
        assert_eq!(code, "400-101", "{body}");
    }
}

async fn bad_logins_are_refused_alike(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let client = egain_client(&app.server.base);
    app.make_user("alice", "writer", "default", "right");
    let wrong_xml = post(
        &client,
        LOGIN,
        "application/xml",
        &xml_login("alice", "wrong"),
    )
    .await;
    let unknown_xml = post(
        &client,
        LOGIN,
        "application/xml",
        &xml_login("mallory", "right"),
    )
    .await;
    let (code, message) = xml_error(&wrong_xml, 401);
    assert_eq!(code, "401-101");
    xml_error(&unknown_xml, 401);
    // Word for word the same: nothing tells an unknown name from a wrong password.
    assert_eq!(wrong_xml.text, unknown_xml.text);
    for reply in [&wrong_xml, &unknown_xml] {
        assert!(reply.header("x-egain-session").is_none());
    }
    let wrong_json = login_json(&client, LOGIN, "alice", "wrong").await;
    let unknown_json = login_json(&client, SYSTEM_LOGIN, "mallory", "right").await;
    assert_eq!(
        json_error(&wrong_json, 401),
        ("401-101".to_owned(), message.clone())
    );
    assert_eq!(
        json_error(&unknown_json, 401),
        ("401-101".to_owned(), message)
    );
    assert_eq!(wrong_json.text, unknown_json.text);
    // Names are matched exactly.
    json_error(&login_json(&client, LOGIN, "Alice", "right").await, 401);
    json_error(&login_json(&client, LOGIN, "", "right").await, 401);
    session_of(&login_json(&client, LOGIN, "alice", "right").await);
}

async fn a_logout_ends_the_session(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let client = egain_client(&app.server.base);
    app.make_user("alice", "writer", "default", "pw");
    let first = egain_login(&client, "alice", "pw").await;
    let second = egain_login(&client, "alice", "pw").await;

    let out = logout(&client, &first).await;
    assert_eq!(out.status, 204, "{}", out.text);
    assert_eq!(out.header("x-egain-session"), Some(first.as_str()));
    // Ended: refused, in eGain's shape, with the session it sent echoed.
    let again = logout(&client, &first).await;
    let (code, _) = xml_error(&again, 401);
    assert_eq!(code, "401-101");
    assert_eq!(again.header("x-egain-session"), Some(first.as_str()));
    let json = client
        .send(
            Method::DELETE,
            LOGOUT,
            &[("x-egain-session", &first), ("accept", "application/json")],
            None,
        )
        .await;
    assert_eq!(json_error(&json, 401).0, "401-101");

    let none = client.send(Method::DELETE, LOGOUT, &[], None).await;
    xml_error(&none, 401);
    assert!(none.header("x-egain-session").is_none());
    for bad in ["garbage", &"0".repeat(64), &second.to_uppercase()] {
        let reply = logout(&client, bad).await;
        xml_error(&reply, 401);
        assert_eq!(reply.header("x-egain-session"), Some(bad));
    }
    // The other session was not touched.
    assert_eq!(logout(&client, &second).await.status, 204);
}

async fn idle_sessions_expire(backend: Backend) {
    let app = spawn(
        backend,
        &[
            ("CLIENTELE_SESSION_IDLE_SECS", "2"),
            ("CLIENTELE_SESSION_TOUCH_SECS", "1"),
        ],
    )
    .await;
    let client = egain_client(&app.server.base);
    app.make_user("alice", "writer", "default", "pw");
    let used = egain_login(&client, "alice", "pw").await;
    let idle = egain_login(&client, "alice", "pw").await;
    assert_eq!(logout(&client, &used).await.status, 204);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    xml_error(&logout(&client, &idle).await, 401);
    // An expired session does not count against the five.
    for _ in 0..5 {
        egain_login(&client, "alice", "pw").await;
    }
}

/// Starts `clientele serve` with `env` and expects it to refuse; its stderr.
fn refused_start(app: &TestApp, env: &[(&str, &str)]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_clientele"))
        .arg("serve")
        .env_remove("CLIENTELE_CONFIG")
        .env_remove("CLIENTELE_LISTEN_FD")
        .env("CLIENTELE_DATABASE_URL", &app.db.url)
        .env("CLIENTELE_LISTEN", "127.0.0.1:0")
        .env("CLIENTELE_ADMIN_KEY", ADMIN_KEY)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .output()
        .expect("running clientele");
    assert!(!output.status.success(), "serve started with {env:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn settings_that_cannot_work_stop_the_start(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let stderr = refused_start(
        &app,
        &[
            ("CLIENTELE_SESSION_IDLE_SECS", "2"),
            ("CLIENTELE_SESSION_TOUCH_SECS", "5"),
        ],
    );
    assert!(stderr.contains("CLIENTELE_SESSION_TOUCH_SECS"), "{stderr}");
    let stderr = refused_start(&app, &[("CLIENTELE_SESSION_IDLE_SECS", "0")]);
    assert!(stderr.contains("CLIENTELE_SESSION_IDLE_SECS"), "{stderr}");
    let stderr = refused_start(&app, &[("CLIENTELE_ARGON2_ITERATIONS", "0")]);
    assert!(stderr.contains("CLIENTELE_ARGON2"), "{stderr}");
}

async fn a_user_holds_at_most_five_sessions(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let client = egain_client(&app.server.base);
    app.make_user("alice", "writer", "default", "pw");
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(egain_login(&client, "alice", "pw").await);
    }
    let (code, message) = json_error(&login_json(&client, LOGIN, "alice", "pw").await, 400);
    assert_eq!(code, "400-102");
    assert!(
        message.contains("5 sessions") && message.contains("forceLogin=yes"),
        "{message}"
    );
    let xml = post(&client, LOGIN, "application/xml", &xml_login("alice", "pw")).await;
    assert_eq!(xml_error(&xml, 400).0, "400-102");
    let no = login_json(&client, &format!("{LOGIN}?forceLogin=no"), "alice", "pw").await;
    assert_eq!(json_error(&no, 400).0, "400-102");
    // A wrong password is told so, not that the user has too many sessions.
    json_error(&login_json(&client, LOGIN, "alice", "wrong").await, 401);
    let forced = login_json(
        &client,
        &format!("{SYSTEM_LOGIN}?forceLogin=yes"),
        "alice",
        "pw",
    )
    .await;
    tokens.push(session_of(&forced));
    // The oldest went; the others stay.
    xml_error(&logout(&client, &tokens[0]).await, 401);
    assert_eq!(logout(&client, &tokens[1]).await.status, 204);
    // Four are left, so one more fits, and then none.
    tokens.push(egain_login(&client, "alice", "pw").await);
    json_error(&login_json(&client, LOGIN, "alice", "pw").await, 400);
    // Another user is not limited by alice's sessions.
    app.make_user("bob", "reader", "default", "pw");
    egain_login(&client, "bob", "pw").await;
    for token in &tokens[2..] {
        assert_eq!(logout(&client, token).await.status, 204);
    }
}

async fn concurrent_logins_on_two_processes_open_at_most_five(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let second = another(&app, &[]);
    let clients = [egain_client(&app.server.base), egain_client(&second.base)];
    wait_ready(&clients[1]).await;
    app.make_user("alice", "writer", "default", "pw");
    let attempt = |client: Client, force: bool| async move {
        let path = if force {
            format!("{LOGIN}?forceLogin=yes")
        } else {
            LOGIN.to_owned()
        };
        login_json(&client, &path, "alice", "pw").await
    };
    // Four a process: as many as one process lets run at once for one name.
    let replies = futures(
        (0..8)
            .map(|i| tokio::spawn(attempt(clients[i % 2].clone(), false)))
            .collect(),
    )
    .await;
    let opened: Vec<String> = replies
        .iter()
        .filter(|r| r.status == 204)
        .map(session_of)
        .collect();
    assert_eq!(
        opened.len(),
        5,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for refused in replies.iter().filter(|r| r.status != 204) {
        assert_eq!(json_error(refused, 400).0, "400-102");
    }
    // Forced logins at once: every one opens, and five sessions are left in the end.
    let forced = futures(
        (0..8)
            .map(|i| tokio::spawn(attempt(clients[i % 2].clone(), true)))
            .collect(),
    )
    .await;
    let mut all = opened;
    all.extend(forced.iter().map(session_of));
    let mut live = 0;
    for token in &all {
        if logout(&clients[0], token).await.status == 204 {
            live += 1;
        }
    }
    assert_eq!(live, 5);
}

/// The store itself, from two handles on one database (two writers on SQLite, two pools
/// on PostgreSQL): twenty sessions opened at once for one user, and exactly five open.
async fn sessions_opened_at_once_are_counted_one_at_a_time(backend: Backend) {
    use clientele::domain::auth::{Role, SecretCost};
    use clientele::domain::time::Timestamp;
    use clientele::domain::users::{NewSession, SessionOpened, SessionOpening, SessionToken};
    use clientele::store::Store;

    let db = common::TestDb::new(backend).await;
    let stores = [
        Store::open(&db.url).await.unwrap(),
        Store::open(&db.url).await.unwrap(),
    ];
    let cost = SecretCost::new(8, 1, 1).unwrap();
    let user = clientele::app::sessions::create_user(
        &stores[0],
        cost,
        "alice",
        "default",
        Role::Writer,
        "pw".into(),
    )
    .await
    .unwrap();
    let open_at_once = |count: usize, force: bool| {
        let tasks: Vec<_> = (0..count)
            .map(|i| {
                let store = stores[i % 2].clone();
                let user_id = user.id.clone();
                tokio::spawn(async move {
                    let now = Timestamp::now();
                    let token = SessionToken::generate();
                    let opening = SessionOpening {
                        session: NewSession {
                            id: uuid::Uuid::now_v7().to_string(),
                            user_id,
                            token_hash: token.hash(),
                            at: now,
                        },
                        live_since: now.minus_seconds(1800),
                        max: 5,
                        force,
                    };
                    (token.hash(), store.open_session(opening).await.unwrap())
                })
            })
            .collect();
        async move {
            let mut opened = Vec::new();
            for task in tasks {
                opened.push(task.await.unwrap());
            }
            opened
        }
    };
    let first = open_at_once(20, false).await;
    let opened = first
        .iter()
        .filter(|(_, o)| matches!(o, SessionOpened::Opened { ended: 0 }))
        .count();
    let refused = first
        .iter()
        .filter(|(_, o)| *o == SessionOpened::TooMany)
        .count();
    assert_eq!((opened, refused), (5, 15), "{first:?}");
    let forced = open_at_once(10, true).await;
    assert!(forced
        .iter()
        .all(|(_, o)| matches!(o, SessionOpened::Opened { ended: 1 })));
    let live_since = Timestamp::now().minus_seconds(1800);
    let mut live = 0;
    for (hash, _) in first.iter().chain(&forced) {
        if stores[0].end_session(hash, live_since).await.unwrap() {
            live += 1;
        }
    }
    assert_eq!(live, 5);
    for store in &stores {
        store.close().await;
    }
}

/// The store's touch, on both backends: a use is written only when the last one written is
/// older than the interval, and never brings an expired session back.
async fn a_touch_writes_only_what_is_due(backend: Backend) {
    use clientele::domain::auth::{Role, SecretCost};
    use clientele::domain::time::Timestamp;
    use clientele::domain::users::{NewSession, SessionOpened, SessionOpening, SessionToken};
    use clientele::store::Store;

    let db = common::TestDb::new(backend).await;
    let store = Store::open(&db.url).await.unwrap();
    let cost = SecretCost::new(8, 1, 1).unwrap();
    let user = clientele::app::sessions::create_user(
        &store,
        cost,
        "alice",
        "acme",
        Role::Admin,
        "pw".into(),
    )
    .await
    .unwrap();
    let at = Timestamp::from_micros(Timestamp::now().micros() - 100_000_000);
    let seconds = |s: i64| at.minus_seconds(-s);
    let token = SessionToken::generate();
    let opening = SessionOpening {
        session: NewSession {
            id: uuid::Uuid::now_v7().to_string(),
            user_id: user.id.clone(),
            token_hash: token.hash(),
            at,
        },
        live_since: at.minus_seconds(30),
        max: 5,
        force: false,
    };
    assert_eq!(
        store.open_session(opening.clone()).await.unwrap(),
        SessionOpened::Opened { ended: 0 }
    );
    let found = |live_since: Timestamp| {
        let (store, hash) = (store.clone(), token.hash());
        async move { store.find_session(&hash, live_since).await.unwrap() }
    };
    let session = found(at.minus_seconds(30)).await.expect("the session");
    assert_eq!(
        (
            session.user_name.as_str(),
            session.tenant.as_str(),
            session.role
        ),
        ("alice", "acme", Role::Admin)
    );
    assert_eq!(session.last_used_at, at);
    // Within the interval (a use written after `since`): nothing is written.
    store
        .touch_session(&session.id, seconds(10), seconds(-50), seconds(-20))
        .await
        .unwrap();
    assert_eq!(found(at.minus_seconds(30)).await.unwrap().last_used_at, at);
    // Due: written.
    store
        .touch_session(&session.id, seconds(70), seconds(10), seconds(-30))
        .await
        .unwrap();
    assert_eq!(found(at).await.unwrap().last_used_at, seconds(70));
    // Over (its last use is not after `live_since`): stays over.
    store
        .touch_session(&session.id, seconds(200), seconds(140), seconds(170))
        .await
        .unwrap();
    assert!(found(seconds(170)).await.is_none());
    assert_eq!(found(at).await.unwrap().last_used_at, seconds(70));
    // Expired sessions go, live ones stay.
    assert!(!store.end_session(&token.hash(), seconds(70)).await.unwrap());
    assert_eq!(store.purge_sessions(seconds(69)).await.unwrap(), 0);
    assert_eq!(store.purge_sessions(seconds(70)).await.unwrap(), 1);
    assert!(found(at).await.is_none());
    store.close().await;
}

async fn futures(tasks: Vec<tokio::task::JoinHandle<Reply>>) -> Vec<Reply> {
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("a login task"));
    }
    replies
}

/// Waits until a server just started answers.
async fn wait_ready(client: &Client) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some(reply) = client.try_send(Method::GET, "/readyz", &[], None).await {
            if reply.status == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{} did not get ready", client.base);
}

async fn a_session_works_on_every_process(backend: Backend) {
    let app = spawn(backend, &[]).await;
    let second = another(&app, &[]);
    let (one, two) = (egain_client(&app.server.base), egain_client(&second.base));
    wait_ready(&two).await;
    app.make_user("alice", "writer", "default", "pw");
    let made_on_one = egain_login(&one, "alice", "pw").await;
    let made_on_two = egain_login(&two, "alice", "pw").await;
    assert_eq!(logout(&two, &made_on_one).await.status, 204);
    xml_error(&logout(&one, &made_on_one).await, 401);
    assert_eq!(logout(&one, &made_on_two).await.status, 204);
    xml_error(&logout(&two, &made_on_two).await, 401);
}

async fn logins_are_rate_limited_per_name(backend: Backend) {
    let app = spawn(backend, &[("CLIENTELE_RATE_LIMIT", "3")]).await;
    let client = egain_client(&app.server.base);
    app.make_user("alice", "writer", "default", "pw");
    app.make_user("bob", "writer", "default", "pw");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let reply = post(
            &client,
            LOGIN,
            "application/xml",
            &xml_login("alice", "guess"),
        )
        .await;
        if reply.status == 429 {
            assert_eq!(xml_error(&reply, 429).0, "429-101");
            assert!(reply.header("retry-after").is_some());
        } else {
            xml_error(&reply, 401);
        }
        statuses.push(reply.status.as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    // A name of no user is limited alike.
    let mut unknown = Vec::new();
    for _ in 0..6 {
        unknown.push(
            login_json(&client, LOGIN, "mallory", "guess")
                .await
                .status
                .as_u16(),
        );
    }
    assert!(unknown.contains(&429), "{unknown:?}");
    // A flood on alice leaves bob be.
    let flood: Vec<_> = (0..40)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { login_json(&client, LOGIN, "alice", "guess").await })
        })
        .collect();
    let bob = login_json(&client, LOGIN, "bob", "pw").await;
    session_of(&bob);
    for reply in futures(flood).await {
        assert!(matches!(reply.status.as_u16(), 401 | 429), "{}", reply.text);
    }
}

async fn an_unknown_name_costs_what_a_wrong_password_does(backend: Backend) {
    // The default cost, for the server and for the user's hash.
    let app = TestApp::spawn(backend).await;
    let client = egain_client(&app.server.base);
    let output = app.cli_input(
        &[
            "users",
            "create",
            "alice",
            "--role",
            "writer",
            "--password-stdin",
        ],
        "right\n",
        &[],
    );
    assert!(output.status.success(), "{}", text(&output).1);
    let time = |name: &'static str| {
        let client = client.clone();
        async move {
            let mut fastest = Duration::MAX;
            for _ in 0..4 {
                let started = Instant::now();
                let reply = login_json(&client, LOGIN, name, "wrong").await;
                fastest = fastest.min(started.elapsed());
                json_error(&reply, 401);
            }
            fastest
        }
    };
    let unknown_first = time("mallory").await;
    let known = time("alice").await;
    let unknown = time("mallory").await;
    eprintln!("fastest login: wrong password {known:?}, unknown name {unknown:?} (first {unknown_first:?})");
    assert!(
        known > Duration::from_millis(5),
        "argon2 at OWASP's cost took {known:?}"
    );
    for unknown in [unknown_first, unknown] {
        assert!(
            unknown * 3 > known && known * 3 > unknown,
            "{known:?} against {unknown:?}"
        );
    }
}

async fn no_secret_shows_in_any_output(backend: Backend) {
    let db = common::TestDb::new(backend).await;
    let log_path = db.dir().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut env = vec![
        ("CLIENTELE_ADMIN_KEY", ADMIN_KEY),
        ("RUST_LOG", "clientele=debug,info"),
    ];
    env.extend_from_slice(&CHEAP_ARGON2);
    let server = Server::start_with_output(
        &db.url,
        &env,
        Stdio::from(log.try_clone().unwrap()),
        Stdio::from(log),
    );
    let app = TestApp {
        admin: Client::new(&server.base, ADMIN_KEY),
        server,
        db,
    };
    let client = egain_client(&app.server.base);
    wait_ready(&client).await;
    let password = "Pa55word-that-must-not-show";
    let wrong = "Wr0ng-guess-that-must-not-show";
    let mut outputs = Vec::new();
    let created = app.cli_input(
        &[
            "users",
            "create",
            "alice",
            "--role",
            "writer",
            "--password-stdin",
        ],
        &format!("{password}\n"),
        &[CHEAP_ARGON2.as_slice(), &[("RUST_LOG", "info")]].concat(),
    );
    assert!(created.status.success(), "{}", text(&created).1);
    outputs.push(text(&created));
    let token = egain_login(&client, "alice", password).await;
    json_error(&login_json(&client, LOGIN, "alice", wrong).await, 401);
    json_error(&login_json(&client, LOGIN, "mallory", password).await, 401);
    assert_eq!(logout(&client, &token).await.status, 204);
    let listed = app.cli_input(&["users", "list"], "", &[("RUST_LOG", "info")]);
    assert!(listed.status.success());
    outputs.push(text(&listed));
    let TestApp { server, db, .. } = app;
    let exit = server.terminate();
    assert!(exit.success());
    let server_log = std::fs::read_to_string(&log_path).unwrap();
    assert!(server_log.contains("a user logged in"), "{server_log}");
    // What is logged inside a request carries the request's id, as its access line does.
    let lines: Vec<serde_json::Value> = server_log
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let login = lines
        .iter()
        .find(|line| line["fields"]["message"] == "a user logged in")
        .expect("the login's line");
    let request_id = login["span"]["request_id"]
        .as_str()
        .expect("its request id");
    assert!(
        lines
            .iter()
            .any(|line| line["fields"]["message"] == "request"
                && line["fields"]["request_id"] == request_id
                && line["fields"]["route"] == LOGIN),
        "no access line for {request_id}: {server_log}"
    );
    outputs.push((server_log, String::new()));
    for (stdout, stderr) in &outputs {
        for secret in [password, wrong, token.as_str(), "$argon2"] {
            assert!(
                !stdout.contains(secret) && !stderr.contains(secret),
                "{secret} in:\n{stdout}\n{stderr}"
            );
        }
    }
    drop(db);
}

both_backends!(
    users_are_made_while_a_server_runs,
    logins_in_xml_and_json,
    bad_logins_are_refused_alike,
    a_logout_ends_the_session,
    idle_sessions_expire,
    settings_that_cannot_work_stop_the_start,
    a_user_holds_at_most_five_sessions,
    concurrent_logins_on_two_processes_open_at_most_five,
    sessions_opened_at_once_are_counted_one_at_a_time,
    a_touch_writes_only_what_is_due,
    a_session_works_on_every_process,
    logins_are_rate_limited_per_name,
    an_unknown_name_costs_what_a_wrong_password_does,
    no_secret_shows_in_any_output,
);
