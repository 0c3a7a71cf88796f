//! Storage: one interface, a SQLite and a PostgreSQL implementation behind it.
//!
//! The store knows rows, constraints and transactions, nothing of the doors' dialects nor of
//! the domain's rules: what to write comes in as rows, what went wrong goes out as a
//! [`Rejection`] naming the field, and the caller renders the answer that idempotency keeps.

use std::collections::BTreeMap;

use serde::Serialize;

pub mod postgres;
pub mod sqlite;

/// The one state that is final: references to an object in it are refused.
pub const TERMINAL_STATE: &str = "DEACTIVATED";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("unsupported database URL {0:?}: use sqlite://FILE or postgres://…")]
    UnsupportedUrl(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("the database writer has stopped")]
    WriterGone,
    #[error("a stored value could not be read: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A stored API key, by the hash it is looked up with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: String,
    pub tenant: String,
    pub role: String,
}

/// How a write names another object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefKey {
    Id(String),
    ExternalId(String),
}

/// A customer to insert; id and times are chosen by the caller.
#[derive(Debug, Clone)]
pub struct NewCustomerRow {
    pub id: String,
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub segment: String,
    pub custom_name: Option<String>,
    pub custom_attributes: BTreeMap<String, String>,
    pub state: String,
    pub state_reason: String,
    pub test_customer: bool,
    pub parent: Option<RefKey>,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomerRow {
    pub id: String,
    pub external_id: Option<String>,
    pub profile: Option<String>,
    pub segment: String,
    pub custom_name: Option<String>,
    pub custom_attributes: BTreeMap<String, String>,
    pub state: String,
    pub state_reason: String,
    pub test_customer: bool,
    pub parent_id: Option<String>,
    pub parent_external_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Filters of a customer listing; every given one must match. Pages go by id.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub external_id: Option<String>,
    pub segment: Option<String>,
    pub state: Option<String>,
    pub created_after: Option<i64>,
    pub after_id: Option<String>,
    pub limit: usize,
}

/// One write the store carries out in a transaction of its own (or savepoint, on SQLite).
#[derive(Debug, Clone)]
pub enum WriteOp {
    CreateCustomer(Box<NewCustomerRow>),
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
    Catalog { version: i64 },
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
/// retries and the event to record when something changed.
pub struct Rendered {
    pub answer: StoredAnswer,
    pub event: Option<EventRow>,
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

/// The registry's storage, picked from the database URL's scheme.
#[derive(Clone)]
pub enum Store {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

macro_rules! delegate {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            Store::Sqlite($store) => $call,
            Store::Postgres($store) => $call,
        }
    };
}

impl Store {
    /// Opens (creating if needed) and migrates the database named by `url`.
    pub async fn open(url: &str) -> Result<Self> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            Ok(Store::Sqlite(sqlite::SqliteStore::open(path).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(postgres::PgStore::open(url).await?))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    pub async fn ping(&self) -> Result<()> {
        delegate!(self, s => s.ping().await)
    }

    pub async fn ensure_tenant(&self, tenant: &str, at: i64) -> Result<()> {
        delegate!(self, s => s.ensure_tenant(tenant, at).await)
    }

    /// Stores a key's hash for a tenant (creating the tenant); a known hash is left as it is.
    pub async fn insert_key(&self, key: KeyRecord, hash: String, at: i64) -> Result<()> {
        delegate!(self, s => s.insert_key(key, hash, at).await)
    }

    pub async fn has_key_with_role(&self, tenant: &str, role: &str) -> Result<bool> {
        delegate!(self, s => s.has_key_with_role(tenant, role).await)
    }

    pub async fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>> {
        delegate!(self, s => s.find_key(hash).await)
    }

    /// The tenant's latest catalog document and its version, if one was ever stored.
    pub async fn catalog(&self, tenant: &str) -> Result<Option<(i64, String)>> {
        delegate!(self, s => s.catalog(tenant).await)
    }

    pub async fn catalog_version(&self, tenant: &str) -> Result<i64> {
        delegate!(self, s => s.catalog_version(tenant).await)
    }

    /// Runs one write in its own transaction, claiming its idempotency key in the same one.
    pub async fn execute(&self, ctx: WriteCtx, op: WriteOp, render: Render) -> Result<Executed> {
        delegate!(self, s => s.execute(ctx, op, render).await)
    }

    pub async fn customer(&self, tenant: &str, id: &str) -> Result<Option<CustomerRow>> {
        delegate!(self, s => s.customer(tenant, id).await)
    }

    pub async fn customers(
        &self,
        tenant: &str,
        filter: CustomerFilter,
    ) -> Result<Vec<CustomerRow>> {
        delegate!(self, s => s.customers(tenant, filter).await)
    }

    /// Forgets idempotency answers stored before `before`; returns how many.
    pub async fn purge_idempotency(&self, before: i64) -> Result<u64> {
        delegate!(self, s => s.purge_idempotency(before).await)
    }

    /// Finishes pending writes and closes the database.
    pub async fn close(&self) {
        delegate!(self, s => s.close().await)
    }
}

/// Microseconds since the Unix epoch, the unit every stored time is kept in.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or_default()
}
