//! The SQL of the SQLite backend; every function runs on a connection the caller holds.

use rusqlite::{params, params_from_iter, Connection, ErrorCode, OptionalExtension, Row};

use super::db_error;
use crate::store::{
    Claim, CustomerFilter, CustomerRow, Executed, KeyRecord, NewCustomerRow, Outcome, RefKey,
    Rejection, Render, Result, StoreError, StoredAnswer, WriteCtx, WriteOp, Written,
    TERMINAL_STATE,
};

pub(super) fn ensure_tenant(conn: &Connection, tenant: &str, at: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO tenants (id, created_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        params![tenant, at],
    )
    .map_err(db_error)?;
    Ok(())
}

pub(super) fn insert_key(conn: &Connection, key: &KeyRecord, hash: &str, at: i64) -> Result<()> {
    ensure_tenant(conn, &key.tenant, at)?;
    conn.execute(
        "INSERT INTO api_keys (id, tenant_id, role, key_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key_hash) DO NOTHING",
        params![key.id, key.tenant, key.role, hash, at],
    )
    .map_err(db_error)?;
    Ok(())
}

pub(super) fn has_key_with_role(conn: &Connection, tenant: &str, role: &str) -> Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM api_keys WHERE tenant_id = ?1 AND role = ?2)",
        params![tenant, role],
        |row| row.get(0),
    )
    .map_err(db_error)
}

pub(super) fn find_key(conn: &Connection, hash: &str) -> Result<Option<KeyRecord>> {
    conn.prepare_cached("SELECT id, tenant_id, role FROM api_keys WHERE key_hash = ?1")
        .and_then(|mut stmt| {
            stmt.query_row([hash], |row| {
                Ok(KeyRecord {
                    id: row.get(0)?,
                    tenant: row.get(1)?,
                    role: row.get(2)?,
                })
            })
            .optional()
        })
        .map_err(db_error)
}

pub(super) fn catalog(conn: &Connection, tenant: &str) -> Result<Option<(i64, String)>> {
    conn.query_row(
        "SELECT version, document FROM catalogs WHERE tenant_id = ?1 ORDER BY version DESC LIMIT 1",
        [tenant],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()
    .map_err(db_error)
}

pub(super) fn catalog_version(conn: &Connection, tenant: &str) -> Result<i64> {
    conn.prepare_cached("SELECT COALESCE(MAX(version), 0) FROM catalogs WHERE tenant_id = ?1")
        .and_then(|mut stmt| stmt.query_row([tenant], |row| row.get(0)))
        .map_err(db_error)
}

/// Claims the key, runs the write in a savepoint of its own (undone when refused), renders
/// the answer and keeps it with the key — all in the caller's transaction.
pub(super) fn execute(
    conn: &Connection,
    ctx: &WriteCtx,
    op: WriteOp,
    render: Render,
) -> Result<Executed> {
    if let Some(claim) = &ctx.claim {
        let claimed = conn
            .prepare_cached(
                "INSERT INTO idempotency (tenant_id, scope, key, fingerprint, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    ctx.tenant,
                    claim.scope,
                    claim.key,
                    claim.fingerprint,
                    ctx.at
                ])
            })
            .map_err(db_error)?;
        if claimed == 0 {
            return earlier_answer(conn, &ctx.tenant, claim);
        }
    }
    conn.execute_batch("SAVEPOINT work").map_err(db_error)?;
    let outcome = match apply(conn, ctx, op) {
        Ok(outcome) => outcome,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO work; RELEASE work");
            return Err(e);
        }
    };
    if outcome.is_err() {
        conn.execute_batch("ROLLBACK TO work").map_err(db_error)?;
    }
    let rendered = render(&outcome);
    if let (Ok(_), Some(event)) = (&outcome, &rendered.event) {
        conn.prepare_cached(
            "INSERT INTO events (tenant_id, type, entity, entity_id, actor, at, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                ctx.tenant,
                event.event_type,
                event.entity,
                event.entity_id,
                ctx.actor,
                ctx.at,
                event.data
            ])
        })
        .map_err(db_error)?;
    }
    conn.execute_batch("RELEASE work").map_err(db_error)?;
    if let Some(claim) = &ctx.claim {
        let answer = &rendered.answer;
        conn.prepare_cached(
            "UPDATE idempotency SET status = ?4, body = ?5, location = ?6
             WHERE tenant_id = ?1 AND scope = ?2 AND key = ?3",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                ctx.tenant,
                claim.scope,
                claim.key,
                answer.status,
                answer.body,
                answer.location
            ])
        })
        .map_err(db_error)?;
    }
    Ok(Executed::Fresh(rendered.answer))
}

