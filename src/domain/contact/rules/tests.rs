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

// The seed.

#[test]
fn the_seeds_second_example_passes_with_departmentalization_on() {
    let spec = seed_with_all_elements();
    let details = plan_with(spec.clone(), &departmentalized()).expect("the seed passes");
    assert_eq!(details.email_scope, "Service");
    let off = planned(spec);
    assert_eq!(off.email_scope, "", "without departments, the whole tenant");
    assert_eq!(
        ContactDetails {
            email_scope: "Service".into(),
            ..off
        },
        details,
        "the same with departmentalization off"
    );
    assert_eq!(details.texts.len(), 8);
    assert_eq!(details.texts[&DetailText::Department], "Service");
    assert_eq!(details.pin, Some(Secret::Given("0121".into())));
    assert_eq!(details.attributes["preferredlang"], ["English"]);
    let john = &details.persons[0];
    assert_eq!(john.id, "id-1");
    assert_eq!(john.texts.len(), PersonText::ALL.len());
    assert_eq!(
        john.texts[&PersonText::DateOfBirth],
        "1965-12-09T00:00:00.000Z"
    );
    assert!(john.flags.values().all(|f| *f) && john.flags.len() == 4);
    assert_eq!(john.secret_answer, Some(Secret::Given("Texas".into())));
    assert_eq!(john.attributes["isprimary"], ["y"]);
    let ids: Vec<_> = john.points.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["id-2", "id-3", "id-4"]);
    let channels: Vec<_> = john.points.iter().map(|p| p.channel).collect();
    assert_eq!(channels, [Channel::Phone, Channel::Postal, Channel::Email]);
    assert_eq!(john.points[0].texts.len(), 7);
    assert_eq!(john.points[1].texts.len(), 8);
    assert_eq!(john.points[0].priority.as_deref(), Some("high"));
    assert_eq!(john.points[2].attributes["prioritysequence"], ["3"]);
    assert_eq!(
        details.emails().collect::<Vec<_>>(),
        ["john.russel@customer.com"]
    );
}

#[test]
fn the_seeds_first_example_passes() {
    let details = planned(minimal());
    assert_eq!(details.texts[&DetailText::CustomerType], "individual");
    assert_eq!(details.persons[0].texts[&PersonText::FirstName], "Jack");
    assert_eq!(details.pin, None);
}

