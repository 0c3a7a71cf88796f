//! A validated catalog, indexed for the checks requests need.

use std::collections::{BTreeSet, HashMap};

use regex::Regex;

use super::bank::{BankCatalog, BankList};
use super::contact::{self, ContactCatalog};
use super::document::{Catalog, CustomerProfile};
use crate::domain::attributes::{self, Attributes};
use crate::domain::errors::{FieldCode, FieldErrors};
use crate::domain::kind::Kind;
use crate::domain::path::FieldPath;
use crate::domain::state::State;
use crate::domain::Limits;

/// A catalog that passed validation, indexed for the checks requests need.
#[derive(Debug)]
pub struct CatalogRules {
    document: Catalog,
    customer_profiles: HashMap<String, CustomerProfile>,
    customer_segments: BTreeSet<String>,
    resource_patterns: HashMap<String, Option<Regex>>,
}

/// Collects the problems of one list of codes: empty, too long, or listed twice.
fn check_codes<'a>(
    field: FieldPath,
    codes: impl Iterator<Item = &'a str>,
    limits: &Limits,
    errors: &mut FieldErrors,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (i, code) in codes.enumerate() {
        let at = field.clone().index(i);
        if code.trim().is_empty() {
            errors.push(at, FieldCode::Required, "a code must not be empty");
        } else if code.chars().count() > limits.string_chars {
            errors.push(at, FieldCode::TooLong, "a code is at most 1024 characters");
        } else if !seen.insert(code.to_owned()) {
            // Not DUPLICATE: that code means a value taken by stored data (409); this is a
            // document at odds with itself.
            errors.push(
                at,
                FieldCode::NotAllowed,
                format!("{code:?} is listed twice"),
            );
        }
    }
    seen
}

struct ProfileParts<'a> {
    field: FieldPath,
    segment: &'a str,
    segments: &'a BTreeSet<String>,
    state: State,
    reason: &'a str,
    attributes: &'a Attributes,
}

impl Catalog {
    pub fn reason_is_configured(&self, state: State, reason: &str) -> bool {
        self.states
            .get(&state)
            .is_some_and(|reasons| reasons.iter().any(|r| r == reason))
    }

    fn check_profile(&self, p: ProfileParts<'_>, limits: &Limits, errors: &mut FieldErrors) {
        if !p.segments.contains(p.segment) {
            errors.push(
                p.field.clone().and_member("segment"),
                FieldCode::NotConfigured,
                format!("segment {:?} is not in the catalog's segments", p.segment),
            );
        }
        if p.state == State::Deactivated {
            errors.push(
                p.field.clone().and_member("state"),
                FieldCode::InvalidState,
                "a profile cannot create objects in the terminal DEACTIVATED state",
            );
        }
        if !self.reason_is_configured(p.state, p.reason) {
            errors.push(
                p.field.clone().and_member("stateReason"),
                FieldCode::NotConfigured,
                format!(
                    "reason {:?} is not configured for state {}",
                    p.reason, p.state
                ),
            );
        }
        attributes::check(
            p.field.clone().and_member("customAttributes"),
            p.attributes,
            limits,
            errors,
        );
    }

