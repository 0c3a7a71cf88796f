//! The PostgreSQL backend: a pool of connections, each write one transaction, but for
//! native creates, which those waiting at once share (`group`). The server
//! keeps no state of its own, so any number of processes can share one database. The SQL
//! stays within what Postgres-wire distributed engines accept: no advisory locks and no
//! server-side functions in the write path.

mod conn;
mod group;
mod sequencer;

use std::sync::Arc;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

use super::sql::{
    catalog_usage, contacts, events, execute, grouped, history, idempotency, keys, numbers,
    objects, relay, sessions, tenants, users, webhooks,
};
use super::{Executed, Render, Result, StoreError, Write, WriteCtx};
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
use conn::PgConn;

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_hierarchy.sql"),
    include_str!("migrations/0003_answer_content_type.sql"),
    include_str!("migrations/0004_key_lifecycle.sql"),
    include_str!("migrations/0005_bank.sql"),
    include_str!("migrations/0006_users.sql"),
    include_str!("migrations/0007_contacts.sql"),
    include_str!("migrations/0008_tenant_event_seq.sql"),
    include_str!("migrations/0009_shared_answer_body.sql"),
    include_str!("migrations/0010_relay.sql"),
    include_str!("migrations/0011_link_gates.sql"),
    include_str!("migrations/0012_first_history_in_row.sql"),
    include_str!("migrations/0013_number_counter.sql"),
];
const POOL_SIZE: usize = 32;

pub(crate) fn db_error(e: tokio_postgres::Error) -> StoreError {
    // Two writes that wait for each other (a deadlock, which PostgreSQL breaks by failing
    // one) left nothing written: a retry goes through.
    if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE)
        || e.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
    {
        return StoreError::Busy;
    }
    match e.as_db_error() {
        Some(db) => StoreError::Database(format!("{}: {}", db.code().code(), db.message())),
        None => StoreError::Database(e.to_string()),
    }
}

fn pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    StoreError::Database(format!("no database connection: {e}"))
}

/// One write in a transaction of its own. A retry that reaches another process while the
/// first request is still open waits on the key's row lock for `lock_timeout`.
async fn execute_alone(
    pool: &Pool,
    ctx: WriteCtx,
    write: Write,
    render: Render,
) -> Result<Executed> {
    let mut client = pool.get().await.map_err(pool_error)?;
    let tx = client.transaction().await.map_err(db_error)?;
    let executed = execute::execute(&PgConn(&tx), &ctx, &write, &render).await?;
    // Only a fresh write has anything to commit; an earlier use of the key wrote
    // nothing, and dropping the transaction rolls it back.
    if matches!(executed, Executed::Fresh(_)) {
        tx.commit().await.map_err(db_error)?;
    }
    Ok(executed)
}

#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    groups: Arc<group::Groups>,
}

