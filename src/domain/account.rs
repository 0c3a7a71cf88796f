//! Accounts: owned by a customer that exists, or by one the account profile creates.

use super::catalog::CatalogRules;
use super::customer::NewCustomer;
use super::entity::{self, CommonSpec, NewEntity, ReferenceSpec};
use super::errors::{FieldCode, FieldErrors};
use super::kind::Kind;
use super::path::Field;
use super::reference::Reference;
use super::time::Timestamp;
use super::Limits;

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
fn owner_from_profile(
    profile: Option<&str>,
    catalog: &CatalogRules,
    at: Timestamp,
) -> Option<NewCustomer> {
    let account_profile = catalog.profile(Kind::Account, profile?)?;
    NewCustomer::from_profile(account_profile.parent_profile?, catalog, at)
}

/// Without a profile, the segment, state and reason are required; without an owning
/// customer, the account profile's customer profile makes the owner.
pub fn plan(
    spec: AccountSpec,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
) -> Result<NewAccount, FieldErrors> {
    let mut errors = FieldErrors::new();
    let profile = spec.common.profile.clone();
    let planned = entity::plan(
        Kind::Account,
        spec.common,
        true,
        catalog,
        limits,
        at,
        &mut errors,
    );
    let owner = match &spec.customer {
        Some(reference) => entity::check_reference(Field::Customer, reference, limits, &mut errors)
            .map(Owner::Existing),
        None => match owner_from_profile(profile.as_deref(), catalog, at) {
            Some(customer) => Some(Owner::Create(customer)),
            None => {
                if profile
                    .as_deref()
                    .is_none_or(|p| catalog.profile(Kind::Account, p).is_some())
                {
                    errors.push(
                        Field::Customer,
                        FieldCode::Required,
                        "give the owning customer, or an account profile whose customer profile creates one",
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
    pub fn from_profile(code: &str, catalog: &CatalogRules, at: Timestamp) -> Option<Self> {
        Some(Self {
            entity: NewEntity::from_profile(Kind::Account, code, catalog, at)?,
            owner: Owner::Create(owner_from_profile(Some(code), catalog, at)?),
        })
    }
}
