//! What the bank-data door needs of a tenant's catalog: the profiles its customers and
//! accounts are made with, and the value lists its enumerations are checked against.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Defaults are Cardlytics' published lists (`seeds/bank-data-rules.md`), so a real feed
/// passes and a typo does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct BankCatalog {
    /// The customer profile a customer made through the bank door takes its segment, state
    /// and reason from.
    pub customer_profile: String,
    /// The account profile a bank account is made with.
    pub account_profile: String,
    pub enrollment_opt_in_statuses: Vec<String>,
    pub alert_opt_in_statuses: Vec<String>,
    pub targeting_indicators: Vec<String>,
    pub redemption_eligibilities: Vec<String>,
    pub account_statuses: Vec<String>,
    pub account_types: Vec<String>,
    pub card_types: Vec<String>,
    pub card_statuses: Vec<String>,
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

impl Default for BankCatalog {
    fn default() -> Self {
        Self {
            customer_profile: "bank".into(),
            account_profile: "bank".into(),
            enrollment_opt_in_statuses: strings(&["ACTIVE", "INACTIVE"]),
            alert_opt_in_statuses: strings(&[
                "ALL",
                "NEW",
                "ACTIVATED",
                "EXPIRING",
                "REDEMPTION",
                "CLOSE_THE_LOOP",
                "MISSED_OPPORTUNITY",
            ]),
            targeting_indicators: strings(&["TARGET", "DO_NOT_TARGET"]),
            redemption_eligibilities: strings(&["ALL", "NONE"]),
            account_statuses: strings(&["OPEN", "CLOSED", "DISPUTE", "FRAUD"]),
            account_types: strings(&["PPD", "MMA", "CRD", "DDA", "SAV", "SBCRD", "SBDDA", "SBS"]),
            card_types: strings(&["CREDIT", "DEBIT", "PREPAID"]),
            card_statuses: strings(&["OPEN", "CLOSED"]),
        }
    }
}

/// A bank value list, by what it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankList {
    EnrollmentOptIn,
    AlertOptIn,
    Targeting,
    RedemptionEligibility,
    AccountStatus,
    AccountType,
    CardType,
    CardStatus,
}

impl BankCatalog {
    pub fn list(&self, list: BankList) -> &[String] {
        match list {
            BankList::EnrollmentOptIn => &self.enrollment_opt_in_statuses,
            BankList::AlertOptIn => &self.alert_opt_in_statuses,
            BankList::Targeting => &self.targeting_indicators,
            BankList::RedemptionEligibility => &self.redemption_eligibilities,
            BankList::AccountStatus => &self.account_statuses,
            BankList::AccountType => &self.account_types,
            BankList::CardType => &self.card_types,
            BankList::CardStatus => &self.card_statuses,
        }
    }

    /// Every list with the document member it is kept in, for validating the document.
    pub fn lists(&self) -> [(&'static str, &[String]); 8] {
        [
            ("enrollmentOptInStatuses", &self.enrollment_opt_in_statuses),
            ("alertOptInStatuses", &self.alert_opt_in_statuses),
            ("targetingIndicators", &self.targeting_indicators),
            ("redemptionEligibilities", &self.redemption_eligibilities),
            ("accountStatuses", &self.account_statuses),
            ("accountTypes", &self.account_types),
            ("cardTypes", &self.card_types),
            ("cardStatuses", &self.card_statuses),
        ]
    }
}
