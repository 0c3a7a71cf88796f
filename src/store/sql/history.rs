//! State and segment histories: every object starts both when created, a state change adds
//! to the first and a new segment to the second. The entry of its creation is read from the
//! object's own row (`created_by`, `first_state`, `first_reason`, `first_segment`), so a
//! create writes no history row; objects stored before those columns have it as a row.

use super::{timestamp, Conn, PerKind, Row, Statement};
use crate::domain::records::{History, HistoryEntry};
use crate::domain::state::StateWithReason;
use crate::domain::Kind;
use crate::store::{Result, WriteCtx};

static STATE: Statement = Statement::new(
    "INSERT INTO state_history (tenant_id, entity, entity_id, state, state_reason, actor, at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)",
);
static SEGMENT: Statement = Statement::new(
    "INSERT INTO segment_history (tenant_id, entity, entity_id, segment, actor, at) \
     VALUES ($1, $2, $3, $4, $5, $6)",
);
static STATES: Statement = Statement::new(
    "SELECT state, state_reason, actor, at FROM state_history \
     WHERE tenant_id = $1 AND entity = $2 AND entity_id = $3 ORDER BY seq",
);
static FIRST: PerKind = PerKind::new(
    "SELECT first_state, first_reason, first_segment, created_by, created_at FROM {table} \
     WHERE tenant_id = $1 AND id = $2",
);
static SEGMENTS: Statement = Statement::new(
    "SELECT segment, CAST(NULL AS TEXT), actor, at FROM segment_history \
     WHERE tenant_id = $1 AND entity = $2 AND entity_id = $3 ORDER BY seq",
);

pub(crate) async fn record_state<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    state: &StateWithReason,
) -> Result<()> {
    let params = params![
        &ctx.tenant,
        kind.name(),
        id,
        state.state,
        &state.state_reason,
        &ctx.actor,
        ctx.at
    ];
    conn.exec(&STATE, params).await.map(drop)
}

pub(crate) async fn record_segment<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    segment: &str,
) -> Result<()> {
    let params = params![&ctx.tenant, kind.name(), id, segment, &ctx.actor, ctx.at];
    conn.exec(&SEGMENT, params).await.map(drop)
}

fn entry(row: &dyn Row) -> Result<HistoryEntry> {
    Ok(HistoryEntry {
        value: row.text(0)?,
        reason: row.opt_text(1)?,
        actor: row.text(2)?,
        at: timestamp(row, 3)?,
    })
}

/// The entries of an object's creation, as its row keeps them: none for an object stored
/// before its row kept them, and no segment entry for one made without a segment.
struct First {
    state: Option<HistoryEntry>,
    segment: Option<HistoryEntry>,
}

fn first(row: &dyn Row) -> Result<First> {
    let Some(actor) = row.opt_text(3)? else {
        return Ok(First {
            state: None,
            segment: None,
        });
    };
    let at = timestamp(row, 4)?;
    let state = match (row.opt_text(0)?, row.opt_text(1)?) {
        (Some(value), reason) => Some(HistoryEntry {
            value,
            reason,
            actor: actor.clone(),
            at,
        }),
        _ => None,
    };
    let segment = row.opt_text(2)?.map(|value| HistoryEntry {
        value,
        reason: None,
        actor,
        at,
    });
    Ok(First { state, segment })
}

/// An object's history, oldest first; `None` when there is no such object.
pub(crate) async fn read<C: Conn>(
    conn: &C,
    kind: Kind,
    tenant: &str,
    id: &str,
    which: History,
) -> Result<Option<Vec<HistoryEntry>>> {
    let Some(first) = conn
        .query_opt(FIRST.of(kind), params![tenant, id], first)
        .await?
    else {
        return Ok(None);
    };
    let (statement, first) = match which {
        History::State => (&STATES, first.state),
        History::Segment => (&SEGMENTS, first.segment),
    };
    let later = conn
        .query(statement, params![tenant, kind.name(), id], entry)
        .await?;
    Ok(Some(first.into_iter().chain(later).collect()))
}
