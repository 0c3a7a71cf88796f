//! Customer numbers: the counter they are made from, reserved in blocks outside the writes
//! that use them, and the installation's key that permutes it.

use super::customers::stored_numbered;
use super::{Conn, Statement};
use crate::domain::number::Numbered;
use crate::store::Result;

static RESERVE: Statement = Statement::new(
    "UPDATE counters SET value = value + $1 WHERE name = 'customer_number' RETURNING value",
);
static KEY: Statement = Statement::new("SELECT value FROM secrets WHERE name = 'number_key'");
static UNNUMBERED: Statement =
    Statement::new("SELECT id FROM customers WHERE number IS NULL ORDER BY id LIMIT $1");
static SET: Statement =
    Statement::new("UPDATE customers SET number = $2, number_counter = $3 WHERE id = $1");

/// Reserves `count` counter values; the first of them. Committed on its own, so a value
/// handed out is never handed out again, whatever becomes of the write that uses it.
pub(crate) async fn reserve<C: Conn>(conn: &C, count: u64) -> Result<u64> {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let last = conn
        .query_one(&RESERVE, params![count], |row| row.i64(0))
        .await?;
    Ok((last - count + 1) as u64)
}

pub(crate) async fn key<C: Conn>(conn: &C) -> Result<String> {
    conn.query_one(&KEY, &[], |row| row.text(0)).await
}

/// Customers stored before numbers existed, at most `limit`.
pub(crate) async fn unnumbered<C: Conn>(conn: &C, limit: i64) -> Result<Vec<String>> {
    conn.query(&UNNUMBERED, params![limit], |row| row.text(0))
        .await
}

pub(crate) async fn set<C: Conn>(conn: &C, numbers: &[(String, Numbered)]) -> Result<()> {
    for (id, numbered) in numbers {
        let (number, counter) = stored_numbered(*numbered)?;
        conn.exec(&SET, params![id, number, counter]).await?;
    }
    Ok(())
}
