//! The idempotency key a request carries, and an answer as it goes out (fresh or replayed).

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::problem::{ApiError, ApiResult, FieldError};
use crate::api::AppState;
use crate::app::{Caller, Command, Reply, Respond};
use crate::domain::card_number::holds_card_number;
use crate::domain::idempotency::Claim;
use crate::domain::FieldCode;

pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// What a request is, for its idempotency claim: the method, the route's template, the
/// object the route names (its decoded id) and the parsed body.
pub struct Request<'a> {
    pub method: &'static str,
    pub route: &'static str,
    pub object: Option<&'a str>,
    pub body: Option<&'a Value>,
}

/// The key a request carries, if any: the `Idempotency-Key` header wins over the body's
/// member named `body_key` (the native door's `requestId`), where the door has one.
pub fn claim(
    headers: &HeaderMap,
    body_key: Option<&str>,
    request: Request<'_>,
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
        None => match body_key.and_then(|member| {
            let key = request.body?.get(member)?.as_str()?;
            Some((member, key.to_owned()))
        }) {
            Some(found) => found,
            None => return Ok(None),
        },
    };
    if key.is_empty() {
        return Err(ApiError::fields(vec![FieldError::new(
            field,
            FieldCode::Required,
            "an idempotency key must not be empty",
        )]));
    }
    if holds_card_number(&key) {
        // Named without the key, which would repeat the number.
        return Err(ApiError::fields(vec![FieldError::new(
            field,
            FieldCode::NotAllowed,
            "looks like a payment card number, which is never stored; use another key",
        )]));
    }
    if key.chars().count() > max_chars {
        return Err(ApiError::fields(vec![FieldError::new(
            field,
            FieldCode::TooLong,
            format!("an idempotency key is at most {max_chars} characters"),
        )]));
    }
    // serde_json keeps object members sorted, so equal JSON bodies print the same.
    let canonical = request.body.map(|b| b.to_string()).unwrap_or_default();
    Ok(Some(Claim::new(
        key,
        request.method,
        request.route,
        request.object,
        canonical.as_bytes(),
    )))
}

/// The path every door's write takes once its claim is made: a request that could not be
/// decoded is refused through the pipeline when it carries a claim (so the key is checked
/// before the shape and the 400 is kept for its retries); the pipeline runs the command;
/// the answer goes out as the first request got it.
pub async fn write<T>(
    app: &AppState,
    caller: &Caller,
    claim: Option<Claim>,
    decoded: ApiResult<T>,
    command: impl FnOnce(T) -> Command,
    respond: Respond,
) -> ApiResult<Response> {
    let command = match decoded {
        Ok(request) => command(request),
        Err(problem) if claim.is_some() => Command::Refuse(problem.answer()),
        Err(problem) => return Err(problem),
    };
    let reply = app.registry.write(caller, claim, command, respond).await?;
    Ok(self::respond(reply))
}

/// The answer as the first request got it, with `Idempotent-Replayed` on a replay.
pub fn respond(reply: Reply) -> Response {
    let answer = reply.answer;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    if let Ok(content_type) = HeaderValue::from_str(&answer.content_type) {
        headers.insert(header::CONTENT_TYPE, content_type);
    }
    if let Some(location) = answer.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, location);
    }
    if reply.replayed {
        headers.insert(REPLAYED, HeaderValue::from_static("true"));
    }
    response
}
