//! The SQL of the PostgreSQL backend.

use deadpool_postgres::{Client, GenericClient};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::db_error;
use crate::store::{
    Claim, CustomerFilter, CustomerRow, Executed, KeyRecord, NewCustomerRow, Outcome, RefKey,
    Rejection, Render, Result, StoreError, StoredAnswer, WriteCtx, WriteOp, Written,
    TERMINAL_STATE,
};

/// Statements are prepared once per connection and reused: a write makes several, and an
/// unprepared one costs an extra round trip each time.
async fn exec(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<u64, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.execute(&statement, params).await
}

async fn query_opt(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Option<Row>, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.query_opt(&statement, params).await
}

async fn query_one(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Row, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.query_one(&statement, params).await
}

pub(super) async fn ensure_tenant(
    client: &impl GenericClient,
    tenant: &str,
    at: i64,
) -> Result<()> {
    exec(
        client,
        "INSERT INTO tenants (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&tenant, &at],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

pub(super) async fn insert_key(
    client: &impl GenericClient,
    key: &KeyRecord,
    hash: &str,
    at: i64,
) -> Result<()> {
    ensure_tenant(client, &key.tenant, at).await?;
    exec(
        client,
        "INSERT INTO api_keys (id, tenant_id, role, key_hash, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_hash) DO NOTHING",
        &[&key.id, &key.tenant, &key.role, &hash, &at],
    )
    .await
    .map_err(db_error)?;
    Ok(())
}

pub(super) async fn has_key_with_role(client: &Client, tenant: &str, role: &str) -> Result<bool> {
    query_one(
        client,
        "SELECT EXISTS (SELECT 1 FROM api_keys WHERE tenant_id = $1 AND role = $2)",
        &[&tenant, &role],
    )
    .await
    .map(|row| row.get(0))
    .map_err(db_error)
}

pub(super) async fn find_key(client: &Client, hash: &str) -> Result<Option<KeyRecord>> {
    let stmt = client
        .prepare_cached("SELECT id, tenant_id, role FROM api_keys WHERE key_hash = $1")
        .await
        .map_err(db_error)?;
    let row = client.query_opt(&stmt, &[&hash]).await.map_err(db_error)?;
    Ok(row.map(|row| KeyRecord {
        id: row.get(0),
        tenant: row.get(1),
        role: row.get(2),
    }))
}

pub(super) async fn catalog(
    client: &impl GenericClient,
    tenant: &str,
) -> Result<Option<(i64, String)>> {
    let row = query_opt(
        client,
        "SELECT version, document FROM catalogs WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1",
        &[&tenant],
    )
    .await
    .map_err(db_error)?;
    Ok(row.map(|row| (row.get(0), row.get(1))))
}

pub(super) async fn catalog_version(client: &impl GenericClient, tenant: &str) -> Result<i64> {
    query_one(
        client,
        "SELECT COALESCE(MAX(version), 0)::BIGINT FROM catalogs WHERE tenant_id = $1",
        &[&tenant],
    )
    .await
    .map(|row| row.get(0))
    .map_err(db_error)
}

fn is_code(e: &tokio_postgres::Error, code: &SqlState) -> bool {
    e.code() == Some(code)
}

/// Claims the key, runs the write in a savepoint (undone when refused), renders the answer
/// and keeps it with the key, all in one transaction. A retry that reaches another process
/// while the first request is still open waits on the key's row lock for `lock_timeout`.
pub(super) async fn execute(
    client: &mut Client,
    ctx: &WriteCtx,
    op: WriteOp,
    render: Render,
) -> Result<Executed> {
    let mut tx = client.transaction().await.map_err(db_error)?;
    if let Some(claim) = &ctx.claim {
        let claimed = exec(
            &tx,
            "INSERT INTO idempotency (tenant_id, scope, key, fingerprint, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[
                &ctx.tenant,
                &claim.scope,
                &claim.key,
                &claim.fingerprint,
                &ctx.at,
            ],
        )
        .await;
        match claimed {
            Ok(0) => return earlier_answer(&tx, &ctx.tenant, claim).await,
            Ok(_) => {}
            Err(e) if is_code(&e, &SqlState::LOCK_NOT_AVAILABLE) => {
                return Ok(Executed::InProgress)
            }
            Err(e) => return Err(db_error(e)),
        }
    }
    // A savepoint costs two round trips; an op that writes one row without aborting on a
    // conflict leaves nothing to undo when refused, so it runs without one.
    let outcome = if op.is_single_write() {
        apply(&tx, ctx, op).await?
    } else {
        let work = tx.savepoint("work").await.map_err(db_error)?;
        let outcome = apply(&work, ctx, op).await?;
        if outcome.is_ok() {
            work.commit().await.map_err(db_error)?;
        } else {
            work.rollback().await.map_err(db_error)?;
        }
        outcome
    };
    let rendered = render(&outcome);
    let event = rendered.event.as_ref().filter(|_| outcome.is_ok());
    let answer = &rendered.answer;
    match (event, &ctx.claim) {
        (Some(event), Some(claim)) => exec(
            &tx,
            "WITH event AS (
                 INSERT INTO events (tenant_id, type, entity, entity_id, actor, at, data)
                 VALUES ($1, $7, $8, $9, $10, $11, $12))
             UPDATE idempotency SET status = $4, body = $5, location = $6
             WHERE tenant_id = $1 AND scope = $2 AND key = $3",
            &[
                &ctx.tenant,
                &claim.scope,
                &claim.key,
                &i32::from(answer.status),
                &answer.body,
                &answer.location,
                &event.event_type,
                &event.entity,
                &event.entity_id,
                &ctx.actor,
                &ctx.at,
                &event.data,
            ],
        )
        .await
        .map_err(db_error)?,
        (Some(event), None) => exec(
            &tx,
            "INSERT INTO events (tenant_id, type, entity, entity_id, actor, at, data)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &ctx.tenant,
                &event.event_type,
                &event.entity,
                &event.entity_id,
                &ctx.actor,
                &ctx.at,
                &event.data,
            ],
        )
        .await
        .map_err(db_error)?,
        (None, Some(claim)) => exec(
            &tx,
            "UPDATE idempotency SET status = $4, body = $5, location = $6
             WHERE tenant_id = $1 AND scope = $2 AND key = $3",
            &[
                &ctx.tenant,
                &claim.scope,
                &claim.key,
                &i32::from(answer.status),
                &answer.body,
                &answer.location,
            ],
        )
        .await
        .map_err(db_error)?,
        (None, None) => 0,
    };
    tx.commit().await.map_err(db_error)?;
    Ok(Executed::Fresh(rendered.answer))
}

