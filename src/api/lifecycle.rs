//! Changing what exists: `POST /v1/{kind}/{id}/state`, `PATCH /v1/{kind}/{id}`, and the
//! state and segment histories those changes leave.

use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{Caller, Writer};
use super::body::{IdPath, JsonBody};
use super::entities::{event, shown, view};
use super::idempotency::{self, decode_or_refuse, Success};
use super::problem::{ApiError, ApiResult, Problem};
use super::wire::{present, AttributesRequest};
use super::AppState;
use crate::domain::auth::Role;
use crate::domain::entity::{segment_field, StateSpec};
use crate::domain::lifecycle::{plan_patch, plan_state_change, PatchSpec};
use crate::domain::time::Timestamp;
use crate::domain::views::Entity;
use crate::domain::{FieldCode, FieldErrors};
use crate::store::{History, HistoryRow, Kind, WriteOp, Written};

/// A move to another state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateChangeRequest {
    pub request_id: Option<String>,
    #[schema(example = "SUSPENDED")]
    pub state: Option<String>,
    #[schema(example = "dfltSuspended")]
    pub state_reason: Option<String>,
    /// Also move the accounts and subscribers below (a customer's primary accounts and their
    /// subscribers; an account's subscribers), except those already DEACTIVATED.
    pub cascade: Option<bool>,
}

/// Move an object to a state. DEACTIVATED is terminal: a deactivated object takes no change.
#[utoipa::path(
    post, path = "/v1/{kind}/{id}/state", tag = "objects",
    params(
        ("kind" = String, Path, description = "customers, accounts or subscribers"),
        ("id" = String, Path, description = "The object's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to requestId"),
    ),
    request_body = StateChangeRequest,
    responses(
        (status = 200, description = "The object after the change", body = Entity),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, description = "Reason not configured for the state, or the object is DEACTIVATED (INVALID_STATE)", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn change_state(
    kind: Kind,
    State(app): State<AppState>,
    Writer(caller): Writer,
    IdPath(id): IdPath,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let limits = &app.config.limits;
    let claim = idempotency::claim(
        &headers,
        Some(&body.value),
        "POST",
        uri.path(),
        limits.idempotency_key_chars,
    )?;
    let request: StateChangeRequest = decode_or_refuse!(app, caller, claim, &body.value);
    let (_, catalog) = app.catalogs.get(&app.store, &caller.tenant).await?;
    let spec = StateSpec {
        state: request.state,
        state_reason: request.state_reason,
    };
    let planned = plan_state_change(&spec, &catalog).map(|target| WriteOp::ChangeState {
        kind,
        id,
        state: target.state.as_str().to_owned(),
        state_reason: target.state_reason,
        cascade: request.cascade.unwrap_or(false),
    });
    let (op, refused) = idempotency::refusable(planned, claim.is_some())?;
    let render = idempotency::render(refused, move |written| {
        let Written::StateChanged(rows) = written else {
            return Err(ApiError::internal("a state change changed nothing"));
        };
        let (first, below) = rows
            .split_first()
            .ok_or_else(|| ApiError::internal("a state change changed nothing"))?;
        let (body, changed) = shown(
            kind,
            "state_changed",
            &view(Entity::try_from(first.clone()))?,
        )?;
        let mut events = vec![changed];
        for row in below {
            events.push(event(row.kind(), "state_changed", row)?);
        }
        Ok(Success {
            status: StatusCode::OK,
            location: None,
            events,
            body,
        })
    });
    app.write(&caller, claim, op, render).await
}

/// A JSON merge patch (RFC 7396) of the fields a client may change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PatchRequest {
    pub request_id: Option<String>,
    /// `null` removes it; still unique.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    /// `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub custom_name: Option<Option<String>>,
    /// Replaced whole, as OCS.io does; `null` empties it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub custom_attributes: Option<Option<AttributesRequest>>,
    /// Customers only.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub customer_segment: Option<Option<String>>,
    /// Accounts only.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub account_segment: Option<Option<String>>,
    /// Subscribers only.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub subscriber_segment: Option<Option<String>>,
}

