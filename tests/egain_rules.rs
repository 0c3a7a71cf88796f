//! eGain's per-field rules (`seeds/egain-v12-rules.md`) on the create door, on both
//! backends: each broken rule is a 400 in eGain's shape whose developerMessage names the
//! field by its path in the request, and nothing is written; several are listed together.
//! Each starts from the seed's example 2, changed in one place.

#[macro_use]
mod common;

use common::{
    egain_created_id, egain_error, egain_seed_requests, list, Backend, EgainApp, EGAIN_CUSTOMER,
};
use serde_json::{json, Value};

const PERSON: &str = "/contactPersons/contactPerson/0";
const PHONE: &str = "/contactPersons/contactPerson/0/contactPoints/contactPoint/0";
const EMAIL: &str = "/contactPersons/contactPerson/0/contactPoints/contactPoint/2";

/// The seed's example 2 in JSON.
fn example_2() -> Value {
    serde_json::from_str(&egain_seed_requests()[3].body).unwrap()
}

/// Example 2 with the member at `pointer` set to `value` (made if its parent exists).
fn with(pointer: &str, value: Value) -> Value {
    let mut body = example_2();
    set(&mut body, pointer, value);
    body
}

fn set(body: &mut Value, pointer: &str, value: Value) {
    let (parent, name) = pointer.rsplit_once('/').unwrap();
    let parent = body
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("{parent}"));
    parent
        .as_object_mut()
        .unwrap()
        .insert(name.to_owned(), value);
}

fn remove(body: &mut Value, pointer: &str) {
    let (parent, name) = pointer.rsplit_once('/').unwrap();
    let removed = body
        .pointer_mut(parent)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .remove(name);
    assert!(removed.is_some(), "{pointer}");
}

async fn create(door: &EgainApp, body: &Value) -> common::Reply {
    door.create("application/json", body.to_string()).await
}

/// Asserts a 400 in eGain's JSON shape whose message lists each of `paths` as `path: …`;
/// the message.
fn refused(reply: &common::Reply, paths: &[&str]) -> String {
    let (code, message) = egain_error(reply, 400);
    assert_eq!(code, "400-101");
    assert_eq!(reply.header("content-type"), Some("application/json"));
    for path in paths {
        assert!(
            message.contains(&format!("{path}: ")),
            "{path} not named in {message:?}"
        );
    }
    message
}

/// No customer and no customer event exist.
async fn nothing_written(door: &EgainApp) {
    assert!(list(&door.app.admin, "/v1/customers").await.is_empty());
    let reply = door.app.admin.get("/v1/events?limit=1000").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let events = reply.json()["data"].as_array().unwrap().clone();
    assert!(
        !events.iter().any(|e| e["entity"] == "customer"),
        "{events:?}"
    );
    let search = door
        .get(
            &format!("{EGAIN_CUSTOMER}?email=john.russel@customer.com"),
            None,
        )
        .await;
    assert_eq!(search.status, 204, "{}", search.text);
}

/// Sends `body`, expects it refused at `path` with nothing written.
async fn refused_at(door: &EgainApp, body: &Value, path: &str) -> String {
    let message = refused(&create(door, body).await, &[path]);
    nothing_written(door).await;
    message
}

/// Sends `body`, expects a 201; the JSON read of the customer.
async fn accepted(door: &EgainApp, body: &Value) -> Value {
    let id = egain_created_id(&create(door, body).await);
    let reply = door
        .get(&format!("{EGAIN_CUSTOMER}/{id}"), Some("application/json"))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json()
}

async fn first_name_is_required(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let mut body = example_2();
    remove(&mut body, &format!("{PERSON}/firstName"));
    refused_at(&door, &body, "contactPersons.contactPerson[0].firstName").await;
    let blank = with(&format!("{PERSON}/firstName"), json!("  "));
    refused_at(&door, &blank, "contactPersons.contactPerson[0].firstName").await;
}

async fn first_name_is_at_most_124_characters(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let long = with(&format!("{PERSON}/firstName"), json!("J".repeat(125)));
    refused_at(&door, &long, "contactPersons.contactPerson[0].firstName").await;
    let fits = with(&format!("{PERSON}/firstName"), json!("é".repeat(124)));
    let read = accepted(&door, &fits).await;
    assert_eq!(
        read["contactPersons"]["contactPerson"][0]["firstName"],
        "é".repeat(124)
    );
}

async fn a_salutation_is_one_of_egains(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let dr = with(&format!("{PERSON}/salutation"), json!("Dr."));
    refused_at(&door, &dr, "contactPersons.contactPerson[0].salutation").await;
    accepted(&door, &with(&format!("{PERSON}/salutation"), json!("Miss"))).await;
}

