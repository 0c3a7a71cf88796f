//! `/v1/webhooks`: a tenant's webhook endpoints, admin only. Each delivery is a POST of the
//! event as `GET /v1/events` shows it, signed the Standard Webhooks way; this module also
//! gives the relay that rendering of an event (`renderer`), so the feed, webhooks and NATS
//! agree; `wire` holds what the endpoints take and answer.

mod renderer;
mod wire;

pub use renderer::{feed_renderer, FeedRenderer};
pub use wire::*;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::objects::{page_size, query_without_empty_values};
use crate::api::http::auth::Admin;
use crate::api::http::body::{decode, IdPath, JsonBody};
use crate::api::http::problem::{ApiError, ApiResult, FieldError, Problem};
use crate::api::AppState;
use crate::app::relay::WebhookRefusal;
use crate::domain::webhooks::{WebhookChangeSpec, WebhookField, WebhookProblem, WebhookSpec};
use crate::domain::FieldCode;

fn field_name(field: WebhookField) -> String {
    match field {
        WebhookField::Url => "url".into(),
        WebhookField::Events(None) => "events".into(),
        WebhookField::Events(Some(i)) => format!("events[{i}]"),
        WebhookField::Secret => "secret".into(),
        WebhookField::Status => "status".into(),
        WebhookField::Description => "description".into(),
    }
}

fn refused(refusal: WebhookRefusal) -> ApiError {
    match refusal {
        WebhookRefusal::Problems(problems) => ApiError::fields(field_errors(problems)),
        WebhookRefusal::TooMany { max } => ApiError::new(
            StatusCode::CONFLICT,
            "TOO_MANY_WEBHOOKS",
            format!("a tenant has at most {max} webhook endpoints; delete one first"),
        ),
    }
}

fn field_errors(problems: Vec<WebhookProblem>) -> Vec<FieldError> {
    problems
        .into_iter()
        .map(|p| FieldError::new(field_name(p.field), p.code, p.message))
        .collect()
}

/// The id is not quoted back: an answer never repeats what was sent.
fn no_webhook() -> ApiError {
    ApiError::not_found("no webhook has this id")
}

/// Register an endpoint. It gets the tenant's events from the next one on; the answer
/// shows its signing secret, which no other answer does.
#[utoipa::path(
    post, path = "/v1/webhooks", operation_id = "createWebhook", tag = "webhooks",
    request_body = WebhookRequest,
    responses(
        (status = 201, description = "Registered; `secret` is shown this once", body = WebhookView,
         headers(("Location" = String, description = "/v1/webhooks/{id}"))),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "The tenant has as many endpoints as it may (TOO_MANY_WEBHOOKS)", body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "A bad URL, event type or secret; errors name each", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(app): State<AppState>,
    Admin(caller): Admin,
    body: JsonBody,
) -> ApiResult<Response> {
    let request = decode::<WebhookRequest>(&body.value)?;
    let spec = WebhookSpec {
        url: request.url,
        events: request.events,
        secret: request.secret,
        description: request.description,
    };
    let hook = app
        .registry
        .create_webhook(&caller, spec)
        .await?
        .map_err(refused)?;
    let location = format!("/v1/webhooks/{}", hook.id);
    let mut response = (StatusCode::CREATED, Json(WebhookView::of(&hook, true))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// The tenant's endpoints, in the order they were made.
#[utoipa::path(
    get, path = "/v1/webhooks", operation_id = "listWebhooks", tag = "webhooks",
    responses((status = 200, body = WebhookList), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []))
)]
pub async fn list(
    State(app): State<AppState>,
    Admin(caller): Admin,
) -> ApiResult<Json<WebhookList>> {
    let hooks = app.registry.webhooks(&caller).await?;
    Ok(Json(WebhookList {
        data: hooks.iter().map(|h| WebhookView::of(h, false)).collect(),
    }))
}

/// One endpoint, with its queue.
#[utoipa::path(
    get, path = "/v1/webhooks/{id}", operation_id = "getWebhook", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 200, body = WebhookView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn get(
    State(app): State<AppState>,
    Admin(caller): Admin,
    IdPath(id): IdPath,
) -> ApiResult<Json<WebhookView>> {
    let hook = app
        .registry
        .webhook(&caller, &id)
        .await?
        .ok_or_else(no_webhook)?;
    Ok(Json(WebhookView::of(&hook, false)))
}

