//! What the document says of text once for every string: no door stores a NUL character
//! (no text column takes one, on either backend), so each free-text string schema excludes
//! it by pattern, and a client (or a fuzzer) knows a NUL is refused before it sends one.
//! Idempotency keys are bounded the same way wherever they are sent.

use serde_json::{json, Value};

/// Any text without a NUL character.
pub const NO_NUL: &str = "^[^\\u0000]*$";

/// The longest idempotency key taken (`Limits::idempotency_key_chars` by default).
const KEY_CHARS: usize = 255;

fn is_string_schema(schema: &serde_json::Map<String, Value>) -> bool {
    match schema.get("type") {
        Some(Value::String(t)) => t == "string",
        Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
        _ => false,
    }
}

/// Schemas that quote the client's text back (a problem names the member sent, NUL and all).
const QUOTING: [&str; 3] = ["Problem", "FieldError", "EgainError"];

fn walk(value: &mut Value) {
    match value {
        Value::Object(members) => {
            let free_text = is_string_schema(members)
                && !members.contains_key("pattern")
                && !members.contains_key("enum")
                && !members.contains_key("format");
            if free_text {
                members.insert("pattern".into(), json!(NO_NUL));
            }
            members.values_mut().for_each(walk);
        }
        Value::Array(items) => items.iter_mut().for_each(walk),
        _ => {}
    }
}

fn bound_key(schema: &mut Value) {
    if schema.is_object() {
        schema["minLength"] = json!(1);
        schema["maxLength"] = json!(KEY_CHARS);
    }
}

fn bound_keys(value: &mut Value) {
    match value {
        Value::Object(members) => {
            if let Some(Value::Object(properties)) = members.get_mut("properties") {
                if let Some(key) = properties.get_mut("requestId") {
                    bound_key(key);
                }
            }
            if members.get("name").and_then(Value::as_str) == Some("Idempotency-Key")
                && members.get("in").and_then(Value::as_str) == Some("header")
            {
                if let Some(schema) = members.get_mut("schema") {
                    bound_key(schema);
                }
            }
            members.values_mut().for_each(bound_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(bound_keys),
        _ => {}
    }
}

/// Puts the NUL pattern on every free-text string of the parameters and schemas, and the
/// idempotency key's bounds on `requestId` and `Idempotency-Key`.
pub fn constrain(document: &mut Value) {
    if let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            bound_keys(item);
            walk(item);
            if path.starts_with("/v1/") {
                empty_means_absent(item);
            }
        }
    }
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            bound_keys(schema);
            if !QUOTING.contains(&name.as_str()) {
                walk(schema);
            }
        }
    }
}

/// The native door takes a query parameter sent empty (`?limit=`) as not sent, as forms
/// and generated clients send them.
fn empty_means_absent(item: &mut Value) {
    let Some(operations) = item.as_object_mut() else {
        return;
    };
    for operation in operations.values_mut() {
        if let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        {
            for parameter in parameters.iter_mut().filter(|p| p["in"] == "query") {
                parameter["allowEmptyValue"] = json!(true);
            }
        }
    }
}
