//! The rules every kind of object shares on create: profile, segment, initial state and
//! reason, name and custom attributes; and the names each kind gives those fields.

use super::attributes::{self, Attributes};
use super::catalog::CatalogRules;
use super::errors::{FieldCode, FieldErrors};
use super::reference::Reference;
use super::state::{State, StateWithReason};
use super::time::Timestamp;
use super::Limits;
use crate::store::{Kind, NewCommon, RefKey};

/// The request's field names for a kind.
pub fn profile_field(kind: Kind) -> &'static str {
    match kind {
        Kind::Customer => "customerProfile",
        Kind::Account => "accountProfile",
        Kind::Subscriber => "subscriberProfile",
    }
}

pub fn segment_field(kind: Kind) -> &'static str {
    match kind {
        Kind::Customer => "customerSegment",
        Kind::Account => "accountSegment",
        Kind::Subscriber => "subscriberSegment",
    }
}

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

/// The `state` object of a request; `pending` and `stateValidFrom` are accepted and ignored on create.
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

/// The shared part of a new object, every rule passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntity {
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Attributes,
    pub state: StateWithReason,
}

impl NewEntity {
    /// A new object made wholly from a profile, as when a parent is created for a child.
    pub fn from_profile(kind: Kind, code: &str, catalog: &CatalogRules) -> Option<Self> {
        let profile = catalog.profile(kind, code)?;
        Some(Self {
            external_id: None,
            profile: Some(profile.code.to_owned()),
            segment: Some(profile.segment.to_owned()),
            custom_name: None,
            custom_attributes: profile.custom_attributes.clone(),
            state: StateWithReason {
                state: profile.state,
                state_reason: profile.state_reason.to_owned(),
            },
        })
    }

    pub fn into_row(self, id: String, at: Timestamp) -> NewCommon {
        NewCommon {
            id,
            external_id: self.external_id,
            profile: self.profile,
            segment: self.segment,
            custom_name: self.custom_name,
            custom_attributes: self.custom_attributes,
            state: self.state.state.as_str().to_owned(),
            state_reason: self.state.state_reason,
            at: at.micros(),
        }
    }
}

pub fn check_text(field: &str, value: &str, max_chars: usize, errors: &mut FieldErrors) {
    if value.trim().is_empty() {
        errors.push(field, FieldCode::Required, "must not be empty");
    } else if value.chars().count() > max_chars {
        errors.push(
            field,
            FieldCode::TooLong,
            format!("at most {max_chars} characters"),
        );
    }
}

/// Checks a `{refId}` / `{externalId}` object and turns it into a reference.
pub fn check_reference(
    field: &str,
    spec: &ReferenceSpec,
    limits: &Limits,
    errors: &mut FieldErrors,
) -> Option<Reference> {
    match (&spec.ref_id, &spec.external_id) {
        (Some(id), None) => {
            check_text(&format!("{field}.refId"), id, limits.string_chars, errors);
            Some(Reference::RefId(id.clone()))
        }
        (None, Some(id)) => {
            check_text(
                &format!("{field}.externalId"),
                id,
                limits.external_id_chars,
                errors,
            );
            Some(Reference::ExternalId(id.clone()))
        }
        (None, None) => {
            errors.push(field, FieldCode::Required, "give refId or externalId");
            None
        }
        (Some(_), Some(_)) => {
            errors.push(
                field,
                FieldCode::NotAllowed,
                "give refId or externalId, not both",
            );
            None
        }
    }
}

impl Reference {
    pub fn into_key(self) -> RefKey {
        match self {
            Reference::RefId(id) => RefKey::Id(id),
            Reference::ExternalId(id) => RefKey::ExternalId(id),
        }
    }
}

/// Checks a requested state and reason against the catalog. `prefix` is the path of the
/// object holding `state` and `stateReason` (`"state"` on create, `""` on a state change).
pub fn check_state(
    prefix: &str,
    spec: &StateSpec,
    catalog: &CatalogRules,
    allow_terminal: bool,
    errors: &mut FieldErrors,
) -> Option<StateWithReason> {
    let at = |member: &str| super::errors::path(prefix, member);
    let state = match spec.state.as_deref() {
        None => {
            errors.push(at("state"), FieldCode::Required, "state is required");
            None
        }
        Some(text) => match text.parse::<State>() {
            Ok(State::Deactivated) if !allow_terminal => {
                errors.push(
                    at("state"),
                    FieldCode::InvalidState,
                    "an object cannot be created DEACTIVATED",
                );
                None
            }
            Ok(state) => Some(state),
            Err(_) => {
                errors.push(
                    at("state"),
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
                at("stateReason"),
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
            at("stateReason"),
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
    errors: &mut FieldErrors,
) -> Option<NewEntity> {
    let before = errors.as_slice().len();
    if let Some(id) = &spec.external_id {
        check_text("externalId", id, limits.external_id_chars, errors);
    }
    if let Some(name) = &spec.custom_name {
        check_text("customName", name, limits.string_chars, errors);
    }
    let profile = match spec.profile.as_deref() {
        None => None,
        Some(code) => {
            let found = catalog.profile(kind, code);
            if found.is_none() {
                errors.push(
                    profile_field(kind),
                    FieldCode::NotConfigured,
                    format!("{} {code:?} is not configured", profile_field(kind)),
                );
            }
            found
        }
    };
    let segment = match (&spec.segment, profile) {
        (Some(segment), _) => {
            if !catalog.has_segment(kind, segment) {
                errors.push(
                    segment_field(kind),
                    FieldCode::NotConfigured,
                    format!("{} {segment:?} is not configured", segment_field(kind)),
                );
            }
            Some(segment.clone())
        }
        (None, Some(profile)) => Some(profile.segment.to_owned()),
        (None, None) => {
            if spec.profile.is_none() && segment_required {
                errors.push(
                    segment_field(kind),
                    FieldCode::Required,
                    format!(
                        "{} is required when no {} is given",
                        segment_field(kind),
                        profile_field(kind)
                    ),
                );
            }
            None
        }
    };
    let state = match (&spec.state, profile) {
        (Some(state), _) => check_state("state", state, catalog, false, errors),
        (None, Some(profile)) => Some(StateWithReason {
            state: profile.state,
            state_reason: profile.state_reason.to_owned(),
        }),
        (None, None) => {
            if spec.profile.is_none() {
                errors.push(
                    "state",
                    FieldCode::Required,
                    format!(
                        "state and stateReason are required when no {} is given",
                        profile_field(kind)
                    ),
                );
            }
            None
        }
    };
    let mut custom_attributes = profile
        .map(|p| p.custom_attributes.clone())
        .unwrap_or_default();
    if let Some(sent) = &spec.custom_attributes {
        attributes::check("customAttributes", sent, limits, errors);
        custom_attributes.extend(sent.clone());
    }
    if errors.as_slice().len() > before {
        return None;
    }
    Some(NewEntity {
        external_id: spec.external_id,
        profile: spec.profile,
        segment,
        custom_name: spec.custom_name,
        custom_attributes,
        state: state?,
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
            let checked = check_state("state", &spec, &catalog, allow_terminal, &mut errors);
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
            let planned = plan(Kind::Customer, spec, true, &catalog, &Limits::default(), &mut errors)
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
