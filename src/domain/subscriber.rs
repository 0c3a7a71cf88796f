//! Subscribers: the ten rules of OCS.io's CreateSubscriber. Rules 6, 8 and 9 need the
//! database (the account's state, unique external id, unique live primary resource) and
//! are the store's; the others are checked here.

use super::account::NewAccount;
use super::catalog::CatalogRules;
use super::entity::{self, CommonSpec, NewEntity, ReferenceSpec};
use super::errors::{FieldCode, FieldErrors};
use super::kind::Kind;
use super::path::Field;
use super::records::PrimaryResource;
use super::reference::Reference;
use super::time::Timestamp;
use super::Limits;

#[derive(Debug, Clone, Default)]
pub struct SubscriberSpec {
    pub common: CommonSpec,
    pub account: Option<ReferenceSpec>,
    pub primary_resource_type: Option<String>,
    pub primary_resource: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountOf {
    Existing(Reference),
    Create(Box<NewAccount>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscriber {
    pub entity: NewEntity,
    pub account: AccountOf,
    pub primary_resource: Option<PrimaryResource>,
}

/// Rule 10: a primary resource needs a configured type whose pattern it matches.
fn check_resource(
    spec: &SubscriberSpec,
    catalog: &CatalogRules,
    limits: &Limits,
    errors: &mut FieldErrors,
) -> Option<PrimaryResource> {
    match (&spec.primary_resource_type, &spec.primary_resource) {
        (None, None) => None,
        (None, Some(_)) => {
            errors.push(
                Field::PrimaryResourceType,
                FieldCode::Required,
                "a primaryResource needs its primaryResourceType",
            );
            None
        }
        (Some(_), None) => {
            errors.push(
                Field::PrimaryResource,
                FieldCode::Required,
                "primaryResourceType is given without a primaryResource",
            );
            None
        }
        (Some(kind), Some(value)) => {
            entity::check_text(Field::PrimaryResource, value, limits.string_chars, errors);
            match catalog.resource_value_fits(kind, value) {
                None => errors.push(
                    Field::PrimaryResourceType,
                    FieldCode::NotConfigured,
                    format!("resource type {kind:?} is not configured"),
                ),
                Some(false) => errors.push(
                    Field::PrimaryResource,
                    FieldCode::InvalidFormat,
                    format!("not a valid {kind} value"),
                ),
                Some(true) => {}
            }
            Some(PrimaryResource {
                resource_type: kind.clone(),
                value: value.clone(),
            })
        }
    }
}

/// Applies rules 1–5, 7 and 10; without a profile only `state` and `stateReason` are required.
pub fn plan(
    spec: SubscriberSpec,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
) -> Result<NewSubscriber, FieldErrors> {
    let mut errors = FieldErrors::new();
    let resource = check_resource(&spec, catalog, limits, &mut errors);
    let profile = spec.common.profile.clone();
    let planned = entity::plan(
        Kind::Subscriber,
        spec.common,
        false,
        catalog,
        limits,
        at,
        &mut errors,
    );
    let account = match &spec.account {
        Some(reference) => entity::check_reference(Field::Account, reference, limits, &mut errors)
            .map(AccountOf::Existing),
        None => match profile.as_deref() {
            None => {
                errors.push(
                    Field::Profile,
                    FieldCode::Required,
                    "without an account, a subscriber profile is required",
                );
                None
            }
            Some(code) => match catalog.profile(Kind::Subscriber, code) {
                // An unknown profile is reported already.
                None => None,
                Some(profile) => {
                    let created = profile.parent_profile.and_then(|account_profile| {
                        NewAccount::from_profile(account_profile, catalog, at)
                    });
                    if created.is_none() {
                        errors.push(
                            Field::Account,
                            FieldCode::Required,
                            format!(
                                "subscriber profile {code:?} creates no account (its account profile needs a customer profile); give an account"
                            ),
                        );
                    }
                    created.map(|account| AccountOf::Create(Box::new(account)))
                }
            },
        },
    };
    match (planned, account) {
        (Some(entity), Some(account)) if errors.is_empty() => Ok(NewSubscriber {
            entity,
            account,
            primary_resource: resource,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;
    use crate::domain::entity::StateSpec;

    fn rules() -> CatalogRules {
        Catalog::default().validate(&Limits::default()).unwrap()
    }

    fn codes(spec: SubscriberSpec) -> Vec<(String, FieldCode)> {
        plan(spec, &rules(), &Limits::default(), Timestamp::now())
            .unwrap_err()
            .into_vec()
            .into_iter()
            .map(|e| (e.path.to_string(), e.code))
            .collect()
    }

    fn by_account() -> SubscriberSpec {
        SubscriberSpec {
            account: Some(ReferenceSpec {
                external_id: Some("acc".into()),
                ref_id: None,
            }),
            common: CommonSpec {
                state: Some(StateSpec {
                    state: Some("ACTIVE".into()),
                    state_reason: Some("dfltActive".into()),
                }),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn by_profile_without_account_creates_account_and_customer() {
        let planned = plan(
            SubscriberSpec {
                common: CommonSpec {
                    profile: Some("internetOnly".into()),
                    ..Default::default()
                },
                ..Default::default()
            },
            &rules(),
            &Limits::default(),
            Timestamp::now(),
        )
        .unwrap();
        let AccountOf::Create(account) = planned.account else {
            panic!("an account should be created");
        };
        assert_eq!(account.entity.profile.as_deref(), Some("standard"));
        assert!(matches!(
            account.owner,
            crate::domain::account::Owner::Create(_)
        ));
        assert_eq!(planned.entity.segment.as_deref(), Some("topUploader"));
    }

    #[test]
    fn without_account_a_profile_is_required() {
        let mut spec = by_account();
        spec.account = None;
        assert_eq!(
            codes(spec),
            vec![("profile".to_owned(), FieldCode::Required)]
        );
    }

    #[test]
    fn without_profile_state_is_required_but_segment_is_not() {
        let mut spec = by_account();
        spec.common.state = None;
        assert_eq!(codes(spec), vec![("state".to_owned(), FieldCode::Required)]);
        assert!(plan(by_account(), &rules(), &Limits::default(), Timestamp::now()).is_ok());
    }

    #[test]
    fn a_primary_resource_needs_a_configured_type_it_fits() {
        let mut spec = by_account();
        spec.primary_resource = Some("421900123456".into());
        assert_eq!(
            codes(spec.clone()),
            vec![("primaryResourceType".to_owned(), FieldCode::Required)]
        );
        spec.primary_resource_type = Some("IMSI".into());
        assert_eq!(
            codes(spec.clone()),
            vec![("primaryResourceType".to_owned(), FieldCode::NotConfigured)]
        );
        spec.primary_resource_type = Some("MSISDN".into());
        spec.primary_resource = Some("12ab".into());
        assert_eq!(
            codes(spec.clone()),
            vec![("primaryResource".to_owned(), FieldCode::InvalidFormat)]
        );
        spec.primary_resource = Some("421900123456".into());
        let planned = plan(spec, &rules(), &Limits::default(), Timestamp::now()).unwrap();
        assert_eq!(
            planned.primary_resource,
            Some(PrimaryResource {
                resource_type: "MSISDN".to_owned(),
                value: "421900123456".to_owned()
            })
        );
    }
}
