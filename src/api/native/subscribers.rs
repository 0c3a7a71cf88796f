//! `POST /v1/subscribers`: OCS.io CreateSubscriber.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::objects;
use super::views::Subscriber;
use super::wire::{AttributesRequest, ReferenceRequest, StateRequest};
use crate::api::http::auth::Writer;
use crate::api::http::body::JsonBody;
use crate::api::http::problem::{ApiResult, Problem};
use crate::api::AppState;
use crate::domain::entity::CommonSpec;
use crate::domain::object::ObjectSpec;
use crate::domain::subscriber::SubscriberSpec;
use crate::domain::Kind;

/// OCS.io CreateSubscriber.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSubscriberRequest {
    /// Idempotency key; a retry with the same one gets the first answer.
    pub request_id: Option<String>,
    #[schema(example = "subscriber_external_id")]
    pub external_id: Option<String>,
    /// The account; without it, the subscriber profile's account profile creates one.
    pub account: Option<ReferenceRequest>,
    #[schema(example = "internetOnly")]
    pub subscriber_profile: Option<String>,
    pub subscriber_segment: Option<String>,
    #[schema(example = "MSISDN")]
    pub primary_resource_type: Option<String>,
    #[schema(example = "421900123456")]
    pub primary_resource: Option<String>,
    pub state: Option<StateRequest>,
    pub custom_name: Option<String>,
    pub custom_attributes: Option<AttributesRequest>,
}

impl From<CreateSubscriberRequest> for SubscriberSpec {
    fn from(r: CreateSubscriberRequest) -> Self {
        SubscriberSpec {
            common: CommonSpec {
                external_id: r.external_id,
                profile: r.subscriber_profile,
                segment: r.subscriber_segment,
                custom_name: r.custom_name,
                custom_attributes: r.custom_attributes,
                state: r.state.map(Into::into),
            },
            account: r.account.map(Into::into),
            primary_resource_type: r.primary_resource_type,
            primary_resource: r.primary_resource,
        }
    }
}

/// Create a subscriber under an account, or by profile with a new account and customer.
#[utoipa::path(
    post, path = "/v1/subscribers", operation_id = "createSubscriber", tag = "subscribers",
    request_body = CreateSubscriberRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Alternative to requestId")),
    responses(
        (status = 201, description = "Created; Location names it", body = Subscriber),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "externalId (even of a deactivated subscriber) or a live primaryResource taken", body = Problem),
        (status = 422, description = "One of the ten OCS.io rules is broken; errors name the fields", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(app): State<AppState>,
    Writer(caller): Writer,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    objects::create(
        app,
        caller,
        headers,
        body,
        Kind::Subscriber,
        "/v1/subscribers",
        |r: CreateSubscriberRequest| ObjectSpec::Subscriber(r.into()),
    )
    .await
}
