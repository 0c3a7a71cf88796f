//! Counting the statements of a write, for `/metrics`: on PostgreSQL each statement is a
//! round trip (once prepared; a statement's first use on a pooled connection adds its
//! prepare), so the count is what a write costs in waiting on the network. The backend's
//! own BEGIN and COMMIT come on top.

use std::sync::atomic::{AtomicU32, Ordering};

use super::{Conn, Dialect, Param, Row, Statement};
use crate::domain::refusal::UniqueKey;
use crate::store::{Result, Write};

/// A connection that counts what runs through it, and otherwise is the one it wraps.
pub(crate) struct Counted<'c, C> {
    conn: &'c C,
    statements: AtomicU32,
}

impl<'c, C: Conn> Counted<'c, C> {
    pub(crate) fn new(conn: &'c C) -> Self {
        Self {
            conn,
            statements: AtomicU32::new(0),
        }
    }

    fn count(&self) {
        self.statements.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts `statements` run on the connection beside this wrapper.
    pub(crate) fn add(&self, statements: u32) {
        self.statements.fetch_add(statements, Ordering::Relaxed);
    }

    /// Records the statements counted as one write of `write`'s kind.
    pub(crate) fn record(&self, write: &'static str) {
        self.record_shared(write, 1);
    }

    /// Records the statements counted as `writes` writes of `write`'s kind that ran
    /// together, each costing its share.
    pub(crate) fn record_shared(&self, write: &'static str, writes: usize) {
        let backend = match self.conn.dialect() {
            Dialect::Postgres => "postgres",
            Dialect::Sqlite => "sqlite",
        };
        let statements = f64::from(self.statements.load(Ordering::Relaxed));
        let histogram = metrics::histogram!("clientele_store_write_statements", "backend" => backend, "write" => write);
        for _ in 0..writes {
            histogram.record(statements / writes as f64);
        }
    }
}

/// The name a write's statements are counted under.
pub(crate) fn kind(write: &Write) -> &'static str {
    match write {
        Write::Create(_) => "create",
        Write::ChangeState(_) => "change_state",
        Write::Patch { .. } => "patch",
        Write::EditContact { .. } => "edit_contact",
        Write::PutCatalog { .. } => "put_catalog",
        Write::Refuse => "refuse",
    }
}

impl<C: Conn> Conn for Counted<'_, C> {
    fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    async fn exec(&self, statement: &Statement, params: &[Param<'_>]) -> Result<u64> {
        self.count();
        self.conn.exec(statement, params).await
    }

    async fn exec_unique(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
    ) -> Result<std::result::Result<u64, UniqueKey>> {
        self.count();
        self.conn.exec_unique(statement, params).await
    }

    async fn query<T, F>(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
        decode: F,
    ) -> Result<Vec<T>>
    where
        F: FnMut(&dyn Row) -> Result<T>,
    {
        self.count();
        self.conn.query(statement, params, decode).await
    }

    async fn query_varying<T, F>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        decode: F,
    ) -> Result<Vec<T>>
    where
        F: FnMut(&dyn Row) -> Result<T>,
    {
        self.count();
        self.conn.query_varying(sql, params, decode).await
    }

    async fn query_shaped<T, F>(&self, sql: &str, params: &[Param<'_>], decode: F) -> Result<Vec<T>>
    where
        F: FnMut(&dyn Row) -> Result<T>,
    {
        self.count();
        self.conn.query_shaped(sql, params, decode).await
    }

    async fn savepoint(&self) -> Result<()> {
        self.count();
        self.conn.savepoint().await
    }

    async fn release(&self) -> Result<()> {
        self.count();
        self.conn.release().await
    }

    async fn rollback(&self) -> Result<()> {
        self.count();
        self.conn.rollback().await
    }
}
