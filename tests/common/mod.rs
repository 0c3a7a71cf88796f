//! Starts the real `clientele` binary for a test: on a socket bound before it is spawned, with a
//! database of its own (a new SQLite file, or a new PostgreSQL database dropped afterwards).

#![allow(dead_code)]

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const ADMIN_KEY: &str = "clt_test_admin_key_0123456789";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn name(backend: Backend)` once per backend.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
    };
}

fn pg_admin_url() -> String {
    std::env::var("CLIENTELE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn pg_url_for(database: &str) -> String {
    let admin = pg_admin_url();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    format!("{base}/{database}")
}

async fn pg_admin() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&pg_admin_url(), tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL must run for the postgres tests (see CLIENTELE_TEST_PG_URL)");
    tokio::spawn(connection);
    client
}

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    pg_name: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => Self {
                url: format!("sqlite://{}", dir.path().join("clientele.db").display()),
                pg_name: None,
                _dir: dir,
            },
            Backend::Postgres => {
                let prefix = std::env::var("CLIENTELE_TEST_DB_PREFIX")
                    .unwrap_or_else(|_| "clientele_test".to_owned());
                let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
                pg_admin()
                    .await
                    .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("creating the test database");
                Self {
                    url: pg_url_for(&name),
                    pg_name: Some(name),
                    _dir: dir,
                }
            }
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs inside the test's runtime; a thread of its own may block on a new one.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let _ = pg_admin()
                    .await
                    .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await;
            });
        })
        .join();
    }
}

/// A running server process; killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Starts `clientele serve` on `db_url`, with extra environment variables.
    pub fn start(db_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_with(db_url, env, Stdio::null())
    }

    pub fn start_with(db_url: &str, env: &[(&str, &str)], stdout: Stdio) -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fd = listener.as_raw_fd();
        let mut command = Command::new(env!("CARGO_BIN_EXE_clientele"));
        command
            .arg("serve")
            .env_remove("CLIENTELE_ADMIN_KEY")
            .env_remove("CLIENTELE_CONFIG")
            .env_remove("CLIENTELE_CATALOG")
            .env("CLIENTELE_DATABASE_URL", db_url)
            .env("CLIENTELE_LISTEN_FD", "3")
            .env("CLIENTELE_LOG_FORMAT", "json")
            .env(
                "RUST_LOG",
                std::env::var("CLIENTELE_TEST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(stdout)
            .stderr(Stdio::inherit());
        for (name, value) in env {
            command.env(name, value);
        }
        // SAFETY: between fork and exec only async-signal-safe calls (dup2, fcntl) are made.
        unsafe {
            command.pre_exec(move || {
                if fd == 3 {
                    let flags = libc::fcntl(3, libc::F_GETFD);
                    libc::fcntl(3, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
                } else if libc::dup2(fd, 3) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("starting clientele");
        drop(listener);
        Self { child, base }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        unsafe {
            libc::kill(self.pid(), libc::SIGTERM);
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no exit within 20 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 9457 answer with this status and code; returns its body.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "body: {}",
            self.text
        );
        let body = self.json();
        assert_eq!(body["code"], code, "body: {body}");
        assert_eq!(body["status"], status);
        assert!(
            body["title"].is_string() && body["type"].is_string() && body["detail"].is_string()
        );
        body
    }

    /// `(field, code)` of every listed field problem.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.json()["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or_default().to_owned(),
                            e["code"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A client for one server, with a key.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub key: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str, key: &str) -> Self {
        Self {
            base: base.to_owned(),
            key: key.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }

    pub fn with_key(&self, key: &str) -> Self {
        Self {
            key: key.to_owned(),
            ..self.clone()
        }
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        self.try_send(method, path, headers, body)
            .await
            .expect("the server answers")
    }

    /// Like `send`, but `None` when the connection fails (the server was killed, say).
    pub async fn try_send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Option<Reply> {
        let mut request = self.http.request(method, format!("{}{}", self.base, path));
        if !self.key.is_empty() {
            request = request.bearer_auth(&self.key);
        }
        for (name, value) in headers {
            request = request.header(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.ok()?;
        Some(Reply {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.ok()?,
        })
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_with(path, &[], body).await
    }

    pub async fn post_with(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Reply {
        let mut all = vec![("content-type", "application/json")];
        all.extend_from_slice(headers);
        self.send(
            Method::POST,
            path,
            &all,
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.send(
            Method::PUT,
            path,
            &[("content-type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, &[], None).await
    }
}

/// A server on a fresh database, with the admin key of tenant `default`.
pub struct TestApp {
    pub server: Server,
    pub db: TestDb,
    pub admin: Client,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_env(backend, &[]).await
    }

    pub async fn spawn_env(backend: Backend, env: &[(&str, &str)]) -> Self {
        let db = TestDb::new(backend).await;
        let mut all = vec![("CLIENTELE_ADMIN_KEY", ADMIN_KEY)];
        all.extend_from_slice(env);
        let server = Server::start(&db.url, &all);
        let admin = Client::new(&server.base, ADMIN_KEY);
        Self { server, db, admin }
    }

    /// A second server process on the same database.
    pub fn another_server(&self) -> Server {
        Server::start(&self.db.url, &[("CLIENTELE_ADMIN_KEY", ADMIN_KEY)])
    }

    /// Runs `clientele ARGS` against this app's database; returns stdout, asserting success.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new(env!("CARGO_BIN_EXE_clientele"))
            .args(args)
            .env_remove("CLIENTELE_CONFIG")
            .env("CLIENTELE_DATABASE_URL", &self.db.url)
            .output()
            .expect("running clientele");
        assert!(
            output.status.success(),
            "clientele {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Makes a key with `keys create` and returns it.
    pub fn make_key(&self, role: &str, tenant: &str) -> String {
        let out = self.cli(&["keys", "create", "--role", role, "--tenant", tenant]);
        out.lines()
            .last()
            .expect("a key on the last line")
            .trim()
            .to_owned()
    }
}

/// A create body by attributes, as in the third OCS.io example.
pub fn customer_body(external_id: &str) -> Value {
    serde_json::json!({
        "externalId": external_id,
        "customerSegment": "b2b",
        "state": {"state": "ACTIVE", "stateReason": "active"}
    })
}

/// The JSON examples of a seed document: each object starts on a line `{` and ends on a line `}`.
pub fn seed_examples(text: &str) -> Vec<Value> {
    let mut examples = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.trim_end() == "{" {
            current = Some(String::new());
        }
        if let Some(buf) = current.as_mut() {
            buf.push_str(line);
            buf.push('\n');
            if line.trim_end() == "}" {
                examples.push(serde_json::from_str(buf).expect("a seed example is JSON"));
                current = None;
            }
        }
    }
    examples
}

/// `(field, code)` pairs as `Reply::field_errors` gives them.
pub fn errs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(f, c)| (f.to_string(), c.to_string()))
        .collect()
}

/// The `id` of an object as answered.
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// Every object of a listing (one page of up to 1,000).
pub async fn list(client: &Client, path: &str) -> Vec<Value> {
    let sep = if path.contains('?') { '&' } else { '?' };
    let reply = client.get(&format!("{path}{sep}limit=1000")).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.text);
    reply.json()["data"].as_array().unwrap().clone()
}
