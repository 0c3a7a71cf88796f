//! Hostile and odd bodies on the eGain create door, on both backends: XML that could
//! expand, fetch or confuse (DOCTYPEs, entities, bad bytes, broken structure, depth, size)
//! is refused with nothing written and the server still answering; any namespace
//! prefixes, or none, are read alike; JSON that is not the door's shape is refused.

#[macro_use]
mod common;

use common::{
    egain_created_id, egain_error, egain_seed_requests, list, Backend, EgainApp, Reply,
    EGAIN_CUSTOMER,
};
use serde_json::Value;

const CUSTOMER_NS: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/customer";
const PERSON_NS: &str = "http://bindings.egain.com/ws/model/v12/gen/interaction/contactperson";

/// The seed's example 1 in XML.
fn example_1() -> String {
    egain_seed_requests()[0].body.clone()
}

/// Example 1 with Jack's first name replaced by `name` (raw XML).
fn named(name: &str) -> String {
    let body = example_1();
    assert!(body.contains(">Jack<"));
    body.replace(">Jack<", &format!(">{name}<"))
}

/// Asserts `reply` a refusal with `status` in eGain's XML shape, nothing written and the
/// server still well; the message.
async fn refused(door: &EgainApp, reply: &Reply, status: u16) -> String {
    let (_, message) = egain_error(reply, status);
    assert_eq!(
        reply.header("content-type"),
        Some("application/xml"),
        "{}",
        reply.text
    );
    assert!(list(&door.app.admin, "/v1/customers").await.is_empty());
    let health = door.door.get("/healthz").await;
    assert_eq!(health.status, 200, "{}", health.text);
    message
}

async fn refused_xml(door: &EgainApp, body: impl Into<Vec<u8>>) -> String {
    let reply = door.create("application/xml", body).await;
    refused(door, &reply, 400).await
}

/// Asserts a 201; the created customer's JSON read.
async fn created(door: &EgainApp, reply: &Reply) -> Value {
    let id = egain_created_id(reply);
    let read = door
        .get(&format!("{EGAIN_CUSTOMER}/{id}"), Some("application/json"))
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    read.json()
}

fn first_name(read: &Value) -> &str {
    read["contactPersons"]["contactPerson"][0]["firstName"]
        .as_str()
        .unwrap()
}

async fn a_billion_laughs_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let mut doctype = String::from(r#"<!DOCTYPE customer [<!ENTITY lol0 "lol">"#);
    for n in 1..10 {
        let refs = format!("&lol{};", n - 1).repeat(10);
        doctype.push_str(&format!(r#"<!ENTITY lol{n} "{refs}">"#));
    }
    doctype.push(']');
    doctype.push('>');
    let body = format!("<?xml version=\"1.0\"?>\n{doctype}\n{}", named("&lol9;"));
    let message = refused_xml(&door, body).await;
    assert!(message.contains("DOCTYPE"), "{message}");
}

async fn an_external_entity_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let body = format!(
        "<!DOCTYPE customer [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n{}",
        named("&x;")
    );
    let message = refused_xml(&door, body).await;
    assert!(message.contains("DOCTYPE"), "{message}");
    assert!(!message.contains("root:"), "{message}");
}

async fn an_undefined_entity_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let message = refused_xml(&door, named("Ja&foo;ck")).await;
    assert!(message.contains("foo"), "{message}");
    // XML's own five are text like any other.
    let read = created(
        &door,
        &door
            .create("application/xml", named("J&amp;&lt;ck&#65;"))
            .await,
    )
    .await;
    assert_eq!(first_name(&read), "J&<ckA");
}

async fn invalid_utf8_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let body = example_1();
    let at = body.find("Jack").unwrap();
    let mut bytes = body.into_bytes();
    bytes.splice(at..at + 4, [0x4a, 0xff, 0xfe, 0x6b]);
    let message = refused_xml(&door, bytes).await;
    assert!(message.contains("UTF-8"), "{message}");
}

async fn broken_structure_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let body = example_1();
    let mismatched = body.replace(
        "<ns1:firstName>Jack</ns1:firstName>",
        "<ns1:firstName>Jack</ns1:lastName>",
    );
    assert_ne!(mismatched, body);
    refused_xml(&door, mismatched).await;
    refused_xml(&door, format!("{body}\n{body}")).await;
    refused_xml(&door, body.replace("</customer>", "")).await;
    refused_xml(&door, "").await;
    let undeclared = body.replace("ns1:firstName", "nsx:firstName");
    refused_xml(&door, undeclared).await;
}

async fn an_unknown_element_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let body = example_1().replace("<type>", "<nickname>J</nickname>\n\t<type>");
    let message = refused_xml(&door, body).await;
    assert!(message.contains("nickname"), "{message}");
    // A known name in the wrong namespace is not the known element.
    let body = example_1().replace("ns1:firstName", "ns2:firstName");
    let message = refused_xml(&door, body).await;
    assert!(message.contains("firstName"), "{message}");
}

async fn nesting_deeper_than_32_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let deep = format!(
        "<customer>{}{}</customer>",
        "<a>".repeat(40),
        "</a>".repeat(40)
    );
    let message = refused_xml(&door, deep).await;
    assert!(message.contains("deeper"), "{message}");
}

