//! Decoding a JSON value into a request type, with every wrong type, unknown member and
//! missing member reported once, at its path in the body as it was sent.
//!
//! serde stops at the first problem, so the decoder takes the member at fault out of a copy
//! of the body and tries again. An array element is taken out of its array (a `null` in its
//! place would fail at the same path again), so later paths are mapped back to the indices
//! the client sent. A member taken out that its object requires makes serde report the
//! member missing: that problem is listed already, so the object is taken out in turn,
//! silently, and decoding goes on with the rest.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::problem::{ApiError, FieldError};
use crate::domain::FieldCode;

/// One step of a path into the body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Step {
    Key(String),
    Index(usize),
    Variant(String),
    Unknown,
}

fn steps_of(path: &serde_path_to_error::Path) -> Vec<Step> {
    use serde_path_to_error::Segment;
    path.iter()
        .map(|segment| match segment {
            Segment::Seq { index } => Step::Index(*index),
            Segment::Map { key } => Step::Key(key.clone()),
            Segment::Enum { variant } => Step::Variant(variant.clone()),
            Segment::Unknown => Step::Unknown,
        })
        .collect()
}

fn render(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Index(index) => out.push_str(&format!("[{index}]")),
            Step::Key(name) | Step::Variant(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(super::body::shown_member(name));
            }
            Step::Unknown => out.push_str(".?"),
        }
    }
    out
}

/// The i-th element left in an array is the element the client sent at this index, given
/// the indices (ascending) taken out of it.
fn sent_index(left: usize, taken: &[usize]) -> usize {
    let mut index = left;
    for &t in taken {
        if t <= index {
            index += 1;
        } else {
            break;
        }
    }
    index
}

/// The body as it is being decoded, and what was taken out of it, in the paths as sent.
struct Probe {
    value: Value,
    /// The indices taken out of each array, ascending, by the array's path as sent.
    taken: HashMap<Vec<Step>, Vec<usize>>,
    /// Every member and element taken out, by its path as sent.
    gone: Vec<Vec<Step>>,
}

impl Probe {
    fn new(value: Value) -> Self {
        Self {
            value,
            taken: HashMap::new(),
            gone: Vec::new(),
        }
    }

    /// A path into the probe as the path into the body as sent.
    fn as_sent(&self, at: &[Step]) -> Vec<Step> {
        let mut sent = Vec::with_capacity(at.len());
        for step in at {
            let step = match step {
                Step::Index(left) => {
                    let taken = self.taken.get(&sent).map_or(&[][..], Vec::as_slice);
                    Step::Index(sent_index(*left, taken))
                }
                other => other.clone(),
            };
            sent.push(step);
        }
        sent
    }

    /// Takes out what `at` (a path into the probe) points at; false when it cannot.
    fn take_out(&mut self, at: &[Step]) -> bool {
        let Some((last, parents)) = at.split_last() else {
            return false;
        };
        let sent = self.as_sent(at);
        let mut node = &mut self.value;
        for step in parents {
            node = match (step, node) {
                (Step::Key(name), Value::Object(members)) => match members.get_mut(name) {
                    Some(next) => next,
                    None => return false,
                },
                (Step::Index(index), Value::Array(items)) => match items.get_mut(*index) {
                    Some(next) => next,
                    None => return false,
                },
                _ => return false,
            };
        }
        let done = match (last, node) {
            (Step::Key(name), Value::Object(members)) => members.remove(name).is_some(),
            (Step::Index(index), Value::Array(items)) if *index < items.len() => {
                items.remove(*index);
                if let Some((Step::Index(original), array)) = sent.split_last() {
                    let taken = self.taken.entry(array.to_vec()).or_default();
                    let at = taken.partition_point(|t| t < original);
                    taken.insert(at, *original);
                }
                true
            }
            _ => false,
        };
        if done {
            self.gone.push(sent);
        }
        done
    }
}

/// The member serde reports missing, from its message ``missing field `name` ``.
fn missing_member(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split('`')
        .next()
        .filter(|name| !name.is_empty())
}

