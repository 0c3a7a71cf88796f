//! The hostile-input suite (issue 11): one table of hostile requests per door — native
//! `/v1`, bank-data `/v2` and eGain `/ws/v12` — run on both backends. Each case is a
//! request (method, path, headers, body bytes) and the answer it must get: the status, the
//! door's error code in the door's own shape and content type (RFC 9457 with `code` on
//! `/v1`, the same with `requestId` on `/v2`, eGain's `<error>` or its JSON twin on
//! `/ws/v12`). After every case the suite checks that nothing was written (no new event in
//! either tenant's feed, the same number of customers in each) and that `/healthz` still
//! answers. Bodies are the seeds' own requests, changed in one place.
//!
//! What the server does where the contract leaves room, as these cases pin it down:
//! - `Accept: application/xml` (or `text/html`) on `/v1` and `/v2` is not refused: the answer
//!   is JSON anyway (RFC 9110 lets a server disregard `Accept`), and refusals stay
//!   `application/problem+json`.
//! - `Content-Type: application/json; charset=latin1` is not refused either: JSON is UTF-8
//!   (RFC 8259 §8.1, which defines no charset parameter), so the parameter is ignored and a
//!   body really in Latin-1 is refused as invalid UTF-8 (400).
//! - A leading UTF-8 byte order mark is refused (400), as RFC 8259 allows.
//! - On the eGain door a top-level `id` on a create is a read-only part and is ignored (the
//!   door takes back what it answers), so it is no "unknown member" there; a list of one
//!   may come without its array. `pin` and `secretAnswer` are secrets, hashed and never
//!   shown, so they are not checked for card numbers.
//! - On the eGain door a create answers 201 with no body whatever `Accept` says (nothing is
//!   negotiated); reads and searches answer 406 to an `Accept` of neither format.
//!
//! Cases that show a server bug are kept in the `known_bug!` tests at the end, each ignored
//! with its reason, so that `cargo nextest run --test hostile --run-ignored all` shows what
//! is still to fix; a fixed bug's cases move into the tables.

#[macro_use]
mod common;

use std::time::Duration;

use common::{
    egain_created_id, egain_error, egain_login, egain_seed_requests, list, seed_examples, Backend,
    Client, EgainApp, Reply, ADMIN_KEY, EGAIN_CUSTOMER,
};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NATIVE: &str = "/v1/customers";
const BANK: &str = "/v2/data/customers";
const PAN: &str = "4111111111111111";
const PAN_SPACED: &str = "4111 1111 1111 1111";
const PAN_DASHED: &str = "4111-1111-1111-1111";
const TWO_MIB: usize = 2 * 1024 * 1024;
const DEEP: usize = 5000;

// ---------------------------------------------------------------------------------------
// The table's machinery.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Door {
    Native,
    Bank,
    Egain,
}

/// The credentials a case sends.
#[derive(Debug, Clone)]
enum Auth {
    /// The door's own: the default tenant's admin key, or the agent's eGain session.
    Door,
    /// None at all.
    Nothing,
    /// This header instead.
    Header(&'static str, String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Xml,
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "application/xml",
            Format::Json => "application/json",
        }
    }
}

