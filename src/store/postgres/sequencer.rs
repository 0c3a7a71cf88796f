//! Numbers committed events in commit order. Concurrent transactions commit in an order
//! their inserts do not show, so events get their `seq` only once committed, from one
//! serialised step (the lock on the sequencer row): numbers follow commit order and a
//! reader that has seen N never later finds an event below N.

use deadpool_postgres::Client;

use super::conn::PgConn;
use super::db_error;
use crate::store::sql::{params, Conn, Statement};
use crate::store::Result;

static PENDING: Statement = Statement::new("SELECT 1 FROM events WHERE seq IS NULL LIMIT 1");
static LAST: Statement =
    Statement::new("SELECT last_seq FROM event_sequencer WHERE id = 1 FOR UPDATE");
static NUMBER: Statement = Statement::new(
    "WITH pending AS ( \
         SELECT id, row_number() OVER (ORDER BY id) AS n FROM events \
         WHERE seq IS NULL ORDER BY id LIMIT 10000) \
     UPDATE events e SET seq = $1 + p.n FROM pending p WHERE e.id = p.id",
);
static ADVANCE: Statement =
    Statement::new("UPDATE event_sequencer SET last_seq = last_seq + $1 WHERE id = 1");

/// Numbers the committed events that have none yet, if there are any.
pub(super) async fn sequence_events(client: &mut Client) -> Result<()> {
    let pending = PgConn(&*client)
        .query_opt(&PENDING, &[], |_| Ok(()))
        .await?;
    if pending.is_none() {
        return Ok(());
    }
    let tx = client.transaction().await.map_err(db_error)?;
    let conn = PgConn(&tx);
    let last = conn.query_one(&LAST, &[], |row| row.i64(0)).await?;
    let numbered = conn.exec(&NUMBER, params![last]).await?;
    let numbered = i64::try_from(numbered).unwrap_or(i64::MAX);
    conn.exec(&ADVANCE, params![numbered]).await?;
    tx.commit().await.map_err(db_error)
}
