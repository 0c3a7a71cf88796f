//! `GET`/`PUT /v1/catalog`: the tenant's catalog, admin only, replaced whole.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;

use super::auth::Admin;
use super::body::JsonBody;
use super::idempotency::{self, decode_or_refuse, Success};
use super::problem::{ApiError, ApiResult, Problem};
use super::AppState;
use crate::domain::catalog::Catalog;
use crate::store::{now_micros, EventRow, WriteOp, Written};

/// The tenant's catalog (the built-in default until one is stored).
#[utoipa::path(
    get, path = "/v1/catalog", tag = "catalog",
    responses((status = 200, body = Catalog), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []))
)]
pub async fn get(State(app): State<AppState>, Admin(caller): Admin) -> ApiResult<Json<Catalog>> {
    let (_, rules) = app.catalogs.get(&app.store, &caller.tenant).await?;
    Ok(Json(rules.document().clone()))
}

/// Replace the catalog. The document is validated as a whole; every inconsistency is listed.
#[utoipa::path(
    put, path = "/v1/catalog", tag = "catalog",
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
    let limits = &app.config.limits;
    let claim = idempotency::claim(
        &headers,
        Some(&body.value),
        "PUT",
        "/v1/catalog",
        limits.idempotency_key_chars,
    )?;
    // `requestId` rides beside the document, which itself has no such member.
    let mut document = body.value.clone();
    if let Some(members) = document.as_object_mut() {
        members.remove("requestId");
    }
    let catalog: Catalog = decode_or_refuse!(app, caller, claim, &document);
    let document = serde_json::to_string(&catalog).map_err(ApiError::internal)?;
    let planned = catalog
        .clone()
        .validate(limits)
        .map(|_| WriteOp::PutCatalog {
            document,
            at: now_micros(),
        });
    let (op, refused) = idempotency::refusable(planned, claim.is_some())?;
    let tenant = caller.tenant.clone();
    let render = idempotency::render(refused, move |written| match written {
        Written::Catalog { version } => Ok(Success {
            status: StatusCode::OK,
            location: None,
            events: vec![EventRow {
                event_type: "catalog.updated".into(),
                entity: "catalog".into(),
                entity_id: format!("{tenant}@{version}"),
                data: serde_json::to_string(&catalog).map_err(ApiError::internal)?,
            }],
            body: serde_json::to_vec(&catalog).map_err(ApiError::internal)?,
        }),
        _ => Err(ApiError::internal("a catalog write produced no catalog")),
    });
    let response = app.write(&caller, claim, op, render).await;
    app.catalogs.forget(&caller.tenant);
    response
}
