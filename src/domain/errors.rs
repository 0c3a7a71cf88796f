use serde::Serialize;
use utoipa::ToSchema;

use super::path::FieldPath;

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

/// One problem with one field, at its path in the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub path: FieldPath,
    pub code: FieldCode,
    pub message: String,
}

/// A rule's message quotes what was sent (`customer profile "x" is not configured`); one
/// that would repeat a card number says so instead, as every answer is the client's to see.
fn without_card_number(message: String) -> String {
    if super::card_number::holds_card_number(&message) {
        "the value sent is not accepted; it is not repeated, as it looks like a payment card number"
            .to_owned()
    } else {
        message
    }
}

/// Every problem found in one request: rules collect them all rather than stop at the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn one(path: impl Into<FieldPath>, code: FieldCode, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.push(path, code, message);
        errors
    }

    pub fn push(
        &mut self,
        path: impl Into<FieldPath>,
        code: FieldCode,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError {
            path: path.into(),
            code,
            message: without_card_number(message.into()),
        });
    }

    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    /// The same problems, each seen from `prefix` (the item of a batch they belong to).
    pub fn under(self, prefix: &FieldPath) -> Self {
        Self(
            self.0
                .into_iter()
                .map(|e| FieldError {
                    path: e.path.under(prefix),
                    ..e
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::path::Field;

    /// Found by the native_create fuzz target: `customer profile "b218446744073709551616b"
    /// is not configured` repeated the card number its digits hold.
    #[test]
    fn a_message_never_repeats_a_card_number() {
        let mut errors = FieldErrors::new();
        let sent = "b218446744073709551616b";
        errors.push(
            Field::Profile,
            FieldCode::NotConfigured,
            format!("customer profile {sent:?} is not configured"),
        );
        errors.push(Field::Segment, FieldCode::NotConfigured, "segment \"b2b\"");
        let messages: Vec<&str> = errors
            .as_slice()
            .iter()
            .map(|e| e.message.as_str())
            .collect();
        assert!(!messages[0].contains(sent), "{}", messages[0]);
        assert_eq!(messages[1], "segment \"b2b\"");
    }
}
