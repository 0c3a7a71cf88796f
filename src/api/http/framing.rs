//! Requests too large to be worth reading, refused as problem documents before anything
//! else looks at them. hyper refuses far larger ones itself, with an empty answer of the
//! same status (a URI over 64 KiB, a head over its buffer, more headers than it parses),
//! so these limits sit well below hyper's: every answer a client can reasonably provoke is
//! an RFC 9457 document.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::problem::ApiError;

/// The longest request target taken: no query of the API needs more than a few hundred.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header fields taken; hyper is set to parse twice as many, so that it is this
/// limit, with its problem document, that a client meets.
pub const MAX_HEADERS: usize = 100;
/// The largest sum of header names and values taken.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

pub async fn limits(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let target = uri.path_and_query().map_or(0, |p| p.as_str().len());
    if target > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "URI_TOO_LONG",
            format!("the request target is longer than {MAX_URI_BYTES} bytes"),
        )
        .into_response();
    }
    let headers = request.headers();
    let size: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || size > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "HEADERS_TOO_LARGE",
            format!(
                "send at most {MAX_HEADERS} header fields of at most {MAX_HEADER_BYTES} bytes \
                 in all"
            ),
        )
        .into_response();
    }
    next.run(request).await
}
