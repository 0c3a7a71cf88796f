//! Webhook endpoints and the log of their delivery attempts. An endpoint's cursor is a
//! relay cursor (`relay_cursors`, sink `webhook:{id}`) counted in its tenant's feed seqs,
//! made with the endpoint at the tenant's newest seq: it gets the events after it was
//! registered, and a replay moves it back.

use super::{corrupt, relay, timestamp, Conn, Dialect, Param, Row, Statement};
use crate::domain::time::Timestamp;
use crate::domain::webhooks::{
    webhook_sink, Delivery, DeliveryAttempt, DeliveryOutcome, DeliveryProgress, EventFilter,
    NewWebhook, SigningSecret, Webhook, WebhookChange, WebhookStatus, WebhookUrl,
    MAX_WEBHOOKS_PER_TENANT,
};
use crate::store::Result;

/// An endpoint with its cursor and its tenant's newest seq, which make its queue.
macro_rules! select_webhooks {
    () => {
        "SELECT w.id, w.tenant_id, w.url, w.events, w.secret, w.description, w.status, \
             w.failing_since, w.created_at, w.updated_at, COALESCE(c.last_seq, 0), \
             COALESCE(c.generation, 0), \
             (SELECT COALESCE(MAX(e.tenant_seq), 0) FROM events e WHERE e.tenant_id = w.tenant_id) \
         FROM webhooks w LEFT JOIN relay_cursors c ON c.sink = 'webhook:' || w.id"
    };
}
static ALL: Statement = Statement::new(concat!(select_webhooks!(), " ORDER BY w.id"));
static OF_TENANT: Statement = Statement::new(concat!(
    select_webhooks!(),
    " WHERE w.tenant_id = $1 ORDER BY w.id"
));
static ONE: Statement = Statement::new(concat!(
    select_webhooks!(),
    " WHERE w.tenant_id = $1 AND w.id = $2"
));
static COUNT: Statement = Statement::new("SELECT COUNT(*) FROM webhooks WHERE tenant_id = $1");
static INSERT: Statement = Statement::new(
    "INSERT INTO webhooks (id, tenant_id, url, events, secret, description, status, \
         failing_since, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, 'active', NULL, $7, $7)",
);
/// A merge patch: what is `NULL` stays; `$6` says whether the description is set (to `$7`).
/// Setting a status clears the failure it ends.
static UPDATE: Statement = Statement::new(
    "UPDATE webhooks SET url = COALESCE($3, url), events = COALESCE($4, events), \
         secret = COALESCE($5, secret), \
         description = CASE WHEN $6 THEN $7 ELSE description END, \
         status = COALESCE($8, status), \
         failing_since = CASE WHEN CAST($8 AS TEXT) IS NULL THEN failing_since ELSE NULL END, \
         updated_at = $9 \
     WHERE tenant_id = $1 AND id = $2",
);
static DELETE: Statement = Statement::new("DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2");
static DELETE_CURSOR: Statement = Statement::new("DELETE FROM relay_cursors WHERE sink = $1");
static DELETE_DELIVERIES: Statement =
    Statement::new("DELETE FROM webhook_deliveries WHERE webhook_id = $1");
static MARK_FAILING: Statement = Statement::new(
    "UPDATE webhooks SET status = 'failing', failing_since = $2, updated_at = $2 \
     WHERE id = $1 AND status = 'active'",
);
/// A replay ends a failure: the owner asked for the events again.
static REACTIVATE: Statement = Statement::new(
    "UPDATE webhooks SET status = 'active', failing_since = NULL, updated_at = $2 \
     WHERE id = $1 AND status = 'failing'",
);
static DELIVERIES: Statement = Statement::new(
    "SELECT id, webhook_id, seq, event_id, event_type, attempt, at, status, error, \
         duration_ms, outcome, next_try_at \
     FROM webhook_deliveries WHERE webhook_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
);
static PURGE: Statement = Statement::new("DELETE FROM webhook_deliveries WHERE at < $1");
static INSERT_DELIVERY_HEAD: &str = "INSERT INTO webhook_deliveries (webhook_id, seq, event_id, \
     event_type, attempt, at, status, error, duration_ms, outcome, next_try_at) VALUES ";
const DELIVERY_COLUMNS: usize = 11;
/// Attempts inserted per statement: one round trip each on PostgreSQL.
const DELIVERIES_PER_INSERT: usize = 64;

