//! The SQL of the PostgreSQL backend.

use deadpool_postgres::{Client, GenericClient};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

use super::db_error;
use crate::store::{
    AccountRow, Claim, Common, CustomerRow, EntityFilter, EntityRow, EventRecord, Executed,
    History, HistoryRow, KeyRecord, Kind, NewAccountOf, NewAccountRow, NewCommon, NewCustomerRow,
    NewOwner, NewSubscriberRow, Outcome, OwnerRow, PatchRow, RefKey, Rejection, Render, Result,
    StoreError, StoredAnswer, SubscriberRow, WriteCtx, WriteOp, Written, TERMINAL_STATE,
};

/// A step of a write that the client's data can refuse: `Ok(Err(..))`.
type Step<T> = Result<std::result::Result<T, Rejection>>;

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
    let events: &[crate::store::EventRow] = if outcome.is_ok() {
        &rendered.events
    } else {
        &[]
    };
    let answer = &rendered.answer;
    match (events, &ctx.claim) {
        // The common case, one event and a kept answer, is one statement.
        ([event], Some(claim)) => {
            exec(
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
            .map_err(db_error)?;
        }
        (events, claim) => {
            for event in events {
                exec(
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
                .map_err(db_error)?;
            }
            if let Some(claim) = claim {
                exec(
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
                .map_err(db_error)?;
            }
        }
    }
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
    Ok(match op {
        WriteOp::CreateCustomer(row) => create_customer(client, ctx, &row)
            .await?
            .map(|c| Written::Customer(Box::new(c))),
        WriteOp::CreateAccount(row) => {
            create_account(client, ctx, &row)
                .await?
                .map(|(account, customer)| Written::Account {
                    account: Box::new(account),
                    created_customer: customer.map(Box::new),
                })
        }
        WriteOp::CreateSubscriber(row) => {
            create_subscriber(client, ctx, &row)
                .await?
                .map(|(subscriber, account, customer)| Written::Subscriber {
                    subscriber: Box::new(subscriber),
                    created_account: account.map(Box::new),
                    created_customer: customer.map(Box::new),
                })
        }
        WriteOp::ChangeState {
            kind,
            id,
            state,
            state_reason,
            cascade,
        } => change_state(client, ctx, kind, &id, &state, &state_reason, cascade)
            .await?
            .map(Written::StateChanged),
        WriteOp::Patch { kind, id, patch } => patch_entity(client, ctx, kind, &id, &patch)
            .await?
            .map(|e| Written::Patched(Box::new(e))),
        WriteOp::PutCatalog { document, at } => {
            ensure_tenant(client, &ctx.tenant, at).await?;
            // Two replacements at once queue here instead of racing for one version number.
            query_opt(
                client,
                "SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE",
                &[&ctx.tenant],
            )
            .await
            .map_err(db_error)?;
            let version = catalog_version(client, &ctx.tenant).await? + 1;
            let inserted = exec(
                client,
                "INSERT INTO catalogs (tenant_id, version, document, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
                &[&ctx.tenant, &version, &document, &at],
            )
            .await
            .map_err(db_error)?;
            match inserted {
                0 => Err(Rejection::Duplicate {
                    field: "version".into(),
                }),
                _ => Ok(Written::Catalog { version }),
            }
        }
        WriteOp::Refuse(rejection) => Err(rejection),
    })
}

/// `(id, external id, state)` of the object a reference names in this tenant. With
/// `lock`, the row is share-locked until the transaction ends, so a state change of the
/// object (which locks it for update) waits for a child being created under it, or the
/// creation waits for the change and then sees the new state.
async fn resolve(
    client: &impl GenericClient,
    kind: Kind,
    tenant: &str,
    reference: &RefKey,
    lock: bool,
) -> Result<Option<(String, Option<String>, String)>> {
    let (column, key) = match reference {
        RefKey::Id(id) => ("id", id),
        RefKey::ExternalId(id) => ("external_id", id),
    };
    let sql = format!(
        "SELECT id, external_id, state FROM {} WHERE tenant_id = $1 AND {column} = $2{}",
        kind.table(),
        if lock { " FOR SHARE" } else { "" }
    );
    let row = query_opt(client, &sql, &[&tenant, key])
        .await
        .map_err(db_error)?;
    Ok(row.map(|row| (row.get(0), row.get(1), row.get(2))))
}

/// Resolves a reference that must name a live object to its id and external id;
/// refusals name `field`.
async fn resolve_live(
    client: &impl GenericClient,
    kind: Kind,
    tenant: &str,
    reference: &RefKey,
    field: &str,
) -> Step<(String, Option<String>)> {
    Ok(
        match resolve(client, kind, tenant, reference, true).await? {
            None => Err(Rejection::ReferenceNotFound {
                field: field.into(),
            }),
            Some((_, _, state)) if state == TERMINAL_STATE => Err(Rejection::ReferenceTerminal {
                field: field.into(),
            }),
            Some((id, external_id, _)) => Ok((id, external_id)),
        },
    )
}

/// The field a unique index violation is about, by the index's name.
fn duplicate_field(e: &tokio_postgres::Error) -> Option<&'static str> {
    let db = e.as_db_error()?;
    if db.code() != &SqlState::UNIQUE_VIOLATION {
        return None;
    }
    match db.constraint()? {
        name if name.ends_with("_external_id") => Some("externalId"),
        name if name.ends_with("_primary_resource") => Some("primaryResource"),
        _ => None,
    }
}

/// Runs an insert or update; a unique violation the client caused becomes a refusal. The
/// caller runs in a savepoint, which the refusal rolls back.
fn write_unique(result: std::result::Result<u64, tokio_postgres::Error>) -> Step<u64> {
    match result {
        Ok(n) => Ok(Ok(n)),
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

async fn record_history(
    client: &impl GenericClient,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    which: History,
    value: &str,
    reason: &str,
) -> Result<()> {
    match which {
        History::State => exec(
            client,
            "INSERT INTO state_history (tenant_id, entity, entity_id, state, state_reason, actor, at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[&ctx.tenant, &kind.entity(), &id, &value, &reason, &ctx.actor, &ctx.at],
        )
        .await,
        History::Segment => exec(
            client,
            "INSERT INTO segment_history (tenant_id, entity, entity_id, segment, actor, at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&ctx.tenant, &kind.entity(), &id, &value, &ctx.actor, &ctx.at],
        )
        .await,
    }
    .map(|_| ())
    .map_err(db_error)
}

/// The histories every new object starts with.
async fn record_created(
    client: &impl GenericClient,
    ctx: &WriteCtx,
    kind: Kind,
    common: &NewCommon,
) -> Result<()> {
    record_history(
        client,
        ctx,
        kind,
        &common.id,
        History::State,
        &common.state,
        &common.state_reason,
    )
    .await?;
    if let Some(segment) = &common.segment {
        record_history(client, ctx, kind, &common.id, History::Segment, segment, "").await?;
    }
    Ok(())
}

/// Inserts a customer and starts its histories in one statement. The insert skips a taken
/// external id instead of failing, so a refused create aborts nothing and needs no savepoint.
async fn create_customer(
    client: &impl GenericClient,
    ctx: &WriteCtx,
    row: &NewCustomerRow,
) -> Step<CustomerRow> {
    let parent = match &row.parent {
        None => None,
        Some(reference) => {
            match resolve_live(client, Kind::Customer, &ctx.tenant, reference, "parent").await? {
                Ok(parent) => Some(parent),
                Err(rejection) => return Ok(Err(rejection)),
            }
        }
    };
    let c = &row.common;
    let parent_id = parent.as_ref().map(|(id, _)| id);
    let inserted: i64 = query_one(
        client,
        "WITH c AS (
             INSERT INTO customers (id, tenant_id, external_id, profile, segment, custom_name,
                 custom_attributes, state, state_reason, test_customer, parent_id, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
             ON CONFLICT (tenant_id, external_id) DO NOTHING
             RETURNING id),
         s AS (
             INSERT INTO state_history (tenant_id, entity, entity_id, state, state_reason, actor, at)
             SELECT $2, 'customer', id, $8, $9, $13, $14 FROM c),
         g AS (
             INSERT INTO segment_history (tenant_id, entity, entity_id, segment, actor, at)
             SELECT $2, 'customer', id, $5, $13, $14 FROM c WHERE $5::TEXT IS NOT NULL)
         SELECT count(*) FROM c",
        &[
            &c.id,
            &ctx.tenant,
            &c.external_id,
            &c.profile,
            &c.segment,
            &c.custom_name,
            &attributes_json(&c.custom_attributes)?,
            &c.state,
            &c.state_reason,
            &row.test_customer,
            &parent_id,
            &c.at,
            &ctx.actor,
            &ctx.at,
        ],
    )
    .await
    .map_err(db_error)?
    .get(0);
    if inserted == 0 {
        return Ok(Err(Rejection::Duplicate {
            field: "externalId".into(),
        }));
    }
    let (parent_id, parent_external_id) = parent.unzip();
    Ok(Ok(CustomerRow {
        common: c.stored(),
        test_customer: row.test_customer,
        parent_id,
        parent_external_id: parent_external_id.flatten(),
    }))
}

async fn create_account(
    client: &impl GenericClient,
    ctx: &WriteCtx,
    row: &NewAccountRow,
) -> Step<(AccountRow, Option<CustomerRow>)> {
    let (owner, created) = match &row.owner {
        NewOwner::Existing(reference) => {
            match resolve_live(client, Kind::Customer, &ctx.tenant, reference, "customer").await? {
                Ok((id, _)) => (id, None),
                Err(rejection) => return Ok(Err(rejection)),
            }
        }
        NewOwner::Create(customer) => match Box::pin(create_customer(client, ctx, customer)).await?
        {
            Ok(created) => (created.common.id.clone(), Some(created)),
            Err(rejection) => return Ok(Err(rejection)),
        },
    };
    let c = &row.common;
    let inserted = exec(
        client,
        "INSERT INTO accounts (id, tenant_id, external_id, profile, segment, custom_name,
             custom_attributes, state, state_reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        &[
            &c.id,
            &ctx.tenant,
            &c.external_id,
            &c.profile,
            &c.segment,
            &c.custom_name,
            &attributes_json(&c.custom_attributes)?,
            &c.state,
            &c.state_reason,
            &c.at,
        ],
    )
    .await;
    if let Err(rejection) = write_unique(inserted)? {
        return Ok(Err(rejection));
    }
    exec(
        client,
        "INSERT INTO account_owners (account_id, customer_id, is_primary) VALUES ($1, $2, TRUE)",
        &[&c.id, &owner],
    )
    .await
    .map_err(db_error)?;
    record_created(client, ctx, Kind::Account, c).await?;
    match entity(client, Kind::Account, &ctx.tenant, &c.id).await? {
        Some(EntityRow::Account(account)) => Ok(Ok((account, created))),
        _ => Err(StoreError::Corrupt(
            "a new account cannot be read back".into(),
        )),
    }
}

type CreatedSubscriber = (SubscriberRow, Option<AccountRow>, Option<CustomerRow>);

async fn create_subscriber(
    client: &impl GenericClient,
    ctx: &WriteCtx,
    row: &NewSubscriberRow,
) -> Step<CreatedSubscriber> {
    let (account_id, created_account, created_customer) = match &row.account {
        NewAccountOf::Existing(reference) => {
            match resolve_live(client, Kind::Account, &ctx.tenant, reference, "account").await? {
                Ok((id, _)) => (id, None, None),
                Err(rejection) => return Ok(Err(rejection)),
            }
        }
        NewAccountOf::Create(account) => match create_account(client, ctx, account).await? {
            Ok((account, customer)) => (account.common.id.clone(), Some(account), customer),
            Err(rejection) => return Ok(Err(rejection)),
        },
    };
    let c = &row.common;
    let (resource_type, resource) = row.primary_resource.clone().unzip();
    let inserted = exec(
        client,
        "INSERT INTO subscribers (id, tenant_id, external_id, profile, segment, custom_name,
             custom_attributes, state, state_reason, account_id, primary_resource_type,
             primary_resource, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        &[
            &c.id,
            &ctx.tenant,
            &c.external_id,
            &c.profile,
            &c.segment,
            &c.custom_name,
            &attributes_json(&c.custom_attributes)?,
            &c.state,
            &c.state_reason,
            &account_id,
            &resource_type,
            &resource,
            &c.at,
        ],
    )
    .await;
    if let Err(rejection) = write_unique(inserted)? {
        return Ok(Err(rejection));
    }
    record_created(client, ctx, Kind::Subscriber, c).await?;
    match entity(client, Kind::Subscriber, &ctx.tenant, &c.id).await? {
        Some(EntityRow::Subscriber(subscriber)) => {
            Ok(Ok((subscriber, created_account, created_customer)))
        }
        _ => Err(StoreError::Corrupt(
            "a new subscriber cannot be read back".into(),
        )),
    }
}

/// Ids of the live objects right below one: a customer's primary accounts and their
/// subscribers, or an account's subscribers.
async fn live_children(
    client: &impl GenericClient,
    kind: Kind,
    id: &str,
) -> Result<Vec<(Kind, String)>> {
    let mut children = Vec::new();
    let accounts: Vec<String> = match kind {
        Kind::Customer => {
            let statement = client
                .prepare_cached(
                    "SELECT a.id FROM accounts a JOIN account_owners o ON o.account_id = a.id
                     WHERE o.customer_id = $1 AND o.is_primary AND a.state <> $2 ORDER BY a.id
                     FOR UPDATE OF a",
                )
                .await
                .map_err(db_error)?;
            client
                .query(&statement, &[&id, &TERMINAL_STATE])
                .await
                .map_err(db_error)?
                .iter()
                .map(|row| row.get(0))
                .collect()
        }
        Kind::Account => vec![id.to_owned()],
        Kind::Subscriber => return Ok(children),
    };
    let statement = client
        .prepare_cached(
            "SELECT id FROM subscribers WHERE account_id = $1 AND state <> $2 ORDER BY id FOR UPDATE",
        )
        .await
        .map_err(db_error)?;
    for account in accounts {
        if kind == Kind::Customer {
            children.push((Kind::Account, account.clone()));
        }
        let subscribers = client
            .query(&statement, &[&account, &TERMINAL_STATE])
            .await
            .map_err(db_error)?;
        children.extend(subscribers.iter().map(|row| (Kind::Subscriber, row.get(0))));
    }
    Ok(children)
}

async fn change_state(
    client: &impl GenericClient,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    state: &str,
    reason: &str,
    cascade: bool,
) -> Step<Vec<EntityRow>> {
    // Lock the object so two changes of one object cannot interleave.
    let sql = format!(
        "SELECT state FROM {} WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        kind.table()
    );
    match query_opt(client, &sql, &[&ctx.tenant, &id])
        .await
        .map_err(db_error)?
    {
        None => return Ok(Err(Rejection::Missing)),
        Some(row) if row.get::<_, String>(0) == TERMINAL_STATE => {
            return Ok(Err(Rejection::Terminal))
        }
        Some(_) => {}
    }
    let mut targets = vec![(kind, id.to_owned())];
    if cascade {
        targets.extend(live_children(client, kind, id).await?);
    }
    let mut changed = Vec::with_capacity(targets.len());
    for (kind, id) in targets {
        // A child deactivated since it was listed keeps its terminal state.
        let sql = format!(
            "UPDATE {} SET state = $1, state_reason = $2, updated_at = $3
             WHERE tenant_id = $4 AND id = $5 AND state <> $6",
            kind.table()
        );
        let updated = exec(
            client,
            &sql,
            &[&state, &reason, &ctx.at, &ctx.tenant, &id, &TERMINAL_STATE],
        )
        .await
        .map_err(db_error)?;
        if updated == 0 {
            continue;
        }
        record_history(client, ctx, kind, &id, History::State, state, reason).await?;
        changed.push(
            entity(client, kind, &ctx.tenant, &id)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("{} {id} vanished", kind.entity())))?,
        );
    }
    Ok(Ok(changed))
}

async fn patch_entity(
    client: &impl GenericClient,
    ctx: &WriteCtx,
    kind: Kind,
    id: &str,
    patch: &PatchRow,
) -> Step<EntityRow> {
    let lock = format!(
        "SELECT 1 FROM {} WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        kind.table()
    );
    if query_opt(client, &lock, &[&ctx.tenant, &id])
        .await
        .map_err(db_error)?
        .is_none()
    {
        return Ok(Err(Rejection::Missing));
    }
    let Some(current) = entity(client, kind, &ctx.tenant, id).await? else {
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
    let sql = format!(
        "UPDATE {} SET external_id = $1, custom_name = $2, custom_attributes = $3,
             segment = $4, updated_at = $5 WHERE tenant_id = $7 AND id = $6",
        kind.table()
    );
    let updated = exec(
        client,
        &sql,
        &[
            &external_id,
            &custom_name,
            &attributes_json(attributes)?,
            &segment,
            &ctx.at,
            &id,
            &ctx.tenant,
        ],
    )
    .await;
    if let Err(rejection) = write_unique(updated)? {
        return Ok(Err(rejection));
    }
    if let Some(new_segment) = &patch.segment {
        if current.segment.as_ref() != Some(new_segment) {
            record_history(client, ctx, kind, id, History::Segment, new_segment, "").await?;
        }
    }
    entity(client, kind, &ctx.tenant, id)
        .await?
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

fn entity_row(kind: Kind, row: &Row) -> Result<EntityRow> {
    let attributes: String = row.get(5);
    let common = Common {
        id: row.get(0),
        external_id: row.get(1),
        profile: row.get(2),
        segment: row.get(3),
        custom_name: row.get(4),
        custom_attributes: serde_json::from_str(&attributes)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        state: row.get(6),
        state_reason: row.get(7),
        created_at: row.get(8),
        updated_at: row.get(9),
    };
    Ok(match kind {
        Kind::Customer => EntityRow::Customer(CustomerRow {
            common,
            test_customer: row.get(10),
            parent_id: row.get(11),
            parent_external_id: row.get(12),
        }),
        Kind::Account => EntityRow::Account(AccountRow {
            common,
            owners: Vec::new(),
        }),
        Kind::Subscriber => EntityRow::Subscriber(SubscriberRow {
            common,
            account_id: row.get(10),
            account_external_id: row.get(11),
            primary_resource_type: row.get(12),
            primary_resource: row.get(13),
        }),
    })
}

/// Reads the rows of a query over one kind, completing accounts with their owners in one
/// more query for the whole page.
async fn read_rows(
    client: &impl GenericClient,
    kind: Kind,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<EntityRow>> {
    // Listings vary in shape with their filters, so only the fixed lookups are kept prepared;
    // a per-connection cache of every shape would grow without bound.
    let rows = if sql.contains(" LIMIT ") {
        client.query(sql, params).await
    } else {
        let statement = client.prepare_cached(sql).await.map_err(db_error)?;
        client.query(&statement, params).await
    }
    .map_err(db_error)?;
    let mut entities = rows
        .iter()
        .map(|row| entity_row(kind, row))
        .collect::<Result<Vec<_>>>()?;
    if kind == Kind::Account && !entities.is_empty() {
        let ids: Vec<String> = entities.iter().map(|e| e.common().id.clone()).collect();
        let statement = client
            .prepare_cached(
                "SELECT o.account_id, o.customer_id, c.external_id, o.is_primary
                 FROM account_owners o JOIN customers c ON c.id = o.customer_id
                 WHERE o.account_id = ANY($1) ORDER BY o.is_primary DESC, o.customer_id",
            )
            .await
            .map_err(db_error)?;
        let owners = client.query(&statement, &[&ids]).await.map_err(db_error)?;
        for entity in &mut entities {
            if let EntityRow::Account(account) = entity {
                account.owners = owners
                    .iter()
                    .filter(|o| o.get::<_, &str>(0) == account.common.id)
                    .map(|o| OwnerRow {
                        customer_id: o.get(1),
                        external_id: o.get(2),
                        primary: o.get(3),
                    })
                    .collect();
            }
        }
    }
    Ok(entities)
}

pub(super) async fn entity(
    client: &impl GenericClient,
    kind: Kind,
    tenant: &str,
    id: &str,
) -> Result<Option<EntityRow>> {
    let sql = format!("{} WHERE x.tenant_id = $1 AND x.id = $2", select(kind));
    Ok(read_rows(client, kind, &sql, &[&tenant, &id]).await?.pop())
}

pub(super) async fn entities(
    client: &impl GenericClient,
    kind: Kind,
    tenant: &str,
    filter: &EntityFilter,
) -> Result<Vec<EntityRow>> {
    let mut sql = format!("{} WHERE x.tenant_id = $1", select(kind));
    let mut values: Vec<Box<dyn ToSql + Sync + Send>> = vec![Box::new(tenant.to_owned())];
    let mut add = |clause: &str, value: Box<dyn ToSql + Sync + Send>| {
        values.push(value);
        sql.push_str(&format!(" AND {clause} ${})", values.len()));
    };
    if let Some(v) = &filter.external_id {
        add("(x.external_id =", Box::new(v.clone()));
    }
    if let Some(v) = &filter.segment {
        add("(x.segment =", Box::new(v.clone()));
    }
    if let Some(v) = &filter.state {
        add("(x.state =", Box::new(v.clone()));
    }
    if let Some(v) = filter.created_after {
        add("(x.created_at >", Box::new(v));
    }
    if let (Kind::Account, Some(v)) = (kind, &filter.customer) {
        add(
            "x.id IN (SELECT account_id FROM account_owners WHERE customer_id =",
            Box::new(v.clone()),
        );
    }
    if let (Kind::Subscriber, Some(v)) = (kind, &filter.account) {
        add("(x.account_id =", Box::new(v.clone()));
    }
    if let Some(v) = &filter.after_id {
        add("(x.id >", Box::new(v.clone()));
    }
    sql.push_str(&format!(" ORDER BY x.id LIMIT {}", filter.limit));
    let params: Vec<&(dyn ToSql + Sync)> = values
        .iter()
        .map(|v| v.as_ref() as &(dyn ToSql + Sync))
        .collect();
    read_rows(client, kind, &sql, &params).await
}

pub(super) async fn history(
    client: &impl GenericClient,
    kind: Kind,
    tenant: &str,
    id: &str,
    which: History,
) -> Result<Option<Vec<HistoryRow>>> {
    if resolve(client, kind, tenant, &RefKey::Id(id.to_owned()), false)
        .await?
        .is_none()
    {
        return Ok(None);
    }
    let sql = match which {
        History::State => {
            "SELECT state, state_reason, actor, at FROM state_history
             WHERE tenant_id = $1 AND entity = $2 AND entity_id = $3 ORDER BY seq"
        }
        History::Segment => {
            "SELECT segment, NULL::TEXT, actor, at FROM segment_history
             WHERE tenant_id = $1 AND entity = $2 AND entity_id = $3 ORDER BY seq"
        }
    };
    let statement = client.prepare_cached(sql).await.map_err(db_error)?;
    let rows = client
        .query(&statement, &[&tenant, &kind.entity(), &id])
        .await
        .map_err(db_error)?;
    Ok(Some(
        rows.iter()
            .map(|row| HistoryRow {
                value: row.get(0),
                reason: row.get(1),
                actor: row.get(2),
                at: row.get(3),
            })
            .collect(),
    ))
}

/// Numbers the committed events that have no `seq` yet, in one serialised step (the lock on
/// the sequencer row), so numbers follow commit order and never go back.
async fn sequence_events(client: &mut Client) -> Result<()> {
    let pending = query_opt(
        &*client,
        "SELECT 1 FROM events WHERE seq IS NULL LIMIT 1",
        &[],
    )
    .await
    .map_err(db_error)?;
    if pending.is_none() {
        return Ok(());
    }
    let tx = client.transaction().await.map_err(db_error)?;
    let last: i64 = query_one(
        &tx,
        "SELECT last_seq FROM event_sequencer WHERE id = 1 FOR UPDATE",
        &[],
    )
    .await
    .map_err(db_error)?
    .get(0);
    let numbered = exec(
        &tx,
        "WITH pending AS (
             SELECT id, row_number() OVER (ORDER BY id) AS n FROM events
             WHERE seq IS NULL ORDER BY id LIMIT 10000)
         UPDATE events e SET seq = $1 + p.n FROM pending p WHERE e.id = p.id",
        &[&last],
    )
    .await
    .map_err(db_error)?;
    exec(
        &tx,
        "UPDATE event_sequencer SET last_seq = last_seq + $1 WHERE id = 1",
        &[&(numbered as i64)],
    )
    .await
    .map_err(db_error)?;
    tx.commit().await.map_err(db_error)
}

pub(super) async fn events(
    client: &mut Client,
    tenant: &str,
    after: i64,
    limit: usize,
) -> Result<Vec<EventRecord>> {
    sequence_events(client).await?;
    let rows = query_all(
        &*client,
        "SELECT seq, type, entity, entity_id, actor, at, data FROM events
         WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        &[&tenant, &after, &(limit as i64)],
    )
    .await
    .map_err(db_error)?;
    Ok(rows
        .iter()
        .map(|row| EventRecord {
            seq: row.get(0),
            event_type: row.get(1),
            entity: row.get(2),
            entity_id: row.get(3),
            actor: row.get(4),
            at: row.get(5),
            data: row.get(6),
        })
        .collect())
}

async fn query_all(
    client: &impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> std::result::Result<Vec<Row>, tokio_postgres::Error> {
    let statement = client.prepare_cached(sql).await?;
    client.query(&statement, params).await
}
