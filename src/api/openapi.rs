//! The OpenAPI document of every door, generated from the handlers' annotations.

use axum::Json;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::bank;
use super::egain;
use super::http::problem::PROBLEM_JSON;
use super::http::{ops, problem};
use super::native::{
    accounts, catalog, customers, events, history, lifecycle, objects, subscribers, webhooks,
};
use crate::domain;

mod kinds;
mod statuses;
mod text;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key made by `clientele keys create`"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "clientele",
        description = "A customer registry: customers, accounts, subscribers and their contact data. \
                       Errors are RFC 9457 problem documents (application/problem+json), except on \
                       the eGain door, which answers in eGain's own error shape.\n\n\
                       A body this document accepts may still be refused with 422 (on the eGain door, \
                       400) by the rules the schema cannot state: the catalog's profiles, segments, \
                       states and reasons, the references between objects, and each door's rules \
                       for its fields. No text holds a NUL character: every string excludes it.",
        license(name = "Apache-2.0")
    ),
    paths(
        customers::create, accounts::create, subscribers::create,
        objects::get, objects::list,
        lifecycle::change_state, lifecycle::patch, history::states, history::segments,
        events::feed,
        catalog::get, catalog::put,
        webhooks::create, webhooks::list, webhooks::get, webhooks::patch, webhooks::delete,
        webhooks::deliveries, webhooks::replay,
        bank::post_customers, bank::put_customers, bank::get_customer,
        ops::healthz, ops::readyz, ops::metrics,
    ),
    components(schemas(problem::Problem, problem::FieldError, domain::FieldCode)),
    modifiers(&BearerAuth),
    tags(
        (name = "customers", description = "The native (OCS.io) door: customers"),
        (name = "accounts", description = "The native (OCS.io) door: accounts, owned by customers"),
        (name = "subscribers", description = "The native (OCS.io) door: subscribers, under accounts"),
        (name = "events", description = "The change feed"),
        (name = "catalog", description = "Profiles, segments, states and reasons; admin only"),
        (name = "webhooks", description = "Changes pushed to HTTP endpoints, signed per Standard Webhooks; admin only"),
        (name = "bank", description = "The bank-data door (Cardlytics Publisher v2): batches of customers with accounts and cards"),
        (name = "operations", description = "Open without a key"),
    )
)]
pub struct ApiDoc;

/// The document as served: the generated one, with what the annotations cannot say put
/// right in one place. Every error answer of `/v1` and `/v2` is a problem document, the
/// routes the kinds share are written out per kind, the eGain door's paths are described
/// from its own schema, every status the layers in front of the handlers answer is listed
/// on each operation, free text excludes NUL, and the
/// custom attributes map is named for what it is rather than for the Rust type behind it.
pub fn document() -> Value {
    let mut document = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    problems_are_problem_json(&mut document);
    rename_schema(&mut document, "BTreeMap", "Attributes");
    kinds::write_out(&mut document);
    // After the problem+json step: this door answers errors in its own shape.
    egain::openapi::add_to(&mut document);
    statuses::complete_all(&mut document);
    text::constrain(&mut document);
    document
}

fn problems_are_problem_json(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for operation in paths.values_mut().filter_map(Value::as_object_mut) {
        for responses in operation
            .values_mut()
            .filter_map(|op| op.get_mut("responses"))
            .filter_map(Value::as_object_mut)
        {
            for (status, response) in responses.iter_mut() {
                if !status.starts_with('4') && !status.starts_with('5') {
                    continue;
                }
                let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
                else {
                    continue;
                };
                if let Some(json) = content.remove("application/json") {
                    content.insert(PROBLEM_JSON.to_owned(), json);
                }
            }
        }
    }
}

fn rename_schema(document: &mut Value, from: &str, to: &str) {
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        if let Some(schema) = schemas.remove(from) {
            schemas.insert(to.to_owned(), schema);
        }
    }
    let (old, new) = (
        format!("#/components/schemas/{from}"),
        format!("#/components/schemas/{to}"),
    );
    fn walk(value: &mut Value, old: &str, new: &str) {
        match value {
            Value::Object(members) => {
                for (name, member) in members.iter_mut() {
                    if name == "$ref" && member.as_str() == Some(old) {
                        *member = Value::String(new.to_owned());
                    } else {
                        walk(member, old, new);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|item| walk(item, old, new)),
            _ => {}
        }
    }
    walk(document, &old, &new);
}

/// `GET /openapi.json`.
pub async fn serve() -> Json<Value> {
    Json(document())
}
