//! Custom attributes.

use super::*;

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
