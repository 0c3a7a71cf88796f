//! `POST /v1/customers`: OCS.io CreateCustomer.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::objects;
use super::views::Customer;
use super::wire::{AttributesRequest, ReferenceRequest, StateRequest};
use crate::api::http::auth::Writer;
use crate::api::http::body::JsonBody;
use crate::api::http::problem::{ApiResult, Problem};
use crate::api::AppState;
use crate::domain::customer::CustomerSpec;
use crate::domain::entity::CommonSpec;
use crate::domain::object::ObjectSpec;
use crate::domain::Kind;

/// OCS.io CreateCustomer.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCustomerRequest {
    /// Idempotency key; a retry with the same one gets the first answer.
    pub request_id: Option<String>,
    #[schema(example = "customer_external_id")]
    pub external_id: Option<String>,
    #[schema(example = "b2b")]
    pub customer_profile: Option<String>,
    pub customer_segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Option<AttributesRequest>,
    pub state: Option<StateRequest>,
    pub test_customer: Option<bool>,
    pub parent: Option<ReferenceRequest>,
}

impl From<CreateCustomerRequest> for CustomerSpec {
    fn from(r: CreateCustomerRequest) -> Self {
        CustomerSpec {
            common: CommonSpec {
                external_id: r.external_id,
                profile: r.customer_profile,
                segment: r.customer_segment,
                custom_name: r.custom_name,
                custom_attributes: r.custom_attributes,
                state: r.state.map(Into::into),
            },
            test_customer: r.test_customer,
            parent: r.parent.map(Into::into),
            contact: None,
        }
    }
}

/// Create a customer, by profile or with every attribute given.
#[utoipa::path(
    post, path = "/v1/customers", operation_id = "createCustomer", tag = "customers",
    request_body = CreateCustomerRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Alternative to requestId")),
    responses(
        (status = 201, description = "Created; Location names it", body = Customer),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "externalId taken, or the key's first request still runs", body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, description = "A rule is broken (parent NOT_FOUND or INVALID_STATE included), or the key was used for another request", body = Problem),
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
        Kind::Customer,
        "/v1/customers",
        |r: CreateCustomerRequest| ObjectSpec::Customer(r.into()),
    )
    .await
}
