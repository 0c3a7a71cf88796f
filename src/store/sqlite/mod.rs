//! The embedded backend: one file in WAL mode with `synchronous=FULL`, one group-committing
//! writer and a small pool of readers.

mod checkpoints;
mod conn;
mod writer;

use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::Semaphore;

use super::sql::{
    catalog_usage, contacts, events, execute, history, idempotency, keys, numbers, objects, relay,
    sessions, tenants, users, webhooks,
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
use checkpoints::Checkpoints;
use conn::{complete, SqliteConn};
use writer::Writer;

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
    include_str!("migrations/0011_first_history_in_row.sql"),
    include_str!("migrations/0012_number_counter.sql"),
];
const READERS: usize = 4;
/// What one of the writer's transactions takes at most. The rows bound keeps a commit short
/// when big writes wait (import chunks, bank batches): an import's next chunk then waits
/// for a commit of its own, which leaves the file's lock free in between for a server
/// beside it.
const WRITER_BOUNDS: writer::Bounds = writer::Bounds {
    writes: 256,
    rows: 512,
};

pub(crate) fn db_error(e: rusqlite::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Writer,
    readers: Readers,
}

/// Read connections handed out one per query; WAL lets them read while the writer writes.
struct Readers {
    path: String,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

fn open_connection(path: &str, read_only: bool) -> Result<Connection> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(db_error)?;
    // Every statement the shared SQL uses stays prepared; rusqlite's default of 16 is fewer
    // than a create alone runs, and a statement pushed out is parsed again.
    conn.set_prepared_statement_cache_capacity(256);
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(db_error)?;
    if !read_only {
        // WAL lets readers run beside the writer; FULL fsyncs every commit, so a 2xx is durable.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_error)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(db_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(db_error)?;
        // An insert that writes a row and its indexes and may still fail on a constraint
        // keeps the pages it changes in a statement journal, to undo itself alone; past
        // 64 KiB in one write (an import's chunk) SQLite spills that journal to a temp file,
        // and an import's writer spent a quarter of its time writing it. It only undoes a
        // statement or savepoint of a live transaction and never recovers a crash, so keeping
        // it in memory leaves durability as it is.
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(db_error)?;
    }
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    let current: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| StoreError::Migration(e.to_string()))?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Migration(format!("migration {}: {e}", i + 1)))?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(|e| StoreError::Migration(e.to_string()))?;
    }
    tx.commit()
        .map_err(|e| StoreError::Migration(e.to_string()))
}

impl Readers {
    async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::WriterGone)?;
        let idle = self.idle.lock().expect("reader pool lock").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => open_connection(&self.path, true)?,
        };
        let (conn, result) = tokio::task::spawn_blocking(move || {
            let result = work(&conn);
            (conn, result)
        })
        .await
        .map_err(|e| StoreError::Database(format!("a read panicked: {e}")))?;
        self.idle.lock().expect("reader pool lock").push(conn);
        result
    }
}

