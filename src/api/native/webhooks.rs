//! `/v1/webhooks`: a tenant's webhook endpoints, admin only. Each delivery is a POST of the
//! event as `GET /v1/events` shows it, signed the Standard Webhooks way; this module also
//! gives the relay that rendering of an event, so the feed, webhooks and NATS agree.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::events::EventView;
use super::objects::{page_size, query_without_empty_values};
use super::wire::present;
use crate::api::http::auth::Admin;
use crate::api::http::body::{decode, IdPath, JsonBody};
use crate::api::http::problem::{ApiError, ApiResult, FieldError, Problem};
use crate::api::AppState;
use crate::app::relay::{EventRenderer, WebhookRefusal};
use crate::domain::events::Event;
use crate::domain::time::Timestamp;
use crate::domain::webhooks::{
    Delivery, Webhook, WebhookChangeSpec, WebhookField, WebhookProblem, WebhookSpec,
};
use crate::domain::FieldCode;

/// Renders events for the relay exactly as the change feed shows them.
pub struct FeedRenderer;

impl EventRenderer for FeedRenderer {
    fn render(&self, event: &Event) -> Vec<u8> {
        let data = serde_json::value::RawValue::from_string(event.data.clone()).unwrap_or_else(|e| {
            tracing::error!(error = %e, event_id = %event.event_id, "an event's data is not JSON");
            serde_json::value::RawValue::from_string("null".into()).expect("null is JSON")
        });
        let view = EventView {
            seq: event.seq,
            event_id: event.event_id.clone(),
            event_type: event.event_type.clone(),
            entity: event.entity.clone(),
            id: event.entity_id.clone(),
            at: event.at,
            actor: event.actor.clone(),
            data,
        };
        serde_json::to_vec(&view).expect("an event view serialises")
    }
}

/// What the relay renders events with.
pub fn feed_renderer() -> Arc<dyn EventRenderer> {
    Arc::new(FeedRenderer)
}

/// A registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where deliveries are POSTed: an absolute http(s) URL without credentials.
    #[schema(required = true, value_type = String, example = "https://billing.example.com/hooks/clientele")]
    pub url: Option<String>,
    /// Event types (`customer.created`), every type of an entity (`customer.*`) or all (`*`).
    #[schema(example = json!(["customer.*", "subscriber.state_changed"]))]
    pub events: Option<Vec<String>>,
    /// `whsec_` and the base64 of 24 to 64 random bytes; made for you when not given.
    pub secret: Option<String>,
    pub description: Option<String>,
}

/// A JSON merge patch of a registration: only what is named changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookPatchRequest {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String)]
    pub url: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Vec<String>)]
    pub events: Option<Option<Vec<String>>>,
    /// A new signing secret; deliveries are signed with it from the next attempt on.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String)]
    pub secret: Option<Option<String>>,
    /// `active` (which also ends a failure: the waiting event is tried again) or `disabled`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = WebhookStatus, example = "active")]
    pub status: Option<Option<String>>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
}

/// What a patch may set a registration's `status` to; for the document.
#[derive(Debug, Clone, Copy, ToSchema)]
#[allow(dead_code)]
pub enum WebhookStatus {
    #[schema(rename = "active")]
    Active,
    #[schema(rename = "disabled")]
    Disabled,
}

/// The largest seq a replay takes: every whole number up to it has an exact `f64`.
const MAX_SEQ: i64 = (1 << 53) - 1;

/// A seq sent as a whole number, `5` or `5.0` alike: JSON Schema counts both as integers.
fn whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Some(n) = number.as_i64() {
        return Ok(Some(n));
    }
    match number.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() <= MAX_SEQ as f64 => Ok(Some(f as i64)),
        _ => Err(serde::de::Error::custom("expected a whole number")),
    }
}

/// Replays from a feed seq.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayRequest {
    /// The first feed seq (`seq` of `GET /v1/events`) to deliver again; the events after
    /// it follow, in order.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(required = true, value_type = i64, minimum = 1, maximum = 9_007_199_254_740_991_i64)]
    pub from: Option<i64>,
}

/// An endpoint. Its secret is shown only in the answer that made it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    /// `active`, `disabled` (by its owner) or `failing` (a delivery failed for the whole
    /// retry horizon; its events wait, none dropped, until it is set `active` again).
    pub status: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub failing_since: Option<Timestamp>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
    /// The feed seq up to which every event was delivered (or is of a type not taken).
    pub delivered_through: i64,
    /// Events of the tenant after `deliveredThrough`: the endpoint's queue.
    pub pending: i64,
    /// The signing secret, `whsec_…`: in the answer to the registration only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    fn of(hook: &Webhook, with_secret: bool) -> Self {
        Self {
            id: hook.id.clone(),
            url: hook.url.as_str().to_owned(),
            events: hook.events.patterns().to_vec(),
            description: hook.description.clone(),
            status: hook.status.as_str().to_owned(),
            failing_since: hook.failing_since,
            created_at: hook.created_at,
            updated_at: hook.updated_at,
            delivered_through: hook.delivered_through,
            pending: hook.pending(),
            secret: with_secret.then(|| hook.secret.expose()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookView>,
}

/// One attempt to deliver one event.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub id: i64,
    /// The event's feed seq.
    pub seq: i64,
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    /// 1 for the first attempt at the event.
    pub attempt: u32,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The HTTP status answered; null when nothing was.
    pub status: Option<u16>,
    /// What went wrong when no status says it (refused connection, time-out).
    pub error: Option<String>,
    pub duration_ms: i64,
    /// `delivered`, `retrying` (at `nextTryAt`) or `failed` (the endpoint is failing).
    pub outcome: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_try_at: Option<Timestamp>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        let a = d.attempt;
        Self {
            id: d.id,
            seq: a.seq,
            event_id: a.event_id,
            event_type: a.event_type,
            attempt: a.attempt,
            at: a.at,
            status: a.status,
            error: a.error,
            duration_ms: a.duration_ms,
            outcome: a.outcome.as_str().to_owned(),
            next_try_at: a.next_try_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    /// Newest first.
    pub data: Vec<DeliveryView>,
    /// Pass as `before` for older attempts; null on the last page.
    pub next: Option<i64>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DeliveriesQuery {
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// The `next` of the previous page.
    #[param(value_type = Option<i64>, minimum = 1)]
    pub before: Option<String>,
}

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
        .ok_or_else(|| no_webhook())?;
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
        .ok_or_else(|| no_webhook())?;
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
        .ok_or_else(|| no_webhook())?;
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
        .ok_or_else(|| no_webhook())?;
    Ok((StatusCode::ACCEPTED, Json(WebhookView::of(&hook, false))).into_response())
}
