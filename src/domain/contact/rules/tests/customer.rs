//! The customer's own fields.

use super::*;

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
