//! What the relay reads from the outbox and keeps of its position: every tenant's events in
//! the global commit order (`events.seq`), and one cursor row per sink with a lease, so that
//! of several server processes on one database only one advances a sink at a time.
//!
//! A lease is a row with an owner and an expiry, taken only when free or expired and kept by
//! renewing it; an advance names its owner (and the cursor's generation), so a process whose
//! lease was taken over, or whose cursor was reset by a replay, advances nothing. Times are
//! the processes' clocks, so they should agree to well within a lease.

use super::{timestamp, Conn, Row, Statement};
use crate::domain::events::Event;
use crate::domain::time::Timestamp;
use crate::domain::webhooks::{Cursor, OutboxEvent};
use crate::store::Result;

static NEWEST: Statement = Statement::new("SELECT COALESCE(MAX(seq), 0) FROM events");
/// `seq > $1` also leaves out PostgreSQL's events that the sequencer has not numbered yet.
static SINCE: Statement = Statement::new(
    "SELECT seq, tenant_id, tenant_seq, type, entity, entity_id, actor, at, data, event_id \
     FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
);
static TENANT_NEWEST: Statement =
    Statement::new("SELECT COALESCE(MAX(tenant_seq), 0) FROM events WHERE tenant_id = $1");
static ENSURE: Statement = Statement::new(
    "INSERT INTO relay_cursors (sink, last_seq, generation, owner, lease_until, updated_at) \
     VALUES ($1, $2, 0, NULL, 0, $3) ON CONFLICT (sink) DO NOTHING",
);
/// Takes the lease when it is free or expired, or renews it for its owner.
static CLAIM: Statement = Statement::new(
    "UPDATE relay_cursors SET owner = $2, lease_until = $3 \
     WHERE sink = $1 AND (owner = $2 OR lease_until < $4)",
);
static READ: Statement =
    Statement::new("SELECT last_seq, generation, owner FROM relay_cursors WHERE sink = $1");
static ADVANCE: Statement = Statement::new(
    "UPDATE relay_cursors SET last_seq = $4, lease_until = $5, updated_at = $6 \
     WHERE sink = $1 AND owner = $2 AND generation = $3",
);
/// Lets another process take the sink at once (at shutdown).
static RELEASE: Statement =
    Statement::new("UPDATE relay_cursors SET lease_until = 0 WHERE sink = $1 AND owner = $2");
/// Starts a sink again from `last_seq`, whoever holds it.
static RESET: Statement = Statement::new(
    "UPDATE relay_cursors SET last_seq = $2, generation = generation + 1, updated_at = $3 \
     WHERE sink = $1",
);

fn outbox_event(row: &dyn Row) -> Result<OutboxEvent> {
    Ok(OutboxEvent {
        global_seq: row.i64(0)?,
        tenant: row.text(1)?,
        event: Event {
            seq: row.i64(2)?,
            event_type: row.text(3)?,
            entity: row.text(4)?,
            entity_id: row.text(5)?,
            actor: row.text(6)?,
            at: timestamp(row, 7)?,
            data: row.text(8)?,
            event_id: row.text(9)?,
        },
    })
}

/// The newest numbered event's global seq (0 when there is none).
pub(crate) async fn newest<C: Conn>(conn: &C) -> Result<i64> {
    conn.query_one(&NEWEST, params![], |row| row.i64(0)).await
}

/// The tenant's newest feed seq (0 when it has no event).
pub(crate) async fn tenant_newest<C: Conn>(conn: &C, tenant: &str) -> Result<i64> {
    conn.query_one(&TENANT_NEWEST, params![tenant], |row| row.i64(0))
        .await
}

/// Every tenant's events after global seq `after`, in commit order.
pub(crate) async fn since<C: Conn>(conn: &C, after: i64, limit: usize) -> Result<Vec<OutboxEvent>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.query(&SINCE, params![after, limit], outbox_event)
        .await
}

/// Makes the sink's cursor at `start` unless it exists.
pub(crate) async fn ensure<C: Conn>(conn: &C, sink: &str, start: i64, at: Timestamp) -> Result<()> {
    conn.exec(&ENSURE, params![sink, start, at]).await.map(drop)
}

/// Takes or renews the sink's lease for `owner` until `until`; the cursor when `owner`
/// holds it, `None` when another process does (or the sink has no cursor).
pub(crate) async fn claim<C: Conn>(
    conn: &C,
    sink: &str,
    owner: &str,
    until: Timestamp,
    now: Timestamp,
) -> Result<Option<Cursor>> {
    if conn.exec(&CLAIM, params![sink, owner, until, now]).await? == 0 {
        return Ok(None);
    }
    let read = conn
        .query_opt(&READ, params![sink], |row| {
            Ok((
                Cursor {
                    last_seq: row.i64(0)?,
                    generation: row.i64(1)?,
                },
                row.opt_text(2)?,
            ))
        })
        .await?;
    Ok(read
        .filter(|(_, holder)| holder.as_deref() == Some(owner))
        .map(|(cursor, _)| cursor))
}

/// The cursor, whoever holds it.
pub(crate) async fn read<C: Conn>(conn: &C, sink: &str) -> Result<Option<Cursor>> {
    conn.query_opt(&READ, params![sink], |row| {
        Ok(Cursor {
            last_seq: row.i64(0)?,
            generation: row.i64(1)?,
        })
    })
    .await
}

/// Moves the cursor to `last_seq` and renews the lease, if `owner` still holds it under
/// the same generation; whether it did.
pub(crate) async fn advance<C: Conn>(
    conn: &C,
    sink: &str,
    owner: &str,
    cursor: Cursor,
    until: Timestamp,
    at: Timestamp,
) -> Result<bool> {
    let params = params![sink, owner, cursor.generation, cursor.last_seq, until, at];
    Ok(conn.exec(&ADVANCE, params).await? == 1)
}

pub(crate) async fn release<C: Conn>(conn: &C, sink: &str, owner: &str) -> Result<()> {
    conn.exec(&RELEASE, params![sink, owner]).await.map(drop)
}

/// Starts the sink again after `last_seq`; whether it has a cursor.
pub(crate) async fn reset<C: Conn>(
    conn: &C,
    sink: &str,
    last_seq: i64,
    at: Timestamp,
) -> Result<bool> {
    Ok(conn.exec(&RESET, params![sink, last_seq, at]).await? == 1)
}