#[test]
fn many_problems_are_reported_at_once_each_at_its_path() {
    let mut spec = seed_with_all_elements();
    spec.texts.remove(&DetailText::Department);
    spec.texts.insert(DetailText::Role, "Vendor".into());
    spec.texts
        .insert(DetailText::MarketSegment, format!("see {CARD}"));
    spec.pin = Some("9".repeat(300));
    spec.attributes.push(attribute("colour", &["red"]));
    let john = &mut spec.persons[0];
    john.texts.remove(&PersonText::FirstName);
    john.texts.insert(PersonText::Gender, "other".into());
    john.texts
        .insert(PersonText::DateOfBirth, "2030-01-01".into());
    john.flags.insert(PersonFlag::Smoker, "sometimes".into());
    john.points[0]
        .texts
        .insert(PointText::CountryCode, "+1".into());
    john.points[1].texts.remove(&PointText::Address1);
    john.points[2]
        .texts
        .insert(PointText::EmailAddress, "not an address".into());
    john.points[2].priority = Some("urgent".into());
    john.points.push(point("fax", &[]));
    spec.persons
        .push(person(&[(PersonText::FirstName, "Jill")]));

    let errors = plan_with(spec, &departmentalized()).unwrap_err();
    let found: Vec<_> = errors
        .as_slice()
        .iter()
        .map(|e| (e.path.clone(), e.code))
        .collect();
    let detail = |f| FieldPath::from(Field::Contact(ContactField::Detail(f)));
    let persons = FieldPath::from(Field::Contact(ContactField::Persons));
    let john = persons.clone().index(0);
    let person_text = |f| john.clone().then(Field::Contact(ContactField::Person(f)));
    let points = john.clone().then(Field::Contact(ContactField::Points));
    let point_at = |j: usize, f: ContactField| points.clone().index(j).then(Field::Contact(f));
    let expected = [
        (detail(DetailText::Department), FieldCode::Required),
        (detail(DetailText::Role), FieldCode::NotConfigured),
        (detail(DetailText::MarketSegment), FieldCode::NotAllowed),
        (
            FieldPath::from(Field::Contact(ContactField::Pin)),
            FieldCode::TooLong,
        ),
        (
            FieldPath::from(Field::Contact(ContactField::Attributes))
                .index(1)
                .then(Field::Contact(ContactField::AttributeName)),
            FieldCode::NotConfigured,
        ),
        (persons.clone(), FieldCode::TooMany),
        (person_text(PersonText::FirstName), FieldCode::Required),
        (person_text(PersonText::Gender), FieldCode::NotConfigured),
        (
            person_text(PersonText::DateOfBirth),
            FieldCode::InvalidFormat,
        ),
        (
            john.clone()
                .then(Field::Contact(ContactField::Flag(PersonFlag::Smoker))),
            FieldCode::InvalidFormat,
        ),
        (
            point_at(0, ContactField::Point(PointText::CountryCode)),
            FieldCode::InvalidFormat,
        ),
        (
            point_at(1, ContactField::Point(PointText::Address1)),
            FieldCode::Required,
        ),
        (
            point_at(2, ContactField::Point(PointText::EmailAddress)),
            FieldCode::InvalidFormat,
        ),
        (
            point_at(2, ContactField::PointPriority),
            FieldCode::NotConfigured,
        ),
        (point_at(3, ContactField::Channel), FieldCode::NotConfigured),
    ];
    for problem in &expected {
        assert!(
            found.contains(problem),
            "{problem:?} missing from {found:?}"
        );
    }
    assert_eq!(found.len(), expected.len(), "{found:?}");
    // Neither the secret nor the card number is ever repeated back.
    for e in errors.as_slice() {
        assert!(
            !e.message.contains("999") && !e.message.contains("1111"),
            "{e:?}"
        );
    }
}

#[test]
fn paths_render_in_the_models_names() {
    let spec = with_points(vec![email("")]);
    assert_eq!(
        problems(spec),
        one(
            "contactPersons[0].contactPoints[0].emailAddress",
            FieldCode::Required
        )
    );
}

// The customer.

#[test]
fn the_type_is_required_and_individual() {
    let mut spec = minimal();
    spec.texts.clear();
    assert_eq!(problems(spec), one("type", FieldCode::Required));
    let blank = with_detail(DetailText::CustomerType, " ");
    assert_eq!(problems(blank), one("type", FieldCode::Required));
    for other in ["group", "corporate"] {
        let spec = with_detail(DetailText::CustomerType, other);
        assert_eq!(problems(spec), one("type", FieldCode::NotAllowed));
    }
    let spec = with_detail(DetailText::CustomerType, "person");
    assert_eq!(problems(spec), one("type", FieldCode::InvalidFormat));
    assert!(problems(minimal()).is_empty());
}

#[test]
fn an_individual_has_exactly_one_contact_person() {
    let mut none = minimal();
    none.persons.clear();
    assert_eq!(problems(none), one("contactPersons", FieldCode::Required));
    let mut two = minimal();
    two.persons.push(person(&[(PersonText::FirstName, "Jill")]));
    assert_eq!(problems(two), one("contactPersons", FieldCode::TooMany));
}

#[test]
fn the_department_follows_departmentalization() {
    let on = departmentalized();
    assert_eq!(
        problems_with(minimal(), &on),
        one("department", FieldCode::Required)
    );
    let sales = with_detail(DetailText::Department, "Sales");
    assert_eq!(
        problems_with(sales.clone(), &on),
        one("department", FieldCode::NotConfigured)
    );
    assert_eq!(
        problems(sales),
        one("department", FieldCode::NotConfigured),
        "a department given with departmentalization off must still be configured"
    );
    let service = with_detail(DetailText::Department, "Service");
    assert!(problems_with(service.clone(), &on).is_empty());
    assert_eq!(planned(service).texts[&DetailText::Department], "Service");
}