/// Message from serde without its position suffix, which means nothing once the body is a
/// tree, and without the client's own text: serde quotes the value it could not take
/// (`invalid type: string "…"`) and the member it did not know (``unknown field `…` ``),
/// and an answer never repeats what was sent (it may be a card number).
fn clean(message: &str) -> String {
    use std::sync::OnceLock;
    static QUOTED: OnceLock<regex::Regex> = OnceLock::new();
    static UNKNOWN: OnceLock<regex::Regex> = OnceLock::new();
    static TICKED: OnceLock<regex::Regex> = OnceLock::new();
    let message = match message.find(" at line ") {
        Some(at) => &message[..at],
        None => message,
    };
    let quoted =
        QUOTED.get_or_init(|| regex::Regex::new(r#""(?:[^"\\]|\\.)*""#).expect("a valid pattern"));
    let unknown = UNKNOWN.get_or_init(|| {
        // Up to the last `` `, `` before serde's own words, as the name may hold backticks
        // (and newlines).
        regex::Regex::new(r"(?s)^unknown (field|variant) `.*`, (expected|there are no)")
            .expect("a valid pattern")
    });
    let ticked = TICKED.get_or_init(|| {
        regex::Regex::new(r"invalid (type|value): ([a-z ]+?) `[^`]*`").expect("a valid pattern")
    });
    let message = quoted.replace_all(message, "the value sent");
    let message = ticked.replace_all(&message, "invalid $1: $2");
    unknown.replace(&message, "unknown $1, $2").into_owned()
}

/// Decodes a JSON value into a request type, reporting every type error, unknown member and
/// missing member once, each at its path as sent.
pub fn decode<T: DeserializeOwned>(value: &Value) -> Result<T, ApiError> {
    const MAX_PROBLEMS: usize = 50;
    if !value.is_object() {
        return Err(ApiError::malformed("the body must be a JSON object"));
    }
    // Most bodies decode at the first try: they need neither the copy nor the path tracking,
    // which only say where a problem is.
    if let Ok(decoded) = T::deserialize(value) {
        return Ok(decoded);
    }
    let mut probe = Probe::new(value.clone());
    let mut errors = Vec::new();
    // Each attempt lists a problem or takes out an object whose problem is listed, so this
    // bounds the work of a hostile body as the count of problems does.
    for _ in 0..MAX_PROBLEMS * 4 {
        if errors.len() >= MAX_PROBLEMS {
            break;
        }
        let error = match serde_path_to_error::deserialize::<_, T>(&probe.value) {
            Ok(decoded) if errors.is_empty() => return Ok(decoded),
            Ok(_) => break,
            Err(error) => error,
        };
        let at = steps_of(error.path());
        let message = error.inner().to_string();
        if let Some(member) = missing_member(&message) {
            let mut path = probe.as_sent(&at);
            path.push(Step::Key(member.to_owned()));
            if !probe.gone.contains(&path) {
                errors.push(FieldError::new(
                    render(&path),
                    FieldCode::Required,
                    "is required",
                ));
            }
            if !probe.take_out(&at) {
                break;
            }
            continue;
        }
        let message = clean(&message);
        let code = if message.starts_with("unknown field") {
            FieldCode::NotAllowed
        } else {
            FieldCode::InvalidFormat
        };
        errors.push(FieldError::new(render(&probe.as_sent(&at)), code, message));
        if !probe.take_out(&at) {
            break;
        }
    }
    Err(
        ApiError::malformed("the body does not have the expected shape; see errors")
            .with_errors(errors),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Inner {
        state: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Outer {
        name: Option<String>,
        inner: Option<Inner>,
        items: Option<Vec<Inner>>,
    }

    fn problems(value: Value) -> Vec<(String, FieldCode)> {
        let err = decode::<Outer>(&value).unwrap_err();
        err.problem()
            .errors
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn reports_every_problem_with_its_path() {
        let found = problems(json!({
            "name": 5,
            "id": "x",
            "inner": {"state": true, "tenant": "t"},
            "items": [{"state": "A"}, {"state": 1}]
        }));
        for expected in [
            ("name", FieldCode::InvalidFormat),
            ("id", FieldCode::NotAllowed),
            ("inner.state", FieldCode::InvalidFormat),
            ("inner.tenant", FieldCode::NotAllowed),
            ("items[1].state", FieldCode::InvalidFormat),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1)),
                "{expected:?} not in {found:?}"
            );
        }
        assert_eq!(found.len(), 5, "{found:?}");
    }

    #[test]
    fn a_body_that_is_no_object_is_refused() {
        let err = decode::<Outer>(&json!([1, 2])).unwrap_err();
        assert_eq!(err.problem().code, "MALFORMED_REQUEST");
    }

    #[test]
    fn messages_do_not_repeat_what_was_sent() {
        let found = decode::<Outer>(&json!({"name": 4111111111111111u64, "x4111111111111111": 1, "inner": {"state": {"k": "4111 1111 1111 1111"}}}))
            .unwrap_err()
            .body();
        let text = String::from_utf8(found).unwrap();
        assert!(!text.contains("4111"), "{text}");
        assert_eq!(
            clean("invalid type: string \"4111 1111\", expected a boolean at line 1 column 9"),
            "invalid type: string the value sent, expected a boolean"
        );
        assert_eq!(
            clean("unknown field `4111111111111111`, expected one of `name`, `inner`"),
            "unknown field, expected one of `name`, `inner`"
        );
        // Found by the native_create fuzz target: a name holding a backtick, or a newline.
        assert_eq!(
            clean("unknown field `c`4111111111111111`, expected `name`"),
            "unknown field, expected `name`"
        );
        assert_eq!(
            clean("unknown field `c\n4111111111111111`, expected `name`"),
            "unknown field, expected `name`"
        );
        assert_eq!(
            clean("unknown field `a`, expected 1`, there are no fields"),
            "unknown field, there are no fields"
        );
    }

    /// Found by the json_body fuzz target: a member with no name made a path naming
    /// nothing.
    #[test]
    fn a_path_always_names_something() {
        let empty = decode::<Outer>(&json!({"": 1})).unwrap_err();
        assert_eq!(empty.field_errors()[0].field, r#""""#);
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Batch {
        items: Vec<Required>,
        codes: Option<Vec<String>>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Required {
        id: String,
    }

    fn batch_problems(value: Value) -> Vec<(String, FieldCode)> {
        let err = decode::<Batch>(&value).unwrap_err();
        err.problem()
            .errors
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn each_wrong_element_is_listed_once_at_the_index_sent() {
        let found = batch_problems(json!({
            "items": [{"id": "a"}, "x", {"id": 1}, {"id": "b"}, 7],
            "codes": [1, "ok", 2, 3]
        }));
        assert_eq!(
            found,
            vec![
                ("codes[0]".to_owned(), FieldCode::InvalidFormat),
                ("codes[2]".to_owned(), FieldCode::InvalidFormat),
                ("codes[3]".to_owned(), FieldCode::InvalidFormat),
                ("items[1]".to_owned(), FieldCode::InvalidFormat),
                ("items[2].id".to_owned(), FieldCode::InvalidFormat),
                ("items[4]".to_owned(), FieldCode::InvalidFormat),
            ]
        );
    }

    #[test]
    fn a_required_member_is_listed_once_at_its_path() {
        assert_eq!(
            batch_problems(json!({"items": "many"})),
            vec![("items".to_owned(), FieldCode::InvalidFormat)]
        );
        assert_eq!(
            batch_problems(json!({})),
            vec![("items".to_owned(), FieldCode::Required)]
        );
        assert_eq!(
            batch_problems(json!({"items": [{}, {"id": "a"}, {"id": 2}]})),
            vec![
                ("items[0].id".to_owned(), FieldCode::Required),
                ("items[2].id".to_owned(), FieldCode::InvalidFormat),
            ]
        );
    }

    #[test]
    fn sent_indices_skip_those_taken_out() {
        assert_eq!(sent_index(0, &[]), 0);
        assert_eq!(sent_index(0, &[0]), 1);
        assert_eq!(sent_index(0, &[0, 1]), 2);
        assert_eq!(sent_index(1, &[0, 2]), 3);
        assert_eq!(sent_index(1, &[3]), 1);
    }
}
