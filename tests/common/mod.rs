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

    /// Runs `sql` (statements separated by `;`) straight on the database, beside whatever
    /// server uses it: for a test that needs rows shaped as an older release wrote them.
    pub async fn execute(&self, sql: &str) {
        if let Some(path) = self.url.strip_prefix("sqlite://") {
            let conn = rusqlite::Connection::open(path).expect("opening the SQLite file");
            conn.busy_timeout(Duration::from_secs(10)).unwrap();
            conn.execute_batch(sql).expect("running the SQL");
            return;
        }
        let (client, connection) = tokio_postgres::connect(&self.url, tokio_postgres::NoTls)
            .await
            .expect("connecting to PostgreSQL");
        tokio::spawn(connection);
        client.batch_execute(sql).await.expect("running the SQL");
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

/// argon2 at its cheapest, for servers and commands that hash or check passwords in tests.
pub const CHEAP_ARGON2: [(&str, &str); 3] = [
    ("CLIENTELE_ARGON2_MEMORY_KIB", "8"),
    ("CLIENTELE_ARGON2_ITERATIONS", "1"),
    ("CLIENTELE_ARGON2_PARALLELISM", "1"),
];

impl Server {
    /// Like `start_with`, with the server's stderr (its logs) going to `stderr` too.
    pub fn start_with_output(
        db_url: &str,
        env: &[(&str, &str)],
        stdout: Stdio,
        stderr: Stdio,
    ) -> Self {
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
            .stderr(stderr);
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
}

impl TestApp {
    /// Runs `clientele ARGS` on this app's database with `stdin` as its input and extra
    /// environment variables; the whole output, whether it succeeded or not.
    pub fn cli_input(
        &self,
        args: &[&str],
        stdin: &str,
        env: &[(&str, &str)],
    ) -> std::process::Output {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_clientele"))
            .args(args)
            .env_remove("CLIENTELE_CONFIG")
            .env("CLIENTELE_DATABASE_URL", &self.db.url)
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("running clientele");
        // A command that refuses before reading its input may have closed it already.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().expect("waiting for clientele")
    }

    /// Makes an eGain user with `users create`, its password hashed cheaply.
    pub fn make_user(&self, name: &str, role: &str, tenant: &str, password: &str) {
        let output = self.cli_input(
            &[
                "users",
                "create",
                name,
                "--role",
                role,
                "--tenant",
                tenant,
                "--password-stdin",
            ],
            &format!("{password}\n"),
            &CHEAP_ARGON2,
        );
        assert!(
            output.status.success(),
            "users create {name:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// A client of the eGain door: it sends no API key.
pub fn egain_client(base: &str) -> Client {
    Client::new(base, "")
}

/// Logs in on the eGain door with a JSON body; the session's token.
pub async fn egain_login(client: &Client, name: &str, password: &str) -> String {
    let reply = client
        .post(
            "/ws/v12/authentication/user/login",
            &serde_json::json!({"userName": name, "password": password}),
        )
        .await;
    assert_eq!(reply.status, 204, "login of {name:?}: {}", reply.text);
    reply
        .header("x-egain-session")
        .expect("a login answers with X-egain-session")
        .to_owned()
}

/// One request of the eGain create seed: its headers (the `X-egain-session` one says
/// "Valid session ID") and its body, byte for byte.
#[derive(Debug, Clone)]
pub struct EgainSeedRequest {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// The eGain create seed's four requests: example 1 in XML then JSON, then example 2 alike.
/// A body follows a line `Request body` and a blank line, up to the blank line before
/// `Response`; the headers are the `Request headers` table's rows after `Name Value`.
pub fn egain_seed_requests() -> Vec<EgainSeedRequest> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/seeds/egain-v12-create-individual-customer.txt"),
    )
    .expect("the eGain seed beside the project");
    let mut requests = Vec::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("Request headers\n\nName Value\n") {
        let table = &rest[at + "Request headers\n\nName Value\n".len()..];
        let table_end = table.find("\n\n").expect("the headers table ends");
        let headers = table[..table_end]
            .lines()
            .map(|row| {
                let (name, value) = row.split_once(' ').expect("a header row is `Name Value`");
                (name.to_owned(), value.to_owned())
            })
            .collect();
        let start =
            table.find("Request body\n\n").expect("a request body") + "Request body\n\n".len();
        let body = &table[start..];
        let end = body
            .find("\n\nResponse\n")
            .expect("a body ends before `Response`");
        requests.push(EgainSeedRequest {
            headers,
            body: body[..end].to_owned(),
        });
        rest = &body[end..];
    }
    assert_eq!(requests.len(), 4, "the eGain seed has four requests");
    requests
}

/// An element of an XML answer, its name resolved to its namespace.
#[derive(Debug, Clone, Default)]
pub struct XmlNode {
    pub ns: Option<String>,
    pub prefix: Option<String>,
    pub name: String,
    /// Attributes by local name; namespace declarations are in `declared`.
    pub attributes: Vec<(String, String)>,
    /// `xmlns` declarations on this element: (prefix, or "" for the default; URI).
    pub declared: Vec<(String, String)>,
    pub children: Vec<XmlNode>,
    pub text: String,
}

impl XmlNode {
    /// The children named `name`, whatever their namespace.
    pub fn all(&self, name: &str) -> Vec<&XmlNode> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    /// The one child named `name`.
    pub fn child(&self, name: &str) -> &XmlNode {
        let found = self.all(name);
        assert_eq!(found.len(), 1, "one <{name}> in <{}>: {self:?}", self.name);
        found[0]
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every element of the tree, this one first.
    pub fn descendants(&self) -> Vec<&XmlNode> {
        let mut all = vec![self];
        for child in &self.children {
            all.extend(child.descendants());
        }
        all
    }
}

/// Parses an XML answer with a namespace-aware reader of its own (quick-xml), not the door's.
pub fn parse_xml(text: &str) -> XmlNode {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    let mut reader = quick_xml::reader::NsReader::from_str(text);
    let mut open: Vec<XmlNode> = Vec::new();
    let mut root = None;
    let node_of = |reader: &quick_xml::reader::NsReader<&[u8]>,
                   start: &quick_xml::events::BytesStart| {
        let (ns, local) = reader.resolver().resolve_element(start.name());
        let mut node = XmlNode {
            ns: match ns {
                ResolveResult::Bound(ns) => Some(String::from(ns.0)),
                ResolveResult::Unbound => None,
                ResolveResult::Unknown(p) => panic!("undeclared prefix {p:?} in {text}"),
            },
            prefix: start.name().prefix().map(|p| String::from(p.as_ref())),
            name: String::from(local.as_ref()),
            ..XmlNode::default()
        };
        for attribute in start.attributes() {
            let attribute = attribute.expect("a well-formed attribute");
            let key = String::from(attribute.key.as_ref());
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .expect("an attribute value")
                .into_owned();
            if key == "xmlns" {
                node.declared.push((String::new(), value));
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                node.declared.push((prefix.to_owned(), value));
            } else {
                node.attributes.push((key, value));
            }
        }
        node
    };
    loop {
        let (_, event) = reader
            .read_resolved_event()
            .unwrap_or_else(|e| panic!("not XML ({e}): {text}"));
        match event {
            Event::Start(start) => {
                let node = node_of(&reader, &start);
                open.push(node);
            }
            Event::Empty(start) => {
                let node = node_of(&reader, &start);
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::End(_) => {
                let node = open.pop().expect("an open element");
                match open.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(t) => {
                if let Some(node) = open.last_mut() {
                    node.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(node) = open.last_mut() {
                    node.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let name: &str = &r;
                let resolved = match r.resolve_char_ref().expect("a character reference") {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_xml_entity(name)
                        .unwrap_or_else(|| panic!("unknown entity &{name}; in {text}"))
                        .to_owned(),
                };
                if let Some(node) = open.last_mut() {
                    node.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    root.unwrap_or_else(|| panic!("no root element: {text}"))
}

/// An eGain refusal, XML or JSON by its Content-Type: asserts the status and that the code
/// is `STATUS-…`; its code and developerMessage.
pub fn egain_error(reply: &Reply, status: u16) -> (String, String) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
    let (code, message) = match reply.header("content-type") {
        Some("application/xml") => {
            let error = parse_xml(&reply.text);
            assert_eq!(error.name, "error", "{}", reply.text);
            let names: Vec<&str> = error.children.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, ["code", "developerMessage"], "{}", reply.text);
            (
                error.child("code").text.clone(),
                error.child("developerMessage").text.clone(),
            )
        }
        Some("application/json") => {
            let body = reply.json();
            let members: Vec<&String> = body.as_object().expect("an object").keys().collect();
            assert_eq!(members.len(), 2, "{body}");
            (
                body["code"].as_str().expect("a code").to_owned(),
                body["developerMessage"]
                    .as_str()
                    .expect("a message")
                    .to_owned(),
            )
        }
        other => panic!(
            "an eGain error is XML or JSON, not {other:?}: {}",
            reply.text
        ),
    };
    assert!(code.starts_with(&format!("{status}-")), "code {code}");
    (code, message)
}

/// A server with cheap password hashing and a writer `agent` logged in on the eGain door.
pub struct EgainApp {
    pub app: TestApp,
    /// A client of the door: it sends no API key.
    pub door: Client,
    pub session: String,
}

pub const EGAIN_CUSTOMER: &str = "/ws/v12/interaction/customer";

impl EgainApp {
    pub async fn spawn(backend: Backend) -> Self {
        let app = TestApp::spawn_env(backend, &CHEAP_ARGON2).await;
        app.make_user("agent", "writer", "default", "agent-password-1");
        let door = egain_client(&app.server.base);
        let session = egain_login(&door, "agent", "agent-password-1").await;
        Self { app, door, session }
    }

    /// A request with the session and `headers`.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut all = vec![("x-egain-session", self.session.as_str())];
        all.extend_from_slice(headers);
        self.door.send(method, path, &all, body).await
    }

    /// A create with this content type (and the same Accept).
    pub async fn create(&self, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        let headers = [("content-type", content_type), ("accept", content_type)];
        self.send(Method::POST, EGAIN_CUSTOMER, &headers, Some(body.into()))
            .await
    }

    /// A GET with this Accept, or none.
    pub async fn get(&self, path: &str, accept: Option<&str>) -> Reply {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("accept", a)).into_iter().collect();
        self.send(Method::GET, path, &headers, None).await
    }
}

/// The decimal id of a 201's `Location: /system/ws/v12/interaction/customer/{id}`.
pub fn egain_created_id(reply: &Reply) -> u64 {
    assert_eq!(reply.status, 201, "{}", reply.text);
    let location = reply.header("location").expect("a Location");
    let id = location
        .strip_prefix("/system/ws/v12/interaction/customer/")
        .unwrap_or_else(|| panic!("Location {location}"));
    assert!(id.bytes().all(|b| b.is_ascii_digit()), "{location}");
    id.parse().expect("a decimal id")
}

/// A port that is free on 127.0.0.1 now, for a server a test runs itself (a broker).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Polls `check` every 50 ms until it holds or `timeout` passes; whether it held.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every event of the caller's tenant, following the feed's `next`.
pub async fn whole_feed(client: &Client) -> Vec<Value> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let reply = client
            .get(&format!("/v1/events?after={after}&limit=1000"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let body = reply.json();
        let data = body["data"].as_array().expect("data").clone();
        if data.is_empty() {
            return all;
        }
        after = body["next"].as_i64().expect("next");
        all.extend(data);
    }
}

/// A mixed load from `writers` concurrent clients, `rounds` each: a subscriber by profile
/// (its customer, account and subscriber created), a rename of the customer, and a
/// suspension of the customer with everything below it — seven events a round.
pub async fn mixed_load(client: &Client, tag: &str, writers: usize, rounds: usize) {
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let client = client.clone();
        let tag = format!("{tag}-{writer}");
        tasks.push(tokio::spawn(async move {
            for round in 0..rounds {
                let reply = client
                    .post(
                        "/v1/subscribers",
                        &serde_json::json!({
                            "externalId": format!("{tag}-s{round}"),
                            "subscriberProfile": "internetOnly",
                        }),
                    )
                    .await;
                assert_eq!(reply.status, 201, "{}", reply.text);
                let account = reply.json()["account"]["refId"]
                    .as_str()
                    .expect("an account")
                    .to_owned();
                let account = client.get(&format!("/v1/accounts/{account}")).await.json();
                let customer = account["customers"][0]["refId"]
                    .as_str()
                    .expect("a customer")
                    .to_owned();
                let renamed = client
                    .send(
                        Method::PATCH,
                        &format!("/v1/customers/{customer}"),
                        &[("content-type", "application/merge-patch+json")],
                        Some(
                            serde_json::json!({"customName": format!("{tag} {round}")})
                                .to_string()
                                .into_bytes(),
                        ),
                    )
                    .await;
                assert_eq!(renamed.status, 200, "{}", renamed.text);
                let suspended = client
                    .post(
                        &format!("/v1/customers/{customer}/state"),
                        &serde_json::json!({
                            "state": "SUSPENDED", "stateReason": "dfltSuspended", "cascade": true
                        }),
                    )
                    .await;
                assert_eq!(suspended.status, 200, "{}", suspended.text);
            }
        }));
    }
    for task in tasks {
        task.await.expect("a writer of the load");
    }
}

/// Events of one entity must come in feed order: the `seq`s of each `(entity, id)`, in the
/// order given, are increasing. Panics naming the first entity that is out of order.
pub fn assert_in_order_per_entity(events: &[Value]) {
    let mut last: std::collections::HashMap<(String, String), i64> = Default::default();
    for event in events {
        let key = (
            event["entity"].as_str().unwrap_or_default().to_owned(),
            event["id"].as_str().unwrap_or_default().to_owned(),
        );
        let seq = event["seq"].as_i64().expect("a seq");
        if let Some(before) = last.insert(key.clone(), seq) {
            assert!(before < seq, "{key:?}: seq {seq} came after {before}");
        }
    }
}

/// Every `id` value of `value`, at any depth.
pub fn ids_in(value: &Value) -> Vec<String> {
    match value {
        Value::Object(object) => object
            .iter()
            .flat_map(|(k, v)| match (k.as_str(), v) {
                ("id", Value::String(id)) => vec![id.clone()],
                _ => ids_in(v),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(ids_in).collect(),
        _ => Vec::new(),
    }
}

/// `text` with each of `ids` cut out wherever it stands as a whole token (as an id, in a
/// link). Ids and customer numbers are random and may hold any digits, so a test that looks
/// for a secret's digits looks in what is left; cutting only whole tokens keeps a short id
/// (a customer number can have a few digits) from taking a secret's digits with it.
pub fn without_ids(text: &str, ids: &[String]) -> String {
    let mut rest = text.to_owned();
    for id in ids.iter().filter(|id| !id.is_empty()) {
        rest = cut_tokens(&rest, id);
    }
    rest
}

/// `text` without the places where `token` stands with no letter, digit, `-` or `_` on
/// either side.
fn cut_tokens(text: &str, token: &str) -> String {
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = text[at..].find(token) {
        let start = at + found;
        let end = start + token.len();
        let whole = !joins(text[..start].chars().next_back()) && !joins(text[end..].chars().next());
        out.push_str(&text[at..start]);
        if !whole {
            out.push_str(token);
        }
        at = end;
    }
    out.push_str(&text[at..]);
    out
}
