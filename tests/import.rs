//! `clientele import` on both backends, beside a running server on the same database: good
//! rows stored with their events, every bad row answered in the reject file by line and
//! field, reruns and runs killed midway storing each row exactly once, the bank door's
//! shape, CSV, and the server answering all along.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, Client, TestApp};
use serde_json::{json, Value};

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// `clientele import ARGS` on the app's database: the whole output.
fn import(app: &TestApp, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clientele"))
        .arg("import")
        .args(args)
        .env_remove("CLIENTELE_CONFIG")
        .env("CLIENTELE_DATABASE_URL", &app.db.url)
        .stdin(Stdio::null())
        .output()
        .expect("running clientele import")
}

/// The summary's counts (`stored`, `replayed`, `rejected`, `skipped`), asserting success.
fn imported(app: &TestApp, args: &[&str]) -> BTreeMap<String, u64> {
    let output = import(app, args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "import {args:?} failed: {}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    summary(&stdout)
}

fn summary(stdout: &str) -> BTreeMap<String, u64> {
    let line = stdout.lines().last().expect("a summary line");
    line.split(", ")
        .filter_map(|part| {
            let (name, count) = part.split_once(' ')?;
            Some((name.to_owned(), count.parse().ok()?))
        })
        .collect()
}

fn counts(stored: u64, replayed: u64, rejected: u64, skipped: u64) -> BTreeMap<String, u64> {
    [
        ("stored", stored),
        ("replayed", replayed),
        ("rejected", rejected),
        ("skipped", skipped),
    ]
    .into_iter()
    .map(|(name, n)| (name.to_owned(), n))
    .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).expect("writing the import file");
}

/// The reject file: line number to `(field, code)` of each problem.
fn rejects(path: &Path) -> BTreeMap<u64, Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).expect("a reject file");
    text.lines()
        .map(|line| {
            let reject: Value = serde_json::from_str(line).expect("a reject is JSON");
            let errors = reject["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .map(|e| {
                    assert!(e["message"].is_string(), "{reject}");
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            (reject["line"].as_u64().expect("a line"), errors)
        })
        .collect()
}

fn rejects_path(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}.rejects.ndjson", file.display()))
}

/// Every object of a kind, by external id.
async fn all(client: &Client, kind: &str) -> BTreeMap<String, Value> {
    let mut found = BTreeMap::new();
    let mut after = String::new();
    loop {
        let reply = client.get(&format!("/v1/{kind}?limit=1000{after}")).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let page = reply.json();
        for object in page["data"].as_array().unwrap() {
            let id = object["externalId"].as_str().unwrap_or_default().to_owned();
            assert!(
                found.insert(id.clone(), object.clone()).is_none(),
                "{id} listed twice"
            );
        }
        match page["next"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => return found,
        }
    }
}

/// How many `customer.created` events each external id has.
async fn created_events(client: &Client) -> BTreeMap<String, usize> {
    let mut found = BTreeMap::new();
    let mut after = 0;
    loop {
        let reply = client
            .get(&format!("/v1/events?after={after}&limit=1000"))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let page = reply.json();
        let data = page["data"].as_array().unwrap();
        if data.is_empty() {
            return found;
        }
        for event in data {
            if event["type"] == "customer.created" {
                let id = event["data"]["externalId"].as_str().unwrap_or_default();
                *found.entry(id.to_owned()).or_insert(0) += 1;
            }
        }
        after = page["next"].as_i64().expect("next");
    }
}

fn customer_line(external_id: &str) -> String {
    json!({"externalId": external_id, "customerProfile": "b2b", "customAttributes": {"row": external_id}})
        .to_string()
}

/// Asserts that exactly `ids` are stored as customers, each with one `customer.created`.
async fn stored_once(app: &TestApp, ids: &BTreeSet<String>) {
    let customers = all(&app.admin, "customers").await;
    let stored: BTreeSet<String> = customers.keys().cloned().collect();
    assert_eq!(&stored, ids);
    let events = created_events(&app.admin).await;
    assert_eq!(events.keys().cloned().collect::<BTreeSet<_>>(), *ids);
    assert!(events.values().all(|n| *n == 1), "{events:?}");
    for customer in customers.values() {
        assert!(
            customer["egainId"].is_u64(),
            "a customer number: {customer}"
        );
    }
}

