//! Customers: the rules a create request must pass, and the stored customer.

use serde::Serialize;
use utoipa::ToSchema;

use super::attributes::{self, Attributes};
use super::catalog::CatalogRules;
use super::errors::{FieldCode, FieldErrors};
use super::reference::{RefView, Reference};
use super::state::{State, StateWithReason};
use super::time::Timestamp;
use super::Limits;

/// A create request as the client sent it, types already checked, rules not yet.
#[derive(Debug, Clone, Default)]
pub struct CustomerSpec {
    pub external_id: Option<String>,
    pub customer_profile: Option<String>,
    pub customer_segment: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Option<Attributes>,
    pub state: Option<StateSpec>,
    pub test_customer: Option<bool>,
    pub parent: Option<ReferenceSpec>,
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

/// A customer that passed every rule that needs no database; ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    pub external_id: Option<String>,
    pub customer_profile: Option<String>,
    pub customer_segment: String,
    pub custom_name: Option<String>,
    pub custom_attributes: Attributes,
    pub state: StateWithReason,
    pub test_customer: bool,
    pub parent: Option<Reference>,
}

/// A stored customer, in the shape every door reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    pub external_id: Option<String>,
    pub customer_profile: Option<String>,
    pub customer_segment: String,
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

/// Checks a requested state and reason against the catalog; a new object cannot start DEACTIVATED.
pub fn check_initial_state(
    field: &str,
    spec: &StateSpec,
    catalog: &CatalogRules,
    errors: &mut FieldErrors,
) -> Option<StateWithReason> {
    let state = match spec.state.as_deref() {
        None => {
            errors.push(
                format!("{field}.state"),
                FieldCode::Required,
                "state is required",
            );
            None
        }
        Some(text) => match text.parse::<State>() {
            Ok(State::Deactivated) => {
                errors.push(
                    format!("{field}.state"),
                    FieldCode::InvalidState,
                    "an object cannot be created DEACTIVATED",
                );
                None
            }
            Ok(state) => Some(state),
            Err(_) => {
                errors.push(
                    format!("{field}.state"),
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
                format!("{field}.stateReason"),
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
            format!("{field}.stateReason"),
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

/// Applies the create rules of API.md and OCS.io's CreateCustomer, collecting every problem.
pub fn plan(
    spec: CustomerSpec,
    catalog: &CatalogRules,
    limits: &Limits,
) -> Result<NewCustomer, FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Some(id) = &spec.external_id {
        check_text("externalId", id, limits.external_id_chars, &mut errors);
    }
    if let Some(name) = &spec.custom_name {
        check_text("customName", name, limits.string_chars, &mut errors);
    }
    let profile = match spec.customer_profile.as_deref() {
        None => None,
        Some(code) => {
            let found = catalog.customer_profile(code);
            if found.is_none() {
                errors.push(
                    "customerProfile",
                    FieldCode::NotConfigured,
                    format!("customer profile {code:?} is not configured"),
                );
            }
            found
        }
    };
    let segment = match (&spec.customer_segment, profile) {
        (Some(segment), _) => {
            if !catalog.has_customer_segment(segment) {
                errors.push(
                    "customerSegment",
                    FieldCode::NotConfigured,
                    format!("customer segment {segment:?} is not configured"),
                );
            }
            Some(segment.clone())
        }
        (None, Some(profile)) => Some(profile.segment.clone()),
        (None, None) => {
            if spec.customer_profile.is_none() {
                errors.push(
                    "customerSegment",
                    FieldCode::Required,
                    "customerSegment is required when no customerProfile is given",
                );
            }
            None
        }
    };
    let state = match (&spec.state, profile) {
        (Some(state), _) => check_initial_state("state", state, catalog, &mut errors),
        (None, Some(profile)) => Some(StateWithReason {
            state: profile.state,
            state_reason: profile.state_reason.clone(),
        }),
        (None, None) => {
            if spec.customer_profile.is_none() {
                errors.push(
                    "state",
                    FieldCode::Required,
                    "state and stateReason are required when no customerProfile is given",
                );
            }
            None
        }
    };
    let mut custom_attributes = profile
        .map(|p| p.custom_attributes.clone())
        .unwrap_or_default();
    if let Some(sent) = &spec.custom_attributes {
        attributes::check("customAttributes", sent, limits, &mut errors);
        custom_attributes.extend(sent.clone());
    }
    let parent = spec
        .parent
        .as_ref()
        .and_then(|p| check_reference("parent", p, limits, &mut errors));
    errors.into_result(())?;
    Ok(NewCustomer {
        external_id: spec.external_id,
        customer_profile: spec.customer_profile,
        customer_segment: segment.expect("checked above"),
        custom_name: spec.custom_name,
        custom_attributes,
        state: state.expect("checked above"),
        test_customer: spec.test_customer.unwrap_or(false),
        parent,
    })
}

impl NewCustomer {
    /// The row to store, under the id and time the caller chose.
    pub fn into_row(self, id: String, at: Timestamp) -> crate::store::NewCustomerRow {
        use crate::store::RefKey;
        crate::store::NewCustomerRow {
            id,
            external_id: self.external_id,
            profile: self.customer_profile,
            segment: self.customer_segment,
            custom_name: self.custom_name,
            custom_attributes: self.custom_attributes,
            state: self.state.state.as_str().to_owned(),
            state_reason: self.state.state_reason,
            test_customer: self.test_customer,
            parent: self.parent.map(|p| match p {
                Reference::RefId(id) => RefKey::Id(id),
                Reference::ExternalId(id) => RefKey::ExternalId(id),
            }),
            at: at.micros(),
        }
    }
}

impl TryFrom<crate::store::CustomerRow> for Customer {
    type Error = String;

    fn try_from(row: crate::store::CustomerRow) -> Result<Self, Self::Error> {
        let state = row
            .state
            .parse::<State>()
            .map_err(|_| format!("customer {} has unknown state {:?}", row.id, row.state))?;
        Ok(Customer {
            id: row.id,
            external_id: row.external_id,
            customer_profile: row.profile,
            customer_segment: row.segment,
            custom_name: row.custom_name,
            custom_attributes: row.custom_attributes,
            state: StateWithReason {
                state,
                state_reason: row.state_reason,
            },
            test_customer: row.test_customer,
            parent: row.parent_id.map(|ref_id| RefView {
                ref_id,
                external_id: row.parent_external_id,
            }),
            created_at: Timestamp::from_micros(row.created_at),
            updated_at: Timestamp::from_micros(row.updated_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalog::Catalog;

    fn rules() -> CatalogRules {
        Catalog::default().validate(&Limits::default()).unwrap()
    }

    fn codes(errors: FieldErrors) -> Vec<(String, FieldCode)> {
        errors
            .into_vec()
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    }

    #[test]
    fn a_profile_fills_segment_state_and_attributes() {
        let spec = CustomerSpec {
            customer_profile: Some("b2b".into()),
            custom_attributes: Some([("k".to_owned(), "v".to_owned())].into()),
            ..Default::default()
        };
        let planned = plan(spec, &rules(), &Limits::default()).unwrap();
        assert_eq!(planned.customer_segment, "b2b");
        assert_eq!(planned.state.state, State::Active);
        assert_eq!(planned.state.state_reason, "active");
        assert_eq!(
            planned.custom_attributes.get("k").map(String::as_str),
            Some("v")
        );
        assert!(!planned.test_customer);
    }

    #[test]
    fn request_fields_override_the_profile() {
        let spec = CustomerSpec {
            customer_profile: Some("b2b".into()),
            customer_segment: Some("b2c".into()),
            state: Some(StateSpec {
                state: Some("SUSPENDED".into()),
                state_reason: Some("dfltSuspended".into()),
            }),
            ..Default::default()
        };
        let planned = plan(spec, &rules(), &Limits::default()).unwrap();
        assert_eq!(planned.customer_segment, "b2c");
        assert_eq!(planned.state.state, State::Suspended);
    }

    #[test]
    fn without_a_profile_segment_and_state_are_required() {
        let found = codes(plan(CustomerSpec::default(), &rules(), &Limits::default()).unwrap_err());
        assert_eq!(
            found,
            vec![
                ("customerSegment".to_owned(), FieldCode::Required),
                ("state".to_owned(), FieldCode::Required),
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let spec = CustomerSpec {
            external_id: Some("x".repeat(129)),
            customer_profile: Some("b2c-gold".into()),
            customer_segment: Some("nope".into()),
            state: Some(StateSpec {
                state: Some("ACTIVE".into()),
                state_reason: Some("dfltSuspended".into()),
            }),
            parent: Some(ReferenceSpec::default()),
            ..Default::default()
        };
        let found = codes(plan(spec, &rules(), &Limits::default()).unwrap_err());
        assert_eq!(
            found,
            vec![
                ("externalId".to_owned(), FieldCode::TooLong),
                ("customerProfile".to_owned(), FieldCode::NotConfigured),
                ("customerSegment".to_owned(), FieldCode::NotConfigured),
                ("state.stateReason".to_owned(), FieldCode::NotConfigured),
                ("parent".to_owned(), FieldCode::Required),
            ]
        );
    }

    #[test]
    fn a_customer_cannot_be_created_deactivated() {
        let spec = CustomerSpec {
            customer_segment: Some("b2b".into()),
            state: Some(StateSpec {
                state: Some("DEACTIVATED".into()),
                state_reason: Some("dfltDeactivated".into()),
            }),
            ..Default::default()
        };
        let found = codes(plan(spec, &rules(), &Limits::default()).unwrap_err());
        assert_eq!(
            found,
            vec![("state.state".to_owned(), FieldCode::InvalidState)]
        );
    }
}