async fn a_body_over_1_mib_is_413(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let padding = format!("<!--{}-->", "x".repeat(1024 * 1024));
    let body = example_1().replace("<type>", &format!("{padding}<type>"));
    let reply = door.create("application/xml", body).await;
    refused(&door, &reply, 413).await;
}

async fn any_prefixes_or_none_are_read_alike(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let prefixed = format!(
        r#"<c:customer xmlns:c="{CUSTOMER_NS}">
    <c:type><c:value>individual</c:value></c:type>
    <c:contactPersons>
        <contactPerson xmlns="{PERSON_NS}"><firstName>Jack</firstName></contactPerson>
    </c:contactPersons>
</c:customer>"#
    );
    let read = created(&door, &door.create("application/xml", prefixed).await).await;
    assert_eq!(first_name(&read), "Jack");
    assert_eq!(read["type"]["value"], "individual");
    // Example 1 without its namespaces.
    let bare: String = example_1()
        .replace("ns1:", "")
        .lines()
        .filter(|line| !line.trim_start().starts_with("xmlns"))
        .map(|line| line.replace(r#"<customer xmlns="http://bindings.egain.com/ws/model/v12/gen/interaction/customer" "#, "<customer>"))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(!bare.contains("xmlns") && !bare.contains("ns1"), "{bare}");
    let read = created(&door, &door.create("application/xml", bare).await).await;
    assert_eq!(first_name(&read), "Jack");
    let text_xml = door.create("text/xml; charset=utf-8", example_1()).await;
    assert_eq!(first_name(&created(&door, &text_xml).await), "Jack");
}

// JSON.

async fn refused_json(door: &EgainApp, body: &str) -> String {
    let reply = door.create("application/json", body).await;
    let (_, message) = egain_error(&reply, 400);
    assert_eq!(
        reply.header("content-type"),
        Some("application/json"),
        "{}",
        reply.text
    );
    assert!(list(&door.app.admin, "/v1/customers").await.is_empty());
    message
}

async fn duplicate_json_members_are_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let body = r#"{"type": {"value": "individual"}, "type": {"value": "individual"},
        "contactPersons": {"contactPerson": [{"firstName": "Jack"}]}}"#;
    refused_json(&door, body).await;
    let inner = r#"{"type": {"value": "individual"},
        "contactPersons": {"contactPerson": [{"firstName": "Jack", "firstName": "Jill"}]}}"#;
    refused_json(&door, inner).await;
}

async fn a_json_number_for_a_string_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let body = r#"{"type": {"value": "individual"},
        "contactPersons": {"contactPerson": [{"firstName": 5}]}}"#;
    let message = refused_json(&door, body).await;
    assert!(message.contains("firstName"), "{message}");
    let seed: Value = serde_json::from_str(&egain_seed_requests()[3].body).unwrap();
    let mut body = seed.clone();
    body["contactPersons"]["contactPerson"][0]["dependents"] = serde_json::json!(4);
    let message = refused_json(&door, &body.to_string()).await;
    assert!(message.contains("dependents"), "{message}");
}

async fn an_unknown_json_member_is_refused(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let body = r#"{"type": {"value": "individual"}, "nickname": "J",
        "contactPersons": {"contactPerson": [{"firstName": "Jack"}]}}"#;
    let message = refused_json(&door, body).await;
    assert!(message.contains("nickname"), "{message}");
    let body = r#"{"type": {"value": "individual"},
        "contactPersons": {"contactPerson": [{"firstName": "Jack", "shoeSize": "9"}]}}"#;
    let message = refused_json(&door, body).await;
    assert!(message.contains("shoeSize"), "{message}");
    refused_json(&door, "{\"type\": ").await;
    refused_json(&door, "[]").await;
}

async fn a_body_in_another_media_type_is_415(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let json = &egain_seed_requests()[1].body;
    let headers = [
        ("content-type", "text/plain"),
        ("accept", "application/json"),
    ];
    let reply = door
        .send(
            reqwest::Method::POST,
            EGAIN_CUSTOMER,
            &headers,
            Some(json.clone().into_bytes()),
        )
        .await;
    egain_error(&reply, 415);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let reply = door
        .send(
            reqwest::Method::POST,
            EGAIN_CUSTOMER,
            &[],
            Some(json.clone().into_bytes()),
        )
        .await;
    egain_error(&reply, 415);
    assert!(list(&door.app.admin, "/v1/customers").await.is_empty());
}

both_backends!(
    a_billion_laughs_is_refused,
    an_external_entity_is_refused,
    an_undefined_entity_is_refused,
    invalid_utf8_is_refused,
    broken_structure_is_refused,
    an_unknown_element_is_refused,
    nesting_deeper_than_32_is_refused,
    a_body_over_1_mib_is_413,
    any_prefixes_or_none_are_read_alike,
    duplicate_json_members_are_refused,
    a_json_number_for_a_string_is_refused,
    an_unknown_json_member_is_refused,
    a_body_in_another_media_type_is_415,
);
