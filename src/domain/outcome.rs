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
    /// The object was there already and the write found nothing to change (a feed sending
    /// again what is stored): nothing of it was written, and no event tells of it.
    pub unchanged: bool,
    /// Objects stored before that awaited this one (a customer naming it as its parent, an
    /// account as a co-owner) and are linked to it now, as committed: each changed.
    pub linked: Vec<Record>,
}

impl Created {
    /// An object the write made.
    pub fn new(object: Record, parents: Vec<Record>) -> Self {
        Self {
            object,
            parents,
            existed: false,
            unchanged: false,
            linked: Vec::new(),
        }
    }

    /// A stored object the write joined or updated; `changed` tells whether it wrote any of it.
    pub fn existing(object: Record, parents: Vec<Record>, changed: bool) -> Self {
        Self {
            existed: true,
            unchanged: !changed,
            ..Self::new(object, parents)
        }
    }
}

/// What a write produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// One entry per object of the batch, in its order.
    Created(Vec<Created>),
    /// Every object whose state changed, the one asked for first.
    StateChanged(Vec<Record>),
    /// The object after a patch, and the objects stored before that the patch linked to it
    /// (a new external id some awaited), as committed.
    Patched {
        record: Box<Record>,
        linked: Vec<Record>,
    },
    /// Nothing needed changing (an empty patch, a move to the state and reason the object
    /// has): nothing was written, and this is the object as it is.
    Unchanged(Box<Record>),
    Catalog {
        version: i64,
    },
}
