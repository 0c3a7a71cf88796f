//! Answers no door's handler wrote — the router's 404 and 405, the framing limits' 414 and
//! 431, the capacity limits' 503, an extractor's rejection — are RFC 9457 documents. Under
//! a door with words of its own they are put in those words here, in one place: eGain's
//! `<error>` shape with the request's session on its door, and on the bank door the name it
//! gives each request (its `requestId`, which the door's handlers answer with) in every problem.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::bank::RequestId;
use super::egain::error::EgainError;
use super::egain::format::Format;
use super::egain::session::SESSION_HEADER;
use super::http::problem::PROBLEM_JSON;

enum Door {
    Native,
    Bank(String),
    Egain {
        format: Format,
        session: Option<HeaderValue>,
    },
}

fn door_of(request: &mut Request) -> Door {
    let path = request.uri().path();
    if path.starts_with("/ws/v12/") || path.starts_with("/system/ws/v12/") {
        Door::Egain {
            format: Format::of_request(request.headers()),
            session: request.headers().get(&SESSION_HEADER).cloned(),
        }
    } else if path.starts_with("/v2/") {
        let id = uuid::Uuid::new_v4().to_string();
        request.extensions_mut().insert(RequestId(id.clone()));
        Door::Bank(id)
    } else {
        Door::Native
    }
}

fn is_problem(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == PROBLEM_JSON.as_bytes())
}

pub async fn in_the_doors_words(mut request: Request, next: Next) -> Response {
    let door = door_of(&mut request);
    let response = next.run(request).await;
    match door {
        Door::Native => response,
        Door::Bank(id) if is_problem(&response) => with_request_id(response, id).await,
        Door::Bank(_) => response,
        Door::Egain { format, session } => {
            let mut response = if is_problem(&response) {
                as_egain(response, format).await
            } else {
                response
            };
            if let Some(session) = session {
                response
                    .headers_mut()
                    .entry(SESSION_HEADER)
                    .or_insert(session);
            }
            response
        }
    }
}

async fn problem_of(response: Response) -> (axum::http::response::Parts, Option<Value>) {
    let (parts, body) = response.into_parts();
    let problem = axum::body::to_bytes(body, 1 << 20)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok());
    (parts, problem)
}

/// A bank problem names its request, as every answer of that door does.
async fn with_request_id(response: Response, id: String) -> Response {
    let (mut parts, problem) = problem_of(response).await;
    let Some(mut problem) = problem else {
        return (parts.status, "").into_response();
    };
    if problem.get("requestId").is_none() {
        problem["requestId"] = Value::String(id);
    }
    let body = serde_json::to_vec(&problem).expect("a problem serialises");
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(body))
}

/// A problem in eGain's words: its status, and its detail as the developer message.
async fn as_egain(response: Response, format: Format) -> Response {
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let (parts, problem) = problem_of(response).await;
    let detail = problem
        .as_ref()
        .and_then(|p| p.get("detail"))
        .and_then(Value::as_str)
        .unwrap_or("the request was refused")
        .to_owned();
    let status = if parts.status.is_client_error() || parts.status.is_server_error() {
        parts.status
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    let mut answer = EgainError::new(status, 101, detail)
        .in_format(format)
        .into_response();
    if let Some(retry_after) = retry_after {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after);
    }
    answer
}
