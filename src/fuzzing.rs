//! Entry points for the fuzz targets in `fuzz/`, and for the regression tests of what they
//! found. Each takes bytes as a client sends them, runs on them the code the server runs
//! (the same decoders, door mappings, domain plans with the built-in catalog, and refusal
//! renderings) and panics when something the doors promise does not hold: an accepted
//! input reads back the same once written, every refusal names its field, and no answer
//! repeats a card number.

use std::sync::OnceLock;

use serde_json::Value;

use crate::api::bank::{self, wire::CustomersRequest};
use crate::api::egain::customers::{read_document, refusal as egain_refusal};
use crate::api::egain::document;
use crate::api::egain::format::Format;
use crate::api::egain::schema::{CUSTOMER_DOC, PREFIXES};
use crate::api::egain::wire as egain_wire;
use crate::api::egain::xml::{self, XmlLimits};
use crate::api::http::body::{decode, parse_json, JsonBody};
use crate::api::http::problem::ApiError;
use crate::api::native::accounts::CreateAccountRequest;
use crate::api::native::customers::CreateCustomerRequest;
use crate::api::native::fields as native_fields;
use crate::api::native::subscribers::CreateSubscriberRequest;
use crate::app::Failure;
use crate::domain::bank::{plan_batch, plan_update, BankCustomerSpec};
use crate::domain::card_number::holds_card_number;
use crate::domain::catalog::{Catalog, CatalogRules};
use crate::domain::contact::edit::plan_edit;
use crate::domain::contact::ContactDetails;
use crate::domain::customer::CustomerSpec;
use crate::domain::object::ObjectSpec;
use crate::domain::path::FieldPath;
use crate::domain::time::Timestamp;
use crate::domain::{FieldErrors, Kind, Limits};

/// The server's limits and built-in catalog, made once per fuzzing process.
fn setting() -> &'static (Limits, CatalogRules) {
    static SETTING: OnceLock<(Limits, CatalogRules)> = OnceLock::new();
    SETTING.get_or_init(|| {
        let limits = Limits::default();
        let catalog = Catalog::default()
            .validate(&limits)
            .expect("the built-in catalog is valid");
        (limits, catalog)
    })
}

/// A fixed instant (2026-01-01T00:00:00Z), so a run depends on its input only.
fn now() -> Timestamp {
    Timestamp::from_micros(1_767_225_600_000_000)
}

/// An answer to a client never repeats a card number, whatever it was sent. A JSON answer
/// is judged by its strings as the client reads them, not by their escapes (`\u0019` has
/// digits of its own).
fn assert_no_card_number(answer: &[u8], what: &str) {
    fn strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::String(text) => out.push(text),
            Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            Value::Object(members) => members.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(answer);
    let mut read = Vec::new();
    let parsed = serde_json::from_slice::<Value>(answer);
    match &parsed {
        Ok(value) => strings(value, &mut read),
        Err(_) => read.push(&text),
    }
    for text in read {
        assert!(
            !holds_card_number(text),
            "{what} repeats a card number: {text:?}"
        );
    }
}

/// A problem document: no card number, and every field problem names its field.
fn assert_problem(error: &ApiError, what: &str) {
    assert_no_card_number(&error.body(), what);
    for problem in error.field_errors() {
        assert!(
            !problem.field.is_empty(),
            "{what}: a problem names no field: {:?}",
            error.problem()
        );
    }
}

/// Every rule problem is at a path of the request.
fn assert_paths(errors: &FieldErrors, render: impl Fn(&FieldPath) -> String, what: &str) {
    assert!(!errors.is_empty(), "{what}: a refusal with no problem");
    for problem in errors.as_slice() {
        assert!(
            !render(&problem.path).is_empty(),
            "{what}: a problem names no field: {problem:?}"
        );
    }
}

/// A JSON body as every door reads it: duplicate members, depth and NUL refused. What is
/// accepted is what serde_json reads, and reads back the same once written.
pub fn json_body(data: &[u8]) {
    let depth = setting().0.nesting_depth;
    match parse_json(data, depth) {
        Ok(value) => {
            let plain: Value = serde_json::from_slice(data).expect("accepted JSON is JSON");
            assert_eq!(value, plain, "the strict reader reads what serde_json does");
            let written = serde_json::to_vec(&value).expect("values serialise");
            let again = parse_json(&written, depth).expect("written JSON is accepted");
            assert_eq!(again, value, "written JSON reads back the same");
        }
        Err(error) => assert_problem(&error, "a JSON refusal"),
    }
}

/// XML as the eGain door reads it: what is accepted is written and read back the same; a
/// refusal is short and quotes no card number.
pub fn xml(data: &[u8]) {
    let limits = XmlLimits {
        max_depth: setting().0.nesting_depth,
        ..XmlLimits::default()
    };
    match xml::parse(data, &limits) {
        Ok(root) => {
            let written = xml::write(&root, PREFIXES);
            let again = xml::parse(&written, &limits).unwrap_or_else(|e| {
                panic!(
                    "written XML is refused: {e}: {}",
                    String::from_utf8_lossy(&written)
                )
            });
            assert_eq!(again, root, "written XML reads back the same");
        }
        Err(error) => {
            let message = error.to_string();
            assert!(message.chars().count() <= 200, "a long refusal: {message}");
            assert_no_card_number(message.as_bytes(), "an XML refusal");
        }
    }
}

