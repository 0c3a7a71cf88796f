//! Rows as the store reads and writes them.

use std::collections::BTreeMap;

/// A stored API key, by the hash it is looked up with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: String,
    pub tenant: String,
    pub role: String,
}

/// The three kinds of registry object; each has a table of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Customer,
    Account,
    Subscriber,
}

impl Kind {
    pub fn table(self) -> &'static str {
        match self {
            Kind::Customer => "customers",
            Kind::Account => "accounts",
            Kind::Subscriber => "subscribers",
        }
    }

    /// The name of one object of the kind, as events and histories record it.
    pub fn entity(self) -> &'static str {
        match self {
            Kind::Customer => "customer",
            Kind::Account => "account",
            Kind::Subscriber => "subscriber",
        }
    }
}

/// How a write names another object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKey {
    Id(String),
    ExternalId(String),
}

/// The columns every kind has, for an insert; id and time are chosen by the caller.
#[derive(Debug, Clone)]
pub struct NewCommon {
    pub id: String,
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: BTreeMap<String, String>,
    pub state: String,
    pub state_reason: String,
    pub at: i64,
}

impl NewCommon {
    /// The columns as they read back once inserted.
    pub fn stored(&self) -> Common {
        Common {
            id: self.id.clone(),
            external_id: self.external_id.clone(),
            profile: self.profile.clone(),
            segment: self.segment.clone(),
            custom_name: self.custom_name.clone(),
            custom_attributes: self.custom_attributes.clone(),
            state: self.state.clone(),
            state_reason: self.state_reason.clone(),
            created_at: self.at,
            updated_at: self.at,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewCustomerRow {
    pub common: NewCommon,
    pub test_customer: bool,
    pub parent: Option<RefKey>,
}

/// Who owns a new account: a customer that exists, or one created with it.
#[derive(Debug, Clone)]
pub enum NewOwner {
    Existing(RefKey),
    Create(Box<NewCustomerRow>),
}

#[derive(Debug, Clone)]
pub struct NewAccountRow {
    pub common: NewCommon,
    pub owner: NewOwner,
}

/// The account of a new subscriber: one that exists, or one created with it.
#[derive(Debug, Clone)]
pub enum NewAccountOf {
    Existing(RefKey),
    Create(Box<NewAccountRow>),
}

#[derive(Debug, Clone)]
pub struct NewSubscriberRow {
    pub common: NewCommon,
    pub account: NewAccountOf,
    /// `(type, value)` of the primary resource.
    pub primary_resource: Option<(String, String)>,
}

/// The columns every kind has, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    pub id: String,
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: BTreeMap<String, String>,
    pub state: String,
    pub state_reason: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRow {
    pub common: Common,
    pub test_customer: bool,
    pub parent_id: Option<String>,
    pub parent_external_id: Option<String>,
}

/// One owning customer of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerRow {
    pub customer_id: String,
    pub external_id: Option<String>,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub common: Common,
    pub owners: Vec<OwnerRow>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberRow {
    pub common: Common,
    pub account_id: String,
    pub account_external_id: Option<String>,
    pub primary_resource_type: Option<String>,
    pub primary_resource: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityRow {
    Customer(CustomerRow),
    Account(AccountRow),
    Subscriber(SubscriberRow),
}

impl EntityRow {
    pub fn kind(&self) -> Kind {
        match self {
            EntityRow::Customer(_) => Kind::Customer,
            EntityRow::Account(_) => Kind::Account,
            EntityRow::Subscriber(_) => Kind::Subscriber,
        }
    }

    pub fn common(&self) -> &Common {
        match self {
            EntityRow::Customer(row) => &row.common,
            EntityRow::Account(row) => &row.common,
            EntityRow::Subscriber(row) => &row.common,
        }
    }
}

/// Filters of a listing; every given one must match. Pages go by id.
#[derive(Debug, Clone, Default)]
pub struct EntityFilter {
    pub external_id: Option<String>,
    pub segment: Option<String>,
    pub state: Option<String>,
    pub created_after: Option<i64>,
    /// Accounts owned by this customer.
    pub customer: Option<String>,
    /// Subscribers of this account.
    pub account: Option<String>,
    pub after_id: Option<String>,
    pub limit: usize,
}

/// One entry of a state or segment history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub value: String,
    pub reason: Option<String>,
    pub actor: String,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    State,
    Segment,
}

/// One event of the change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub seq: i64,
    pub event_type: String,
    pub entity: String,
    pub entity_id: String,
    pub actor: String,
    pub at: i64,
    pub data: String,
}
