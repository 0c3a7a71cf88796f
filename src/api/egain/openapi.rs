//! The eGain door in the OpenAPI document. Its bodies are eGain's XML documents and their
//! JSON twins, so their schemas come from the door's own [schema](super::schema) — the
//! description that reads and writes them — with OpenAPI's `xml` annotations for names,
//! namespaces and wrappers, rather than from Rust types.

use serde_json::{json, Map, Value};

use super::schema::{Node, Shape, CUSTOMERS_DOC, CUSTOMER_DOC, PLATFORM, PREFIXES};

fn prefix_of(ns: &str) -> Option<&'static str> {
    PREFIXES
        .iter()
        .find(|(_, uri)| *uri == ns)
        .map(|(prefix, _)| *prefix)
        .filter(|p| !p.is_empty())
}

fn xml_of(node: &Node, wrapped: bool) -> Value {
    let mut xml = Map::new();
    xml.insert("name".into(), json!(node.name));
    if !node.ns.is_empty() {
        xml.insert("namespace".into(), json!(node.ns));
    }
    if let Some(prefix) = prefix_of(node.ns) {
        xml.insert("prefix".into(), json!(prefix));
    }
    if matches!(node.shape, Shape::Attribute) {
        xml.insert("attribute".into(), json!(true));
    }
    if wrapped {
        xml.insert("wrapped".into(), json!(true));
    }
    Value::Object(xml)
}

/// A node's JSON Schema, with its XML naming.
fn schema_of(node: &Node) -> Value {
    match &node.shape {
        Shape::Text | Shape::Attribute => json!({"type": "string", "xml": xml_of(node, false)}),
        Shape::List(item) => json!({
            "type": "object",
            "additionalProperties": false,
            "xml": xml_of(node, false),
            "properties": {
                item.name: {
                    "type": "array",
                    "items": schema_of(item),
                    "xml": xml_of(item, false),
                }
            }
        }),
        Shape::Object(members) => {
            let properties: Map<String, Value> = members
                .iter()
                .map(|m| {
                    let mut schema = schema_of(m);
                    if m.read_only || m.name == "id" {
                        schema["readOnly"] = json!(m.read_only);
                    }
                    (m.name.to_owned(), schema)
                })
                .collect();
            json!({
                "type": "object",
                "additionalProperties": false,
                "properties": properties,
                "xml": xml_of(node, false),
            })
        }
    }
}

fn both(schema: &str) -> Value {
    let reference = json!({"$ref": format!("#/components/schemas/{schema}")});
    json!({
        "application/xml": {"schema": reference},
        "text/xml": {"schema": reference},
        "application/json": {"schema": reference},
    })
}

fn refusal(description: &str) -> Value {
    json!({"description": description, "content": both("EgainError")})
}

fn session_header() -> Value {
    json!({"X-egain-session": {"description": "The session the request was made in", "schema": {"type": "string"}}})
}

fn answer(description: &str, content: Option<&str>) -> Value {
    let mut answer = json!({"description": description, "headers": session_header()});
    if let Some(schema) = content {
        answer["content"] = both(schema);
    }
    answer
}

fn operation(id: &str, summary: &str, responses: Value) -> Value {
    json!({
        "tags": ["egain"],
        "operationId": id,
        "summary": summary,
        "security": [{"egainSession": []}],
        "responses": responses,
    })
}

fn idempotency_key() -> Value {
    json!({"name": "Idempotency-Key", "in": "header", "required": false,
           "description": "A retry with the same key gets the first answer, its Location included",
           "schema": {"type": "string", "maxLength": 255}})
}