/// The format an eGain target's input is in: its first byte, odd for JSON.
fn egain_input(data: &[u8]) -> Option<(Format, &[u8])> {
    let (&first, body) = data.split_first()?;
    Some((
        if first % 2 == 1 {
            Format::Json
        } else {
            Format::Xml
        },
        body,
    ))
}

/// An eGain customer document in either format (the first byte chooses), read against the
/// schema, written back in both formats, then planned as a create and as an edit of a
/// customer with no contact data, with the default catalog.
pub fn egain_document(data: &[u8]) {
    let Some((format, body)) = egain_input(data) else {
        return;
    };
    let (limits, catalog) = setting();
    let doc = match read_document(body, format, &CUSTOMER_DOC, limits.nesting_depth) {
        Ok(doc) => doc,
        Err(error) => {
            assert_no_card_number(&error.in_format(format).body(), "an unreadable document");
            return;
        }
    };
    let as_xml = document::to_xml(&doc, &CUSTOMER_DOC);
    let read = read_document(&as_xml, Format::Xml, &CUSTOMER_DOC, limits.nesting_depth)
        .unwrap_or_else(|e| panic!("written XML is refused: {}", e.message));
    assert_eq!(read, doc, "the document reads back the same from XML");
    let as_json = serde_json::to_vec(&doc).expect("documents serialise");
    let read = read_document(&as_json, Format::Json, &CUSTOMER_DOC, limits.nesting_depth)
        .unwrap_or_else(|e| panic!("written JSON is refused: {}", e.message));
    assert_eq!(read, doc, "the document reads back the same from JSON");

    let emails = egain_wire::email_paths(&doc);
    let refused = |errors: &FieldErrors, what: &str| {
        assert_paths(errors, egain_wire::render, what);
        let answer = egain_refusal(Failure::Invalid(errors), &emails).in_format(format);
        assert_no_card_number(&answer.body(), what);
    };
    let create = ObjectSpec::Customer(CustomerSpec {
        contact: Some(egain_wire::spec_of(&doc)),
        ..Default::default()
    });
    if let Err(errors) = create.plan(catalog, limits, now()) {
        refused(&errors, "a refused create");
    }
    let mut ids = 0u32;
    let mut new_id = || {
        ids += 1;
        format!("id-{ids}")
    };
    let edit = egain_wire::edit_of(&doc);
    let stored = ContactDetails::default();
    if let Err(errors) = plan_edit(&stored, edit, catalog, limits, now(), &mut new_id) {
        refused(&errors, "a refused edit");
    }
}

/// A bank batch (the first byte chooses POST or PUT): decoded, bounded, then planned as
/// new customers or as updates, with the default catalog.
pub fn bank_batch(data: &[u8]) {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let (limits, catalog) = setting();
    let value = match parse_json(body, limits.nesting_depth) {
        Ok(value) => value,
        Err(error) => return assert_problem(&error, "a refused batch body"),
    };
    let request: CustomersRequest = match bank::batch(&JsonBody { value }) {
        Ok(request) => request,
        Err(error) => return assert_problem(&error, "a refused batch shape"),
    };
    let specs: Vec<BankCustomerSpec> = request.customers.into_iter().map(Into::into).collect();
    let plan = if first % 2 == 1 {
        plan_update
    } else {
        plan_batch
    };
    if let Err(errors) = plan(specs, catalog, limits, now()) {
        assert_paths(&errors, bank::fields::render, "a refused batch");
        let error = bank::fields::problem(Failure::Invalid(&errors));
        assert_problem(&error, "a refused batch");
    }
}

/// A native create (the first byte chooses customer, account or subscriber): decoded into
/// the door's request, then planned as a new object with the default catalog.
pub fn native_create(data: &[u8]) {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let (limits, catalog) = setting();
    let value = match parse_json(body, limits.nesting_depth) {
        Ok(value) => value,
        Err(error) => return assert_problem(&error, "a refused create body"),
    };
    let (kind, spec) = match first % 3 {
        0 => (
            Kind::Customer,
            decode::<CreateCustomerRequest>(&value).map(|r| ObjectSpec::Customer(r.into())),
        ),
        1 => (
            Kind::Account,
            decode::<CreateAccountRequest>(&value).map(|r| ObjectSpec::Account(r.into())),
        ),
        _ => (
            Kind::Subscriber,
            decode::<CreateSubscriberRequest>(&value).map(|r| ObjectSpec::Subscriber(r.into())),
        ),
    };
    let spec = match spec {
        Ok(spec) => spec,
        Err(error) => return assert_problem(&error, "a refused create shape"),
    };
    if let Err(errors) = spec.plan(catalog, limits, now()) {
        assert_paths(
            &errors,
            |path| native_fields::render(path, Some(kind)),
            "a refused create",
        );
        let error = native_fields::problem(Failure::Invalid(&errors), Some(kind));
        assert_problem(&error, "a refused create");
    }
}
