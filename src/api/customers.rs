//! `POST /v1/customers`: OCS.io CreateCustomer.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Writer;
use super::body::JsonBody;
use super::entities::{created_events, new_id, view};
use super::idempotency::{self, decode_or_refuse, Success};
use super::problem::{ApiResult, Problem};
use super::wire::{AttributesRequest, ReferenceRequest, StateRequest};
use super::AppState;
use crate::domain::customer::{self, CustomerSpec};
use crate::domain::entity::CommonSpec;
use crate::domain::time::Timestamp;
use crate::domain::views::Customer;
use crate::store::{WriteOp, Written};

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
        }
    }
}

/// Create a customer, by profile or with every attribute given.
#[utoipa::path(
    post, path = "/v1/customers", tag = "customers",
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
    let limits = &app.config.limits;
    let claim = idempotency::claim(
        &headers,
        Some(&body.value),
        "POST",
        "/v1/customers",
        limits.idempotency_key_chars,
    )?;
    let request: CreateCustomerRequest = decode_or_refuse!(app, caller, claim, &body.value);
    let (_, catalog) = app.catalogs.get(&app.store, &caller.tenant).await?;
    let planned = customer::plan(request.into(), &catalog, limits)
        .map(|c| WriteOp::CreateCustomer(Box::new(c.into_row(new_id(), Timestamp::now()))));
    let (op, refused) = idempotency::refusable(planned, claim.is_some())?;
    let render = idempotency::render(refused, |written| {
        let Written::Customer(row) = written else {
            return Err(super::problem::ApiError::internal(
                "a customer write produced no customer",
            ));
        };
        let customer = view(Customer::try_from((**row).clone()))?;
        Ok(Success {
            status: StatusCode::CREATED,
            location: Some(format!("/v1/customers/{}", customer.id)),
            events: created_events(Some(&**row), None, None)?,
            body: serde_json::to_vec(&customer).map_err(super::problem::ApiError::internal)?,
        })
    });
    app.write(&caller, claim, op, render).await
}
