//! The eGain door's words for contact data: where in its document each field of the model
//! is, one table read both ways — documents to specs, records to documents — and used to
//! name the field a problem is about.

use serde_json::{Map, Value};

use crate::domain::contact::edit::{DetailsEdit, PersonSent};
use crate::domain::contact::spec::{AttributeSpec, DetailsSpec, PersonSpec, PointSpec};
use crate::domain::contact::{
    ContactDetails, ContactField, ContactPerson, ContactPoint, DetailText, MultiAttributes,
    PersonFlag, PersonText, PointText,
};
use crate::domain::path::{Field, FieldPath, Step};
use crate::domain::records::CustomerRecord;

/// Where a customer's fields are in its document.
fn detail_path(field: DetailText) -> &'static [&'static str] {
    match field {
        DetailText::CustomerType => &["type", "value"],
        DetailText::Department => &["department", "name"],
        DetailText::Level => &["level", "value"],
        DetailText::Role => &["role", "value"],
        DetailText::Industry => &["industry", "value"],
        DetailText::HowReferred => &["howReferred", "value"],
        DetailText::MarketSegment => &["marketSegment"],
        DetailText::Entitlements => &["entitlements"],
    }
}

/// Where a contact person's fields are in its `contactPerson`.
fn person_path(field: PersonText) -> &'static [&'static str] {
    use PersonText::*;
    match field {
        Salutation => &["salutation"],
        FirstName => &["firstName"],
        MiddleName => &["middleName"],
        LastName => &["lastName"],
        LoginId => &["loginId"],
        Gender => &["gender", "value"],
        IdentificationType => &["identification", "type"],
        IdentificationValue => &["identification", "value"],
        Suffix => &["suffix", "value"],
        Initials => &["initials"],
        SecretQuestion => &["secretQuestion"],
        JobTitle => &["jobTitle"],
        EmploymentStatus => &["employmentStatus", "value"],
        Priority => &["priority"],
        DateOfBirth => &["dateOfBirth"],
        MaritalStatus => &["maritalStatus", "value"],
        PersonType => &["type", "value"],
        FirstNameFurigana => &["firstNameFurigana"],
        MiddleNameFurigana => &["middleNameFurigana"],
        LastNameFurigana => &["lastNameFurigana"],
        StartGreeting => &["startGreeting"],
        EndGreeting => &["endGreeting"],
        SpouseName => &["spouseName"],
        EmergencyContact => &["emergencyContact"],
        Occupation => &["occupation"],
        IncomeLevel => &["incomeLevel"],
        EducationLevel => &["educationLevel", "value"],
        Race => &["race"],
        Dependents => &["dependents"],
        Hobbies => &["hobbies"],
        Interests => &["interests"],
        ContactOrder => &["contactOrder"],
    }
}

fn flag_path(flag: PersonFlag) -> &'static [&'static str] {
    match flag {
        PersonFlag::DirectMailingConsent => &["hasDirectMailingConsent"],
        PersonFlag::DirectCallingConsent => &["hasDirectCallingConsent"],
        PersonFlag::HoldingDataConsent => &["hasHoldingDataConsent"],
        PersonFlag::Smoker => &["isSmoker"],
    }
}

/// Where a contact point's fields are in its `contactPoint`.
fn point_path(field: PointText) -> &'static [&'static str] {
    use PointText::*;
    match field {
        PhoneType => &["type", "phone", "type", "value"],
        PhoneNumber => &["type", "phone", "phoneNo"],
        CountryCode => &["type", "phone", "countryCode"],
        AreaCode => &["type", "phone", "areaCode"],
        Extension => &["type", "phone", "extension"],
        AvailableDays => &["type", "phone", "availability", "days", "value"],
        AvailableTimes => &["type", "phone", "availability", "times", "value"],
        PostalType => &["type", "postal", "type", "value"],
        Address1 => &["type", "postal", "address_1"],
        Address2 => &["type", "postal", "address_2"],
        City => &["type", "postal", "city"],
        State => &["type", "postal", "state"],
        Zip => &["type", "postal", "zip"],
        Country => &["type", "postal", "country"],
        Region => &["type", "postal", "region"],
        EmailAddress => &["type", "email", "emailAddress"],
        Url => &["type", "web", "url"],
        SocialType => &["type", "social", "type", "value"],
        SocialId => &["type", "social", "socialId"],
    }
}

