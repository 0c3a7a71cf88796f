//! The change feed's outbox: events written in the transaction of the change they describe.

use super::values::{numbered_rows, pieces, Column, Column::*, Shapes};
use super::{timestamp, Conn, Dialect, Param, Row, Statement};
use crate::domain::events::{Event, NewEvent};
use crate::domain::idempotency::Answer;
use crate::store::{Result, WriteCtx};

/// The insert's head; [`NUMBERED`], [`UNNUMBERED`] and the combined statement of
/// [`idempotency::keep_with_event`](super::idempotency::keep_with_event) give its values.
macro_rules! insert_event {
    () => {
        "INSERT INTO events (tenant_id, type, entity, entity_id, actor, at, data, event_id, \
             tenant_seq) VALUES "
    };
}
pub(crate) use insert_event;

/// SQLite's one writer numbers each event as it inserts it: the tenant's next number, in
/// commit order and without gaps, since a write rolled back takes its numbers with it.
static NUMBERED: Statement = Statement::new(concat!(
    insert_event!(),
    "($1, $2, $3, $4, $5, $6, $7, $8, \
      (SELECT COALESCE(MAX(tenant_seq), 0) + 1 FROM events WHERE tenant_id = $1)) \
     RETURNING seq"
));
/// PostgreSQL's transactions commit in an order their inserts do not show, so its events
/// are numbered once committed, by the sequencer.
static UNNUMBERED: Statement = Statement::new(concat!(
    insert_event!(),
    "($1, $2, $3, $4, $5, $6, $7, $8, NULL) RETURNING id"
));
/// Many events in one statement (where arrays bind, which is PostgreSQL: unnumbered), in
/// the order given: `$1` tenant, `$2` actor, `$3` time, `$4`… the columns of [`Many`].
macro_rules! insert_events {
    () => {
        "INSERT INTO events (tenant_id, type, entity, entity_id, actor, at, data, event_id, \
                 tenant_seq) \
             SELECT $1, t.type, t.entity, t.entity_id, $2, $3, t.data, t.event_id, NULL \
             FROM unnest($4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[]) \
                 WITH ORDINALITY AS t(type, entity, entity_id, data, event_id, n) \
             ORDER BY t.n"
    };
}
pub(crate) use insert_events;
static MANY: Statement = Statement::new(insert_events!());

static AFTER: Statement = Statement::new(
    "SELECT tenant_seq, type, entity, entity_id, actor, at, data, event_id FROM events \
     WHERE tenant_id = $1 AND tenant_seq > $2 ORDER BY tenant_seq LIMIT $3",
);

/// A new event's globally unique id: time-ordered, so ids of one writer sort as written.
pub(crate) fn new_event_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Records an event; the key of its row (which an answer sharing its body names).
pub(crate) async fn record<C: Conn>(conn: &C, ctx: &WriteCtx, event: &NewEvent) -> Result<i64> {
    let event_id = new_event_id();
    let params = params![
        &ctx.tenant,
        &event.event_type,
        &event.entity,
        &event.entity_id,
        &ctx.actor,
        ctx.at,
        &event.data,
        event_id.as_str(),
    ];
    let statement = match conn.dialect() {
        Dialect::Sqlite => &NUMBERED,
        Dialect::Postgres => &UNNUMBERED,
    };
    conn.query_one(statement, params, |row| row.i64(0)).await
}

/// The tenant's last event number, which SQLite's one writer counts on from.
static LAST: Statement =
    Statement::new("SELECT COALESCE(MAX(tenant_seq), 0) FROM events WHERE tenant_id = $1");
static SEQ_OF: Statement =
    Statement::new("SELECT seq FROM events WHERE tenant_id = $1 AND tenant_seq = $2");

