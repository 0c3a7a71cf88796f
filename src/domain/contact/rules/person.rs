//! A contact person's rules: its texts, flags, secret answer, attributes and points.

use std::collections::BTreeMap;

use ::time::{Date, Month, OffsetDateTime};

use super::{below, given, Planner};
use crate::domain::catalog::contact::classifier;
use crate::domain::contact::spec::PersonSpec;
use crate::domain::contact::{ContactField, ContactPerson, PersonText};
use crate::domain::errors::FieldCode;
use crate::domain::path::FieldPath;
use crate::domain::time::Timestamp;

/// eGain's salutations.
const SALUTATIONS: &[&str] = &["Mr.", "Mrs.", "Ms.", "Miss"];

/// What a person's text must be.
enum Rule {
    /// Free text stored as sent, at most this many characters.
    Text(usize),
    /// Free text up to the configured string limit.
    LongText,
    /// A value of the catalog's classifier list of this name.
    Listed(&'static str),
    /// One of these values.
    OneOf(&'static [&'static str]),
    /// A date or date-time before the request.
    PastDate,
}

fn rule(field: PersonText) -> Rule {
    use PersonText::*;
    match field {
        Salutation => Rule::OneOf(SALUTATIONS),
        FirstName | MiddleName | LastName => Rule::Text(124),
        FirstNameFurigana | MiddleNameFurigana | LastNameFurigana => Rule::Text(124),
        LoginId | IdentificationValue | SecretQuestion | JobTitle | Priority => Rule::Text(255),
        StartGreeting | EndGreeting | Occupation | IncomeLevel => Rule::Text(255),
        Initials => Rule::Text(16),
        SpouseName => Rule::Text(512),
        EmergencyContact => Rule::Text(50),
        Race | Dependents | Hobbies | Interests | ContactOrder => Rule::LongText,
        Gender => Rule::Listed(classifier::GENDER),
        IdentificationType => Rule::Listed(classifier::IDENTIFICATION_TYPE),
        Suffix => Rule::Listed(classifier::SUFFIX),
        EmploymentStatus => Rule::Listed(classifier::EMPLOYMENT_STATUS),
        MaritalStatus => Rule::Listed(classifier::MARITAL_STATUS),
        PersonType => Rule::Listed(classifier::CONTACT_PERSON_TYPE),
        EducationLevel => Rule::Listed(classifier::EDUCATION_LEVEL),
        DateOfBirth => Rule::PastDate,
    }
}

impl Planner<'_> {
    pub(super) fn person(
        &mut self,
        at: FieldPath,
        mut spec: PersonSpec,
        new_id: &mut dyn FnMut() -> String,
    ) -> ContactPerson {
        let mut texts = BTreeMap::new();
        for &field in PersonText::ALL {
            let value = spec.texts.remove(&field);
            let path = below(&at, ContactField::Person(field));
            let required = field == PersonText::FirstName;
            let kept = match rule(field) {
                Rule::Text(max) => self.text(path, value, max, required),
                Rule::LongText => self.text(path, value, self.limits.string_chars, required),
                Rule::Listed(list) => self.listed(path, value, list, required),
                Rule::OneOf(values) => self.one_of(path, value, values),
                Rule::PastDate => self.past_date(path, value),
            };
            if let Some(kept) = kept {
                texts.insert(field, kept);
            }
        }
        let mut flags = BTreeMap::new();
        for (flag, value) in spec.flags {
            if let Some(kept) = self.flag(below(&at, ContactField::Flag(flag)), &value) {
                flags.insert(flag, kept);
            }
        }
        let secret_answer = self.secret(below(&at, ContactField::SecretAnswer), spec.secret_answer);
        let attributes = self.attributes(&at, spec.attributes);
        let id = given(spec.id).unwrap_or_else(&mut *new_id);
        let points_at = below(&at, ContactField::Points);
        let points = spec
            .points
            .into_iter()
            .enumerate()
            .filter_map(|(j, point)| self.point(points_at.clone().index(j), point, new_id))
            .collect();
        ContactPerson {
            id,
            texts,
            flags,
            secret_answer,
            attributes,
            points,
        }
    }

    /// `true` or `false`, in any case; blank is absent.
    fn flag(&mut self, path: FieldPath, value: &str) -> Option<bool> {
        let value = value.trim();
        if value.is_empty() {
            None
        } else if value.eq_ignore_ascii_case("true") {
            Some(true)
        } else if value.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            self.errors
                .push(path, FieldCode::InvalidFormat, "is true or false");
            None
        }
    }

    /// A date (`1965-12-09`) or an RFC 3339 date-time before the request, kept as sent.
    fn past_date(&mut self, path: FieldPath, value: Option<String>) -> Option<String> {
        let value = given(value)?;
        let past = match parse_date(&value) {
            None => {
                self.errors.push(
                    path,
                    FieldCode::InvalidFormat,
                    "a date such as 1965-12-09 or an RFC 3339 date-time such as 1965-12-09T00:00:00Z",
                );
                return None;
            }
            Some(Dated::Instant(instant)) => instant < self.at,
            Some(Dated::Day(day)) => day_of(self.at).is_some_and(|today| day < today),
        };
        if past {
            Some(value)
        } else {
            self.errors
                .push(path, FieldCode::InvalidFormat, "must be in the past");
            None
        }
    }
}

enum Dated {
    Instant(Timestamp),
    Day(Date),
}

fn parse_date(text: &str) -> Option<Dated> {
    if let Some(instant) = Timestamp::parse_rfc3339(text) {
        return Some(Dated::Instant(instant));
    }
    parse_day(text).map(Dated::Day)
}

/// `YYYY-MM-DD`, a real calendar day.
fn parse_day(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return None;
    }
    let year: i32 = text[0..4].parse().ok()?;
    let month: u8 = text[5..7].parse().ok()?;
    let day: u8 = text[8..10].parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

/// The UTC day a timestamp falls on.
fn day_of(at: Timestamp) -> Option<Date> {
    let nanos = i128::from(at.micros()) * 1_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .map(OffsetDateTime::date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_calendar_days() {
        assert!(parse_day("1965-12-09").is_some());
        assert!(parse_day("2024-02-29").is_some());
        assert!(parse_day("2023-02-29").is_none());
        assert!(parse_day("1965-13-01").is_none());
        assert!(parse_day("+965-12-09").is_none());
        assert!(parse_day("1965-12-9").is_none());
    }
}
