//! The SQL of the SQLite backend; every function runs on a connection the caller holds.

use rusqlite::{params, params_from_iter, Connection, ErrorCode, OptionalExtension, Row};

use super::db_error;
use crate::store::{
    AccountRow, Claim, Common, CustomerRow, EntityFilter, EntityRow, EventRecord, Executed,
    History, HistoryRow, KeyRecord, Kind, NewAccountOf, NewAccountRow, NewCommon, NewCustomerRow,
    NewOwner, NewSubscriberRow, OwnerRow, PatchRow, RefKey, Rejection, Render, Result, StoreError,
    StoredAnswer, SubscriberRow, WriteCtx, WriteOp, Written, TERMINAL_STATE,
};

/// A step of a write that the client's data can refuse: `Ok(Err(..))`.
type Step<T> = Result<std::result::Result<T, Rejection>>;

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
    if outcome.is_ok() {
        for event in &rendered.events {
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

fn apply(conn: &Connection, ctx: &WriteCtx, op: WriteOp) -> Result<crate::store::Outcome> {
    Ok(match op {
        WriteOp::CreateCustomer(row) => {
            create_customer(conn, ctx, &row)?.map(|c| Written::Customer(Box::new(c)))
        }
        WriteOp::CreateAccount(row) => {
            create_account(conn, ctx, &row)?.map(|(account, customer)| Written::Account {
                account: Box::new(account),
                created_customer: customer.map(Box::new),
            })
        }
        WriteOp::CreateSubscriber(row) => {
            create_subscriber(conn, ctx, &row)?.map(|(subscriber, account, customer)| {
                Written::Subscriber {
                    subscriber: Box::new(subscriber),
                    created_account: account.map(Box::new),
                    created_customer: customer.map(Box::new),
                }
            })
        }
        WriteOp::ChangeState {
            kind,
            id,
            state,
            state_reason,
            cascade,
        } => change_state(conn, ctx, kind, &id, &state, &state_reason, cascade)?
            .map(Written::StateChanged),
        WriteOp::Patch { kind, id, patch } => {
            patch_entity(conn, ctx, kind, &id, &patch)?.map(|e| Written::Patched(Box::new(e)))
        }
        WriteOp::PutCatalog { document, at } => {
            ensure_tenant(conn, &ctx.tenant, at)?;
            let version = catalog_version(conn, &ctx.tenant)? + 1;
            conn.execute(
                "INSERT INTO catalogs (tenant_id, version, document, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![ctx.tenant, version, document, at],
            )
            .map_err(db_error)?;
            Ok(Written::Catalog { version })
        }
        WriteOp::Refuse(rejection) => Err(rejection),
    })
}

/// `(id, external id, state)` of the object a reference names in this tenant.
fn resolve(
    conn: &Connection,
    kind: Kind,
    tenant: &str,
    reference: &RefKey,
) -> Result<Option<(String, Option<String>, String)>> {
    let (column, key) = match reference {
        RefKey::Id(id) => ("id", id),
        RefKey::ExternalId(id) => ("external_id", id),
    };
    let sql = format!(
        "SELECT id, external_id, state FROM {} WHERE tenant_id = ?1 AND {column} = ?2",
        kind.table()
    );
    conn.prepare_cached(&sql)
        .and_then(|mut stmt| {
            stmt.query_row(params![tenant, key], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()
        })
        .map_err(db_error)
}

/// Resolves a reference that must name a live object to its id and external id;
/// refusals name `field`.
fn resolve_live(
    conn: &Connection,
    kind: Kind,
    tenant: &str,
    reference: &RefKey,
    field: &str,
) -> Step<(String, Option<String>)> {
    Ok(match resolve(conn, kind, tenant, reference)? {
        None => Err(Rejection::ReferenceNotFound {
            field: field.into(),
        }),
        Some((_, _, state)) if state == TERMINAL_STATE => Err(Rejection::ReferenceTerminal {
            field: field.into(),
        }),
        Some((id, external_id, _)) => Ok((id, external_id)),
    })
}

/// The field a unique index violation is about, if the client's data can cause it.
fn duplicate_field(e: &rusqlite::Error) -> Option<&'static str> {
    match e {
        rusqlite::Error::SqliteFailure(err, Some(message))
            if err.code == ErrorCode::ConstraintViolation =>
        {
            if message.contains(".external_id") {
                Some("externalId")
            } else if message.contains(".primary_resource") {
                Some("primaryResource")
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Runs an insert or update; a unique violation the client caused becomes a refusal.
fn write_unique(result: rusqlite::Result<usize>) -> Step<()> {
    match result {
        Ok(_) => Ok(Ok(())),
        Err(e) => match duplicate_field(&e) {
            Some(field) => Ok(Err(Rejection::Duplicate {
                field: field.into(),
            })),
            None => Err(db_error(e)),
        },
    }
}

fn attributes_json(attributes: &std::collections::BTreeMap<String, String>) -> Result<String> {
    serde_json::to_string(attributes).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn record_history(
    conn: &Connection,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    which: History,
    value: &str,
    reason: &str,
) -> Result<()> {
    let result = match which {
        History::State => conn
            .prepare_cached(
                "INSERT INTO state_history (tenant_id, entity, entity_id, state, state_reason, actor, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    ctx.tenant,
                    kind.entity(),
                    id,
                    value,
                    reason,
                    ctx.actor,
                    ctx.at
                ])
            }),
        History::Segment => conn
            .prepare_cached(
                "INSERT INTO segment_history (tenant_id, entity, entity_id, segment, actor, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![ctx.tenant, kind.entity(), id, value, ctx.actor, ctx.at])
            }),
    };
    result.map(|_| ()).map_err(db_error)
}

/// The histories every new object starts with.
fn record_created(conn: &Connection, ctx: &WriteCtx, kind: Kind, common: &NewCommon) -> Result<()> {
    record_history(
        conn,
        ctx,
        kind,
        &common.id,
        History::State,
        &common.state,
        &common.state_reason,
    )?;
    if let Some(segment) = &common.segment {
        record_history(conn, ctx, kind, &common.id, History::Segment, segment, "")?;
    }
    Ok(())
}

fn create_customer(conn: &Connection, ctx: &WriteCtx, row: &NewCustomerRow) -> Step<CustomerRow> {
    let parent = match &row.parent {
        None => None,
        Some(reference) => {
            match resolve_live(conn, Kind::Customer, &ctx.tenant, reference, "parent")? {
                Ok(id) => Some(id),
                Err(rejection) => return Ok(Err(rejection)),
            }
        }
    };
    let c = &row.common;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO customers (id, tenant_id, external_id, profile, segment, custom_name,
                 custom_attributes, state, state_reason, test_customer, parent_id, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                c.id,
                ctx.tenant,
                c.external_id,
                c.profile,
                c.segment,
                c.custom_name,
                attributes_json(&c.custom_attributes).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?,
                c.state,
                c.state_reason,
                row.test_customer,
                parent.as_ref().map(|(id, _)| id),
                c.at
            ])
        });
    if let Err(rejection) = write_unique(inserted)? {
        return Ok(Err(rejection));
    }
    record_created(conn, ctx, Kind::Customer, c)?;
    let (parent_id, parent_external_id) = parent.unzip();
    Ok(Ok(CustomerRow {
        common: c.stored(),
        test_customer: row.test_customer,
        parent_id,
        parent_external_id: parent_external_id.flatten(),
    }))
}