#[test]
fn classifier_values_come_from_the_catalogs_lists() {
    let customer = [
        (DetailText::Level, "Gold", "Premium"),
        (DetailText::Industry, "Finance", "Telecom"),
        (DetailText::Role, "Vendor", "Reseller"),
        (DetailText::HowReferred, "Web", "Website"),
    ];
    for (field, bad, good) in customer {
        let spec = with_detail(field, bad);
        assert_eq!(
            problems(spec),
            one(field.name(), FieldCode::NotConfigured),
            "{bad}"
        );
        assert_eq!(planned(with_detail(field, good)).texts[&field], good);
    }
    let persons = [
        (PersonText::IdentificationType, "Licence", "Passport"),
        (PersonText::PersonType, "Technical", "Billing"),
        (PersonText::Gender, "other", "female"),
        (PersonText::Suffix, "esq.", "iii"),
        (PersonText::MaritalStatus, "engaged", "separated"),
        (PersonText::EmploymentStatus, "retired", "full-time"),
        (PersonText::EducationLevel, "college", "doctorate"),
        (PersonText::Salutation, "Dr.", "Miss"),
    ];
    for (field, bad, good) in persons {
        let path = format!("contactPersons[0].{}", field.name());
        let spec = with_person_text(field, bad);
        assert_eq!(
            problems(spec),
            one(&path, FieldCode::NotConfigured),
            "{bad}"
        );
        let kept = planned(with_person_text(field, good));
        assert_eq!(kept.persons[0].texts[&field], good);
    }
    let points = [
        (PointText::PhoneType, "work", "pager"),
        (PointText::AvailableDays, "mondays", "weekends"),
        (PointText::AvailableTimes, "nights", "anytime"),
    ];
    for (field, bad, good) in points {
        let path = format!("contactPersons[0].contactPoints[0].{}", field.name());
        let spec = with_points(vec![phone(&[(field, bad)])]);
        assert_eq!(
            problems(spec),
            one(&path, FieldCode::NotConfigured),
            "{bad}"
        );
        let kept = planned(with_points(vec![phone(&[(field, good)])]));
        assert_eq!(kept.persons[0].points[0].texts[&field], good);
    }
}

#[test]
fn a_tenants_catalog_governs_the_configured_lists() {
    let mut document = Catalog::default();
    document
        .classifiers
        .insert("level".into(), vec!["Gold".into()]);
    // Without a list of its own, a fixed list is eGain's.
    document.classifiers.remove("role");
    let catalog = document.validate(&Limits::default()).unwrap();
    let gold = with_detail(DetailText::Level, "Gold");
    assert!(problems_with(gold, &catalog).is_empty());
    let premium = with_detail(DetailText::Level, "Premium");
    assert_eq!(
        problems_with(premium, &catalog),
        one("level", FieldCode::NotConfigured)
    );
    let reseller = with_detail(DetailText::Role, "Reseller");
    assert!(problems_with(reseller, &catalog).is_empty());
}

#[test]
fn customer_free_texts_are_bounded_and_hold_no_card_number() {
    let limit = Limits::default().string_chars;
    for field in [DetailText::MarketSegment, DetailText::Entitlements] {
        let long = with_detail(field, &"x".repeat(limit + 1));
        assert_eq!(problems(long), one(field.name(), FieldCode::TooLong));
        let card = with_detail(field, CARD);
        assert_eq!(problems(card), one(field.name(), FieldCode::NotAllowed));
        let fits = planned(with_detail(field, &"x".repeat(limit)));
        assert_eq!(fits.texts[&field].len(), limit);
    }
}

#[test]
fn secrets_are_bounded_kept_for_hashing_and_never_echoed() {
    let mut long = minimal();
    long.pin = Some("7".repeat(256));
    long.persons[0].secret_answer = Some("s".repeat(256));
    let errors = plan_with(long, &catalog()).unwrap_err();
    let found: Vec<_> = errors
        .as_slice()
        .iter()
        .map(|e| (e.path.to_string(), e.code))
        .collect();
    assert_eq!(
        found,
        [
            ("pin".to_owned(), FieldCode::TooLong),
            (
                "contactPersons[0].secretAnswer".to_owned(),
                FieldCode::TooLong
            )
        ]
    );
    assert!(errors
        .as_slice()
        .iter()
        .all(|e| !e.message.contains("777") && !e.message.contains("sss")));
    let mut fits = minimal();
    fits.pin = Some("7".repeat(255));
    fits.persons[0].secret_answer = Some("Texas".into());
    let details = planned(fits);
    assert_eq!(details.pin, Some(Secret::Given("7".repeat(255))));
    assert_eq!(
        details.persons[0].secret_answer,
        Some(Secret::Given("Texas".into()))
    );
    assert!(!format!("{details:?}").contains("Texas"));
}

