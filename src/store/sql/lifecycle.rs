//! Changes to existing objects: a move to another state (cascading to the live objects
//! below), and a merge patch.

use super::objects::{object, read_back};
use super::references::lock;
use super::{attributes_json, history, is_terminal, taken, Conn, PerKind, Statement, Step};
use crate::domain::lifecycle::{Patch, StateChange};
use crate::domain::records::Record;
use crate::domain::refusal::Refusal;
use crate::domain::state::State;
use crate::domain::Kind;
use crate::store::{Result, WriteCtx};

/// A child deactivated since it was listed keeps its terminal state.
static SET_STATE: PerKind = PerKind::new(
    "UPDATE {table} SET state = $1, state_reason = $2, updated_at = $3 \
     WHERE tenant_id = $4 AND id = $5 AND state <> $6",
);
static PATCH: PerKind = PerKind::new(
    "UPDATE {table} SET external_id = $1, custom_name = $2, custom_attributes = $3, \
         segment = $4, updated_at = $5 WHERE tenant_id = $7 AND id = $6",
);
/// The children a cascade changes are locked before it changes any of them.
static LIVE_PRIMARY_ACCOUNTS: Statement = Statement::locking(
    "SELECT a.id FROM accounts a JOIN account_owners o ON o.account_id = a.id \
     WHERE o.customer_id = $1 AND o.is_primary = TRUE AND a.state <> $2 ORDER BY a.id",
    " FOR UPDATE OF a",
);
static LIVE_SUBSCRIBERS: Statement = Statement::locking(
    "SELECT id FROM subscribers WHERE account_id = $1 AND state <> $2 ORDER BY id",
    " FOR UPDATE",
);

/// The live objects right below one: a customer's primary accounts, each followed by its
/// subscribers, or an account's subscribers.
async fn live_children<C: Conn>(conn: &C, kind: Kind, id: &str) -> Result<Vec<(Kind, String)>> {
    let terminal = State::Deactivated;
    let accounts = match kind {
        Kind::Customer => {
            conn.query(&LIVE_PRIMARY_ACCOUNTS, params![id, terminal], |row| {
                row.text(0)
            })
            .await?
        }
        Kind::Account => vec![id.to_owned()],
        Kind::Subscriber => return Ok(Vec::new()),
    };
    let mut children = Vec::new();
    for account in accounts {
        let subscribers = conn
            .query(&LIVE_SUBSCRIBERS, params![&account, terminal], |row| {
                row.text(0)
            })
            .await?;
        if kind == Kind::Customer {
            children.push((Kind::Account, account));
        }
        children.extend(subscribers.into_iter().map(|s| (Kind::Subscriber, s)));
    }
    Ok(children)
}

/// Moves the object (and with `cascade`, its live children) to the target state; the
/// records changed, the one asked for first.
pub(crate) async fn change_state<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    change: &StateChange,
) -> Step<Vec<Record>> {
    match lock(conn, change.kind, &ctx.tenant, &change.id).await? {
        None => return Ok(Err(Refusal::Missing)),
        Some(current) if current.state == State::Deactivated => return Ok(Err(Refusal::Terminal)),
        Some(_) => {}
    }
    let mut targets = vec![(change.kind, change.id.clone())];
    if change.cascade {
        targets.extend(live_children(conn, change.kind, &change.id).await?);
    }
    let target = &change.target;
    let mut changed = Vec::with_capacity(targets.len());
    for (kind, id) in targets {
        let params = params![
            target.state,
            &target.state_reason,
            ctx.at,
            &ctx.tenant,
            &id,
            State::Deactivated
        ];
        if conn.exec(SET_STATE.of(kind), params).await? == 0 {
            continue;
        }
        history::record_state(conn, ctx, kind, &id, target).await?;
        changed.push(read_back(conn, kind, &ctx.tenant, &id).await?);
    }
    Ok(Ok(changed))
}

/// Applies a merge patch to a live object; a new segment enters its segment history.
pub(crate) async fn patch<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    patch: &Patch,
) -> Step<Record> {
    if conn.dialect().locks_rows() && lock(conn, kind, &ctx.tenant, id).await?.is_none() {
        return Ok(Err(Refusal::Missing));
    }
    let Some(current) = object(conn, kind, &ctx.tenant, id).await? else {
        return Ok(Err(Refusal::Missing));
    };
    let current = current.common();
    if is_terminal(current) {
        return Ok(Err(Refusal::Terminal));
    }
    let merged = patch.merge(current);
    let attributes = attributes_json(&merged.custom_attributes)?;
    let params = params![
        &merged.external_id,
        &merged.custom_name,
        &attributes,
        &merged.segment,
        ctx.at,
        id,
        &ctx.tenant,
    ];
    accept!(taken(conn.exec_unique(PATCH.of(kind), params).await?, 0));
    if let Some(segment) = patch.new_segment(current) {
        history::record_segment(conn, ctx, kind, id, segment).await?;
    }
    read_back(conn, kind, &ctx.tenant, id).await.map(Ok)
}
