use serde::Serialize;
use utoipa::ToSchema;

/// What is wrong with one field; the codes are part of the API contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FieldCode {
    Required,
    NotConfigured,
    InvalidFormat,
    TooLong,
    TooMany,
    NotFound,
    InvalidState,
    NotAllowed,
    Duplicate,
}

/// One problem with one field, `field` being a JSON path into the request as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: FieldCode,
    pub message: String,
}

/// Every problem found in one request: rules collect them all rather than stop at the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn one(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.push(field, code, message);
        errors
    }

    pub fn push(&mut self, field: impl Into<String>, code: FieldCode, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            code,
            message: message.into(),
        });
    }

    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, code: FieldCode) -> bool {
        self.0.iter().any(|e| e.code == code)
    }

    pub fn as_slice(&self) -> &[FieldError] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok(value)` when nothing was collected, so a rule can end with `errors.into_result(value)`.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<FieldError> for FieldErrors {
    fn from(e: FieldError) -> Self {
        Self(vec![e])
    }
}

/// Joins a JSON path and a member name the way clients write paths: `a.b`, `a[0].b`.
pub fn path(parent: &str, member: &str) -> String {
    if parent.is_empty() {
        member.to_owned()
    } else {
        format!("{parent}.{member}")
    }
}