async fn earlier_answer(
    client: &impl GenericClient,
    tenant: &str,
    claim: &Claim,
) -> Result<Executed> {
    let row = query_one(
        client,
        "SELECT fingerprint, status, body, location FROM idempotency
             WHERE tenant_id = $1 AND scope = $2 AND key = $3",
        &[&tenant, &claim.scope, &claim.key],
    )
    .await
    .map_err(db_error)?;
    let fingerprint: String = row.get(0);
    let status: Option<i32> = row.get(1);
    Ok(match status {
        _ if fingerprint != claim.fingerprint => Executed::KeyReused,
        None => Executed::InProgress,
        Some(status) => Executed::Replayed(StoredAnswer {
            status: u16::try_from(status).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            body: row.get::<_, Option<Vec<u8>>>(2).unwrap_or_default(),
            location: row.get(3),
        }),
    })
}

async fn apply(client: &impl GenericClient, ctx: &WriteCtx, op: WriteOp) -> Result<Outcome> {
    match op {
        WriteOp::CreateCustomer(row) => create_customer(client, &ctx.tenant, *row).await,
        WriteOp::PutCatalog { document, at } => {
            ensure_tenant(client, &ctx.tenant, at).await?;
            let version = catalog_version(client, &ctx.tenant).await? + 1;
            let inserted = exec(client,
                    "INSERT INTO catalogs (tenant_id, version, document, created_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT DO NOTHING",
                    &[&ctx.tenant, &version, &document, &at],
                )
                .await;
            match inserted.map_err(db_error)? {
                0 => Ok(Err(Rejection::Duplicate {
                    field: "version".into(),
                })),
                _ => Ok(Ok(Written::Catalog { version })),
            }
        }
        WriteOp::Refuse(rejection) => Ok(Err(rejection)),
    }
}

async fn resolve_customer(
    client: &impl GenericClient,
    tenant: &str,
    reference: &RefKey,
) -> Result<Option<(String, Option<String>, String)>> {
    let (sql, key) = match reference {
        RefKey::Id(id) => (
            "SELECT id, external_id, state FROM customers WHERE tenant_id = $1 AND id = $2",
            id,
        ),
        RefKey::ExternalId(id) => (
            "SELECT id, external_id, state FROM customers WHERE tenant_id = $1 AND external_id = $2",
            id,
        ),
    };
    let row = query_opt(client, sql, &[&tenant, key])
        .await
        .map_err(db_error)?;
    Ok(row.map(|row| (row.get(0), row.get(1), row.get(2))))
}

