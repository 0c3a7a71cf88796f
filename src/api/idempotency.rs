//! Exactly-once writes. A request names its key with `requestId` in the body or an
//! `Idempotency-Key` header; the key is scoped to the tenant and path and claimed in the
//! same transaction as the work, with the first answer — errors included — kept for retries.

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::auth::Caller;
use super::problem::{rejection_errors, ApiError, ApiResult, PROBLEM_JSON};
use super::AppState;
use crate::domain::{FieldCode, FieldErrors};
use crate::store::{
    now_micros, Claim, EventRow, Executed, Outcome, Rejection, Render, Rendered, StoredAnswer,
    WriteCtx, WriteOp, Written,
};

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// The key a request carries, if any: the header wins over the body's `requestId`.
pub fn claim(
    headers: &HeaderMap,
    body: Option<&Value>,
    method: &str,
    path: &str,
    max_chars: usize,
) -> ApiResult<Option<Claim>> {
    let (field, key) = match headers.get(&IDEMPOTENCY_KEY) {
        Some(value) => (
            "Idempotency-Key",
            value
                .to_str()
                .map_err(|_| ApiError::malformed("Idempotency-Key must be visible ASCII"))?
                .to_owned(),
        ),
        None => match body
            .and_then(|b| b.get("requestId"))
            .and_then(Value::as_str)
        {
            Some(id) => ("requestId", id.to_owned()),
            None => return Ok(None),
        },
    };
    if key.is_empty() {
        return Err(ApiError::fields(FieldErrors::one(
            field,
            FieldCode::Required,
            "an idempotency key must not be empty",
        )));
    }
    if key.chars().count() > max_chars {
        return Err(ApiError::fields(FieldErrors::one(
            field,
            FieldCode::TooLong,
            format!("an idempotency key is at most {max_chars} characters"),
        )));
    }
    // serde_json keeps object members sorted, so equal JSON bodies print the same.
    let canonical = body.map(|b| b.to_string()).unwrap_or_default();
    let mut hash = Sha256::new();
    for part in [method, "\n", path, "\n", &canonical] {
        hash.update(part.as_bytes());
    }
    Ok(Some(Claim {
        scope: path.to_owned(),
        key,
        fingerprint: hex::encode(hash.finalize()),
    }))
}

/// A successful answer: status, JSON body, optional `Location`, and the events it records.
pub struct Success {
    pub status: StatusCode,
    /// The answer's JSON, serialised from the response type so its field order is kept.
    pub body: Vec<u8>,
    pub location: Option<String>,
    pub events: Vec<EventRow>,
}

/// What to send the store for a request whose rules were checked: the write, or — when the
/// request broke a rule but carries an idempotency key — a refusal to keep with the key.
pub fn refusable(
    planned: Result<WriteOp, FieldErrors>,
    has_claim: bool,
) -> ApiResult<(WriteOp, Option<ApiError>)> {
    match planned {
        Ok(op) => Ok((op, None)),
        Err(errors) if !has_claim => Err(ApiError::fields(errors)),
        Err(errors) => Ok((
            WriteOp::Refuse(Rejection::Refused),
            Some(ApiError::fields(errors)),
        )),
    }
}

/// The problem a store refusal stands for; `refused` is the one found before the store.
fn refusal_problem(refused: Option<ApiError>, rejection: &Rejection) -> ApiError {
    match rejection {
        Rejection::Missing => ApiError::not_found("no such object in this tenant"),
        Rejection::Terminal => ApiError::fields(FieldErrors::one(
            "state",
            FieldCode::InvalidState,
            "the object is DEACTIVATED and takes no further change",
        )),
        Rejection::Refused => {
            refused.unwrap_or_else(|| ApiError::internal("a refusal without its problem"))
        }
        other => ApiError::fields(rejection_errors(other)),
    }
}

/// Decodes a request body; with an idempotency key, a body of the wrong shape is refused
/// through the store like any other answer, so the key is checked before the shape and the
/// 400 is kept for its retries.
macro_rules! decode_or_refuse {
    ($app:expr, $caller:expr, $claim:expr, $value:expr) => {
        match $crate::api::body::decode($value) {
            Ok(request) => request,
            Err(problem) if $claim.is_some() => {
                return $app.refuse(&$caller, $claim, problem).await;
            }
            Err(problem) => return Err(problem),
        }
    };
}
pub(crate) use decode_or_refuse;

/// Builds the render step: the answer for the outcome, and the event a success records.
/// `refused` holds the problem found before the store, when the request broke a rule.
pub fn render(
    refused: Option<ApiError>,
    success: impl FnOnce(&Written) -> Result<Success, ApiError> + Send + 'static,
) -> Render {
    Box::new(move |outcome: &Outcome| {
        let result = match outcome {
            Ok(written) => success(written),
            Err(rejection) => Err(refusal_problem(refused, rejection)),
        };
        match result {
            Ok(ok) => Rendered {
                answer: StoredAnswer {
                    status: ok.status.as_u16(),
                    body: ok.body,
                    location: ok.location,
                },
                events: ok.events,
            },
            Err(problem) => Rendered {
                answer: StoredAnswer {
                    status: problem.status().as_u16(),
                    body: problem.body(),
                    location: None,
                },
                events: Vec::new(),
            },
        }
    })
}

fn answer_response(answer: StoredAnswer, replayed: bool) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = if status.is_success() {
        "application/json"
    } else {
        PROBLEM_JSON
    };
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(location) = answer.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    if replayed {
        headers.insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}

impl AppState {
    /// Keeps a refusal found before the store with the request's idempotency key.
    pub async fn refuse(
        &self,
        caller: &Caller,
        claim: Option<Claim>,
        problem: ApiError,
    ) -> ApiResult<Response> {
        let render = render(Some(problem), |_| {
            Err(ApiError::internal("a refusal wrote something"))
        });
        self.write(caller, claim, WriteOp::Refuse(Rejection::Refused), render)
            .await
    }

    /// Runs one write for the caller: claims the key, writes, and answers — or replays.
    pub async fn write(
        &self,
        caller: &Caller,
        claim: Option<Claim>,
        op: WriteOp,
        render: Render,
    ) -> ApiResult<Response> {
        let ctx = WriteCtx {
            tenant: caller.tenant.clone(),
            actor: caller.key_id.clone(),
            claim,
            at: now_micros(),
        };
        match self.store.execute(ctx, op, render).await? {
            Executed::Fresh(answer) => Ok(answer_response(answer, false)),
            Executed::Replayed(answer) => Ok(answer_response(answer, true)),
            Executed::KeyReused => Err(ApiError::key_reused()),
            Executed::InProgress => Err(ApiError::in_progress()),
        }
    }
}