const CHANNEL: &[&str] = &["type", "value"];
const PRIORITY: &[&str] = &["priority", "value"];

fn get<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = value;
    for step in path {
        at = at.get(step)?;
    }
    at.as_str()
}

fn set(object: &mut Map<String, Value>, path: &[&str], text: &str) {
    let (last, init) = path.split_last().expect("paths are not empty");
    let mut at = object;
    for step in init {
        at = at
            .entry(*step)
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("the tables nest objects only");
    }
    at.insert((*last).to_owned(), Value::String(text.to_owned()));
}

/// The items of a list wrapper member (`contactPersons` → its `contactPerson` array).
fn items<'a>(value: &'a Value, wrapper: &str, item: &str) -> &'a [Value] {
    value
        .get(wrapper)
        .and_then(|w| w.get(item))
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn attributes_of(value: &Value) -> Vec<AttributeSpec> {
    items(value, "customAttributes", "customAttribute")
        .iter()
        .map(|a| AttributeSpec {
            name: get(a, &["attribName"]).unwrap_or_default().to_owned(),
            values: items(a, "attribValues", "attribValue")
                .iter()
                .filter_map(|v| get(v, &["value"]))
                .map(str::to_owned)
                .collect(),
        })
        .collect()
}

/// A document of the one form as the model's spec. Empty values are kept: on a create
/// they mean nothing was said, on an edit that the field is cleared.
pub fn spec_of(doc: &Value) -> DetailsSpec {
    let mut spec = DetailsSpec {
        pin: get(doc, &["pin"]).map(str::to_owned),
        attributes: attributes_of(doc),
        ..Default::default()
    };
    for field in DetailText::ALL {
        if let Some(text) = get(doc, detail_path(*field)) {
            spec.texts.insert(*field, text.to_owned());
        }
    }
    spec.persons = items(doc, "contactPersons", "contactPerson")
        .iter()
        .map(person_spec)
        .collect();
    spec
}

fn person_spec(doc: &Value) -> PersonSpec {
    let mut spec = PersonSpec {
        id: get(doc, &["id"]).map(str::to_owned),
        secret_answer: get(doc, &["secretAnswer"]).map(str::to_owned),
        attributes: attributes_of(doc),
        ..Default::default()
    };
    for field in PersonText::ALL {
        if let Some(text) = get(doc, person_path(*field)) {
            spec.texts.insert(*field, text.to_owned());
        }
    }
    for flag in PersonFlag::ALL {
        if let Some(text) = get(doc, flag_path(*flag)) {
            spec.flags.insert(*flag, text.to_owned());
        }
    }
    spec.points = items(doc, "contactPoints", "contactPoint")
        .iter()
        .map(point_spec)
        .collect();
    spec
}

fn point_spec(doc: &Value) -> PointSpec {
    let mut spec = PointSpec {
        id: get(doc, &["id"]).map(str::to_owned),
        channel: get(doc, CHANNEL).map(str::to_owned),
        priority: get(doc, PRIORITY).map(str::to_owned),
        attributes: attributes_of(doc),
        ..Default::default()
    };
    for field in PointText::ALL {
        if let Some(text) = get(doc, point_path(*field)) {
            spec.texts.insert(*field, text.to_owned());
        }
    }
    spec
}

/// An edit as the model takes it: what was sent, and which lists were sent at all.
pub fn edit_of(doc: &Value) -> DetailsEdit {
    let persons = items(doc, "contactPersons", "contactPerson")
        .iter()
        .map(|p| PersonSent {
            attributes: p.get("customAttributes").is_some(),
            points: p.get("contactPoints").is_some(),
        })
        .collect();
    DetailsEdit {
        details: spec_of(doc),
        attributes_sent: doc.get("customAttributes").is_some(),
        persons,
    }
}

