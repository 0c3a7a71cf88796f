use std::collections::BTreeMap;

use super::card_number::{holds_card_number, CARD_NUMBER_REFUSED};
use super::errors::{FieldCode, FieldErrors};
use super::path::FieldPath;
use super::Limits;

/// Custom attributes: a string → string map whose keys and values respect the limits.
pub type Attributes = BTreeMap<String, String>;

fn key_is_valid(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Checks a map the client sent at `field`, reporting every bad key and value.
pub fn check<P: Into<FieldPath> + Clone>(
    field: P,
    attributes: &Attributes,
    limits: &Limits,
    errors: &mut FieldErrors,
) {
    // Paths are made only for a problem: almost every map has none, and a path per key
    // was most of a clean map's cost.
    let field = || -> FieldPath { field.clone().into() };
    if attributes.len() > limits.attribute_keys {
        errors.push(
            field(),
            FieldCode::TooMany,
            format!(
                "at most {} custom attributes are allowed, {} were sent",
                limits.attribute_keys,
                attributes.len()
            ),
        );
        // Too many to be worth a word on each.
        return;
    }
    for (key, value) in attributes {
        if holds_card_number(key) {
            // Reported without the name, which would repeat the number.
            errors.push(
                field().key("?"),
                FieldCode::NotAllowed,
                "an attribute name holds what looks like a payment card number",
            );
            continue;
        }
        let at = || field().key(key.as_str());
        if key.chars().count() > limits.attribute_key_chars {
            errors.push(
                at(),
                FieldCode::TooLong,
                format!(
                    "attribute names are at most {} characters",
                    limits.attribute_key_chars
                ),
            );
        } else if !key_is_valid(key) {
            errors.push(
                at(),
                FieldCode::InvalidFormat,
                "attribute names use only letters, digits, '_', '.' and '-'",
            );
        }
        if holds_card_number(value) {
            errors.push(at(), FieldCode::NotAllowed, CARD_NUMBER_REFUSED);
        }
        if value.chars().count() > limits.attribute_value_chars {
            errors.push(
                at(),
                FieldCode::TooLong,
                format!(
                    "attribute values are at most {} characters",
                    limits.attribute_value_chars
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn errors_for(attributes: &Attributes) -> FieldErrors {
        let mut errors = FieldErrors::new();
        check(
            crate::domain::path::Field::CustomAttributes,
            attributes,
            &Limits::default(),
            &mut errors,
        );
        errors
    }

    #[test]
    fn reports_each_bad_key_and_value() {
        let mut attributes = Attributes::new();
        attributes.insert("ok.key-1_x".into(), "v".into());
        attributes.insert("bad key".into(), "v".into());
        attributes.insert("k".repeat(65), "v".into());
        attributes.insert("long".into(), "v".repeat(4097));
        let errors = errors_for(&attributes);
        let fields: Vec<_> = errors
            .as_slice()
            .iter()
            .map(|e| (e.path.to_string(), e.code))
            .collect();
        assert_eq!(fields.len(), 3, "{fields:?}");
        assert!(fields.contains(&(
            "customAttributes.bad key".to_owned(),
            FieldCode::InvalidFormat
        )));
        assert!(fields.contains(&("customAttributes.long".to_owned(), FieldCode::TooLong)));
    }

    #[test]
    fn too_many_keys_is_reported_once() {
        let attributes: Attributes = (0..101).map(|i| (format!("k{i}"), String::new())).collect();
        let errors = errors_for(&attributes);
        assert_eq!(errors.as_slice().len(), 1);
        assert_eq!(errors.as_slice()[0].code, FieldCode::TooMany);
    }

    proptest! {
        #[test]
        fn keys_of_the_allowed_alphabet_pass(key in "[A-Za-z0-9_.-]{1,64}", value in ".{0,50}") {
            let attributes: Attributes = [(key, value)].into_iter().collect();
            prop_assert!(errors_for(&attributes).is_empty());
        }
    }
}
