//! Changes to existing objects: a move to another state, and a merge patch.

use super::attributes::{self, Attributes};
use super::catalog::CatalogRules;
use super::entity::{self, StateSpec};
use super::errors::{FieldCode, FieldErrors};
use super::kind::Kind;
use super::path::{Field, FieldPath};
use super::records::Common;
use super::state::StateWithReason;
use super::Limits;

/// A move of one object (and with `cascade`, of the live objects below it) to a state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    pub kind: Kind,
    pub id: String,
    pub target: StateWithReason,
    pub cascade: bool,
}

impl StateChange {
    /// Whether the change moves an object now in `current`: one already in the target
    /// state with the target reason is left as it is — no `updatedAt`, no history, no
    /// event. When the object asked for does not move, nothing moves along with it.
    pub fn moves(&self, current: &StateWithReason) -> bool {
        *current != self.target
    }
}

/// The target of a state change: the reason must be configured for the state. Whether the
/// object may still change (it is not DEACTIVATED) is the store's to check, under its lock.
pub fn plan_state_change(
    kind: Kind,
    id: String,
    spec: &StateSpec,
    cascade: bool,
    catalog: &CatalogRules,
) -> Result<StateChange, FieldErrors> {
    let mut errors = FieldErrors::new();
    let planned = entity::check_state(&FieldPath::root(), spec, catalog, true, &mut errors);
    match planned {
        Some(target) if errors.is_empty() => Ok(StateChange {
            kind,
            id,
            target,
            cascade,
        }),
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

/// A checked patch; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Patch {
    /// `Some(None)` removes the external id.
    pub external_id: Option<Option<String>>,
    /// `Some(None)` removes the name.
    pub custom_name: Option<Option<String>>,
    /// Replaced whole.
    pub custom_attributes: Option<Attributes>,
    pub segment: Option<String>,
}

/// The fields a patch may change, as they are once it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patched {
    pub external_id: Option<String>,
    pub custom_name: Option<String>,
    pub custom_attributes: Attributes,
    pub segment: Option<String>,
}

impl Patched {
    /// The fields a patch may change, as the object has them.
    pub fn of(current: &Common) -> Self {
        Self {
            external_id: current.external_id.clone(),
            custom_name: current.custom_name.clone(),
            custom_attributes: current.custom_attributes.clone(),
            segment: current.segment.clone(),
        }
    }
}

impl Patch {
    /// Whether the patch changes anything of the object as it is; one that does not (`{}`,
    /// or only the values it has) writes nothing at all.
    pub fn changes(&self, current: &Common) -> bool {
        self.merge(current) != Patched::of(current)
    }

    /// The patch merged over the object as it is.
    pub fn merge(&self, current: &Common) -> Patched {
        Patched {
            external_id: self
                .external_id
                .clone()
                .unwrap_or_else(|| current.external_id.clone()),
            custom_name: self
                .custom_name
                .clone()
                .unwrap_or_else(|| current.custom_name.clone()),
            custom_attributes: self
                .custom_attributes
                .clone()
                .unwrap_or_else(|| current.custom_attributes.clone()),
            segment: self.segment.clone().or_else(|| current.segment.clone()),
        }
    }

    /// The segment the object enters, when the patch moves it to another one.
    pub fn new_segment<'a>(&'a self, current: &Common) -> Option<&'a str> {
        self.segment
            .as_deref()
            .filter(|segment| current.segment.as_deref() != Some(*segment))
    }
}

/// Checks a patch: lengths, attributes (replaced whole; `null` empties them) and a
/// configured segment, which cannot be removed.
pub fn plan_patch(
    kind: Kind,
    spec: PatchSpec,
    catalog: &CatalogRules,
    limits: &Limits,
) -> Result<Patch, FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Some(Some(id)) = &spec.external_id {
        entity::check_free_text(Field::ExternalId, id, limits.external_id_chars, &mut errors);
    }
    if let Some(Some(name)) = &spec.custom_name {
        entity::check_free_text(Field::CustomName, name, limits.string_chars, &mut errors);
    }
    if let Some(Some(sent)) = &spec.custom_attributes {
        attributes::check(Field::CustomAttributes, sent, limits, &mut errors);
    }
    let segment = match spec.segment {
        None => None,
        Some(None) => {
            errors.push(
                Field::Segment,
                FieldCode::NotAllowed,
                "a segment can be changed but not removed",
            );
            None
        }
        Some(Some(segment)) => {
            if !catalog.has_segment(kind, &segment) {
                errors.push(
                    Field::Segment,
                    FieldCode::NotConfigured,
                    format!("{kind} segment {segment:?} is not configured"),
                );
            }
            Some(segment)
        }
    };
    errors.into_result(Patch {
        external_id: spec.external_id,
        custom_name: spec.custom_name,
        custom_attributes: spec.custom_attributes.map(Option::unwrap_or_default),
        segment,
    })
}
