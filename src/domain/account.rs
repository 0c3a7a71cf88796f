//! Accounts: owned by a customer that exists, or by one the account profile creates.

use super::catalog::CatalogRules;
use super::customer::NewCustomer;
use super::entity::{self, CommonSpec, NewEntity, ReferenceSpec};
use super::errors::{FieldCode, FieldErrors};
use super::reference::Reference;
use super::Limits;
use crate::store::{Kind, NewAccountRow, NewOwner};

#[derive(Debug, Clone, Default)]
pub struct AccountSpec {
    pub common: CommonSpec,
    pub customer: Option<ReferenceSpec>,
}

/// The owner of a new account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Existing(Reference),
    Create(NewCustomer),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub entity: NewEntity,
    pub owner: Owner,
}

/// The customer profile an account profile creates its owner with, if it names one.
fn owner_from_profile(profile: Option<&str>, catalog: &CatalogRules) -> Option<NewCustomer> {
    let account_profile = catalog.profile(Kind::Account, profile?)?;
    NewCustomer::from_profile(account_profile.parent_profile?, catalog)
}

/// Without a profile, `accountSegment`, `state` and `stateReason` are required; without
/// `customer`, the account profile's customer profile makes the owner.
pub fn plan(
    spec: AccountSpec,
    catalog: &CatalogRules,
    limits: &Limits,
) -> Result<NewAccount, FieldErrors> {
    let mut errors = FieldErrors::new();
    let profile = spec.common.profile.clone();
    let planned = entity::plan(
        Kind::Account,
        spec.common,
        true,
        catalog,
        limits,
        &mut errors,
    );
    let owner = match &spec.customer {
        Some(reference) => {
            entity::check_reference("customer", reference, limits, &mut errors).map(Owner::Existing)
        }
        None => match owner_from_profile(profile.as_deref(), catalog) {
            Some(customer) => Some(Owner::Create(customer)),
            None => {
                if profile
                    .as_deref()
                    .is_none_or(|p| catalog.profile(Kind::Account, p).is_some())
                {
                    errors.push(
                        "customer",
                        FieldCode::Required,
                        "give customer, or an accountProfile whose customer profile creates one",
                    );
                }
                None
            }
        },
    };
    match (planned, owner) {
        (Some(entity), Some(owner)) if errors.is_empty() => Ok(NewAccount { entity, owner }),
        _ => Err(errors),
    }
}

impl NewAccount {
    /// An account made from a profile alone, owner included, for a subscriber created
    /// without an account.
    pub fn from_profile(code: &str, catalog: &CatalogRules) -> Option<Self> {
        Some(Self {
            entity: NewEntity::from_profile(Kind::Account, code, catalog)?,
            owner: Owner::Create(owner_from_profile(Some(code), catalog)?),
        })
    }

    /// The rows to store; `new_id` names each object created.
    pub fn into_row(
        self,
        new_id: &mut dyn FnMut() -> String,
        at: super::time::Timestamp,
    ) -> NewAccountRow {
        let owner = match self.owner {
            Owner::Existing(reference) => NewOwner::Existing(reference.into_key()),
            Owner::Create(customer) => NewOwner::Create(Box::new(customer.into_row(new_id(), at))),
        };
        NewAccountRow {
            common: self.entity.into_row(new_id(), at),
            owner,
        }
    }
}
