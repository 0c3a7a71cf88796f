//! The contact person.

use super::*;

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