fn create_account(
    conn: &Connection,
    ctx: &WriteCtx,
    row: &NewAccountRow,
) -> Step<(AccountRow, Option<CustomerRow>)> {
    let (owner, created) = match &row.owner {
        NewOwner::Existing(reference) => {
            match resolve_live(conn, Kind::Customer, &ctx.tenant, reference, "customer")? {
                Ok((id, _)) => (id, None),
                Err(rejection) => return Ok(Err(rejection)),
            }
        }
        NewOwner::Create(customer) => match create_customer(conn, ctx, customer)? {
            Ok(created) => (created.common.id.clone(), Some(created)),
            Err(rejection) => return Ok(Err(rejection)),
        },
    };
    let c = &row.common;
    let inserted = conn
        .prepare_cached(
            "INSERT INTO accounts (id, tenant_id, external_id, profile, segment, custom_name,
                 custom_attributes, state, state_reason, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                c.id,
                ctx.tenant,
                c.external_id,
                c.profile,
                c.segment,
                c.custom_name,
                attributes_json(&c.custom_attributes)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?,
                c.state,
                c.state_reason,
                c.at
            ])
        });
    if let Err(rejection) = write_unique(inserted)? {
        return Ok(Err(rejection));
    }
    conn.prepare_cached(
        "INSERT INTO account_owners (account_id, customer_id, is_primary) VALUES (?1, ?2, 1)",
    )
    .and_then(|mut stmt| stmt.execute(params![c.id, owner]))
    .map_err(db_error)?;
    record_created(conn, ctx, Kind::Account, c)?;
    let account = account(conn, &ctx.tenant, &c.id)?
        .ok_or_else(|| StoreError::Corrupt("a new account cannot be read back".into()))?;
    Ok(Ok((account, created)))
}

