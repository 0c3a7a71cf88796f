//! Idempotency keys: claimed in the transaction of the write they guard, with the first
//! answer kept for the retries.

use super::events::{insert_event, insert_events, Many};
use super::{Conn, Dialect, Param, Row, Statement};
use crate::domain::events::NewEvent;
use crate::domain::idempotency::{Answer, Claim};
use crate::domain::time::Timestamp;
use crate::store::{Executed, Result, StoreError, WriteCtx};

static CLAIM: Statement = Statement::new(
    "INSERT INTO idempotency (tenant_id, scope, key, fingerprint, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
);
/// The earlier answer; its body is its event's data when it names one. Each backend has
/// its own way to read text as bytes and its own key of an event row.
macro_rules! earlier {
    ($event_body:literal, $event_key:literal) => {
        concat!(
            "SELECT i.fingerprint, i.status, \
                 CASE WHEN i.body_event IS NULL THEN i.body ELSE ",
            $event_body,
            " END, i.location, i.content_type \
             FROM idempotency i LEFT JOIN events e ON e.",
            $event_key,
            " = i.body_event \
             WHERE i.tenant_id = $1 AND i.scope = $2 AND i.key = $3"
        )
    };
}
static EARLIER_SQLITE: Statement = Statement::new(earlier!("CAST(e.data AS BLOB)", "seq"));
static EARLIER_PG: Statement = Statement::new(earlier!("convert_to(e.data, 'UTF8')", "id"));

static KEEP: Statement = Statement::new(
    "UPDATE idempotency SET status = $4, body = $5, location = $6, content_type = $7, \
         body_event = $8 \
     WHERE tenant_id = $1 AND scope = $2 AND key = $3",
);
/// The common end of a write, one event and a kept answer, in one round trip; `$15` says
/// whether the answer's body is the event's data, kept once, in the event.
static KEEP_WITH_EVENT: Statement = Statement::new(concat!(
    "WITH event AS (",
    insert_event!(),
    // Only where statements write in CTEs, which is PostgreSQL, whose sequencer numbers
    // events once committed.
    "($1, $8, $9, $10, $11, $12, $13, $14, NULL) RETURNING id) \
     UPDATE idempotency SET status = $4, body = $5, location = $6, content_type = $7, \
         body_event = CASE WHEN $15 THEN (SELECT id FROM event) END \
     WHERE tenant_id = $1 AND scope = $2 AND key = $3"
));
/// A batch's events and its kept answer in one round trip; `$13` is the event id of the
/// one whose data is the answer's body, if one is.
static KEEP_WITH_EVENTS: Statement = Statement::new(concat!(
    "WITH event AS (",
    insert_events!(),
    " RETURNING id, event_id) \
     UPDATE idempotency SET status = $9, body = $10, location = $11, content_type = $12, \
         body_event = (SELECT id FROM event WHERE event_id = $13) \
     WHERE tenant_id = $1 AND scope = $14 AND key = $15"
));
/// Where the one writer runs each write alone (SQLite), the claim is a lookup and its row
/// goes in once, with the answer.
static KEEP_CLAIMED: Statement = Statement::new(
    "INSERT INTO idempotency (tenant_id, scope, key, status, body, location, content_type, \
         body_event, fingerprint, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
);
static PURGE: Statement =
    Statement::new("DELETE FROM idempotency WHERE created_at < $1 AND status IS NOT NULL");

/// Claims the key for this write, or tells what became of its earlier use. A claim that
/// waits out the lock timeout (the first request is still open elsewhere) is in progress.
/// Where writes run one at a time (SQLite), nothing can take the key before this write
/// keeps its answer, so the claim only looks for an earlier use.
pub(crate) async fn claim<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    claim: &Claim,
) -> Result<Option<Executed>> {
    if !conn.dialect().claims_by_row() {
        let row = conn
            .query_opt(
                earlier_statement(conn.dialect()),
                params![&ctx.tenant, &claim.scope, &claim.key],
                earlier_row,
            )
            .await?;
        return row.map(|row| answer_of(row, claim)).transpose();
    }
    let params = params![
        &ctx.tenant,
        &claim.scope,
        &claim.key,
        &claim.fingerprint,
        ctx.at
    ];
    match conn.exec(&CLAIM, params).await {
        Ok(0) => earlier(conn, &ctx.tenant, claim).await.map(Some),
        Ok(_) => Ok(None),
        Err(StoreError::Busy) => Ok(Some(Executed::InProgress)),
        Err(e) => Err(e),
    }
}

struct Earlier {
    fingerprint: String,
    status: Option<i32>,
    body: Option<Vec<u8>>,
    location: Option<String>,
    content_type: Option<String>,
}