/// The request paths of every email address a document sends.
pub fn email_paths(doc: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    for (i, person) in items(doc, "contactPersons", "contactPerson")
        .iter()
        .enumerate()
    {
        for (j, point) in items(person, "contactPoints", "contactPoint")
            .iter()
            .enumerate()
        {
            if get(point, point_path(PointText::EmailAddress)).is_some() {
                paths.push(format!(
                    "contactPersons.contactPerson[{i}].contactPoints.contactPoint[{j}].type.email.emailAddress"
                ));
            }
        }
    }
    paths
}

/// The id an edit names its customer by: `id` on the root.
pub fn id_of(doc: &Value) -> Option<&str> {
    get(doc, &["id"])
}

fn attributes_doc(attributes: &MultiAttributes) -> Option<Value> {
    if attributes.is_empty() {
        return None;
    }
    let list: Vec<Value> = attributes
        .iter()
        .map(|(name, values)| {
            let values: Vec<Value> = values
                .iter()
                .map(|v| serde_json::json!({ "value": v }))
                .collect();
            serde_json::json!({
                "attribName": name,
                "attribValues": { "attribValue": values },
            })
        })
        .collect();
    Some(serde_json::json!({ "customAttribute": list }))
}

/// Where a customer is read: `/system/ws/v12/interaction/customer/{number}`.
pub fn location(number: u64) -> String {
    format!("/system/ws/v12/interaction/customer/{number}")
}

/// A customer as this door shows it, in the shape a create takes, with the ids and
/// `link` eGain adds; never a PIN or a secret answer. A customer made by another door
/// shows what it has: its custom attributes, each with its one value.
pub fn document_of(record: &CustomerRecord) -> Value {
    let mut doc = Map::new();
    if let Some(number) = record.number {
        doc.insert("id".into(), Value::String(number.to_string()));
    }
    let empty = ContactDetails::default();
    let details = record.contact.as_ref().unwrap_or(&empty);
    for field in DetailText::ALL {
        if let Some(text) = details.texts.get(field) {
            set(&mut doc, detail_path(*field), text);
        }
    }
    let mut attributes = details.attributes.clone();
    for (name, value) in &record.common.custom_attributes {
        attributes
            .entry(name.clone())
            .or_insert_with(|| vec![value.clone()]);
    }
    if let Some(list) = attributes_doc(&attributes) {
        doc.insert("customAttributes".into(), list);
    }
    if !details.persons.is_empty() {
        let persons: Vec<Value> = details.persons.iter().map(person_doc).collect();
        doc.insert(
            "contactPersons".into(),
            serde_json::json!({ "contactPerson": persons }),
        );
    }
    if let Some(number) = record.number {
        doc.insert(
            "link".into(),
            serde_json::json!({ "rel": "self", "href": location(number) }),
        );
    }
    Value::Object(doc)
}

fn person_doc(person: &ContactPerson) -> Value {
    let mut doc = Map::new();
    doc.insert("id".into(), Value::String(person.id.clone()));
    for field in PersonText::ALL {
        if let Some(text) = person.texts.get(field) {
            set(&mut doc, person_path(*field), text);
        }
    }
    for flag in PersonFlag::ALL {
        if let Some(on) = person.flags.get(flag) {
            set(
                &mut doc,
                flag_path(*flag),
                if *on { "true" } else { "false" },
            );
        }
    }
    if let Some(list) = attributes_doc(&person.attributes) {
        doc.insert("customAttributes".into(), list);
    }
    if !person.points.is_empty() {
        let points: Vec<Value> = person.points.iter().map(point_doc).collect();
        doc.insert(
            "contactPoints".into(),
            serde_json::json!({ "contactPoint": points }),
        );
    }
    Value::Object(doc)
}

