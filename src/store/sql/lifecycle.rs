//! Changes to existing objects: a move to another state (cascading to the live objects
//! below), and a merge patch.

use super::objects::{object, read_back};
use super::references::lock;
use super::{attributes_json, history, is_terminal, parse_state, pending, taken};
use super::{Conn, PerKind, Row, Statement, Step};
use crate::domain::lifecycle::{Patch, StateChange};
use crate::domain::outcome::Written;
use crate::domain::refusal::Refusal;
use crate::domain::state::{State, StateWithReason};
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
    "SELECT a.id, a.state, a.state_reason FROM accounts a JOIN account_owners o ON o.account_id = a.id \
     WHERE o.customer_id = $1 AND o.is_primary = TRUE AND a.state <> $2 ORDER BY a.id",
    " FOR UPDATE OF a",
);
static LIVE_SUBSCRIBERS: Statement = Statement::locking(
    "SELECT id, state, state_reason FROM subscribers WHERE account_id = $1 AND state <> $2 \
     ORDER BY id",
    " FOR UPDATE",
);

/// A live child: its id and its state.
type Child = (String, StateWithReason);

fn child(row: &dyn Row) -> Result<Child> {
    Ok((
        row.text(0)?,
        StateWithReason {
            state: parse_state(row.text(1)?)?,
            state_reason: row.text(2)?,
        },
    ))
}

/// The live objects right below one that the change moves: a customer's primary accounts,
/// each followed by its subscribers, or an account's subscribers. An account the change
/// leaves as it is still has its subscribers looked at.
async fn live_children<C: Conn>(conn: &C, change: &StateChange) -> Result<Vec<(Kind, String)>> {
    let terminal = State::Deactivated;
    let accounts = match change.kind {
        Kind::Customer => {
            conn.query(&LIVE_PRIMARY_ACCOUNTS, params![&change.id, terminal], child)
                .await?
        }
        Kind::Account => vec![(change.id.clone(), change.target.clone())],
        Kind::Subscriber => return Ok(Vec::new()),
    };
    let mut children = Vec::new();
    for (account, state) in accounts {
        let subscribers = conn
            .query(&LIVE_SUBSCRIBERS, params![&account, terminal], child)
            .await?;
        if change.kind == Kind::Customer && change.moves(&state) {
            children.push((Kind::Account, account));
        }
        children.extend(
            subscribers
                .into_iter()
                .filter(|(_, state)| change.moves(state))
                .map(|(id, _)| (Kind::Subscriber, id)),
        );
    }
    Ok(children)
}

/// Moves the object (and with `cascade`, its live children) to the target state; the
/// records changed, the one asked for first — or the object as it is, when it already has
/// the target state and reason.
pub(crate) async fn change_state<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    change: &StateChange,
) -> Step<Written> {
    if conn.dialect().locks_rows()
        && lock(conn, change.kind, &ctx.tenant, &change.id)
            .await?
            .is_none()
    {
        return Ok(Err(Refusal::Missing));
    }
    let Some(current) = object(conn, change.kind, &ctx.tenant, &change.id).await? else {
        return Ok(Err(Refusal::Missing));
    };
    if is_terminal(current.common()) {
        return Ok(Err(Refusal::Terminal));
    }
    if !change.moves(&current.common().state) {
        return Ok(Ok(Written::Unchanged(Box::new(current))));
    }
    let mut targets = vec![(change.kind, change.id.clone())];
    if change.cascade {
        targets.extend(live_children(conn, change).await?);
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
    Ok(Ok(Written::StateChanged(changed)))
}

/// Applies a merge patch to a live object; a new segment enters its segment history. A
/// patch that changes nothing writes nothing and gives the object as it is.
pub(crate) async fn patch<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    patch: &Patch,
) -> Step<Written> {
    if conn.dialect().locks_rows() && lock(conn, kind, &ctx.tenant, id).await?.is_none() {
        return Ok(Err(Refusal::Missing));
    }
    let Some(current) = object(conn, kind, &ctx.tenant, id).await? else {
        return Ok(Err(Refusal::Missing));
    };
    if is_terminal(current.common()) {
        return Ok(Err(Refusal::Terminal));
    }
    if !patch.changes(current.common()) {
        return Ok(Ok(Written::Unchanged(Box::new(current))));
    }
    let current = current.common();
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
    // A customer renamed to an id that links await takes them, as a create under it would.
    let linked = match &merged.external_id {
        Some(new_id) if kind == Kind::Customer && current.external_id.as_ref() != Some(new_id) => {
            accept!(pending::renamed(conn, ctx, id, new_id).await?)
        }
        _ => Vec::new(),
    };
    let record = read_back(conn, kind, &ctx.tenant, id).await?;
    Ok(Ok(Written::Patched {
        record: Box::new(record),
        linked,
    }))
}