async fn a_good_file_is_stored_with_its_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let file = app.db.dir().join("customers.ndjson");
    let ids: BTreeSet<String> = (0..40).map(|i| format!("good-{i:03}")).collect();
    let mut lines: Vec<String> = ids.iter().map(|id| customer_line(id)).collect();
    lines.insert(10, String::new());
    write_lines(&file, &lines);
    let path = file.to_str().unwrap();
    assert_eq!(imported(&app, &[path, "--chunk", "7"]), counts(40, 0, 0, 1));
    stored_once(&app, &ids).await;
    let one = &all(&app.admin, "customers").await["good-007"];
    assert_eq!(one["customerProfile"], "b2b");
    assert_eq!(one["customAttributes"]["row"], "good-007");
    assert_eq!(std::fs::read_to_string(rejects_path(&file)).unwrap(), "");

    // The sample files import as they are, accounts and subscribers included.
    let sample = samples().join("customers.ndjson");
    let rejects = app.db.dir().join("sample.rejects.ndjson");
    let args = [
        sample.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ];
    assert_eq!(imported(&app, &args), counts(6, 0, 0, 0));
    let accounts = all(&app.admin, "accounts").await;
    let customers = all(&app.admin, "customers").await;
    assert_eq!(
        accounts["sample-account-1"]["customers"][0]["refId"],
        customers["sample-customer-1"]["id"]
    );
    let subscribers = all(&app.admin, "subscribers").await;
    assert_eq!(
        subscribers["sample-subscriber-1"]["primaryResource"],
        "421900123456"
    );
    assert_eq!(
        customers["sample-customer-4"]["parent"]["refId"],
        customers["sample-customer-1"]["id"]
    );
}

async fn bad_lines_are_answered_by_line_and_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let stored = app
        .admin
        .post("/v1/customers", &common::customer_body("stored-before"))
        .await;
    assert_eq!(stored.status, 201, "{}", stored.text);
    let file = app.db.dir().join("mixed.ndjson");
    let long = "x".repeat(129);
    let lines = vec![
        customer_line("mixed-1"),                                                // 1
        "{\"externalId\": \"mixed-2\", \"customerProfile\": ".to_owned(),        // 2
        json!({"externalId": "mixed-3", "customerProfile": "nope"}).to_string(), // 3
        customer_line(&long),                                                    // 4
        customer_line("mixed-1"),                                                // 5
        customer_line("stored-before"),                                          // 6
        json!({"externalId": "mixed-7", "customerProfile": "b2b",
               "state": {"state": "ACTIVE", "stateReason": "nope"}})
        .to_string(), // 7
        json!({"externalId": "mixed-8", "customerProfile": "b2b", "extra": 1}).to_string(), // 8
        customer_line("mixed-9"),                                                // 9
        json!({"externalId": "mixed-10", "customerProfile": "b2b",
               "parent": {"externalId": "nobody"}})
        .to_string(), // 10
        customer_line("mixed-11"),                                               // 11
    ];
    write_lines(&file, &lines);
    let path = file.to_str().unwrap();
    assert_eq!(imported(&app, &[path, "--chunk", "4"]), counts(3, 0, 8, 0));
    let expected: BTreeMap<u64, Vec<(String, String)>> = [
        (2, vec![("", "MALFORMED_REQUEST")]),
        (3, vec![("customerProfile", "NOT_CONFIGURED")]),
        (4, vec![("externalId", "TOO_LONG")]),
        (5, vec![("externalId", "DUPLICATE")]),
        (6, vec![("externalId", "DUPLICATE")]),
        (7, vec![("state.stateReason", "NOT_CONFIGURED")]),
        (8, vec![("extra", "NOT_ALLOWED")]),
        (10, vec![("parent", "NOT_FOUND")]),
    ]
    .into_iter()
    .map(|(line, errors)| {
        let errors = errors
            .into_iter()
            .map(|(f, c)| (f.to_owned(), c.to_owned()))
            .collect();
        (line, errors)
    })
    .collect();
    assert_eq!(rejects(&rejects_path(&file)), expected);
    let ids: BTreeSet<String> = ["mixed-1", "mixed-9", "mixed-11", "stored-before"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    stored_once(&app, &ids).await;

    // The same file again: nothing is written twice, and every row is answered the same.
    assert_eq!(imported(&app, &[path, "--chunk", "4"]), counts(0, 3, 8, 0));
    assert_eq!(rejects(&rejects_path(&file)), expected);
    stored_once(&app, &ids).await;
}