fn earlier_row(row: &dyn Row) -> Result<Earlier> {
    Ok(Earlier {
        fingerprint: row.text(0)?,
        status: row.opt_i32(1)?,
        body: row.opt_bytes(2)?,
        location: row.opt_text(3)?,
        content_type: row.opt_text(4)?,
    })
}

/// What became of the earlier use of a claim's key, found taken.
pub(crate) async fn earlier<C: Conn>(conn: &C, tenant: &str, claim: &Claim) -> Result<Executed> {
    let row = conn
        .query_one(
            earlier_statement(conn.dialect()),
            params![tenant, &claim.scope, &claim.key],
            earlier_row,
        )
        .await?;
    answer_of(row, claim)
}

fn earlier_statement(dialect: Dialect) -> &'static Statement {
    match dialect {
        Dialect::Sqlite => &EARLIER_SQLITE,
        Dialect::Postgres => &EARLIER_PG,
    }
}

fn answer_of(row: Earlier, claim: &Claim) -> Result<Executed> {
    if row.fingerprint != claim.fingerprint {
        return Ok(Executed::KeyReused);
    }
    let Some(status) = row.status else {
        return Ok(Executed::InProgress);
    };
    let status = u16::try_from(status).map_err(super::corrupt)?;
    Ok(Executed::Replayed(Answer {
        status,
        content_type: row
            .content_type
            .unwrap_or_else(|| earliest_content_type(status).to_owned()),
        body: row.body.unwrap_or_default(),
        location: row.location,
    }))
}

/// Answers kept before their content type was: successes were JSON, failures problems.
fn earliest_content_type(status: u16) -> &'static str {
    if (200..300).contains(&status) {
        "application/json"
    } else {
        "application/problem+json"
    }
}

/// Keeps the answer; `body_event` is the key of the write's event whose data is the
/// answer's body, which is then not kept twice.
pub(crate) async fn keep<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    claim: &Claim,
    answer: &Answer,
    body_event: Option<i64>,
) -> Result<()> {
    let body: &[u8] = match body_event {
        Some(_) => &[],
        None => &answer.body,
    };
    let params = params![
        &ctx.tenant,
        &claim.scope,
        &claim.key,
        i32::from(answer.status),
        body,
        &answer.location,
        answer.content_type.as_str(),
        Param::OptI64(body_event),
        &claim.fingerprint,
        ctx.at,
    ];
    if conn.dialect().claims_by_row() {
        conn.exec(&KEEP, &params[..8]).await.map(drop)
    } else {
        conn.exec(&KEEP_CLAIMED, params).await.map(drop)
    }
}

/// Records the one event of a write and keeps its answer in a single statement, where
/// statements can write in CTEs.
pub(crate) async fn keep_with_event<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    claim: &Claim,
    answer: &Answer,
    event: &NewEvent,
) -> Result<()> {
    let event_id = super::events::new_event_id();
    let shared = event.data.as_bytes() == answer.body.as_slice();
    let body: &[u8] = if shared { &[] } else { &answer.body };
    let params = params![
        &ctx.tenant,
        &claim.scope,
        &claim.key,
        i32::from(answer.status),
        body,
        &answer.location,
        answer.content_type.as_str(),
        &event.event_type,
        &event.entity,
        &event.entity_id,
        &ctx.actor,
        ctx.at,
        &event.data,
        event_id.as_str(),
        shared,
    ];
    conn.exec(&KEEP_WITH_EVENT, params).await.map(drop)
}

/// Records a write's events and keeps its answer in a single statement, where arrays bind.
pub(crate) async fn keep_with_events<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    claim: &Claim,
    answer: &Answer,
    many: &Many,
) -> Result<()> {
    let body: &[u8] = match many.shared {
        Some(_) => &[],
        None => &answer.body,
    };
    let mut params = many.params(ctx).to_vec();
    params.extend([
        Param::I32(i32::from(answer.status)),
        Param::Bytes(body),
        Param::from(&answer.location),
        Param::Text(&answer.content_type),
        Param::from(&many.shared),
        Param::Text(&claim.scope),
        Param::Text(&claim.key),
    ]);
    conn.exec(&KEEP_WITH_EVENTS, &params).await.map(drop)
}

/// Forgets answers kept since before `before`; a claim still in progress stays.
pub(crate) async fn purge<C: Conn>(conn: &C, before: Timestamp) -> Result<u64> {
    conn.exec(&PURGE, params![before]).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn old_answers_get_the_content_type_they_were_sent_with() {
        assert_eq!(super::earliest_content_type(201), "application/json");
        assert_eq!(
            super::earliest_content_type(409),
            "application/problem+json"
        );
    }
}
