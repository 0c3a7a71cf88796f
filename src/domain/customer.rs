//! Customers: the create rules of API.md and OCS.io's CreateCustomer.

use super::bank::BankProfile;
use super::catalog::CatalogRules;
use super::contact::spec::DetailsSpec;
use super::contact::{self, ContactDetails};
use super::entity::{self, CommonSpec, NewEntity, ReferenceSpec};
use super::errors::FieldErrors;
use super::kind::Kind;
use super::number::Numbered;
use super::object::OnExisting;
use super::outcome::Created;
use super::path::Field;
use super::records::{CustomerRecord, Record};
use super::reference::Reference;
use super::time::Timestamp;
use super::Limits;

/// A create request as the client sent it, types already checked, rules not yet.
#[derive(Debug, Clone, Default)]
pub struct CustomerSpec {
    pub common: CommonSpec,
    pub test_customer: Option<bool>,
    pub parent: Option<ReferenceSpec>,
    /// Contact data, as the eGain door sends it.
    pub contact: Option<DetailsSpec>,
}

/// A customer that passed every rule that needs no database; ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub entity: NewEntity,
    pub test_customer: bool,
    /// A parent that must exist and be live.
    pub parent: Option<Reference>,
    /// A parent named by external id that may not be stored yet: linked when it is there,
    /// else kept as a pending link until it arrives (bank feeds come in any order).
    pub awaited_parent: Option<String>,
    pub bank: Option<BankProfile>,
    pub contact: Option<ContactDetails>,
    /// The customer's number, given by the write pipeline just before the write.
    pub number: Option<Numbered>,
    /// `Update` for a customer that must be stored, whose bank profile and parent the
    /// write replaces.
    pub on_existing: OnExisting,
}

/// Without a profile, the segment, state and reason are required.
pub fn plan(
    spec: CustomerSpec,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
) -> Result<NewCustomer, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mut common = spec.common;
    // A customer sent with contact data (through the eGain door) takes what it does not
    // say from the profile the catalog names for that door.
    if spec.contact.is_some() && common.profile.is_none() {
        common.profile = Some(catalog.contact().customer_profile.clone());
    }
    let planned = entity::plan(
        Kind::Customer,
        common,
        true,
        catalog,
        limits,
        at,
        &mut errors,
    );
    let parent = spec
        .parent
        .as_ref()
        .and_then(|p| entity::check_reference(Field::Parent, p, limits, &mut errors));
    let contact = match spec.contact {
        Some(mut details) => {
            // Ids are the registry's to give: one a create names is not taken.
            for person in &mut details.persons {
                person.id = None;
                for point in &mut person.points {
                    point.id = None;
                }
            }
            match contact::rules::plan(details, catalog, limits, at, &mut entity::new_id) {
                Ok(details) => Some(details),
                Err(problems) => {
                    errors.extend(problems);
                    None
                }
            }
        }
        None => None,
    };
    match planned {
        Some(entity) if errors.is_empty() => Ok(NewCustomer {
            entity,
            test_customer: spec.test_customer.unwrap_or(false),
            parent,
            awaited_parent: None,
            bank: None,
            contact,
            number: None,
            on_existing: OnExisting::Refuse,
        }),
        _ => Err(errors),
    }
}

impl NewCustomer {
    /// Whether the customer links to nothing and carries nothing stored beside it: no
    /// parent, none awaited, no contact data, and its number given. Such a customer is
    /// stored as [`Self::stored_unlinked`] says, unless a link stored earlier awaits it.
    pub fn links_nothing(&self) -> bool {
        self.on_existing == OnExisting::Refuse
            && self.parent.is_none()
            && self.awaited_parent.is_none()
            && self.contact.is_none()
            && self.number.is_some()
    }

    /// What creating the customer comes to when it [links to nothing](Self::links_nothing):
    /// the customer as stored, with nothing else created for it.
    pub fn created_unlinked(&self) -> Created {
        let stored = CustomerRecord {
            common: self.entity.stored(),
            test_customer: self.test_customer,
            parent: None,
            awaited_parent: None,
            bank: self.bank.clone(),
            number: self.number.map(|n| n.number),
            contact: None,
        };
        Created::new(Record::Customer(stored), Vec::new())
    }