impl SqliteStore {
    pub async fn open(path: &str) -> Result<Self> {
        let path = path.to_owned();
        let writer_path = path.clone();
        let (conn, checkpoints) =
            tokio::task::spawn_blocking(move || -> Result<(Connection, Checkpoints)> {
                // Another process opening the same new file at this moment (a second server, the
                // CLI) can hold the lock that switching to WAL or migrating needs: wait and retry.
                let mut attempts = 0;
                loop {
                    let opened = open_connection(&writer_path, false).and_then(|mut conn| {
                        migrate(&mut conn)?;
                        let own = open_connection(&writer_path, false)?;
                        let checkpoints = Checkpoints::start(&conn, own).map_err(db_error)?;
                        Ok((conn, checkpoints))
                    });
                    match opened {
                        Err(e)
                            if attempts < 100 && e.to_string().contains("database is locked") =>
                        {
                            attempts += 1;
                            std::thread::sleep(std::time::Duration::from_millis(50));
                        }
                        other => return other,
                    }
                }
            })
            .await
            .map_err(|e| StoreError::Database(e.to_string()))??;
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Writer::start(conn, WRITER_BOUNDS, checkpoints),
                readers: Readers {
                    path,
                    idle: Mutex::new(Vec::new()),
                    permits: Semaphore::new(READERS),
                },
            }),
        })
    }

    /// Runs one of the shared reads on a reader connection.
    async fn read<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: AsyncFnOnce(&SqliteConn<'_>) -> Result<T> + Send + 'static,
    {
        self.inner
            .readers
            .read(move |conn| complete(work(&SqliteConn(conn))))
            .await
    }

    /// Runs one of the shared writes in the writer's next group commit, maybe twice (see
    /// [`writer`]).
    async fn write<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: AsyncFnMut(&SqliteConn<'_>) -> Result<T> + Send + 'static,
    {
        self.write_rows(1, work).await
    }

    /// A write of about `rows` rows.
    async fn write_rows<T, F>(&self, rows: usize, mut work: F) -> Result<T>
    where
        T: Send + 'static,
        F: AsyncFnMut(&SqliteConn<'_>) -> Result<T> + Send + 'static,
    {
        self.inner
            .writer
            .run(rows, move |conn| complete(work(&SqliteConn(conn))))
            .await
    }

    pub async fn ping(&self) -> Result<()> {
        self.inner
            .readers
            .read(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(db_error))
            .await
    }

    pub async fn ensure_tenant(&self, tenant: &str, at: Timestamp) -> Result<()> {
        let tenant = tenant.to_owned();
        self.write(async move |c| tenants::ensure_tenant(c, &tenant, at).await)
            .await
    }

    pub async fn insert_key(&self, key: KeyRecord, hash: String, at: Timestamp) -> Result<()> {
        self.write(async move |c| keys::insert_key(c, &key, &hash, at).await)
            .await
    }

    pub async fn has_key_with_role(&self, tenant: &str, role: Role) -> Result<bool> {
        let tenant = tenant.to_owned();
        self.read(async move |c| keys::has_key_with_role(c, &tenant, role).await)
            .await
    }

    pub async fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>> {
        let hash = hash.to_owned();
        self.read(async move |c| keys::find_key(c, &hash).await)
            .await
    }

    pub async fn live_keys(&self) -> Result<Vec<KnownKey>> {
        self.read(async move |c| keys::live_keys(c).await).await
    }

    pub async fn list_keys(&self, tenant: Option<&str>) -> Result<Vec<KeyInfo>> {
        let tenant = tenant.map(str::to_owned);
        self.read(async move |c| keys::list_keys(c, tenant.as_deref()).await)
            .await
    }

    pub async fn revoke_key(&self, id: &str, at: Timestamp) -> Result<Option<KeyInfo>> {
        let id = id.to_owned();
        self.write(async move |c| keys::revoke_key(c, &id, at).await)
            .await
    }

    pub async fn touch_key(&self, id: &str, at: Timestamp, since: Timestamp) -> Result<()> {
        let id = id.to_owned();
        self.write(async move |c| keys::touch_key(c, &id, at, since).await)
            .await
    }

    pub async fn insert_user(&self, user: NewUser, at: Timestamp) -> Result<bool> {
        self.write(async move |c| users::insert_user(c, &user, at).await)
            .await
    }

    pub async fn find_user(&self, name: &str) -> Result<Option<UserRecord>> {
        let name = name.to_owned();
        self.read(async move |c| users::find_user(c, &name).await)
            .await
    }

    pub async fn list_users(&self, tenant: Option<&str>) -> Result<Vec<UserInfo>> {
        let tenant = tenant.map(str::to_owned);
        self.read(async move |c| users::list_users(c, tenant.as_deref()).await)
            .await
    }

    /// The single writer runs each login alone, which makes counting sessions atomic.
    pub async fn open_session(&self, opening: SessionOpening) -> Result<SessionOpened> {
        self.write(async move |c| sessions::open_session(c, &opening).await)
            .await
    }

    pub async fn find_session(
        &self,
        token_hash: &str,
        live_since: Timestamp,
    ) -> Result<Option<SessionRecord>> {
        let token_hash = token_hash.to_owned();
        self.read(async move |c| sessions::find_session(c, &token_hash, live_since).await)
            .await
    }

    pub async fn touch_session(
        &self,
        id: &str,
        at: Timestamp,
        since: Timestamp,
        live_since: Timestamp,
    ) -> Result<()> {
        let id = id.to_owned();
        self.write(async move |c| sessions::touch_session(c, &id, at, since, live_since).await)
            .await
    }

    pub async fn end_session(&self, token_hash: &str, live_since: Timestamp) -> Result<bool> {
        let token_hash = token_hash.to_owned();
        self.write(async move |c| sessions::end_session(c, &token_hash, live_since).await)
            .await
    }

    pub async fn purge_sessions(&self, before: Timestamp) -> Result<u64> {
        self.write(async move |c| sessions::purge_sessions(c, before).await)
            .await
    }

    pub async fn number_key(&self) -> Result<String> {
        self.read(async move |c| numbers::key(c).await).await
    }

    pub async fn reserve_numbers(&self, count: u64) -> Result<u64> {
        self.write(async move |c| numbers::reserve(c, count).await)
            .await
    }

    pub async fn unnumbered_customers(&self, limit: i64) -> Result<Vec<String>> {
        self.read(async move |c| numbers::unnumbered(c, limit).await)
            .await
    }

    pub async fn set_numbers(&self, numbers: Vec<(String, Numbered)>) -> Result<()> {
        self.write(async move |c| numbers::set(c, &numbers).await)
            .await
    }

    pub async fn customer_by_number(
        &self,
        tenant: &str,
        number: Numbered,
    ) -> Result<Option<String>> {
        let tenant = tenant.to_owned();
        self.read(async move |c| contacts::customer_by_number(c, &tenant, number).await)
            .await
    }

    pub async fn search_contacts(
        &self,
        tenant: &str,
        search: ContactSearch,
        limit: i64,
    ) -> Result<Vec<String>> {
        let tenant = tenant.to_owned();
        self.read(async move |c| contacts::search(c, &tenant, &search, limit).await)
            .await
    }

    pub async fn catalog_usage(&self, tenant: &str) -> Result<CatalogUsage> {
        let tenant = tenant.to_owned();
        self.read(async move |c| catalog_usage::usage(c, &tenant).await)
            .await
    }

    pub async fn catalog(&self, tenant: &str) -> Result<Option<(i64, String)>> {
        let tenant = tenant.to_owned();
        self.read(async move |c| tenants::catalog(c, &tenant).await)
            .await
    }

    pub async fn catalog_version(&self, tenant: &str) -> Result<i64> {
        let tenant = tenant.to_owned();
        self.read(async move |c| tenants::catalog_version(c, &tenant).await)
            .await
    }

    pub async fn execute(&self, ctx: WriteCtx, write: Write, render: Render) -> Result<Executed> {
        let rows = write.objects().max(1);
        self.write_rows(rows, async move |c| {
            execute::execute(c, &ctx, &write, &render).await
        })
        .await
    }

    /// All sent to the writer at once, which commits what waits together.
    pub async fn execute_together(
        &self,
        writes: Vec<(WriteCtx, Write, Render)>,
    ) -> Vec<Result<Executed>> {
        let running: Vec<_> = writes
            .into_iter()
            .map(|(ctx, write, render)| {
                let store = self.clone();
                tokio::spawn(async move { store.execute(ctx, write, render).await })
            })
            .collect();
        let mut executed = Vec::with_capacity(running.len());
        for task in running {
            executed.push(task.await.unwrap_or(Err(StoreError::WriterGone)));
        }
        executed
    }

    pub async fn object(&self, kind: Kind, tenant: &str, id: &str) -> Result<Option<Record>> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.read(async move |c| objects::object(c, kind, &tenant, &id).await)
            .await
    }

    pub async fn objects(
        &self,
        kind: Kind,
        tenant: &str,
        filter: ListFilter,
    ) -> Result<Vec<Record>> {
        let tenant = tenant.to_owned();
        self.read(async move |c| objects::objects(c, kind, &tenant, &filter).await)
            .await
    }

    pub async fn history(
        &self,
        kind: Kind,
        tenant: &str,
        id: &str,
        which: History,
    ) -> Result<Option<Vec<HistoryEntry>>> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.read(async move |c| history::read(c, kind, &tenant, &id, which).await)
            .await
    }

    pub async fn events(&self, tenant: &str, after: i64, limit: usize) -> Result<Vec<Event>> {
        let tenant = tenant.to_owned();
        self.read(async move |c| events::after(c, &tenant, after, limit).await)
            .await
    }

    pub async fn relay_newest(&self) -> Result<i64> {
        self.read(async move |c| relay::newest(c).await).await
    }

    pub async fn relay_events(&self, after: i64, limit: usize) -> Result<Vec<OutboxEvent>> {
        self.read(async move |c| relay::since(c, after, limit).await)
            .await
    }

    pub async fn ensure_cursor(&self, sink: &str, start: i64, at: Timestamp) -> Result<()> {
        let sink = sink.to_owned();
        self.write(async move |c| relay::ensure(c, &sink, start, at).await)
            .await
    }

    pub async fn claim_cursor(
        &self,
        sink: &str,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<Option<Cursor>> {
        let (sink, owner) = (sink.to_owned(), owner.to_owned());
        self.write(async move |c| relay::claim(c, &sink, &owner, until, now).await)
            .await
    }

    pub async fn read_cursor(&self, sink: &str) -> Result<Option<Cursor>> {
        let sink = sink.to_owned();
        self.read(async move |c| relay::read(c, &sink).await).await
    }

    pub async fn advance_cursor(
        &self,
        sink: &str,
        owner: &str,
        cursor: Cursor,
        until: Timestamp,
        at: Timestamp,
    ) -> Result<bool> {
        let (sink, owner) = (sink.to_owned(), owner.to_owned());
        self.write(async move |c| relay::advance(c, &sink, &owner, cursor, until, at).await)
            .await
    }

    pub async fn release_cursor(&self, sink: &str, owner: &str) -> Result<()> {
        let (sink, owner) = (sink.to_owned(), owner.to_owned());
        self.write(async move |c| relay::release(c, &sink, &owner).await)
            .await
    }

    pub async fn insert_webhook(&self, new: NewWebhook) -> Result<bool> {
        self.write(async move |c| webhooks::insert(c, &new).await)
            .await
    }

    pub async fn webhooks(&self, tenant: Option<&str>) -> Result<Vec<Webhook>> {
        let tenant = tenant.map(str::to_owned);
        self.read(async move |c| match tenant {
            Some(tenant) => webhooks::of_tenant(c, &tenant).await,
            None => webhooks::all(c).await,
        })
        .await
    }

    pub async fn webhook(&self, tenant: &str, id: &str) -> Result<Option<Webhook>> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.read(async move |c| webhooks::one(c, &tenant, &id).await)
            .await
    }

    pub async fn update_webhook(
        &self,
        tenant: &str,
        id: &str,
        change: WebhookChange,
        at: Timestamp,
    ) -> Result<Option<Webhook>> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.write(async move |c| webhooks::update(c, &tenant, &id, &change, at).await)
            .await
    }

    pub async fn delete_webhook(&self, tenant: &str, id: &str) -> Result<bool> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.write(async move |c| webhooks::delete(c, &tenant, &id).await)
            .await
    }

    pub async fn replay_webhook(
        &self,
        tenant: &str,
        id: &str,
        after: i64,
        at: Timestamp,
    ) -> Result<Option<Webhook>> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.write(async move |c| webhooks::replay(c, &tenant, &id, after, at).await)
            .await
    }

    pub async fn mark_webhook_failing(&self, id: &str, since: Timestamp) -> Result<()> {
        let id = id.to_owned();
        self.write(async move |c| webhooks::mark_failing(c, &id, since).await)
            .await
    }

    pub async fn webhook_deliveries(
        &self,
        id: &str,
        before: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        let id = id.to_owned();
        self.read(async move |c| webhooks::deliveries(c, &id, before, limit).await)
            .await
    }

    pub async fn record_deliveries(&self, progress: DeliveryProgress) -> Result<bool> {
        self.write(async move |c| webhooks::record_progress(c, &progress).await)
            .await
    }

    pub async fn purge_deliveries(&self, before: Timestamp) -> Result<u64> {
        self.write(async move |c| webhooks::purge_deliveries(c, before).await)
            .await
    }

    pub async fn purge_idempotency(&self, before: Timestamp) -> Result<u64> {
        self.write(async move |c| idempotency::purge(c, before).await)
            .await
    }

    pub async fn close(&self) {
        self.inner.writer.stop().await;
    }
}
