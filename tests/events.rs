//! The change feed on both backends: one event per change, the object as read, nothing for
//! refused requests, per tenant, and a reader that follows `next` sees every event once, in
//! order, while two server processes write.

#[macro_use]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{customer_body, id, Backend, Client, TestApp, ADMIN_KEY};
use reqwest::Method;
use serde_json::{json, Value};

/// One page of the feed, its shape checked.
async fn page(client: &Client, query: &str) -> (Vec<Value>, i64) {
    let reply = client.get(&format!("/v1/events{query}")).await;
    assert_eq!(reply.status, 200, "{query}: {}", reply.text);
    let body = reply.json();
    let data = body["data"].as_array().expect("data").clone();
    let next = body["next"].as_i64().expect("next is a number");
    for event in &data {
        assert!(event["seq"].is_i64(), "{event}");
        assert!(event["eventId"].is_string(), "{event}");
        assert!(event["type"].is_string(), "{event}");
        assert!(event["id"].is_string(), "{event}");
        assert!(event["at"].is_string(), "{event}");
        assert!(
            event["actor"].as_str().is_some_and(|a| !a.is_empty()),
            "{event}"
        );
        assert!(event["data"].is_object(), "{event}");
        let entity = event["entity"].as_str().expect("entity");
        assert!(
            event["type"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{entity}.")),
            "{event}"
        );
        assert_eq!(event["data"]["id"], event["id"], "{event}");
    }
    for pair in data.windows(2) {
        assert!(
            pair[0]["seq"].as_i64() < pair[1]["seq"].as_i64(),
            "{data:?}"
        );
    }
    if let Some(last) = data.last() {
        assert_eq!(Some(next), last["seq"].as_i64(), "{body}");
    }
    (data, next)
}

/// Every event after `after`, following `next` with pages of `limit`.
async fn read_from(client: &Client, after: i64, limit: u32) -> (Vec<Value>, i64) {
    let mut all = Vec::new();
    let mut next = after;
    loop {
        let (data, n) = page(client, &format!("?after={next}&limit={limit}")).await;
        assert!(data.len() <= limit as usize);
        if data.is_empty() {
            assert_eq!(n, next, "an empty page answers the given `after`");
            return (all, next);
        }
        assert!(n > next);
        next = n;
        all.extend(data);
    }
}

async fn read_all(client: &Client) -> Vec<Value> {
    read_from(client, 0, 1000).await.0
}

fn kinds(events: &[Value]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_owned(),
                e["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn get(client: &Client, kind: &str, id: &str) -> Value {
    let reply = client.get(&format!("/v1/{kind}/{id}")).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

async fn created(client: &Client, path: &str, body: Value) -> Value {
    let reply = client.post(path, &body).await;
    assert_eq!(reply.status, 201, "{body}: {}", reply.text);
    reply.json()
}

async fn patch(client: &Client, kind: &str, id: &str, body: &Value) -> common::Reply {
    client
        .send(
            Method::PATCH,
            &format!("/v1/{kind}/{id}"),
            &[("content-type", "application/merge-patch+json")],
            Some(body.to_string().into_bytes()),
        )
        .await
}

async fn change_state(client: &Client, kind: &str, id: &str, body: Value) -> Value {
    let reply = client.post(&format!("/v1/{kind}/{id}/state"), &body).await;
    assert_eq!(reply.status, 200, "{body}: {}", reply.text);
    reply.json()
}

async fn an_empty_feed_answers_the_given_after(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (data, next) = page(&app.admin, "").await;
    assert!(data.is_empty());
    assert_eq!(next, 0);
    let (data, next) = page(&app.admin, "?after=5").await;
    assert!(data.is_empty());
    assert_eq!(next, 5);
    let (data, next) = page(&app.admin, "?after=0&limit=1").await;
    assert!(data.is_empty());
    assert_eq!(next, 0);
}

async fn a_create_is_an_event_with_the_object_as_read(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let customer = created(&app.admin, "/v1/customers", customer_body("c1")).await;
    let (data, next) = page(&app.admin, "").await;
    assert_eq!(data.len(), 1, "{data:?}");
    let event = &data[0];
    assert_eq!(event["type"], "customer.created");
    assert_eq!(event["entity"], "customer");
    assert_eq!(event["id"], customer["id"]);
    assert_eq!(
        event["data"],
        get(&app.admin, "customers", &id(&customer)).await
    );
    assert_eq!(Some(next), event["seq"].as_i64());
    assert!(!event["actor"].as_str().unwrap().contains(ADMIN_KEY));
    // Polling on from `next` finds nothing new and keeps the position.
    let (data, again) = page(&app.admin, &format!("?after={next}")).await;
    assert!(data.is_empty());
    assert_eq!(again, next);
    // Another key of the tenant is another actor.
    let writer = app.admin.with_key(&app.make_key("writer", "default"));
    created(&writer, "/v1/customers", customer_body("c2")).await;
    let (data, _) = page(&app.admin, &format!("?after={next}")).await;
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["type"], "customer.created");
    assert_ne!(data[0]["actor"], event["actor"]);
    // Readers of the tenant see the same feed.
    let reader = app.admin.with_key(&app.make_key("reader", "default"));
    assert_eq!(read_all(&reader).await.len(), 2);
}

async fn a_subscriber_by_profile_yields_three_creates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let subscriber = created(
        &app.admin,
        "/v1/subscribers",
        json!({"externalId": "s1", "subscriberProfile": "internetOnly"}),
    )
    .await;
    let events = read_all(&app.admin).await;
    assert_eq!(events.len(), 3, "{events:?}");
    let by_type: BTreeMap<String, Value> = events
        .iter()
        .map(|e| (e["type"].as_str().unwrap().to_owned(), e.clone()))
        .collect();
    let types: Vec<_> = by_type.keys().cloned().collect();
    assert_eq!(
        types,
        ["account.created", "customer.created", "subscriber.created"]
    );
    let sub_event = &by_type["subscriber.created"];
    let acc_event = &by_type["account.created"];
    let cus_event = &by_type["customer.created"];
    assert_eq!(sub_event["entity"], "subscriber");
    assert_eq!(acc_event["entity"], "account");
    assert_eq!(cus_event["entity"], "customer");
    assert_eq!(sub_event["id"], subscriber["id"]);
    assert_eq!(sub_event["data"], subscriber);
    assert_eq!(subscriber["account"]["refId"], acc_event["id"]);
    assert_eq!(acc_event["data"]["customers"][0]["refId"], cus_event["id"]);
    for (kind, event) in [("accounts", acc_event), ("customers", cus_event)] {
        assert_eq!(
            event["data"],
            get(&app.admin, kind, event["id"].as_str().unwrap()).await
        );
    }
    // An account by profile yields two.
    let account = created(
        &app.admin,
        "/v1/accounts",
        json!({"accountProfile": "standard"}),
    )
    .await;
    let last = events.last().unwrap()["seq"].as_i64().unwrap();
    let (more, _) = read_from(&app.admin, last, 1).await;
    let mut types: Vec<_> = kinds(&more).into_iter().map(|(t, _)| t).collect();
    types.sort();
    assert_eq!(types, ["account.created", "customer.created"]);
    assert!(more.iter().any(|e| e["id"] == account["id"]));
}

async fn updates_and_state_changes_are_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let subscriber = created(
        &app.admin,
        "/v1/subscribers",
        json!({"externalId": "s1", "subscriberProfile": "internetOnly"}),
    )
    .await;
    let account = subscriber["account"]["refId"].as_str().unwrap().to_owned();
    let customer = get(&app.admin, "accounts", &account).await["customers"][0]["refId"]
        .as_str()
        .unwrap()
        .to_owned();
    let gone = created(
        &app.admin,
        "/v1/subscribers",
        json!({"externalId": "gone", "account": {"refId": account}, "subscriberProfile": "internetOnly"}),
    )
    .await;
    change_state(
        &app.admin,
        "subscribers",
        &id(&gone),
        json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
    )
    .await;
    let (_, mark) = read_from(&app.admin, 0, 1000).await;

    // One event per PATCH, typed by the kind, with the object after the change.
    for (kind, entity, oid) in [
        ("customers", "customer", customer.as_str()),
        ("accounts", "account", account.as_str()),
        (
            "subscribers",
            "subscriber",
            subscriber["id"].as_str().unwrap(),
        ),
    ] {
        let reply = patch(&app.admin, kind, oid, &json!({"customName": "Renamed"})).await;
        assert_eq!(reply.status, 200, "{}", reply.text);
        let (events, _) = read_from(&app.admin, mark, 1000).await;
        let last = events.last().expect("an event");
        assert_eq!(last["type"], format!("{entity}.updated"));
        assert_eq!(last["entity"], entity);
        assert_eq!(last["id"], oid);
        assert_eq!(last["data"]["customName"], "Renamed");
        assert_eq!(last["data"], get(&app.admin, kind, oid).await);
    }
    let (events, mark) = read_from(&app.admin, mark, 1000).await;
    assert_eq!(events.len(), 3, "{events:?}");

    // A cascade: one state_changed per changed object, none for the deactivated one.
    change_state(
        &app.admin,
        "customers",
        &customer,
        json!({"state": "SUSPENDED", "stateReason": "dfltSuspended", "cascade": true}),
    )
    .await;
    let (events, mark) = read_from(&app.admin, mark, 2).await;
    let mut seen = kinds(&events);
    seen.sort();
    let mut expected = vec![
        ("account.state_changed".to_owned(), account.clone()),
        ("customer.state_changed".to_owned(), customer.clone()),
        ("subscriber.state_changed".to_owned(), id(&subscriber)),
    ];
    expected.sort();
    assert_eq!(seen, expected);
    for event in &events {
        let kind = format!("{}s", event["entity"].as_str().unwrap());
        assert_eq!(
            event["data"],
            get(&app.admin, &kind, event["id"].as_str().unwrap()).await
        );
        assert_eq!(
            event["data"]["state"],
            json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"})
        );
    }

    // Without cascade: one event.
    change_state(
        &app.admin,
        "accounts",
        &account,
        json!({"state": "ACTIVE", "stateReason": "active"}),
    )
    .await;
    let (events, _) = read_from(&app.admin, mark, 1000).await;
    assert_eq!(
        kinds(&events),
        vec![("account.state_changed".to_owned(), account.clone())]
    );
    assert_eq!(events[0]["data"]["state"]["state"], "ACTIVE");
}