#[derive(Debug, Clone)]
enum Expect {
    /// An RFC 9457 problem (`/v1`, `/v2`) with this status and code.
    Problem { status: u16, code: &'static str },
    /// An eGain error with this status, code and format.
    Egain {
        status: u16,
        code: String,
        format: Format,
    },
    /// A 200 JSON answer whose `member` is `value`: the object the path names, read.
    Reads { member: &'static str, value: String },
}

#[derive(Debug, Clone)]
struct Case {
    door: Door,
    name: String,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    auth: Auth,
    /// Sent over a socket of our own, byte for byte (no client normalises the path).
    raw: bool,
    /// Sent with `Transfer-Encoding: chunked`, no length declared (implies `raw`).
    chunked: bool,
    expect: Expect,
    /// `(field, code)` that must be among a problem's `errors`.
    field: Option<(String, &'static str)>,
    /// Text the problem's `detail` or eGain's `developerMessage` must hold.
    says: Option<String>,
    /// Text the answer must never repeat (a card number).
    hides: Option<String>,
}

impl Case {
    fn new(door: Door, name: impl Into<String>, method: Method, path: impl Into<String>) -> Self {
        Self {
            door,
            name: name.into(),
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
            auth: Auth::Door,
            raw: false,
            chunked: false,
            expect: Expect::Problem {
                status: 0,
                code: "",
            },
            field: None,
            says: None,
            hides: None,
        }
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    fn no_body(mut self) -> Self {
        self.body = None;
        self
    }

    fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    fn raw(mut self) -> Self {
        self.raw = true;
        self
    }

    fn chunked(mut self) -> Self {
        self.raw = true;
        self.chunked = true;
        self
    }

    /// `/v1`, `/v2`: refused with this problem.
    fn problem(mut self, status: u16, code: &'static str) -> Self {
        assert_ne!(self.door, Door::Egain, "{}", self.name);
        self.expect = Expect::Problem { status, code };
        self
    }

    /// `/ws/v12`: refused with `STATUS-101` in `format`.
    fn egain(mut self, status: u16, format: Format) -> Self {
        assert_eq!(self.door, Door::Egain, "{}", self.name);
        self.expect = Expect::Egain {
            status,
            code: format!("{status}-101"),
            format,
        };
        self
    }

    fn reads(mut self, member: &'static str, value: &str) -> Self {
        self.expect = Expect::Reads {
            member,
            value: value.to_owned(),
        };
        self
    }

    fn at(mut self, field: &str, code: &'static str) -> Self {
        self.field = Some((field.to_owned(), code));
        self
    }

    fn says(mut self, text: &str) -> Self {
        self.says = Some(text.to_owned());
        self
    }

    fn hides(mut self, text: &str) -> Self {
        self.hides = Some(text.to_owned());
        self
    }
}

/// Ids stored in one tenant before the cases run.
#[derive(Debug, Clone)]
struct Stored {
    native: String,
    bank: String,
    egain: u64,
}

/// A server with two tenants, each holding a customer made on every door.
struct World {
    eg: EgainApp,
    other: Client,
    other_session: String,
    mine: Stored,
    theirs: Stored,
}

impl World {
    async fn spawn(backend: Backend) -> Self {
        let eg = EgainApp::spawn(backend).await;
        let other = eg.app.admin.with_key(&eg.app.make_key("admin", "other"));
        eg.app
            .make_user("outsider", "writer", "other", "outsider-password-1");
        let other_session = egain_login(&eg.door, "outsider", "outsider-password-1").await;
        let mine = store(&eg.app.admin, &eg, &eg.session, "mine").await;
        let theirs = store(&other, &eg, &other_session, "their").await;
        Self {
            eg,
            other,
            other_session,
            mine,
            theirs,
        }
    }

    fn base(&self) -> &str {
        &self.eg.app.server.base
    }
}

/// Stores a customer on each door as the tenant of `admin` and `session`.
async fn store(admin: &Client, eg: &EgainApp, session: &str, tag: &str) -> Stored {
    let native = admin
        .post(NATIVE, &common::customer_body(&format!("{tag}-native")))
        .await;
    assert_eq!(native.status, 201, "{}", native.text);
    let bank_id = format!("{tag}-bank");
    let bank = admin.post(BANK, &bank_batch_for(&bank_id)).await;
    assert_eq!(bank.status, 200, "{}", bank.text);
    let mut person = egain_json_seed();
    set(&mut person, EMAIL, json!(format!("{tag}@stored.example")));
    let egain = eg
        .door
        .send(
            Method::POST,
            EGAIN_CUSTOMER,
            &[
                ("content-type", "application/json"),
                ("x-egain-session", session),
            ],
            Some(person.to_string().into_bytes()),
        )
        .await;
    Stored {
        native: common::id(&native.json()),
        bank: bank_id,
        egain: egain_created_id(&egain),
    }
}

/// Where the feeds and listings stood before a case.
#[derive(Debug, PartialEq, Eq)]
struct Mark {
    seqs: Vec<i64>,
    customers: Vec<usize>,
}

async fn mark(w: &World) -> Mark {
    let mut seqs = Vec::new();
    let mut customers = Vec::new();
    for client in [&w.eg.app.admin, &w.other] {
        let feed = common::whole_feed(client).await;
        seqs.push(feed.last().map_or(0, |e| e["seq"].as_i64().expect("a seq")));
        customers.push(list(client, NATIVE).await.len());
    }
    Mark { seqs, customers }
}

/// Nothing written in either tenant since `before`, and the server still well.
async fn untouched(w: &World, before: &Mark) -> Result<(), String> {
    for (client, seq) in [&w.eg.app.admin, &w.other].into_iter().zip(&before.seqs) {
        let reply = client
            .get(&format!("/v1/events?after={seq}&limit=10"))
            .await;
        ensure(reply.status == 200, || format!("the feed: {}", reply.text))?;
        let events = reply.json()["data"].clone();
        ensure(events == json!([]), || {
            format!("events were written: {events}")
        })?;
    }
    let now = mark(w).await;
    ensure(now.customers == before.customers, || {
        format!(
            "customers went from {:?} to {:?}",
            before.customers, now.customers
        )
    })?;
    let health = w.eg.door.get("/healthz").await;
    ensure(health.status == 200, || {
        format!("/healthz: {}", health.text)
    })
}

fn ensure(holds: bool, otherwise: impl FnOnce() -> String) -> Result<(), String> {
    if holds {
        Ok(())
    } else {
        Err(otherwise())
    }
}

/// Sends one case as it stands.
async fn send(w: &World, case: &Case) -> Reply {
    let mut headers: Vec<(String, String)> = Vec::new();
    match &case.auth {
        Auth::Door if case.door == Door::Egain => {
            headers.push(("x-egain-session".into(), w.eg.session.clone()))
        }
        Auth::Door => headers.push(("authorization".into(), format!("Bearer {ADMIN_KEY}"))),
        Auth::Nothing => {}
        Auth::Header(name, value) => headers.push((name.to_string(), value.clone())),
    }
    headers.extend(case.headers.iter().cloned());
    if case.raw {
        return raw_exchange(w.base(), case, &headers).await;
    }
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    w.eg.door
        .send(case.method.clone(), &case.path, &refs, case.body.clone())
        .await
}

/// One request over a connection of its own, closed after the answer, which is read whole.
async fn raw_exchange(base: &str, case: &Case, headers: &[(String, String)]) -> Reply {
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connecting");
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n",
        case.method, case.path
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match (&case.body, case.chunked) {
        (Some(_), true) => head.push_str("Transfer-Encoding: chunked\r\n"),
        (Some(body), false) => head.push_str(&format!("Content-Length: {}\r\n", body.len())),
        (None, _) => {}
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    match (&case.body, case.chunked) {
        (Some(body), true) => {
            for chunk in body.chunks(64 * 1024) {
                request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                request.extend_from_slice(chunk);
                request.extend_from_slice(b"\r\n");
            }
            request.extend_from_slice(b"0\r\n\r\n");
        }
        (Some(body), false) => request.extend_from_slice(body),
        (None, _) => {}
    }
    let exchange = async {
        // The server may answer (and stop reading) before all of it is sent.
        let _ = stream.write_all(&request).await;
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        answer
    };
    let answer = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .unwrap_or_else(|_| panic!("{}: no answer within 30 s", case.name));
    parse_answer(&answer).unwrap_or_else(|| {
        panic!(
            "{}: not an HTTP answer: {:?}",
            case.name,
            String::from_utf8_lossy(&answer)
        )
    })
}

fn parse_answer(answer: &[u8]) -> Option<Reply> {
    let end = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&answer[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        headers.append(
            HeaderName::from_bytes(name.trim().as_bytes()).ok()?,
            HeaderValue::from_str(value.trim()).ok()?,
        );
    }
    let mut body = answer[end + 4..].to_vec();
    let chunked = headers
        .get("transfer-encoding")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
    if chunked {
        let mut decoded = Vec::new();
        let mut rest = &body[..];
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).ok()?, 16).ok()?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            decoded.extend_from_slice(rest.get(..size)?);
            rest = rest.get(size + 2..)?;
        }
        body = decoded;
    } else if let Some(length) = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
    {
        body.truncate(length);
    }
    Some(Reply {
        status: StatusCode::from_u16(status).ok()?,
        headers,
        text: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// Checks one answer against its case.
fn check(w: &World, case: &Case, reply: &Reply) -> Result<(), String> {
    if let Some(secret) = &case.hides {
        ensure(!reply.text.contains(secret.as_str()), || {
            format!("the answer repeats {secret:?}: {}", reply.text)
        })?;
    }
    match &case.expect {
        Expect::Problem { status, code } => {
            ensure(reply.status.as_u16() == *status, || {
                format!("status {} not {status}: {}", reply.status, reply.text)
            })?;
            ensure(
                reply.header("content-type") == Some("application/problem+json"),
                || format!("content type {:?}", reply.header("content-type")),
            )?;
            let body: Value = serde_json::from_str(&reply.text)
                .map_err(|e| format!("not JSON ({e}): {}", reply.text))?;
            ensure(body["code"] == *code, || format!("code not {code}: {body}"))?;
            ensure(body["status"] == *status, || {
                format!("status member: {body}")
            })?;
            ensure(
                body["title"].is_string() && body["type"].is_string() && body["detail"].is_string(),
                || format!("not RFC 9457: {body}"),
            )?;
            if case.door == Door::Bank {
                let id = body["requestId"].as_str().unwrap_or_default();
                ensure(uuid::Uuid::parse_str(id).is_ok(), || {
                    format!("no requestId: {body}")
                })?;
            }
            well_formed_errors(&body)?;
            if let Some((field, code)) = &case.field {
                let listed = reply.field_errors();
                ensure(listed.contains(&(field.clone(), code.to_string())), || {
                    format!("({field}, {code}) not in {listed:?}")
                })?;
            }
            if let Some(text) = &case.says {
                let detail = body["detail"].as_str().unwrap_or_default();
                ensure(detail.contains(text.as_str()), || {
                    format!("detail does not say {text:?}: {body}")
                })?;
            }
        }
        Expect::Egain {
            status,
            code,
            format,
        } => {
            let shape = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                egain_error(reply, *status)
            }));
            let (got, message) =
                shape.map_err(|_| format!("not eGain's error {status}: {reply:?}"))?;
            ensure(&got == code, || format!("code {got} not {code}"))?;
            ensure(
                reply.header("content-type") == Some(format.content_type()),
                || {
                    format!(
                        "content type {:?} not {}",
                        reply.header("content-type"),
                        format.content_type()
                    )
                },
            )?;
            if matches!(case.auth, Auth::Door) {
                ensure(
                    reply.header("x-egain-session") == Some(w.eg.session.as_str()),
                    || "the answer does not carry the session".to_owned(),
                )?;
            }
            if let Some(text) = &case.says {
                ensure(message.contains(text.as_str()), || {
                    format!("developerMessage does not say {text:?}: {message:?}")
                })?;
            }
        }
        Expect::Reads { member, value } => {
            ensure(reply.status == 200, || {
                format!("status {}: {}", reply.status, reply.text)
            })?;
            ensure(
                reply
                    .header("content-type")
                    .is_some_and(|t| t.starts_with("application/json")),
                || format!("content type {:?}", reply.header("content-type")),
            )?;
            let body: Value = serde_json::from_str(&reply.text)
                .map_err(|e| format!("not JSON ({e}): {}", reply.text))?;
            ensure(body[*member] == *value, || {
                format!("{member} is not {value:?}: {body}")
            })?;
        }
    }
    Ok(())
}

/// A problem's `errors`, when it has them, each name a field and appear once.
fn well_formed_errors(body: &Value) -> Result<(), String> {
    let Some(errors) = body.get("errors") else {
        return Ok(());
    };
    let errors = errors
        .as_array()
        .ok_or_else(|| format!("errors is no list: {body}"))?;
    let mut seen = std::collections::HashSet::new();
    for error in errors {
        let field = error["field"].as_str().unwrap_or_default();
        ensure(!field.is_empty(), || {
            format!("an error names no field: {error}")
        })?;
        ensure(
            error["code"].is_string() && error["message"].is_string(),
            || format!("an error without code or message: {error}"),
        )?;
        ensure(seen.insert(error.to_string()), || {
            format!("an error is listed twice: {error}")
        })?;
    }
    Ok(())
}

/// Runs every case, each followed by the check that nothing changed; panics listing every
/// case that failed.
async fn run(w: &World, cases: Vec<Case>) {
    assert!(!cases.is_empty());
    let mut names = std::collections::HashSet::new();
    for case in &cases {
        assert!(names.insert(&case.name), "two cases named {:?}", case.name);
        assert!(
            !matches!(case.expect, Expect::Problem { status: 0, .. }),
            "{:?} expects nothing",
            case.name
        );
    }
    let mut failures = Vec::new();
    for case in &cases {
        let before = mark(w).await;
        let reply = send(w, case).await;
        let result = match check(w, case, &reply) {
            Ok(()) => untouched(w, &before).await,
            Err(e) => {
                // Whatever went wrong, later cases start from what is stored now.
                let _ = untouched(w, &before).await;
                Err(e)
            }
        };
        if let Err(e) = result {
            failures.push(format!(
                "{:?} {} {} {}: {e}",
                case.door,
                case.name,
                case.method,
                shorten(&case.path)
            ));
        }
    }
    eprintln!("{} hostile cases tried", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn shorten(text: &str) -> String {
    if text.len() > 100 {
        format!("{}… ({} bytes)", &text[..100], text.len())
    } else {
        text.to_owned()
    }
}

// ---------------------------------------------------------------------------------------
// Bodies: the seeds, and ways to change them.

fn seed_text(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/seeds")
            .join(name),
    )
    .expect("a seed beside the project")
}

/// OCS.io's third create example ("by specifying all attributes"), without its template
/// `requestId` (`{{$guid}}`), which every case would otherwise share.
fn native_seed() -> Value {
    let mut body = seed_examples(&seed_text("ocs-create-customer.txt")).remove(2);
    assert_eq!(body["customerSegment"], "b2b", "{body}");
    body.as_object_mut().unwrap().remove("requestId");
    body
}

/// The bank seed's one batch, unchanged.
fn bank_seed() -> Value {
    seed_examples(&seed_text("bank-data-create-customers.txt")).remove(0)
}

const BANK_CUSTOMER: &str = "/customers/0";
const BANK_ACCOUNT: &str = "/customers/0/accounts/0";
const BANK_CARD: &str = "/customers/0/accounts/0/cards/0";

/// The bank seed made over for one customer `id` of its own, without parent or co-owner.
fn bank_batch_for(id: &str) -> Value {
    let mut batch = bank_seed();
    let account = format!("{id}-account");
    set(
        &mut batch,
        &format!("{BANK_CUSTOMER}/sourceCustomerId"),
        json!(id),
    );
    batch["customers"][0]
        .as_object_mut()
        .unwrap()
        .remove("sourceParentCustomerId");
    set(
        &mut batch,
        &format!("{BANK_ACCOUNT}/sourceAccountId"),
        json!(account),
    );
    set(
        &mut batch,
        &format!("{BANK_ACCOUNT}/sourceCustomerIds"),
        json!([id]),
    );
    set(
        &mut batch,
        &format!("{BANK_ACCOUNT}/primarySourceCustomerId"),
        json!(id),
    );
    set(
        &mut batch,
        &format!("{BANK_CARD}/sourceAccountId"),
        json!(account),
    );
    set(
        &mut batch,
        &format!("{BANK_CARD}/sourceCustomerId"),
        json!(id),
    );
    batch
}

const PERSON: &str = "/contactPersons/contactPerson/0";
const EMAIL: &str =
    "/contactPersons/contactPerson/0/contactPoints/contactPoint/2/type/email/emailAddress";
const SEED_EMAIL: &str = "john.russel@customer.com";
const LOGIN: &str = "/ws/v12/authentication/user/login";

/// The eGain seed's example 2 in JSON.
fn egain_json_seed() -> Value {
    serde_json::from_str(&egain_seed_requests()[3].body).expect("example 2 is JSON")
}

/// The eGain seed's example 2 in XML.
fn egain_xml_seed() -> String {
    egain_seed_requests()[2].body.clone()
}

/// `value` with the member at `pointer` set (made if its parent exists).
fn set(value: &mut Value, pointer: &str, member: Value) {
    let (parent, name) = pointer.rsplit_once('/').expect("a pointer");
    let parent = if parent.is_empty() {
        value
    } else {
        value
            .pointer_mut(parent)
            .unwrap_or_else(|| panic!("no {parent}"))
    };
    match parent {
        Value::Object(members) => {
            members.insert(name.to_owned(), member);
        }
        Value::Array(items) => items[name.parse::<usize>().expect("an index")] = member,
        other => panic!("{pointer}: {other} has no members"),
    }
}

fn with(mut value: Value, pointer: &str, member: Value) -> Value {
    set(&mut value, pointer, member);
    value
}

fn text(value: &Value) -> String {
    value.to_string()
}

/// `haystack` with the first `needle` replaced; the needle must be there.
fn replaced(haystack: &str, needle: &str, by: &str) -> String {
    assert!(haystack.contains(needle), "{needle:?} not in {haystack}");
    haystack.replacen(needle, by, 1)
}

/// `haystack`'s bytes with the first `needle` replaced by raw bytes.
fn replaced_bytes(haystack: &str, needle: &str, by: &[u8]) -> Vec<u8> {
    let at = haystack
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {haystack}"));
    let mut bytes = haystack.as_bytes()[..at].to_vec();
    bytes.extend_from_slice(by);
    bytes.extend_from_slice(&haystack.as_bytes()[at + needle.len()..]);
    bytes
}

fn truncated(text: &str) -> String {
    text[..text.len() / 2].to_owned()
}

/// `{"a": {"a": … 1 … }}`, `depth` objects deep.
fn deep_json(depth: usize) -> String {
    format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
}

/// Every byte of `id` percent-encoded.
fn all_encoded(id: &str) -> String {
    id.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The first character of `id` percent-encoded.
fn first_encoded(id: &str) -> String {
    format!("%{:02X}{}", id.as_bytes()[0], &id[1..])
}

/// The billion laughs: ten entities of ten references each, nine deep.
fn billion_laughs() -> String {
    let mut doctype = String::from(r#"<!DOCTYPE customer [<!ENTITY lol0 "lol">"#);
    for n in 1..10 {
        let refs = format!("&lol{};", n - 1).repeat(10);
        doctype.push_str(&format!(r#"<!ENTITY lol{n} "{refs}">"#));
    }
    doctype.push_str("]>");
    doctype
}

// ---------------------------------------------------------------------------------------
// The native door.

fn native(name: &str, method: Method, path: &str) -> Case {
    Case::new(Door::Native, name, method, path)
}

/// A create on `/v1/customers` with this body as JSON.
fn create(name: &str, body: impl Into<Vec<u8>>) -> Case {
    native(name, Method::POST, NATIVE)
        .header("content-type", "application/json")
        .body(body)
}

fn create_with(name: &str, pointer: &str, member: Value) -> Case {
    create(name, text(&with(native_seed(), pointer, member)))
}

fn native_cases(w: &World) -> Vec<Case> {
    let seed = text(&native_seed());
    let mine = format!("{NATIVE}/{}", w.mine.native);
    let theirs = format!("{NATIVE}/{}", w.theirs.native);
    let patch = |name: &str, path: &str, body: &str| {
        native(name, Method::PATCH, path)
            .header("content-type", "application/merge-patch+json")
            .body(body.as_bytes().to_vec())
    };
    let state = |name: &str, path: &str, body: &str| {
        native(name, Method::POST, &format!("{path}/state"))
            .header("content-type", "application/json")
            .body(body.as_bytes().to_vec())
    };
    let attributes = |count: usize| -> Value {
        (0..count)
            .map(|i| (format!("k{i}"), json!("v")))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut deep_attributes = native_seed();
    deep_attributes
        .as_object_mut()
        .unwrap()
        .remove("customAttributes");
    let deep_attributes = replaced(
        &text(&deep_attributes),
        "{",
        &format!(r#"{{"customAttributes":{},"#, deep_json(DEEP)),
    );
    let latin1 = replaced_bytes(&seed, "Demo Customer", b"D\xe9mo Customer");
    let bad_utf8 = replaced_bytes(&seed, "Demo Customer", b"Demo \xff\xfe Customer");
    let overlong = replaced_bytes(&seed, "Demo Customer", b"Demo \xc0\xaf Customer");
    let read = |name: &str, path: String| native(name, Method::GET, &path);
    vec![
        // Malformed JSON.
        create("truncated", truncated(&seed)).problem(400, "MALFORMED_REQUEST"),
        create("trailing garbage", format!("{seed} x")).problem(400, "MALFORMED_REQUEST"),
        create("two documents", format!("{seed}{seed}")).problem(400, "MALFORMED_REQUEST"),
        create(
            "byte order mark",
            [&b"\xef\xbb\xbf"[..], seed.as_bytes()].concat(),
        )
        .problem(400, "MALFORMED_REQUEST"),
        create("an array", format!("[{seed}]")).problem(400, "MALFORMED_REQUEST"),
        create("a string", r#""customer""#).problem(400, "MALFORMED_REQUEST"),
        create("single quotes", seed.replace('"', "'")).problem(400, "MALFORMED_REQUEST"),
        create("a comment", replaced(&seed, "{", "{/* hi */")).problem(400, "MALFORMED_REQUEST"),
        create("NaN", replaced(&seed, "{", r#"{"testCustomer":NaN,"#))
            .problem(400, "MALFORMED_REQUEST"),
        create("a number out of range", r#"{"externalId":1e999}"#)
            .problem(400, "MALFORMED_REQUEST"),
        // Wrong types.
        create_with("number for a string", "/externalId", json!(5))
            .problem(400, "MALFORMED_REQUEST")
            .at("externalId", "INVALID_FORMAT"),
        create_with("object for a string", "/customName", json!({"a": 1}))
            .problem(400, "MALFORMED_REQUEST")
            .at("customName", "INVALID_FORMAT"),
        create_with("array for an object", "/customAttributes", json!(["a"]))
            .problem(400, "MALFORMED_REQUEST")
            .at("customAttributes", "INVALID_FORMAT"),
        create_with("string for an object", "/state", json!("ACTIVE"))
            .problem(400, "MALFORMED_REQUEST")
            .at("state", "INVALID_FORMAT"),
        create_with(
            "number for an attribute",
            "/customAttributes/key1",
            json!(1.5),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customAttributes.key1", "INVALID_FORMAT"),
        create_with("string for a boolean", "/testCustomer", json!("true"))
            .problem(400, "MALFORMED_REQUEST")
            .at("testCustomer", "INVALID_FORMAT"),
        create_with("number for a reference", "/parent", json!({"refId": 5}))
            .problem(400, "MALFORMED_REQUEST")
            .at("parent.refId", "INVALID_FORMAT"),
        // Unknown fields.
        create_with("unknown id", "/id", json!("chosen"))
            .problem(400, "MALFORMED_REQUEST")
            .at("id", "NOT_ALLOWED"),
        create_with(
            "unknown createdAt",
            "/createdAt",
            json!("2020-01-01T00:00:00Z"),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("createdAt", "NOT_ALLOWED"),
        create_with(
            "unknown updatedAt",
            "/updatedAt",
            json!("2020-01-01T00:00:00Z"),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("updatedAt", "NOT_ALLOWED"),
        create_with("unknown tenant", "/tenant", json!("other"))
            .problem(400, "MALFORMED_REQUEST")
            .at("tenant", "NOT_ALLOWED"),
        create_with("unknown egainId", "/egainId", json!(1))
            .problem(400, "MALFORMED_REQUEST")
            .at("egainId", "NOT_ALLOWED"),
        create_with("unknown nested", "/state/colour", json!("red"))
            .problem(400, "MALFORMED_REQUEST")
            .at("state.colour", "NOT_ALLOWED"),
        // Duplicate members.
        create(
            "duplicate externalId",
            replaced(&seed, "{", r#"{"externalId":"other","#),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("externalId", "NOT_ALLOWED"),
        create(
            "duplicate nested",
            replaced(&seed, r#""state":{"#, r#""state":{"state":"SUSPENDED","#),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("state.state", "NOT_ALLOWED"),
        create(
            "duplicate attribute",
            replaced(&seed, r#""key1":"#, r#""key2":"x","key1":"#),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customAttributes.key2", "NOT_ALLOWED"),
        // Missing, empty, huge and deep bodies.
        create("no body", Vec::new())
            .no_body()
            .problem(400, "MALFORMED_REQUEST"),
        create("no body and no type", Vec::new())
            .no_body()
            .without_header("content-type")
            .problem(400, "MALFORMED_REQUEST"),
        create("an empty body", Vec::new()).problem(400, "MALFORMED_REQUEST"),
        create("a blank body", " \r\n\t ").problem(400, "MALFORMED_REQUEST"),
        create_with("2 MiB declared", "/customName", json!("x".repeat(TWO_MIB)))
            .problem(413, "PAYLOAD_TOO_LARGE"),
        create_with("2 MiB chunked", "/customName", json!("x".repeat(TWO_MIB)))
            .chunked()
            .problem(413, "PAYLOAD_TOO_LARGE"),
        create("5000 objects deep", deep_attributes).problem(400, "MALFORMED_REQUEST"),
        create(
            "5000 arrays deep",
            format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP)),
        )
        .problem(400, "MALFORMED_REQUEST"),
        create(
            "33 deep",
            text(&with(
                native_seed(),
                "/customAttributes",
                serde_json::from_str(&deep_json(33)).unwrap(),
            )),
        )
        .problem(400, "MALFORMED_REQUEST"),
        // Bytes and characters.
        create("invalid UTF-8", bad_utf8).problem(400, "MALFORMED_REQUEST"),
        create("overlong UTF-8", overlong).problem(400, "MALFORMED_REQUEST"),
        create("Latin-1 bytes", latin1.clone()).problem(400, "MALFORMED_REQUEST"),
        create("Latin-1 declared", latin1)
            .header("content-type", "application/json; charset=latin1")
            .problem(400, "MALFORMED_REQUEST"),
        create(
            "a lone surrogate",
            replaced(&seed, "Demo Customer", r"Demo \ud800"),
        )
        .problem(400, "MALFORMED_REQUEST"),
        create(
            "a lone low surrogate",
            replaced(&seed, "customer_external_id", r"id\udc00"),
        )
        .problem(400, "MALFORMED_REQUEST"),
        create(
            "NUL in a string",
            replaced(&seed, "Demo Customer", r"Demo\u0000"),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customName", "INVALID_FORMAT"),
        create(
            "NUL in a member name",
            replaced(&seed, r#""key1""#, r#""key\u00001""#),
        )
        .problem(400, "MALFORMED_REQUEST"),
        // Strings over the limits.
        create_with("externalId of 129", "/externalId", json!("e".repeat(129)))
            .problem(422, "VALIDATION_FAILED")
            .at("externalId", "TOO_LONG"),
        create_with("externalId of 129 é", "/externalId", json!("é".repeat(129)))
            .problem(422, "VALIDATION_FAILED")
            .at("externalId", "TOO_LONG"),
        create_with("customName of 1025", "/customName", json!("n".repeat(1025)))
            .problem(422, "VALIDATION_FAILED")
            .at("customName", "TOO_LONG"),
        create_with(
            "attribute value of 4097",
            "/customAttributes/key1",
            json!("v".repeat(4097)),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customAttributes.key1", "TOO_LONG"),
        create_with(
            "attribute key of 65",
            "/customAttributes",
            json!({"k".repeat(65): "v"}),
        )
        .problem(422, "VALIDATION_FAILED")
        .at(&format!("customAttributes.{}", "k".repeat(65)), "TOO_LONG"),
        create_with(
            "attribute key with a space",
            "/customAttributes",
            json!({"bad key": "v"}),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customAttributes.bad key", "INVALID_FORMAT"),
        create_with(
            "attribute key with a slash",
            "/customAttributes",
            json!({"a/b": "v"}),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customAttributes.a/b", "INVALID_FORMAT"),
        create_with("101 attributes", "/customAttributes", attributes(101))
            .problem(422, "VALIDATION_FAILED")
            .at("customAttributes", "TOO_MANY"),
        create_with("requestId of 256", "/requestId", json!("r".repeat(256)))
            .problem(422, "VALIDATION_FAILED")
            .at("requestId", "TOO_LONG"),
        // Card numbers in free text.
        create_with("card in customName", "/customName", json!(PAN))
            .problem(422, "VALIDATION_FAILED")
            .at("customName", "NOT_ALLOWED")
            .hides(PAN),
        create_with(
            "spaced card in customName",
            "/customName",
            json!(format!("paid with {PAN_SPACED} today")),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customName", "NOT_ALLOWED")
        .hides(PAN_SPACED),
        create_with(
            "dashed card in externalId",
            "/externalId",
            json!(PAN_DASHED),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("externalId", "NOT_ALLOWED")
        .hides(PAN_DASHED),
        create_with(
            "card in externalId",
            "/externalId",
            json!(format!("c{PAN}")),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("externalId", "NOT_ALLOWED")
        .hides(PAN),
        create_with(
            "card in an attribute",
            "/customAttributes/key1",
            json!(PAN_SPACED),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customAttributes.key1", "NOT_ALLOWED")
        .hides(PAN_SPACED),
        create_with(
            "card as an attribute key",
            "/customAttributes",
            json!({PAN: "v"}),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customAttributes.?", "NOT_ALLOWED")
        .hides(PAN),
        create_with(
            "Mastercard in customName",
            "/customName",
            json!("5555555555554444"),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customName", "NOT_ALLOWED"),
        create_with(
            "Amex in customName",
            "/customName",
            json!("3782 822463 10005"),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customName", "NOT_ALLOWED"),
        patch(
            "card in a patch",
            &mine,
            &format!(r#"{{"customName":"{PAN}"}}"#),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customName", "NOT_ALLOWED")
        .hides(PAN),
        native("card in an account", Method::POST, "/v1/accounts")
            .header("content-type", "application/json")
            .body(text(
                &json!({"accountProfile": "standard", "customName": PAN}),
            ))
            .problem(422, "VALIDATION_FAILED")
            .at("customName", "NOT_ALLOWED")
            .hides(PAN),
        // Patches and state changes of a stored customer.
        patch("patch with unknown id", &mine, r#"{"id":"x"}"#)
            .problem(400, "MALFORMED_REQUEST")
            .at("id", "NOT_ALLOWED"),
        patch("patch with createdAt", &mine, r#"{"createdAt":"x"}"#)
            .problem(400, "MALFORMED_REQUEST")
            .at("createdAt", "NOT_ALLOWED"),
        patch(
            "patch duplicate",
            &mine,
            r#"{"customName":"a","customName":"b"}"#,
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customName", "NOT_ALLOWED"),
        patch("patch an array", &mine, "[]").problem(400, "MALFORMED_REQUEST"),
        patch("patch truncated", &mine, r#"{"customName":"#).problem(400, "MALFORMED_REQUEST"),
        patch("patch no body", &mine, "")
            .no_body()
            .problem(400, "MALFORMED_REQUEST"),
        patch("patch as text", &mine, r#"{"customName":"x"}"#)
            .header("content-type", "text/plain")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        patch(
            "patch name of 1025",
            &mine,
            &text(&json!({"customName": "n".repeat(1025)})),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customName", "TOO_LONG"),
        state("state of a number", &mine, r#"{"state":5}"#)
            .problem(400, "MALFORMED_REQUEST")
            .at("state", "INVALID_FORMAT"),
        state(
            "state with a tenant",
            &mine,
            r#"{"state":"SUSPENDED","stateReason":"dfltSuspended","tenant":"other"}"#,
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("tenant", "NOT_ALLOWED"),
        // Another tenant's ids: 404, never 403.
        read("their customer", theirs.clone()).problem(404, "NOT_FOUND"),
        read(
            "their customer encoded",
            format!("{NATIVE}/{}", first_encoded(&w.theirs.native)),
        )
        .problem(404, "NOT_FOUND"),
        patch("patch of theirs", &theirs, r#"{"customName":"mine now"}"#).problem(404, "NOT_FOUND"),
        state(
            "state of theirs",
            &theirs,
            r#"{"state":"SUSPENDED","stateReason":"dfltSuspended"}"#,
        )
        .problem(404, "NOT_FOUND"),
        create_with(
            "their customer as parent",
            "/parent",
            json!({"refId": w.theirs.native}),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("parent", "NOT_FOUND"),
        create_with(
            "their externalId as parent",
            "/parent",
            json!({"externalId": "their-native"}),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("parent", "NOT_FOUND"),
        native(
            "their customer for an account",
            Method::POST,
            "/v1/accounts",
        )
        .header("content-type", "application/json")
        .body(text(&json!({
            "accountProfile": "standard", "customer": {"refId": w.theirs.native}
        })))
        .problem(422, "VALIDATION_FAILED")
        .at("customer", "NOT_FOUND"),
        // Ids in odd spellings.
        read(
            "first character encoded",
            format!("{NATIVE}/{}", first_encoded(&w.mine.native)),
        )
        .reads("id", &w.mine.native),
        read(
            "every character encoded",
            format!("{NATIVE}/{}", all_encoded(&w.mine.native)),
        )
        .reads("id", &w.mine.native),
        read("an encoded NUL", format!("{NATIVE}/%00"))
            .problem(400, "MALFORMED_REQUEST")
            .at("id", "INVALID_FORMAT"),
        read("a NUL after the id", format!("{mine}%00"))
            .problem(400, "MALFORMED_REQUEST")
            .at("id", "INVALID_FORMAT"),
        patch("patch of an encoded NUL", &format!("{NATIVE}/%00"), "{}")
            .problem(400, "MALFORMED_REQUEST"),
        state(
            "state of an encoded NUL",
            &format!("{NATIVE}/%00"),
            r#"{"state":"SUSPENDED","stateReason":"dfltSuspended"}"#,
        )
        .problem(400, "MALFORMED_REQUEST"),
        read("an id not UTF-8", format!("{NATIVE}/%FF%FE")).problem(400, "MALFORMED_REQUEST"),
        read("a query not UTF-8", format!("{NATIVE}?limit=%FF"))
            .problem(400, "MALFORMED_REQUEST")
            .at("limit", "INVALID_FORMAT"),
        read("a NUL in a query", format!("{NATIVE}?externalId=%00"))
            .problem(400, "MALFORMED_REQUEST"),
        read("dot dot", format!("{NATIVE}/.."))
            .raw()
            .problem(404, "NOT_FOUND"),
        read("encoded dot dot", format!("{NATIVE}/%2E%2E"))
            .raw()
            .problem(404, "NOT_FOUND"),
        read("dot dot up", format!("{NATIVE}/../../healthz"))
            .raw()
            .problem(404, "NOT_FOUND"),
        read("encoded dot dot up", format!("{NATIVE}/..%2F..%2Fhealthz")).problem(404, "NOT_FOUND"),
        read("dots around", format!("{mine}/..%2F.."))
            .raw()
            .problem(404, "NOT_FOUND"),
        read("an id of 5000", format!("{NATIVE}/{}", "x".repeat(5000))).problem(404, "NOT_FOUND"),
        // An id is the client's text: a 404 does not quote it back.
        read("a card number as the id", format!("{NATIVE}/{PAN}"))
            .problem(404, "NOT_FOUND")
            .hides(PAN),
        read(
            "a card number as the id of a history",
            format!("{NATIVE}/{PAN}/states"),
        )
        .problem(404, "NOT_FOUND")
        .hides(PAN),
        read(
            "a card number as a webhook's id",
            format!("/v1/webhooks/{PAN}"),
        )
        .problem(404, "NOT_FOUND")
        .hides(PAN),
        read("an id of 9000", format!("{NATIVE}/{}", "x".repeat(9000)))
            .problem(414, "URI_TOO_LONG"),
        // Content types.
        create("as text/plain", seed.clone())
            .header("content-type", "text/plain")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        create("as application/xml", seed.clone())
            .header("content-type", "application/xml")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        create("as a form", "externalId=x&customerSegment=b2b")
            .header("content-type", "application/x-www-form-urlencoded")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        create("as multipart", seed.clone())
            .header("content-type", "multipart/form-data; boundary=x")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        create("as text/json", seed.clone())
            .header("content-type", "text/json")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        create("as a bare type", seed.clone())
            .header("content-type", "json")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        create("a body with no type", seed.clone())
            .without_header("content-type")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        // Accept: answered in JSON whatever is asked for.
        read("accept XML", mine.clone())
            .header("accept", "application/xml")
            .reads("id", &w.mine.native),
        read("accept HTML", mine.clone())
            .header("accept", "text/html")
            .reads("id", &w.mine.native),
        create("a refusal to accept XML", truncated(&seed))
            .header("accept", "application/xml")
            .problem(400, "MALFORMED_REQUEST"),
        // Credentials.
        create("no key", seed.clone())
            .auth(Auth::Nothing)
            .problem(401, "UNAUTHORIZED"),
        create("a made-up key", seed.clone())
            .auth(Auth::Header(
                "authorization",
                "Bearer clt_made_up_key_0123456789".into(),
            ))
            .problem(401, "UNAUTHORIZED"),
        create("an eGain session", seed.clone())
            .auth(Auth::Header("x-egain-session", w.eg.session.clone()))
            .problem(401, "UNAUTHORIZED"),
        create("their key as a session", seed.clone())
            .auth(Auth::Header(
                "authorization",
                format!("Bearer {}", w.eg.session),
            ))
            .problem(401, "UNAUTHORIZED"),
    ]
}

// ---------------------------------------------------------------------------------------
// The bank-data door.

fn bank(name: &str, method: Method, path: &str) -> Case {
    Case::new(Door::Bank, name, method, path)
}

/// A batch POST with this body as JSON.
fn batch(name: &str, body: impl Into<Vec<u8>>) -> Case {
    bank(name, Method::POST, BANK)
        .header("content-type", "application/json")
        .body(body)
}

fn batch_with(name: &str, pointer: &str, member: Value) -> Case {
    batch(name, text(&with(bank_seed(), pointer, member)))
}

fn bank_cases(w: &World) -> Vec<Case> {
    let seed = text(&bank_seed());
    let customer = bank_seed()["customers"][0].clone();
    let read = |name: &str, path: String| bank(name, Method::GET, &path);
    let org = format!("{BANK_CUSTOMER}/organizationId");
    let bad_utf8 = replaced_bytes(&seed, "78753", b"787\xff3");
    vec![
        // Malformed JSON.
        batch("truncated", truncated(&seed)).problem(400, "MALFORMED_REQUEST"),
        batch("trailing garbage", format!("{seed}]")).problem(400, "MALFORMED_REQUEST"),
        batch("two documents", format!("{seed}{seed}")).problem(400, "MALFORMED_REQUEST"),
        batch("an array", format!("[{seed}]")).problem(400, "MALFORMED_REQUEST"),
        batch("the bare list", text(&bank_seed()["customers"])).problem(400, "MALFORMED_REQUEST"),
        // Wrong types.
        batch_with(
            "last4 as a number",
            &format!("{BANK_CARD}/last4"),
            json!(2345),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers[0].accounts[0].cards[0].last4", "INVALID_FORMAT"),
        batch_with(
            "country as a number",
            &format!("{BANK_CUSTOMER}/country"),
            json!(1),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers[0].country", "INVALID_FORMAT"),
        batch_with(
            "a string for a list",
            &format!("{BANK_CUSTOMER}/alertOptInStatus"),
            json!("ALL"),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers[0].alertOptInStatus", "INVALID_FORMAT"),
        batch_with(
            "an object for a list",
            &format!("{BANK_CUSTOMER}/accounts"),
            json!({}),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers[0].accounts", "INVALID_FORMAT"),
        batch_with(
            "an array for a string",
            &format!("{BANK_CARD}/networkIdentifier"),
            json!(["3"]),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at(
            "customers[0].accounts[0].cards[0].networkIdentifier",
            "INVALID_FORMAT",
        ),
        // Unknown fields.
        batch_with("unknown id", &format!("{BANK_CUSTOMER}/id"), json!("x"))
            .problem(400, "MALFORMED_REQUEST")
            .at("customers[0].id", "NOT_ALLOWED"),
        batch_with(
            "unknown createdAt",
            &format!("{BANK_CUSTOMER}/createdAt"),
            json!("2020-01-01T00:00:00Z"),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers[0].createdAt", "NOT_ALLOWED"),
        batch_with("unknown tenant", "/tenant", json!("other"))
            .problem(400, "MALFORMED_REQUEST")
            .at("tenant", "NOT_ALLOWED"),
        batch_with(
            "a card's full number",
            &format!("{BANK_CARD}/pan"),
            json!(PAN),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers[0].accounts[0].cards[0].pan", "NOT_ALLOWED")
        .hides(PAN),
        batch_with(
            "custom attributes",
            &format!("{BANK_CUSTOMER}/customAttributes"),
            json!({"k": "v"}),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers[0].customAttributes", "NOT_ALLOWED"),
        // Duplicate members.
        batch(
            "duplicate organizationId",
            replaced(
                &seed,
                r#""organizationId":"#,
                r#""organizationId":"1","organizationId":"#,
            ),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers[0].organizationId", "NOT_ALLOWED"),
        batch(
            "duplicate customers",
            replaced(&seed, "{", r#"{"customers":[],"#),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers", "NOT_ALLOWED"),
        batch(
            "duplicate last4",
            replaced(&seed, r#""last4":"#, r#""last4":"0000","last4":"#),
        )
        .problem(400, "MALFORMED_REQUEST")
        .at("customers[0].accounts[0].cards[0].last4", "NOT_ALLOWED"),
        // Missing, empty, huge and deep bodies.
        batch("no body", Vec::new())
            .no_body()
            .problem(400, "MALFORMED_REQUEST"),
        batch("no body and no type", Vec::new())
            .no_body()
            .without_header("content-type")
            .problem(400, "MALFORMED_REQUEST"),
        batch("an empty body", Vec::new()).problem(400, "MALFORMED_REQUEST"),
        batch("a blank body", "\n\n").problem(400, "MALFORMED_REQUEST"),
        batch_with("no customers", "/customers", json!([]))
            .problem(422, "VALIDATION_FAILED")
            .at("customers", "REQUIRED"),
        batch_with(
            "51 customers",
            "/customers",
            Value::Array(vec![customer.clone(); 51]),
        )
        .problem(413, "PAYLOAD_TOO_LARGE"),
        batch_with("2 MiB declared", &org, json!("x".repeat(TWO_MIB)))
            .problem(413, "PAYLOAD_TOO_LARGE"),
        batch_with("2 MiB chunked", &org, json!("x".repeat(TWO_MIB)))
            .chunked()
            .problem(413, "PAYLOAD_TOO_LARGE"),
        batch(
            "5000 deep",
            format!(r#"{{"customers":[{}]}}"#, deep_json(DEEP)),
        )
        .problem(400, "MALFORMED_REQUEST"),
        batch(
            "5000 arrays deep",
            format!(
                r#"{{"customers":{}{}}}"#,
                "[".repeat(DEEP),
                "]".repeat(DEEP)
            ),
        )
        .problem(400, "MALFORMED_REQUEST"),
        // Bytes and characters.
        batch("invalid UTF-8", bad_utf8).problem(400, "MALFORMED_REQUEST"),
        batch("a lone surrogate", replaced(&seed, "50004", r"500\ud83d"))
            .problem(400, "MALFORMED_REQUEST"),
        batch("NUL in a string", replaced(&seed, "50004", r"500\u00004"))
            .problem(400, "MALFORMED_REQUEST")
            .at("customers[0].organizationId", "INVALID_FORMAT"),
        batch(
            "NUL in an id",
            replaced(&seed, "afa2r21-", r"afa2r21\u0000-"),
        )
        .problem(400, "MALFORMED_REQUEST"),
        // Strings over the limits.
        batch_with(
            "sourceCustomerId of 129",
            &format!("{BANK_CUSTOMER}/sourceCustomerId"),
            json!("s".repeat(129)),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].sourceCustomerId", "TOO_LONG"),
        batch_with(
            "sourceAccountId of 129",
            &format!("{BANK_ACCOUNT}/sourceAccountId"),
            json!("a".repeat(129)),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].accounts[0].sourceAccountId", "TOO_LONG"),
        batch_with("organizationId of 1025", &org, json!("o".repeat(1025)))
            .problem(422, "VALIDATION_FAILED")
            .at("customers[0].organizationId", "TOO_LONG"),
        batch_with(
            "postalCode of 1025",
            &format!("{BANK_CUSTOMER}/postalCode"),
            json!("9".repeat(1025)),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].postalCode", "TOO_LONG"),
        batch_with(
            "sourcePortfolioId of 1025",
            &format!("{BANK_ACCOUNT}/sourcePortfolioId"),
            json!("p".repeat(1025)),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].accounts[0].sourcePortfolioId", "TOO_LONG"),
        // Card numbers in free text.
        batch_with("card in organizationId", &org, json!(PAN))
            .problem(422, "VALIDATION_FAILED")
            .at("customers[0].organizationId", "NOT_ALLOWED")
            .hides(PAN),
        batch_with(
            "spaced card in postalCode",
            &format!("{BANK_CUSTOMER}/postalCode"),
            json!(PAN_SPACED),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].postalCode", "NOT_ALLOWED")
        .hides(PAN_SPACED),
        batch_with(
            "dashed card in organizationId",
            &org,
            json!(format!("org {PAN_DASHED}")),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].organizationId", "NOT_ALLOWED")
        .hides(PAN_DASHED),
        batch_with(
            "card in sourcePortfolioId",
            &format!("{BANK_ACCOUNT}/sourcePortfolioId"),
            json!(PAN),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].accounts[0].sourcePortfolioId", "NOT_ALLOWED")
        .hides(PAN),
        batch(
            "card as the customer's id",
            seed.replace("afa2r21-25f9-4501-b9db-e78afa73c0e3", PAN_DASHED),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].sourceCustomerId", "NOT_ALLOWED")
        .hides(PAN_DASHED),
        batch(
            "card as the account's id",
            seed.replace("42c57311-25f9-4501-b9db-e78afa73c0e3", PAN),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].accounts[0].sourceAccountId", "NOT_ALLOWED")
        .hides(PAN),
        // Another tenant's ids, and ids in odd spellings.
        read("their customer", format!("{BANK}/{}", w.theirs.bank)).problem(404, "NOT_FOUND"),
        read(
            "their customer encoded",
            format!("{BANK}/{}", first_encoded(&w.theirs.bank)),
        )
        .problem(404, "NOT_FOUND"),
        bank("a put of theirs", Method::PUT, BANK)
            .header("content-type", "application/json")
            .body(text(&bank_batch_for(&w.theirs.bank)))
            .problem(422, "VALIDATION_FAILED")
            .at("customers[0].sourceCustomerId", "NOT_FOUND"),
        read(
            "first character encoded",
            format!("{BANK}/{}", first_encoded(&w.mine.bank)),
        )
        .reads("sourceCustomerId", &w.mine.bank),
        read(
            "every character encoded",
            format!("{BANK}/{}", all_encoded(&w.mine.bank)),
        )
        .reads("sourceCustomerId", &w.mine.bank),
        read("an encoded NUL", format!("{BANK}/%00"))
            .problem(400, "MALFORMED_REQUEST")
            .at("sourceCustomerId", "INVALID_FORMAT"),
        read("a NUL after the id", format!("{BANK}/{}%00", w.mine.bank))
            .problem(400, "MALFORMED_REQUEST"),
        read("dot dot", format!("{BANK}/.."))
            .raw()
            .problem(404, "NOT_FOUND"),
        read("encoded dot dot", format!("{BANK}/%2e%2e"))
            .raw()
            .problem(404, "NOT_FOUND"),
        read("encoded dot dot up", format!("{BANK}/..%2F..%2Fhealthz")).problem(404, "NOT_FOUND"),
        read("an id of 5000", format!("{BANK}/{}", "x".repeat(5000))).problem(404, "NOT_FOUND"),
        read("a card number as the id", format!("{BANK}/{PAN}"))
            .problem(404, "NOT_FOUND")
            .hides(PAN),
        // Content types and Accept.
        batch("as text/plain", seed.clone())
            .header("content-type", "text/plain")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        batch("as application/xml", "<customers/>")
            .header("content-type", "application/xml")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        batch("as a form", "customers=1")
            .header("content-type", "application/x-www-form-urlencoded")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        batch("a body with no type", seed.clone())
            .without_header("content-type")
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        bank("a put as text", Method::PUT, BANK)
            .header("content-type", "text/plain")
            .body(seed.clone())
            .problem(415, "UNSUPPORTED_MEDIA_TYPE"),
        bank("a put truncated", Method::PUT, BANK)
            .header("content-type", "application/json")
            .body(truncated(&seed))
            .problem(400, "MALFORMED_REQUEST"),
        read("accept XML", format!("{BANK}/{}", w.mine.bank))
            .header("accept", "application/xml")
            .reads("sourceCustomerId", &w.mine.bank),
        batch("a refusal to accept XML", truncated(&seed))
            .header("accept", "application/xml")
            .problem(400, "MALFORMED_REQUEST"),
        // Credentials.
        batch("no key", seed.clone())
            .auth(Auth::Nothing)
            .problem(401, "UNAUTHORIZED"),
        batch("a made-up key", seed.clone())
            .auth(Auth::Header(
                "authorization",
                "Bearer clt_made_up_key_0123456789".into(),
            ))
            .problem(401, "UNAUTHORIZED"),
        batch("an eGain session", seed.clone())
            .auth(Auth::Header("x-egain-session", w.eg.session.clone()))
            .problem(401, "UNAUTHORIZED"),
    ]
}

// ---------------------------------------------------------------------------------------
// The eGain door.

fn egain(name: &str, method: Method, path: &str) -> Case {
    Case::new(Door::Egain, name, method, path)
}

/// A create with this body, sent and answered as JSON.
fn egain_json(name: &str, body: impl Into<Vec<u8>>) -> Case {
    egain(name, Method::POST, EGAIN_CUSTOMER)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body)
}

fn egain_json_with(name: &str, pointer: &str, member: Value) -> Case {
    egain_json(name, text(&with(egain_json_seed(), pointer, member)))
}

/// A create with this body, sent and answered as XML.
fn egain_xml(name: &str, body: impl Into<Vec<u8>>) -> Case {
    egain(name, Method::POST, EGAIN_CUSTOMER)
        .header("content-type", "application/xml")
        .header("accept", "application/xml")
        .body(body)
}

/// Example 2 in XML with `needle` replaced.
fn xml_with(needle: &str, by: &str) -> String {
    replaced(&egain_xml_seed(), needle, by)
}

/// Example 2 in XML with a DOCTYPE after its declaration and `&name;` in the first name.
fn xml_with_doctype(doctype: &str, first_name: &str) -> String {
    let body = xml_with(
        "<ns1:firstName>John</ns1:firstName>",
        &format!("<ns1:firstName>{first_name}</ns1:firstName>"),
    );
    replaced(&body, "?>", &format!("?>\n{doctype}"))
}

fn egain_cases(w: &World) -> Vec<Case> {
    use Format::{Json, Xml};
    let json_seed = text(&egain_json_seed());
    let xml_seed = egain_xml_seed();
    let last_name = format!("{PERSON}/lastName");
    let attribute = "/customAttributes/customAttribute/0";
    let attribute_value = "/customAttributes/customAttribute/0/attribValues/attribValue/0/value";
    let person_attribute =
        format!("{PERSON}/customAttributes/customAttribute/0/attribValues/attribValue/0/value");
    let attributes = |count: usize| -> Value {
        json!({"customAttribute": (0..count).map(|i| json!({
            "attribName": format!("a{i}"),
            "attribValues": {"attribValue": [{"value": "v"}]}
        })).collect::<Vec<_>>()})
    };
    let read = |name: &str, path: String| {
        egain(name, Method::GET, &path).header("accept", "application/json")
    };
    let mine = format!("{EGAIN_CUSTOMER}/{}", w.mine.egain);
    let theirs = format!("{EGAIN_CUSTOMER}/{}", w.theirs.egain);
    let edit = |name: &str, body: Value| {
        egain(name, Method::PUT, EGAIN_CUSTOMER)
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(text(&body))
    };
    let xml_bad_utf8 = replaced_bytes(&xml_seed, "Tierney", b"Tier\xffney");
    let json_bad_utf8 = replaced_bytes(&json_seed, "Tierney", b"Tier\xc3ney");
    let latin1 = replaced_bytes(
        &xml_seed.replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\""),
        "Tierney",
        b"Ti\xe9rney",
    );
    let utf16: Vec<u8> = std::iter::once(0xFEFFu16)
        .chain(
            xml_seed
                .replace("encoding=\"UTF-8\"", "encoding=\"UTF-16\"")
                .encode_utf16(),
        )
        .flat_map(u16::to_le_bytes)
        .collect();
    let deep_xml = xml_with(
        "<marketSegment>",
        &format!(
            "{}{}<marketSegment>",
            "<a>".repeat(DEEP),
            "</a>".repeat(DEEP)
        ),
    );
    let mut deep_member = egain_json_seed();
    deep_member.as_object_mut().unwrap().remove("level");
    let deep_member = replaced(
        &text(&deep_member),
        "{",
        &format!(r#"{{"level":{},"#, deep_json(DEEP)),
    );
    vec![
        // Malformed XML.
        egain_xml("truncated XML", truncated(&xml_seed)).egain(400, Xml),
        egain_xml("XML with trailing garbage", format!("{xml_seed}garbage"))
            .egain(400, Xml)
            .says("outside its root"),
        egain_xml("two XML roots", format!("{xml_seed}{xml_seed}")).egain(400, Xml),
        egain_xml(
            "a mismatched end tag",
            xml_with("</ns1:lastName>", "</ns1:firstName>"),
        )
        .egain(400, Xml),
        egain_xml(
            "an undeclared prefix",
            xml_with("<ns1:jobTitle>Manager</ns1:jobTitle>", "<nsx:jobTitle>Manager</nsx:jobTitle>"),
        )
        .egain(400, Xml),
        egain_xml("an unquoted attribute", xml_with("<customer ", "<customer id=5 "))
            .egain(400, Xml),
        egain_xml("an empty XML body", Vec::new()).egain(400, Xml),
        egain_xml("a blank XML body", "   \n").egain(400, Xml),
        egain_xml("no XML body", Vec::new()).no_body().egain(400, Xml),
        egain_xml("JSON sent as XML", json_seed.clone()).egain(400, Xml),
        // Wrong types and unknown or repeated elements in XML.
        egain_xml(
            "text for an element",
            xml_with("<value>individual</value>", "individual"),
        )
        .egain(400, Xml),
        egain_xml("text beside elements", xml_with("<type>", "hello<type>"))
            .egain(400, Xml)
            .says("both text and child elements"),
        egain_xml(
            "an element for text",
            xml_with("<ns1:jobTitle>Manager", "<ns1:jobTitle><ns1:b>Manager</ns1:b>"),
        )
        .egain(400, Xml),
        egain_xml(
            "an unknown element",
            xml_with("<marketSegment>", "<createdAt>2020-01-01</createdAt><marketSegment>"),
        )
        .egain(400, Xml)
        .says("createdAt"),
        egain_xml(
            "an unknown tenant element",
            xml_with("<marketSegment>", "<tenant>other</tenant><marketSegment>"),
        )
        .egain(400, Xml)
        .says("tenant"),
        egain_xml(
            "a known name in another namespace",
            xml_with("<ns1:jobTitle>Manager</ns1:jobTitle>", "<ns4:jobTitle>Manager</ns4:jobTitle>"),
        )
        .egain(400, Xml)
        .says("jobTitle"),
        egain_xml(
            "an XInclude",
            xml_with(
                "<marketSegment>",
                r#"<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/><marketSegment>"#,
            ),
        )
        .egain(400, Xml)
        .hides("root:"),
        egain_xml(
            "a repeated XML element",
            xml_with(
                "<marketSegment>",
                "<marketSegment>Other</marketSegment><marketSegment>",
            ),
        )
        .egain(400, Xml)
        .says("marketSegment` is given twice"),
        egain_xml(
            "a repeated nested XML element",
            xml_with(
                "<ns1:jobTitle>",
                "<ns1:jobTitle>Boss</ns1:jobTitle><ns1:jobTitle>",
            ),
        )
        .egain(400, Xml)
        .says("contactPersons.contactPerson[0].jobTitle` is given twice"),
        // DOCTYPEs and entities.
        egain_xml("a DOCTYPE", xml_with_doctype("<!DOCTYPE customer>", "John"))
            .egain(400, Xml)
            .says("DOCTYPE"),
        egain_xml(
            "billion laughs",
            xml_with_doctype(&billion_laughs(), "&lol9;"),
        )
        .egain(400, Xml)
        .says("DOCTYPE"),
        egain_xml(
            "an external entity",
            xml_with_doctype(
                r#"<!DOCTYPE customer [<!ENTITY x SYSTEM "file:///etc/passwd">]>"#,
                "&x;",
            ),
        )
        .egain(400, Xml)
        .says("DOCTYPE")
        .hides("root:"),
        egain_xml(
            "an external parameter entity",
            xml_with_doctype(
                r#"<!DOCTYPE customer [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>"#,
                "John",
            ),
        )
        .egain(400, Xml)
        .says("DOCTYPE"),
        egain_xml(
            "an external DTD",
            xml_with_doctype(
                r#"<!DOCTYPE customer SYSTEM "http://127.0.0.1:9/customer.dtd">"#,
                "John",
            ),
        )
        .egain(400, Xml)
        .says("DOCTYPE"),
        egain_xml(
            "an undefined entity",
            xml_with("<ns1:firstName>John", "<ns1:firstName>Jo&foo;hn"),
        )
        .egain(400, Xml)
        .says("foo"),
        egain_xml(
            "many escapes",
            xml_with("<ns1:firstName>John", &format!("<ns1:firstName>{}", "&amp;".repeat(100_000))),
        )
        .egain(400, Xml)
        .says("at most 124"),
        // Huge and deep XML.
        egain_xml(
            "2 MiB of XML declared",
            xml_with("<ns1:hobbies>Fishing", &format!("<ns1:hobbies>{}", "f".repeat(TWO_MIB))),
        )
        .egain(413, Xml),
        egain_xml(
            "2 MiB of XML chunked",
            xml_with("<ns1:hobbies>Fishing", &format!("<ns1:hobbies>{}", "f".repeat(TWO_MIB))),
        )
        .chunked()
        .egain(413, Xml),
        egain_xml("5000 elements deep", deep_xml)
            .egain(400, Xml)
            .says("deeper than 32"),
        egain_xml(
            "5000 elements deep unclosed",
            format!("<customer>{}", "<a>".repeat(DEEP)),
        )
        .egain(400, Xml),
        egain_xml(
            "20000 namespace declarations",
            xml_with(
                "<marketSegment>",
                &format!(
                    "<marketSegment {}>",
                    (0..20_000)
                        .map(|i| format!("xmlns:p{i}=\"urn:{i}\" "))
                        .collect::<String>()
                ),
            ),
        )
        .egain(400, Xml),
        // Bytes and characters in XML.
        egain_xml("invalid UTF-8 in XML", xml_bad_utf8)
            .egain(400, Xml)
            .says("UTF-8"),
        egain_xml("Latin-1 XML", latin1).egain(400, Xml).says("UTF-8"),
        egain_xml("UTF-16 XML", utf16).egain(400, Xml),
        egain_xml("a NUL byte in XML", replaced_bytes(&xml_seed, "Tierney", b"Tier\0ney"))
            .egain(400, Xml),
        egain_xml("a NUL reference", xml_with("Tierney", "Tier&#0;ney")).egain(400, Xml),
        egain_xml("a surrogate reference", xml_with("Tierney", "Tier&#xD800;ney"))
            .egain(400, Xml),
        egain_xml("a control character", xml_with("Tierney", "Tier\u{1}ney")).egain(400, Xml),
        // Malformed JSON.
        egain_json("truncated JSON", truncated(&json_seed)).egain(400, Json),
        egain_json("JSON with trailing garbage", format!("{json_seed}}}")).egain(400, Json),
        egain_json("a JSON array", format!("[{json_seed}]")).egain(400, Json),
        egain_json("an empty JSON body", Vec::new()).egain(400, Json),
        egain_json("no JSON body", Vec::new()).no_body().egain(400, Json),
        egain_json("XML sent as JSON", xml_seed.clone()).egain(400, Json),
        // Wrong types, unknown and repeated members in JSON.
        egain_json_with("a number for a string", &last_name, json!(5))
            .egain(400, Json)
            .says("lastName"),
        egain_json_with("an array for an object", "/type", json!([{"value": "individual"}]))
            .egain(400, Json)
            .says("type"),
        egain_json_with("a string for a list", "/contactPersons/contactPerson", json!("Jack"))
            .egain(400, Json),
        egain_json_with("unknown createdAt", "/createdAt", json!("2020-01-01"))
            .egain(400, Json)
            .says("createdAt"),
        egain_json_with("unknown tenant", "/tenant", json!("other"))
            .egain(400, Json)
            .says("tenant"),
        egain_json_with("unknown nested", &format!("{PERSON}/shoeSize"), json!("9"))
            .egain(400, Json)
            .says("shoeSize"),
        egain_json(
            "a repeated member",
            replaced(&json_seed, "{", r#"{"marketSegment":"Other","#),
        )
        .egain(400, Json),
        egain_json(
            "a repeated nested member",
            replaced(&json_seed, r#""lastName":"#, r#""lastName":"X","lastName":"#),
        )
        .egain(400, Json),
        // Huge, deep and odd JSON.
        egain_json_with("2 MiB of JSON", "/marketSegment", json!("m".repeat(TWO_MIB)))
            .egain(413, Json),
        egain_json("5000 objects deep", deep_member).egain(400, Json),
        egain_json(
            "5000 arrays deep",
            format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP)),
        )
        .egain(400, Json),
        egain_json("invalid UTF-8 in JSON", json_bad_utf8).egain(400, Json),
        egain_json("a lone surrogate", replaced(&json_seed, "Tierney", r"Tier\udbffney"))
            .egain(400, Json),
        egain_json("NUL in JSON", replaced(&json_seed, "Tierney", r"Tier\u0000ney"))
            .egain(400, Json)
            .says("NUL"),
        // Strings over the limits.
        egain_json_with("firstName of 125", &format!("{PERSON}/firstName"), json!("f".repeat(125)))
            .egain(400, Json)
            .says("contactPersons.contactPerson[0].firstName: at most 124"),
        egain_xml(
            "firstName of 125 in XML",
            xml_with("<ns1:firstName>John", &format!("<ns1:firstName>{}", "f".repeat(125))),
        )
        .egain(400, Xml)
        .says("firstName: at most 124"),
        egain_json_with("jobTitle of 256", &format!("{PERSON}/jobTitle"), json!("j".repeat(256)))
            .egain(400, Json)
            .says("jobTitle: at most 255"),
        egain_json_with("marketSegment of 1025", "/marketSegment", json!("m".repeat(1025)))
            .egain(400, Json)
            .says("marketSegment: at most 1024"),
        egain_json_with("attribute value of 4097", attribute_value, json!("v".repeat(4097)))
            .egain(400, Json)
            .says("at most 4096"),
        egain_json_with(
            "attribute name of 65",
            &format!("{attribute}/attribName"),
            json!("n".repeat(65)),
        )
        .egain(400, Json)
        .says("attribName: at most 64"),
        egain_json_with(
            "attribute name with a space",
            &format!("{attribute}/attribName"),
            json!("bad name"),
        )
        .egain(400, Json)
        .says("attribName"),
        egain_json_with("101 attributes", "/customAttributes", attributes(101))
            .egain(400, Json)
            .says("at most 100"),
        egain_json_with("email of 263", EMAIL, json!(format!("{}@customer.com", "e".repeat(250))))
            .egain(400, Json)
            .says("emailAddress"),
        // Card numbers in free text.
        egain_json_with("card in lastName", &last_name, json!(PAN))
            .egain(400, Json)
            .says("contactPersons.contactPerson[0].lastName")
            .hides(PAN),
        egain_xml(
            "card in lastName in XML",
            xml_with("Tierney", PAN_SPACED),
        )
        .egain(400, Xml)
        .says("contactPersons.contactPerson[0].lastName")
        .hides(PAN_SPACED),
        egain_json_with("dashed card in jobTitle", &format!("{PERSON}/jobTitle"), json!(PAN_DASHED))
            .egain(400, Json)
            .says("jobTitle")
            .hides(PAN_DASHED),
        egain_json_with(
            "card in a person's attribute",
            &person_attribute,
            json!(PAN_SPACED),
        )
        .egain(400, Json)
        .says("contactPersons.contactPerson[0].customAttributes")
        .hides(PAN_SPACED),
        egain_json_with("card in an attribute", attribute_value, json!(PAN))
            .egain(400, Json)
            .says("customAttributes.customAttribute[0]")
            .hides(PAN),
        egain_json_with(
            "card in an email's local part",
            EMAIL,
            json!(format!("{PAN}@customer.com")),
        )
        .egain(400, Json)
        .says("emailAddress")
        .hides(PAN),
        egain_json_with("card in marketSegment", "/marketSegment", json!(format!("seg {PAN}")))
            .egain(400, Json)
            .says("marketSegment")
            .hides(PAN),
        egain_xml(
            "card in an address in XML",
            xml_with("E Midfield Rd", &format!("{PAN_DASHED} Midfield Rd")),
        )
        .egain(400, Xml)
        .says("address_2")
        .hides(PAN_DASHED),
        // Another tenant's ids, and ids in odd spellings.
        read("their customer", theirs.clone()).egain(404, Json),
        read(
            "their customer encoded",
            format!("{EGAIN_CUSTOMER}/{}", first_encoded(&w.theirs.egain.to_string())),
        )
        .egain(404, Json),
        read("their customer in XML", theirs.clone())
            .header("accept", "application/xml")
            .egain(404, Xml),
        read(
            "their customer under /system",
            format!("/system{theirs}"),
        )
        .egain(404, Json),
        edit(
            "an edit of theirs",
            json!({"id": w.theirs.egain.to_string(), "marketSegment": "mine now"}),
        )
        .egain(404, Json),
        egain("an edit of theirs in XML", Method::PUT, EGAIN_CUSTOMER)
            .header("content-type", "application/xml")
            .body(replaced(
                &xml_seed,
                "<customer ",
                &format!(r#"<customer id="{}" "#, w.theirs.egain),
            ))
            .egain(404, Xml),
        edit("an edit with no id", json!({"marketSegment": "x"})).egain(400, Json),
        edit(
            "an edit with a card",
            json!({"id": w.mine.egain.to_string(), "marketSegment": PAN}),
        )
        .egain(400, Json)
        .says("marketSegment")
        .hides(PAN),
        edit(
            "an edit with an unknown member",
            json!({"id": w.mine.egain.to_string(), "createdAt": "2020"}),
        )
        .egain(400, Json)
        .says("createdAt"),
        read(
            "first character encoded",
            format!("{EGAIN_CUSTOMER}/{}", first_encoded(&w.mine.egain.to_string())),
        )
        .reads("id", &w.mine.egain.to_string()),
        read(
            "every character encoded",
            format!("{EGAIN_CUSTOMER}/{}", all_encoded(&w.mine.egain.to_string())),
        )
        .reads("id", &w.mine.egain.to_string()),
        read("an encoded NUL", format!("{EGAIN_CUSTOMER}/%00")).egain(400, Json),
        read("a NUL after the id", format!("{mine}%00")).egain(400, Json),
        read("dot dot", format!("{EGAIN_CUSTOMER}/.."))
            .raw()
            .egain(400, Json),
        read("encoded dot dot", format!("{EGAIN_CUSTOMER}/%2E%2E"))
            .raw()
            .egain(400, Json),
        read("encoded dot dot up", format!("{EGAIN_CUSTOMER}/..%2F..%2F1"))
            .egain(400, Json),
        read("an id of 5000", format!("{EGAIN_CUSTOMER}/{}", "9".repeat(5000))).egain(400, Json),
        read("76 ids", format!("{EGAIN_CUSTOMER}/{}", vec!["1"; 76].join(",")))
            .egain(400, Json)
            .says("75"),
        read("a negative id", format!("{EGAIN_CUSTOMER}/-1")).egain(400, Json),
        read("a NUL in a search", format!("{EGAIN_CUSTOMER}?email=%00")).egain(400, Json),
        read("a NUL in a phone search", format!("{EGAIN_CUSTOMER}?phone=%00")).egain(400, Json),
        egain("a login with a DOCTYPE", Method::POST, LOGIN)
            .auth(Auth::Nothing)
            .header("content-type", "application/xml")
            .body(format!(
                "{}<user><userName>&lol9;</userName><password>x</password></user>",
                billion_laughs()
            ))
            .egain(400, Xml)
            .says("DOCTYPE"),
        egain("a login 5000 deep", Method::POST, LOGIN)
            .auth(Auth::Nothing)
            .header("content-type", "application/json")
            .body(format!("{}{}", "[".repeat(DEEP), "]".repeat(DEEP)))
            .egain(400, Json),
        egain("a login as a form", Method::POST, LOGIN)
            .auth(Auth::Nothing)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body("userName=agent&password=agent-password-1")
            .egain(415, Json),
        // Content types and Accept.
        egain_json("as text/plain", json_seed.clone())
            .header("content-type", "text/plain")
            .egain(415, Json),
        egain_json("as a form", "firstName=Jack")
            .header("content-type", "application/x-www-form-urlencoded")
            .egain(415, Json),
        egain_xml("as XML under a JSON-ish type", xml_seed.clone())
            .header("content-type", "application/problem+json")
            .egain(415, Xml),
        egain_json("a body with no type", json_seed.clone())
            .without_header("content-type")
            .egain(415, Json),
        egain_xml("a body with no type or Accept", xml_seed.clone())
            .without_header("content-type")
            .without_header("accept")
            .egain(415, Xml),
        egain_json("Latin-1 JSON declared", replaced_bytes(&json_seed, "Tierney", b"Ti\xe9rney"))
            .header("content-type", "application/json; charset=latin1")
            .egain(400, Json),
        read("accept HTML", mine.clone())
            .header("accept", "text/html")
            .egain(406, Xml),
        read("accept JSON at q=0", mine.clone())
            .header("accept", "application/json;q=0")
            .egain(406, Xml),
        read("accept an image", mine.clone())
            .header("accept", "image/png")
            .egain(406, Xml),
        read("a search accepting HTML", format!("{EGAIN_CUSTOMER}?email={SEED_EMAIL}"))
            .header("accept", "text/html")
            .egain(406, Xml),
        // Sessions.
        egain_json("no session", json_seed.clone())
            .auth(Auth::Nothing)
            .egain(401, Json),
        egain_xml("no session in XML", xml_seed.clone())
            .auth(Auth::Nothing)
            .egain(401, Xml),
        egain_json("a made-up session", json_seed.clone())
            .auth(Auth::Header("x-egain-session", "0".repeat(64)))
            .egain(401, Json),
        egain_json("an API key for a session", json_seed.clone())
            .auth(Auth::Header("authorization", format!("Bearer {ADMIN_KEY}")))
            .egain(401, Json),
        egain_json("an API key as the session", json_seed.clone())
            .auth(Auth::Header("x-egain-session", ADMIN_KEY.to_owned()))
            .egain(401, Json),
        read("a read with their session", mine.clone())
            .auth(Auth::Header("x-egain-session", w.other_session.clone()))
            .egain(404, Json),
    ]
}

// ---------------------------------------------------------------------------------------
// The suites.

/// The bases every table changes are accepted as they are: what a case changed is what it
/// was refused for.
async fn the_bases_are_accepted(w: &World) {
    let reply = w.eg.app.admin.post(NATIVE, &native_seed()).await;
    assert_eq!(reply.status, 201, "{}", reply.text);
    let reply = w.eg.app.admin.post(BANK, &bank_seed()).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let reply = w.eg.create("application/xml", egain_xml_seed()).await;
    egain_created_id(&reply);
    let other = with(egain_json_seed(), EMAIL, json!("second@customer.com"));
    let reply = w.eg.create("application/json", text(&other)).await;
    egain_created_id(&reply);
}

async fn the_native_door_refuses_hostile_input(backend: Backend) {
    let w = World::spawn(backend).await;
    let cases = native_cases(&w);
    run(&w, cases).await;
    the_bases_are_accepted(&w).await;
    // A charset parameter is ignored: an ASCII body declared Latin-1 is the UTF-8 it also is.
    let ascii =
        w.eg.app
            .admin
            .send(
                Method::POST,
                NATIVE,
                &[("content-type", "application/json; charset=latin1")],
                Some(named("declared-latin1", "Plain ASCII").into_bytes()),
            )
            .await;
    assert_eq!(ascii.status, 201, "{}", ascii.text);
}

async fn the_bank_door_refuses_hostile_input(backend: Backend) {
    let w = World::spawn(backend).await;
    let cases = bank_cases(&w);
    run(&w, cases).await;
    the_bases_are_accepted(&w).await;
}

async fn the_egain_door_refuses_hostile_input(backend: Backend) {
    let w = World::spawn(backend).await;
    let cases = egain_cases(&w);
    run(&w, cases).await;
    the_bases_are_accepted(&w).await;
}

both_backends!(
    an_id_not_utf8_is_refused_in_the_doors_shape,
    every_bank_refusal_names_its_request,
    every_egain_refusal_is_in_egains_shape,
    no_card_number_is_kept_as_an_idempotency_key,
    a_card_number_is_found_whatever_spaces_part_its_groups,
    a_card_number_in_other_unicode_digits_is_found,
    the_native_door_refuses_hostile_input,
    the_bank_door_refuses_hostile_input,
    the_egain_door_refuses_hostile_input,
    field_problems_are_listed_once_at_their_path,
);

// ---------------------------------------------------------------------------------------
// Known bugs: cases the server answers wrongly today. Each test holds the cases of one bug
// with the answer the contract asks for; it is ignored until the bug is fixed, and its
// cases then move into the tables above.

/// Both backends of each named `async fn name(backend: Backend)`, ignored with the reason.
#[allow(unused_macros)]
macro_rules! known_bug {
    ($($name:ident: $reason:literal;)*) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = $reason]
                async fn sqlite() {
                    super::$name(crate::common::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = $reason]
                async fn postgres() {
                    super::$name(crate::common::Backend::Postgres).await
                }
            }
        )*
    };
}

/// A path id that is not UTF-8 is answered by axum's own rejection, in plain text, on the
/// two doors whose handlers take `Path<String>` directly (`/v1` has its `IdPath`).
async fn an_id_not_utf8_is_refused_in_the_doors_shape(backend: Backend) {
    let w = World::spawn(backend).await;
    let cases = vec![
        bank("an id not UTF-8", Method::GET, &format!("{BANK}/%FF"))
            .problem(400, "MALFORMED_REQUEST"),
        bank("an id half UTF-8", Method::GET, &format!("{BANK}/%C3"))
            .problem(400, "MALFORMED_REQUEST"),
        egain(
            "an eGain id not UTF-8",
            Method::GET,
            &format!("{EGAIN_CUSTOMER}/%FF"),
        )
        .header("accept", "application/json")
        .egain(400, Format::Json),
        egain(
            "an id not UTF-8 in XML",
            Method::GET,
            &format!("/system{EGAIN_CUSTOMER}/1,%FE"),
        )
        .egain(400, Format::Xml),
    ];
    run(&w, cases).await;
}

/// The decoder behind every JSON body lists each problem once, at its path as sent: a
/// wrong-typed array element at its index (and the elements after it too), a wrong-typed
/// required member without a `missing field` problem beside it, a missing one at its name.
async fn field_problems_are_listed_once_at_their_path(backend: Backend) {
    let w = World::spawn(backend).await;
    let cases = vec![
        batch_with("a string for a customer", "/customers", json!(["x"]))
            .problem(400, "MALFORMED_REQUEST")
            .at("customers[0]", "INVALID_FORMAT"),
        batch_with("customers as a string", "/customers", json!("many"))
            .problem(400, "MALFORMED_REQUEST")
            .at("customers", "INVALID_FORMAT"),
        batch("an empty object", "{}")
            .problem(400, "MALFORMED_REQUEST")
            .at("customers", "REQUIRED"),
        native("numbers for segments", Method::PUT, "/v1/catalog")
            .header("content-type", "application/json")
            .body(r#"{"customerSegments": [1, 2, 3]}"#)
            .problem(400, "MALFORMED_REQUEST")
            .at("customerSegments[2]", "INVALID_FORMAT"),
    ];
    run(&w, cases).await;
}

/// "Every answer of the door names its request", but a method the door's path does not
/// take (405) and a request target over 8 KiB (414) are answered without `requestId`.
async fn every_bank_refusal_names_its_request(backend: Backend) {
    let w = World::spawn(backend).await;
    let cases = vec![
        bank("a DELETE of the batch path", Method::DELETE, BANK).problem(405, "METHOD_NOT_ALLOWED"),
        bank("a GET of the batch path", Method::GET, BANK).problem(405, "METHOD_NOT_ALLOWED"),
        bank(
            "an id of 9000",
            Method::GET,
            &format!("{BANK}/{}", "x".repeat(9000)),
        )
        .problem(414, "URI_TOO_LONG"),
    ];
    run(&w, cases).await;
}

/// "Every refusal on this door is … in eGain's `<error>` shape": the answers written below
/// the door's handlers — an unrouted path, a method the path does not take, a request
/// target or head over the limits — are RFC 9457 problems instead, without
/// `X-egain-session`.
async fn every_egain_refusal_is_in_egains_shape(backend: Backend) {
    let w = World::spawn(backend).await;
    let get = |name: &str, path: String| {
        egain(name, Method::GET, &path).header("accept", "application/json")
    };
    let cases = vec![
        egain("a DELETE", Method::DELETE, EGAIN_CUSTOMER)
            .header("accept", "application/json")
            .egain(405, Format::Json),
        egain("a PATCH in XML", Method::PATCH, EGAIN_CUSTOMER)
            .header("content-type", "application/xml")
            .body(egain_xml_seed())
            .egain(405, Format::Xml),
        get("a path under an id", format!("{EGAIN_CUSTOMER}/1/2")).egain(404, Format::Json),
        get("dot dot up", format!("{EGAIN_CUSTOMER}/../customer"))
            .raw()
            .egain(404, Format::Json),
        get(
            "an id of 9000",
            format!("{EGAIN_CUSTOMER}/{}", "9".repeat(9000)),
        )
        .egain(414, Format::Json),
        get("a head of 40 KiB", format!("{EGAIN_CUSTOMER}/1"))
            .header("x-filler", &"v".repeat(40 * 1024))
            .egain(431, Format::Json),
    ];
    run(&w, cases).await;
}

/// "No card number is stored on any door: an id or free-text value holding [one] is
/// refused". An idempotency key is an id the server keeps, as sent, for at least 24 hours;
/// one holding a card number is taken and the request done.
async fn no_card_number_is_kept_as_an_idempotency_key(backend: Backend) {
    let w = World::spawn(backend).await;
    let cases = vec![
        create_with("card as requestId", "/requestId", json!(PAN))
            .problem(422, "VALIDATION_FAILED")
            .at("requestId", "NOT_ALLOWED")
            .hides(PAN),
        create_with("card as Idempotency-Key", "/externalId", json!("keyed"))
            .header("idempotency-key", PAN_SPACED)
            .problem(422, "VALIDATION_FAILED")
            .hides(PAN_SPACED),
        batch("card as the batch's Idempotency-Key", text(&bank_seed()))
            .header("idempotency-key", PAN)
            .problem(422, "VALIDATION_FAILED")
            .hides(PAN),
        egain_json("card as an eGain Idempotency-Key", text(&egain_json_seed()))
            .header("idempotency-key", PAN_DASHED)
            .egain(400, Format::Json)
            .hides(PAN_DASHED),
    ];
    run(&w, cases).await;
}

/// The native seed with its own `externalId` and `customName`, so that a case accepted by
/// mistake does not turn the next one into a 409.
fn named(external_id: &str, custom_name: &str) -> String {
    let body = with(native_seed(), "/externalId", json!(external_id));
    text(&with(body, "/customName", json!(custom_name)))
}

/// "a run of 13–19 digits (spaces or dashes between them allowed)": the digits must be
/// separated by exactly one space or dash, so a number written with two spaces, a dash
/// between spaces, a tab, a line break or a no-break space between its groups is stored.
async fn a_card_number_is_found_whatever_spaces_part_its_groups(backend: Backend) {
    let w = World::spawn(backend).await;
    let mut cases = Vec::new();
    for (name, pan) in [
        ("two spaces", "4111  1111  1111  1111"),
        ("spaced dashes", "4111 - 1111 - 1111 - 1111"),
        ("tabs", "4111\t1111\t1111\t1111"),
        ("line breaks", "4111\n1111\n1111\n1111"),
        ("no-break spaces", "4111\u{a0}1111\u{a0}1111\u{a0}1111"),
    ] {
        cases.push(
            create(&format!("{name} in customName"), named(name, pan))
                .problem(422, "VALIDATION_FAILED")
                .at("customName", "NOT_ALLOWED"),
        );
    }
    cases.push(
        batch_with(
            "two spaces in organizationId",
            &format!("{BANK_CUSTOMER}/organizationId"),
            json!("4111  1111  1111  1111"),
        )
        .problem(422, "VALIDATION_FAILED")
        .at("customers[0].organizationId", "NOT_ALLOWED"),
    );
    cases.push(
        egain_json_with(
            "no-break spaces in lastName",
            &format!("{PERSON}/lastName"),
            json!("4111\u{a0}1111\u{a0}1111\u{a0}1111"),
        )
        .egain(400, Format::Json)
        .says("lastName"),
    );
    run(&w, cases).await;
}

/// The same check reads ASCII digits only: a card number in full-width digits, or with
/// zero-width spaces between its digits, is stored. (A hardening wish rather than a breach
/// of the letter of the contract, which speaks of digits, spaces and dashes.)
async fn a_card_number_in_other_unicode_digits_is_found(backend: Backend) {
    let w = World::spawn(backend).await;
    let full_width: String = PAN
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap())
        .collect();
    let zero_width: String = PAN
        .chars()
        .flat_map(|c| [c, '\u{200b}'])
        .collect::<String>()
        .trim_end_matches('\u{200b}')
        .to_owned();
    let cases = vec![
        create("full-width digits", named("full-width", &full_width))
            .problem(422, "VALIDATION_FAILED")
            .at("customName", "NOT_ALLOWED"),
        create("zero-width spaces", named("zero-width", &zero_width))
            .problem(422, "VALIDATION_FAILED")
            .at("customName", "NOT_ALLOWED"),
    ];
    run(&w, cases).await;
}
