//! What contact data needs of a tenant's catalog: the customer profile a customer with
//! contact data is made with, the custom attributes its customers, persons and points may
//! carry, and the names of the classifier lists its values are checked against.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Defaults hold every name the eGain seed sends (`seeds/egain-v12-create-individual-customer.txt`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ContactCatalog {
    /// The customer profile a customer made through the eGain door takes its segment, state
    /// and reason from.
    pub customer_profile: String,
    /// The custom attributes contact data may carry, by name, each with the values it
    /// takes (an empty list: any value).
    pub custom_attributes: BTreeMap<String, Vec<String>>,
}

impl Default for ContactCatalog {
    fn default() -> Self {
        Self {
            customer_profile: "individual".into(),
            custom_attributes: ["preferredlang", "isprimary", "prioritysequence"]
                .into_iter()
                .map(|name| (name.to_owned(), Vec::new()))
                .collect(),
        }
    }
}

/// The names of the classifier lists contact data is checked against.
pub mod classifier {
    pub const LEVEL: &str = "level";
    pub const ROLE: &str = "role";
    pub const INDUSTRY: &str = "industry";
    pub const HOW_REFERRED: &str = "howReferred";
    pub const GENDER: &str = "gender";
    pub const SUFFIX: &str = "suffix";
    pub const EMPLOYMENT_STATUS: &str = "employmentStatus";
    pub const MARITAL_STATUS: &str = "maritalStatus";
    pub const EDUCATION_LEVEL: &str = "educationLevel";
    pub const IDENTIFICATION_TYPE: &str = "identificationType";
    pub const CONTACT_PERSON_TYPE: &str = "contactPersonType";
    pub const PHONE_TYPE: &str = "phoneType";
    pub const AVAILABILITY_DAYS: &str = "availabilityDays";
    pub const AVAILABILITY_TIMES: &str = "availabilityTimes";
}

/// eGain's own lists (`seeds/egain-v12-rules.md`): the values a list takes when the
/// catalog holds no list of that name.
pub const FIXED_CLASSIFIERS: &[(&str, &[&str])] = &[
    (classifier::ROLE, &["Partner", "Reseller", "Customer"]),
    (
        classifier::HOW_REFERRED,
        &["Website", "Customer", "Partner", "Employee", "Reseller"],
    ),
    (classifier::GENDER, &["male", "female"]),
    (classifier::SUFFIX, &["jr.", "sr.", "i", "ii", "iii"]),
    (
        classifier::EMPLOYMENT_STATUS,
        &[
            "part-time",
            "full-time",
            "temporary",
            "contract",
            "intern",
            "unemployed",
        ],
    ),
    (
        classifier::MARITAL_STATUS,
        &["married", "single", "separated", "divorced", "widowed"],
    ),
    (
        classifier::EDUCATION_LEVEL,
        &["high school", "graduate", "post graduate", "doctorate"],
    ),
    (
        classifier::PHONE_TYPE,
        &["home", "office", "mobile", "fax", "pager"],
    ),
    (
        classifier::AVAILABILITY_DAYS,
        &["weekdays", "weekends", "any_day"],
    ),
    (
        classifier::AVAILABILITY_TIMES,
        &["mornings", "afternoons", "evenings", "day", "anytime"],
    ),
];

/// The lists a tenant configures, with the values the seed uses.
pub const CONFIGURED_CLASSIFIERS: &[(&str, &[&str])] = &[
    (classifier::LEVEL, &["Premium"]),
    (classifier::INDUSTRY, &["Telecom"]),
    (classifier::IDENTIFICATION_TYPE, &["Passport"]),
    (classifier::CONTACT_PERSON_TYPE, &["Billing"]),
];

/// eGain's fixed list of this name, if it is one.
pub fn fixed_classifier(name: &str) -> Option<&'static [&'static str]> {
    FIXED_CLASSIFIERS
        .iter()
        .find(|(fixed, _)| *fixed == name)
        .map(|(_, values)| *values)
}

/// Whether a custom attribute name uses only letters, digits, `_`, `.` and `-`, as the
/// keys of `domain::attributes` do.
pub fn attribute_name_is_valid(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_lists_are_egains() {
        assert_eq!(
            fixed_classifier("role"),
            Some(&["Partner", "Reseller", "Customer"][..])
        );
        assert_eq!(fixed_classifier("level"), None);
    }

    #[test]
    fn attribute_names_use_the_key_alphabet() {
        assert!(attribute_name_is_valid("prioritysequence"));
        assert!(attribute_name_is_valid("a.b-c_1"));
        assert!(!attribute_name_is_valid("bad name"));
        assert!(!attribute_name_is_valid(""));
    }
}
