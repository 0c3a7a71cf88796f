//! The seed's examples, and many problems reported at once.

use super::*;

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
