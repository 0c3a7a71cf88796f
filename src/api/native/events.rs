//! `GET /v1/events`: the tenant's change feed, in commit order with a stable cursor.

use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::objects::{page_size, query_without_empty_values};
use crate::api::http::auth::Reader;
use crate::api::http::problem::{ApiError, ApiResult, FieldError, Problem};
use crate::api::AppState;
use crate::domain::time::Timestamp;
use crate::domain::FieldCode;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// The `next` of the previous page (0 or absent: from the start).
    #[param(value_type = Option<i64>, minimum = 0)]
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// Seconds (up to 30) to wait for an event when there is none yet.
    #[param(value_type = Option<u32>, minimum = 0, maximum = 30)]
    pub wait: Option<String>,
}

/// One change: what happened to which object, who did it, and the object afterwards.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// The event's number in the tenant's feed: 1, 2, 3… in commit order, without gaps.
    pub seq: i64,
    /// Unique among all events of all tenants; the same on every delivery of the event.
    #[serde(rename = "eventId")]
    pub event_id: String,
    /// Like `customer.created`, `account.updated`, `subscriber.state_changed`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// `customer`, `account`, `subscriber` or `catalog`.
    pub entity: String,
    pub id: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The API key's id (or the user) that made the change.
    pub actor: String,
    /// The object as `GET` showed it right after the change.
    #[schema(value_type = Object)]
    pub data: Box<serde_json::value::RawValue>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub data: Vec<EventView>,
    /// Pass as `after` to continue; the same cursor again when nothing new came.
    pub next: i64,
}

const MAX_WAIT_SECONDS: u64 = 30;

/// The tenant's events after a cursor. A reader that follows `next` sees every event once,
/// in commit order.
#[utoipa::path(
    get, path = "/v1/events", operation_id = "listEvents", tag = "events",
    params(EventsQuery),
    responses((status = 200, body = EventPage), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = []))
)]
pub async fn feed(
    State(app): State<AppState>,
    Reader(caller): Reader,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<EventPage>> {
    let query: EventsQuery = query_without_empty_values(raw.as_deref())?;
    let mut errors = Vec::new();
    let limit = page_size(query.limit.as_deref(), app.limits.page_size, &mut errors);
    let after = match query.after.as_deref().map(str::parse::<i64>) {
        None => 0,
        Some(Ok(n)) if n >= 0 => n,
        Some(_) => {
            errors.push(FieldError::new(
                "after",
                FieldCode::InvalidFormat,
                "after is a seq: a whole number ≥ 0",
            ));
            0
        }
    };
    let wait = match query.wait.as_deref().map(str::parse::<u64>) {
        None => 0,
        Some(Ok(n)) if n <= MAX_WAIT_SECONDS => n,
        Some(_) => {
            errors.push(FieldError::new(
                "wait",
                FieldCode::InvalidFormat,
                format!("wait is a number of seconds from 0 to {MAX_WAIT_SECONDS}"),
            ));
            0
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::malformed("bad query parameters; see errors").with_errors(errors));
    }
    let rows = app
        .registry
        .feed(&caller, after, limit, Duration::from_secs(wait))
        .await?;
    let next = rows.last().map_or(after, |row| row.seq);
    let data = rows
        .into_iter()
        .map(|row| {
            Ok(EventView {
                seq: row.seq,
                event_id: row.event_id,
                event_type: row.event_type,
                entity: row.entity,
                id: row.entity_id,
                at: row.at,
                actor: row.actor,
                data: serde_json::value::RawValue::from_string(row.data)
                    .map_err(ApiError::internal)?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Json(EventPage { data, next }))
}
