//! Numbers committed events in commit order. Concurrent transactions commit in an order
//! their inserts do not show, so events get their numbers only once committed, from one
//! serialised step (the lock on the sequencer row): numbers follow commit order and a
//! reader that has seen N never later finds an event below N. Each event gets the next
//! global `seq` and its tenant's next number (`tenant_seq`, what the feed shows).

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
         SELECT id, tenant_id FROM events WHERE seq IS NULL ORDER BY id LIMIT 10000), \
     numbered AS ( \
         SELECT p.id, p.tenant_id, row_number() OVER (ORDER BY p.id) AS n, \
             COALESCE(s.last_seq, 0) \
                 + row_number() OVER (PARTITION BY p.tenant_id ORDER BY p.id) AS t \
         FROM pending p LEFT JOIN event_tenant_seqs s ON s.tenant_id = p.tenant_id), \
     updated AS ( \
         UPDATE events e SET seq = $1 + n.n, tenant_seq = n.t FROM numbered n \
         WHERE e.id = n.id RETURNING e.tenant_id, e.tenant_seq), \
     tenants AS ( \
         INSERT INTO event_tenant_seqs (tenant_id, last_seq) \
         SELECT tenant_id, MAX(tenant_seq) FROM updated GROUP BY tenant_id \
         ON CONFLICT (tenant_id) DO UPDATE SET last_seq = EXCLUDED.last_seq) \
     SELECT count(*) FROM updated",
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
    let numbered = conn
        .query_one(&NUMBER, params![last], |row| row.i64(0))
        .await?;
    conn.exec(&ADVANCE, params![numbered]).await?;
    tx.commit().await.map_err(db_error)
}
