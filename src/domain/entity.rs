//! The rules every kind of object shares on create: profile, segment, initial state and
//! reason, name and custom attributes.

use super::attributes::{self, Attributes};
use super::card_number::refuse_card_number;
use super::catalog::CatalogRules;
use super::errors::{FieldCode, FieldErrors};
use super::kind::Kind;
use super::path::{Field, FieldPath};
use super::records::Common;
use super::reference::Reference;
use super::state::{State, StateWithReason};
use super::time::Timestamp;
use super::Limits;

/// The fields every create request has, as sent.
#[derive(Debug, Clone, Default)]
pub struct CommonSpec {
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Option<Attributes>,
    pub state: Option<StateSpec>,
}

/// A requested state and reason; doors drop what they accept and ignore (OCS.io's
/// `pending` and `stateValidFrom` on create).
#[derive(Debug, Clone, Default)]
pub struct StateSpec {
    pub state: Option<String>,
    pub state_reason: Option<String>,
}

/// `{refId}` or `{externalId}` as sent; exactly one must be given.
#[derive(Debug, Clone, Default)]
pub struct ReferenceSpec {
    pub ref_id: Option<String>,
    pub external_id: Option<String>,
}

/// The shared part of a new object, every rule passed, with the id and time it is stored under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntity {
    pub id: String,
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Attributes,
    pub state: StateWithReason,
    pub at: Timestamp,
}

/// A new object's id: time-ordered, so listings by id list the oldest first.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl NewEntity {
    /// A new object made wholly from a profile, as when a parent is created for a child.
    pub fn from_profile(
        kind: Kind,
        code: &str,
        catalog: &CatalogRules,
        at: Timestamp,
    ) -> Option<Self> {
        let profile = catalog.profile(kind, code)?;
        Some(Self {
            id: new_id(),
            external_id: None,
            profile: Some(profile.code.to_owned()),
            segment: Some(profile.segment.to_owned()),
            custom_name: None,
            custom_attributes: profile.custom_attributes.clone(),
            state: StateWithReason {
                state: profile.state,
                state_reason: profile.state_reason.to_owned(),
            },
            at,
        })
    }

    /// The object as it reads once stored, without reading it back.
    pub fn stored(&self) -> Common {
        Common {
            id: self.id.clone(),
            external_id: self.external_id.clone(),
            profile: self.profile.clone(),
            segment: self.segment.clone(),
            custom_name: self.custom_name.clone(),
            custom_attributes: self.custom_attributes.clone(),
            state: self.state.clone(),
            created_at: self.at,
            updated_at: self.at,
        }
    }
}

pub fn check_text(
    path: impl Into<FieldPath>,
    value: &str,
    max_chars: usize,
    errors: &mut FieldErrors,
) {
    if value.trim().is_empty() {
        errors.push(path, FieldCode::Required, "must not be empty");
    } else if value.chars().count() > max_chars {
        errors.push(
            path,
            FieldCode::TooLong,
            format!("at most {max_chars} characters"),
        );
    }
}

/// Checks text the registry stores as the client wrote it (ids, names): its length, and
/// that it holds no card number.
pub fn check_free_text<P: Into<FieldPath> + Clone>(
    path: P,
    value: &str,
    max_chars: usize,
    errors: &mut FieldErrors,
) {
    // The path is only made into a `FieldPath` for a problem: a `Field` clones for free.
    check_text(path.clone(), value, max_chars, errors);
    refuse_card_number(path, value, errors);
}

