//! One write from claim to kept answer: claim the key, apply the write in a savepoint
//! (undone when refused), render the answer, record the events, keep the answer — all in
//! the caller's transaction.

use super::counted::{self, Counted};
use super::{accounts, contacts, customers, idempotency, lifecycle, subscribers, tenants};
use super::{batch, events, gates, pending, Conn, Dialect, Step};
use crate::domain::events::NewEvent;
use crate::domain::idempotency::Answer;
use crate::domain::object::NewObject;
use crate::domain::outcome::{Created, Written};
use crate::domain::refusal::Refusal;
use crate::store::{Executed, Outcome, Render, Result, Write, WriteCtx};

pub(crate) async fn execute<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    write: &Write,
    render: &Render,
) -> Result<Executed> {
    let counted = Counted::new(conn);
    let kind = counted::kind(write);
    let executed = execute_counted(&counted, ctx, write, render).await;
    counted.record(kind);
    executed
}

async fn execute_counted<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    write: &Write,
    render: &Render,
) -> Result<Executed> {
    if let Some(claim) = &ctx.claim {
        if let Some(earlier) = idempotency::claim(conn, ctx, claim).await? {
            return Ok(earlier);
        }
    }
    let outcome = apply_undoable(conn, ctx, write).await?;
    let rendered = render(&outcome);
    let events = match outcome {
        Ok(_) => rendered.events.as_slice(),
        Err(_) => &[],
    };
    finish(conn, ctx, events, &rendered.answer).await?;
    Ok(Executed::Fresh(rendered.answer))
}

/// Applies the write so that a refusal leaves nothing of it behind.
async fn apply_undoable<C: Conn>(conn: &C, ctx: &WriteCtx, write: &Write) -> Result<Outcome> {
    if !conn.dialect().savepoint_for(write) {
        return apply(conn, ctx, write).await;
    }
    conn.savepoint().await?;
    let outcome = apply(conn, ctx, write).await?;
    match outcome {
        Ok(_) => conn.release().await?,
        Err(_) => conn.rollback().await?,
    }
    Ok(outcome)
}

async fn apply<C: Conn>(conn: &C, ctx: &WriteCtx, write: &Write) -> Result<Outcome> {
    Ok(match write {
        Write::Create(objects) => create(conn, ctx, objects).await?.map(Written::Created),
        Write::ChangeState(change) => lifecycle::change_state(conn, ctx, change).await?,
        Write::Patch { kind, id, patch } => lifecycle::patch(conn, ctx, *kind, id, patch).await?,
        Write::EditContact {
            id,
            details,
            read_at,
        } => match id {
            Some(id) => contacts::edit(conn, ctx, id, details, *read_at).await?,
            None => Err(Refusal::Missing),
        },
        Write::PutCatalog { document } => tenants::put_catalog(conn, ctx, document)
            .await?
            .map(|version| Written::Catalog { version }),
        Write::Refuse => Err(Refusal::Refused),
    })
}

/// Creates every object in order; the first refusal refuses them all. A bank batch takes
/// a few multi-row statements where those save round trips.
async fn create<C: Conn>(conn: &C, ctx: &WriteCtx, objects: &[NewObject]) -> Step<Vec<Created>> {
    if let Some(mut created) = accept!(batch::create(conn, ctx, objects).await?) {
        // Links it left waiting while their customer was being stored by another write.
        if conn.dialect().locks_rows() {
            accept!(gates::settle(conn, ctx, &mut created).await?);
        }
        return Ok(Ok(created));
    }
    let mut created = Vec::with_capacity(objects.len());
    if conn.dialect() == Dialect::Sqlite {
        if let Some(run) = batch::plain::create(conn, ctx, objects).await? {
            created = run;
        }
    }
    for (item, object) in objects.iter().enumerate().skip(created.len()) {
        let made = match object {
            NewObject::Customer(new) => customers::create(conn, ctx, new, item).await?,
            NewObject::Account(new) => accounts::create(conn, ctx, new, item).await?,
            NewObject::Subscriber(new) => subscribers::create(conn, ctx, new, item).await?,
        };
        created.push(accept!(made));
    }
    // Links left waiting while their customer was being stored by another write.
    if conn.dialect().locks_rows() {
        accept!(gates::settle(conn, ctx, &mut created).await?);
    }
    pending::refresh(conn, &ctx.tenant, &mut created).await?;
    Ok(Ok(created))
}

/// Records the events and keeps the answer; the common case of one event and a claim is
/// one statement where statements can write in CTEs.
async fn finish<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    written: &[NewEvent],
    answer: &Answer,
) -> Result<()> {
    match (written, &ctx.claim) {
        ([event], Some(claim)) if conn.dialect().writes_in_ctes() => {
            idempotency::keep_with_event(conn, ctx, claim, answer, event).await
        }
        // A batch's events in one statement, with the answer where there is a claim.
        ([_, _, ..], claim) if conn.dialect().binds_arrays() => {
            let many = events::Many::of(written, answer);
            match claim {
                Some(claim) => idempotency::keep_with_events(conn, ctx, claim, answer, &many).await,
                None => events::record_many(conn, ctx, &many).await,
            }
        }
        (written, claim) => {
            let body_event = if written.len() > 1 && conn.dialect() == Dialect::Sqlite {
                // Many events to a statement, numbered by the one writer.
                events::record_numbered(conn, ctx, written, &answer.body).await?
            } else {
                let mut body_event = None;
                for event in written {
                    let key = events::record(conn, ctx, event).await?;
                    if event.data.as_bytes() == answer.body.as_slice() {
                        body_event = Some(key);
                    }
                }
                body_event
            };
            match claim {
                Some(claim) => idempotency::keep(conn, ctx, claim, answer, body_event).await,
                None => Ok(()),
            }
        }
    }
}
