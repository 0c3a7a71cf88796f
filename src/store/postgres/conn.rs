//! The shared SQL's connection over a pooled client or one of its transactions. Statements
//! are prepared once per connection and reused: a write makes several, and an unprepared
//! one costs an extra round trip each time.

use std::future::{poll_fn, Future};
use std::pin::pin;
use std::task::Poll;

use deadpool_postgres::GenericClient;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use super::db_error;
use crate::domain::refusal::UniqueKey;
use crate::store::sql::{constraints, Conn, Dialect, Param, Row, Statement};
use crate::store::Result;

pub(super) struct PgConn<'a, C>(pub(super) &'a C);

fn values<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params
        .iter()
        .map(|param| match param {
            Param::Text(text) => text as &(dyn ToSql + Sync),
            Param::OptText(text) => text,
            Param::I64(n) => n,
            Param::OptI64(n) => n,
            Param::I32(n) => n,
            Param::Bool(b) => b,
            Param::OptBool(b) => b,
            Param::Bytes(bytes) => bytes,
            Param::Texts(texts) => texts,
            Param::OptTexts(texts) => texts,
            Param::I64s(numbers) => numbers,
            Param::OptI64s(numbers) => numbers,
            Param::I32s(numbers) => numbers,
            Param::Bools(flags) => flags,
            Param::Blobs(blobs) => blobs,
        })
        .collect()
}

/// PostgreSQL names the violated index, which the constraint table knows or not.
fn unique_key(e: &tokio_postgres::Error) -> Option<UniqueKey> {
    let db = e.as_db_error()?;
    if db.code() != &SqlState::UNIQUE_VIOLATION {
        return None;
    }
    constraints::by_name(db.constraint()?)
}

impl<C: GenericClient> PgConn<'_, C> {
    /// The statement as this connection keeps it prepared.
    async fn prepared(
        &self,
        statement: &Statement,
    ) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
        self.0
            .prepare_cached(statement.text(Dialect::Postgres))
            .await
    }

    async fn run(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
    ) -> Result<u64, tokio_postgres::Error> {
        let prepared = self.prepared(statement).await?;
        self.0.execute(&prepared, &values(params)).await
    }

    /// Sends `first` (a statement of no parameters: `BEGIN`) and `statement` together, one
    /// round trip for both; `statement`'s rows. It is prepared before, so that its request
    /// cannot overtake `first`'s.
    pub(super) async fn query_after<T, F>(
        &self,
        first: &str,
        statement: &Statement,
        params: &[Param<'_>],
        decode: F,
    ) -> Result<Vec<T>>
    where
        F: FnMut(&dyn Row) -> Result<T>,
    {
        let prepared = self.prepared(statement).await.map_err(db_error)?;
        let values = values(params);
        let (first, rows) = in_order(
            self.0.batch_execute(first),
            self.0.query(&prepared, &values),
        )
        .await;
        first.map_err(db_error)?;
        decode_all(&rows.map_err(db_error)?, decode)
    }

    /// Sends `statement` and `last` (`COMMIT`) together, one round trip for both. When the
    /// statement fails its transaction is failed, and PostgreSQL ends it with a rollback
    /// whatever `last` asks: the statement's error is the answer then. The error is
    /// PostgreSQL's own, so that the caller can tell one the server answered (nothing was
    /// committed) from a lost connection (not known).
    pub(super) async fn exec_before(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
        last: &str,
    ) -> std::result::Result<(), tokio_postgres::Error> {
        let prepared = self.prepared(statement).await?;
        let values = values(params);
        let (run, last) =
            in_order(self.0.query(&prepared, &values), self.0.batch_execute(last)).await;
        run?;
        last
    }
}

/// Runs both futures to their end, always polling `first` before `second`. tokio-postgres
/// sends a request when its future is first polled and answers requests in the order
/// sent, so `first`'s goes out before `second`'s, and neither waits for the other's answer.
async fn in_order<A: Future, B: Future>(first: A, second: B) -> (A::Output, B::Output) {
    let (mut first, mut second) = (pin!(first), pin!(second));
    let (mut a, mut b) = (None, None);
    poll_fn(|cx| {
        if a.is_none() {
            if let Poll::Ready(out) = first.as_mut().poll(cx) {
                a = Some(out);
            }
        }
        if b.is_none() {
            if let Poll::Ready(out) = second.as_mut().poll(cx) {
                b = Some(out);
            }
        }
        match (&a, &b) {
            (Some(_), Some(_)) => Poll::Ready(()),
            _ => Poll::Pending,
        }
    })
    .await;
    (a.expect("polled to its end"), b.expect("polled to its end"))
}

impl<C: GenericClient> Conn for PgConn<'_, C> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn exec(&self, statement: &Statement, params: &[Param<'_>]) -> Result<u64> {
        self.run(statement, params).await.map_err(db_error)
    }

    async fn exec_unique(
        &self,
        statement: &Statement,
        params: &[Param<'_>],
    ) -> Result<std::result::Result<u64, UniqueKey>> {
        match self.run(statement, params).await {
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
        let prepared = self.prepared(statement).await.map_err(db_error)?;
        let rows = self
            .0
            .query(&prepared, &values(params))
            .await
            .map_err(db_error)?;
        decode_all(&rows, decode)
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
        let rows = self.0.query(sql, &values(params)).await.map_err(db_error)?;
        decode_all(&rows, decode)
    }

    async fn query_shaped<T, F>(&self, sql: &str, params: &[Param<'_>], decode: F) -> Result<Vec<T>>
    where
        F: FnMut(&dyn Row) -> Result<T>,
    {
        let prepared = self.0.prepare_cached(sql).await.map_err(db_error)?;
        let rows = self
            .0
            .query(&prepared, &values(params))
            .await
            .map_err(db_error)?;
        decode_all(&rows, decode)
    }

    async fn savepoint(&self) -> Result<()> {
        self.0
            .batch_execute("SAVEPOINT work")
            .await
            .map_err(db_error)
    }

    async fn release(&self) -> Result<()> {
        self.0.batch_execute("RELEASE work").await.map_err(db_error)
    }

    async fn rollback(&self) -> Result<()> {
        self.0
            .batch_execute("ROLLBACK TO work")
            .await
            .map_err(db_error)
    }
}

fn decode_all<T>(
    rows: &[tokio_postgres::Row],
    mut decode: impl FnMut(&dyn Row) -> Result<T>,
) -> Result<Vec<T>> {
    rows.iter().map(|row| decode(row)).collect()
}

impl Row for tokio_postgres::Row {
    fn text(&self, column: usize) -> Result<String> {
        self.try_get(column).map_err(db_error)
    }

    fn opt_text(&self, column: usize) -> Result<Option<String>> {
        self.try_get(column).map_err(db_error)
    }

    fn i64(&self, column: usize) -> Result<i64> {
        self.try_get(column).map_err(db_error)
    }

    fn opt_i32(&self, column: usize) -> Result<Option<i32>> {
        self.try_get(column).map_err(db_error)
    }

    fn opt_i64(&self, column: usize) -> Result<Option<i64>> {
        self.try_get(column).map_err(db_error)
    }

    fn bool(&self, column: usize) -> Result<bool> {
        self.try_get(column).map_err(db_error)
    }

    fn opt_bool(&self, column: usize) -> Result<Option<bool>> {
        self.try_get(column).map_err(db_error)
    }

    fn opt_bytes(&self, column: usize) -> Result<Option<Vec<u8>>> {
        self.try_get(column).map_err(db_error)
    }
}