type CreatedSubscriber = (SubscriberRow, Option<AccountRow>, Option<CustomerRow>);

fn create_subscriber(
    conn: &Connection,
    ctx: &WriteCtx,
    row: &NewSubscriberRow,
) -> Step<CreatedSubscriber> {
    let (account_id, created_account, created_customer) = match &row.account {
        NewAccountOf::Existing(reference) => {
            match resolve_live(conn, Kind::Account, &ctx.tenant, reference, "account")? {
                Ok((id, _)) => (id, None, None),
                Err(rejection) => return Ok(Err(rejection)),
            }
        }
        NewAccountOf::Create(account) => match create_account(conn, ctx, account)? {
            Ok((account, customer)) => (account.common.id.clone(), Some(account), customer),
            Err(rejection) => return Ok(Err(rejection)),
        },
    };
    let c = &row.common;
    let (resource_type, resource) = row.primary_resource.clone().unzip();
    let inserted = conn
        .prepare_cached(
            "INSERT INTO subscribers (id, tenant_id, external_id, profile, segment, custom_name,
                 custom_attributes, state, state_reason, account_id, primary_resource_type,
                 primary_resource, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                c.id,
                ctx.tenant,
                c.external_id,
                c.profile,
                c.segment,
                c.custom_name,
                attributes_json(&c.custom_attributes)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?,
                c.state,
                c.state_reason,
                account_id,
                resource_type,
                resource,
                c.at
            ])
        });
    if let Err(rejection) = write_unique(inserted)? {
        return Ok(Err(rejection));
    }
    record_created(conn, ctx, Kind::Subscriber, c)?;
    let subscriber = subscriber(conn, &ctx.tenant, &c.id)?
        .ok_or_else(|| StoreError::Corrupt("a new subscriber cannot be read back".into()))?;
    Ok(Ok((subscriber, created_account, created_customer)))
}

