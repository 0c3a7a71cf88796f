//! The bank door's JSON: a batch of customers, each with its accounts and their cards, as
//! Cardlytics Publisher v2 writes it.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::domain::bank::{BankAccountSpec, BankCustomerSpec, CardSpec};

/// `POST /v2/data/customers`: 1 to 50 customers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomersRequest {
    pub customers: Vec<CustomerRequest>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomerRequest {
    /// The customer's id at the bank: its `externalId` in the registry.
    #[schema(example = "afa2r21-25f9-4501-b9db-e78afa73c0e3")]
    pub source_customer_id: Option<String>,
    /// May name a customer of this batch, one stored before, or one not sent yet.
    pub source_parent_customer_id: Option<String>,
    pub organization_id: Option<String>,
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "US")]
    pub country: Option<String>,
    /// RFC 3339.
    pub customer_creation_date: Option<String>,
    pub enrollment_start_date: Option<String>,
    pub enrollment_end_date: Option<String>,
    #[schema(example = "ACTIVE")]
    pub enrollment_opt_in_status: Option<String>,
    pub alert_opt_in_status: Option<Vec<String>>,
    #[schema(example = "TARGET")]
    pub targeting_indicator: Option<String>,
    pub redemption_eligibility: Option<String>,
    pub accounts: Option<Vec<AccountRequest>>,
}

/// An account, nested under each of its owners.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountRequest {
    pub source_account_id: Option<String>,
    pub source_customer_ids: Option<Vec<String>>,
    pub primary_source_customer_id: Option<String>,
    #[schema(example = "OPEN")]
    pub status: Option<String>,
    #[serde(rename = "type")]
    #[schema(example = "DDA")]
    pub account_type: Option<String>,
    pub source_portfolio_id: Option<String>,
    pub account_open_date: Option<String>,
    pub account_close_date: Option<String>,
    pub cards: Option<Vec<CardRequest>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CardRequest {
    pub source_account_id: Option<String>,
    pub source_customer_id: Option<String>,
    #[schema(example = "2345")]
    pub last4: Option<String>,
    #[schema(example = "123456")]
    pub iin: Option<String>,
    #[schema(example = "CREDIT")]
    pub card_type: Option<String>,
    #[schema(example = "OPEN")]
    pub status: Option<String>,
    /// One digit, as a number or a string.
    #[serde(default, deserialize_with = "digit_or_text")]
    #[schema(value_type = Option<String>, example = "3")]
    pub network_identifier: Option<String>,
    pub open_date: Option<String>,
    pub close_date: Option<String>,
}

/// Cardlytics describes `networkIdentifier` as an integer and its example sends a string.
fn digit_or_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u64),
        Text(String),
    }
    Ok(
        Option::<Either>::deserialize(deserializer)?.map(|value| match value {
            Either::Number(n) => n.to_string(),
            Either::Text(text) => text,
        }),
    )
}

impl From<CustomerRequest> for BankCustomerSpec {
    fn from(r: CustomerRequest) -> Self {
        Self {
            source_customer_id: r.source_customer_id,
            source_parent_customer_id: r.source_parent_customer_id,
            organization_id: r.organization_id,
            postal_code: r.postal_code,
            country: r.country,
            customer_creation_date: r.customer_creation_date,
            enrollment_start_date: r.enrollment_start_date,
            enrollment_end_date: r.enrollment_end_date,
            enrollment_opt_in_status: r.enrollment_opt_in_status,
            alert_opt_in_status: r.alert_opt_in_status,
            targeting_indicator: r.targeting_indicator,
            redemption_eligibility: r.redemption_eligibility,
            accounts: r
                .accounts
                .map(|accounts| accounts.into_iter().map(Into::into).collect()),
        }
    }
}

impl From<AccountRequest> for BankAccountSpec {
    fn from(r: AccountRequest) -> Self {
        Self {
            source_account_id: r.source_account_id,
            source_customer_ids: r.source_customer_ids,
            primary_source_customer_id: r.primary_source_customer_id,
            status: r.status,
            account_type: r.account_type,
            source_portfolio_id: r.source_portfolio_id,
            account_open_date: r.account_open_date,
            account_close_date: r.account_close_date,
            cards: r
                .cards
                .map(|cards| cards.into_iter().map(Into::into).collect()),
        }
    }
}

impl From<CardRequest> for CardSpec {
    fn from(r: CardRequest) -> Self {
        Self {
            source_account_id: r.source_account_id,
            source_customer_id: r.source_customer_id,
            last4: r.last4,
            iin: r.iin,
            card_type: r.card_type,
            status: r.status,
            network_identifier: r.network_identifier,
            open_date: r.open_date,
            close_date: r.close_date,
        }
    }
}

/// Every answer of the door names the request, as Cardlytics' answers do.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestIdAnswer {
    #[schema(example = "380052b4-3a64-4952-b640-ba696eb9f44b")]
    pub request_id: String,
}