impl PatchRequest {
    /// The patch for `kind`; another kind's segment field is refused like any unknown field.
    fn into_spec(self, kind: Kind) -> ApiResult<PatchSpec> {
        let mut segment = None;
        let mut wrong = FieldErrors::new();
        for (field, value) in [
            (Kind::Customer, self.customer_segment),
            (Kind::Account, self.account_segment),
            (Kind::Subscriber, self.subscriber_segment),
        ] {
            match value {
                Some(value) if field == kind => segment = Some(value),
                Some(_) => wrong.push(
                    segment_field(field),
                    FieldCode::NotAllowed,
                    format!("a {} has no {}", kind.entity(), segment_field(field)),
                ),
                None => {}
            }
        }
        if !wrong.is_empty() {
            return Err(ApiError::malformed(
                "the body does not have the expected shape; see errors",
            )
            .with_errors(wrong));
        }
        Ok(PatchSpec {
            external_id: self.external_id,
            custom_name: self.custom_name,
            custom_attributes: self.custom_attributes,
            segment,
        })
    }
}

/// Change only the fields named: name, custom attributes (replaced whole), external id, segment.
#[utoipa::path(
    patch, path = "/v1/{kind}/{id}", tag = "objects",
    params(
        ("kind" = String, Path, description = "customers, accounts or subscribers"),
        ("id" = String, Path, description = "The object's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Alternative to requestId"),
    ),
    request_body(content = PatchRequest, content_type = "application/merge-patch+json"),
    responses(
        (status = 200, description = "The object after the change", body = Entity),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, description = "externalId taken", body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "Unconfigured segment, or the object is DEACTIVATED (INVALID_STATE)", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn patch(
    kind: Kind,
    State(app): State<AppState>,
    Writer(caller): Writer,
    IdPath(id): IdPath,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let limits = &app.config.limits;
    let claim = idempotency::claim(
        &headers,
        Some(&body.value),
        "PATCH",
        uri.path(),
        limits.idempotency_key_chars,
    )?;
    let request: PatchRequest = decode_or_refuse!(app, caller, claim, &body.value);
    let spec = match request.into_spec(kind) {
        Ok(spec) => spec,
        Err(problem) if claim.is_some() => return app.refuse(&caller, claim, problem).await,
        Err(problem) => return Err(problem),
    };
    let (_, catalog) = app.catalogs.get(&app.store, &caller.tenant).await?;
    let planned = plan_patch(kind, spec, &catalog, limits).map(|patch| WriteOp::Patch {
        kind,
        id,
        patch: Box::new(patch),
    });
    let (op, refused) = idempotency::refusable(planned, claim.is_some())?;
    let render = idempotency::render(refused, move |written| {
        let Written::Patched(row) = written else {
            return Err(ApiError::internal("a patch changed nothing"));
        };
        let (body, updated) = shown(kind, "updated", &view(Entity::try_from((**row).clone()))?)?;
        Ok(Success {
            status: StatusCode::OK,
            location: None,
            events: vec![updated],
            body,
        })
    });
    app.write(&caller, claim, op, render).await
}

/// An object's history of one sort, for a caller who may read it; 404 when there is no object.
async fn history(
    app: &AppState,
    caller: &Caller,
    kind: Kind,
    id: &str,
    which: History,
) -> ApiResult<Vec<HistoryRow>> {
    caller.require(Role::Reader)?;
    app.store
        .history(kind, &caller.tenant, id, which)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no {} {id:?}", kind.entity())))
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
    get, path = "/v1/{kind}/{id}/states", tag = "objects",
    params(
        ("kind" = String, Path, description = "customers, accounts or subscribers"),
        ("id" = String, Path, description = "The object's id"),
    ),
    responses((status = 200, body = StateHistory), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn states(
    kind: Kind,
    State(app): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> ApiResult<Json<StateHistory>> {
    let rows = history(&app, &caller, kind, &id, History::State).await?;
    Ok(Json(StateHistory {
        data: rows
            .into_iter()
            .map(|row| StateEntry {
                state: row.value,
                state_reason: row.reason.unwrap_or_default(),
                at: Timestamp::from_micros(row.at),
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
    get, path = "/v1/{kind}/{id}/segments", tag = "objects",
    params(
        ("kind" = String, Path, description = "customers, accounts or subscribers"),
        ("id" = String, Path, description = "The object's id"),
    ),
    responses((status = 200, body = SegmentHistory), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn segments(
    kind: Kind,
    State(app): State<AppState>,
    caller: Caller,
    IdPath(id): IdPath,
) -> ApiResult<Json<SegmentHistory>> {
    let rows = history(&app, &caller, kind, &id, History::Segment).await?;
    Ok(Json(SegmentHistory {
        data: rows
            .into_iter()
            .map(|row| SegmentEntry {
                segment: row.value,
                at: Timestamp::from_micros(row.at),
                actor: row.actor,
            })
            .collect(),
    }))
}