/// Ids of the live objects right below one: a customer's primary accounts and their
/// subscribers, or an account's subscribers.
fn live_children(conn: &Connection, kind: Kind, id: &str) -> Result<Vec<(Kind, String)>> {
    let mut children = Vec::new();
    let accounts: Vec<String> = match kind {
        Kind::Customer => {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT a.id FROM accounts a JOIN account_owners o ON o.account_id = a.id
                     WHERE o.customer_id = ?1 AND o.is_primary = 1 AND a.state <> ?2 ORDER BY a.id",
                )
                .map_err(db_error)?;
            let ids = stmt
                .query_map(params![id, TERMINAL_STATE], |row| row.get(0))
                .map_err(db_error)?
                .collect::<rusqlite::Result<Vec<String>>>()
                .map_err(db_error)?;
            ids
        }
        Kind::Account => vec![id.to_owned()],
        Kind::Subscriber => return Ok(children),
    };
    for account in accounts {
        if kind == Kind::Customer {
            children.push((Kind::Account, account.clone()));
        }
        let mut stmt = conn
            .prepare_cached(
                "SELECT id FROM subscribers WHERE account_id = ?1 AND state <> ?2 ORDER BY id",
            )
            .map_err(db_error)?;
        let subscribers = stmt
            .query_map(params![account, TERMINAL_STATE], |row| {
                row.get::<_, String>(0)
            })
            .map_err(db_error)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(db_error)?;
        children.extend(subscribers.into_iter().map(|s| (Kind::Subscriber, s)));
    }
    Ok(children)
}

fn change_state(
    conn: &Connection,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    state: &str,
    reason: &str,
    cascade: bool,
) -> Step<Vec<EntityRow>> {
    match resolve(conn, kind, &ctx.tenant, &RefKey::Id(id.to_owned()))? {
        None => return Ok(Err(Rejection::Missing)),
        Some((_, _, current)) if current == TERMINAL_STATE => return Ok(Err(Rejection::Terminal)),
        Some(_) => {}
    }
    let mut targets = vec![(kind, id.to_owned())];
    if cascade {
        targets.extend(live_children(conn, kind, id)?);
    }
    let mut changed = Vec::with_capacity(targets.len());
    for (kind, id) in targets {
        let updated = conn
            .prepare_cached(&format!(
                "UPDATE {} SET state = ?1, state_reason = ?2, updated_at = ?3
                 WHERE tenant_id = ?4 AND id = ?5 AND state <> ?6",
                kind.table()
            ))
            .and_then(|mut stmt| {
                stmt.execute(params![
                    state,
                    reason,
                    ctx.at,
                    ctx.tenant,
                    id,
                    TERMINAL_STATE
                ])
            })
            .map_err(db_error)?;
        if updated == 0 {
            continue;
        }
        record_history(conn, ctx, kind, &id, History::State, state, reason)?;
        changed.push(
            entity(conn, kind, &ctx.tenant, &id)?
                .ok_or_else(|| StoreError::Corrupt(format!("{} {id} vanished", kind.entity())))?,
        );
    }
    Ok(Ok(changed))
}

fn patch_entity(
    conn: &Connection,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    patch: &PatchRow,
) -> Step<EntityRow> {
    let Some(current) = entity(conn, kind, &ctx.tenant, id)? else {
        return Ok(Err(Rejection::Missing));
    };
    let current = current.common();
    if current.state == TERMINAL_STATE {
        return Ok(Err(Rejection::Terminal));
    }
    let external_id = patch
        .external_id
        .clone()
        .unwrap_or(current.external_id.clone());
    let custom_name = patch
        .custom_name
        .clone()
        .unwrap_or(current.custom_name.clone());
    let attributes = patch
        .custom_attributes
        .as_ref()
        .unwrap_or(&current.custom_attributes);
    let segment = patch.segment.clone().or(current.segment.clone());
    let updated = conn
        .prepare_cached(&format!(
            "UPDATE {} SET external_id = ?1, custom_name = ?2, custom_attributes = ?3,
                 segment = ?4, updated_at = ?5 WHERE tenant_id = ?7 AND id = ?6",
            kind.table()
        ))
        .and_then(|mut stmt| {
            stmt.execute(params![
                external_id,
                custom_name,
                attributes_json(attributes)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?,
                segment,
                ctx.at,
                id,
                ctx.tenant
            ])
        });
    if let Err(rejection) = write_unique(updated)? {
        return Ok(Err(rejection));
    }
    if let Some(new_segment) = &patch.segment {
        if current.segment.as_ref() != Some(new_segment) {
            record_history(conn, ctx, kind, id, History::Segment, new_segment, "")?;
        }
    }
    entity(conn, kind, &ctx.tenant, id)?
        .map(Ok)
        .ok_or_else(|| StoreError::Corrupt(format!("{} {id} vanished", kind.entity())))
}

