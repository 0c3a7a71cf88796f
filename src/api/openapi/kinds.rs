//! The native door's routes shared by the three kinds, written out once per kind. The
//! handlers are one generic set (`objects`, `lifecycle`, `history`), annotated once under
//! `/v1/{kind}`; a client and a fuzzer need each path as the router has it, with its own
//! operation ids, its kind's body schemas and only the parameters that kind takes.

use serde_json::{json, Map, Value};

/// What differs between the kinds in the document.
struct KindDoc {
    segment: &'static str,
    one: &'static str,
    many: &'static str,
    /// The one listing filter this kind takes beside the common ones.
    filter: Option<&'static str>,
    /// The segment member a patch of this kind may carry.
    patch_segment: &'static str,
}

const KINDS: [KindDoc; 3] = [
    KindDoc {
        segment: "customers",
        one: "Customer",
        many: "Customers",
        filter: None,
        patch_segment: "customerSegment",
    },
    KindDoc {
        segment: "accounts",
        one: "Account",
        many: "Accounts",
        filter: Some("customer"),
        patch_segment: "accountSegment",
    },
    KindDoc {
        segment: "subscribers",
        one: "Subscriber",
        many: "Subscribers",
        filter: Some("account"),
        patch_segment: "subscriberSegment",
    },
];

const TEMPLATE: &str = "/v1/{kind}";
const FILTERS: [&str; 2] = ["customer", "account"];
const SEGMENTS: [&str; 3] = ["customerSegment", "accountSegment", "subscriberSegment"];

/// `getObject` → `getCustomer`, `listObjects` → `listCustomers`, `changeState` →
/// `changeCustomerState`: the kind named after the operation's verb.
fn operation_id(generic: &str, kind: &KindDoc) -> String {
    if let Some(rest) = generic.strip_suffix("Objects") {
        return format!("{rest}{}", kind.many);
    }
    if let Some(rest) = generic.strip_suffix("Object") {
        return format!("{rest}{}", kind.one);
    }
    let verb_end = generic
        .find(|c: char| c.is_ascii_uppercase())
        .unwrap_or(generic.len());
    let (verb, rest) = generic.split_at(verb_end);
    format!("{verb}{}{rest}", kind.one)
}

fn retarget(value: &mut Value, kind: &KindDoc) {
    match value {
        Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                if name == "$ref" {
                    let target = match member.as_str() {
                        Some("#/components/schemas/Entity") => kind.one.to_owned(),
                        Some("#/components/schemas/Page") => format!("{}Page", kind.one),
                        Some("#/components/schemas/PatchRequest") => format!("{}Patch", kind.one),
                        _ => continue,
                    };
                    *member = json!(format!("#/components/schemas/{target}"));
                } else {
                    retarget(member, kind);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| retarget(item, kind)),
        _ => {}
    }
}

fn for_kind(mut operation: Value, kind: &KindDoc) -> Value {
    if let Some(id) = operation["operationId"].as_str() {
        operation["operationId"] = json!(operation_id(id, kind));
    }
    operation["tags"] = json!([kind.segment]);
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        parameters.retain(|p| {
            let name = p["name"].as_str().unwrap_or_default();
            let other_filter =
                p["in"] == "query" && FILTERS.contains(&name) && kind.filter != Some(name);
            let kind_template = p["in"] == "path" && name == "kind";
            !kind_template && !other_filter
        });
    }
    retarget(&mut operation, kind);
    operation
}

/// Replaces every `/v1/{kind}…` path by its three instances, and the shared schemas
/// (`Entity`, `Page`, `PatchRequest`) by each kind's own.
pub fn write_out(document: &mut Value) {
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let generic: Vec<String> = paths
        .keys()
        .filter(|p| p.starts_with(TEMPLATE))
        .cloned()
        .collect();
    for template in generic {
        let Some(Value::Object(item)) = paths.remove(&template) else {
            continue;
        };
        for kind in &KINDS {
            let path = template.replacen("{kind}", kind.segment, 1);
            let entry = paths
                .entry(path)
                .or_insert_with(|| Value::Object(Map::new()));
            for (method, operation) in &item {
                entry[method] = for_kind(operation.clone(), kind);
            }
        }
    }
    let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    schemas.remove("Entity");
    let page = schemas.remove("Page");
    let patch = schemas.remove("PatchRequest");
    for kind in &KINDS {
        if let Some(mut page) = page.clone() {
            page["properties"]["data"]["items"] =
                json!({"$ref": format!("#/components/schemas/{}", kind.one)});
            page["description"] = json!(format!("One page of a listing of {}.", kind.segment));
            schemas.insert(format!("{}Page", kind.one), page);
        }
        if let Some(mut patch) = patch.clone() {
            if let Some(members) = patch["properties"].as_object_mut() {
                members.retain(|name, _| {
                    !SEGMENTS.contains(&name.as_str()) || name == kind.patch_segment
                });
            }
            schemas.insert(format!("{}Patch", kind.one), patch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_name_the_kind() {
        let [customer, account, subscriber] = &KINDS;
        assert_eq!(operation_id("getObject", customer), "getCustomer");
        assert_eq!(operation_id("listObjects", account), "listAccounts");
        assert_eq!(
            operation_id("changeState", subscriber),
            "changeSubscriberState"
        );
        assert_eq!(
            operation_id("listSegments", customer),
            "listCustomerSegments"
        );
    }
}
