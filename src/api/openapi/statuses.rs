//! Every status an operation can be answered with, documented on it. Handlers annotate the
//! answers they write themselves; what the layers in front of every handler answer — the
//! key and its role, the rate limit, the body's framing, the request's size, capacity — is
//! the same for every operation of a kind, so it is added here, in the door's error shape.

use serde_json::{json, Value};

/// The eGain door's paths begin with one of these; its errors are in its own shape.
fn is_egain(path: &str) -> bool {
    path.starts_with("/ws/v12/") || path.starts_with("/system/ws/v12/")
}

fn problem_content() -> Value {
    json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}})
}

fn egain_content() -> Value {
    let schema = json!({"$ref": "#/components/schemas/EgainError"});
    json!({
        "application/xml": {"schema": schema},
        "text/xml": {"schema": schema},
        "application/json": {"schema": schema},
    })
}

fn retry_after() -> Value {
    json!({"Retry-After": {"description": "Seconds to wait before trying again",
                           "schema": {"type": "integer", "minimum": 0}}})
}

/// What the operation's request is like, read from its own entry.
struct Shape {
    egain: bool,
    keyed: bool,
    writes: bool,
    path_params: bool,
    query_params: bool,
    body: bool,
    idempotent: bool,
}

fn shape_of(path: &str, method: &str, operation: &Value) -> Shape {
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let has_in = |place: &str| parameters.iter().any(|p| p["in"] == place);
    let keyed = operation["security"]
        .as_array()
        .is_some_and(|schemes| !schemes.is_empty());
    Shape {
        egain: is_egain(path),
        keyed,
        writes: keyed && method != "get" && !is_egain(path),
        path_params: has_in("path"),
        query_params: has_in("query"),
        body: operation.get("requestBody").is_some(),
        idempotent: parameters.iter().any(|p| p["name"] == "Idempotency-Key"),
    }
}

/// The statuses the layers in front of the handler may answer, with why.
fn common_answers(shape: &Shape) -> Vec<(&'static str, &'static str)> {
    let mut answers = Vec::new();
    if shape.path_params || shape.query_params || shape.body {
        answers.push((
            "400",
            "The request cannot be read: a malformed parameter, path id or body; `errors` names each bad field. \
             A request line or header that does not parse hyper answers itself, with an empty body",
        ));
    } else {
        answers.push((
            "400",
            "A request line or header that does not parse; hyper answers it, with an empty body",
        ));
    }
    if shape.keyed {
        answers.push(("401", "No credentials, or ones that are not valid"));
    }
    if shape.writes {
        answers.push(("403", "The caller's role may not do this"));
    }
    if shape.path_params {
        answers.push(("404", "Nothing of the caller's has that id"));
    }
    if shape.body {
        answers.push(("408", "The body did not arrive in time"));
    }
    if shape.idempotent {
        answers.push((
            "409",
            "The idempotency key's first request is still being answered",
        ));
    }
    if shape.body {
        answers.push(("413", "The body is larger than the server takes"));
    }
    answers.push((
        "414",
        "The request target is longer than 8 KiB. Past 64 KiB hyper answers this itself, with an empty body",
    ));
    if shape.body {
        answers.push(("415", "The body is not in a media type the operation takes"));
    }
    if shape.idempotent && !shape.egain {
        answers.push((
            "422",
            "The idempotency key was used before for another request",
        ));
    }
    if shape.keyed {
        answers.push((
            "429",
            "Too many requests for this key; Retry-After says when to try again",
        ));
    }
    answers.push((
        "431",
        "More than 100 header fields, or more than 32 KiB of them. Far past that hyper answers this itself, with an empty body",
    ));
    answers.push(("500", "An unexpected failure; nothing was changed"));
    answers.push((
        "503",
        "The server is handling as many requests as it takes, the request took longer than it allows, or the database cannot be reached; Retry-After says when to try again",
    ));
    answers
}

fn complete(path: &str, method: &str, operation: &mut Value) {
    let shape = shape_of(path, method, operation);
    let content = if shape.egain {
        egain_content()
    } else {
        problem_content()
    };
    let responses = operation["responses"]
        .as_object_mut()
        .expect("every operation has responses");
    for (status, description) in common_answers(&shape) {
        let response = responses
            .entry(status)
            .or_insert_with(|| json!({"description": ""}));
        if response["description"].as_str().is_none_or(str::is_empty) {
            response["description"] = json!(description);
        }
        if response.get("content").is_none() {
            response["content"] = content.clone();
        }
        if matches!(status, "429" | "503") {
            response["headers"] = retry_after();
        }
        if status == "401" && !shape.egain {
            response["headers"] = json!({"WWW-Authenticate": {
                "description": "`Bearer`", "schema": {"type": "string"}}});
        }
    }
    for (status, response) in responses.iter_mut() {
        if response["description"].as_str().is_none_or(str::is_empty) {
            response["description"] = json!(match status.as_str() {
                "200" => "The answer",
                "201" => "Created",
                "202" => "Accepted",
                "204" => "No content",
                "403" => "The caller's role may not do this",
                _ => "See the problem's `code` and `detail`",
            });
        }
    }
    let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    responses.extend(sorted);
}

/// Adds the statuses every layer in front of the handlers answers to each operation.
pub fn complete_all(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            if operation.get("responses").is_some() {
                complete(path, method, operation);
            }
        }
    }
}