fn earlier_answer(conn: &Connection, tenant: &str, claim: &Claim) -> Result<Executed> {
    let row: (String, Option<u16>, Option<Vec<u8>>, Option<String>) = conn
        .query_row(
            "SELECT fingerprint, status, body, location FROM idempotency
             WHERE tenant_id = ?1 AND scope = ?2 AND key = ?3",
            params![tenant, claim.scope, claim.key],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .map_err(db_error)?;
    Ok(match row {
        (fingerprint, _, _, _) if fingerprint != claim.fingerprint => Executed::KeyReused,
        (_, Some(status), body, location) => Executed::Replayed(StoredAnswer {
            status,
            body: body.unwrap_or_default(),
            location,
        }),
        (_, None, _, _) => Executed::InProgress,
    })
}

fn apply(conn: &Connection, ctx: &WriteCtx, op: WriteOp) -> Result<Outcome> {
    match op {
        WriteOp::CreateCustomer(row) => create_customer(conn, &ctx.tenant, *row),
        WriteOp::PutCatalog { document, at } => {
            ensure_tenant(conn, &ctx.tenant, at)?;
            let version = catalog_version(conn, &ctx.tenant)? + 1;
            conn.execute(
                "INSERT INTO catalogs (tenant_id, version, document, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![ctx.tenant, version, document, at],
            )
            .map_err(db_error)?;
            Ok(Ok(Written::Catalog { version }))
        }
        WriteOp::Refuse(rejection) => Ok(Err(rejection)),
    }
}

/// `(id, external id, state)` of the customer a reference names in this tenant.
fn resolve_customer(
    conn: &Connection,
    tenant: &str,
    reference: &RefKey,
) -> Result<Option<(String, Option<String>, String)>> {
    let (sql, key) = match reference {
        RefKey::Id(id) => (
            "SELECT id, external_id, state FROM customers WHERE tenant_id = ?1 AND id = ?2",
            id,
        ),
        RefKey::ExternalId(id) => (
            "SELECT id, external_id, state FROM customers WHERE tenant_id = ?1 AND external_id = ?2",
            id,
        ),
    };
    conn.prepare_cached(sql)
        .and_then(|mut stmt| {
            stmt.query_row(params![tenant, key], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()
        })
        .map_err(db_error)
}

fn unique_violation(e: &rusqlite::Error) -> Option<&str> {
    match e {
        rusqlite::Error::SqliteFailure(err, Some(message))
            if err.code == ErrorCode::ConstraintViolation =>
        {
            Some(message.as_str())
        }
        _ => None,
    }
}

fn create_customer(conn: &Connection, tenant: &str, row: NewCustomerRow) -> Result<Outcome> {
    let parent = match &row.parent {
        None => None,
        Some(reference) => match resolve_customer(conn, tenant, reference)? {
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
    let inserted = conn
        .prepare_cached(
            "INSERT INTO customers (id, tenant_id, external_id, profile, segment, custom_name,
                 custom_attributes, state, state_reason, test_customer, parent_id, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                row.id,
                tenant,
                row.external_id,
                row.profile,
                row.segment,
                row.custom_name,
                attributes,
                row.state,
                row.state_reason,
                row.test_customer,
                parent.as_ref().map(|p| &p.0),
                row.at
            ])
        });
    match inserted {
        Ok(_) => {}
        Err(e) => {
            if let Some(message) = unique_violation(&e) {
                if message.contains("customers.external_id") {
                    return Ok(Err(Rejection::Duplicate {
                        field: "externalId".into(),
                    }));
                }
            }
            return Err(db_error(e));
        }
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

fn customer_row(row: &Row<'_>) -> rusqlite::Result<CustomerRow> {
    let attributes: String = row.get(5)?;
    Ok(CustomerRow {
        id: row.get(0)?,
        external_id: row.get(1)?,
        profile: row.get(2)?,
        segment: row.get(3)?,
        custom_name: row.get(4)?,
        custom_attributes: serde_json::from_str(&attributes).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(5, rusqlite::types::Type::Text, Box::new(e))
        })?,
        state: row.get(6)?,
        state_reason: row.get(7)?,
        test_customer: row.get(8)?,
        parent_id: row.get(9)?,
        parent_external_id: row.get(10)?,
        created_at: row.get(11)?,
        updated_at: row.get(12)?,
    })
}

pub(super) fn customer(conn: &Connection, tenant: &str, id: &str) -> Result<Option<CustomerRow>> {
    conn.prepare_cached(&format!(
        "{CUSTOMER_COLUMNS} WHERE c.tenant_id = ?1 AND c.id = ?2"
    ))
    .and_then(|mut stmt| stmt.query_row(params![tenant, id], customer_row).optional())
    .map_err(db_error)
}

pub(super) fn customers(
    conn: &Connection,
    tenant: &str,
    filter: &CustomerFilter,
) -> Result<Vec<CustomerRow>> {
    use rusqlite::types::Value;
    let mut sql = format!("{CUSTOMER_COLUMNS} WHERE c.tenant_id = ?1");
    let mut values: Vec<Value> = vec![Value::Text(tenant.to_owned())];
    let mut add = |clause: &str, value: Value| {
        values.push(value);
        sql.push_str(&format!(" AND {clause} ?{}", values.len()));
    };
    if let Some(v) = &filter.external_id {
        add("c.external_id =", Value::Text(v.clone()));
    }
    if let Some(v) = &filter.segment {
        add("c.segment =", Value::Text(v.clone()));
    }
    if let Some(v) = &filter.state {
        add("c.state =", Value::Text(v.clone()));
    }
    if let Some(v) = filter.created_after {
        add("c.created_at >", Value::Integer(v));
    }
    if let Some(v) = &filter.after_id {
        add("c.id >", Value::Text(v.clone()));
    }
    sql.push_str(&format!(" ORDER BY c.id LIMIT {}", filter.limit));
    let mut stmt = conn.prepare_cached(&sql).map_err(db_error)?;
    let rows = stmt
        .query_map(params_from_iter(values), customer_row)
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}

pub(super) fn purge_idempotency(conn: &Connection, before: i64) -> Result<u64> {
    conn.execute(
        "DELETE FROM idempotency WHERE created_at < ?1 AND status IS NOT NULL",
        [before],
    )
    .map(|n| n as u64)
    .map_err(db_error)
}
