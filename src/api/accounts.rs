//! `POST /v1/accounts`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::Writer;
use super::body::JsonBody;
use super::entities::{created_events, new_id, view};
use super::idempotency::{self, decode_or_refuse, Success};
use super::problem::{ApiError, ApiResult, Problem};
use super::wire::{AttributesRequest, ReferenceRequest, StateRequest};
use super::AppState;
use crate::domain::account::{self, AccountSpec};
use crate::domain::entity::CommonSpec;
use crate::domain::time::Timestamp;
use crate::domain::views::Account;
use crate::store::{WriteOp, Written};

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
    post, path = "/v1/accounts", tag = "accounts",
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
    let limits = &app.config.limits;
    let claim = idempotency::claim(
        &headers,
        Some(&body.value),
        "POST",
        "/v1/accounts",
        limits.idempotency_key_chars,
    )?;
    let request: CreateAccountRequest = decode_or_refuse!(app, caller, claim, &body.value);
    let (_, catalog) = app.catalogs.get(&app.store, &caller.tenant).await?;
    let now = Timestamp::now();
    let planned = account::plan(request.into(), &catalog, limits)
        .map(|a| WriteOp::CreateAccount(Box::new(a.into_row(&mut new_id, now))));
    let (op, refused) = idempotency::refusable(planned, claim.is_some())?;
    let render = idempotency::render(refused, |written| {
        let Written::Account {
            account,
            created_customer,
        } = written
        else {
            return Err(ApiError::internal("an account write produced no account"));
        };
        let shown = view(Account::try_from((**account).clone()))?;
        Ok(Success {
            status: StatusCode::CREATED,
            location: Some(format!("/v1/accounts/{}", shown.id)),
            events: created_events(created_customer.as_deref(), Some(account), None)?,
            body: serde_json::to_vec(&shown).map_err(ApiError::internal)?,
        })
    });
    app.write(&caller, claim, op, render).await
}