    /// Validates the whole document at once, reporting every inconsistency with its path.
    pub fn validate(self, limits: &Limits) -> Result<CatalogRules, FieldErrors> {
        let mut errors = FieldErrors::new();
        let customer_segments = check_codes(
            FieldPath::member("customerSegments"),
            self.customer_segments.iter().map(String::as_str),
            limits,
            &mut errors,
        );
        let account_segments = check_codes(
            FieldPath::member("accountSegments"),
            self.account_segments.iter().map(String::as_str),
            limits,
            &mut errors,
        );
        let subscriber_segments = check_codes(
            FieldPath::member("subscriberSegments"),
            self.subscriber_segments.iter().map(String::as_str),
            limits,
            &mut errors,
        );
        for (state, reasons) in &self.states {
            check_codes(
                FieldPath::member("states").key(state.as_str()),
                reasons.iter().map(String::as_str),
                limits,
                &mut errors,
            );
        }
        let customer_codes = check_codes(
            FieldPath::member("customerProfiles"),
            self.customer_profiles.iter().map(|p| p.code.as_str()),
            limits,
            &mut errors,
        );
        let account_codes = check_codes(
            FieldPath::member("accountProfiles"),
            self.account_profiles.iter().map(|p| p.code.as_str()),
            limits,
            &mut errors,
        );
        check_codes(
            FieldPath::member("subscriberProfiles"),
            self.subscriber_profiles.iter().map(|p| p.code.as_str()),
            limits,
            &mut errors,
        );
        for (i, p) in self.customer_profiles.iter().enumerate() {
            let parts = ProfileParts {
                field: FieldPath::member("customerProfiles").index(i),
                segment: &p.segment,
                segments: &customer_segments,
                state: p.state,
                reason: &p.state_reason,
                attributes: &p.custom_attributes,
            };
            self.check_profile(parts, limits, &mut errors);
        }
        for (i, p) in self.account_profiles.iter().enumerate() {
            let field = FieldPath::member("accountProfiles").index(i);
            if let Some(code) = &p.customer_profile {
                if !customer_codes.contains(code) {
                    errors.push(
                        field.clone().and_member("customerProfile"),
                        FieldCode::NotConfigured,
                        format!("customer profile {code:?} is not in customerProfiles"),
                    );
                }
            }
            let parts = ProfileParts {
                field,
                segment: &p.segment,
                segments: &account_segments,
                state: p.state,
                reason: &p.state_reason,
                attributes: &p.custom_attributes,
            };
            self.check_profile(parts, limits, &mut errors);
        }
        for (i, p) in self.subscriber_profiles.iter().enumerate() {
            let field = FieldPath::member("subscriberProfiles").index(i);
            if let Some(code) = &p.account_profile {
                if !account_codes.contains(code) {
                    errors.push(
                        field.clone().and_member("accountProfile"),
                        FieldCode::NotConfigured,
                        format!("account profile {code:?} is not in accountProfiles"),
                    );
                }
            }
            let parts = ProfileParts {
                field,
                segment: &p.segment,
                segments: &subscriber_segments,
                state: p.state,
                reason: &p.state_reason,
                attributes: &p.custom_attributes,
            };
            self.check_profile(parts, limits, &mut errors);
        }
        check_codes(
            FieldPath::member("resourceTypes"),
            self.resource_types.iter().map(|r| r.code.as_str()),
            limits,
            &mut errors,
        );
        let mut resource_patterns = HashMap::new();
        for (i, r) in self.resource_types.iter().enumerate() {
            let compiled = match &r.pattern {
                None => None,
                Some(pattern) => match Regex::new(pattern) {
                    Ok(regex) => Some(regex),
                    Err(e) => {
                        errors.push(
                            FieldPath::member("resourceTypes")
                                .index(i)
                                .and_member("pattern"),
                            FieldCode::InvalidFormat,
                            format!("not a valid regular expression: {e}"),
                        );
                        None
                    }
                },
            };
            resource_patterns.insert(r.code.clone(), compiled);
        }
        check_codes(
            FieldPath::member("departments"),
            self.departments.iter().map(String::as_str),
            limits,
            &mut errors,
        );
        if self.departmentalization && self.departments.is_empty() {
            errors.push(
                FieldPath::member("departments"),
                FieldCode::Required,
                "departmentalization needs at least one department",
            );
        }
        for (name, values) in &self.classifiers {
            check_codes(
                FieldPath::member("classifiers").key(name.as_str()),
                values.iter().map(String::as_str),
                limits,
                &mut errors,
            );
        }
        self.check_bank(&customer_codes, &account_codes, limits, &mut errors);
        self.check_contact(&customer_codes, limits, &mut errors);
        errors.into_result(())?;
        Ok(CatalogRules {
            customer_profiles: self
                .customer_profiles
                .iter()
                .map(|p| (p.code.clone(), p.clone()))
                .collect(),
            customer_segments,
            resource_patterns,
            document: self,
        })
    }
}