async fn a_date_of_birth_is_in_the_past(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let path = "contactPersons.contactPerson[0].dateOfBirth";
    for future in ["2999-12-09T00:00:00.000Z", "2999-01-01"] {
        refused_at(
            &door,
            &with(&format!("{PERSON}/dateOfBirth"), json!(future)),
            path,
        )
        .await;
    }
    let garbled = with(&format!("{PERSON}/dateOfBirth"), json!("9 December 1965"));
    refused_at(&door, &garbled, path).await;
}

async fn a_phone_number_is_at_most_40_characters(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let path = "contactPersons.contactPerson[0].contactPoints.contactPoint[0].type.phone.phoneNo";
    // Any text, few digits: a long run of digits would look like a card number.
    let long = with(
        &format!("{PHONE}/type/phone/phoneNo"),
        json!(format!("{:-<41}", "234 3456")),
    );
    refused_at(&door, &long, path).await;
    let fits = with(
        &format!("{PHONE}/type/phone/phoneNo"),
        json!(format!("{:-<40}", "234 3456")),
    );
    accepted(&door, &fits).await;
}

async fn a_country_code_is_at_most_nine_digits(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let path =
        "contactPersons.contactPerson[0].contactPoints.contactPoint[0].type.phone.countryCode";
    for bad in ["12a", "1234567890", "+1"] {
        let body = with(&format!("{PHONE}/type/phone/countryCode"), json!(bad));
        refused_at(&door, &body, path).await;
    }
    accepted(
        &door,
        &with(
            &format!("{PHONE}/type/phone/countryCode"),
            json!("123456789"),
        ),
    )
    .await;
}

async fn an_area_code_is_at_most_ten_characters(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let path = "contactPersons.contactPerson[0].contactPoints.contactPoint[0].type.phone.areaCode";
    let long = with(
        &format!("{PHONE}/type/phone/areaCode"),
        json!("4".repeat(11)),
    );
    refused_at(&door, &long, path).await;
    accepted(
        &door,
        &with(
            &format!("{PHONE}/type/phone/areaCode"),
            json!("4".repeat(10)),
        ),
    )
    .await;
}

async fn a_contact_point_priority_is_low_medium_or_high(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let path = "contactPersons.contactPerson[0].contactPoints.contactPoint[0].priority.value";
    let urgent = with(&format!("{PHONE}/priority"), json!({"value": "urgent"}));
    refused_at(&door, &urgent, path).await;
    let read = accepted(
        &door,
        &with(&format!("{PHONE}/priority"), json!({"value": "HIGH"})),
    )
    .await;
    let point = &read["contactPersons"]["contactPerson"][0]["contactPoints"]["contactPoint"][0];
    assert_eq!(point["priority"]["value"], "high", "{point}");
}

async fn a_gender_is_male_or_female(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let other = with(&format!("{PERSON}/gender"), json!({"value": "other"}));
    refused_at(
        &door,
        &other,
        "contactPersons.contactPerson[0].gender.value",
    )
    .await;
}

async fn a_role_is_one_of_egains(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    refused_at(
        &door,
        &with("/role", json!({"value": "Vendor"})),
        "role.value",
    )
    .await;
    accepted(&door, &with("/role", json!({"value": "Reseller"}))).await;
}

async fn a_level_is_configured(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    refused_at(
        &door,
        &with("/level", json!({"value": "Gold"})),
        "level.value",
    )
    .await;
}

async fn an_individual_has_exactly_one_contact_person(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let path = "contactPersons.contactPerson";
    let mut two = example_2();
    let person = two.pointer(PERSON).unwrap().clone();
    let mut second = json!({"firstName": "Jenifer"});
    second["lastName"] = person["lastName"].clone();
    two["contactPersons"]["contactPerson"]
        .as_array_mut()
        .unwrap()
        .push(second);
    refused_at(&door, &two, path).await;
    let mut none = example_2();
    remove(&mut none, "/contactPersons");
    refused_at(&door, &none, path).await;
    let empty = with("/contactPersons", json!({"contactPerson": []}));
    refused_at(&door, &empty, path).await;
}

async fn a_consent_is_true_or_false(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let yes = with(&format!("{PERSON}/hasDirectMailingConsent"), json!("yes"));
    refused_at(
        &door,
        &yes,
        "contactPersons.contactPerson[0].hasDirectMailingConsent",
    )
    .await;
}

async fn a_card_number_is_never_stored(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let card = "4111111111111111";
    let body = with(&format!("{PERSON}/lastName"), json!(card));
    let message = refused_at(&door, &body, "contactPersons.contactPerson[0].lastName").await;
    assert!(!message.contains(card), "{message}");
    let spaced = with(&format!("{PERSON}/lastName"), json!("4111 1111 1111 1111"));
    refused_at(&door, &spaced, "contactPersons.contactPerson[0].lastName").await;
}

