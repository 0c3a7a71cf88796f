//! The shared SQL's connection over rusqlite. Every call is synchronous, so the futures of
//! the shared code finish in their first poll, which [`complete`] makes.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{params_from_iter, Connection, ErrorCode};

use super::db_error;
use super::writer::run_cached;
use crate::domain::refusal::UniqueKey;
use crate::store::sql::{constraints, Conn, Dialect, Param, Row, Statement};
use crate::store::Result;

/// Runs one of the shared algorithms to its end on the calling thread.
///
/// # Panics
///
/// When the future waits: nothing the shared code awaits on SQLite may wait, so that is a bug.
pub(super) fn complete<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => {
            panic!("a SQLite store operation waited: the shared SQL must await only the connection")
        }
    }
}

pub(super) struct SqliteConn<'a>(pub(super) &'a Connection);

impl SqliteConn<'_> {
    fn run(&self, sql: &str, params: &[Param<'_>]) -> rusqlite::Result<u64> {
        let mut statement = self.0.prepare_cached(sql)?;
        statement
            .execute(params_from_iter(params))
            .map(|n| n as u64)
    }

    fn rows<T>(
        &self,
        sql: &str,
        params: &[Param<'_>],
        mut decode: impl FnMut(&dyn Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut statement = self.0.prepare_cached(sql).map_err(db_error)?;
        let mut rows = statement
            .query(params_from_iter(params))
            .map_err(db_error)?;
        let mut decoded = Vec::new();
        while let Some(row) = rows.next().map_err(db_error)? {
            decoded.push(decode(row)?);
        }
        Ok(decoded)
    }
}

/// SQLite names the columns of a violated unique index, not the index.
fn unique_key(e: &rusqlite::Error) -> Option<UniqueKey> {
    match e {
        rusqlite::Error::SqliteFailure(failure, Some(message))
            if failure.code == ErrorCode::ConstraintViolation =>
        {
            constraints::by_columns(message.strip_prefix("UNIQUE constraint failed: ")?)
        }
        _ => None,
    }
}

impl Conn for SqliteConn<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn exec(&self, statement: &Statement, params: &[Param<'_>]) -> Result<u64> {
        self.run(statement.text(Dialect::Sqlite), params)
            .map_err(db_error)
    }

    async fn exec_unique(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
    ) -> Result<std::result::Result<u64, UniqueKey>> {
        match self.run(statement.text(Dialect::Sqlite), params) {
            Ok(n) => Ok(Ok(n)),
            Err(e) => unique_key(&e).map(Err).ok_or_else(|| db_error(e)),
        }
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
        self.rows(statement.text(Dialect::Sqlite), params, decode)
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
        self.rows(sql, params, decode)
    }

    async fn savepoint(&self) -> Result<()> {
        // Inside the batch's transaction (and the writer's savepoint `job` when a batch runs
        // again), so a refusal undoes the write but keeps its claim and answer.
        run_cached(self.0, "SAVEPOINT work")
    }

    async fn release(&self) -> Result<()> {
        run_cached(self.0, "RELEASE work")
    }

    async fn rollback(&self) -> Result<()> {
        run_cached(self.0, "ROLLBACK TO work")?;
        run_cached(self.0, "RELEASE work")
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Param::Text(text) | Param::OptText(Some(text)) => {
                ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes()))
            }
            Param::OptText(None) => ToSqlOutput::Owned(Value::Null),
            Param::I64(n) | Param::OptI64(Some(n)) => ToSqlOutput::Owned(Value::Integer(n)),
            Param::OptI64(None) => ToSqlOutput::Owned(Value::Null),
            Param::I32(n) => ToSqlOutput::Owned(Value::Integer(n.into())),
            Param::Bool(b) | Param::OptBool(Some(b)) => {
                ToSqlOutput::Owned(Value::Integer(b.into()))
            }
            Param::OptBool(None) => ToSqlOutput::Owned(Value::Null),
            Param::Bytes(bytes) => ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
            Param::Texts(_)
            | Param::OptTexts(_)
            | Param::I64s(_)
            | Param::OptI64s(_)
            | Param::I32s(_)
            | Param::Bools(_)
            | Param::Blobs(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "SQLite binds no arrays".into(),
                ))
            }
        })
    }
}

impl Row for rusqlite::Row<'_> {
    fn text(&self, column: usize) -> Result<String> {
        self.get(column).map_err(db_error)
    }

    fn opt_text(&self, column: usize) -> Result<Option<String>> {
        self.get(column).map_err(db_error)
    }

    fn i64(&self, column: usize) -> Result<i64> {
        self.get(column).map_err(db_error)
    }

    fn opt_i32(&self, column: usize) -> Result<Option<i32>> {
        self.get(column).map_err(db_error)
    }

    fn opt_i64(&self, column: usize) -> Result<Option<i64>> {
        self.get(column).map_err(db_error)
    }

    fn bool(&self, column: usize) -> Result<bool> {
        self.get(column).map_err(db_error)
    }

    fn opt_bool(&self, column: usize) -> Result<Option<bool>> {
        self.get(column).map_err(db_error)
    }

    fn opt_bytes(&self, column: usize) -> Result<Option<Vec<u8>>> {
        self.get(column).map_err(db_error)
    }
}
