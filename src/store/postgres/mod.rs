//! The PostgreSQL backend: a pool of connections, each write one transaction. The server
//! keeps no state of its own, so any number of processes can share one database. The SQL
//! stays within what Postgres-wire distributed engines accept: no advisory locks and no
//! server-side functions in the write path.

mod queries;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

use super::{
    EntityFilter, EntityRow, EventRecord, Executed, History, HistoryRow, KeyRecord, Kind, Render,
    Result, StoreError, WriteCtx, WriteOp,
};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_hierarchy.sql"),
];
const POOL_SIZE: usize = 32;

pub(crate) fn db_error(e: tokio_postgres::Error) -> StoreError {
    if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) {
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

#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
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
        let store = Self { pool };
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
        let tx = client.transaction().await.map_err(migration)?;
        // Serialises processes that start at once on a fresh database.
        tx.batch_execute("LOCK TABLE schema_migrations IN EXCLUSIVE MODE")
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
                &[&((i + 1) as i64), &crate::store::now_micros()],
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

    pub async fn ensure_tenant(&self, tenant: &str, at: i64) -> Result<()> {
        queries::ensure_tenant(&self.client().await?, tenant, at).await
    }

    pub async fn insert_key(&self, key: KeyRecord, hash: String, at: i64) -> Result<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(db_error)?;
        queries::insert_key(&tx, &key, &hash, at).await?;
        tx.commit().await.map_err(db_error)
    }

    pub async fn has_key_with_role(&self, tenant: &str, role: &str) -> Result<bool> {
        queries::has_key_with_role(&self.client().await?, tenant, role).await
    }

    pub async fn find_key(&self, hash: &str) -> Result<Option<KeyRecord>> {
        queries::find_key(&self.client().await?, hash).await
    }

    pub async fn catalog(&self, tenant: &str) -> Result<Option<(i64, String)>> {
        queries::catalog(&self.client().await?, tenant).await
    }

    pub async fn catalog_version(&self, tenant: &str) -> Result<i64> {
        queries::catalog_version(&self.client().await?, tenant).await
    }

    pub async fn execute(&self, ctx: WriteCtx, op: WriteOp, render: Render) -> Result<Executed> {
        let mut client = self.client().await?;
        queries::execute(&mut client, &ctx, op, render).await
    }

    pub async fn entity(&self, kind: Kind, tenant: &str, id: &str) -> Result<Option<EntityRow>> {
        queries::entity(&self.client().await?, kind, tenant, id).await
    }

    pub async fn entities(
        &self,
        kind: Kind,
        tenant: &str,
        filter: EntityFilter,
    ) -> Result<Vec<EntityRow>> {
        queries::entities(&self.client().await?, kind, tenant, &filter).await
    }

    pub async fn history(
        &self,
        kind: Kind,
        tenant: &str,
        id: &str,
        which: History,
    ) -> Result<Option<Vec<HistoryRow>>> {
        queries::history(&self.client().await?, kind, tenant, id, which).await
    }

    pub async fn events(&self, tenant: &str, after: i64, limit: usize) -> Result<Vec<EventRecord>> {
        let mut client = self.client().await?;
        queries::events(&mut client, tenant, after, limit).await
    }

    pub async fn purge_idempotency(&self, before: i64) -> Result<u64> {
        self.client()
            .await?
            .execute(
                "DELETE FROM idempotency WHERE created_at < $1 AND status IS NOT NULL",
                &[&before],
            )
            .await
            .map_err(db_error)
    }

    pub async fn close(&self) {
        self.pool.close();
    }
}