// The contact person.

#[test]
fn the_first_name_is_required() {
    let mut spec = minimal();
    spec.persons[0].texts.clear();
    let path = "contactPersons[0].firstName";
    assert_eq!(problems(spec), one(path, FieldCode::Required));
    let blank = with_person_text(PersonText::FirstName, " \t");
    assert_eq!(problems(blank), one(path, FieldCode::Required));
}

#[test]
fn person_texts_are_bounded() {
    use PersonText::*;
    let limit = Limits::default().string_chars;
    let bounds = [
        (FirstName, 124),
        (MiddleName, 124),
        (LastName, 124),
        (FirstNameFurigana, 124),
        (MiddleNameFurigana, 124),
        (LastNameFurigana, 124),
        (LoginId, 255),
        (IdentificationValue, 255),
        (SecretQuestion, 255),
        (JobTitle, 255),
        (Priority, 255),
        (StartGreeting, 255),
        (EndGreeting, 255),
        (Occupation, 255),
        (IncomeLevel, 255),
        (Initials, 16),
        (SpouseName, 512),
        (EmergencyContact, 50),
        (Race, limit),
        (Dependents, limit),
        (Hobbies, limit),
        (Interests, limit),
        (ContactOrder, limit),
    ];
    for (field, max) in bounds {
        let path = format!("contactPersons[0].{}", field.name());
        let long = with_person_text(field, &"é".repeat(max + 1));
        assert_eq!(problems(long), one(&path, FieldCode::TooLong), "{path}");
        let fits = planned(with_person_text(field, &"é".repeat(max)));
        assert_eq!(fits.persons[0].texts[&field].chars().count(), max);
    }
}

#[test]
fn person_free_texts_hold_no_card_number() {
    let spec = with_person_text(PersonText::Hobbies, &format!("card {CARD}"));
    let errors = plan_with(spec, &catalog()).unwrap_err();
    let error = &errors.as_slice()[0];
    assert_eq!(error.path.to_string(), "contactPersons[0].hobbies");
    assert_eq!(error.code, FieldCode::NotAllowed);
    assert!(!error.message.contains("1111"));
    assert!(
        planned(with_person_text(PersonText::Hobbies, "Fishing")).persons[0]
            .texts
            .contains_key(&PersonText::Hobbies)
    );
}

#[test]
fn empty_optional_values_are_dropped() {
    let mut spec = with_person_text(PersonText::MiddleName, "  ");
    spec.texts.insert(DetailText::Level, String::new());
    spec.pin = Some(String::new());
    spec.persons[0]
        .flags
        .insert(PersonFlag::Smoker, String::new());
    let mut mail = email("a@b.co");
    mail.priority = Some(" ".into());
    mail.attributes = vec![attribute("prioritysequence", &[""])];
    spec.persons[0].points = vec![mail];
    let details = planned(spec);
    assert!(!details.texts.contains_key(&DetailText::Level));
    assert_eq!(details.pin, None);
    let person = &details.persons[0];
    assert!(!person.texts.contains_key(&PersonText::MiddleName));
    assert!(person.flags.is_empty());
    assert_eq!(person.points[0].priority, None);
    assert!(person.points[0].attributes.is_empty());
}

#[test]
fn flags_are_true_or_false_in_any_case() {
    let mut spec = minimal();
    spec.persons[0]
        .flags
        .insert(PersonFlag::Smoker, "yes".into());
    assert_eq!(
        problems(spec),
        one("contactPersons[0].isSmoker", FieldCode::InvalidFormat)
    );
    let mut spec = minimal();
    spec.persons[0].flags = texts(&[
        (PersonFlag::Smoker, "TRUE"),
        (PersonFlag::HoldingDataConsent, "False"),
    ]);
    let flags = &planned(spec).persons[0].flags;
    assert!(flags[&PersonFlag::Smoker]);
    assert!(!flags[&PersonFlag::HoldingDataConsent]);
}

