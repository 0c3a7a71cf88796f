//! The bank-data door: `POST /v2/data/customers`, batches of 1 to 50 customers with their
//! accounts and cards as Cardlytics Publisher v2 sends them, all or nothing, `PUT` of the
//! same shape to update stored customers, and `GET /v2/data/customers/{sourceCustomerId}`. It only translates: the feed's JSON to the
//! model's bank specs, records back to the feed's shape, and paths and refusals to the
//! feed's names. Every answer carries a `requestId`, problems included.

pub mod fields;
pub mod views;
pub mod wire;

use axum::extract::rejection::PathRejection;
use axum::extract::{Extension, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::api::http::auth::{Reader, Writer};
use crate::api::http::body::{decode, refuse_nul, JsonBody};
use crate::api::http::idempotency::{self, Request as Claimed};
use crate::api::http::problem::{ApiError, ApiResult, FieldError, Problem};
use crate::api::AppState;
use crate::app::{respond_with, Caller, Command, Respond};
use crate::domain::bank::BankCustomerSpec;
use crate::domain::idempotency::Answer;
use crate::domain::records::{ListFilter, Record};
use crate::domain::{FieldCode, Kind};
use views::BankCustomerView;
use wire::{CustomersRequest, RequestIdAnswer};

/// Cardlytics takes at most this many customers a call.
pub const MAX_BATCH: usize = 50;

const ROUTE: &str = "/v2/data/customers";

/// The request's name on this door, made when it arrives (by `api::dialects`, which also
/// puts it into every problem the door answers).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

fn ok(request_id: &str) -> Answer {
    let body = serde_json::to_vec(&RequestIdAnswer {
        request_id: request_id.to_owned(),
    })
    .expect("an answer always serialises");
    Answer {
        status: 200,
        content_type: "application/json".to_owned(),
        body,
        location: None,
    }
}

fn respond(request_id: String) -> Respond {
    respond_with(move |result, _events| match result {
        Ok(_) => ok(&request_id),
        Err(failure) => fields::problem(failure)
            .with_request_id(&request_id)
            .answer(),
    })
}

/// The batch, decoded and within the door's bounds: 1 to 50 customers.
pub(crate) fn batch(body: &JsonBody) -> ApiResult<CustomersRequest> {
    let request: CustomersRequest = decode(&body.value)?;
    match request.customers.len() {
        0 => Err(ApiError::fields(vec![FieldError::new(
            "customers",
            FieldCode::Required,
            "a batch has 1 to 50 customers",
        )])),
        n if n > MAX_BATCH => Err(ApiError::too_large(format!(
            "a batch has at most {MAX_BATCH} customers; this one has {n}"
        ))),
        _ => Ok(request),
    }
}

/// Store a batch of customers with their accounts and cards: validated whole, then written
/// in one transaction, or not at all.
#[utoipa::path(
    post, path = "/v2/data/customers", operation_id = "postBankCustomers", tag = "bank",
    request_body = CustomersRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer, its requestId included")),
    responses(
        (status = 200, description = "Stored", body = RequestIdAnswer),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "A sourceCustomerId sent twice or stored already, or a sourceAccountId stored under other owners", body = Problem),
        (status = 413, description = "More than 50 customers, or a body over the limit", body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "A rule is broken; errors name every bad field by its path in the batch", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn post_customers(
    State(app): State<AppState>,
    Writer(caller): Writer,
    Extension(RequestId(request_id)): Extension<RequestId>,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let batch = Batch {
        request_id,
        headers,
        body,
    };
    batch.write(&app, &caller, "POST", Command::BankBatch).await
}

/// Update stored customers, a full payload for each: their bank profiles and parents as
/// sent, each account sent made or updated (bank fields, owners added, cards upserted);
/// accounts and cards not sent are kept. A customer not stored writes nothing.
#[utoipa::path(
    put, path = "/v2/data/customers", operation_id = "putBankCustomers", tag = "bank",
    request_body = CustomersRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer, its requestId included")),
    responses(
        (status = 200, description = "Updated", body = RequestIdAnswer),
        (status = 400, description = "Malformed body", body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "A sourceCustomerId sent twice, or a sourceAccountId stored under other owners", body = Problem),
        (status = 413, description = "More than 50 customers, or a body over the limit", body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "A rule is broken, or a customer is not stored (NOT_FOUND at its sourceCustomerId); errors name every bad field by its path in the batch", body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn put_customers(
    State(app): State<AppState>,
    Writer(caller): Writer,
    Extension(RequestId(request_id)): Extension<RequestId>,
    headers: HeaderMap,
    body: JsonBody,
) -> ApiResult<Response> {
    let batch = Batch {
        request_id,
        headers,
        body,
    };
    batch.write(&app, &caller, "PUT", Command::BankUpdate).await
}

/// A batch as it arrived, on either method.
struct Batch {
    request_id: String,
    headers: HeaderMap,
    body: JsonBody,
}

impl Batch {
    /// Claims the key (per method, so a POST and a PUT never share an answer), checks the
    /// batch's bounds, and writes it as `command` makes it.
    async fn write(
        self,
        app: &AppState,
        caller: &Caller,
        method: &'static str,
        command: fn(Vec<BankCustomerSpec>) -> Command,
    ) -> ApiResult<Response> {
        let Batch {
            request_id,
            headers,
            body,
        } = self;
        let claim = idempotency::claim(
            &headers,
            None,
            Claimed {
                method,
                route: ROUTE,
                object: None,
                body: Some(&body.value),
            },
            app.limits.idempotency_key_chars,
        )?;
        // A refused shape is kept with the claim, so it carries its name before it is kept;
        // answers that go out directly are named by `name_request`.
        let decoded = batch(&body).map_err(|problem| problem.with_request_id(&request_id));
        let command = move |request: CustomersRequest| {
            command(request.customers.into_iter().map(Into::into).collect())
        };
        let respond = respond(request_id.clone());
        idempotency::write(app, caller, claim, decoded, command, respond).await
    }
}

/// Read one customer back in the shape a batch sends it, with its accounts and cards.
#[utoipa::path(
    get, path = "/v2/data/customers/{sourceCustomerId}", operation_id = "getBankCustomer", tag = "bank",
    params(("sourceCustomerId" = String, Path, description = "The customer's id at the bank")),
    responses(
        (status = 200, body = BankCustomerView),
        (status = 401, body = Problem), (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
pub async fn get_customer(
    State(app): State<AppState>,
    Reader(caller): Reader,
    Extension(RequestId(request_id)): Extension<RequestId>,
    source_customer_id: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<BankCustomerView>> {
    let Path(source_customer_id) = source_customer_id.map_err(|_| {
        ApiError::malformed("the sourceCustomerId in the path is not valid UTF-8")
            .with_request_id(&request_id)
    })?;
    refuse_nul("sourceCustomerId", &source_customer_id)?;
    let by_external_id = ListFilter {
        external_id: Some(source_customer_id.clone()),
        limit: 1,
        ..ListFilter::default()
    };
    let (customers, _) = app
        .registry
        .objects(&caller, Kind::Customer, by_external_id)
        .await?;
    let Some(Record::Customer(customer)) = customers.first() else {
        return Err(ApiError::not_found("no customer has this sourceCustomerId"));
    };
    let owned = ListFilter {
        customer: Some(customer.common.id.clone()),
        limit: app.limits.page_size,
        ..ListFilter::default()
    };
    let (accounts, _) = app.registry.objects(&caller, Kind::Account, owned).await?;
    Ok(Json(BankCustomerView::new(request_id, customer, &accounts)))
}

/// The bank door's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(ROUTE, post(post_customers).put(put_customers))
        .route("/v2/data/customers/{source_customer_id}", get(get_customer))
}
