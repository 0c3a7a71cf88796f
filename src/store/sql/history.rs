//! State and segment histories: every object starts both when created, a state change adds
//! to the first and a new segment to the second.

use super::references::find;
use super::{timestamp, Conn, Row, Statement};
use crate::domain::entity::NewEntity;
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

/// The histories every new object starts with.
pub(crate) async fn record_created<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    kind: Kind,
    new: &NewEntity,
) -> Result<()> {
    record_state(conn, ctx, kind, &new.id, &new.state).await?;
    if let Some(segment) = &new.segment {
        record_segment(conn, ctx, kind, &new.id, segment).await?;
    }
    Ok(())
}

fn entry(row: &dyn Row) -> Result<HistoryEntry> {
    Ok(HistoryEntry {
        value: row.text(0)?,
        reason: row.opt_text(1)?,
        actor: row.text(2)?,
        at: timestamp(row, 3)?,
    })
}

/// An object's history, oldest first; `None` when there is no such object.
pub(crate) async fn read<C: Conn>(
    conn: &C,
    kind: Kind,
    tenant: &str,
    id: &str,
    which: History,
) -> Result<Option<Vec<HistoryEntry>>> {
    if find(conn, kind, tenant, id).await?.is_none() {
        return Ok(None);
    }
    let statement = match which {
        History::State => &STATES,
        History::Segment => &SEGMENTS,
    };
    let entries = conn
        .query(statement, params![tenant, kind.name(), id], entry)
        .await?;
    Ok(Some(entries))
}