fn webhook(row: &dyn Row) -> Result<Webhook> {
    let events: Vec<String> = serde_json::from_str(&row.text(3)?).map_err(corrupt)?;
    let status = row.text(6)?;
    Ok(Webhook {
        id: row.text(0)?,
        tenant: row.text(1)?,
        url: WebhookUrl::parse(&row.text(2)?)
            .map_err(|p| corrupt(format!("a stored webhook URL: {}", p.message)))?,
        events: EventFilter::from_stored(events),
        secret: SigningSecret::parse(&row.text(4)?)
            .map_err(|_| corrupt("a stored webhook secret is not one"))?,
        description: row.opt_text(5)?,
        status: WebhookStatus::parse_stored(&status)
            .ok_or_else(|| corrupt(format!("webhook status {status:?}")))?,
        failing_since: row.opt_i64(7)?.map(Timestamp::from_micros),
        created_at: timestamp(row, 8)?,
        updated_at: timestamp(row, 9)?,
        delivered_through: row.i64(10)?,
        generation: row.i64(11)?,
        newest: row.i64(12)?,
    })
}

fn delivery(row: &dyn Row) -> Result<Delivery> {
    let outcome = row.text(10)?;
    Ok(Delivery {
        id: row.i64(0)?,
        attempt: DeliveryAttempt {
            webhook_id: row.text(1)?,
            seq: row.i64(2)?,
            event_id: row.text(3)?,
            event_type: row.text(4)?,
            attempt: u32::try_from(row.i64(5)?).map_err(corrupt)?,
            at: timestamp(row, 6)?,
            status: row
                .opt_i64(7)?
                .map(|s| u16::try_from(s).map_err(corrupt))
                .transpose()?,
            error: row.opt_text(8)?,
            duration_ms: row.i64(9)?,
            outcome: DeliveryOutcome::parse_stored(&outcome)
                .ok_or_else(|| corrupt(format!("delivery outcome {outcome:?}")))?,
            next_try_at: row.opt_i64(11)?.map(Timestamp::from_micros),
        },
    })
}

fn patterns_json(events: &EventFilter) -> Result<String> {
    serde_json::to_string(events.patterns()).map_err(corrupt)
}

/// Stores the endpoint with its cursor at the tenant's newest event; `false`, storing
/// nothing, when the tenant has as many endpoints as it may.
pub(crate) async fn insert<C: Conn>(conn: &C, new: &NewWebhook) -> Result<bool> {
    let count = conn
        .query_one(&COUNT, params![&new.tenant], |row| row.i64(0))
        .await?;
    if count >= MAX_WEBHOOKS_PER_TENANT {
        return Ok(false);
    }
    let events = patterns_json(&new.events)?;
    let secret = new.secret.expose();
    let params = params![
        &new.id,
        &new.tenant,
        new.url.as_str(),
        &events,
        &secret,
        &new.description,
        new.at,
    ];
    conn.exec(&INSERT, params).await?;
    let newest = relay::tenant_newest(conn, &new.tenant).await?;
    relay::ensure(conn, &webhook_sink(&new.id), newest, new.at).await?;
    Ok(true)
}

pub(crate) async fn all<C: Conn>(conn: &C) -> Result<Vec<Webhook>> {
    conn.query(&ALL, params![], webhook).await
}

pub(crate) async fn of_tenant<C: Conn>(conn: &C, tenant: &str) -> Result<Vec<Webhook>> {
    conn.query(&OF_TENANT, params![tenant], webhook).await
}

pub(crate) async fn one<C: Conn>(conn: &C, tenant: &str, id: &str) -> Result<Option<Webhook>> {
    conn.query_opt(&ONE, params![tenant, id], webhook).await
}

/// Applies the change; the endpoint as it now stands, `None` when the tenant has no such one.
pub(crate) async fn update<C: Conn>(
    conn: &C,
    tenant: &str,
    id: &str,
    change: &WebhookChange,
    at: Timestamp,
) -> Result<Option<Webhook>> {
    let events = change.events.as_ref().map(patterns_json).transpose()?;
    let secret = change.secret.as_ref().map(SigningSecret::expose);
    let (set_description, description) = match &change.description {
        Some(text) => (true, text.as_deref()),
        None => (false, None),
    };
    let params = params![
        tenant,
        id,
        change.url.as_ref().map(WebhookUrl::as_str),
        events.as_deref(),
        secret.as_deref(),
        set_description,
        description,
        change.status.map(WebhookStatus::as_str),
        at,
    ];
    if conn.exec(&UPDATE, params).await? == 0 {
        return Ok(None);
    }
    one(conn, tenant, id).await
}

