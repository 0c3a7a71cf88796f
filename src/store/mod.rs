//! Storage: one interface, a SQLite and a PostgreSQL implementation behind it.
//!
//! The store knows rows, constraints and transactions, nothing of the doors' dialects nor of
//! the domain's rules: what to write comes in as rows, what went wrong goes out as a
//! [`Rejection`] naming the field, and the caller renders the answer that idempotency keeps.

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
    #[error("the data is locked by other writes; try again")]
    Busy,
}

/// A database URL fit for messages: any password replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.rsplit_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

mod rows;
mod write;

#[cfg(test)]
mod tests {
    #[test]
    fn urls_lose_their_passwords_in_messages() {
        assert_eq!(
            super::redact("postgres://u:s3cret@db:5432/x"),
            "postgres://u:***@db:5432/x"
        );
        assert_eq!(super::redact("postgres://u@db/x"), "postgres://u@db/x");
        assert_eq!(super::redact("sqlite://a.db"), "sqlite://a.db");
    }
}

pub use rows::*;
pub use write::*;

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
            Err(StoreError::UnsupportedUrl(redact(url)))
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

    /// One object of the tenant, if it exists.
    pub async fn entity(&self, kind: Kind, tenant: &str, id: &str) -> Result<Option<EntityRow>> {
        delegate!(self, s => s.entity(kind, tenant, id).await)
    }

    /// A page of the tenant's objects of a kind, in id order.
    pub async fn entities(
        &self,
        kind: Kind,
        tenant: &str,
        filter: EntityFilter,
    ) -> Result<Vec<EntityRow>> {
        delegate!(self, s => s.entities(kind, tenant, filter).await)
    }

    /// An object's state or segment history, oldest first; `None` when there is no object.
    pub async fn history(
        &self,
        kind: Kind,
        tenant: &str,
        id: &str,
        which: History,
    ) -> Result<Option<Vec<HistoryRow>>> {
        delegate!(self, s => s.history(kind, tenant, id, which).await)
    }

    /// The tenant's events after `after`, in commit order.
    pub async fn events(&self, tenant: &str, after: i64, limit: usize) -> Result<Vec<EventRecord>> {
        delegate!(self, s => s.events(tenant, after, limit).await)
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
