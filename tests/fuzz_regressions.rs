//! Inputs the fuzz targets (`fuzz/`, run by `scripts/fuzz.sh`) found breaking a promise of
//! a door, each sent to the real server on both backends: an answer never repeats a card
//! number the client sent, and every field problem names its field. Each is refused with
//! nothing written.

#[macro_use]
mod common;

use common::{egain_error, list, Backend, EgainApp, TestApp};
use reqwest::Method;

/// What a card number found by the targets looks like in an answer: any run of its digits.
/// The request id the server made (a random UUID, in the header and the body) is no echo
/// of what was sent, and may hold such a run by chance, so it is left out of the search.
fn assert_not_repeated(reply: &common::Reply, digits: &str) {
    let text = match reply.headers.get("x-request-id").map(|id| id.to_str()) {
        Some(Ok(id)) if !id.is_empty() => reply.text.replace(id, ""),
        _ => reply.text.clone(),
    };
    assert!(
        !text.contains(digits),
        "the answer repeats {digits}: {}",
        reply.text
    );
}

async fn send_json(app: &TestApp, method: Method, path: &str, body: &[u8]) -> common::Reply {
    app.admin
        .send(
            method,
            path,
            &[("content-type", "application/json")],
            Some(body.to_vec()),
        )
        .await
}

/// `json_body` found that a repeated member was named in the refusal, and its name can
/// hold a card number (here `a18446744073709551616`, whose digits hold a Luhn-valid one).
async fn a_repeated_member_is_not_named_by_its_card_number(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let found: &[u8] = br#"{"a18446744073709551616":{"b":1,"b":2},"c":[1,-2,3.5e3,true,null]}"#;
    for path in ["/v1/customers", "/v1/accounts", "/v2/data/customers"] {
        let reply = send_json(&app, Method::POST, path, found).await;
        let body = reply.problem(400, "MALFORMED_REQUEST");
        assert_not_repeated(&reply, "18446744073709551616");
        assert_not_repeated(&reply, "2155161611111111111111111");
        assert_eq!(body["errors"][0]["field"], "?.b", "{body}");
    }
    assert!(list(&app.admin, "/v1/customers").await.is_empty());
}

/// `json_body` and `native_create` found more paths that named nothing or held a card
/// number: a member with no name sent twice, the path to a NUL through names holding a
/// card number, and the NUL of a body that is one string.
async fn paths_to_problems_name_something_and_no_card_number(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases: [(&[u8], &[&str]); 3] = [
        (br#"{"":1,"":2}"#, &[r#""""#]),
        (br#"{"a4111111111111111":{"b":"x\u0000"}}"#, &["?.b"]),
        // `native_create`: a body that is one string has no field to name.
        (br#""DE\u0000TED""#, &[]),
    ];
    for (body, named) in cases {
        for path in ["/v1/customers", "/v2/data/customers"] {
            let reply = send_json(&app, Method::POST, path, body).await;
            reply.problem(400, "MALFORMED_REQUEST");
            assert_not_repeated(&reply, "4111");
            let fields: Vec<String> = reply.field_errors().into_iter().map(|(f, _)| f).collect();
            assert_eq!(fields, named, "{}", reply.text);
        }
    }
    assert!(list(&app.admin, "/v1/customers").await.is_empty());
}

/// `native_create` found that a rule's message quoted the profile or segment sent, and the
/// decoder's message a member's name holding a backtick or a newline, card numbers in them
/// included.
async fn messages_do_not_quote_a_card_number(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases: [(&str, &[u8], u16); 5] = [
        (
            "/v1/customers",
            br#"{"customerProfile":"b218446744073709551616b"}"#,
            422,
        ),
        (
            "/v1/customers",
            br#"{"customerSegment":"b2b18446744073709551616"}"#,
            422,
        ),
        ("/v1/customers", br#"{"c`4111111111111111":1}"#, 400),
        (
            "/v1/accounts",
            br#"{"external111 1\n2155161611111111111111111Id":1}"#,
            400,
        ),
        (
            "/v1/subscribers",
            br#"{"state":{"x`4111111111111111`y":1}}"#,
            400,
        ),
    ];
    for (path, body, status) in cases {
        let reply = send_json(&app, Method::POST, path, body).await;
        assert_eq!(reply.status.as_u16(), status, "{}", reply.text);
        assert_not_repeated(&reply, "4111111111111111");
        assert_not_repeated(&reply, "18446744073709551616");
        assert_not_repeated(&reply, "2155161611111111111111111");
    }
    assert!(list(&app.admin, "/v1/customers").await.is_empty());
}

/// `bank_batch` found that a batch without `customers` was refused at the empty path.
async fn a_batch_without_customers_names_the_member(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for method in [Method::POST, Method::PUT] {
        let reply = send_json(&app, method, "/v2/data/customers", b"{}").await;
        reply.problem(400, "MALFORMED_REQUEST");
        let errors = reply.field_errors();
        assert_eq!(
            errors,
            [("customers".to_owned(), "REQUIRED".to_owned())],
            "{}",
            reply.text
        );
    }
    assert!(list(&app.admin, "/v1/customers").await.is_empty());
}

/// `egain_document` and `xml` found that unknown members and elements, and the names,
/// prefixes and references the XML reader refuses, were quoted back with a card number in
/// them, in either format.
async fn an_unknown_name_holding_a_card_number_is_not_quoted(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let cases: [(&str, &[u8]); 7] = [
        ("application/json", br#"{"a4111111111111111":1}"#),
        (
            "application/json",
            br#"{"contactPersons":{"contactPerson":[],"x 4111 1111 1111 1111":1}}"#,
        ),
        (
            "application/xml",
            b"<customer><a4111111111111111/></customer>",
        ),
        (
            "application/xml",
            b"<customer><x:pin xmlns:x=\"urn:4111111111111111\">1</x:pin></customer>",
        ),
        // The XML reader's own refusals: an end tag, a character reference, a prefix.
        (
            "application/xml",
            b"<customer xmlns:p=\"urn:p\"><p:a>x</p:a4111111111111111></customer>",
        ),
        (
            "application/xml",
            b"<customer><pin>&#x555555555555542;</pin></customer>",
        ),
        (
            "application/xml",
            b"<customer><x4111111111111111mlns:pin/></customer>",
        ),
    ];
    for (format, body) in cases {
        let reply = door.create(format, body.to_vec()).await;
        let (_, message) = egain_error(&reply, 400);
        assert!(message.contains('?'), "{message}");
        assert_not_repeated(&reply, "4111");
    }
    assert!(list(&door.app.admin, "/v1/customers").await.is_empty());
}

both_backends!(
    a_repeated_member_is_not_named_by_its_card_number,
    paths_to_problems_name_something_and_no_card_number,
    messages_do_not_quote_a_card_number,
    a_batch_without_customers_names_the_member,
    an_unknown_name_holding_a_card_number_is_not_quoted,
);
