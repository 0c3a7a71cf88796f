//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{catalog, customers, ops, problem};
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
        customers::create, customers::get, customers::list,
        catalog::get, catalog::put,
        ops::healthz, ops::readyz, ops::metrics,
    ),
    components(schemas(problem::Problem, domain::FieldError, domain::FieldCode)),
    modifiers(&BearerAuth),
    tags(
        (name = "customers", description = "The native (OCS.io) customer door"),
        (name = "catalog", description = "Profiles, segments, states and reasons; admin only"),
        (name = "operations", description = "Open without a key"),
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