/// Checks a `{refId}` / `{externalId}` object at `field` and turns it into a reference.
pub fn check_reference(
    field: Field,
    spec: &ReferenceSpec,
    limits: &Limits,
    errors: &mut FieldErrors,
) -> Option<Reference> {
    let at = FieldPath::from(field);
    match (&spec.ref_id, &spec.external_id) {
        (Some(id), None) => {
            check_text(at.then(Field::RefId), id, limits.string_chars, errors);
            Some(Reference::RefId(id.clone()))
        }
        (None, Some(id)) => {
            check_text(
                at.then(Field::ExternalId),
                id,
                limits.external_id_chars,
                errors,
            );
            Some(Reference::ExternalId(id.clone()))
        }
        (None, None) => {
            errors.push(at, FieldCode::Required, "give refId or externalId");
            None
        }
        (Some(_), Some(_)) => {
            errors.push(
                at,
                FieldCode::NotAllowed,
                "give refId or externalId, not both",
            );
            None
        }
    }
}

/// Checks a requested state and reason against the catalog. `prefix` is the path of the
/// object holding both (the initial state on create; the request itself on a state change).
pub fn check_state(
    prefix: &FieldPath,
    spec: &StateSpec,
    catalog: &CatalogRules,
    allow_terminal: bool,
    errors: &mut FieldErrors,
) -> Option<StateWithReason> {
    let at = |field: Field| prefix.clone().then(field);
    let state = match spec.state.as_deref() {
        None => {
            errors.push(at(Field::State), FieldCode::Required, "state is required");
            None
        }
        Some(text) => match text.parse::<State>() {
            Ok(State::Deactivated) if !allow_terminal => {
                errors.push(
                    at(Field::State),
                    FieldCode::InvalidState,
                    "an object cannot be created DEACTIVATED",
                );
                None
            }
            Ok(state) => Some(state),
            Err(_) => {
                errors.push(
                    at(Field::State),
                    FieldCode::InvalidFormat,
                    "state is one of INACTIVE, ACTIVE, SUSPENDED, DEACTIVATED",
                );
                None
            }
        },
    };
    let reason = match spec.state_reason.as_deref() {
        None => {
            errors.push(
                at(Field::StateReason),
                FieldCode::Required,
                "stateReason is required",
            );
            None
        }
        Some(reason) => Some(reason),
    };
    let (state, reason) = (state?, reason?);
    if !catalog.reason_is_configured(state, reason) {
        errors.push(
            at(Field::StateReason),
            FieldCode::NotConfigured,
            format!("reason {reason:?} is not configured for state {state}"),
        );
        return None;
    }
    Some(StateWithReason {
        state,
        state_reason: reason.to_owned(),
    })
}

