//! What a bank feed said of customers, accounts and cards, as `/v1` shows it beside the
//! rest of the object; the names are the feed's own, so a bank client recognises them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::bank::{BankAccount, BankProfile, Card};
use crate::domain::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BankProfileView {
    pub organization_id: String,
    pub postal_code: String,
    pub country: String,
    #[schema(value_type = String, format = DateTime)]
    pub customer_creation_date: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub enrollment_start_date: Timestamp,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub enrollment_end_date: Option<Timestamp>,
    pub enrollment_opt_in_status: String,
    pub alert_opt_in_status: Vec<String>,
    pub targeting_indicator: String,
    pub redemption_eligibility: Option<String>,
}

impl From<&BankProfile> for BankProfileView {
    fn from(p: &BankProfile) -> Self {
        Self {
            organization_id: p.organization_id.clone(),
            postal_code: p.postal_code.clone(),
            country: p.country.clone(),
            customer_creation_date: p.created_on,
            enrollment_start_date: p.enrollment_start,
            enrollment_end_date: p.enrollment_end,
            enrollment_opt_in_status: p.enrollment_opt_in.clone(),
            alert_opt_in_status: p.alert_opt_ins.clone(),
            targeting_indicator: p.targeting.clone(),
            redemption_eligibility: p.redemption_eligibility.clone(),
        }
    }
}

/// `status` is the bank's (OPEN, CLOSED, DISPUTE, FRAUD), apart from the lifecycle `state`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BankAccountView {
    pub status: String,
    #[serde(rename = "type")]
    pub account_type: String,
    pub source_portfolio_id: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub account_open_date: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub account_close_date: Option<Timestamp>,
}

impl From<&BankAccount> for BankAccountView {
    fn from(a: &BankAccount) -> Self {
        Self {
            status: a.status.clone(),
            account_type: a.account_type.clone(),
            source_portfolio_id: a.portfolio.clone(),
            account_open_date: a.opened_on,
            account_close_date: a.closed_on,
        }
    }
}

/// A card: its iin and last four digits only, never a full number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardView {
    pub id: String,
    /// The holder's externalId (the bank's `sourceCustomerId`).
    pub holder: String,
    pub iin: String,
    pub last4: String,
    pub card_type: String,
    pub status: String,
    pub network_identifier: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub open_date: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub close_date: Option<Timestamp>,
}

impl From<&Card> for CardView {
    fn from(c: &Card) -> Self {
        Self {
            id: c.id.clone(),
            holder: c.holder.clone(),
            iin: c.iin.clone(),
            last4: c.last4.clone(),
            card_type: c.card_type.clone(),
            status: c.status.clone(),
            network_identifier: c.network.to_string(),
            open_date: c.opened_on,
            close_date: c.closed_on,
        }
    }
}
