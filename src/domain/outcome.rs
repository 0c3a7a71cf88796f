//! What a write produced, as the store gives it back and the doors answer it.

use super::records::Record;

/// One object a create made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    pub object: Record,
    /// The parents created with it, the topmost first (a subscriber's customer, then its account).
    pub parents: Vec<Record>,
    /// The object was there already and the create joined it (a joint account sent again
    /// under another owner): it changed rather than came to be.
    pub existed: bool,
}

/// What a write produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// One entry per object of the batch, in its order.
    Created(Vec<Created>),
    /// Every object whose state changed, the one asked for first.
    StateChanged(Vec<Record>),
    Patched(Box<Record>),
    /// Nothing needed changing (an empty patch, a move to the state and reason the object
    /// has): nothing was written, and this is the object as it is.
    Unchanged(Box<Record>),
    Catalog {
        version: i64,
    },
}
