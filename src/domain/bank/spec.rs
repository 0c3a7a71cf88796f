//! A bank feed's batch as sent: values typed by the door's parser, rules not yet checked.

/// One customer of a batch, with its accounts.
#[derive(Debug, Clone, Default)]
pub struct BankCustomerSpec {
    pub source_customer_id: Option<String>,
    pub source_parent_customer_id: Option<String>,
    pub organization_id: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub customer_creation_date: Option<String>,
    pub enrollment_start_date: Option<String>,
    pub enrollment_end_date: Option<String>,
    pub enrollment_opt_in_status: Option<String>,
    pub alert_opt_in_status: Option<Vec<String>>,
    pub targeting_indicator: Option<String>,
    pub redemption_eligibility: Option<String>,
    pub accounts: Option<Vec<BankAccountSpec>>,
}

/// One account as nested under one of its owners; a joint account comes once per owner.
#[derive(Debug, Clone, Default)]
pub struct BankAccountSpec {
    pub source_account_id: Option<String>,
    pub source_customer_ids: Option<Vec<String>>,
    pub primary_source_customer_id: Option<String>,
    pub status: Option<String>,
    pub account_type: Option<String>,
    pub source_portfolio_id: Option<String>,
    pub account_open_date: Option<String>,
    pub account_close_date: Option<String>,
    pub cards: Option<Vec<CardSpec>>,
}

#[derive(Debug, Clone, Default)]
pub struct CardSpec {
    pub source_account_id: Option<String>,
    pub source_customer_id: Option<String>,
    pub last4: Option<String>,
    pub iin: Option<String>,
    pub card_type: Option<String>,
    pub status: Option<String>,
    /// One digit; the door takes it as a number or a string.
    pub network_identifier: Option<String>,
    pub open_date: Option<String>,
    pub close_date: Option<String>,
}
