//! A customer as the bank door reads it back: in the shape a batch sends it, with its
//! accounts and their cards.

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::records::{AccountRecord, CustomerRecord, Record};
use crate::domain::time::Timestamp;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BankCustomerView {
    pub request_id: String,
    pub source_customer_id: Option<String>,
    pub source_parent_customer_id: Option<String>,
    pub organization_id: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub customer_creation_date: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub enrollment_start_date: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub enrollment_end_date: Option<Timestamp>,
    pub enrollment_opt_in_status: Option<String>,
    pub alert_opt_in_status: Vec<String>,
    pub targeting_indicator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redemption_eligibility: Option<String>,
    pub accounts: Vec<BankAccountEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BankAccountEntry {
    pub source_account_id: Option<String>,
    pub source_customer_ids: Vec<String>,
    pub primary_source_customer_id: Option<String>,
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub account_type: Option<String>,
    pub source_portfolio_id: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub account_open_date: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub account_close_date: Option<Timestamp>,
    pub cards: Vec<BankCardEntry>,
}

/// A card: its iin and last four digits only, never a full number.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BankCardEntry {
    pub source_account_id: Option<String>,
    pub source_customer_id: String,
    pub last4: String,
    pub iin: String,
    pub card_type: String,
    pub status: String,
    pub network_identifier: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub open_date: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub close_date: Option<Timestamp>,
}

impl BankCustomerView {
    pub fn new(request_id: String, customer: &CustomerRecord, accounts: &[Record]) -> Self {
        let bank = customer.bank.as_ref();
        let parent = match (&customer.parent, &customer.awaited_parent) {
            (Some(link), _) => link.external_id.clone(),
            (None, awaited) => awaited.clone(),
        };
        Self {
            request_id,
            source_customer_id: customer.common.external_id.clone(),
            source_parent_customer_id: parent,
            organization_id: bank.map(|b| b.organization_id.clone()),
            postal_code: bank.map(|b| b.postal_code.clone()),
            country: bank.map(|b| b.country.clone()),
            customer_creation_date: bank.map(|b| b.created_on),
            enrollment_start_date: bank.map(|b| b.enrollment_start),
            enrollment_end_date: bank.and_then(|b| b.enrollment_end),
            enrollment_opt_in_status: bank.map(|b| b.enrollment_opt_in.clone()),
            alert_opt_in_status: bank.map(|b| b.alert_opt_ins.clone()).unwrap_or_default(),
            targeting_indicator: bank.map(|b| b.targeting.clone()),
            redemption_eligibility: bank.and_then(|b| b.redemption_eligibility.clone()),
            accounts: accounts
                .iter()
                .filter_map(|record| match record {
                    Record::Account(account) => Some(BankAccountEntry::from(account)),
                    _ => None,
                })
                .collect(),
        }
    }
}

impl From<&AccountRecord> for BankAccountEntry {
    fn from(a: &AccountRecord) -> Self {
        let bank = a.bank.as_ref();
        let owners = a
            .owners
            .iter()
            .filter_map(|o| o.customer.external_id.clone());
        let primary = a
            .owners
            .iter()
            .find(|o| o.primary)
            .and_then(|o| o.customer.external_id.clone());
        Self {
            source_account_id: a.common.external_id.clone(),
            source_customer_ids: owners.chain(a.awaited_owners.iter().cloned()).collect(),
            primary_source_customer_id: primary,
            status: bank.map(|b| b.status.clone()),
            account_type: bank.map(|b| b.account_type.clone()),
            source_portfolio_id: bank.and_then(|b| b.portfolio.clone()),
            account_open_date: bank.and_then(|b| b.opened_on),
            account_close_date: bank.and_then(|b| b.closed_on),
            cards: a
                .cards
                .iter()
                .map(|c| BankCardEntry {
                    source_account_id: a.common.external_id.clone(),
                    source_customer_id: c.holder.clone(),
                    last4: c.last4.clone(),
                    iin: c.iin.clone(),
                    card_type: c.card_type.clone(),
                    status: c.status.clone(),
                    network_identifier: c.network.to_string(),
                    open_date: c.opened_on,
                    close_date: c.closed_on,
                })
                .collect(),
        }
    }
}
