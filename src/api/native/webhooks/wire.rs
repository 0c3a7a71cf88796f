//! What `/v1/webhooks` takes and answers, as JSON.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::native::wire::present;
use crate::domain::time::Timestamp;
use crate::domain::webhooks::{Delivery, Webhook};

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
pub(super) const MAX_SEQ: i64 = (1 << 53) - 1;

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
    pub(super) fn of(hook: &Webhook, with_secret: bool) -> Self {
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
