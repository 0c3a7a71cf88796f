//! `GET`/`PUT /v1/catalog`: the tenant's catalog, admin only, replaced whole.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;

use super::answers::{respond, Success};
use super::write;
use crate::api::http::auth::Admin;
use crate::api::http::body::{decode, JsonBody};
use crate::api::http::idempotency::Request;
use crate::api::http::problem::{ApiResult, Problem};
use crate::api::AppState;
use crate::app::Command;
use crate::domain::catalog::Catalog;

/// The tenant's catalog (the built-in default until one is stored).
#[utoipa::path(
    get, path = "/v1/catalog", operation_id = "getCatalog", tag = "catalog",
    responses((status = 200, body = Catalog), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []))
)]
pub async fn get(State(app): State<AppState>, Admin(caller): Admin) -> ApiResult<Json<Catalog>> {
    let rules = app.registry.catalog(&caller).await?;
    Ok(Json(rules.document().clone()))
}

/// Replace the catalog. The document is validated as a whole; every inconsistency is listed.
#[utoipa::path(
    put, path = "/v1/catalog", operation_id = "putCatalog", tag = "catalog",
    request_body = Catalog,
    responses(
        (status = 200, description = "Stored as the next version", body = Catalog),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, description = "Inconsistent catalog; errors name each field", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn put(
    State(app): State<AppState>,
    Admin(caller): Admin,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let request = Request {
        method: "PUT",
        route: "/v1/catalog",
        object: None,
        body: Some(&body.value),
    };
    // `requestId` rides beside the document, which itself has no such member.
    let mut document = body.value.clone();
    if let Some(members) = document.as_object_mut() {
        members.remove("requestId");
    }
    let decoded = decode::<Catalog>(&document);
    let respond = respond(None, Success::Changed);
    write(
        &app,
        &caller,
        &headers,
        request,
        decoded,
        Command::PutCatalog,
        respond,
    )
    .await
}