/// Members sent as `null` that cannot be removed.
fn not_removable(request: &WebhookPatchRequest) -> Vec<FieldError> {
    [
        ("url", matches!(request.url, Some(None))),
        ("events", matches!(request.events, Some(None))),
        ("secret", matches!(request.secret, Some(None))),
        ("status", matches!(request.status, Some(None))),
    ]
    .into_iter()
    .filter(|(_, null)| *null)
    .map(|(name, _)| FieldError::new(name, FieldCode::Required, "cannot be removed"))
    .collect()
}

/// Change what is named (JSON merge patch): the URL, the event types, the secret, the
/// status (`active` also ends a failure), the description.
#[utoipa::path(
    patch, path = "/v1/webhooks/{id}", operation_id = "patchWebhook", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body(content = WebhookPatchRequest, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The endpoint after the change", body = WebhookView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch(
    State(app): State<AppState>,
    Admin(caller): Admin,
    IdPath(id): IdPath,
    body: JsonBody,
) -> ApiResult<Json<WebhookView>> {
    let request = decode::<WebhookPatchRequest>(&body.value)?;
    let nulls = not_removable(&request);
    if !nulls.is_empty() {
        return Err(ApiError::fields(nulls));
    }
    let spec = WebhookChangeSpec {
        url: request.url.flatten(),
        events: request.events.flatten(),
        secret: request.secret.flatten(),
        status: request.status.flatten(),
        description: request.description,
    };
    let hook = app
        .registry
        .change_webhook(&caller, &id, spec)
        .await?
        .map_err(refused)?
        .ok_or_else(no_webhook)?;
    Ok(Json(WebhookView::of(&hook, false)))
}

/// Delete an endpoint: nothing more is sent to it, and its attempts are forgotten.
#[utoipa::path(
    delete, path = "/v1/webhooks/{id}", operation_id = "deleteWebhook", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn delete(
    State(app): State<AppState>,
    Admin(caller): Admin,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    if app.registry.delete_webhook(&caller, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_webhook())
    }
}

/// The endpoint's delivery attempts, newest first: status codes, errors, the next try.
#[utoipa::path(
    get, path = "/v1/webhooks/{id}/deliveries", operation_id = "listWebhookDeliveries", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id"), DeliveriesQuery),
    responses((status = 200, body = DeliveryPage), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn deliveries(
    State(app): State<AppState>,
    Admin(caller): Admin,
    IdPath(id): IdPath,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<DeliveryPage>> {
    let query: DeliveriesQuery = query_without_empty_values(raw.as_deref())?;
    let mut errors = Vec::new();
    let limit = page_size(query.limit.as_deref(), app.limits.page_size, &mut errors);
    let before = match query.before.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(n)) if n > 0 => Some(n),
        Some(_) => {
            errors.push(FieldError::new(
                "before",
                FieldCode::InvalidFormat,
                "before is the `next` of a page: a whole number ≥ 1",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::malformed("bad query parameters; see errors").with_errors(errors));
    }
    let mut found = app
        .registry
        .webhook_deliveries(&caller, &id, before, limit + 1)
        .await?
        .ok_or_else(no_webhook)?;
    let more = found.len() > limit;
    found.truncate(limit);
    let next = more.then(|| found.last().map(|d| d.id)).flatten();
    Ok(Json(DeliveryPage {
        data: found.into_iter().map(DeliveryView::from).collect(),
        next,
    }))
}

/// Deliver the tenant's events again from feed seq `from` on, in order, then carry on
/// with the new ones. It also ends a failure. Receivers de-duplicate on `webhook-id`.
#[utoipa::path(
    post, path = "/v1/webhooks/{id}/replay", operation_id = "replayWebhook", tag = "webhooks",
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body = ReplayRequest,
    responses(
        (status = 202, description = "The endpoint, its deliveries starting again", body = WebhookView),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn replay(
    State(app): State<AppState>,
    Admin(caller): Admin,
    IdPath(id): IdPath,
    body: JsonBody,
) -> ApiResult<Response> {
    let request = decode::<ReplayRequest>(&body.value)?;
    let from = match request.from {
        Some(from) if (1..=MAX_SEQ).contains(&from) => from,
        Some(_) => {
            return Err(ApiError::fields(vec![FieldError::new(
                "from",
                FieldCode::InvalidFormat,
                format!("a feed seq: a whole number from 1 to {MAX_SEQ}"),
            )]))
        }
        None => {
            return Err(ApiError::fields(vec![FieldError::new(
                "from",
                FieldCode::Required,
                "the first feed seq to deliver again",
            )]))
        }
    };
    let hook = app
        .registry
        .replay_webhook(&caller, &id, from)
        .await?
        .ok_or_else(no_webhook)?;
    Ok((StatusCode::ACCEPTED, Json(WebhookView::of(&hook, false))).into_response())
}