#[test]
fn the_date_of_birth_is_a_past_date_kept_as_sent() {
    let path = "contactPersons[0].dateOfBirth";
    for bad in [
        "09/12/1965",
        "1965-02-30",
        "yesterday",
        "2026-01-15",
        "2026-01-15T12:00:00Z",
        "2030-01-01T00:00:00+02:00",
    ] {
        let spec = with_person_text(PersonText::DateOfBirth, bad);
        assert_eq!(problems(spec), one(path, FieldCode::InvalidFormat), "{bad}");
    }
    for good in [
        "1965-12-09",
        "2026-01-14",
        "1965-12-09T00:00:00.000Z",
        "2026-01-15T11:59:59Z",
    ] {
        let details = planned(with_person_text(PersonText::DateOfBirth, good));
        assert_eq!(details.persons[0].texts[&PersonText::DateOfBirth], good);
    }
}

#[test]
fn ids_are_new_unless_the_spec_names_them() {
    let mut spec = with_points(vec![email("a@b.co"), email("c@d.co")]);
    spec.persons[0].points[1].id = Some("point-7".into());
    let details = planned(spec);
    assert_eq!(details.persons[0].id, "id-1");
    let ids: Vec<_> = details.persons[0].points.iter().map(|p| &p.id).collect();
    assert_eq!(ids, ["id-2", "point-7"]);
    let mut named = minimal();
    named.persons[0].id = Some("person-3".into());
    assert_eq!(planned(named).persons[0].id, "person-3");
}

// The contact point.

fn point_problems(point: PointSpec) -> Vec<(String, FieldCode)> {
    problems(with_points(vec![point]))
}

fn at_point(field: &str) -> String {
    format!("contactPersons[0].contactPoints[0].{field}")
}

#[test]
fn a_point_has_a_known_channel() {
    let mut none = email("a@b.co");
    none.channel = None;
    assert_eq!(
        point_problems(none),
        one(&at_point("type"), FieldCode::Required)
    );
    // Without a channel its values are still held to their rules.
    let mut fax = email("not an address");
    fax.channel = Some("fax".into());
    let found = point_problems(fax);
    assert_eq!(
        found,
        [
            (at_point("type"), FieldCode::NotConfigured),
            (at_point("emailAddress"), FieldCode::InvalidFormat)
        ]
    );
    let kept = planned(with_points(vec![email("a@b.co")]));
    assert_eq!(kept.persons[0].points[0].channel, Channel::Email);
}

#[test]
fn a_point_has_only_its_channels_fields() {
    let mut mixed = email("a@b.co");
    mixed.texts.insert(PointText::PhoneNumber, "555".into());
    mixed.texts.insert(PointText::City, String::new());
    assert_eq!(
        point_problems(mixed),
        one(&at_point("phoneNo"), FieldCode::NotAllowed)
    );
}

#[test]
fn an_email_point_has_a_valid_address() {
    let path = at_point("emailAddress");
    assert_eq!(
        point_problems(point("email", &[])),
        one(&path, FieldCode::Required)
    );
    for bad in ["john", "john@localhost", "jo hn@x.com", "a@b@c.com"] {
        assert_eq!(
            point_problems(email(bad)),
            one(&path, FieldCode::InvalidFormat),
            "{bad}"
        );
    }
    let long = format!("{}@example.com", "a".repeat(250));
    assert_eq!(point_problems(email(&long)), one(&path, FieldCode::TooLong));
    let kept = planned(with_points(vec![email("John.Russel@Customer.com")]));
    assert_eq!(
        kept.persons[0].points[0].texts[&PointText::EmailAddress],
        "John.Russel@Customer.com"
    );
}