const COMMON_COLUMNS: &str = "x.id, x.external_id, x.profile, x.segment, x.custom_name,
    x.custom_attributes, x.state, x.state_reason, x.created_at, x.updated_at";

fn select(kind: Kind) -> String {
    match kind {
        Kind::Customer => format!(
            "SELECT {COMMON_COLUMNS}, x.test_customer, x.parent_id, p.external_id
             FROM customers x LEFT JOIN customers p ON p.id = x.parent_id"
        ),
        Kind::Account => format!("SELECT {COMMON_COLUMNS} FROM accounts x"),
        Kind::Subscriber => format!(
            "SELECT {COMMON_COLUMNS}, x.account_id, a.external_id, x.primary_resource_type,
                 x.primary_resource
             FROM subscribers x JOIN accounts a ON a.id = x.account_id"
        ),
    }
}

fn common(row: &Row<'_>) -> rusqlite::Result<Common> {
    let attributes: String = row.get(5)?;
    Ok(Common {
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
        created_at: row.get(8)?,
        updated_at: row.get(9)?,
    })
}

fn owners(conn: &Connection, account_id: &str) -> Result<Vec<OwnerRow>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT o.customer_id, c.external_id, o.is_primary FROM account_owners o
             JOIN customers c ON c.id = o.customer_id
             WHERE o.account_id = ?1 ORDER BY o.is_primary DESC, o.customer_id",
        )
        .map_err(db_error)?;
    let rows = stmt
        .query_map([account_id], |row| {
            Ok(OwnerRow {
                customer_id: row.get(0)?,
                external_id: row.get(1)?,
                primary: row.get(2)?,
            })
        })
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_error)
}

/// Reads the rows of a query over one kind, completing accounts with their owners.
fn read_rows(
    conn: &Connection,
    kind: Kind,
    sql: &str,
    values: Vec<rusqlite::types::Value>,
) -> Result<Vec<EntityRow>> {
    let mut stmt = conn.prepare_cached(sql).map_err(db_error)?;
    let rows = stmt
        .query_map(params_from_iter(values), |row| {
            let common = common(row)?;
            Ok(match kind {
                Kind::Customer => EntityRow::Customer(CustomerRow {
                    common,
                    test_customer: row.get(10)?,
                    parent_id: row.get(11)?,
                    parent_external_id: row.get(12)?,
                }),
                Kind::Account => EntityRow::Account(AccountRow {
                    common,
                    owners: Vec::new(),
                }),
                Kind::Subscriber => EntityRow::Subscriber(SubscriberRow {
                    common,
                    account_id: row.get(10)?,
                    account_external_id: row.get(11)?,
                    primary_resource_type: row.get(12)?,
                    primary_resource: row.get(13)?,
                }),
            })
        })
        .map_err(db_error)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(db_error)?;
    rows.into_iter()
        .map(|row| match row {
            EntityRow::Account(mut account) => {
                account.owners = owners(conn, &account.common.id)?;
                Ok(EntityRow::Account(account))
            }
            other => Ok(other),
        })
        .collect()
}

pub(super) fn entity(
    conn: &Connection,
    kind: Kind,
    tenant: &str,
    id: &str,
) -> Result<Option<EntityRow>> {
    use rusqlite::types::Value;
    let sql = format!("{} WHERE x.tenant_id = ?1 AND x.id = ?2", select(kind));
    let mut rows = read_rows(
        conn,
        kind,
        &sql,
        vec![Value::Text(tenant.to_owned()), Value::Text(id.to_owned())],
    )?;
    Ok(rows.pop())
}

