//! Accounts: owned by a customer that exists, or by one the account profile creates.

use super::bank::{BankAccount, Card};
use super::catalog::CatalogRules;
use super::customer::NewCustomer;
use super::entity::{self, CommonSpec, NewEntity, ReferenceSpec};
use super::errors::{FieldCode, FieldErrors};
use super::kind::Kind;
use super::object::OnExisting;
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
// Built once per request and moved into the write; a box would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Owner {
    Existing(Reference),
    Create(NewCustomer),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub entity: NewEntity,
    /// The primary owner.
    pub owner: Owner,
    /// The other owners, by external id: linked when stored, else kept as pending links.
    pub co_owners: Vec<String>,
    pub bank: Option<BankAccount>,
    pub cards: Vec<Card>,
    /// What a taken external id means: a duplicate, the same joint account sent again
    /// (`Join`), or the stored account to update (`Update`).
    pub on_existing: OnExisting,
}

impl NewAccount {
    fn of(entity: NewEntity, owner: Owner) -> Self {
        Self {
            entity,
            owner,
            co_owners: Vec::new(),
            bank: None,
            cards: Vec::new(),
            on_existing: OnExisting::Refuse,
        }
    }

    /// Every owner named, the primary first, by external id where it is named so.
    pub fn named_owners(&self) -> impl Iterator<Item = &str> {
        let primary = match &self.owner {
            Owner::Existing(Reference::ExternalId(id)) => Some(id.as_str()),
            _ => None,
        };
        primary
            .into_iter()
            .chain(self.co_owners.iter().map(String::as_str))
    }
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
        (Some(entity), Some(owner)) if errors.is_empty() => Ok(NewAccount::of(entity, owner)),
        _ => Err(errors),
    }
}

impl NewAccount {
    /// An account made from a profile alone, owner included, for a subscriber created
    /// without an account.
    pub fn from_profile(code: &str, catalog: &CatalogRules, at: Timestamp) -> Option<Self> {
        Some(Self::of(
            NewEntity::from_profile(Kind::Account, code, catalog, at)?,
            Owner::Create(owner_from_profile(Some(code), catalog, at)?),
        ))
    }
}
