//! Why the store refused a write that passed every rule the domain checks alone: what the
//! data already holds says no. Doors render these in their own dialect.

use super::kind::Kind;
use super::path::Field;

/// A value that must be unique, by the index that keeps it so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    /// External ids are unique per tenant and kind, deactivated objects included.
    ExternalId(Kind),
    /// A primary resource is unique among subscribers not DEACTIVATED.
    PrimaryResource,
    /// An email address is unique among the tenant's contact points (per department when
    /// the catalog departmentalizes customers).
    Email,
    /// Two catalog replacements raced for one version number.
    CatalogVersion,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `item` is the index, in the write's batch, of the object whose value is taken.
    Taken { key: UniqueKey, item: usize },
    /// The reference at `field` of item `item` names nothing in this tenant.
    NotFound { field: Field, item: usize },
    /// The reference at `field` of item `item` names a DEACTIVATED object.
    ReferenceTerminal { field: Field, item: usize },
    /// Item `item` would close a circle of parent links through customers stored before
    /// (one batch alone is checked by the domain's planning), by what it sends at `field`:
    /// the parent it names, or the external id a rename gives it, which customers awaiting
    /// that id as their parent would take.
    ParentCycle { field: Field, item: usize },
    /// The object the write is about does not exist in this tenant.
    Missing,
    /// The object the write is about is DEACTIVATED and takes no change.
    Terminal,
    /// The object changed between the read an edit was merged onto and its write.
    Stale,
    /// Refused before the store; the caller knows the problems and renders them.
    Refused,
}

impl Refusal {
    /// The index, in the write's batch, of the item the refusal is about; `None` when it is
    /// about the write's one object or about nothing stored.
    pub fn item(&self) -> Option<usize> {
        match self {
            Refusal::Taken { item, .. }
            | Refusal::NotFound { item, .. }
            | Refusal::ReferenceTerminal { item, .. }
            | Refusal::ParentCycle { item, .. } => Some(*item),
            Refusal::Missing | Refusal::Terminal | Refusal::Stale | Refusal::Refused => None,
        }
    }
}