/// Records a write's events, numbered on from the tenant's last, many to a statement (SQLite,
/// whose one writer numbers as it inserts); the key of the row whose data is `body`, if any,
/// which the answer then names instead of keeping its body twice.
pub(crate) async fn record_numbered<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    events: &[NewEvent],
    body: &[u8],
) -> Result<Option<i64>> {
    let last = conn
        .query_one(&LAST, params![&ctx.tenant], |row| row.i64(0))
        .await?;
    let ids: Vec<String> = events.iter().map(|_| new_event_id()).collect();
    let numbers: Vec<i64> = (1..).take(events.len()).map(|n| last + n).collect();
    // The tenant, actor and time are the write's, bound once for every row.
    const ROW: [Column; 9] = [
        Shared(0),
        Own(0),
        Own(1),
        Own(2),
        Shared(1),
        Shared(2),
        Own(3),
        Own(4),
        Own(5),
    ];
    static SQL: Shapes = Shapes::new();
    for piece in pieces(events.len()) {
        let sql = SQL.of(piece.len(), |n| {
            format!("{}{}", insert_event!(), numbered_rows(n, 3, 6, &ROW))
        });
        let mut params = Vec::with_capacity(3 + piece.len() * 6);
        params.extend([
            Param::Text(&ctx.tenant),
            Param::Text(&ctx.actor),
            Param::from(ctx.at),
        ]);
        for i in piece {
            let event = &events[i];
            params.extend([
                Param::Text(&event.event_type),
                Param::Text(&event.entity),
                Param::Text(&event.entity_id),
                Param::Text(&event.data),
                Param::Text(&ids[i]),
                Param::I64(numbers[i]),
            ]);
        }
        conn.query_varying(sql, &params, |_| Ok(())).await?;
    }
    match events.iter().position(|e| e.data.as_bytes() == body) {
        Some(i) => {
            conn.query_opt(&SEQ_OF, params![&ctx.tenant, numbers[i]], |row| row.i64(0))
                .await
        }
        None => Ok(None),
    }
}

/// A write's events as the columns of [`insert_events!`], each with its new id; `shared`
/// is the id of the one whose data is the answer's body, kept once, in the event.
pub(crate) struct Many {
    types: Vec<String>,
    entities: Vec<String>,
    entity_ids: Vec<String>,
    data: Vec<String>,
    event_ids: Vec<String>,
    pub(crate) shared: Option<String>,
}

impl Many {
    pub(crate) fn of(events: &[NewEvent], answer: &Answer) -> Self {
        let column = |f: fn(&NewEvent) -> &String| events.iter().map(|e| f(e).clone()).collect();
        let event_ids: Vec<String> = events.iter().map(|_| new_event_id()).collect();
        let shared = events
            .iter()
            .zip(&event_ids)
            .find(|(e, _)| e.data.as_bytes() == answer.body.as_slice())
            .map(|(_, id)| id.clone());
        Self {
            types: column(|e| &e.event_type),
            entities: column(|e| &e.entity),
            entity_ids: column(|e| &e.entity_id),
            data: column(|e| &e.data),
            event_ids,
            shared,
        }
    }

    /// `$1`…`$8` of [`insert_events!`].
    pub(crate) fn params<'a>(&'a self, ctx: &'a WriteCtx) -> [Param<'a>; 8] {
        [
            Param::Text(&ctx.tenant),
            Param::Text(&ctx.actor),
            Param::from(ctx.at),
            Param::Texts(&self.types),
            Param::Texts(&self.entities),
            Param::Texts(&self.entity_ids),
            Param::Texts(&self.data),
            Param::Texts(&self.event_ids),
        ]
    }
}

/// Records many events in one statement, where arrays bind.
pub(crate) async fn record_many<C: Conn>(conn: &C, ctx: &WriteCtx, many: &Many) -> Result<()> {
    conn.exec(&MANY, &many.params(ctx)).await.map(drop)
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
        event_id: row.text(7)?,
    })
}

/// The tenant's events numbered after `after` (its own numbers), in commit order. Events
/// are numbered once committed (SQLite's one writer numbers them as it inserts;
/// PostgreSQL's sequencer when the feed is read), so number order is commit order.
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