/// What every kind of profile holds, seen the same way for each kind.
#[derive(Debug, Clone, Copy)]
pub struct ProfileView<'a> {
    pub code: &'a str,
    pub segment: &'a str,
    pub state: State,
    pub state_reason: &'a str,
    pub custom_attributes: &'a Attributes,
    /// The profile that creates the object above: an account profile's customer profile,
    /// a subscriber profile's account profile.
    pub parent_profile: Option<&'a str>,
}

impl Catalog {
    /// The bank door's profiles must exist; its lists follow the rules of any list of codes.
    fn check_bank(
        &self,
        customer_codes: &BTreeSet<String>,
        account_codes: &BTreeSet<String>,
        limits: &Limits,
        errors: &mut FieldErrors,
    ) {
        let bank = FieldPath::member("bank");
        if !customer_codes.contains(&self.bank.customer_profile) {
            errors.push(
                bank.clone().and_member("customerProfile"),
                FieldCode::NotConfigured,
                format!(
                    "customer profile {:?} is not in customerProfiles",
                    self.bank.customer_profile
                ),
            );
        }
        if !account_codes.contains(&self.bank.account_profile) {
            errors.push(
                bank.clone().and_member("accountProfile"),
                FieldCode::NotConfigured,
                format!(
                    "account profile {:?} is not in accountProfiles",
                    self.bank.account_profile
                ),
            );
        }
        for (member, values) in self.bank.lists() {
            check_codes(
                bank.clone().and_member(member),
                values.iter().map(String::as_str),
                limits,
                errors,
            );
        }
    }
}

impl Catalog {
    /// Contact data's profile must exist; its attribute names are keys, their values codes.
    fn check_contact(
        &self,
        customer_codes: &BTreeSet<String>,
        limits: &Limits,
        errors: &mut FieldErrors,
    ) {
        let at = FieldPath::member("contact");
        if !customer_codes.contains(&self.contact.customer_profile) {
            errors.push(
                at.clone().and_member("customerProfile"),
                FieldCode::NotConfigured,
                format!(
                    "customer profile {:?} is not in customerProfiles",
                    self.contact.customer_profile
                ),
            );
        }
        let attributes = at.and_member("customAttributes");
        for (name, values) in &self.contact.custom_attributes {
            if name.chars().count() > limits.attribute_key_chars {
                errors.push(
                    attributes.clone().key("?"),
                    FieldCode::TooLong,
                    format!(
                        "attribute names are at most {} characters",
                        limits.attribute_key_chars
                    ),
                );
                continue;
            }
            let field = attributes.clone().key(name.as_str());
            if !contact::attribute_name_is_valid(name) {
                errors.push(
                    field.clone(),
                    FieldCode::InvalidFormat,
                    "attribute names use only letters, digits, '_', '.' and '-'",
                );
            }
            check_codes(field, values.iter().map(String::as_str), limits, errors);
        }
    }
}

impl CatalogRules {
    pub fn contact(&self) -> &ContactCatalog {
        &self.document.contact
    }

    /// The values a contact custom attribute takes (empty: any value); `None` when no
    /// attribute of that name is configured.
    pub fn contact_attribute(&self, name: &str) -> Option<&[String]> {
        self.document
            .contact
            .custom_attributes
            .get(name)
            .map(Vec::as_slice)
    }

    pub fn departmentalization(&self) -> bool {
        self.document.departmentalization
    }

    pub fn department_configured(&self, name: &str) -> bool {
        self.document.departments.iter().any(|d| d == name)
    }

