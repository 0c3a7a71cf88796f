use super::*;

fn fields(errors: FieldErrors) -> Vec<(String, FieldCode)> {
    errors
        .into_vec()
        .into_iter()
        .map(|e| (e.path.to_string(), e.code))
        .collect()
}

#[test]
fn the_default_catalog_is_valid_and_holds_the_seed_values() {
    let rules = Catalog::default().validate(&Limits::default()).unwrap();
    assert!(rules.customer_profile("b2b").is_some());
    assert!(rules.has_customer_segment("b2b"));
    for (state, reason) in [
        (State::Active, "active"),
        (State::Active, "dfltActive"),
        (State::Suspended, "dfltSuspended"),
        (State::Deactivated, "dfltDeactivated"),
    ] {
        assert!(
            rules.reason_is_configured(state, reason),
            "{state} {reason}"
        );
    }
    assert_eq!(
        rules.resource_value_fits("MSISDN", "421900123456"),
        Some(true)
    );
    assert_eq!(rules.resource_value_fits("MSISDN", "+421"), Some(false));
    assert_eq!(rules.resource_value_fits("ipV4", "anything"), Some(true));
    assert_eq!(rules.resource_value_fits("IMSI", "1"), None);
    assert!(rules.document().departments.contains(&"Service".to_owned()));
}

#[test]
fn every_inconsistency_is_reported_with_its_path() {
    let mut catalog = Catalog::default();
    catalog.customer_profiles[0].segment = "nope".into();
    catalog.account_profiles[0].customer_profile = Some("ghost".into());
    catalog.subscriber_profiles[0].state_reason = "active-ish".into();
    catalog.resource_types[1].pattern = Some("(".into());
    catalog.customer_segments.push("b2b".into());
    let found = fields(catalog.validate(&Limits::default()).unwrap_err());
    for expected in [
        ("customerProfiles[0].segment", FieldCode::NotConfigured),
        (
            "accountProfiles[0].customerProfile",
            FieldCode::NotConfigured,
        ),
        (
            "subscriberProfiles[0].stateReason",
            FieldCode::NotConfigured,
        ),
        ("resourceTypes[1].pattern", FieldCode::InvalidFormat),
        ("customerSegments[2]", FieldCode::NotAllowed),
    ] {
        assert!(
            found.contains(&(expected.0.to_owned(), expected.1)),
            "{expected:?} missing from {found:?}"
        );
    }
    assert_eq!(found.len(), 5, "{found:?}");
}

#[test]
fn the_default_catalog_holds_egains_lists_and_the_contact_section() {
    let rules = Catalog::default().validate(&Limits::default()).unwrap();
    assert_eq!(
        rules.classifier("role"),
        ["Partner", "Reseller", "Customer"]
    );
    assert_eq!(rules.classifier("gender"), ["male", "female"]);
    assert_eq!(
        rules.classifier("availabilityTimes"),
        ["mornings", "afternoons", "evenings", "day", "anytime"]
    );
    for (name, value) in [
        ("level", "Premium"),
        ("industry", "Telecom"),
        ("identificationType", "Passport"),
        ("contactPersonType", "Billing"),
        ("howReferred", "Website"),
        ("phoneType", "pager"),
    ] {
        assert!(rules.classifier_allows(name, value), "{name} {value}");
    }
    assert!(!rules.classifier_allows("role", "Vendor"));
    assert!(!rules.classifier_allows("colour", "red"));
    let individual = rules.customer_profile("individual").unwrap();
    assert_eq!(
        (individual.segment.as_str(), individual.state),
        ("b2b", State::Active)
    );
    assert_eq!(rules.contact().customer_profile, "individual");
    assert_eq!(rules.contact_attribute("prioritysequence"), Some(&[][..]));
    assert_eq!(rules.contact_attribute("colour"), None);
    assert!(!rules.departmentalization());
    assert!(rules.department_configured("Service"));
    assert!(!rules.department_configured("Sales"));
}

#[test]
fn a_fixed_list_missing_from_the_catalog_is_egains() {
    let mut catalog = Catalog::default();
    catalog.classifiers.clear();
    let rules = catalog.validate(&Limits::default()).unwrap();
    assert!(rules.classifier_allows("suffix", "iii"));
    assert!(!rules.classifier_allows("level", "Premium"));
    assert!(rules.classifier("level").is_empty());
}

#[test]
fn the_contact_section_is_checked() {
    let mut catalog = Catalog::default();
    catalog.contact.customer_profile = "ghost".into();
    let attributes = &mut catalog.contact.custom_attributes;
    attributes.insert("bad name".into(), Vec::new());
    attributes.insert("tier".into(), vec!["gold".into(), "gold".into()]);
    attributes.insert("k".repeat(65), Vec::new());
    catalog
        .classifiers
        .insert("level".into(), vec!["Premium".into(), String::new()]);
    let found = fields(catalog.validate(&Limits::default()).unwrap_err());
    assert_eq!(
        found,
        [
            ("classifiers.level[1]".to_owned(), FieldCode::Required),
            (
                "contact.customerProfile".to_owned(),
                FieldCode::NotConfigured
            ),
            (
                "contact.customAttributes.bad name".to_owned(),
                FieldCode::InvalidFormat
            ),
            ("contact.customAttributes.?".to_owned(), FieldCode::TooLong),
            (
                "contact.customAttributes.tier[1]".to_owned(),
                FieldCode::NotAllowed
            ),
        ]
    );
}

#[test]
fn a_catalog_without_a_contact_section_takes_the_default() {
    let mut json = serde_json::to_value(Catalog::default()).unwrap();
    json.as_object_mut().unwrap().remove("contact");
    let catalog: Catalog = serde_json::from_value(json).unwrap();
    assert_eq!(catalog.contact, ContactCatalog::default());
    let mut json = serde_json::to_value(Catalog::default()).unwrap();
    json["contact"]["colour"] = "red".into();
    assert!(serde_json::from_value::<Catalog>(json).is_err());
}

#[test]
fn the_default_catalog_round_trips_through_toml_and_json() {
    let catalog = Catalog::default();
    let toml_text = toml::to_string(&catalog).unwrap();
    assert_eq!(toml::from_str::<Catalog>(&toml_text).unwrap(), catalog);
    let json = serde_json::to_string(&catalog).unwrap();
    assert_eq!(serde_json::from_str::<Catalog>(&json).unwrap(), catalog);
}
