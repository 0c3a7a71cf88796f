//! Objects as the native door shows them; the change feed carries the same.

use serde::Serialize;
use utoipa::ToSchema;

use super::bank_views::{BankAccountView, BankProfileView, CardView};
use super::contact_views::ContactView;
use crate::app::EventEncoder;
use crate::domain::attributes::Attributes;
use crate::domain::records::{
    AccountRecord, Common, CustomerRecord, Link, Record, SubscriberRecord,
};
use crate::domain::state::StateWithReason;
use crate::domain::time::Timestamp;

/// A reference as answers show it: both ids, so a client can walk the hierarchy either way.
/// `refId` is null while the object is only awaited: named by external id in a bank feed
/// and not stored yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefView {
    pub ref_id: Option<String>,
    pub external_id: Option<String>,
}

impl From<&Link> for RefView {
    fn from(link: &Link) -> Self {
        Self {
            ref_id: Some(link.id.clone()),
            external_id: link.external_id.clone(),
        }
    }
}

impl RefView {
    fn awaited(external_id: &str) -> Self {
        Self {
            ref_id: None,
            external_id: Some(external_id.to_owned()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    pub external_id: Option<String>,
    pub customer_profile: Option<String>,
    pub customer_segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Attributes,
    pub state: StateWithReason,
    pub test_customer: bool,
    pub parent: Option<RefView>,
    /// What a bank feed said of the customer, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_profile: Option<BankProfileView>,
    /// The decimal id the eGain door names the customer by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egain_id: Option<u64>,
    /// Contact persons and points, and the classification that goes with them, when the
    /// customer has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactView>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// One owning customer of an account; exactly one is `primary`. `refId` is null for an
/// owner a bank feed named that is not stored yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OwnerView {
    pub ref_id: Option<String>,
    pub external_id: Option<String>,
    pub primary: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    pub external_id: Option<String>,
    pub account_profile: Option<String>,
    pub account_segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Attributes,
    pub state: StateWithReason,
    pub customers: Vec<OwnerView>,
    /// What a bank feed said of the account, when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bank_account: Option<BankAccountView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cards: Vec<CardView>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subscriber {
    pub id: String,
    pub external_id: Option<String>,
    pub subscriber_profile: Option<String>,
    pub subscriber_segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Attributes,
    pub state: StateWithReason,
    pub account: RefView,
    pub primary_resource_type: Option<String>,
    pub primary_resource: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// Any of the three, shown as itself.
// Built once per read and moved to the answer; a box would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Entity {
    Customer(Customer),
    Account(Account),
    Subscriber(Subscriber),
}

impl From<&CustomerRecord> for Customer {
    fn from(r: &CustomerRecord) -> Self {
        let c: &Common = &r.common;
        Customer {
            id: c.id.clone(),
            external_id: c.external_id.clone(),
            customer_profile: c.profile.clone(),
            customer_segment: c.segment.clone(),
            custom_name: c.custom_name.clone(),
            custom_attributes: c.custom_attributes.clone(),
            state: c.state.clone(),
            test_customer: r.test_customer,
            parent: match (&r.parent, &r.awaited_parent) {
                (Some(link), _) => Some(RefView::from(link)),
                (None, Some(awaited)) => Some(RefView::awaited(awaited)),
                (None, None) => None,
            },
            bank_profile: r.bank.as_ref().map(BankProfileView::from),
            egain_id: r.number,
            contact: r.contact.as_ref().map(ContactView::from),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<&AccountRecord> for Account {
    fn from(r: &AccountRecord) -> Self {
        let c = &r.common;
        Account {
            id: c.id.clone(),
            external_id: c.external_id.clone(),
            account_profile: c.profile.clone(),
            account_segment: c.segment.clone(),
            custom_name: c.custom_name.clone(),
            custom_attributes: c.custom_attributes.clone(),
            state: c.state.clone(),
            customers: r
                .owners
                .iter()
                .map(|o| OwnerView {
                    ref_id: Some(o.customer.id.clone()),
                    external_id: o.customer.external_id.clone(),
                    primary: o.primary,
                })
                .chain(r.awaited_owners.iter().map(|external_id| OwnerView {
                    ref_id: None,
                    external_id: Some(external_id.clone()),
                    primary: false,
                }))
                .collect(),
            bank_account: r.bank.as_ref().map(BankAccountView::from),
            cards: r.cards.iter().map(CardView::from).collect(),
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<&SubscriberRecord> for Subscriber {
    fn from(r: &SubscriberRecord) -> Self {
        let c = &r.common;
        let (resource_type, resource) = match &r.primary_resource {
            Some(p) => (Some(p.resource_type.clone()), Some(p.value.clone())),
            None => (None, None),
        };
        Subscriber {
            id: c.id.clone(),
            external_id: c.external_id.clone(),
            subscriber_profile: c.profile.clone(),
            subscriber_segment: c.segment.clone(),
            custom_name: c.custom_name.clone(),
            custom_attributes: c.custom_attributes.clone(),
            state: c.state.clone(),
            account: RefView::from(&r.account),
            primary_resource_type: resource_type,
            primary_resource: resource,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

impl From<&Record> for Entity {
    fn from(record: &Record) -> Self {
        match record {
            Record::Customer(r) => Entity::Customer(r.into()),
            Record::Account(r) => Entity::Account(r.into()),
            Record::Subscriber(r) => Entity::Subscriber(r.into()),
        }
    }
}

/// Events carry objects as the native door shows them.
pub struct NativeEncoder;

impl EventEncoder for NativeEncoder {
    fn encode(&self, record: &Record) -> String {
        serde_json::to_string(&Entity::from(record)).expect("a view always serialises")
    }
}