async fn a_rerun_stores_nothing_twice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let file = app.db.dir().join("twice.ndjson");
    let ids: BTreeSet<String> = (0..25).map(|i| format!("twice-{i}")).collect();
    write_lines(
        &file,
        &ids.iter().map(|id| customer_line(id)).collect::<Vec<_>>(),
    );
    let path = file.to_str().unwrap();
    assert_eq!(
        imported(&app, &[path, "--chunk", "10"]),
        counts(25, 0, 0, 0)
    );
    assert_eq!(
        imported(&app, &[path, "--chunk", "10", "--resume"]),
        counts(0, 25, 0, 0)
    );
    // A rerun without --resume replays as well, and says so.
    let output = import(&app, &[path, "--chunk", "10"]);
    assert!(output.status.success());
    assert_eq!(
        summary(&String::from_utf8_lossy(&output.stdout)),
        counts(0, 25, 0, 0)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("earlier run"));
    stored_once(&app, &ids).await;

    // Another chunk size makes other claims: the rows stored are duplicates then, never
    // stored twice.
    assert_eq!(imported(&app, &[path, "--chunk", "3"]), counts(0, 0, 25, 0));
    let reasons = rejects(&rejects_path(&file));
    assert!(reasons
        .values()
        .all(|e| e == &vec![("externalId".to_owned(), "DUPLICATE".to_owned())]));
    stored_once(&app, &ids).await;
}

async fn a_line_repeating_an_earlier_chunks_id_is_the_one_refused(backend: Backend) {
    // Chunks of three lines; every seventh line repeats the id of the line three before it,
    // in the chunk just before, which may still be being written.
    let app = TestApp::spawn(backend).await;
    let file = app.db.dir().join("repeats.ndjson");
    let id = |i: usize| {
        if i % 7 == 5 {
            format!("repeat-{}", i - 3)
        } else {
            format!("repeat-{i}")
        }
    };
    let lines: Vec<String> = (0..30)
        .map(|i| {
            json!({"externalId": id(i), "customerProfile": "b2b", "customAttributes": {"row": format!("line {}", i + 1)}})
                .to_string()
        })
        .collect();
    write_lines(&file, &lines);
    let path = file.to_str().unwrap();
    assert_eq!(imported(&app, &[path, "--chunk", "3"]), counts(26, 0, 4, 0));
    let refused: Vec<u64> = rejects(&rejects_path(&file)).into_keys().collect();
    assert_eq!(refused, vec![6, 13, 20, 27]);
    let ids: BTreeSet<String> = (0..30).map(id).collect();
    stored_once(&app, &ids).await;
    // The first line with an id is the one stored.
    let customers = all(&app.admin, "customers").await;
    for i in [2, 9, 16, 23] {
        assert_eq!(
            customers[&id(i)]["customAttributes"]["row"],
            json!(format!("line {}", i + 1)),
            "{}",
            id(i)
        );
    }
}