fn paths(prefix: &str, suffix: &str) -> Map<String, Value> {
    let id = |name: &str| format!("{name}{suffix}");
    let mut paths = Map::new();
    paths.insert(
        format!("{prefix}/authentication/user/login"),
        json!({"post": {
            "tags": ["egain"], "operationId": id("egainLogin"),
            "summary": "Log in as a user made by `clientele users create`; the session comes back in X-egain-session",
            "parameters": [{"name": "forceLogin", "in": "query", "required": false,
                            "description": "`yes` ends the user's oldest session when it holds five",
                            "schema": {"type": "string", "enum": ["yes", "no"]}}],
            "requestBody": {"required": true, "content": both("EgainLogin")},
            "responses": {
                "204": answer("Logged in", None),
                "400": refusal("Unreadable body, or the user holds five sessions already"),
                "401": refusal("The user name or the password is wrong"),
                "415": refusal("Not XML or JSON"),
                "429": refusal("Too many logins for this user"),
            }
        }}),
    );
    paths.insert(
        format!("{prefix}/authentication/user/logout"),
        json!({"delete": operation(&id("egainLogout"), "End the session", json!({
            "204": answer("Logged out", None),
            "401": refusal("No session, or one that is unknown, expired or ended"),
        }))}),
    );
    let mut create = operation(
        &id("egainCreateCustomer"),
        "Create an individual customer with its contact person and contact points",
        json!({
            "201": {"description": "Created", "headers": {
                "Location": {"description": "Where the customer is read", "schema": {"type": "string"}},
                "X-egain-session": {"description": "The session the request was made in", "schema": {"type": "string"}}
            }},
            "400": refusal("Unreadable, or a rule is broken (the message names each field by its path), or the email is taken"),
            "401": refusal("No valid session"),
            "403": refusal("The user's role may not write"),
            "413": refusal("The body is over the limit"),
            "415": refusal("Not XML or JSON"),
        }),
    );
    create["parameters"] = json!([idempotency_key()]);
    create["requestBody"] = json!({"required": true, "content": both("EgainCustomer")});
    let mut edit = operation(
        &id("egainEditCustomer"),
        "Edit the customer the body's id names: what is sent changes, what is sent empty is cleared",
        json!({
            "204": answer("Edited", None),
            "400": refusal("Unreadable, no id, or a rule is broken"),
            "401": refusal("No valid session"),
            "403": refusal("The user's role may not write"),
            "404": refusal("No customer has the id"),
            "409": refusal("The customer changed while the edit was made; read it again"),
            "413": refusal("The body is over the limit"),
            "415": refusal("Not XML or JSON"),
        }),
    );
    edit["parameters"] = json!([idempotency_key()]);
    edit["requestBody"] = json!({"required": true, "content": both("EgainCustomer")});
    let mut search = operation(
        &id("egainSearchCustomers"),
        "Customers with a contact point of this email address or phone number (exact match)",
        json!({
            "200": answer("The customers found, in the order they were made", Some("EgainCustomers")),
            "204": answer("None matches", None),
            "400": refusal("Neither email nor phone, or a bad parameter"),
            "401": refusal("No valid session"),
            "406": refusal("Accept names neither XML nor JSON"),
        }),
    );
    search["parameters"] = json!([
        {"name": "email", "in": "query", "required": false, "schema": {"type": "string"}},
        {"name": "phone", "in": "query", "required": false, "schema": {"type": "string"}},
        {"name": "$pagenum", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1}},
        {"name": "$pagesize", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
        {"name": "$sort", "in": "query", "required": false, "schema": {"type": "string"}},
        {"name": "$order", "in": "query", "required": false, "schema": {"type": "string"}},
    ]);
    paths.insert(
        format!("{prefix}/interaction/customer"),
        json!({"post": create, "put": edit, "get": search}),
    );
    let mut read = operation(
        &id("egainReadCustomers"),
        "One customer, or several (comma-separated ids, at most 75)",
        json!({
            "200": {"description": "One id: the customer; several: a list of those found",
                    "headers": session_header(),
                    "content": {
                        "application/xml": {"schema": {"oneOf": [
                            {"$ref": "#/components/schemas/EgainCustomer"},
                            {"$ref": "#/components/schemas/EgainCustomers"}]}},
                        "application/json": {"schema": {"oneOf": [
                            {"$ref": "#/components/schemas/EgainCustomer"},
                            {"$ref": "#/components/schemas/EgainCustomers"}]}}
                    }},
            "400": refusal("An id that is not a decimal number, or more than 75"),
            "401": refusal("No valid session"),
            "404": refusal("None of the ids names a customer"),
            "406": refusal("Accept names neither XML nor JSON"),
        }),
    );
    read["parameters"] = json!([{"name": "ids", "in": "path", "required": true,
        "schema": {"type": "string", "pattern": "^[0-9]{1,19}(,[0-9]{1,19}){0,74}$"}}]);
    paths.insert(
        format!("{prefix}/interaction/customer/{{ids}}"),
        json!({"get": read}),
    );
    paths
}

/// Adds the door's paths, schemas and session scheme to `document`.
pub fn add_to(document: &mut Value) {
    for (prefix, suffix) in super::PATH_PREFIXES.iter().zip(["", "System"]) {
        if let Some(all) = document.get_mut("paths").and_then(Value::as_object_mut) {
            all.extend(paths(prefix, suffix));
        }
    }
    let components = &mut document["components"];
    components["securitySchemes"]["egainSession"] = json!({
        "type": "apiKey", "in": "header", "name": "X-egain-session",
        "description": "A session from POST /ws/v12/authentication/user/login"
    });
    let schemas = &mut components["schemas"];
    schemas["EgainCustomer"] = schema_of(&CUSTOMER_DOC);
    schemas["EgainCustomers"] = schema_of(&CUSTOMERS_DOC);
    schemas["EgainLogin"] = json!({
        "type": "object", "additionalProperties": false,
        "required": ["userName", "password"],
        "properties": {
            "userName": {"type": "string", "xml": {"namespace": PLATFORM, "prefix": "ns2"}},
            "password": {"type": "string", "format": "password", "xml": {"namespace": PLATFORM, "prefix": "ns2"}},
        },
        "xml": {"name": "user", "namespace": PLATFORM, "prefix": "ns2"}
    });
    schemas["EgainError"] = json!({
        "type": "object", "required": ["code", "developerMessage"],
        "properties": {
            "code": {"type": "string", "example": "400-101"},
            "developerMessage": {"type": "string"},
        },
        "xml": {"name": "error"}
    });
    if let Some(tags) = document.get_mut("tags").and_then(Value::as_array_mut) {
        tags.push(json!({"name": "egain", "description": "The eGain v12 door: individual customers in XML or JSON, behind agent sessions; errors in eGain's shape. Bodies are read as their Content-Type says; answers come in the format Accept names, XML when it names neither. A broken rule is answered 400, as eGain does"}));
    }
}