#[test]
fn one_address_twice_in_a_request_is_a_duplicate_at_the_second() {
    let spec = with_points(vec![
        email("john@customer.com"),
        email("a@b.co"),
        email(" JOHN@Customer.com"),
    ]);
    // The third has a space, which no address has: the check sees the key of valid ones.
    assert_eq!(
        problems(spec),
        one(
            "contactPersons[0].contactPoints[2].emailAddress",
            FieldCode::InvalidFormat
        )
    );
    let spec = with_points(vec![email("john@customer.com"), email("JOHN@Customer.com")]);
    assert_eq!(
        problems(spec),
        one(
            "contactPersons[0].contactPoints[1].emailAddress",
            FieldCode::Duplicate
        )
    );
}

#[test]
fn a_phone_point_follows_egains_rules() {
    use PointText::*;
    let mut bare = point("phone", &[]);
    assert_eq!(
        point_problems(bare.clone()),
        [
            (at_point("phoneType"), FieldCode::Required),
            (at_point("phoneNo"), FieldCode::Required)
        ]
    );
    bare.texts.insert(PhoneType, "mobile".into());
    bare.texts.insert(PhoneNumber, "+1 (408) 234-3456".into());
    assert!(
        point_problems(bare).is_empty(),
        "any text is a phone number"
    );
    let cases = [
        (PhoneNumber, "1".repeat(41), FieldCode::TooLong),
        (CountryCode, "+1".to_owned(), FieldCode::InvalidFormat),
        (CountryCode, "1".repeat(10), FieldCode::TooLong),
        (AreaCode, "4".repeat(11), FieldCode::TooLong),
        (Extension, "1".repeat(11), FieldCode::TooLong),
    ];
    for (field, value, code) in cases {
        let found = point_problems(phone(&[(field, &value)]));
        assert_eq!(found, one(&at_point(field.name()), code), "{value}");
    }
    let fits = phone(&[
        (PhoneNumber, &"1".repeat(40)),
        (CountryCode, "123456789"),
        (AreaCode, "4444444444"),
        (Extension, "x102"),
    ]);
    assert!(point_problems(fits).is_empty());
}

#[test]
fn a_postal_point_has_a_type_and_a_first_line() {
    use PointText::*;
    assert_eq!(
        point_problems(point("postal", &[(City, "Mountain View")])),
        [
            (at_point("postalType"), FieldCode::Required),
            (at_point("address1"), FieldCode::Required)
        ]
    );
    let long = "x".repeat(256);
    let found = point_problems(point(
        "postal",
        &[(PostalType, "office"), (Address1, "345"), (City, &long)],
    ));
    assert_eq!(found, one(&at_point("city"), FieldCode::TooLong));
    let fits = point("postal", &[(PostalType, "home"), (Address1, "345")]);
    assert!(point_problems(fits).is_empty());
}

#[test]
fn a_web_point_has_an_http_url() {
    let path = at_point("url");
    let web = |url: &str| point("web", &[(PointText::Url, url)]);
    assert_eq!(
        point_problems(point("web", &[])),
        one(&path, FieldCode::Required)
    );
    assert_eq!(
        point_problems(web("example.com")),
        one(&path, FieldCode::InvalidFormat)
    );
    let long = format!("https://example.com/{}", "a".repeat(2048));
    assert_eq!(point_problems(web(&long)), one(&path, FieldCode::TooLong));
    assert!(point_problems(web("https://example.com/john")).is_empty());
}

#[test]
fn a_social_point_has_a_type_and_an_id() {
    use PointText::*;
    assert_eq!(
        point_problems(point("social", &[(SocialType, "twitter")])),
        one(&at_point("socialId"), FieldCode::Required)
    );
    let fits = point("social", &[(SocialType, "twitter"), (SocialId, "@john")]);
    assert!(point_problems(fits).is_empty());
}

#[test]
fn a_priority_is_low_medium_or_high_in_any_case() {
    let mut urgent = email("a@b.co");
    urgent.priority = Some("urgent".into());
    assert_eq!(
        point_problems(urgent),
        one(&at_point("priority"), FieldCode::NotConfigured)
    );
    let mut high = email("a@b.co");
    high.priority = Some("HIGH".into());
    let kept = planned(with_points(vec![high]));
    assert_eq!(kept.persons[0].points[0].priority.as_deref(), Some("high"));
}

