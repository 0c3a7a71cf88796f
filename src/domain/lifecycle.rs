//! Changes to existing objects: a move to another state, and a merge patch.

use super::attributes::{self, Attributes};
use super::catalog::CatalogRules;
use super::entity::{self, segment_field, StateSpec};
use super::errors::{FieldCode, FieldErrors};
use super::state::StateWithReason;
use super::Limits;
use crate::store::{Kind, PatchRow};

/// The target of a state change: the reason must be configured for the state. Whether the
/// object may still change (it is not DEACTIVATED) is the store's to check, under its lock.
pub fn plan_state_change(
    spec: &StateSpec,
    catalog: &CatalogRules,
) -> Result<StateWithReason, FieldErrors> {
    let mut errors = FieldErrors::new();
    let planned = entity::check_state("", spec, catalog, true, &mut errors);
    match planned {
        Some(target) if errors.is_empty() => Ok(target),
        _ => Err(errors),
    }
}

/// A merge patch as sent: absent members change nothing, `null` removes where it can.
#[derive(Debug, Clone, Default)]
pub struct PatchSpec {
    pub external_id: Option<Option<String>>,
    pub custom_name: Option<Option<String>>,
    pub custom_attributes: Option<Option<Attributes>>,
    pub segment: Option<Option<String>>,
}

/// Checks a patch: lengths, attributes (replaced whole; `null` empties them) and a
/// configured segment, which cannot be removed.
pub fn plan_patch(
    kind: Kind,
    spec: PatchSpec,
    catalog: &CatalogRules,
    limits: &Limits,
) -> Result<PatchRow, FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Some(Some(id)) = &spec.external_id {
        entity::check_text("externalId", id, limits.external_id_chars, &mut errors);
    }
    if let Some(Some(name)) = &spec.custom_name {
        entity::check_text("customName", name, limits.string_chars, &mut errors);
    }
    if let Some(Some(sent)) = &spec.custom_attributes {
        attributes::check("customAttributes", sent, limits, &mut errors);
    }
    let segment = match spec.segment {
        None => None,
        Some(None) => {
            errors.push(
                segment_field(kind),
                FieldCode::NotAllowed,
                "a segment can be changed but not removed",
            );
            None
        }
        Some(Some(segment)) => {
            if !catalog.has_segment(kind, &segment) {
                errors.push(
                    segment_field(kind),
                    FieldCode::NotConfigured,
                    format!("{} {segment:?} is not configured", segment_field(kind)),
                );
            }
            Some(segment)
        }
    };
    errors.into_result(PatchRow {
        external_id: spec.external_id,
        custom_name: spec.custom_name,
        custom_attributes: spec.custom_attributes.map(Option::unwrap_or_default),
        segment,
    })
}