/// Applies the shared create rules: a given profile and segment must be configured, the
/// reason must be configured for the state, request fields override the profile's
/// defaults, and without a profile the state (and, if `segment_required`, the segment)
/// must be given. Problems go to `errors`; `None` when there were any.
pub fn plan(
    kind: Kind,
    spec: CommonSpec,
    segment_required: bool,
    catalog: &CatalogRules,
    limits: &Limits,
    at: Timestamp,
    errors: &mut FieldErrors,
) -> Option<NewEntity> {
    let before = errors.len();
    if let Some(id) = &spec.external_id {
        check_free_text(Field::ExternalId, id, limits.external_id_chars, errors);
    }
    if let Some(name) = &spec.custom_name {
        check_free_text(Field::CustomName, name, limits.string_chars, errors);
    }
    let profile = match spec.profile.as_deref() {
        None => None,
        Some(code) => {
            let found = catalog.profile(kind, code);
            if found.is_none() {
                errors.push(
                    Field::Profile,
                    FieldCode::NotConfigured,
                    format!("{kind} profile {code:?} is not configured"),
                );
            }
            found
        }
    };
    let segment = match (&spec.segment, profile) {
        (Some(segment), _) => {
            if !catalog.has_segment(kind, segment) {
                errors.push(
                    Field::Segment,
                    FieldCode::NotConfigured,
                    format!("{kind} segment {segment:?} is not configured"),
                );
            }
            Some(segment.clone())
        }
        (None, Some(profile)) => Some(profile.segment.to_owned()),
        (None, None) => {
            if spec.profile.is_none() && segment_required {
                errors.push(
                    Field::Segment,
                    FieldCode::Required,
                    format!("a {kind} segment is required when no {kind} profile is given"),
                );
            }
            None
        }
    };
    let state = match (&spec.state, profile) {
        (Some(state), _) => check_state(&Field::State.into(), state, catalog, false, errors),
        (None, Some(profile)) => Some(StateWithReason {
            state: profile.state,
            state_reason: profile.state_reason.to_owned(),
        }),
        (None, None) => {
            if spec.profile.is_none() {
                errors.push(
                    Field::State,
                    FieldCode::Required,
                    format!("state and stateReason are required when no {kind} profile is given"),
                );
            }
            None
        }
    };
    let defaults = profile.map(|p| p.custom_attributes);
    let custom_attributes = match spec.custom_attributes {
        Some(sent) => {
            attributes::check(Field::CustomAttributes, &sent, limits, errors);
            match defaults {
                Some(defaults) if !defaults.is_empty() => {
                    let mut merged = defaults.clone();
                    merged.extend(sent);
                    merged
                }
                _ => sent,
            }
        }
        None => defaults.cloned().unwrap_or_default(),
    };
    if errors.len() > before {
        return None;
    }
    Some(NewEntity {
        id: new_id(),
        external_id: spec.external_id,
        profile: spec.profile,
        segment,
        custom_name: spec.custom_name,
        custom_attributes,
        state: state?,
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;
    use proptest::prelude::*;

    fn rules() -> CatalogRules {
        Catalog::default().validate(&Limits::default()).unwrap()
    }

    proptest! {
        /// Whatever is sent, a state passes only with a reason configured for it, and a new
        /// object never starts DEACTIVATED.
        #[test]
        fn only_configured_pairs_pass(
            state in prop_oneof![
                Just("INACTIVE".to_owned()), Just("ACTIVE".to_owned()), Just("SUSPENDED".to_owned()),
                Just("DEACTIVATED".to_owned()), "[A-Za-z]{0,12}"
            ],
            reason in prop_oneof![
                Just("active".to_owned()), Just("dfltActive".to_owned()), Just("dfltSuspended".to_owned()),
                Just("dfltDeactivated".to_owned()), Just("dfltInactive".to_owned()), "[A-Za-z]{0,12}"
            ],
            allow_terminal in any::<bool>(),
        ) {
            let catalog = rules();
            let mut errors = FieldErrors::new();
            let spec = StateSpec { state: Some(state.clone()), state_reason: Some(reason.clone()) };
            let checked = check_state(&Field::State.into(), &spec, &catalog, allow_terminal, &mut errors);
            let expected = state.parse::<State>().ok().filter(|s| {
                (allow_terminal || *s != State::Deactivated) && catalog.reason_is_configured(*s, &reason)
            });
            prop_assert_eq!(checked.as_ref().map(|c| c.state), expected);
            prop_assert_eq!(errors.is_empty(), expected.is_some());
        }

        /// Request attributes override the profile's, and the profile's others stay.
        #[test]
        fn request_attributes_override_profile_defaults(
            sent in proptest::collection::btree_map("[a-z]{1,8}", "[a-z]{0,8}", 0..10),
        ) {
            let mut document = Catalog::default();
            document.customer_profiles[0].custom_attributes =
                [("tier".to_owned(), "gold".to_owned())].into();
            let catalog = document.validate(&Limits::default()).unwrap();
            let mut errors = FieldErrors::new();
            let spec = CommonSpec {
                profile: Some("b2b".into()),
                custom_attributes: Some(sent.clone()),
                ..Default::default()
            };
            let planned = plan(Kind::Customer, spec, true, &catalog, &Limits::default(), Timestamp::now(), &mut errors)
                .expect("valid");
            for (key, value) in &sent {
                prop_assert_eq!(planned.custom_attributes.get(key), Some(value));
            }
            if !sent.contains_key("tier") {
                prop_assert_eq!(planned.custom_attributes.get("tier").map(String::as_str), Some("gold"));
            }
        }
    }
}
