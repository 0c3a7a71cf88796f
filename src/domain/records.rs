//! Objects as they are stored and read back: the read model every door shows in its own way.

use super::attributes::Attributes;
use super::bank::{BankAccount, BankProfile, Card};
use super::contact::ContactDetails;
use super::kind::Kind;
use super::state::StateWithReason;
use super::time::Timestamp;

/// Another object as a record names it: by both ids, so a client can follow either.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub id: String,
    pub external_id: Option<String>,
}

/// A primary resource: its type (configured in the catalog) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryResource {
    pub resource_type: String,
    pub value: String,
}

/// What every kind of object has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    pub id: String,
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Attributes,
    pub state: StateWithReason,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub common: Common,
    pub test_customer: bool,
    pub parent: Option<Link>,
    /// A parent named by external id that is not stored yet.
    pub awaited_parent: Option<String>,
    pub bank: Option<BankProfile>,
    /// The decimal id the eGain door names the customer by; `None` only for customers
    /// stored before numbers existed, until a server next starts.
    pub number: Option<u64>,
    pub contact: Option<ContactDetails>,
}

/// One owning customer of an account; exactly one is primary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    pub customer: Link,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub common: Common,
    /// The primary owner first.
    pub owners: Vec<Ownership>,
    /// Owners named by external id that are not stored yet.
    pub awaited_owners: Vec<String>,
    pub bank: Option<BankAccount>,
    pub cards: Vec<Card>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberRecord {
    pub common: Common,
    pub account: Link,
    pub primary_resource: Option<PrimaryResource>,
}

/// Any object, as itself.
// Built once per read and moved to the answer; a box would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Customer(CustomerRecord),
    Account(AccountRecord),
    Subscriber(SubscriberRecord),
}

impl Record {
    pub fn kind(&self) -> Kind {
        match self {
            Record::Customer(_) => Kind::Customer,
            Record::Account(_) => Kind::Account,
            Record::Subscriber(_) => Kind::Subscriber,
        }
    }

    pub fn common(&self) -> &Common {
        match self {
            Record::Customer(r) => &r.common,
            Record::Account(r) => &r.common,
            Record::Subscriber(r) => &r.common,
        }
    }

    pub fn id(&self) -> &str {
        &self.common().id
    }
}

/// Which history of an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    State,
    Segment,
}

/// One entry of a state or segment history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// The state or the segment entered.
    pub value: String,
    /// The state's reason; `None` in a segment history.
    pub reason: Option<String>,
    pub actor: String,
    pub at: Timestamp,
}

/// Filters of a listing; every given one must match. Pages go by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub external_id: Option<String>,
    pub segment: Option<String>,
    pub state: Option<super::state::State>,
    pub created_after: Option<Timestamp>,
    /// Accounts owned by this customer.
    pub customer: Option<String>,
    /// Subscribers of this account.
    pub account: Option<String>,
    pub after_id: Option<String>,
    pub limit: usize,
}
