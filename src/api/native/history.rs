//! The state and segment histories an object's changes leave.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::http::auth::Reader;
use crate::api::http::body::IdPath;
use crate::api::http::problem::{ApiError, ApiResult, Problem};
use crate::api::AppState;
use crate::app::Caller;
use crate::domain::records::{History, HistoryEntry};
use crate::domain::time::Timestamp;
use crate::domain::Kind;

/// An object's history of one sort, for a caller who may read it; 404 when there is no object.
async fn history(
    app: &AppState,
    caller: &Caller,
    kind: Kind,
    id: &str,
    which: History,
) -> ApiResult<Vec<HistoryEntry>> {
    app.registry
        .history(caller, kind, id, which)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no {kind} has this id")))
}

/// One state an object was moved to.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateEntry {
    pub state: String,
    pub state_reason: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The API key's id (or the user) that made the change.
    pub actor: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StateHistory {
    pub data: Vec<StateEntry>,
}

/// An object's states, oldest first; the first is the one it was created in.
#[utoipa::path(
    get, path = "/v1/{kind}/{id}/states", operation_id = "listStates", tag = "objects",
    params(
        ("kind" = String, Path, description = "Written out per kind in the document"),
        ("id" = String, Path, description = "The object's id"),
    ),
    responses((status = 200, body = StateHistory), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn states(
    kind: Kind,
    State(app): State<AppState>,
    Reader(caller): Reader,
    IdPath(id): IdPath,
) -> ApiResult<Json<StateHistory>> {
    let rows = history(&app, &caller, kind, &id, History::State).await?;
    Ok(Json(StateHistory {
        data: rows
            .into_iter()
            .map(|row| StateEntry {
                state: row.value,
                state_reason: row.reason.unwrap_or_default(),
                at: row.at,
                actor: row.actor,
            })
            .collect(),
    }))
}

/// One segment an object was put in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentEntry {
    pub segment: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub actor: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentHistory {
    pub data: Vec<SegmentEntry>,
}

/// An object's segments, oldest first.
#[utoipa::path(
    get, path = "/v1/{kind}/{id}/segments", operation_id = "listSegments", tag = "objects",
    params(
        ("kind" = String, Path, description = "Written out per kind in the document"),
        ("id" = String, Path, description = "The object's id"),
    ),
    responses((status = 200, body = SegmentHistory), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn segments(
    kind: Kind,
    State(app): State<AppState>,
    Reader(caller): Reader,
    IdPath(id): IdPath,
) -> ApiResult<Json<SegmentHistory>> {
    let rows = history(&app, &caller, kind, &id, History::Segment).await?;
    Ok(Json(SegmentHistory {
        data: rows
            .into_iter()
            .map(|row| SegmentEntry {
                segment: row.value,
                at: row.at,
                actor: row.actor,
            })
            .collect(),
    }))
}