async fn an_import_killed_midway_resumes_exactly_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let file = app.db.dir().join("big.ndjson");
    let mut ids = BTreeSet::new();
    let mut lines = Vec::new();
    let mut bad = 0;
    let mut before = Vec::new();
    for i in 0..12_000 {
        if i % 397 == 200 {
            // Stored before the import: refused in the transaction, so its chunk is split.
            let id = format!("before-{i}");
            lines.push(customer_line(&id));
            before.push(id.clone());
            ids.insert(id);
        } else if i % 97 == 13 {
            lines.push(
                json!({"externalId": format!("bad-{i}"), "customerProfile": "nope"}).to_string(),
            );
            bad += 1;
        } else {
            let id = format!("big-{i:05}");
            lines.push(customer_line(&id));
            ids.insert(id);
        }
    }
    write_lines(&file, &lines);
    for id in &before {
        let created = app
            .admin
            .post("/v1/customers", &common::customer_body(id))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
    }
    let path = file.to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_clientele"))
        .args(["import", path, "--chunk", "20"])
        .env_remove("CLIENTELE_CONFIG")
        .env("CLIENTELE_DATABASE_URL", &app.db.url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting the import");
    // Killed once a thousand customers are stored, in the middle of whatever it does then.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let page = app.admin.get("/v1/customers?limit=1000").await.json();
        if page["data"].as_array().unwrap().len() == 1000 {
            break;
        }
        assert!(Instant::now() < deadline, "the import stored nothing");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended early"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let still_running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        still_running,
        "the import finished before it could be killed"
    );
    let partly = all(&app.admin, "customers").await.len();
    eprintln!("killed after {partly} of {} customers", ids.len());
    assert!(partly < ids.len());

    let resumed = imported(&app, &[path, "--chunk", "20", "--resume"]);
    let refused = before.len() as u64;
    assert_eq!(resumed["rejected"], bad + refused);
    assert_eq!(
        resumed["stored"] + resumed["replayed"],
        ids.len() as u64 - refused
    );
    assert!(resumed["replayed"] > 0, "{resumed:?}");
    stored_once(&app, &ids).await;
    let reasons = rejects(&rejects_path(&file));
    assert_eq!(reasons.len() as u64, bad + refused);
    for (line, errors) in &reasons {
        let code = if (line - 1) % 397 == 200 {
            "DUPLICATE"
        } else {
            assert_eq!((line - 1) % 97, 13);
            "NOT_CONFIGURED"
        };
        assert_eq!(errors[0].1, code, "line {line}");
    }

    // Once more, from the start: every answer is replayed, the same.
    let again = imported(&app, &[path, "--chunk", "20", "--resume"]);
    assert_eq!(again["stored"], 0);
    assert_eq!(again["replayed"], ids.len() as u64 - refused);
    assert_eq!(rejects(&rejects_path(&file)), reasons);
    stored_once(&app, &ids).await;
}