async fn an_email_address_is_valid(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let path =
        "contactPersons.contactPerson[0].contactPoints.contactPoint[2].type.email.emailAddress";
    for bad in ["john.russel-at-customer.com", "john@", "jo hn@customer.com"] {
        let body = with(&format!("{EMAIL}/type/email/emailAddress"), json!(bad));
        refused_at(&door, &body, path).await;
    }
}

/// Turns departmentalization on, with the departments `Service` and `Sales`.
async fn departmentalize(door: &EgainApp) {
    let mut catalog = door.app.admin.get("/v1/catalog").await.json();
    catalog["departmentalization"] = json!(true);
    catalog["departments"] = json!(["Service", "Sales"]);
    let reply = door.app.admin.put("/v1/catalog", &catalog).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn a_department_is_required_when_departmentalized(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    departmentalize(&door).await;
    let mut body = example_2();
    remove(&mut body, "/department");
    refused_at(&door, &body, "department.name").await;
    let unknown = with("/department", json!({"name": "Marketing"}));
    refused_at(&door, &unknown, "department.name").await;
}

async fn one_email_may_be_in_two_departments(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    departmentalize(&door).await;
    let service = accepted(&door, &example_2()).await;
    assert_eq!(service["department"]["name"], "Service");
    let sales = accepted(&door, &with("/department", json!({"name": "Sales"}))).await;
    assert_eq!(sales["department"]["name"], "Sales");
    // In one department it is still unique.
    let reply = create(&door, &example_2()).await;
    let message = refused(&reply, &[]);
    assert!(message.contains("emailAddress"), "{message}");
    assert_eq!(list(&door.app.admin, "/v1/customers").await.len(), 2);
}

async fn a_custom_attribute_is_configured(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let mut body = example_2();
    set(
        &mut body,
        "/customAttributes/customAttribute/0/attribName",
        json!("favouritecolour"),
    );
    refused_at(
        &door,
        &body,
        "customAttributes.customAttribute[0].attribName",
    )
    .await;
}

async fn every_problem_is_listed_in_one_message(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let mut body = example_2();
    remove(&mut body, &format!("{PERSON}/firstName"));
    set(&mut body, &format!("{PERSON}/salutation"), json!("Dr."));
    set(
        &mut body,
        &format!("{PERSON}/gender"),
        json!({"value": "other"}),
    );
    set(
        &mut body,
        &format!("{PHONE}/type/phone/phoneNo"),
        json!("x".repeat(41)),
    );
    set(&mut body, "/role", json!({"value": "Vendor"}));
    refused(
        &create(&door, &body).await,
        &[
            "role.value",
            "contactPersons.contactPerson[0].salutation",
            "contactPersons.contactPerson[0].firstName",
            "contactPersons.contactPerson[0].gender.value",
            "contactPersons.contactPerson[0].contactPoints.contactPoint[0].type.phone.phoneNo",
        ],
    );
    nothing_written(&door).await;
}

async fn a_broken_rule_in_xml_is_refused_in_xml(backend: Backend) {
    let door = EgainApp::spawn(backend).await;
    let xml = &egain_seed_requests()[2].body;
    let body = xml
        .replace("<ns1:firstName>John</ns1:firstName>", "")
        .replace(
            "<ns1:salutation>Mr.</ns1:salutation>",
            "<ns1:salutation>Dr.</ns1:salutation>",
        );
    assert_ne!(&body, xml);
    let reply = door.create("application/xml", body).await;
    let (_, message) = egain_error(&reply, 400);
    assert_eq!(reply.header("content-type"), Some("application/xml"));
    for path in [
        "contactPersons.contactPerson[0].firstName",
        "contactPersons.contactPerson[0].salutation",
    ] {
        assert!(
            message.contains(&format!("{path}: ")),
            "{path} in {message:?}"
        );
    }
    nothing_written(&door).await;
}

both_backends!(
    first_name_is_required,
    first_name_is_at_most_124_characters,
    a_salutation_is_one_of_egains,
    a_date_of_birth_is_in_the_past,
    a_phone_number_is_at_most_40_characters,
    a_country_code_is_at_most_nine_digits,
    an_area_code_is_at_most_ten_characters,
    a_contact_point_priority_is_low_medium_or_high,
    a_gender_is_male_or_female,
    a_role_is_one_of_egains,
    a_level_is_configured,
    an_individual_has_exactly_one_contact_person,
    a_consent_is_true_or_false,
    a_card_number_is_never_stored,
    an_email_address_is_valid,
    a_department_is_required_when_departmentalized,
    one_email_may_be_in_two_departments,
    a_custom_attribute_is_configured,
    every_problem_is_listed_in_one_message,
    a_broken_rule_in_xml_is_refused_in_xml,
);
