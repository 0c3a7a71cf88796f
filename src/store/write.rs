//! What a write asks for and what it gives back, idempotency included.

use std::collections::BTreeMap;

use super::rows::{
    AccountRow, CustomerRow, EntityRow, Kind, NewAccountRow, NewCustomerRow, NewSubscriberRow,
    SubscriberRow,
};

/// Changes a merge patch asks for; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct PatchRow {
    /// `Some(None)` removes the external id.
    pub external_id: Option<Option<String>>,
    /// `Some(None)` removes the name.
    pub custom_name: Option<Option<String>>,
    pub custom_attributes: Option<BTreeMap<String, String>>,
    pub segment: Option<String>,
}

/// One write the store carries out in a transaction of its own (or savepoint, on SQLite).
#[derive(Debug, Clone)]
pub enum WriteOp {
    CreateCustomer(Box<NewCustomerRow>),
    CreateAccount(Box<NewAccountRow>),
    CreateSubscriber(Box<NewSubscriberRow>),
    /// Moves an object (and with `cascade` what lies below it) to a state.
    ChangeState {
        kind: Kind,
        id: String,
        state: String,
        state_reason: String,
        cascade: bool,
    },
    Patch {
        kind: Kind,
        id: String,
        patch: Box<PatchRow>,
    },
    /// A validated catalog document, stored as the tenant's next version.
    PutCatalog {
        document: String,
        at: i64,
    },
    /// Nothing to write: the request was refused before reaching the store, and only
    /// its idempotency key (if any) records the answer.
    Refuse(Rejection),
}

impl WriteOp {
    /// Whether the op writes at most one row and is refused only before writing or by a
    /// conflict that aborts nothing, so a refusal leaves nothing to undo.
    pub fn is_single_write(&self) -> bool {
        matches!(
            self,
            WriteOp::CreateCustomer(_) | WriteOp::PutCatalog { .. } | WriteOp::Refuse(_)
        )
    }
}

/// What a write produced.
#[derive(Debug, Clone)]
pub enum Written {
    Customer(Box<CustomerRow>),
    /// The account, and its owner when the write created it.
    Account {
        account: Box<AccountRow>,
        created_customer: Option<Box<CustomerRow>>,
    },
    /// The subscriber, and the account and customer the write created for it.
    Subscriber {
        subscriber: Box<SubscriberRow>,
        created_account: Option<Box<AccountRow>>,
        created_customer: Option<Box<CustomerRow>>,
    },
    /// Every object whose state changed, the one asked for first.
    StateChanged(Vec<EntityRow>),
    Patched(Box<EntityRow>),
    Catalog {
        version: i64,
    },
}

/// Why a write was refused; names the field the client must change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    Duplicate {
        field: String,
    },
    ReferenceNotFound {
        field: String,
    },
    ReferenceTerminal {
        field: String,
    },
    /// The object the write is about does not exist in this tenant.
    Missing,
    /// The object the write is about is in the terminal state and takes no change.
    Terminal,
    /// Refused above the store; the caller knows the problems and renders them.
    Refused,
}

pub type Outcome = std::result::Result<Written, Rejection>;

/// The first answer to an idempotent request, kept to replay to its retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub body: Vec<u8>,
    pub location: Option<String>,
}

/// An outbox row written in the same transaction as the change it describes.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub event_type: String,
    pub entity: String,
    pub entity_id: String,
    pub data: String,
}

/// What the caller makes of an outcome, inside the transaction: the answer to keep for
/// retries and the events to record when something changed.
pub struct Rendered {
    pub answer: StoredAnswer,
    pub events: Vec<EventRow>,
}

pub type Render = Box<dyn FnOnce(&Outcome) -> Rendered + Send>;

/// An idempotency key claimed for the write: scope (the path), the key, and the
/// fingerprint of the request it was first used with.
#[derive(Debug, Clone)]
pub struct Claim {
    pub scope: String,
    pub key: String,
    pub fingerprint: String,
}

/// Who writes, for whom, and under which idempotency key.
#[derive(Debug, Clone)]
pub struct WriteCtx {
    pub tenant: String,
    pub actor: String,
    pub claim: Option<Claim>,
    pub at: i64,
}

/// The end of an idempotent write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Executed {
    /// The write ran now (or was refused now) and this is its answer.
    Fresh(StoredAnswer),
    /// The key was used before with the same request: its first answer.
    Replayed(StoredAnswer),
    /// The key was used before with another request.
    KeyReused,
    /// The key's first request has not finished.
    InProgress,
}
