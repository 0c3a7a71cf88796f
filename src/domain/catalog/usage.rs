//! What a tenant's stored objects use of its catalog, so that a new catalog cannot take a
//! value away from under them: an object whose profile, segment or state reason is gone
//! could no longer be changed or even deactivated.

use std::collections::BTreeSet;

use super::CatalogRules;
use crate::domain::errors::{FieldCode, FieldErrors};
use crate::domain::path::FieldPath;
use crate::domain::state::State;
use crate::domain::Kind;

/// The catalog values stored objects hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogUsage {
    pub profiles: BTreeSet<(Kind, String)>,
    pub segments: BTreeSet<(Kind, String)>,
    pub reasons: BTreeSet<(State, String)>,
    pub resource_types: BTreeSet<String>,
    /// Whether the tenant stores any object at all.
    pub any: bool,
}

fn profiles_member(kind: Kind) -> &'static str {
    match kind {
        Kind::Customer => "customerProfiles",
        Kind::Account => "accountProfiles",
        Kind::Subscriber => "subscriberProfiles",
    }
}

fn segments_member(kind: Kind) -> &'static str {
    match kind {
        Kind::Customer => "customerSegments",
        Kind::Account => "accountSegments",
        Kind::Subscriber => "subscriberSegments",
    }
}

impl CatalogUsage {
    /// Every value stored objects use that `catalog` does not have, each at the member
    /// that would have to keep it; and a catalog without a reason to deactivate, while
    /// objects are stored.
    pub fn removed_by(&self, catalog: &CatalogRules) -> FieldErrors {
        let mut errors = FieldErrors::new();
        for (kind, code) in &self.profiles {
            if catalog.profile(*kind, code).is_none() {
                errors.push(
                    FieldPath::member(profiles_member(*kind)),
                    FieldCode::NotAllowed,
                    format!("profile {code:?} is used by stored {kind}s and must stay"),
                );
            }
        }
        for (kind, segment) in &self.segments {
            if !catalog.has_segment(*kind, segment) {
                errors.push(
                    FieldPath::member(segments_member(*kind)),
                    FieldCode::NotAllowed,
                    format!("segment {segment:?} is used by stored {kind}s and must stay"),
                );
            }
        }
        for (state, reason) in &self.reasons {
            if !catalog.reason_is_configured(*state, reason) {
                errors.push(
                    FieldPath::member("states").key(state.as_str()),
                    FieldCode::NotAllowed,
                    format!("reason {reason:?} is held by stored objects in {state} and must stay"),
                );
            }
        }
        for code in &self.resource_types {
            if catalog.resource_value_fits(code, "").is_none() {
                errors.push(
                    FieldPath::member("resourceTypes"),
                    FieldCode::NotAllowed,
                    format!("resource type {code:?} is used by stored subscribers and must stay"),
                );
            }
        }
        let can_deactivate = catalog
            .document()
            .states
            .get(&State::Deactivated)
            .is_some_and(|reasons| !reasons.is_empty());
        if self.any && !can_deactivate {
            errors.push(
                FieldPath::member("states").key(State::Deactivated.as_str()),
                FieldCode::Required,
                "stored objects must stay deactivatable: keep a reason for DEACTIVATED",
            );
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;
    use crate::domain::Limits;

    fn rules(catalog: Catalog) -> CatalogRules {
        catalog.validate(&Limits::default()).unwrap()
    }

    #[test]
    fn what_stored_objects_use_must_stay() {
        let usage = CatalogUsage {
            profiles: [(Kind::Customer, "b2b".to_owned())].into(),
            segments: [(Kind::Subscriber, "topUploader".to_owned())].into(),
            reasons: [(State::Suspended, "dfltSuspended".to_owned())].into(),
            resource_types: ["MSISDN".to_owned()].into(),
            any: true,
        };
        assert!(usage.removed_by(&rules(Catalog::default())).is_empty());
        let mut smaller = Catalog::default();
        smaller.customer_profiles.retain(|p| p.code != "b2b");
        smaller.account_profiles.retain(|p| p.code != "standard");
        smaller.subscriber_profiles.clear();
        smaller.subscriber_segments.clear();
        smaller.states.remove(&State::Suspended);
        smaller.states.remove(&State::Deactivated);
        smaller.resource_types.clear();
        let found: Vec<(String, FieldCode)> = usage
            .removed_by(&rules(smaller))
            .into_vec()
            .into_iter()
            .map(|e| (e.path.to_string(), e.code))
            .collect();
        assert_eq!(
            found,
            vec![
                ("customerProfiles".to_owned(), FieldCode::NotAllowed),
                ("subscriberSegments".to_owned(), FieldCode::NotAllowed),
                ("states.SUSPENDED".to_owned(), FieldCode::NotAllowed),
                ("resourceTypes".to_owned(), FieldCode::NotAllowed),
                ("states.DEACTIVATED".to_owned(), FieldCode::Required),
            ]
        );
        let nothing_stored = CatalogUsage::default();
        let mut bare = Catalog::default();
        bare.states.remove(&State::Deactivated);
        assert!(nothing_stored.removed_by(&rules(bare)).is_empty());
    }
}
