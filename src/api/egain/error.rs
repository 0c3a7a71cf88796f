//! eGain's error shape: every refusal of this door is `<error><code>…</code>
//! <developerMessage>…</developerMessage></error>`, or the same fields as JSON when the
//! request was JSON. RFC 9457 stays on `/v1` and `/v2`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::format::Format;
use crate::app::AppError;
use crate::domain::idempotency::Answer;

/// A refusal of the eGain door.
#[derive(Debug, Clone)]
pub struct EgainError {
    pub status: StatusCode,
    /// eGain's code: the status and a number (`400-101`).
    pub code: String,
    pub message: String,
    pub format: Format,
}

impl EgainError {
    pub fn new(status: StatusCode, number: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            code: format!("{}-{number}", status.as_u16()),
            message: message.into(),
            format: Format::Xml,
        }
    }

    /// Answers in the request's format.
    pub fn in_format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// Bad input of any kind: unreadable, a broken rule, a duplicate, a card number.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, 101, message)
    }

    /// No session, or one that is bad, expired or ended.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, 101, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, 101, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, 101, message)
    }

    pub fn not_acceptable() -> Self {
        Self::new(
            StatusCode::NOT_ACCEPTABLE,
            101,
            "this door answers in application/xml or application/json",
        )
    }

    pub fn unsupported_media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            101,
            "send application/xml, text/xml or application/json",
        )
    }

    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, 101, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, 101, message)
    }

    pub fn body(&self) -> Vec<u8> {
        match self.format {
            Format::Json => serde_json::to_vec(&serde_json::json!({
                "code": self.code,
                "developerMessage": self.message,
            }))
            .expect("strings always serialise"),
            Format::Xml => {
                let mut out =
                    String::from(r#"<?xml version="1.0" encoding="UTF-8"?><error><code>"#);
                escape_into(&mut out, &self.code);
                out.push_str("</code><developerMessage>");
                escape_into(&mut out, &self.message);
                out.push_str("</developerMessage></error>");
                out.into_bytes()
            }
        }
    }

    /// The refusal as an answer to keep with an idempotency claim.
    pub fn answer(&self) -> Answer {
        Answer {
            status: self.status.as_u16(),
            content_type: self.format.content_type().to_owned(),
            body: self.body(),
            location: None,
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    out.push_str(&quick_xml::escape::escape(text));
}

impl IntoResponse for EgainError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.format.content_type()),
        );
        response
    }
}

impl From<AppError> for EgainError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Forbidden { .. } => Self::forbidden(e.to_string()),
            // Every refusal of a request on this door is a 400, this one too.
            AppError::KeyReused => Self::new(
                StatusCode::BAD_REQUEST,
                102,
                "this idempotency key was used before with a different request",
            ),
            AppError::InProgress => Self::conflict(
                "the first request with this idempotency key is still running; retry later",
            ),
            AppError::Unavailable(detail) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, 101, detail)
            }
            AppError::Busy => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                102,
                "the data is busy with other writes; retry",
            ),
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    101,
                    "the server failed to handle this request; it has been logged",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_xml_shape_escapes_what_it_quotes() {
        let e = EgainError::unauthorized("no <session>");
        assert_eq!(
            String::from_utf8(e.body()).unwrap(),
            r#"<?xml version="1.0" encoding="UTF-8"?><error><code>401-101</code><developerMessage>no &lt;session&gt;</developerMessage></error>"#
        );
        let json: serde_json::Value =
            serde_json::from_slice(&e.in_format(Format::Json).body()).unwrap();
        assert_eq!(json["code"], "401-101");
    }
}
