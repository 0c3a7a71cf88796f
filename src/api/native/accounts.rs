//! `POST /v1/accounts`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::objects;
use super::views::Account;
use super::wire::{AttributesRequest, ReferenceRequest, StateRequest};
use crate::api::http::auth::Writer;
use crate::api::http::body::JsonBody;
use crate::api::http::problem::{ApiResult, Problem};
use crate::api::AppState;
use crate::domain::account::AccountSpec;
use crate::domain::entity::CommonSpec;
use crate::domain::object::ObjectSpec;
use crate::domain::Kind;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateAccountRequest {
    /// Idempotency key; a retry with the same one gets the first answer.
    pub request_id: Option<String>,
    #[schema(example = "account_external_id")]
    pub external_id: Option<String>,
    /// The owning customer; without it, the profile's customer profile creates one.
    pub customer: Option<ReferenceRequest>,
    #[schema(example = "standard")]
    pub account_profile: Option<String>,
    pub account_segment: Option<String>,
    pub state: Option<StateRequest>,
    pub custom_name: Option<String>,
    pub custom_attributes: Option<AttributesRequest>,
}

impl From<CreateAccountRequest> for AccountSpec {
    fn from(r: CreateAccountRequest) -> Self {
        AccountSpec {
            common: CommonSpec {
                external_id: r.external_id,
                profile: r.account_profile,
                segment: r.account_segment,
                custom_name: r.custom_name,
                custom_attributes: r.custom_attributes,
                state: r.state.map(Into::into),
            },
            customer: r.customer.map(Into::into),
        }
    }
}

/// Create an account, owned by a customer that exists or by one its profile creates.
#[utoipa::path(
    post, path = "/v1/accounts", operation_id = "createAccount", tag = "accounts",
    request_body = CreateAccountRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Alternative to requestId")),
    responses(
        (status = 201, description = "Created; Location names it", body = Account),
        (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "externalId taken", body = Problem),
        (status = 422, description = "A rule is broken: customer NOT_FOUND or INVALID_STATE, unconfigured profile, segment or reason", body = Problem),
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
        Kind::Account,
        "/v1/accounts",
        |r: CreateAccountRequest| ObjectSpec::Account(r.into()),
    )
    .await
}