/// Forgets the endpoint, its cursor and its attempts; whether the tenant had it.
pub(crate) async fn delete<C: Conn>(conn: &C, tenant: &str, id: &str) -> Result<bool> {
    if conn.exec(&DELETE, params![tenant, id]).await? == 0 {
        return Ok(false);
    }
    conn.exec(&DELETE_CURSOR, params![&webhook_sink(id)])
        .await?;
    conn.exec(&DELETE_DELIVERIES, params![id]).await?;
    Ok(true)
}

/// Starts the endpoint's deliveries again after feed seq `after`, ending a failure.
pub(crate) async fn replay<C: Conn>(
    conn: &C,
    tenant: &str,
    id: &str,
    after: i64,
    at: Timestamp,
) -> Result<Option<Webhook>> {
    if one(conn, tenant, id).await?.is_none() {
        return Ok(None);
    }
    let sink = webhook_sink(id);
    if !relay::reset(conn, &sink, after, at).await? {
        relay::ensure(conn, &sink, after, at).await?;
    }
    conn.exec(&REACTIVATE, params![id, at]).await?;
    one(conn, tenant, id).await
}

/// Marks an active endpoint failing from `since`.
pub(crate) async fn mark_failing<C: Conn>(conn: &C, id: &str, since: Timestamp) -> Result<()> {
    conn.exec(&MARK_FAILING, params![id, since]).await.map(drop)
}

/// The endpoint's attempts before attempt id `before`, newest first.
pub(crate) async fn deliveries<C: Conn>(
    conn: &C,
    id: &str,
    before: i64,
    limit: usize,
) -> Result<Vec<Delivery>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.query(&DELIVERIES, params![id, before, limit], delivery)
        .await
}

/// Advances the endpoint's cursor and records the attempts that got it there, if its
/// holder still holds it; whether it did. Nothing is recorded for a holder that lost it.
pub(crate) async fn record_progress<C: Conn>(
    conn: &C,
    progress: &DeliveryProgress,
) -> Result<bool> {
    let (sink, owner) = (&progress.sink, &progress.owner);
    let (until, at) = (progress.lease_until, progress.at);
    if !relay::advance(conn, sink, owner, progress.cursor, until, at).await? {
        return Ok(false);
    }
    for chunk in progress.attempts.chunks(DELIVERIES_PER_INSERT) {
        insert_attempts(conn, chunk).await?;
    }
    Ok(true)
}

async fn insert_attempts<C: Conn>(conn: &C, attempts: &[DeliveryAttempt]) -> Result<()> {
    let mut sql = String::from(INSERT_DELIVERY_HEAD);
    let mark = match conn.dialect() {
        Dialect::Postgres => '$',
        Dialect::Sqlite => '?',
    };
    for row in 0..attempts.len() {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..DELIVERY_COLUMNS {
            if column > 0 {
                sql.push_str(", ");
            }
            sql.push(mark);
            sql.push_str(&(row * DELIVERY_COLUMNS + column + 1).to_string());
        }
        sql.push(')');
    }
    let mut params: Vec<Param<'_>> = Vec::with_capacity(attempts.len() * DELIVERY_COLUMNS);
    for a in attempts {
        params.extend_from_slice(&[
            Param::Text(&a.webhook_id),
            Param::I64(a.seq),
            Param::Text(&a.event_id),
            Param::Text(&a.event_type),
            Param::I64(a.attempt.into()),
            Param::from(a.at),
            Param::OptI64(a.status.map(i64::from)),
            Param::OptText(a.error.as_deref()),
            Param::I64(a.duration_ms),
            Param::Text(a.outcome.as_str()),
            Param::OptI64(a.next_try_at.map(Timestamp::micros)),
        ]);
    }
    conn.query_varying(&sql, &params, |_| Ok(()))
        .await
        .map(drop)
}

/// Forgets attempts made before `before`; how many.
pub(crate) async fn purge_deliveries<C: Conn>(conn: &C, before: Timestamp) -> Result<u64> {
    conn.exec(&PURGE, params![before]).await
}