async fn create_customer(
    client: &impl GenericClient,
    tenant: &str,
    row: NewCustomerRow,
) -> Result<Outcome> {
    let parent = match &row.parent {
        None => None,
        Some(reference) => match resolve_customer(client, tenant, reference).await? {
            None => {
                return Ok(Err(Rejection::ReferenceNotFound {
                    field: "parent".into(),
                }))
            }
            Some((_, _, state)) if state == TERMINAL_STATE => {
                return Ok(Err(Rejection::ReferenceTerminal {
                    field: "parent".into(),
                }))
            }
            Some((id, external_id, _)) => Some((id, external_id)),
        },
    };
    let attributes = serde_json::to_string(&row.custom_attributes)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let parent_id = parent.as_ref().map(|p| p.0.as_str());
    let inserted = exec(client,
            "INSERT INTO customers (id, tenant_id, external_id, profile, segment, custom_name,
                 custom_attributes, state, state_reason, test_customer, parent_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
             ON CONFLICT (tenant_id, external_id) DO NOTHING",
            &[
                &row.id,
                &tenant,
                &row.external_id,
                &row.profile,
                &row.segment,
                &row.custom_name,
                &attributes,
                &row.state,
                &row.state_reason,
                &row.test_customer,
                &parent_id,
                &row.at,
            ],
        )
        .await;
    if inserted.map_err(db_error)? == 0 {
        return Ok(Err(Rejection::Duplicate {
            field: "externalId".into(),
        }));
    }
    let (parent_id, parent_external_id) = parent.unzip();
    Ok(Ok(Written::Customer(Box::new(CustomerRow {
        id: row.id,
        external_id: row.external_id,
        profile: row.profile,
        segment: row.segment,
        custom_name: row.custom_name,
        custom_attributes: row.custom_attributes,
        state: row.state,
        state_reason: row.state_reason,
        test_customer: row.test_customer,
        parent_id,
        parent_external_id: parent_external_id.flatten(),
        created_at: row.at,
        updated_at: row.at,
    }))))
}

const CUSTOMER_COLUMNS: &str = "SELECT c.id, c.external_id, c.profile, c.segment, c.custom_name,
        c.custom_attributes, c.state, c.state_reason, c.test_customer, c.parent_id,
        p.external_id, c.created_at, c.updated_at
    FROM customers c LEFT JOIN customers p ON p.id = c.parent_id";

fn customer_row(row: &Row) -> Result<CustomerRow> {
    let attributes: String = row.get(5);
    Ok(CustomerRow {
        id: row.get(0),
        external_id: row.get(1),
        profile: row.get(2),
        segment: row.get(3),
        custom_name: row.get(4),
        custom_attributes: serde_json::from_str(&attributes)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        state: row.get(6),
        state_reason: row.get(7),
        test_customer: row.get(8),
        parent_id: row.get(9),
        parent_external_id: row.get(10),
        created_at: row.get(11),
        updated_at: row.get(12),
    })
}

pub(super) async fn customer(
    client: &Client,
    tenant: &str,
    id: &str,
) -> Result<Option<CustomerRow>> {
    let stmt = client
        .prepare_cached(&format!(
            "{CUSTOMER_COLUMNS} WHERE c.tenant_id = $1 AND c.id = $2"
        ))
        .await
        .map_err(db_error)?;
    let row = client
        .query_opt(&stmt, &[&tenant, &id])
        .await
        .map_err(db_error)?;
    row.as_ref().map(customer_row).transpose()
}

pub(super) async fn customers(
    client: &Client,
    tenant: &str,
    filter: &CustomerFilter,
) -> Result<Vec<CustomerRow>> {
    let mut sql = format!("{CUSTOMER_COLUMNS} WHERE c.tenant_id = $1");
    let mut values: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(tenant.to_owned())];
    let mut add = |clause: &str, value: Box<dyn ToSql + Sync + Send>| {
        values.push(value);
        sql.push_str(&format!(" AND {clause} ${}", values.len()));
    };
    if let Some(v) = &filter.external_id {
        add("c.external_id =", Box::new(v.clone()));
    }
    if let Some(v) = &filter.segment {
        add("c.segment =", Box::new(v.clone()));
    }
    if let Some(v) = &filter.state {
        add("c.state =", Box::new(v.clone()));
    }
    if let Some(v) = filter.created_after {
        add("c.created_at >", Box::new(v));
    }
    if let Some(v) = &filter.after_id {
        add("c.id >", Box::new(v.clone()));
    }
    sql.push_str(&format!(" ORDER BY c.id LIMIT {}", filter.limit));
    let params: Vec<&(dyn ToSql + Sync)> = values
        .iter()
        .map(|v| v.as_ref() as &(dyn ToSql + Sync))
        .collect();
    let rows = client.query(&sql, &params).await.map_err(db_error)?;
    rows.iter().map(customer_row).collect()
}
