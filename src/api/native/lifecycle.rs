//! Changing what exists: `POST /v1/{kind}/{id}/state` and `PATCH /v1/{kind}/{id}`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::answers::{respond, Success};
use super::fields::field_name;
use super::views::Entity;
use super::wire::{present, AttributesRequest};
use super::write;
use crate::api::http::auth::Writer;
use crate::api::http::body::{decode, IdPath, JsonBody};
use crate::api::http::idempotency::Request;
use crate::api::http::problem::{ApiError, ApiResult, FieldError, Problem};
use crate::api::AppState;
use crate::app::Command;
use crate::domain::entity::StateSpec;
use crate::domain::lifecycle::PatchSpec;
use crate::domain::path::Field;
use crate::domain::{FieldCode, Kind};

/// A move to another state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateChangeRequest {
    pub request_id: Option<String>,
    #[schema(required = true, value_type = crate::domain::state::State, example = "SUSPENDED")]
    pub state: Option<String>,
    #[schema(example = "dfltSuspended")]
    pub state_reason: Option<String>,
    /// Also move the accounts and subscribers below (a customer's primary accounts and their
    /// subscribers; an account's subscribers), except those already DEACTIVATED.
    pub cascade: Option<bool>,
}

/// Move an object to a state. DEACTIVATED is terminal: a deactivated object takes no change.
#[utoipa::path(
    post, path = "/v1/{kind}/{id}/state", operation_id = "changeState", tag = "objects",
    params(
        ("kind" = String, Path, description = "Written out per kind in the document"),
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
    route: &'static str,
    State(app): State<AppState>,
    Writer(caller): Writer,
    IdPath(id): IdPath,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let request = Request {
        method: "POST",
        route,
        object: Some(&id),
        body: Some(&body.value),
    };
    let decoded = decode::<StateChangeRequest>(&body.value);
    let command = |request: StateChangeRequest| Command::ChangeState {
        kind,
        id: id.clone(),
        spec: StateSpec {
            state: request.state,
            state_reason: request.state_reason,
        },
        cascade: request.cascade.unwrap_or(false),
    };
    let respond = respond(Some(kind), Success::Changed);
    write(&app, &caller, &headers, request, decoded, command, respond).await
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
    #[schema(value_type = Option<AttributesRequest>)]
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
        let mut wrong = Vec::new();
        for (field, value) in [
            (Kind::Customer, self.customer_segment),
            (Kind::Account, self.account_segment),
            (Kind::Subscriber, self.subscriber_segment),
        ] {
            match value {
                Some(value) if field == kind => segment = Some(value),
                Some(_) => {
                    let name = field_name(Field::Segment, Some(field));
                    wrong.push(FieldError::new(
                        name,
                        FieldCode::NotAllowed,
                        format!("a {kind} has no {name}"),
                    ));
                }
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
    patch, path = "/v1/{kind}/{id}", operation_id = "patchObject", tag = "objects",
    params(
        ("kind" = String, Path, description = "Written out per kind in the document"),
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
    route: &'static str,
    State(app): State<AppState>,
    Writer(caller): Writer,
    IdPath(id): IdPath,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let request = Request {
        method: "PATCH",
        route,
        object: Some(&id),
        body: Some(&body.value),
    };
    let decoded = decode::<PatchRequest>(&body.value).and_then(|request| request.into_spec(kind));
    let command = |spec| Command::Patch {
        kind,
        id: id.clone(),
        spec,
    };
    let respond = respond(Some(kind), Success::Changed);
    write(&app, &caller, &headers, request, decoded, command, respond).await
}
