//! eGain's published rules for contact data (`seeds/egain-v12-rules.md`): a door's
//! [`DetailsSpec`] checked whole, every problem reported at its path in the model, into
//! the [`ContactDetails`] a customer keeps. The customer's own fields are here, a contact
//! person's in `person.rs`, a contact point's in `point.rs`, custom attributes in
//! `attributes.rs`.
//!
//! Paths start at the customer: `Field::Contact(ContactField::Detail(..))` for its
//! fields, `…Persons` `[i]` `…Person(..)` for a person's, and `…Persons` `[i]` `…Points`
//! `[j]` `…Point(..)` for a point's; an attribute is `…Attributes` `[k]` then
//! `AttributeName` or `AttributeValues` `[n]` below its owner. An optional value sent empty
//! is dropped: on create, empty means absent.

mod attributes;
mod person;
mod point;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use super::spec::DetailsSpec;
use super::{ContactDetails, ContactField, DetailText, Secret};
use crate::domain::catalog::contact::classifier;
use crate::domain::catalog::CatalogRules;
use crate::domain::entity::check_free_text;
use crate::domain::errors::{FieldCode, FieldErrors};
use crate::domain::path::{Field, FieldPath};
use crate::domain::time::Timestamp;
use crate::domain::Limits;

/// eGain's limit on a secret (a PIN, a secret answer).
const SECRET_CHARS: usize = 255;

/// Checks contact data as a door hands it in and plans what the customer keeps: ids for
/// every new person and point from `new_id` (an id the spec names is kept), secrets still
/// in the clear for the write to hash. Every problem is reported, each at its path.
pub fn plan(
    spec: DetailsSpec,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
    new_id: &mut dyn FnMut() -> String,
) -> Result<ContactDetails, FieldErrors> {
    let mut planner = Planner {
        catalog,
        limits,
        at,
        errors: FieldErrors::new(),
        emails: BTreeSet::new(),
    };
    let details = planner.details(spec, new_id);
    planner.errors.into_result(details)
}

struct Planner<'a> {
    catalog: &'a CatalogRules,
    limits: &'a Limits,
    at: Timestamp,
    errors: FieldErrors,
    /// The email addresses of the request's points so far, by [`super::email_key`].
    emails: BTreeSet<String>,
}

/// The path of `field` below `owner`.
fn below(owner: &FieldPath, field: ContactField) -> FieldPath {
    owner.clone().then(Field::Contact(field))
}

