//! Storage: one interface over domain types, a SQLite and a PostgreSQL implementation
//! behind it. The store knows tables, constraints and transactions; it maps domain types
//! to rows and back itself, and reports what the data refuses as a domain [`Refusal`]
//! (which unique key, which item), never in a door's words.
//!
//! [`Refusal`]: crate::domain::refusal::Refusal

pub mod postgres;
mod sql;
pub mod sqlite;
mod write;

pub use crate::domain::outcome::{Created, Written};
pub use write::*;

use crate::domain::auth::{KeyInfo, KeyRecord, KnownKey, Role};
use crate::domain::catalog::usage::CatalogUsage;
use crate::domain::contact::ContactSearch;
use crate::domain::events::Event;
use crate::domain::number::Numbered;
use crate::domain::records::{History, HistoryEntry, ListFilter, Record};
use crate::domain::time::Timestamp;
use crate::domain::users::{
    NewUser, SessionOpened, SessionOpening, SessionRecord, UserInfo, UserRecord,
};
use crate::domain::webhooks::{
    Cursor, Delivery, DeliveryProgress, NewWebhook, OutboxEvent, Webhook, WebhookChange,
};
use crate::domain::Kind;

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

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

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
    #[tracing::instrument(skip_all, err)]
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

    #[tracing::instrument(skip_all, err)]
    pub async fn ping(&self) -> Result<()> {
        delegate!(self, s => s.ping().await)
    }

    #[tracing::instrument(skip_all, err)]
    pub async fn ensure_tenant(&self, tenant: &str, at: Timestamp) -> Result<()> {
        delegate!(self, s => s.ensure_tenant(tenant, at).await)
    }

    /// Stores a key's hash for a tenant (creating the tenant); a known hash is left as it is.
    #[tracing::instrument(skip_all, err)]
    pub async fn insert_key(&self, key: KeyRecord, hash: String, at: Timestamp) -> Result<()> {
        delegate!(self, s => s.insert_key(key, hash, at).await)
    }

    #[tracing::instrument(skip_all, err)]
    pub async fn has_key_with_role(&self, tenant: &str, role: Role) -> Result<bool> {
        delegate!(self, s => s.has_key_with_role(tenant, role).await)
    }

    /// The key with this hash, unless it was revoked.
    #[tracing::instrument(skip_all, err)]
    pub async fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>> {
        delegate!(self, s => s.find_key(hash).await)
    }

    /// Every key that is not revoked, with its hash: the servers' in-memory set of keys.
    #[tracing::instrument(skip_all, err)]
    pub async fn live_keys(&self) -> Result<Vec<KnownKey>> {
        delegate!(self, s => s.live_keys().await)
    }

    /// Every key, revoked ones too, in creation order; of one tenant if named. No hashes.
    #[tracing::instrument(skip_all, err)]
    pub async fn list_keys(&self, tenant: Option<&str>) -> Result<Vec<KeyInfo>> {
        delegate!(self, s => s.list_keys(tenant).await)
    }

    /// Revokes a key unless it already is; the key as it stands, `None` when no key has the id.
    #[tracing::instrument(skip_all, err)]
    pub async fn revoke_key(&self, id: &str, at: Timestamp) -> Result<Option<KeyInfo>> {
        delegate!(self, s => s.revoke_key(id, at).await)
    }

    /// Records a use of a key at `at`, unless one was recorded after `since`.
    #[tracing::instrument(skip_all, err)]
    pub async fn touch_key(&self, id: &str, at: Timestamp, since: Timestamp) -> Result<()> {
        delegate!(self, s => s.touch_key(id, at, since).await)
    }

    /// Stores a user (creating its tenant); `false`, storing nothing, when the name is taken.
    #[tracing::instrument(skip_all, err)]
    pub async fn insert_user(&self, user: NewUser, at: Timestamp) -> Result<bool> {
        delegate!(self, s => s.insert_user(user, at).await)
    }

    /// The user of this name, with its password's hash.
    #[tracing::instrument(skip_all, err)]
    pub async fn find_user(&self, name: &str) -> Result<Option<UserRecord>> {
        delegate!(self, s => s.find_user(name).await)
    }

    /// Every user in creation order; of one tenant if named. No hashes.
    #[tracing::instrument(skip_all, err)]
    pub async fn list_users(&self, tenant: Option<&str>) -> Result<Vec<UserInfo>> {
        delegate!(self, s => s.list_users(tenant).await)
    }

    /// Opens a session in one transaction that holds the user's row, so that concurrent
    /// logins of one user (on any process) count its sessions one at a time.
    #[tracing::instrument(skip_all, err)]
    pub async fn open_session(&self, opening: SessionOpening) -> Result<SessionOpened> {
        delegate!(self, s => s.open_session(opening).await)
    }

    /// The session with this token's hash, if it was used after `live_since`.
    #[tracing::instrument(skip_all, err)]
    pub async fn find_session(
        &self,
        token_hash: &str,
        live_since: Timestamp,
    ) -> Result<Option<SessionRecord>> {
        delegate!(self, s => s.find_session(token_hash, live_since).await)
    }

    /// Records a use of a session at `at`, unless one was recorded after `since` or the
    /// session was not used after `live_since` (it is over, and stays over).
    #[tracing::instrument(skip_all, err)]
    pub async fn touch_session(
        &self,
        id: &str,
        at: Timestamp,
        since: Timestamp,
        live_since: Timestamp,
    ) -> Result<()> {
        delegate!(self, s => s.touch_session(id, at, since, live_since).await)
    }

    /// Ends the session with this token's hash if it is live; whether it was.
    #[tracing::instrument(skip_all, err)]
    pub async fn end_session(&self, token_hash: &str, live_since: Timestamp) -> Result<bool> {
        delegate!(self, s => s.end_session(token_hash, live_since).await)
    }

    /// Forgets sessions last used at `before` or earlier; returns how many.
    #[tracing::instrument(skip_all, err)]
    pub async fn purge_sessions(&self, before: Timestamp) -> Result<u64> {
        delegate!(self, s => s.purge_sessions(before).await)
    }

    /// The installation's key to customer numbers.
    #[tracing::instrument(skip_all, err)]
    pub async fn number_key(&self) -> Result<String> {
        delegate!(self, s => s.number_key().await)
    }

    /// Reserves `count` values of the customer-number counter, committed at once; the first.
    #[tracing::instrument(skip_all, err)]
    pub async fn reserve_numbers(&self, count: u64) -> Result<u64> {
        delegate!(self, s => s.reserve_numbers(count).await)
    }

    /// Customers stored before numbers existed, at most `limit`.
    #[tracing::instrument(skip_all, err)]
    pub async fn unnumbered_customers(&self, limit: i64) -> Result<Vec<String>> {
        delegate!(self, s => s.unnumbered_customers(limit).await)
    }

    #[tracing::instrument(skip_all, err)]
    pub async fn set_numbers(&self, numbers: Vec<(String, Numbered)>) -> Result<()> {
        delegate!(self, s => s.set_numbers(numbers).await)
    }

    /// The id of the tenant's customer with this number.
    #[tracing::instrument(skip_all, err)]
    pub async fn customer_by_number(
        &self,
        tenant: &str,
        number: Numbered,
    ) -> Result<Option<String>> {
        delegate!(self, s => s.customer_by_number(tenant, number).await)
    }

    /// The ids of the tenant's customers a contact point of which matches, in id order.
    #[tracing::instrument(skip_all, err)]
    pub async fn search_contacts(
        &self,
        tenant: &str,
        search: ContactSearch,
        limit: i64,
    ) -> Result<Vec<String>> {
        delegate!(self, s => s.search_contacts(tenant, search, limit).await)
    }

    /// What the tenant's stored objects use of its catalog.
    #[tracing::instrument(skip_all, err)]
    pub async fn catalog_usage(&self, tenant: &str) -> Result<CatalogUsage> {
        delegate!(self, s => s.catalog_usage(tenant).await)
    }

    /// The tenant's latest catalog document and its version, if one was ever stored.
    #[tracing::instrument(skip_all, err)]
    pub async fn catalog(&self, tenant: &str) -> Result<Option<(i64, String)>> {
        delegate!(self, s => s.catalog(tenant).await)
    }

    #[tracing::instrument(skip_all, err)]
    pub async fn catalog_version(&self, tenant: &str) -> Result<i64> {
        delegate!(self, s => s.catalog_version(tenant).await)
    }

    /// Runs one write in its own transaction, claiming its idempotency key in the same one;
    /// `render` makes the answer to keep and the events to record from the outcome.
    #[tracing::instrument(skip_all, err)]
    pub async fn execute(&self, ctx: WriteCtx, write: Write, render: Render) -> Result<Executed> {
        delegate!(self, s => s.execute(ctx, write, render).await)
    }

    /// Runs writes that arrive together, each as [`Store::execute`] runs it alone; their
    /// answers in the same order. PostgreSQL writes the native creates among them in
    /// groups, one transaction each; SQLite's writer groups whatever waits anyway.
    #[tracing::instrument(skip_all)]
    pub async fn execute_together(
        &self,
        writes: Vec<(WriteCtx, Write, Render)>,
    ) -> Vec<Result<Executed>> {
        delegate!(self, s => s.execute_together(writes).await)
    }

    /// One object of the tenant, if it exists.
    #[tracing::instrument(skip_all, err)]
    pub async fn object(&self, kind: Kind, tenant: &str, id: &str) -> Result<Option<Record>> {
        delegate!(self, s => s.object(kind, tenant, id).await)
    }

    /// A page of the tenant's objects of a kind, in id order.
    #[tracing::instrument(skip_all, err)]
    pub async fn objects(
        &self,
        kind: Kind,
        tenant: &str,
        filter: ListFilter,
    ) -> Result<Vec<Record>> {
        delegate!(self, s => s.objects(kind, tenant, filter).await)
    }

    /// An object's state or segment history, oldest first; `None` when there is no object.
    #[tracing::instrument(skip_all, err)]
    pub async fn history(
        &self,
        kind: Kind,
        tenant: &str,
        id: &str,
        which: History,
    ) -> Result<Option<Vec<HistoryEntry>>> {
        delegate!(self, s => s.history(kind, tenant, id, which).await)
    }

    /// The tenant's events after `after`, in commit order.
    #[tracing::instrument(skip_all, err)]
    pub async fn events(&self, tenant: &str, after: i64, limit: usize) -> Result<Vec<Event>> {
        delegate!(self, s => s.events(tenant, after, limit).await)
    }

    /// The newest event's global seq, every committed event numbered first.
    #[tracing::instrument(skip_all, err)]
    pub async fn relay_newest(&self) -> Result<i64> {
        delegate!(self, s => s.relay_newest().await)
    }

    /// Every tenant's events after global seq `after`, in commit order, every committed
    /// event numbered first: a relay that follows it sees each event once.
    #[tracing::instrument(skip_all, err)]
    pub async fn relay_events(&self, after: i64, limit: usize) -> Result<Vec<OutboxEvent>> {
        delegate!(self, s => s.relay_events(after, limit).await)
    }

    /// Makes a sink's cursor at `start` unless it exists.
    #[tracing::instrument(skip_all, err)]
    pub async fn ensure_cursor(&self, sink: &str, start: i64, at: Timestamp) -> Result<()> {
        delegate!(self, s => s.ensure_cursor(sink, start, at).await)
    }

    /// Takes or renews a sink's lease for `owner` until `until`; its cursor when `owner`
    /// holds it, `None` when another process does.
    #[tracing::instrument(skip_all, err)]
    pub async fn claim_cursor(
        &self,
        sink: &str,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<Option<Cursor>> {
        delegate!(self, s => s.claim_cursor(sink, owner, until, now).await)
    }

    /// A sink's cursor, whoever holds it.
    #[tracing::instrument(skip_all, err)]
    pub async fn read_cursor(&self, sink: &str) -> Result<Option<Cursor>> {
        delegate!(self, s => s.read_cursor(sink).await)
    }

    /// Moves a sink's cursor and renews its lease if `owner` still holds it under the same
    /// generation; whether it did.
    #[tracing::instrument(skip_all, err)]
    pub async fn advance_cursor(
        &self,
        sink: &str,
        owner: &str,
        cursor: Cursor,
        until: Timestamp,
        at: Timestamp,
    ) -> Result<bool> {
        delegate!(self, s => s.advance_cursor(sink, owner, cursor, until, at).await)
    }

    /// Gives up a sink's lease so another process can take it at once.
    #[tracing::instrument(skip_all, err)]
    pub async fn release_cursor(&self, sink: &str, owner: &str) -> Result<()> {
        delegate!(self, s => s.release_cursor(sink, owner).await)
    }

    /// Stores a webhook endpoint with its cursor at the tenant's newest event; `false`,
    /// storing nothing, when the tenant has as many as it may.
    #[tracing::instrument(skip_all, err)]
    pub async fn insert_webhook(&self, new: NewWebhook) -> Result<bool> {
        delegate!(self, s => s.insert_webhook(new).await)
    }

    /// A tenant's webhook endpoints, or every tenant's, in id order.
    #[tracing::instrument(skip_all, err)]
    pub async fn webhooks(&self, tenant: Option<&str>) -> Result<Vec<Webhook>> {
        delegate!(self, s => s.webhooks(tenant).await)
    }

    #[tracing::instrument(skip_all, err)]
    pub async fn webhook(&self, tenant: &str, id: &str) -> Result<Option<Webhook>> {
        delegate!(self, s => s.webhook(tenant, id).await)
    }

    /// Changes what the change names; the endpoint as it now stands.
    #[tracing::instrument(skip_all, err)]
    pub async fn update_webhook(
        &self,
        tenant: &str,
        id: &str,
        change: WebhookChange,
        at: Timestamp,
    ) -> Result<Option<Webhook>> {
        delegate!(self, s => s.update_webhook(tenant, id, change, at).await)
    }

    /// Forgets an endpoint, its cursor and its attempts; whether the tenant had it.
    #[tracing::instrument(skip_all, err)]
    pub async fn delete_webhook(&self, tenant: &str, id: &str) -> Result<bool> {
        delegate!(self, s => s.delete_webhook(tenant, id).await)
    }

    /// Starts an endpoint's deliveries again after feed seq `after`, ending a failure.
    #[tracing::instrument(skip_all, err)]
    pub async fn replay_webhook(
        &self,
        tenant: &str,
        id: &str,
        after: i64,
        at: Timestamp,
    ) -> Result<Option<Webhook>> {
        delegate!(self, s => s.replay_webhook(tenant, id, after, at).await)
    }

    #[tracing::instrument(skip_all, err)]
    pub async fn mark_webhook_failing(&self, id: &str, since: Timestamp) -> Result<()> {
        delegate!(self, s => s.mark_webhook_failing(id, since).await)
    }

    /// An endpoint's delivery attempts before attempt id `before`, newest first.
    #[tracing::instrument(skip_all, err)]
    pub async fn webhook_deliveries(
        &self,
        id: &str,
        before: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        delegate!(self, s => s.webhook_deliveries(id, before, limit).await)
    }

    /// Advances an endpoint's cursor with the attempts that moved it, in one transaction,
    /// if its holder still holds it; whether it did.
    #[tracing::instrument(skip_all, err)]
    pub async fn record_deliveries(&self, progress: DeliveryProgress) -> Result<bool> {
        delegate!(self, s => s.record_deliveries(progress).await)
    }

    /// Forgets delivery attempts made before `before`; returns how many.
    #[tracing::instrument(skip_all, err)]
    pub async fn purge_deliveries(&self, before: Timestamp) -> Result<u64> {
        delegate!(self, s => s.purge_deliveries(before).await)
    }

    /// Forgets idempotency answers stored before `before`; returns how many.
    #[tracing::instrument(skip_all, err)]
    pub async fn purge_idempotency(&self, before: impl Into<Timestamp>) -> Result<u64> {
        let before = before.into();
        delegate!(self, s => s.purge_idempotency(before).await)
    }

    /// Finishes pending writes and closes the database.
    pub async fn close(&self) {
        delegate!(self, s => s.close().await)
    }
}

/// Microseconds since the Unix epoch, the unit every stored time is kept in.
pub fn now_micros() -> i64 {
    Timestamp::now().micros()
}

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