impl PgStore {
    pub async fn open(url: &str) -> Result<Self> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::UnsupportedUrl(format!("{}: {e}", super::redact(url))))?;
        // Durable commits whatever the server's default; a retry of an idempotent request
        // waits this long for the first one before it is told the first is still running.
        config.options("-c synchronous_commit=on -c lock_timeout=2000");
        config.application_name("clientele");
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let groups = Arc::new(group::Groups::start(pool.clone()));
        let store = Self { pool, groups };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<()> {
        let mut client = self.pool.get().await.map_err(pool_error)?;
        let migration = |e: tokio_postgres::Error| StoreError::Migration(db_error(e).to_string());
        // Two processes starting at once on a fresh database can both try to create the
        // table; the loser sees a unique violation on the catalog and simply tries again.
        let mut attempts = 0;
        loop {
            let created = client
                .batch_execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                )
                .await;
            match created {
                Ok(()) => break,
                Err(e)
                    if attempts < 5
                        && (e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                            || e.code() == Some(&SqlState::DUPLICATE_TABLE)
                            || e.code() == Some(&SqlState::DUPLICATE_OBJECT)) =>
                {
                    attempts += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => return Err(migration(e)),
            }
        }
        // A process starting on a database already up to date (a server, or a CLI command
        // beside one) takes no lock, so it never waits on another's migration.
        let newest: i64 = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await
            .map_err(migration)?
            .get(0);
        if newest as usize >= MIGRATIONS.len() {
            return Ok(());
        }
        let tx = client.transaction().await.map_err(migration)?;
        // Serialises processes that start at once on a fresh database. Another's migration
        // may hold the lock longer than a write's `lock_timeout` on a loaded machine.
        tx.batch_execute(
            "SET LOCAL lock_timeout = '60s'; LOCK TABLE schema_migrations IN EXCLUSIVE MODE",
        )
        .await
        .map_err(migration)?;
        let applied: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await
            .map_err(migration)?
            .get(0);
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
            tx.batch_execute(sql).await.map_err(migration)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[&((i + 1) as i64), &Timestamp::now().micros()],
            )
            .await
            .map_err(migration)?;
        }
        tx.commit().await.map_err(migration)
    }

    async fn client(&self) -> Result<deadpool_postgres::Object> {
        self.pool.get().await.map_err(pool_error)
    }

    pub async fn ping(&self) -> Result<()> {
        self.client()
            .await?
            .query_one("SELECT 1", &[])
            .await
            .map(|_| ())
            .map_err(db_error)
    }

    pub async fn ensure_tenant(&self, tenant: &str, at: Timestamp) -> Result<()> {
        tenants::ensure_tenant(&PgConn(&self.client().await?), tenant, at).await
    }

    pub async fn insert_key(&self, key: KeyRecord, hash: String, at: Timestamp) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        keys::insert_key(&PgConn(&tx), &key, &hash, at).await?;
        tx.commit().await.map_err(db_error)
    }

    pub async fn has_key_with_role(&self, tenant: &str, role: Role) -> Result<bool> {
        keys::has_key_with_role(&PgConn(&self.client().await?), tenant, role).await
    }

    pub async fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>> {
        keys::find_key(&PgConn(&self.client().await?), hash).await
    }

    pub async fn live_keys(&self) -> Result<Vec<KnownKey>> {
        keys::live_keys(&PgConn(&self.client().await?)).await
    }

    pub async fn list_keys(&self, tenant: Option<&str>) -> Result<Vec<KeyInfo>> {
        keys::list_keys(&PgConn(&self.client().await?), tenant).await
    }

    pub async fn revoke_key(&self, id: &str, at: Timestamp) -> Result<Option<KeyInfo>> {
        keys::revoke_key(&PgConn(&self.client().await?), id, at).await
    }

    pub async fn touch_key(&self, id: &str, at: Timestamp, since: Timestamp) -> Result<()> {
        keys::touch_key(&PgConn(&self.client().await?), id, at, since).await
    }

    pub async fn insert_user(&self, user: NewUser, at: Timestamp) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let inserted = users::insert_user(&PgConn(&tx), &user, at).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(inserted)
    }

    pub async fn find_user(&self, name: &str) -> Result<Option<UserRecord>> {
        users::find_user(&PgConn(&self.client().await?), name).await
    }

    pub async fn list_users(&self, tenant: Option<&str>) -> Result<Vec<UserInfo>> {
        users::list_users(&PgConn(&self.client().await?), tenant).await
    }

    /// One transaction holding the user's row, so that logins of one user on any number of
    /// processes count its sessions one at a time.
    pub async fn open_session(&self, opening: SessionOpening) -> Result<SessionOpened> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let opened = sessions::open_session(&PgConn(&tx), &opening).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(opened)
    }

    pub async fn find_session(
        &self,
        token_hash: &str,
        live_since: Timestamp,
    ) -> Result<Option<SessionRecord>> {
        sessions::find_session(&PgConn(&self.client().await?), token_hash, live_since).await
    }

    pub async fn touch_session(
        &self,
        id: &str,
        at: Timestamp,
        since: Timestamp,
        live_since: Timestamp,
    ) -> Result<()> {
        let client = self.client().await?;
        sessions::touch_session(&PgConn(&client), id, at, since, live_since).await
    }

    pub async fn end_session(&self, token_hash: &str, live_since: Timestamp) -> Result<bool> {
        sessions::end_session(&PgConn(&self.client().await?), token_hash, live_since).await
    }

    pub async fn purge_sessions(&self, before: Timestamp) -> Result<u64> {
        sessions::purge_sessions(&PgConn(&self.client().await?), before).await
    }

    pub async fn number_key(&self) -> Result<String> {
        numbers::key(&PgConn(&self.client().await?)).await
    }

    pub async fn reserve_numbers(&self, count: u64) -> Result<u64> {
        numbers::reserve(&PgConn(&self.client().await?), count).await
    }

    pub async fn unnumbered_customers(&self, limit: i64) -> Result<Vec<String>> {
        numbers::unnumbered(&PgConn(&self.client().await?), limit).await
    }

    pub async fn set_numbers(&self, numbers: Vec<(String, Numbered)>) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        numbers::set(&PgConn(&tx), &numbers).await?;
        tx.commit().await.map_err(db_error)
    }

    pub async fn customer_by_number(
        &self,
        tenant: &str,
        number: Numbered,
    ) -> Result<Option<String>> {
        contacts::customer_by_number(&PgConn(&self.client().await?), tenant, number).await
    }

    pub async fn search_contacts(
        &self,
        tenant: &str,
        search: ContactSearch,
        limit: i64,
    ) -> Result<Vec<String>> {
        contacts::search(&PgConn(&self.client().await?), tenant, &search, limit).await
    }

    pub async fn catalog_usage(&self, tenant: &str) -> Result<CatalogUsage> {
        catalog_usage::usage(&PgConn(&self.client().await?), tenant).await
    }

    pub async fn catalog(&self, tenant: &str) -> Result<Option<(i64, String)>> {
        tenants::catalog(&PgConn(&self.client().await?), tenant).await
    }

    pub async fn catalog_version(&self, tenant: &str) -> Result<i64> {
        tenants::catalog_version(&PgConn(&self.client().await?), tenant).await
    }

    /// Native creates of one customer are written in groups of those waiting at once
    /// (`group`); every other write in a transaction of its own.
    pub async fn execute(&self, ctx: WriteCtx, write: Write, render: Render) -> Result<Executed> {
        if !grouped::groupable(&write) {
            return execute_alone(&self.pool, ctx, write, render).await;
        }
        match self.groups.execute(ctx, write, render).await {
            Ok(executed) => executed,
            Err((ctx, write, render)) => execute_alone(&self.pool, ctx, write, render).await,
        }
    }

    pub async fn execute_together(
        &self,
        writes: Vec<(WriteCtx, Write, Render)>,
    ) -> Vec<Result<Executed>> {
        group::together(&self.pool, writes).await
    }

    pub async fn object(&self, kind: Kind, tenant: &str, id: &str) -> Result<Option<Record>> {
        objects::object(&PgConn(&self.client().await?), kind, tenant, id).await
    }

    pub async fn objects(
        &self,
        kind: Kind,
        tenant: &str,
        filter: ListFilter,
    ) -> Result<Vec<Record>> {
        objects::objects(&PgConn(&self.client().await?), kind, tenant, &filter).await
    }

    pub async fn history(
        &self,
        kind: Kind,
        tenant: &str,
        id: &str,
        which: History,
    ) -> Result<Option<Vec<HistoryEntry>>> {
        history::read(&PgConn(&self.client().await?), kind, tenant, id, which).await
    }

    pub async fn events(&self, tenant: &str, after: i64, limit: usize) -> Result<Vec<Event>> {
        let mut client = self.client().await?;
        sequencer::sequence_events(&mut client).await?;
        events::after(&PgConn(&client), tenant, after, limit).await
    }

    pub async fn relay_newest(&self) -> Result<i64> {
        let mut client = self.client().await?;
        sequencer::sequence_events(&mut client).await?;
        relay::newest(&PgConn(&client)).await
    }

    pub async fn relay_events(&self, after: i64, limit: usize) -> Result<Vec<OutboxEvent>> {
        let mut client = self.client().await?;
        sequencer::sequence_events(&mut client).await?;
        relay::since(&PgConn(&client), after, limit).await
    }

    pub async fn ensure_cursor(&self, sink: &str, start: i64, at: Timestamp) -> Result<()> {
        relay::ensure(&PgConn(&self.client().await?), sink, start, at).await
    }

    pub async fn claim_cursor(
        &self,
        sink: &str,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<Option<Cursor>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let claimed = relay::claim(&PgConn(&tx), sink, owner, until, now).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(claimed)
    }

    pub async fn read_cursor(&self, sink: &str) -> Result<Option<Cursor>> {
        relay::read(&PgConn(&self.client().await?), sink).await
    }

    pub async fn advance_cursor(
        &self,
        sink: &str,
        owner: &str,
        cursor: Cursor,
        until: Timestamp,
        at: Timestamp,
    ) -> Result<bool> {
        relay::advance(
            &PgConn(&self.client().await?),
            sink,
            owner,
            cursor,
            until,
            at,
        )
        .await
    }

    pub async fn release_cursor(&self, sink: &str, owner: &str) -> Result<()> {
        relay::release(&PgConn(&self.client().await?), sink, owner).await
    }

    /// The cursor starts at the tenant's newest event once every committed one is numbered.
    pub async fn insert_webhook(&self, new: NewWebhook) -> Result<bool> {
        let mut client = self.client().await?;
        sequencer::sequence_events(&mut client).await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let inserted = webhooks::insert(&PgConn(&tx), &new).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(inserted)
    }

    pub async fn webhooks(&self, tenant: Option<&str>) -> Result<Vec<Webhook>> {
        let client = self.client().await?;
        match tenant {
            Some(tenant) => webhooks::of_tenant(&PgConn(&client), tenant).await,
            None => webhooks::all(&PgConn(&client)).await,
        }
    }

    pub async fn webhook(&self, tenant: &str, id: &str) -> Result<Option<Webhook>> {
        webhooks::one(&PgConn(&self.client().await?), tenant, id).await
    }

    pub async fn update_webhook(
        &self,
        tenant: &str,
        id: &str,
        change: WebhookChange,
        at: Timestamp,
    ) -> Result<Option<Webhook>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let updated = webhooks::update(&PgConn(&tx), tenant, id, &change, at).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(updated)
    }

    pub async fn delete_webhook(&self, tenant: &str, id: &str) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let deleted = webhooks::delete(&PgConn(&tx), tenant, id).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(deleted)
    }

    pub async fn replay_webhook(
        &self,
        tenant: &str,
        id: &str,
        after: i64,
        at: Timestamp,
    ) -> Result<Option<Webhook>> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let replayed = webhooks::replay(&PgConn(&tx), tenant, id, after, at).await?;
        tx.commit().await.map_err(db_error)?;
        Ok(replayed)
    }

    pub async fn mark_webhook_failing(&self, id: &str, since: Timestamp) -> Result<()> {
        webhooks::mark_failing(&PgConn(&self.client().await?), id, since).await
    }

    pub async fn webhook_deliveries(
        &self,
        id: &str,
        before: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        webhooks::deliveries(&PgConn(&self.client().await?), id, before, limit).await
    }

    pub async fn record_deliveries(&self, progress: DeliveryProgress) -> Result<bool> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        let recorded = webhooks::record_progress(&PgConn(&tx), &progress).await?;
        if recorded {
            tx.commit().await.map_err(db_error)?;
        }
        Ok(recorded)
    }

    pub async fn purge_deliveries(&self, before: Timestamp) -> Result<u64> {
        webhooks::purge_deliveries(&PgConn(&self.client().await?), before).await
    }

    pub async fn purge_idempotency(&self, before: Timestamp) -> Result<u64> {
        idempotency::purge(&PgConn(&self.client().await?), before).await
    }

    pub async fn close(&self) {
        self.pool.close();
    }
}
