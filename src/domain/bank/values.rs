use crate::domain::time::Timestamp;

/// What a bank says of a customer beyond the common model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankProfile {
    pub organization_id: String,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub created_on: Timestamp,
    pub enrollment_start: Timestamp,
    pub enrollment_end: Option<Timestamp>,
    pub enrollment_opt_in: String,
    pub alert_opt_ins: Vec<String>,
    pub targeting: String,
    pub redemption_eligibility: Option<String>,
}

/// What a bank says of an account beyond the common model. `status` is the bank's (a
/// closed account can reopen), apart from the lifecycle state (DEACTIVATED never reopens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccount {
    pub status: String,
    pub account_type: String,
    pub portfolio: Option<String>,
    pub opened_on: Option<Timestamp>,
    pub closed_on: Option<Timestamp>,
}

/// A payment card of an account, held by one of its owners: never a full number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub id: String,
    /// The holder's external id (the bank's `sourceCustomerId`).
    pub holder: String,
    /// The first 6 to 8 digits.
    pub iin: String,
    pub last4: String,
    pub card_type: String,
    pub status: String,
    /// The network's digit, the card number's first.
    pub network: u8,
    pub opened_on: Option<Timestamp>,
    pub closed_on: Option<Timestamp>,
}

impl Card {
    /// Two cards are the same card when the same holder holds the same iin and last four.
    pub fn same_card(&self, other: &Card) -> bool {
        self.holder == other.holder && self.iin == other.iin && self.last4 == other.last4
    }
}
