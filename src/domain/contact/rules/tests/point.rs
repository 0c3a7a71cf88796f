//! The contact point.

use super::*;

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