    /// A customer made from a profile alone, for an account created without an owner.
    pub fn from_profile(code: &str, catalog: &CatalogRules, at: Timestamp) -> Option<Self> {
        Some(Self {
            entity: NewEntity::from_profile(Kind::Customer, code, catalog, at)?,
            test_customer: false,
            parent: None,
            awaited_parent: None,
            bank: None,
            contact: None,
            number: None,
            on_existing: OnExisting::Refuse,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;
    use crate::domain::entity::StateSpec;
    use crate::domain::errors::FieldCode;
    use crate::domain::state::State;

    fn rules() -> CatalogRules {
        Catalog::default().validate(&Limits::default()).unwrap()
    }

    fn codes(errors: FieldErrors) -> Vec<(String, FieldCode)> {
        errors
            .into_vec()
            .into_iter()
            .map(|e| (e.path.to_string(), e.code))
            .collect()
    }

    fn spec(common: CommonSpec) -> CustomerSpec {
        CustomerSpec {
            common,
            ..Default::default()
        }
    }

    #[test]
    fn a_profile_fills_segment_state_and_attributes() {
        let planned = plan(
            spec(CommonSpec {
                profile: Some("b2b".into()),
                custom_attributes: Some([("k".to_owned(), "v".to_owned())].into()),
                ..Default::default()
            }),
            &rules(),
            &Limits::default(),
            Timestamp::now(),
        )
        .unwrap();
        assert_eq!(planned.entity.segment.as_deref(), Some("b2b"));
        assert_eq!(planned.entity.state.state, State::Active);
        assert_eq!(planned.entity.state.state_reason, "active");
        assert_eq!(
            planned
                .entity
                .custom_attributes
                .get("k")
                .map(String::as_str),
            Some("v")
        );
        assert!(!planned.test_customer);
    }

    #[test]
    fn request_fields_override_the_profile() {
        let planned = plan(
            spec(CommonSpec {
                profile: Some("b2b".into()),
                segment: Some("b2c".into()),
                state: Some(StateSpec {
                    state: Some("SUSPENDED".into()),
                    state_reason: Some("dfltSuspended".into()),
                }),
                ..Default::default()
            }),
            &rules(),
            &Limits::default(),
            Timestamp::now(),
        )
        .unwrap();
        assert_eq!(planned.entity.segment.as_deref(), Some("b2c"));
        assert_eq!(planned.entity.state.state, State::Suspended);
    }

    #[test]
    fn without_a_profile_segment_and_state_are_required() {
        let found = codes(
            plan(
                CustomerSpec::default(),
                &rules(),
                &Limits::default(),
                Timestamp::now(),
            )
            .unwrap_err(),
        );
        assert_eq!(
            found,
            vec![
                ("segment".to_owned(), FieldCode::Required),
                ("state".to_owned(), FieldCode::Required),
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let found = codes(
            plan(
                CustomerSpec {
                    common: CommonSpec {
                        external_id: Some("x".repeat(129)),
                        profile: Some("b2c-gold".into()),
                        segment: Some("nope".into()),
                        state: Some(StateSpec {
                            state: Some("ACTIVE".into()),
                            state_reason: Some("dfltSuspended".into()),
                        }),
                        ..Default::default()
                    },
                    parent: Some(ReferenceSpec::default()),
                    ..Default::default()
                },
                &rules(),
                &Limits::default(),
                Timestamp::now(),
            )
            .unwrap_err(),
        );
        assert_eq!(
            found,
            vec![
                ("externalId".to_owned(), FieldCode::TooLong),
                ("profile".to_owned(), FieldCode::NotConfigured),
                ("segment".to_owned(), FieldCode::NotConfigured),
                ("state.stateReason".to_owned(), FieldCode::NotConfigured),
                ("parent".to_owned(), FieldCode::Required),
            ]
        );
    }

    #[test]
    fn a_customer_cannot_be_created_deactivated() {
        let found = codes(
            plan(
                spec(CommonSpec {
                    segment: Some("b2b".into()),
                    state: Some(StateSpec {
                        state: Some("DEACTIVATED".into()),
                        state_reason: Some("dfltDeactivated".into()),
                    }),
                    ..Default::default()
                }),
                &rules(),
                &Limits::default(),
                Timestamp::now(),
            )
            .unwrap_err(),
        );
        assert_eq!(
            found,
            vec![("state.state".to_owned(), FieldCode::InvalidState)]
        );
    }
}