/// A value that was sent and is not blank.
fn given(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// What a value outside its list is told: the list, when it is short enough to read.
fn not_in_list(values: &[&str]) -> String {
    match values.len() {
        0 => "no values are configured for this list".to_owned(),
        1..=12 => format!("is not one of the configured values: {}", values.join(", ")),
        n => format!("is not one of the {n} configured values"),
    }
}

impl Planner<'_> {
    fn details(
        &mut self,
        mut spec: DetailsSpec,
        new_id: &mut dyn FnMut() -> String,
    ) -> ContactDetails {
        let root = FieldPath::root();
        let mut texts = BTreeMap::new();
        for &field in DetailText::ALL {
            let value = spec.texts.remove(&field);
            let path = below(&root, ContactField::Detail(field));
            let strings = self.limits.string_chars;
            let kept = match field {
                DetailText::CustomerType => self.customer_type(path, value),
                DetailText::Department => self.department(path, value),
                DetailText::Level => self.listed(path, value, classifier::LEVEL, false),
                DetailText::Role => self.listed(path, value, classifier::ROLE, false),
                DetailText::Industry => self.listed(path, value, classifier::INDUSTRY, false),
                DetailText::HowReferred => {
                    self.listed(path, value, classifier::HOW_REFERRED, false)
                }
                DetailText::MarketSegment | DetailText::Entitlements => {
                    self.text(path, value, strings, false)
                }
            };
            if let Some(kept) = kept {
                texts.insert(field, kept);
            }
        }
        let pin = self.secret(below(&root, ContactField::Pin), spec.pin);
        let attributes = self.attributes(&root, spec.attributes);
        let persons_at = below(&root, ContactField::Persons);
        match spec.persons.len() {
            0 => self.errors.push(
                persons_at.clone(),
                FieldCode::Required,
                "an individual customer has exactly one contact person",
            ),
            1 => {}
            n => self.errors.push(
                persons_at.clone(),
                FieldCode::TooMany,
                format!("an individual customer has exactly one contact person, {n} were sent"),
            ),
        }
        let persons = spec
            .persons
            .into_iter()
            .enumerate()
            .map(|(i, person)| self.person(persons_at.clone().index(i), person, new_id))
            .collect();
        let email_scope = match texts.get(&DetailText::Department) {
            Some(department) if self.catalog.departmentalization() => department.clone(),
            _ => String::new(),
        };
        ContactDetails {
            texts,
            pin,
            attributes,
            persons,
            email_scope,
        }
    }

    /// Only individual customers are made here.
    fn customer_type(&mut self, path: FieldPath, value: Option<String>) -> Option<String> {
        let value = self.present(path.clone(), value, true)?;
        match value.as_str() {
            "individual" => Some(value),
            "group" | "corporate" => {
                self.errors.push(
                    path,
                    FieldCode::NotAllowed,
                    "only individual customers are supported; group and corporate customers are not",
                );
                None
            }
            _ => {
                self.errors
                    .push(path, FieldCode::InvalidFormat, "must be individual");
                None
            }
        }
    }

    /// Required with departmentalization on; a department given with it off is kept, and
    /// must be configured either way.
    fn department(&mut self, path: FieldPath, value: Option<String>) -> Option<String> {
        let required = self.catalog.departmentalization();
        let value = self.present(path.clone(), value, required)?;
        if self.catalog.department_configured(&value) {
            return Some(value);
        }
        let departments = &self.catalog.document().departments;
        let names: Vec<&str> = departments.iter().map(String::as_str).collect();
        self.errors
            .push(path, FieldCode::NotConfigured, not_in_list(&names));
        None
    }

    /// A value that must be sent when `required`: reports a missing or blank one.
    fn present(
        &mut self,
        path: FieldPath,
        value: Option<String>,
        required: bool,
    ) -> Option<String> {
        match value {
            Some(value) if !value.trim().is_empty() => Some(value),
            Some(_) if required => {
                self.errors
                    .push(path, FieldCode::Required, "must not be empty");
                None
            }
            None if required => {
                self.errors.push(path, FieldCode::Required, "is required");
                None
            }
            _ => None,
        }
    }

    /// Free text stored as sent: at most `max_chars`, and no card number in it.
    fn text(
        &mut self,
        path: FieldPath,
        value: Option<String>,
        max_chars: usize,
        required: bool,
    ) -> Option<String> {
        let value = self.present(path.clone(), value, required)?;
        let before = self.errors.len();
        check_free_text(path, &value, max_chars, &mut self.errors);
        (self.errors.len() == before).then_some(value)
    }

    /// A value of the catalog's classifier list `list`.
    fn listed(
        &mut self,
        path: FieldPath,
        value: Option<String>,
        list: &str,
        required: bool,
    ) -> Option<String> {
        let value = self.present(path.clone(), value, required)?;
        if self.catalog.classifier_allows(list, &value) {
            return Some(value);
        }
        let allowed = not_in_list(&self.catalog.classifier(list));
        self.errors.push(path, FieldCode::NotConfigured, allowed);
        None
    }

    /// One of a fixed list of values.
    fn one_of(
        &mut self,
        path: FieldPath,
        value: Option<String>,
        values: &[&str],
    ) -> Option<String> {
        let value = given(value)?;
        if values.contains(&value.as_str()) {
            return Some(value);
        }
        self.errors
            .push(path, FieldCode::NotConfigured, not_in_list(values));
        None
    }

    /// A secret, kept in the clear until the write hashes it; never repeated back.
    fn secret(&mut self, path: FieldPath, value: Option<String>) -> Option<Secret> {
        let value = given(value)?;
        if value.chars().count() > SECRET_CHARS {
            self.errors.push(
                path,
                FieldCode::TooLong,
                format!("at most {SECRET_CHARS} characters"),
            );
            return None;
        }
        Some(Secret::Given(value))
    }
}
