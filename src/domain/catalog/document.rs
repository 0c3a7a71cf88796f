//! The catalog document, as a tenant writes it in `catalog.toml` or on `/v1/catalog`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::bank::BankCatalog;
use super::contact::{self, ContactCatalog};
use crate::domain::attributes::Attributes;
use crate::domain::state::State;

/// A customer profile: the template a customer is created from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerProfile {
    pub code: String,
    pub segment: String,
    pub state: State,
    pub state_reason: String,
    #[serde(default)]
    pub custom_attributes: Attributes,
}

/// An account profile; `customerProfile` creates the owning customer when none is named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountProfile {
    pub code: String,
    pub segment: String,
    pub state: State,
    pub state_reason: String,
    #[serde(default)]
    pub custom_attributes: Attributes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_profile: Option<String>,
}

/// A subscriber profile; `accountProfile` creates the account when none is named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriberProfile {
    pub code: String,
    pub segment: String,
    pub state: State,
    pub state_reason: String,
    #[serde(default)]
    pub custom_attributes: Attributes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_profile: Option<String>,
}

/// A kind of primary resource (an MSISDN, an IP address), with an optional value pattern.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceType {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// The catalog document, the same in `catalog.toml` and on `/v1/catalog`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Catalog {
    #[serde(default)]
    pub customer_profiles: Vec<CustomerProfile>,
    #[serde(default)]
    pub account_profiles: Vec<AccountProfile>,
    #[serde(default)]
    pub subscriber_profiles: Vec<SubscriberProfile>,
    #[serde(default)]
    pub customer_segments: Vec<String>,
    #[serde(default)]
    pub account_segments: Vec<String>,
    #[serde(default)]
    pub subscriber_segments: Vec<String>,
    /// Reasons configured per state: keys are `INACTIVE`, `ACTIVE`, `SUSPENDED`, `DEACTIVATED`.
    #[serde(default)]
    pub states: BTreeMap<State, Vec<String>>,
    #[serde(default)]
    pub resource_types: Vec<ResourceType>,
    #[serde(default)]
    pub departmentalization: bool,
    #[serde(default)]
    pub departments: Vec<String>,
    /// Lists of allowed values by classifier name (`level`, `role`, `industry`, …).
    #[serde(default)]
    pub classifiers: BTreeMap<String, Vec<String>>,
    /// The bank-data door's profiles and value lists.
    #[serde(default)]
    pub bank: BankCatalog,
    /// What contact data (the eGain door) is made with: its profile and custom attributes.
    #[serde(default)]
    pub contact: ContactCatalog,
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

impl Default for Catalog {
    /// Holds every value the seed documents' examples use, so they work on a fresh install.
    fn default() -> Self {
        let classifiers = contact::FIXED_CLASSIFIERS
            .iter()
            .chain(contact::CONFIGURED_CLASSIFIERS)
            .map(|(name, values)| ((*name).to_owned(), strings(values)))
            .collect();
        Catalog {
            customer_profiles: vec![
                CustomerProfile {
                    code: "b2b".into(),
                    segment: "b2b".into(),
                    state: State::Active,
                    state_reason: "active".into(),
                    custom_attributes: Attributes::new(),
                },
                // b2b, the one customer segment every seed uses, so that a catalog which
                // keeps only it still holds the bank door's profile.
                CustomerProfile {
                    code: "bank".into(),
                    segment: "b2b".into(),
                    state: State::Active,
                    state_reason: "active".into(),
                    custom_attributes: Attributes::new(),
                },
                // What a customer made through the eGain door is made with; b2b for the
                // same reason as the bank profile.
                CustomerProfile {
                    code: "individual".into(),
                    segment: "b2b".into(),
                    state: State::Active,
                    state_reason: "active".into(),
                    custom_attributes: Attributes::new(),
                },
            ],
            account_profiles: vec![
                AccountProfile {
                    code: "standard".into(),
                    segment: "standard".into(),
                    state: State::Active,
                    state_reason: "active".into(),
                    custom_attributes: Attributes::new(),
                    customer_profile: Some("b2b".into()),
                },
                AccountProfile {
                    code: "bank".into(),
                    segment: "standard".into(),
                    state: State::Active,
                    state_reason: "active".into(),
                    custom_attributes: Attributes::new(),
                    customer_profile: None,
                },
            ],
            subscriber_profiles: vec![SubscriberProfile {
                code: "internetOnly".into(),
                segment: "topUploader".into(),
                state: State::Active,
                state_reason: "dfltActive".into(),
                custom_attributes: Attributes::new(),
                account_profile: Some("standard".into()),
            }],
            customer_segments: strings(&["b2b", "b2c"]),
            account_segments: strings(&["standard"]),
            subscriber_segments: strings(&["topUploader"]),
            states: [
                (State::Inactive, strings(&["dfltInactive"])),
                (State::Active, strings(&["active", "dfltActive"])),
                (State::Suspended, strings(&["dfltSuspended"])),
                (State::Deactivated, strings(&["dfltDeactivated"])),
            ]
            .into_iter()
            .collect(),
            resource_types: vec![
                ResourceType {
                    code: "MSISDN".into(),
                    pattern: Some("^[0-9]{8,15}$".into()),
                },
                ResourceType {
                    code: "ipV4".into(),
                    pattern: None,
                },
            ],
            departmentalization: false,
            departments: strings(&["Service"]),
            classifiers,
            bank: BankCatalog::default(),
            contact: ContactCatalog::default(),
        }
    }
}
