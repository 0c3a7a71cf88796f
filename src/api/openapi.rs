//! The OpenAPI document of every door, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::bank;
use super::http::{ops, problem};
use super::native::{
    accounts, catalog, customers, events, history, lifecycle, objects, subscribers,
};
use crate::domain;

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
                       Errors are RFC 9457 problem documents (application/problem+json).",
        license(name = "Apache-2.0")
    ),
    paths(
        customers::create, accounts::create, subscribers::create,
        objects::get, objects::list,
        lifecycle::change_state, lifecycle::patch, history::states, history::segments,
        events::feed,
        catalog::get, catalog::put,
        bank::post_customers, bank::get_customer,
        ops::healthz, ops::readyz, ops::metrics,
    ),
    components(schemas(problem::Problem, problem::FieldError, domain::FieldCode)),
    modifiers(&BearerAuth),
    tags(
        (name = "customers", description = "The native (OCS.io) door: customers"),
        (name = "accounts", description = "The native (OCS.io) door: accounts, owned by customers"),
        (name = "subscribers", description = "The native (OCS.io) door: subscribers, under accounts"),
        (name = "objects", description = "What customers, accounts and subscribers share: `{kind}` is customers, accounts or subscribers"),
        (name = "events", description = "The change feed"),
        (name = "catalog", description = "Profiles, segments, states and reasons; admin only"),
        (name = "bank", description = "The bank-data door (Cardlytics Publisher v2): batches of customers with accounts and cards"),
        (name = "operations", description = "Open without a key"),
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