async fn refused_requests_write_no_event(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut first = customer_body("c1");
    first["requestId"] = json!("create-c1");
    let customer = created(&app.admin, "/v1/customers", first.clone()).await;
    let subscriber = created(
        &app.admin,
        "/v1/subscribers",
        json!({"externalId": "s1", "subscriberProfile": "internetOnly",
               "primaryResourceType": "MSISDN", "primaryResource": "420777000111"}),
    )
    .await;
    let gone = created(&app.admin, "/v1/customers", customer_body("gone")).await;
    change_state(
        &app.admin,
        "customers",
        &id(&gone),
        json!({"state": "DEACTIVATED", "stateReason": "dfltDeactivated"}),
    )
    .await;
    created(&app.admin, "/v1/customers", customer_body("c3")).await;
    let (before, mark) = read_from(&app.admin, 0, 1000).await;
    assert_eq!(before.len(), 7, "{before:?}");
    let cid = id(&customer);

    let statuses = [
        // A replayed create is no new change.
        app.admin.post("/v1/customers", &first).await.status,
        app.admin
            .post("/v1/customers", &customer_body("c1"))
            .await
            .status,
        app.admin
            .post("/v1/customers", &json!({"customerSegment": "nope"}))
            .await
            .status,
        app.admin
            .post("/v1/customers", &json!({"colour": "red"}))
            .await
            .status,
        app.admin
            .post(
                "/v1/accounts",
                &json!({"customer": {"externalId": "nobody"}, "accountProfile": "standard"}),
            )
            .await
            .status,
        app.admin
            .post(
                "/v1/accounts",
                &json!({"accountProfile": "standard", "accountSegment": "nope"}),
            )
            .await
            .status,
        app.admin
            .post(
                "/v1/subscribers",
                &json!({"externalId": "s2", "subscriberProfile": "internetOnly",
                        "primaryResourceType": "MSISDN", "primaryResource": "420777000111"}),
            )
            .await
            .status,
        app.admin
            .post(
                "/v1/subscribers",
                &json!({"externalId": "s1", "subscriberProfile": "internetOnly"}),
            )
            .await
            .status,
        app.admin
            .post(
                &format!("/v1/customers/{cid}/state"),
                &json!({"state": "SUSPENDED", "stateReason": "active", "cascade": true}),
            )
            .await
            .status,
        app.admin
            .post(
                "/v1/customers/no-such-id/state",
                &json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"}),
            )
            .await
            .status,
        app.admin
            .post(
                &format!("/v1/customers/{}/state", id(&gone)),
                &json!({"state": "ACTIVE", "stateReason": "active"}),
            )
            .await
            .status,
        patch(&app.admin, "customers", &cid, &json!({"externalId": "c3"}))
            .await
            .status,
        patch(&app.admin, "customers", &cid, &json!({"state": "ACTIVE"}))
            .await
            .status,
        patch(
            &app.admin,
            "customers",
            &cid,
            &json!({"customerSegment": "nope"}),
        )
        .await
        .status,
        patch(
            &app.admin,
            "customers",
            &id(&gone),
            &json!({"customName": "x"}),
        )
        .await
        .status,
        app.admin
            .send(
                Method::PATCH,
                &format!("/v1/customers/{cid}"),
                &[("content-type", "text/plain")],
                Some(b"{\"customName\": \"x\"}".to_vec()),
            )
            .await
            .status,
        patch(
            &app.admin,
            "subscribers",
            &id(&subscriber),
            &json!({"subscriberSegment": "nope"}),
        )
        .await
        .status,
    ];
    let statuses: Vec<u16> = statuses.iter().map(|s| s.as_u16()).collect();
    assert_eq!(
        statuses,
        [201, 409, 422, 400, 422, 422, 409, 409, 422, 404, 422, 409, 400, 422, 422, 415, 422]
    );
    let (after, next) = read_from(&app.admin, mark, 1000).await;
    assert_eq!(after, Vec::<Value>::new());
    assert_eq!(next, mark);
    assert_eq!(read_all(&app.admin).await, before);
}

