//! A JSON value built by serde_json's parser, with one rule more: an object may not name
//! a member twice. serde_json's own `Value` keeps the last of them silently.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use super::body::shown_member;
use super::problem::{ApiError, FieldError};
use crate::domain::FieldCode;

/// Parses a body as JSON, refusing an object that names a member twice (at the member's
/// path): serde_json keeps the last one, while a parser in front of us (a gateway, a WAF)
/// may have read the first.
pub(super) fn parse(bytes: &[u8]) -> Result<Value, ApiError> {
    match parse_strict(bytes) {
        Ok(value) => Ok(value),
        Err(Refused::Repeated(path)) => Err(ApiError::malformed(format!(
            "the body names the member {path} more than once"
        ))
        .with_errors(vec![FieldError::new(
            path,
            FieldCode::NotAllowed,
            "named more than once",
        )])),
        Err(Refused::Syntax(e)) => Err(ApiError::malformed(format!(
            "the body is not valid JSON: {e}"
        ))),
    }
}

#[derive(Debug)]
enum Refused {
    /// The path of the first member named twice.
    Repeated(String),
    Syntax(serde_json::Error),
}

fn parse_strict(bytes: &[u8]) -> Result<Value, Refused> {
    let repeated = RefCell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = Strict {
        at: At::Root,
        repeated: &repeated,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    parsed.map_err(|e| match repeated.into_inner() {
        Some(path) => Refused::Repeated(path),
        None => Refused::Syntax(e),
    })
}

/// Builds the value at path `at`; a repeated member's path is left in `repeated`.
struct Strict<'a, 'p> {
    at: At<'p>,
    repeated: &'a RefCell<Option<String>>,
}

/// Where a value is, written out only for a member named twice: most bodies have none, and
/// writing every member's path cost more than parsing the body.
#[derive(Clone, Copy)]
enum At<'p> {
    Root,
    Member(&'p At<'p>, &'p str),
    Item(&'p At<'p>, usize),
}

impl At<'_> {
    /// The path as it goes back to the client: a name holding a card number is shown as
    /// `?`, an empty one as `""`.
    fn path(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Member(parent, name) => {
                let (parent, name) = (parent.path(), shown_member(name));
                if parent.is_empty() {
                    name.to_owned()
                } else {
                    format!("{parent}.{name}")
                }
            }
            At::Item(parent, i) => format!("{}[{i}]", parent.path()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_, '_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Number::from_f64(value).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Value, A::Error> {
        let mut values = Vec::new();
        while let Some(value) = items.next_element_seed(Strict {
            at: At::Item(&self.at, values.len()),
            repeated: self.repeated,
        })? {
            values.push(value);
        }
        Ok(Value::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(name) = members.next_key::<String>()? {
            if map.contains_key(&name) {
                *self.repeated.borrow_mut() = Some(At::Member(&self.at, &name).path());
                return Err(de::Error::custom("a member is named more than once"));
            }
            let value = members.next_value_seed(Strict {
                at: At::Member(&self.at, &name),
                repeated: self.repeated,
            })?;
            map.insert(name, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::{parse_strict, Refused};

    fn parse(text: &str) -> Result<Value, Option<String>> {
        parse_strict(text.as_bytes()).map_err(|e| match e {
            Refused::Repeated(path) => Some(path),
            Refused::Syntax(_) => None,
        })
    }

    #[test]
    fn a_repeated_member_is_named_by_its_path() {
        let cases = [
            (r#"{"externalId":"a","externalId":"b"}"#, "externalId"),
            (
                r#"{"state":{"state":"A","x":1,"state":"B"}}"#,
                "state.state",
            ),
            (r#"{"items":[{"a":1},{"a":1,"a":2}]}"#, "items[1].a"),
            (r#"[{"k":1,"k":1}]"#, "[0].k"),
            (r#"{"\u0061":1,"a":2}"#, "a"),
            // Found by the json_body fuzz target: a path that named nothing.
            (r#"{"":1,"":2}"#, r#""""#),
            (r#"{"a":{"":1,"":2}}"#, r#"a."""#),
        ];
        for (text, path) in cases {
            assert_eq!(parse(text), Err(Some(path.to_owned())), "{text}");
        }
        let refused = super::parse(br#"{"a":{"b":1,"b":2}}"#).unwrap_err();
        let problem = refused.problem();
        assert_eq!(problem.code, "MALFORMED_REQUEST");
        assert_eq!(problem.errors[0].field, "a.b");
    }

    /// Found by the `json_body` fuzz target: the path of a repeated member went back to the
    /// client with the member's name in it, card number and all.
    #[test]
    fn a_repeated_member_holding_a_card_number_is_not_named() {
        let text = r#"{"a":[{"4111 1111 1111 1111":1,"4111 1111 1111 1111":2}]}"#;
        assert_eq!(parse(text), Err(Some("a[0].?".to_owned())));
        let body = super::parse(text.as_bytes()).unwrap_err().body();
        let body = String::from_utf8(body).unwrap();
        assert!(!body.contains("4111"), "{body}");
    }

    #[test]
    fn everything_else_parses_as_serde_json_does() {
        for text in [
            r#"{"a":1,"b":[1,-2,3.5,true,null,"x"],"c":{"a":{}}}"#,
            r#"[]"#,
            r#""\u00e9""#,
            "18446744073709551615",
            r#"{"a":{"b":1},"b":{"b":2}}"#,
        ] {
            let expected: Value = serde_json::from_str(text).unwrap();
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
        assert_eq!(parse("{").unwrap_err(), None);
        assert_eq!(parse(r#"{"a":1} x"#).unwrap_err(), None);
        assert_eq!(
            parse(&format!("{}1{}", "[".repeat(200), "]".repeat(200))),
            Err(None)
        );
        assert_eq!(parse(r#"{"a":1}"#), Ok(json!({"a": 1})));
    }

    /// Found by the json_body fuzz target: serde_json's quicker float parsing can be a unit
    /// in the last place off, so a number read, written and read again changed.
    #[test]
    fn a_number_read_back_from_what_is_written_is_the_same() {
        for text in [
            "2111111121110112222222222",
            "0.30000000000000004441",
            "1e-320",
        ] {
            let read = parse(text).unwrap();
            let again = parse(&serde_json::to_string(&read).unwrap()).unwrap();
            assert_eq!(again, read, "{text}");
        }
    }
}