async fn the_bank_door_takes_one_customer_a_line(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sample = std::fs::read_to_string(samples().join("bank-customers.ndjson")).unwrap();
    let mut lines: Vec<String> = sample.lines().map(str::to_owned).collect();
    let mut bad: Value = serde_json::from_str(&lines[0]).unwrap();
    bad["sourceCustomerId"] = json!("bank-bad");
    bad["country"] = json!("XX");
    bad["accounts"][0]["cards"][0]["last4"] = json!("23");
    lines.push(bad.to_string());
    lines.push(lines[1].clone());
    let file = app.db.dir().join("bank.ndjson");
    write_lines(&file, &lines);
    let path = file.to_str().unwrap();
    assert_eq!(
        imported(&app, &[path, "--door", "bank", "--chunk", "1"]),
        counts(2, 0, 2, 0)
    );
    let reasons = rejects(&rejects_path(&file));
    assert_eq!(reasons.keys().copied().collect::<Vec<_>>(), vec![3, 4]);
    let fields: BTreeSet<&str> = reasons[&3].iter().map(|(f, _)| f.as_str()).collect();
    assert!(fields.contains("country"), "{reasons:?}");
    assert!(fields.contains("accounts[0].cards[0].last4"), "{reasons:?}");
    assert_eq!(
        reasons[&4],
        vec![("sourceCustomerId".to_owned(), "DUPLICATE".to_owned())]
    );
    let first = &serde_json::from_str::<Value>(&lines[0]).unwrap()["sourceCustomerId"];
    let reply = app
        .admin
        .get(&format!("/v2/data/customers/{}", first.as_str().unwrap()))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let customer = reply.json();
    assert_eq!(customer["accounts"][0]["cards"][0]["last4"], "2345");
    // The joint account of the two lines is one account, with both owners.
    let accounts = all(&app.admin, "accounts").await;
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    let ids: BTreeSet<String> = [
        "afa2r21-25f9-4501-b9db-e78afa73c0e3",
        "2e052a88-6ae1-4501-b9db-e78afa73c0e3",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    stored_once(&app, &ids).await;
    assert_eq!(
        imported(&app, &[path, "--door", "bank", "--chunk", "1"]),
        counts(0, 2, 2, 0)
    );
    stored_once(&app, &ids).await;
}

async fn csv_rows_are_customers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let sample = samples().join("customers.csv");
    let rejects_file = app.db.dir().join("sample.csv.rejects");
    let args = [
        sample.to_str().unwrap(),
        "--rejects",
        rejects_file.to_str().unwrap(),
    ];
    assert_eq!(imported(&app, &args), counts(4, 0, 0, 0));
    let customers = all(&app.admin, "customers").await;
    assert_eq!(
        customers["csv-customer-2"]["customAttributes"]["key2"],
        "value 2"
    );
    assert_eq!(
        customers["csv-customer-3"]["customName"],
        "Demo Customer, Ltd."
    );
    assert_eq!(customers["csv-customer-3"]["state"]["state"], "ACTIVE");
    assert_eq!(customers["csv-customer-4"]["testCustomer"], true);
    assert_eq!(
        customers["csv-customer-4"]["parent"]["refId"],
        customers["csv-customer-1"]["id"]
    );

    let file = app.db.dir().join("mixed.csv");
    std::fs::write(
        &file,
        "externalId,customerProfile,state,stateReason,attr.tier\n\
         c-1,b2b,,,gold\n\
         c-2,nope,,,\n\
         c-3,b2b,ACTIVE\n\
         c-4,b2b,ACTIVE,nope,\n\
         c-1,b2b,,,\n\
         \"c-6\nwith a newline\",b2b,,,\n\
         c-7,b2b,,,silver\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    assert_eq!(imported(&app, &[path]), counts(3, 0, 4, 0));
    let reasons = rejects(&rejects_path(&file));
    let expected: BTreeMap<u64, Vec<(String, String)>> = [
        (3, ("customerProfile", "NOT_CONFIGURED")),
        (4, ("", "INVALID_FORMAT")),
        (5, ("state.stateReason", "NOT_CONFIGURED")),
        (6, ("externalId", "DUPLICATE")),
    ]
    .into_iter()
    .map(|(line, (f, c))| (line, vec![(f.to_owned(), c.to_owned())]))
    .collect();
    assert_eq!(reasons, expected);
    let customers = all(&app.admin, "customers").await;
    assert_eq!(customers["c-7"]["customAttributes"]["tier"], "silver");
    assert!(customers.contains_key("c-6\nwith a newline"));

    // An unknown column refuses the file before anything is written.
    std::fs::write(&file, "externalId,colour\nc-9,blue\n").unwrap();
    let output = import(&app, &[path]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("colour"));
}

async fn the_server_answers_during_an_import(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let file = app.db.dir().join("beside.ndjson");
    let mut ids: BTreeSet<String> = (0..3000).map(|i| format!("beside-{i:05}")).collect();
    write_lines(
        &file,
        &ids.iter().map(|id| customer_line(id)).collect::<Vec<_>>(),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_clientele"))
        .args(["import", file.to_str().unwrap(), "--chunk", "100"])
        .env_remove("CLIENTELE_CONFIG")
        .env("CLIENTELE_DATABASE_URL", &app.db.url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the import");
    let mut answered = 0;
    let mut slowest = Duration::ZERO;
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the import did not finish");
        let id = format!("api-{answered}");
        let started = Instant::now();
        let created = app
            .admin
            .post("/v1/customers", &common::customer_body(&id))
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        let health = app.admin.get("/v1/customers?limit=1").await;
        assert_eq!(health.status, 200, "{}", health.text);
        slowest = slowest.max(started.elapsed());
        ids.insert(id);
        answered += 1;
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        summary(&String::from_utf8_lossy(&output.stdout)),
        counts(3000, 0, 0, 0)
    );
    eprintln!(
        "{answered} creates and reads answered during the import; the slowest took {slowest:?}"
    );
    assert!(answered > 0);
    assert!(slowest < Duration::from_secs(5), "{slowest:?}");
    stored_once(&app, &ids).await;
}

/// A chunk of customers that link to nothing is written many rows to a statement; each still
/// starts both its histories, gets its number and its event, and takes the links
/// that awaited its external id.
async fn a_chunk_stores_each_customer_whole(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    // A bank customer waiting for a parent that the file brings.
    let kid = json!({ "customers": [{
        "sourceCustomerId": "kid", "sourceParentCustomerId": "chunk-005", "organizationId": "50004",
        "postalCode": "78753", "country": "US", "customerCreationDate": "2017-01-01T08:00:00Z",
        "enrollmentStartDate": "2023-01-01T08:00:00Z", "enrollmentEndDate": null,
        "enrollmentOptInStatus": "ACTIVE", "alertOptInStatus": ["ALL"],
        "targetingIndicator": "TARGET", "accounts": []
    }]});
    let reply = app.admin.post("/v2/data/customers", &kid).await;
    assert!(reply.status.is_success(), "{}", reply.text);
    let file = app.db.dir().join("chunk.ndjson");
    let ids: Vec<String> = (0..300).map(|i| format!("chunk-{i:03}")).collect();
    let lines: Vec<String> = ids
        .iter()
        .map(|id| {
            json!({"externalId": id, "customerSegment": "b2c", "customName": id,
                   "state": {"state": "ACTIVE", "stateReason": "active"}})
            .to_string()
        })
        .collect();
    write_lines(&file, &lines);
    let path = file.to_str().unwrap();
    assert_eq!(
        imported(&app, &[path, "--chunk", "250"]),
        counts(300, 0, 0, 0)
    );
    let mut expected: BTreeSet<String> = ids.iter().cloned().collect();
    expected.insert("kid".to_owned());
    stored_once(&app, &expected).await;

    let customers = all(&app.admin, "customers").await;
    let numbers: BTreeSet<String> = ids
        .iter()
        .map(|id| customers[id]["egainId"].to_string())
        .collect();
    assert_eq!(
        numbers.len(),
        ids.len(),
        "every customer has a number of its own"
    );
    assert!(!numbers.contains("null"), "{numbers:?}");
    assert_eq!(
        customers["kid"]["parent"]["refId"], customers["chunk-005"]["id"],
        "the imported parent took the link that awaited it"
    );
    for id in ["chunk-000", "chunk-249", "chunk-250", "chunk-299"] {
        let customer = &customers[id];
        assert_eq!(customer["customName"], *id);
        let one = customer["id"].as_str().unwrap();
        let states = app
            .admin
            .get(&format!("/v1/customers/{one}/states"))
            .await
            .json();
        assert_eq!(states["data"].as_array().unwrap().len(), 1, "{states}");
        assert_eq!(states["data"][0]["state"], "ACTIVE", "{states}");
        let segments = app
            .admin
            .get(&format!("/v1/customers/{one}/segments"))
            .await
            .json();
        assert_eq!(segments["data"].as_array().unwrap().len(), 1, "{segments}");
        assert_eq!(segments["data"][0]["segment"], "b2c", "{segments}");
    }

    // The feed tells of each of the file's customers once (chunks may commit in any order
    // where two are written at once), numbered without gaps.
    let feed = app.admin.get("/v1/events?after=0&limit=1000").await.json();
    let events = feed["data"].as_array().unwrap();
    let mut created: Vec<&str> = events
        .iter()
        .filter(|e| e["type"] == "customer.created" && e["data"]["externalId"] != "kid")
        .map(|e| e["data"]["externalId"].as_str().unwrap())
        .collect();
    created.sort_unstable();
    assert_eq!(created, ids.iter().map(String::as_str).collect::<Vec<_>>());
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>(), "no gaps");
    let updated: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "customer.updated")
        .collect();
    assert_eq!(updated.len(), 1, "the kid, once linked");
    assert_eq!(
        updated[0]["data"]["parent"]["refId"],
        customers["chunk-005"]["id"]
    );
}

both_backends!(
    a_chunk_stores_each_customer_whole,
    a_good_file_is_stored_with_its_events,
    bad_lines_are_answered_by_line_and_field,
    a_rerun_stores_nothing_twice,
    an_import_killed_midway_resumes_exactly_once,
    a_line_repeating_an_earlier_chunks_id_is_the_one_refused,
    the_bank_door_takes_one_customer_a_line,
    csv_rows_are_customers,
    the_server_answers_during_an_import,
);
