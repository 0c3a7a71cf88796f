//! A new object of any kind, and batches of them: every item planned before any is
//! written, every problem reported at its item's index.

use super::account::{self, AccountSpec, NewAccount, Owner};
use super::catalog::CatalogRules;
use super::customer::{self, CustomerSpec, NewCustomer};
use super::errors::FieldErrors;
use super::kind::Kind;
use super::path::FieldPath;
use super::subscriber::{self, AccountOf, NewSubscriber, SubscriberSpec};
use super::time::Timestamp;
use super::Limits;

/// A create request of one object, as sent.
#[derive(Debug, Clone)]
pub enum ObjectSpec {
    Customer(CustomerSpec),
    Account(AccountSpec),
    Subscriber(SubscriberSpec),
}

/// What writing a new object does when its external id is stored already. The mode is
/// chosen where the object is planned; the store only follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnExisting {
    /// The id is another object's: the write is refused as a duplicate.
    #[default]
    Refuse,
    /// An account sent again under another of its owners (a joint account): when every
    /// stored owner is among the owners named, it is the same account, and the owners and
    /// cards it lacks are added. Otherwise the id is another account's.
    Join,
    /// A full payload for what is stored (a bank feed's PUT). A customer must be stored; its
    /// bank profile and parent become what was sent. An account is joined as by `Join` and
    /// its bank fields and cards (status, dates) become what was sent; one not stored is
    /// created. Accounts and cards not sent are kept.
    Update,
}

/// An object that passed every rule that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
// Built once per request and moved into the write; a box would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum NewObject {
    Customer(NewCustomer),
    Account(NewAccount),
    Subscriber(NewSubscriber),
}

impl ObjectSpec {
    pub fn kind(&self) -> Kind {
        match self {
            ObjectSpec::Customer(_) => Kind::Customer,
            ObjectSpec::Account(_) => Kind::Account,
            ObjectSpec::Subscriber(_) => Kind::Subscriber,
        }
    }

    /// Applies the kind's create rules.
    pub fn plan(
        self,
        catalog: &CatalogRules,
        limits: &Limits,
        at: Timestamp,
    ) -> Result<NewObject, FieldErrors> {
        match self {
            ObjectSpec::Customer(spec) => {
                customer::plan(spec, catalog, limits, at).map(NewObject::Customer)
            }
            ObjectSpec::Account(spec) => {
                account::plan(spec, catalog, limits, at).map(NewObject::Account)
            }
            ObjectSpec::Subscriber(spec) => {
                subscriber::plan(spec, catalog, limits, at).map(NewObject::Subscriber)
            }
        }
    }
}

impl NewObject {
    /// The new customers the object is or makes (an account's owner made from a profile,
    /// a subscriber's account's), for the write to give each its number.
    pub fn customers_mut(&mut self) -> Vec<&mut NewCustomer> {
        let account = match self {
            NewObject::Customer(customer) => return vec![customer],
            NewObject::Account(account) => account,
            NewObject::Subscriber(subscriber) => match &mut subscriber.account {
                AccountOf::Create(account) => account,
                AccountOf::Existing(_) => return Vec::new(),
            },
        };
        match &mut account.owner {
            Owner::Create(customer) => vec![customer],
            Owner::Existing(_) => Vec::new(),
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            NewObject::Customer(_) => Kind::Customer,
            NewObject::Account(_) => Kind::Account,
            NewObject::Subscriber(_) => Kind::Subscriber,
        }
    }
}

/// Plans every item of a batch; any problem refuses the whole batch, and each problem is
/// reported at the index of its item.
pub fn plan_batch(
    specs: Vec<ObjectSpec>,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
) -> Result<Vec<NewObject>, FieldErrors> {
    let mut planned = Vec::with_capacity(specs.len());
    let mut errors = FieldErrors::new();
    for (index, spec) in specs.into_iter().enumerate() {
        match spec.plan(catalog, limits, at) {
            Ok(object) => planned.push(object),
            Err(problems) => errors.extend(problems.under(&FieldPath::item(index))),
        }
    }
    errors.into_result(planned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;
    use crate::domain::entity::{CommonSpec, StateSpec};
    use crate::domain::errors::FieldCode;

    fn by_profile() -> ObjectSpec {
        ObjectSpec::Customer(CustomerSpec {
            common: CommonSpec {
                profile: Some("b2b".into()),
                ..Default::default()
            },
            ..Default::default()
        })
    }

    #[test]
    fn a_batch_reports_every_problem_at_its_items_index() {
        let rules = Catalog::default().validate(&Limits::default()).unwrap();
        let bad = ObjectSpec::Customer(CustomerSpec {
            common: CommonSpec {
                segment: Some("nope".into()),
                state: Some(StateSpec {
                    state: Some("ACTIVE".into()),
                    state_reason: Some("active".into()),
                }),
                ..Default::default()
            },
            ..Default::default()
        });
        let errors = plan_batch(
            vec![by_profile(), bad.clone(), by_profile(), bad],
            &rules,
            &Limits::default(),
            Timestamp::now(),
        )
        .unwrap_err();
        let found: Vec<_> = errors
            .into_vec()
            .into_iter()
            .map(|e| (e.path.to_string(), e.code))
            .collect();
        assert_eq!(
            found,
            vec![
                ("[1].segment".to_owned(), FieldCode::NotConfigured),
                ("[3].segment".to_owned(), FieldCode::NotConfigured),
            ]
        );
        let planned = plan_batch(
            vec![by_profile(), by_profile()],
            &rules,
            &Limits::default(),
            Timestamp::now(),
        )
        .unwrap();
        assert_eq!(planned.len(), 2);
    }
}