fn account(conn: &Connection, tenant: &str, id: &str) -> Result<Option<AccountRow>> {
    Ok(match entity(conn, Kind::Account, tenant, id)? {
        Some(EntityRow::Account(row)) => Some(row),
        _ => None,
    })
}

fn subscriber(conn: &Connection, tenant: &str, id: &str) -> Result<Option<SubscriberRow>> {
    Ok(match entity(conn, Kind::Subscriber, tenant, id)? {
        Some(EntityRow::Subscriber(row)) => Some(row),
        _ => None,
    })
}

pub(super) fn entities(
    conn: &Connection,
    kind: Kind,
    tenant: &str,
    filter: &EntityFilter,
) -> Result<Vec<EntityRow>> {
    use rusqlite::types::Value;
    let mut sql = format!("{} WHERE x.tenant_id = ?1", select(kind));
    let mut values: Vec<Value> = vec![Value::Text(tenant.to_owned())];
    let mut add = |clause: &str, value: Value| {
        values.push(value);
        sql.push_str(&format!(" AND {clause} ?{})", values.len()));
    };
    if let Some(v) = &filter.external_id {
        add("(x.external_id =", Value::Text(v.clone()));
    }
    if let Some(v) = &filter.segment {
        add("(x.segment =", Value::Text(v.clone()));
    }
    if let Some(v) = &filter.state {
        add("(x.state =", Value::Text(v.clone()));
    }
    if let Some(v) = filter.created_after {
        add("(x.created_at >", Value::Integer(v));
    }
    if let (Kind::Account, Some(v)) = (kind, &filter.customer) {
        add(
            "x.id IN (SELECT account_id FROM account_owners WHERE customer_id =",
            Value::Text(v.clone()),
        );
    }
    if let (Kind::Subscriber, Some(v)) = (kind, &filter.account) {
        add("(x.account_id =", Value::Text(v.clone()));
    }
    if let Some(v) = &filter.after_id {
        add("(x.id >", Value::Text(v.clone()));
    }
    sql.push_str(&format!(" ORDER BY x.id LIMIT {}", filter.limit));
    read_rows(conn, kind, &sql, values)
}

pub(super) fn history(
    conn: &Connection,
    kind: Kind,
    tenant: &str,
    id: &str,
    which: History,
) -> Result<Option<Vec<HistoryRow>>> {
    if resolve(conn, kind, tenant, &RefKey::Id(id.to_owned()))?.is_none() {
        return Ok(None);
    }
    let sql = match which {
        History::State => {
            "SELECT state, state_reason, actor, at FROM state_history
             WHERE tenant_id = ?1 AND entity = ?2 AND entity_id = ?3 ORDER BY seq"
        }
        History::Segment => {
            "SELECT segment, NULL, actor, at FROM segment_history
             WHERE tenant_id = ?1 AND entity = ?2 AND entity_id = ?3 ORDER BY seq"
        }
    };
    let mut stmt = conn.prepare_cached(sql).map_err(db_error)?;
    let rows = stmt
        .query_map(params![tenant, kind.entity(), id], |row| {
            Ok(HistoryRow {
                value: row.get(0)?,
                reason: row.get(1)?,
                actor: row.get(2)?,
                at: row.get(3)?,
            })
        })
        .map_err(db_error)?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map(Some)
        .map_err(db_error)
}

/// Events in commit order: one writer numbers them as it commits, so seq order is commit order.
pub(super) fn events(
    conn: &Connection,
    tenant: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<EventRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, type, entity, entity_id, actor, at, data FROM events
             WHERE tenant_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )
        .map_err(db_error)?;
    let rows = stmt
        .query_map(params![tenant, after, limit as i64], |row| {
            Ok(EventRecord {
                seq: row.get(0)?,
                event_type: row.get(1)?,
                entity: row.get(2)?,
                entity_id: row.get(3)?,
                actor: row.get(4)?,
                at: row.get(5)?,
                data: row.get(6)?,
            })
        })
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
