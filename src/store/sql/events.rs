//! The change feed's outbox: events written in the transaction of the change they describe.

use super::{timestamp, Conn, Row, Statement};
use crate::domain::events::{Event, NewEvent};
use crate::store::{Result, WriteCtx};

/// The insert's head; [`INSERT`] and the combined statement of
/// [`idempotency::keep_with_event`](super::idempotency::keep_with_event) number its values.
macro_rules! insert_event {
    () => {
        "INSERT INTO events (tenant_id, type, entity, entity_id, actor, at, data) VALUES "
    };
}
pub(crate) use insert_event;

static INSERT: Statement = Statement::new(concat!(insert_event!(), "($1, $2, $3, $4, $5, $6, $7)"));
static AFTER: Statement = Statement::new(
    "SELECT seq, type, entity, entity_id, actor, at, data FROM events \
     WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
);

pub(crate) async fn record<C: Conn>(conn: &C, ctx: &WriteCtx, event: &NewEvent) -> Result<()> {
    let params = params![
        &ctx.tenant,
        &event.event_type,
        &event.entity,
        &event.entity_id,
        &ctx.actor,
        ctx.at,
        &event.data,
    ];
    conn.exec(&INSERT, params).await.map(drop)
}

fn event(row: &dyn Row) -> Result<Event> {
    Ok(Event {
        seq: row.i64(0)?,
        event_type: row.text(1)?,
        entity: row.text(2)?,
        entity_id: row.text(3)?,
        actor: row.text(4)?,
        at: timestamp(row, 5)?,
        data: row.text(6)?,
    })
}

/// The tenant's events numbered after `after`, in commit order. Events are numbered once
/// committed (SQLite's one writer numbers them as it inserts; PostgreSQL's sequencer when
/// the feed is read), so `seq` order is commit order.
pub(crate) async fn after<C: Conn>(
    conn: &C,
    tenant: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<Event>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.query(&AFTER, params![tenant, after, limit], event)
        .await
}
