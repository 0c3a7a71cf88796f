//! Objects as every door reads them: the native representation, also the change feed's data.

use serde::Serialize;
use utoipa::ToSchema;

use super::attributes::Attributes;
use super::reference::RefView;
use super::state::{State, StateWithReason};
use super::time::Timestamp;
use crate::store::{AccountRow, Common, CustomerRow, EntityRow, SubscriberRow};

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
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: Timestamp,
}

/// One owning customer of an account; exactly one is `primary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OwnerView {
    pub ref_id: String,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Entity {
    Customer(Customer),
    Account(Account),
    Subscriber(Subscriber),
}

impl Entity {
    pub fn id(&self) -> &str {
        match self {
            Entity::Customer(c) => &c.id,
            Entity::Account(a) => &a.id,
            Entity::Subscriber(s) => &s.id,
        }
    }
}

/// A stored row that cannot be shown: a state the domain does not know.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadRow(String);

fn state(common: &Common) -> Result<StateWithReason, BadRow> {
    let state = common.state.parse::<State>().map_err(|_| {
        BadRow(format!(
            "{} has unknown state {:?}",
            common.id, common.state
        ))
    })?;
    Ok(StateWithReason {
        state,
        state_reason: common.state_reason.clone(),
    })
}

impl TryFrom<CustomerRow> for Customer {
    type Error = BadRow;
    fn try_from(row: CustomerRow) -> Result<Self, BadRow> {
        let state = state(&row.common)?;
        let c = row.common;
        Ok(Customer {
            id: c.id,
            external_id: c.external_id,
            customer_profile: c.profile,
            customer_segment: c.segment,
            custom_name: c.custom_name,
            custom_attributes: c.custom_attributes,
            state,
            test_customer: row.test_customer,
            parent: row.parent_id.map(|ref_id| RefView {
                ref_id,
                external_id: row.parent_external_id,
            }),
            created_at: Timestamp::from_micros(c.created_at),
            updated_at: Timestamp::from_micros(c.updated_at),
        })
    }
}

impl TryFrom<AccountRow> for Account {
    type Error = BadRow;
    fn try_from(row: AccountRow) -> Result<Self, BadRow> {
        let state = state(&row.common)?;
        let c = row.common;
        Ok(Account {
            id: c.id,
            external_id: c.external_id,
            account_profile: c.profile,
            account_segment: c.segment,
            custom_name: c.custom_name,
            custom_attributes: c.custom_attributes,
            state,
            customers: row
                .owners
                .into_iter()
                .map(|o| OwnerView {
                    ref_id: o.customer_id,
                    external_id: o.external_id,
                    primary: o.primary,
                })
                .collect(),
            created_at: Timestamp::from_micros(c.created_at),
            updated_at: Timestamp::from_micros(c.updated_at),
        })
    }
}

impl TryFrom<SubscriberRow> for Subscriber {
    type Error = BadRow;
    fn try_from(row: SubscriberRow) -> Result<Self, BadRow> {
        let state = state(&row.common)?;
        let c = row.common;
        Ok(Subscriber {
            id: c.id,
            external_id: c.external_id,
            subscriber_profile: c.profile,
            subscriber_segment: c.segment,
            custom_name: c.custom_name,
            custom_attributes: c.custom_attributes,
            state,
            account: RefView {
                ref_id: row.account_id,
                external_id: row.account_external_id,
            },
            primary_resource_type: row.primary_resource_type,
            primary_resource: row.primary_resource,
            created_at: Timestamp::from_micros(c.created_at),
            updated_at: Timestamp::from_micros(c.updated_at),
        })
    }
}

impl TryFrom<EntityRow> for Entity {
    type Error = BadRow;
    fn try_from(row: EntityRow) -> Result<Self, BadRow> {
        Ok(match row {
            EntityRow::Customer(row) => Entity::Customer(row.try_into()?),
            EntityRow::Account(row) => Entity::Account(row.try_into()?),
            EntityRow::Subscriber(row) => Entity::Subscriber(row.try_into()?),
        })
    }
}
