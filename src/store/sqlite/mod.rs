//! The embedded backend: one file in WAL mode with `synchronous=FULL`, one group-committing
//! writer and a small pool of readers.

mod checkpoints;
mod conn;
mod open;
mod outbox;
mod readers;
mod writer;

use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::sql::{
    catalog_usage, contacts, events, execute, history, idempotency, keys, numbers, objects,
    sessions, tenants, users,
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
use crate::domain::Kind;
use checkpoints::Checkpoints;
use conn::{complete, SqliteConn};
use open::{migrate, open_connection};
use readers::{list_reach, page_reach, Reach, Readers};
use writer::Writer;

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

    /// Runs one of the shared reads on a reader connection, where its [`Reach`] says.
    async fn read<T, F>(&self, reach: Reach, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: AsyncFnOnce(&SqliteConn<'_>) -> Result<T> + Send + 'static,
    {
        self.inner
            .readers
            .read(reach, move |conn| complete(work(&SqliteConn(conn))))
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
            .read(Reach::Few, |conn| {
                conn.query_row("SELECT 1", [], |_| Ok(())).map_err(db_error)
            })
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
        self.read(Reach::Many, async move |c| {
            keys::has_key_with_role(c, &tenant, role).await
        })
        .await
    }

    pub async fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>> {
        let hash = hash.to_owned();
        self.read(Reach::Few, async move |c| keys::find_key(c, &hash).await)
            .await
    }

    pub async fn live_keys(&self) -> Result<Vec<KnownKey>> {
        self.read(Reach::Many, async move |c| keys::live_keys(c).await)
            .await
    }

    pub async fn list_keys(&self, tenant: Option<&str>) -> Result<Vec<KeyInfo>> {
        let tenant = tenant.map(str::to_owned);
        self.read(Reach::Many, async move |c| {
            keys::list_keys(c, tenant.as_deref()).await
        })
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
        self.read(Reach::Few, async move |c| users::find_user(c, &name).await)
            .await
    }

    pub async fn list_users(&self, tenant: Option<&str>) -> Result<Vec<UserInfo>> {
        let tenant = tenant.map(str::to_owned);
        self.read(Reach::Many, async move |c| {
            users::list_users(c, tenant.as_deref()).await
        })
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
        self.read(Reach::Few, async move |c| {
            sessions::find_session(c, &token_hash, live_since).await
        })
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
        self.read(Reach::Few, async move |c| numbers::key(c).await)
            .await
    }

    pub async fn reserve_numbers(&self, count: u64) -> Result<u64> {
        self.write(async move |c| numbers::reserve(c, count).await)
            .await
    }

    pub async fn unnumbered_customers(&self, limit: i64) -> Result<Vec<String>> {
        self.read(Reach::Many, async move |c| {
            numbers::unnumbered(c, limit).await
        })
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
        self.read(Reach::Few, async move |c| {
            contacts::customer_by_number(c, &tenant, number).await
        })
        .await
    }

    pub async fn search_contacts(
        &self,
        tenant: &str,
        search: ContactSearch,
        limit: i64,
    ) -> Result<Vec<String>> {
        let tenant = tenant.to_owned();
        self.read(Reach::Many, async move |c| {
            contacts::search(c, &tenant, &search, limit).await
        })
        .await
    }

    pub async fn catalog_usage(&self, tenant: &str) -> Result<CatalogUsage> {
        let tenant = tenant.to_owned();
        self.read(Reach::Many, async move |c| {
            catalog_usage::usage(c, &tenant).await
        })
        .await
    }

    pub async fn catalog(&self, tenant: &str) -> Result<Option<(i64, String)>> {
        let tenant = tenant.to_owned();
        self.read(Reach::Few, async move |c| {
            tenants::catalog(c, &tenant).await
        })
        .await
    }

    pub async fn catalog_version(&self, tenant: &str) -> Result<i64> {
        let tenant = tenant.to_owned();
        self.read(Reach::Few, async move |c| {
            tenants::catalog_version(c, &tenant).await
        })
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
        self.read(Reach::Few, async move |c| {
            objects::object(c, kind, &tenant, &id).await
        })
        .await
    }

    pub async fn objects(
        &self,
        kind: Kind,
        tenant: &str,
        filter: ListFilter,
    ) -> Result<Vec<Record>> {
        let tenant = tenant.to_owned();
        self.read(list_reach(&filter), async move |c| {
            objects::objects(c, kind, &tenant, &filter).await
        })
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
        self.read(Reach::Many, async move |c| {
            history::read(c, kind, &tenant, &id, which).await
        })
        .await
    }

    pub async fn events(&self, tenant: &str, after: i64, limit: usize) -> Result<Vec<Event>> {
        let tenant = tenant.to_owned();
        self.read(page_reach(limit), async move |c| {
            events::after(c, &tenant, after, limit).await
        })
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
