//! The contact rules, checked on whole specs: shared builders here, the cases by what they
//! check in the files below.

mod attributes;
mod customer;
mod person;
mod point;
mod seed;

use super::*;
use crate::domain::catalog::Catalog;
use crate::domain::contact::spec::{AttributeSpec, PersonSpec, PointSpec};
use crate::domain::contact::{Channel, PersonFlag, PersonText, PointText};

const AT: &str = "2026-01-15T12:00:00Z";
const CARD: &str = "4111 1111 1111 1111";

fn at() -> Timestamp {
    Timestamp::parse_rfc3339(AT).unwrap()
}

fn catalog() -> CatalogRules {
    Catalog::default().validate(&Limits::default()).unwrap()
}

fn departmentalized() -> CatalogRules {
    let document = Catalog {
        departmentalization: true,
        ..Catalog::default()
    };
    document.validate(&Limits::default()).unwrap()
}

fn plan_with(spec: DetailsSpec, catalog: &CatalogRules) -> Result<ContactDetails, FieldErrors> {
    let mut n = 0;
    let mut new_id = || {
        n += 1;
        format!("id-{n}")
    };
    plan(spec, catalog, &Limits::default(), at(), &mut new_id)
}

fn planned(spec: DetailsSpec) -> ContactDetails {
    plan_with(spec, &catalog()).expect("passes every rule")
}

/// Every problem as (path in the model's rendering, code).
fn problems_with(spec: DetailsSpec, catalog: &CatalogRules) -> Vec<(String, FieldCode)> {
    match plan_with(spec, catalog) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .into_vec()
            .into_iter()
            .map(|e| (e.path.to_string(), e.code))
            .collect(),
    }
}

fn problems(spec: DetailsSpec) -> Vec<(String, FieldCode)> {
    problems_with(spec, &catalog())
}

fn one(path: &str, code: FieldCode) -> Vec<(String, FieldCode)> {
    vec![(path.to_owned(), code)]
}

fn texts<K: Ord + Copy>(pairs: &[(K, &str)]) -> BTreeMap<K, String> {
    pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
}

fn attribute(name: &str, values: &[&str]) -> AttributeSpec {
    AttributeSpec {
        name: name.to_owned(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

fn person(pairs: &[(PersonText, &str)]) -> PersonSpec {
    PersonSpec {
        texts: texts(pairs),
        ..Default::default()
    }
}

/// The seed's first example: only what is required.
fn minimal() -> DetailsSpec {
    DetailsSpec {
        texts: texts(&[(DetailText::CustomerType, "individual")]),
        persons: vec![person(&[(PersonText::FirstName, "Jack")])],
        ..Default::default()
    }
}

fn with_detail(field: DetailText, value: &str) -> DetailsSpec {
    let mut spec = minimal();
    spec.texts.insert(field, value.to_owned());
    spec
}

fn with_person_text(field: PersonText, value: &str) -> DetailsSpec {
    let mut spec = minimal();
    spec.persons[0].texts.insert(field, value.to_owned());
    spec
}

fn with_points(points: Vec<PointSpec>) -> DetailsSpec {
    let mut spec = minimal();
    spec.persons[0].points = points;
    spec
}

fn point(channel: &str, pairs: &[(PointText, &str)]) -> PointSpec {
    PointSpec {
        channel: Some(channel.to_owned()),
        texts: texts(pairs),
        ..Default::default()
    }
}

fn email(address: &str) -> PointSpec {
    point("email", &[(PointText::EmailAddress, address)])
}

fn phone(pairs: &[(PointText, &str)]) -> PointSpec {
    let mut all = vec![
        (PointText::PhoneType, "home"),
        (PointText::PhoneNumber, "234 3456"),
    ];
    all.extend_from_slice(pairs);
    point("phone", &all)
}

/// The seed's second example, "Create customer with all elements", as a door hands it in.
fn seed_with_all_elements() -> DetailsSpec {
    use PersonText::*;
    use PointText::*;
    let mut phone = phone(&[
        (CountryCode, "1"),
        (AreaCode, "408"),
        (Extension, "102"),
        (AvailableDays, "any_day"),
        (AvailableTimes, "mornings"),
    ]);
    phone.priority = Some("high".into());
    phone.attributes = vec![attribute("prioritysequence", &["1"])];
    let mut postal = point(
        "postal",
        &[
            (PostalType, "office"),
            (Address1, "345"),
            (Address2, "E Midfield Rd"),
            (City, "Mountain View"),
            (State, "Ca"),
            (Zip, "98704"),
            (Country, "USA"),
            (Region, "United States"),
        ],
    );
    postal.priority = Some("low".into());
    postal.attributes = vec![attribute("prioritysequence", &["2"])];
    let mut mail = email("john.russel@customer.com");
    mail.priority = Some("medium".into());
    mail.attributes = vec![attribute("prioritysequence", &["3"])];
    let john = PersonSpec {
        id: None,
        texts: texts(&[
            (Salutation, "Mr."),
            (FirstName, "John"),
            (MiddleName, "Russel"),
            (LastName, "Tierney"),
            (LoginId, "john"),
            (Gender, "male"),
            (IdentificationType, "Passport"),
            (IdentificationValue, "AE0000005"),
            (Suffix, "jr."),
            (Initials, "A."),
            (SecretQuestion, "Place of Birth"),
            (JobTitle, "Manager"),
            (EmploymentStatus, "intern"),
            (Priority, "High"),
            (DateOfBirth, "1965-12-09T00:00:00.000Z"),
            (MaritalStatus, "married"),
            (PersonType, "Billing"),
            (FirstNameFurigana, "John"),
            (MiddleNameFurigana, "Russel"),
            (LastNameFurigana, "Tierney"),
            (StartGreeting, "Welcome"),
            (EndGreeting, "Thanks, Byee"),
            (SpouseName, "Jenifer"),
            (EmergencyContact, "0987654321"),
            (Occupation, "Branch Manager"),
            (IncomeLevel, "60000-70000"),
            (EducationLevel, "post graduate"),
            (Race, "Asian"),
            (Dependents, "4"),
            (Hobbies, "Fishing"),
            (Interests, "Reading"),
            (ContactOrder, "1984"),
        ]),
        flags: texts(&[
            (PersonFlag::DirectMailingConsent, "true"),
            (PersonFlag::DirectCallingConsent, "true"),
            (PersonFlag::HoldingDataConsent, "true"),
            (PersonFlag::Smoker, "true"),
        ]),
        secret_answer: Some("Texas".into()),
        attributes: vec![attribute("isprimary", &["y"])],
        points: vec![phone, postal, mail],
    };
    DetailsSpec {
        texts: texts(&[
            (DetailText::Department, "Service"),
            (DetailText::CustomerType, "individual"),
            (DetailText::Level, "Premium"),
            (DetailText::Role, "Partner"),
            (DetailText::HowReferred, "Customer"),
            (DetailText::Industry, "Telecom"),
            (DetailText::MarketSegment, "Medical Products"),
            (DetailText::Entitlements, "Free service"),
        ]),
        pin: Some("0121".into()),
        attributes: vec![attribute("preferredlang", &["English"])],
        persons: vec![john],
    }
}
