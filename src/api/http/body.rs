//! Reading a JSON body: media type, size, syntax and depth first, then the typed shape, with
//! every wrong type and unknown field reported at once and by path ([`decode`]).

use axum::body::{Body, Bytes};
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::{header, HeaderMap};
use serde_json::Value;

pub use super::decode::decode;
use super::problem::{ApiError, FieldError};
use crate::api::AppState;
use crate::domain::FieldCode;

/// A request body that is JSON of a sane size and depth; not yet of any particular shape.
pub struct JsonBody {
    pub value: Value,
}

fn is_json_media_type(headers: &HeaderMap) -> Option<bool> {
    let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    Some(
        essence == "application/json"
            || (essence.starts_with("application/") && essence.ends_with("+json")),
    )
}

/// How much of an oversized body is still read (and dropped) so the client, which is still
/// sending, gets the 413 instead of a reset connection; past this the connection is cut.
const DRAIN_BYTES: usize = 16 * 1024 * 1024;

/// How long a client may take to send its body.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// How long a body already refused by its declared length is still read and dropped.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The length a request declares for its body, when it declares one that can be read.
fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads and drops what a client still sends of a refused body, for a short while, in the
/// background: the answer goes out at once, and a client busy sending reads it instead of
/// a reset connection. A client waiting on `Expect: 100-continue` is never told to go on,
/// since hyper sends no 100 once the answer is under way.
fn drain_in_background(mut body: Body) {
    use http_body_util::BodyExt;
    tokio::spawn(async move {
        let drained = async {
            let mut seen = 0usize;
            while let Some(Ok(frame)) = body.frame().await {
                seen += frame.data_ref().map_or(0, Bytes::len);
                if seen > DRAIN_BYTES {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_TIMEOUT, drained).await;
    });
}

async fn read_limited(mut body: Body, limit: usize) -> Result<Bytes, ApiError> {
    use http_body_util::BodyExt;
    let mut buffer = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame =
            frame.map_err(|e| ApiError::malformed(format!("the body could not be read: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen > DRAIN_BYTES {
            break;
        }
        if seen <= limit {
            buffer.extend_from_slice(&data);
        }
    }
    if seen > limit {
        return Err(ApiError::too_large(format!(
            "the body is larger than {limit} bytes"
        )));
    }
    Ok(Bytes::from(buffer))
}

fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(members) => 1 + members.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// The path of the first string (or member name) holding a NUL character, which no text
/// column can store; `None` when there is none.
fn nul_at(value: &Value, at: &str) -> Option<String> {
    match value {
        Value::String(text) if text.contains('\0') => Some(at.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_at(item, &format!("{at}[{i}]"))),
        Value::Object(members) => members.iter().find_map(|(name, member)| {
            let shown = shown_member(name);
            let path = if at.is_empty() {
                shown.to_owned()
            } else {
                format!("{at}.{shown}")
            };
            if name.contains('\0') {
                Some(path)
            } else {
                nul_at(member, &path)
            }
        }),
        _ => None,
    }
}

/// A member's name as a path into the body shows it: the client's text, so `?` when it
/// holds a card number, and `""` when empty (a path must name something).
pub(super) fn shown_member(name: &str) -> &str {
    if name.is_empty() {
        "\"\""
    } else if crate::domain::card_number::holds_card_number(name) {
        "?"
    } else {
        name
    }
}

/// Refuses text that holds a NUL character (query values, path ids): no text column
/// stores one, and both backends must answer alike.
pub fn refuse_nul(field: &str, text: &str) -> Result<(), ApiError> {
    if text.contains('\0') {
        return Err(
            ApiError::malformed("text must not hold NUL characters").with_errors(vec![
                FieldError::new(field, FieldCode::InvalidFormat, "holds a NUL character"),
            ]),
        );
    }
    Ok(())
}

impl<S> FromRequest<S> for JsonBody
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let limit = app.limits.body_bytes;
        let media = is_json_media_type(req.headers());
        let bytes = read_bytes(req, limit).await?;
        match media {
            Some(true) => {}
            None if bytes.is_empty() => {
                return Err(ApiError::malformed("a JSON body is required"));
            }
            _ => {
                return Err(ApiError::unsupported_media_type(
                    "send the body as application/json",
                ))
            }
        }
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::malformed("a JSON body is required"));
        }
        let value = parse_json(&bytes, app.limits.nesting_depth)?;
        Ok(Self { value })
    }
}

/// A body of at most `limit` bytes: one declared larger is refused at once, one that grows
/// larger as it arrives when it does, and one that trickles in too slowly in time.
pub async fn read_bytes(req: Request, limit: usize) -> Result<Bytes, ApiError> {
    {
        if let Some(declared) = declared_length(req.headers()).filter(|&n| n > limit as u64) {
            let refusal = ApiError::too_large(format!(
                "the body is declared as {declared} bytes; the limit is {limit}"
            ));
            if declared <= DRAIN_BYTES as u64 {
                drain_in_background(req.into_body());
            }
            return Err(refusal);
        }
        let bytes = tokio::time::timeout(BODY_TIMEOUT, read_limited(req.into_body(), limit))
            .await
            .map_err(|_| {
                ApiError::new(
                    axum::http::StatusCode::REQUEST_TIMEOUT,
                    "REQUEST_TIMEOUT",
                    "the body did not arrive in time",
                )
            })??;
        Ok(bytes)
    }
}

/// JSON text as a value: duplicate members refused, nesting at most `max_depth`, no NUL
/// character in any string.
pub fn parse_json(bytes: &[u8], max_depth: usize) -> Result<Value, ApiError> {
    {
        let value = super::strict::parse(bytes)?;
        if depth(&value) > max_depth {
            return Err(ApiError::malformed(format!(
                "the body nests deeper than {max_depth} levels"
            )));
        }
        // A NUL in JSON text is always the escape `\u0000` (a raw one does not parse), so a
        // body without that escape needs no walk, which writes every member's path.
        let escaped = bytes.windows(6).any(|w| w == br"\u0000");
        if let Some(at) = escaped.then(|| nul_at(&value, "")).flatten() {
            let refusal = ApiError::malformed("text must not hold NUL characters");
            // A body that is one string has no field to name.
            return Err(if at.is_empty() {
                refusal
            } else {
                refusal.with_errors(vec![FieldError::new(
                    at,
                    FieldCode::InvalidFormat,
                    "holds a NUL character",
                )])
            });
        }
        Ok(value)
    }
}

/// The `{id}` of a path, with a bad one (not UTF-8, a NUL) refused as a problem.
pub struct IdPath(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(id) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|e| ApiError::malformed(format!("bad path: {e}")))?;
        refuse_nul("id", &id)?;
        Ok(Self(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Found by the json_body fuzz target: the path to a NUL went back with the names on
    /// its way, a card number among them, and a member with no name made a path naming
    /// nothing.
    #[test]
    fn paths_show_no_card_number_and_always_name_something() {
        let nul = parse_json(br#"{"a4111111111111111":{"b":"\u0000"}}"#, 32).unwrap_err();
        assert_eq!(nul.field_errors()[0].field, "?.b");
        // Found by the native_create fuzz target: a body that is one string with a NUL.
        let root = parse_json(br#""a\u0000""#, 32).unwrap_err();
        assert!(root.field_errors().is_empty(), "{:?}", root.problem());
    }

    #[test]
    fn depth_counts_containers() {
        assert_eq!(depth(&json!(1)), 0);
        assert_eq!(depth(&json!({"a": [1]})), 2);
    }
}
