//! What a write asks of the store and what it gives back, idempotency included.

use crate::domain::contact::ContactDetails;
use crate::domain::events::NewEvent;
use crate::domain::idempotency::{Answer, Claim};
use crate::domain::lifecycle::{Patch, StateChange};
use crate::domain::object::{NewObject, OnExisting};
use crate::domain::outcome::Written;
use crate::domain::refusal::Refusal;
use crate::domain::time::Timestamp;
use crate::domain::Kind;

/// One write, carried out in a transaction of its own (a savepoint of the group commit, on
/// SQLite): all of it or, when refused, none of it.
#[derive(Debug, Clone)]
pub enum Write {
    /// Creates every object, in order, with the parents each names for creation. One
    /// refusal refuses the whole batch and names the item it is about.
    Create(Vec<NewObject>),
    ChangeState(StateChange),
    Patch {
        kind: Kind,
        id: String,
        patch: Patch,
    },
    /// Replaces a customer's contact data with `details`, merged by the pipeline onto the
    /// customer as it stood at `read_at` (its `updatedAt`): refused as stale when it has
    /// changed since. `id` is `None` when no customer had the number the edit named.
    EditContact {
        id: Option<String>,
        details: Box<ContactDetails>,
        read_at: Timestamp,
    },
    /// A validated catalog document (JSON), stored as the tenant's next version.
    PutCatalog {
        document: String,
    },
    /// Nothing to write: the request was refused before reaching the store, and only its
    /// idempotency claim records the answer.
    Refuse,
}

impl Write {
    /// The objects the write creates or updates; 0 for a write of another kind.
    pub fn objects(&self) -> usize {
        match self {
            Write::Create(objects) => objects.len(),
            _ => 0,
        }
    }

    /// Whether the write stores at most one row and is refused only before writing or by a
    /// conflict that aborts nothing, so a refusal leaves nothing to undo.
    pub fn is_single_write(&self) -> bool {
        match self {
            // An update may be refused after some of it is written.
            Write::Create(objects) => matches!(
                objects.as_slice(),
                // Contact data is written after the customer, and its email can be taken.
                [NewObject::Customer(c)] if c.on_existing == OnExisting::Refuse && c.contact.is_none()
            ),
            Write::PutCatalog { .. } | Write::Refuse => true,
            Write::ChangeState(_) | Write::Patch { .. } | Write::EditContact { .. } => false,
        }
    }
}

pub type Outcome = Result<Written, Refusal>;

/// What the caller makes of an outcome, inside the transaction: the answer to keep for
/// retries and the events to record when something changed.
pub struct Rendered {
    pub answer: Answer,
    pub events: Vec<NewEvent>,
}

pub type Render = Box<dyn Fn(&Outcome) -> Rendered + Send + Sync>;

/// Who writes, for whom, when, and under which idempotency claim.
#[derive(Debug, Clone)]
pub struct WriteCtx {
    pub tenant: String,
    pub actor: String,
    pub claim: Option<Claim>,
    pub at: Timestamp,
}

/// The end of an idempotent write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Executed {
    /// The write ran now (or was refused now) and this is its answer.
    Fresh(Answer),
    /// The key was used before with the same request: its first answer.
    Replayed(Answer),
    /// The key was used before with another request.
    KeyReused,
    /// The key's first request has not finished.
    InProgress,
}
