//! The native customer door: `POST /v1/customers`, `GET /v1/customers/{id}`, `GET /v1/customers`.

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Caller;
use super::body::{decode, JsonBody};
use super::idempotency::{self, Success};
use super::problem::{ApiError, ApiResult, Problem};
use super::AppState;
use crate::domain::auth::Role;
use crate::domain::customer::{self, Customer, CustomerSpec, ReferenceSpec, StateSpec};
use crate::domain::state::State as LifecycleState;
use crate::domain::time::Timestamp;
use crate::domain::{FieldCode, FieldErrors};
use crate::store::{CustomerFilter, Rejection, WriteOp, Written};

/// `{refId}` or `{externalId}` of another object.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferenceRequest {
    pub ref_id: Option<String>,
    pub external_id: Option<String>,
}

/// The initial state; `pending` and `stateValidFrom` are accepted and ignored on create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateRequest {
    #[schema(example = "ACTIVE")]
    pub state: Option<String>,
    #[schema(example = "active")]
    pub state_reason: Option<String>,
    pub state_valid_from: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub pending: Option<serde_json::Value>,
}

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
    pub custom_attributes: Option<BTreeMap<String, String>>,
    pub state: Option<StateRequest>,
    pub test_customer: Option<bool>,
    pub parent: Option<ReferenceRequest>,
}

impl From<ReferenceRequest> for ReferenceSpec {
    fn from(r: ReferenceRequest) -> Self {
        ReferenceSpec {
            ref_id: r.ref_id,
            external_id: r.external_id,
        }
    }
}

impl From<StateRequest> for StateSpec {
    fn from(s: StateRequest) -> Self {
        StateSpec {
            state: s.state,
            state_reason: s.state_reason,
        }
    }
}

impl From<CreateCustomerRequest> for CustomerSpec {
    fn from(r: CreateCustomerRequest) -> Self {
        CustomerSpec {
            external_id: r.external_id,
            customer_profile: r.customer_profile,
            customer_segment: r.customer_segment,
            custom_name: r.custom_name,
            custom_attributes: r.custom_attributes,
            state: r.state.map(Into::into),
            test_customer: r.test_customer,
            parent: r.parent.map(Into::into),
        }
    }
}

pub(super) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn view(written: &Written) -> ApiResult<Customer> {
    match written {
        Written::Customer(row) => Customer::try_from((**row).clone()).map_err(ApiError::internal),
        _ => Err(ApiError::internal("a customer write produced no customer")),
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
        (status = 422, description = "A rule is broken, or the key was used for another request", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn create(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    caller.require(Role::Writer)?;
    let limits = &app.config.limits;
    let claim = idempotency::claim(
        &headers,
        Some(&body.value),
        "POST",
        "/v1/customers",
        limits.idempotency_key_chars,
    )?;
    let request: CreateCustomerRequest = decode(&body.value)?;
    let (_, catalog) = app.catalogs.get(&app.store, &caller.tenant).await?;
    let (op, refused) = match customer::plan(request.into(), &catalog, limits) {
        Ok(planned) => (
            WriteOp::CreateCustomer(Box::new(planned.into_row(new_id(), Timestamp::now()))),
            None,
        ),
        Err(errors) if claim.is_none() => return Err(ApiError::fields(errors)),
        Err(errors) => (WriteOp::Refuse(Rejection::Refused), Some(errors)),
    };
    let render = idempotency::render(refused, |written| {
        let customer = view(written)?;
        Ok(Success {
            status: StatusCode::CREATED,
            location: Some(format!("/v1/customers/{}", customer.id)),
            event: Some((
                "customer.created".into(),
                "customer".into(),
                customer.id.clone(),
            )),
            body: serde_json::to_vec(&customer).map_err(ApiError::internal)?,
        })
    });
    app.write(&caller, claim, op, render).await
}

/// Read one customer of the caller's tenant.
#[utoipa::path(
    get, path = "/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "The customer's id (OCS Ref ID)")),
    responses((status = 200, body = Customer), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
pub async fn get(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Customer>> {
    caller.require(Role::Reader)?;
    let row = app
        .store
        .customer(&caller.tenant, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no customer {id:?}")))?;
    Ok(Json(Customer::try_from(row).map_err(ApiError::internal)?))
}

/// Filters and paging of `GET /v1/customers`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    pub external_id: Option<String>,
    pub segment: Option<String>,
    /// INACTIVE, ACTIVE, SUSPENDED or DEACTIVATED.
    pub state: Option<String>,
    /// RFC 3339; only customers created after it.
    pub created_after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

/// One page of a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    pub data: Vec<Customer>,
    /// Pass as `after` for the next page; null on the last page.
    pub next: Option<String>,
}

const DEFAULT_PAGE: usize = 100;

fn parse_list_query(raw: Option<&str>, max_page: usize) -> ApiResult<CustomerFilter> {
    let query: ListQuery = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::malformed(format!("bad query string: {e}")))?;
    let mut errors = FieldErrors::new();
    let limit = match query.limit.as_deref() {
        None => DEFAULT_PAGE.min(max_page),
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=max_page).contains(&n) => n,
            _ => {
                errors.push(
                    "limit",
                    FieldCode::InvalidFormat,
                    format!("limit is a whole number from 1 to {max_page}"),
                );
                0
            }
        },
    };
    if let Some(state) = query.state.as_deref() {
        if state.parse::<LifecycleState>().is_err() {
            errors.push(
                "state",
                FieldCode::InvalidFormat,
                "state is one of INACTIVE, ACTIVE, SUSPENDED, DEACTIVATED",
            );
        }
    }
    let created_after = match query.created_after.as_deref() {
        None => None,
        Some(text) => match Timestamp::parse_rfc3339(text) {
            Some(t) => Some(t.micros()),
            None => {
                errors.push(
                    "createdAfter",
                    FieldCode::InvalidFormat,
                    "createdAfter is an RFC 3339 time such as 2026-01-31T12:00:00Z",
                );
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::malformed("bad query parameters; see errors").with_errors(errors));
    }
    Ok(CustomerFilter {
        external_id: query.external_id,
        segment: query.segment,
        state: query.state,
        created_after,
        after_id: query.after,
        limit,
    })
}

/// List the tenant's customers, oldest first, filtered and paged by cursor.
#[utoipa::path(
    get, path = "/v1/customers", tag = "customers",
    params(ListQuery),
    responses((status = 200, body = CustomerPage), (status = 400, body = Problem), (status = 401, body = Problem)),
    security(("bearer" = []))
)]
pub async fn list(
    State(app): State<AppState>,
    caller: Caller,
    RawQuery(raw): RawQuery,
) -> ApiResult<Json<CustomerPage>> {
    caller.require(Role::Reader)?;
    let mut filter = parse_list_query(raw.as_deref(), app.config.limits.page_size)?;
    let limit = filter.limit;
    filter.limit = limit + 1;
    let mut rows = app.store.customers(&caller.tenant, filter).await?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    let data = rows
        .into_iter()
        .map(Customer::try_from)
        .collect::<Result<Vec<_>, _>>()
        .map_err(ApiError::internal)?;
    let next = if more {
        data.last().map(|c| c.id.clone())
    } else {
        None
    };
    Ok(Json(CustomerPage { data, next }))
}