async fn limit_and_after_are_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for i in 0..3 {
        created(&app.admin, "/v1/customers", customer_body(&format!("c{i}"))).await;
    }
    for bad in [
        "limit=0",
        "limit=1001",
        "limit=-1",
        "limit=x",
        "after=abc",
        "after=1.5",
    ] {
        app.admin
            .get(&format!("/v1/events?{bad}"))
            .await
            .problem(400, "MALFORMED_REQUEST");
    }
    let (one, next) = page(&app.admin, "?limit=1").await;
    assert_eq!(one.len(), 1);
    assert_eq!(Some(next), one[0]["seq"].as_i64());
    let (two, _) = page(&app.admin, &format!("?after={next}&limit=1000")).await;
    assert_eq!(two.len(), 2);
    assert!(two[0]["seq"].as_i64().unwrap() > next);
    let (all, _) = page(&app.admin, "?limit=1000").await;
    assert_eq!(all.len(), 3);
    assert_eq!(all[0], one[0]);
    assert_eq!(&all[1..], &two[..]);
}

async fn another_tenant_sees_none_of_the_events(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    created(
        &app.admin,
        "/v1/subscribers",
        json!({"subscriberProfile": "internetOnly"}),
    )
    .await;
    let stranger = app.admin.with_key(&app.make_key("admin", "other"));
    let (data, next) = page(&stranger, "").await;
    assert!(data.is_empty(), "{data:?}");
    assert_eq!(next, 0);
    assert!(read_all(&stranger).await.is_empty());

    let theirs = created(&stranger, "/v1/customers", customer_body("theirs")).await;
    let seen = read_all(&stranger).await;
    assert_eq!(
        kinds(&seen),
        vec![("customer.created".to_owned(), id(&theirs))]
    );
    let mine = read_all(&app.admin).await;
    assert_eq!(mine.len(), 3);
    assert!(mine.iter().all(|e| e["id"] != theirs["id"]));
    // Each tenant numbers its own events from 1, so no number tells of another's volume;
    // event ids are unique across tenants.
    let numbers = |events: &[Value]| {
        events
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(numbers(&seen), vec![1]);
    assert_eq!(numbers(&mine), vec![1, 2, 3]);
    let ids: BTreeSet<&str> = mine
        .iter()
        .chain(&seen)
        .map(|e| e["eventId"].as_str().expect("an eventId"))
        .collect();
    assert_eq!(ids.len(), 4);
}

/// What one writer did: the events it must have caused.
async fn write_some(client: Client, tag: String) -> Vec<(String, String)> {
    let mut expected = Vec::new();
    let customer = created(&client, "/v1/customers", customer_body(&tag)).await;
    expected.push(("customer.created".to_owned(), id(&customer)));
    change_state(
        &client,
        "customers",
        &id(&customer),
        json!({"state": "SUSPENDED", "stateReason": "dfltSuspended"}),
    )
    .await;
    expected.push(("customer.state_changed".to_owned(), id(&customer)));
    let subscriber = created(
        &client,
        "/v1/subscribers",
        json!({"externalId": format!("{tag}-s"), "subscriberProfile": "internetOnly"}),
    )
    .await;
    let account = subscriber["account"]["refId"].as_str().unwrap().to_owned();
    let owner = get(&client, "accounts", &account).await["customers"][0]["refId"]
        .as_str()
        .unwrap()
        .to_owned();
    expected.push(("subscriber.created".to_owned(), id(&subscriber)));
    expected.push(("account.created".to_owned(), account));
    expected.push(("customer.created".to_owned(), owner));
    let reply = patch(
        &client,
        "subscribers",
        &id(&subscriber),
        &json!({"customName": tag}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    expected.push(("subscriber.updated".to_owned(), id(&subscriber)));
    expected
}

async fn a_reader_sees_every_event_once_in_order_while_two_processes_write(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let second = app.another_server();
    let clients = [app.admin.clone(), Client::new(&second.base, ADMIN_KEY)];
    let mut expected: Vec<(String, String)> = Vec::new();

    // Before any reader: a first batch, paged to the end in small pages.
    for i in 0..2 {
        expected.extend(write_some(clients[i % 2].clone(), format!("early-{i}")).await);
    }
    let (mut seen, mut next) = read_from(&clients[1], 0, 2).await;
    assert_eq!(seen.len(), expected.len());

    // Then polling from `next` while both processes write concurrently.
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let done = done.clone();
        let clients = clients.clone();
        tokio::spawn(async move {
            let mut got = Vec::new();
            let mut polls = 0usize;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let client = &clients[polls % 2];
                polls += 1;
                let (data, n) = page(client, &format!("?after={next}&limit=3")).await;
                if data.is_empty() {
                    assert_eq!(n, next);
                    if finished {
                        return (got, next);
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
                assert!(n > next, "next moves forward");
                next = n;
                got.extend(data);
            }
        })
    };
    let mut writers = Vec::new();
    for i in 0..12 {
        writers.push(tokio::spawn(write_some(
            clients[i % 2].clone(),
            format!("busy-{i}"),
        )));
    }
    for writer in writers {
        expected.extend(writer.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let (got, last) = reader.await.unwrap();
    seen.extend(got);

    // A later poll after more writes finds exactly those.
    expected.extend(write_some(clients[0].clone(), "late".to_owned()).await);
    let (late, _) = read_from(&clients[0], last, 1000).await;
    assert_eq!(late.len(), 6, "{late:?}");
    seen.extend(late);

    let seqs: Vec<i64> = seen.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    for pair in seqs.windows(2) {
        assert!(pair[0] < pair[1], "seq not strictly increasing: {seqs:?}");
    }
    let mut got = kinds(&seen);
    got.sort();
    let mut want = expected.clone();
    want.sort();
    assert_eq!(got.len(), want.len(), "every event exactly once");
    assert_eq!(got, want);
    let distinct: BTreeSet<_> = got.iter().collect();
    assert_eq!(distinct.len(), got.len(), "no event twice");

    // The same feed read at once from the start agrees.
    let whole = read_all(&clients[1]).await;
    assert_eq!(whole, seen);

    // Another tenant sees none of it.
    let stranger = app.admin.with_key(&app.make_key("admin", "other"));
    assert!(read_all(&stranger).await.is_empty());
    let (data, _) = page(&stranger, "?after=0&limit=1000").await;
    assert!(data.is_empty());
}

both_backends!(
    an_empty_feed_answers_the_given_after,
    a_create_is_an_event_with_the_object_as_read,
    a_subscriber_by_profile_yields_three_creates,
    updates_and_state_changes_are_events,
    refused_requests_write_no_event,
    limit_and_after_are_checked,
    another_tenant_sees_none_of_the_events,
    a_reader_sees_every_event_once_in_order_while_two_processes_write,
);