    /// The values of a classifier list: the catalog's, or, where it holds no list of that
    /// name, eGain's fixed list of it (none for a list only a tenant configures).
    pub fn classifier(&self, name: &str) -> Vec<&str> {
        match self.document.classifiers.get(name) {
            Some(values) => values.iter().map(String::as_str).collect(),
            None => contact::fixed_classifier(name).unwrap_or_default().to_vec(),
        }
    }

    /// Whether `value` is in the classifier list `name` (see [`CatalogRules::classifier`]).
    pub fn classifier_allows(&self, name: &str, value: &str) -> bool {
        match self.document.classifiers.get(name) {
            Some(values) => values.iter().any(|v| v == value),
            None => contact::fixed_classifier(name).is_some_and(|values| values.contains(&value)),
        }
    }

    pub fn bank(&self) -> &BankCatalog {
        &self.document.bank
    }

    /// Whether `value` is in the bank list.
    pub fn bank_allows(&self, list: BankList, value: &str) -> bool {
        self.document.bank.list(list).iter().any(|v| v == value)
    }

    /// The profile of a kind with this code, if configured.
    pub fn profile(&self, kind: Kind, code: &str) -> Option<ProfileView<'_>> {
        let d = &self.document;
        match kind {
            Kind::Customer => d
                .customer_profiles
                .iter()
                .find(|p| p.code == code)
                .map(|p| ProfileView {
                    code: &p.code,
                    segment: &p.segment,
                    state: p.state,
                    state_reason: &p.state_reason,
                    custom_attributes: &p.custom_attributes,
                    parent_profile: None,
                }),
            Kind::Account => {
                d.account_profiles
                    .iter()
                    .find(|p| p.code == code)
                    .map(|p| ProfileView {
                        code: &p.code,
                        segment: &p.segment,
                        state: p.state,
                        state_reason: &p.state_reason,
                        custom_attributes: &p.custom_attributes,
                        parent_profile: p.customer_profile.as_deref(),
                    })
            }
            Kind::Subscriber => d
                .subscriber_profiles
                .iter()
                .find(|p| p.code == code)
                .map(|p| ProfileView {
                    code: &p.code,
                    segment: &p.segment,
                    state: p.state,
                    state_reason: &p.state_reason,
                    custom_attributes: &p.custom_attributes,
                    parent_profile: p.account_profile.as_deref(),
                }),
        }
    }

    pub fn has_segment(&self, kind: Kind, segment: &str) -> bool {
        let d = &self.document;
        let segments = match kind {
            Kind::Customer => &d.customer_segments,
            Kind::Account => &d.account_segments,
            Kind::Subscriber => &d.subscriber_segments,
        };
        segments.iter().any(|s| s == segment)
    }

    /// Reads back a stored document; it was valid when it was stored.
    pub fn from_stored(document: &str, limits: &Limits) -> Result<Self, String> {
        let catalog: Catalog =
            serde_json::from_str(document).map_err(|e| format!("stored catalog: {e}"))?;
        catalog
            .validate(limits)
            .map_err(|e| format!("stored catalog is invalid: {e:?}"))
    }

    pub fn document(&self) -> &Catalog {
        &self.document
    }

    pub fn customer_profile(&self, code: &str) -> Option<&CustomerProfile> {
        self.customer_profiles.get(code)
    }

    pub fn has_customer_segment(&self, segment: &str) -> bool {
        self.customer_segments.contains(segment)
    }

    pub fn reason_is_configured(&self, state: State, reason: &str) -> bool {
        self.document.reason_is_configured(state, reason)
    }

    /// `None` when the type is not configured, else whether `value` fits its pattern.
    pub fn resource_value_fits(&self, resource_type: &str, value: &str) -> Option<bool> {
        self.resource_patterns
            .get(resource_type)
            .map(|pattern| pattern.as_ref().is_none_or(|p| p.is_match(value)))
    }
}

#[cfg(test)]
mod tests;