// Custom attributes.

#[test]
fn attribute_names_are_configured_keys_sent_once() {
    let name_at = |i: usize| format!("customAttributes[{i}].attribName");
    let mut spec = minimal();
    spec.attributes = vec![
        attribute("preferredlang", &["English"]),
        attribute("colour", &["red"]),
        attribute("bad name", &["x"]),
        attribute(&"k".repeat(65), &["x"]),
        attribute("", &["x"]),
        attribute("preferredlang", &["German"]),
        attribute(CARD, &["x"]),
    ];
    let found = problems(spec);
    assert_eq!(
        found,
        [
            (name_at(1), FieldCode::NotConfigured),
            (name_at(2), FieldCode::InvalidFormat),
            (name_at(3), FieldCode::TooLong),
            (name_at(4), FieldCode::Required),
            (name_at(5), FieldCode::Duplicate),
            (name_at(6), FieldCode::NotAllowed),
        ]
    );
}

#[test]
fn attributes_are_checked_on_every_owner() {
    let mut spec = with_points(vec![email("a@b.co")]);
    spec.persons[0].attributes = vec![attribute("colour", &["red"])];
    spec.persons[0].points[0].attributes = vec![attribute("colour", &["red"])];
    assert_eq!(
        problems(spec),
        [
            (
                "contactPersons[0].customAttributes[0].attribName".to_owned(),
                FieldCode::NotConfigured
            ),
            (
                "contactPersons[0].contactPoints[0].customAttributes[0].attribName".to_owned(),
                FieldCode::NotConfigured
            ),
        ]
    );
}

#[test]
fn an_enumerated_attribute_takes_only_its_values() {
    let mut document = Catalog::default();
    document
        .contact
        .custom_attributes
        .insert("isprimary".into(), vec!["y".into(), "n".into()]);
    let catalog = document.validate(&Limits::default()).unwrap();
    let mut spec = minimal();
    spec.persons[0].attributes = vec![attribute("isprimary", &["y", "maybe"])];
    assert_eq!(
        problems_with(spec, &catalog),
        one(
            "contactPersons[0].customAttributes[0].attribValues[1]",
            FieldCode::NotConfigured
        )
    );
    let mut spec = minimal();
    spec.persons[0].attributes = vec![attribute("isprimary", &["n", "y"])];
    let details = plan_with(spec, &catalog).unwrap();
    assert_eq!(details.persons[0].attributes["isprimary"], ["n", "y"]);
}

#[test]
fn attribute_values_are_bounded_and_hold_no_card_number() {
    let max = Limits::default().attribute_value_chars;
    let mut spec = minimal();
    let long = "v".repeat(max + 1);
    spec.attributes = vec![attribute("preferredlang", &[long.as_str(), CARD])];
    assert_eq!(
        problems(spec),
        [
            (
                "customAttributes[0].attribValues[0]".to_owned(),
                FieldCode::TooLong
            ),
            (
                "customAttributes[0].attribValues[1]".to_owned(),
                FieldCode::NotAllowed
            ),
        ]
    );
    let mut spec = minimal();
    let fits = "v".repeat(max);
    spec.attributes = vec![attribute("preferredlang", &[fits.as_str(), "English"])];
    assert_eq!(planned(spec).attributes["preferredlang"].len(), 2);
}

#[test]
fn too_many_attributes_are_reported_once() {
    let limit = Limits::default().attribute_keys;
    let mut spec = minimal();
    spec.attributes = (0..=limit)
        .map(|i| attribute(&format!("a{i}"), &["x"]))
        .collect();
    assert_eq!(problems(spec), one("customAttributes", FieldCode::TooMany));
    let mut document = Catalog::default();
    for i in 0..limit {
        document
            .contact
            .custom_attributes
            .insert(format!("a{i}"), Vec::new());
    }
    let catalog = document.validate(&Limits::default()).unwrap();
    let mut spec = minimal();
    spec.attributes = (0..limit)
        .map(|i| attribute(&format!("a{i}"), &["x"]))
        .collect();
    assert!(problems_with(spec, &catalog).is_empty());
}