fn point_doc(point: &ContactPoint) -> Value {
    let mut doc = Map::new();
    doc.insert("id".into(), Value::String(point.id.clone()));
    set(&mut doc, CHANNEL, point.channel.name());
    for field in PointText::ALL {
        if let Some(text) = point.texts.get(field) {
            set(&mut doc, point_path(*field), text);
        }
    }
    if let Some(priority) = &point.priority {
        set(&mut doc, PRIORITY, priority);
    }
    if let Some(list) = attributes_doc(&point.attributes) {
        doc.insert("customAttributes".into(), list);
    }
    Value::Object(doc)
}

/// A path of the model as a path into this door's document:
/// `contactPersons.contactPerson[0].contactPoints.contactPoint[2].type.email.emailAddress`.
pub fn render(path: &FieldPath) -> String {
    let mut out = String::new();
    let push = |out: &mut String, parts: &[&str]| {
        for part in parts {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    };
    for step in path.steps() {
        match step {
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Field(Field::Contact(field)) => push(&mut out, &contact_parts(*field)),
            Step::Field(field) => push(&mut out, &[field.name()]),
            Step::Key(key) => push(&mut out, &[key.as_str()]),
            Step::Member(name) => push(&mut out, &[name]),
        }
    }
    out
}

fn contact_parts(field: ContactField) -> Vec<&'static str> {
    match field {
        ContactField::Detail(f) => detail_path(f).to_vec(),
        ContactField::Pin => vec!["pin"],
        ContactField::Attributes => vec!["customAttributes", "customAttribute"],
        ContactField::AttributeName => vec!["attribName"],
        ContactField::AttributeValues => vec!["attribValues", "attribValue"],
        ContactField::Persons => vec!["contactPersons", "contactPerson"],
        ContactField::Person(f) => person_path(f).to_vec(),
        ContactField::Flag(f) => flag_path(f).to_vec(),
        ContactField::SecretAnswer => vec!["secretAnswer"],
        ContactField::Points => vec!["contactPoints", "contactPoint"],
        ContactField::Point(f) => point_path(f).to_vec(),
        ContactField::Channel => CHANNEL.to_vec(),
        ContactField::PointPriority => PRIORITY.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_as_the_request_names_them() {
        let path = FieldPath::from(Field::Contact(ContactField::Persons))
            .index(0)
            .then(Field::Contact(ContactField::Points))
            .index(2)
            .then(Field::Contact(ContactField::Point(PointText::EmailAddress)));
        assert_eq!(
            render(&path),
            "contactPersons.contactPerson[0].contactPoints.contactPoint[2].type.email.emailAddress"
        );
        let first = FieldPath::from(Field::Contact(ContactField::Persons))
            .index(0)
            .then(Field::Contact(ContactField::Person(PersonText::FirstName)));
        assert_eq!(render(&first), "contactPersons.contactPerson[0].firstName");
    }

    #[test]
    fn a_spec_reads_every_table_entry() {
        let doc = serde_json::json!({
            "type": {"value": "individual"},
            "department": {"name": "Service"},
            "pin": "0121",
            "contactPersons": {"contactPerson": [{
                "firstName": "John",
                "gender": {"value": "male"},
                "hasDirectMailingConsent": "true",
                "contactPoints": {"contactPoint": [{
                    "type": {"value": "email", "email": {"emailAddress": "a@b.example"}},
                    "priority": {"value": "medium"}
                }]}
            }]}
        });
        let spec = spec_of(&doc);
        assert_eq!(spec.texts[&DetailText::Department], "Service");
        assert_eq!(spec.pin.as_deref(), Some("0121"));
        let person = &spec.persons[0];
        assert_eq!(person.texts[&PersonText::Gender], "male");
        assert_eq!(person.flags[&PersonFlag::DirectMailingConsent], "true");
        let point = &person.points[0];
        assert_eq!(point.channel.as_deref(), Some("email"));
        assert_eq!(point.texts[&PointText::EmailAddress], "a@b.example");
        assert_eq!(point.priority.as_deref(), Some("medium"));
    }
}
