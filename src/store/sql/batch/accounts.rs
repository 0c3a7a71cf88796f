//! A bank batch's accounts in one insert: primary owners, bank fields,
//! co-owners (linked when stored, else awaited) and cards come with it. An account whose
//! external id is taken joins the stored copy or is refused, as in the per-row path; the
//! accounts created are then read back together.

use std::collections::{HashMap, HashSet};

use super::BankBatch;
use crate::domain::account::{NewAccount, Owner};
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::Record;
use crate::domain::reference::Reference;
use crate::domain::refusal::Refusal;
use crate::domain::state::State;
use crate::domain::Kind;
use crate::store::sql::{accounts, attributes_json, joint, parse_state, Conn, Param, Statement};
use crate::store::sql::{must_exist, Step};
use crate::store::{Result, WriteCtx};

/// The batch's primary owners stored before it, share-locked as a reference is.
static STORED_OWNERS: Statement = Statement::locking(
    "SELECT external_id, id, state FROM customers \
     WHERE tenant_id = $1 AND external_id = ANY($2)",
    " FOR SHARE",
);

/// `$1` the tenant, `$2`…`$16` the accounts' columns, `$17` the actor, `$18` and `$19`
/// the (account, co-owner) pairs, `$20`… the cards' columns. It returns
/// the id of each account inserted; a taken external id is skipped, for the caller to join.
static INSERT: Statement = Statement::new(
    "WITH n AS ( \
         SELECT * FROM unnest($2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], \
             $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[], $11::TEXT[], $12::TEXT[], \
             $13::TEXT[], $14::TEXT[], $15::BIGINT[], $16::BIGINT[]) WITH ORDINALITY \
         AS n(id, external_id, profile, segment, custom_name, custom_attributes, state, \
             state_reason, at, owner, status, account_type, portfolio, opened_on, closed_on, \
             ord)), \
     a AS ( \
         INSERT INTO accounts (id, tenant_id, external_id, profile, segment, custom_name, \
             custom_attributes, state, state_reason, created_at, updated_at, created_by, \
             first_state, first_reason, first_segment) \
         SELECT id, $1, external_id, profile, segment, custom_name, custom_attributes, state, \
             state_reason, at, at, $17, state, state_reason, segment FROM n ORDER BY ord \
         ON CONFLICT (tenant_id, external_id) DO NOTHING RETURNING id), \
     m AS (SELECT n.* FROM n JOIN a ON a.id = n.id), \
     o AS ( \
         INSERT INTO account_owners (account_id, customer_id, is_primary) \
         SELECT id, owner, TRUE FROM m), \
     b AS ( \
         INSERT INTO bank_accounts (account_id, status, account_type, portfolio, opened_on, \
             closed_on) \
         SELECT id, status, account_type, portfolio, opened_on, closed_on FROM m \
         WHERE status IS NOT NULL), \
     k AS ( \
         SELECT k.account, k.ext, (SELECT c.id FROM customers c \
             WHERE c.tenant_id = $1 AND c.external_id = k.ext) AS id \
         FROM unnest($18::TEXT[], $19::TEXT[]) AS k(account, ext) \
         JOIN a ON a.id = k.account), \
     ko AS ( \
         INSERT INTO account_owners (account_id, customer_id, is_primary) \
         SELECT account, id, FALSE FROM k WHERE id IS NOT NULL ON CONFLICT DO NOTHING), \
     kw AS ( \
         INSERT INTO pending_links (tenant_id, source_customer_id, kind, object_id) \
         SELECT $1, ext, 'owner', account FROM k WHERE id IS NULL ON CONFLICT DO NOTHING), \
     d AS ( \
         INSERT INTO cards (id, tenant_id, account_id, holder, iin, last4, card_type, status, \
             network, opened_on, closed_on) \
         SELECT d.id, $1, d.account, d.holder, d.iin, d.last4, d.card_type, d.status, \
             d.network, d.opened_on, d.closed_on \
         FROM unnest($20::TEXT[], $21::TEXT[], $22::TEXT[], $23::TEXT[], $24::TEXT[], \
             $25::TEXT[], $26::TEXT[], $27::INT[], $28::BIGINT[], $29::BIGINT[]) \
             AS d(id, account, holder, iin, last4, card_type, status, network, opened_on, \
                 closed_on) \
         WHERE d.account IN (SELECT id FROM a) \
         ON CONFLICT (account_id, holder, iin, last4) DO NOTHING) \
     SELECT id FROM a",
);

static PAGE: Statement = Statement::prefixed(
    accounts::SELECT,
    " WHERE x.tenant_id = $1 AND x.id = ANY($2)",
);

/// Each account's primary owner, by id, up to the first account whose owner is refused.
pub(super) struct Owners {
    ids: Vec<String>,
    refused: Option<Refusal>,
}

fn primary(account: &NewAccount) -> &str {
    match &account.owner {
        Owner::Existing(Reference::ExternalId(id)) => id,
        // `BankBatch` takes only accounts whose owner is named by external id.
        Owner::Existing(Reference::RefId(id)) => id,
        Owner::Create(_) => "",
    }
}

/// The customers stored under these external ids, share-locked as a reference is: each
/// one's id and state, by external id.
pub(super) async fn stored_owners<'a, C: Conn>(
    conn: &C,
    tenant: &str,
    external_ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, (String, State)>> {
    let wanted: Vec<String> = external_ids
        .map(str::to_owned)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let params = [Param::Text(tenant), Param::Texts(&wanted)];
    let rows = conn
        .query(&STORED_OWNERS, &params, |row| {
            Ok((row.text(0)?, (row.text(1)?, parse_state(row.text(2)?)?)))
        })
        .await?;
    Ok(rows.into_iter().collect())
}

/// Resolves every account's primary owner: a customer of the batch, or one stored and
/// live, share-locked until the write commits.
pub(super) async fn resolve_owners<C: Conn>(
    conn: &C,
    tenant: &str,
    batch: &BankBatch<'_>,
) -> Result<Owners> {
    let outside = batch
        .accounts
        .iter()
        .map(|a| primary(a))
        .filter(|owner| batch.customer(owner).is_none());
    let stored = stored_owners(conn, tenant, outside).await?;
    let mut owners = Owners {
        ids: Vec::new(),
        refused: None,
    };
    for (k, account) in batch.accounts.iter().enumerate() {
        let owner = primary(account);
        let found = match batch.customer(owner) {
            Some((_, c)) => Some((c.entity.id.clone(), c.entity.state.state)),
            None => stored.get(owner).cloned(),
        };
        let item = batch.customers.len() + k;
        let field = Field::Customer;
        match found {
            None => owners.refused = Some(Refusal::NotFound { field, item }),
            Some((_, State::Deactivated)) => {
                owners.refused = Some(Refusal::ReferenceTerminal { field, item })
            }
            Some((id, _)) => {
                owners.ids.push(id);
                continue;
            }
        }
        break;
    }
    Ok(owners)
}

/// Creates the accounts whose owners resolved (joining the stored copies of those whose
/// external id is taken), then gives the owner refusal, if there was one.
pub(super) async fn insert<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    batch: &BankBatch<'_>,
    owners: &Owners,
) -> Step<Vec<Created>> {
    let accounts = &batch.accounts[..owners.ids.len()];
    let inserted = insert_rows(conn, ctx, accounts, &owners.ids).await?;
    let mut joined = HashMap::new();
    for (k, account) in accounts.iter().enumerate() {
        if inserted.contains(&account.entity.id) {
            continue;
        }
        let item = batch.customers.len() + k;
        let owner = &owners.ids[k];
        let made = accept!(joint::join(conn, ctx, account, owner, Vec::new(), item).await?);
        joined.insert(k, made);
    }
    if let Some(refused) = &owners.refused {
        return Ok(Err(refused.clone()));
    }
    let mut read = read(conn, &ctx.tenant, &inserted).await?;
    let mut created = Vec::with_capacity(accounts.len());
    for (k, account) in accounts.iter().enumerate() {
        let made = match joined.remove(&k) {
            Some(made) => made,
            None => {
                let id = &account.entity.id;
                Created::new(must_exist(read.remove(id), Kind::Account, id)?, Vec::new())
            }
        };
        created.push(made);
    }
    Ok(Ok(created))
}

/// Inserts each account under its primary owner (by id, in `owners`) with what comes with
/// it; the ids of those inserted. A taken external id is skipped, for the caller to join.
pub(super) async fn insert_rows<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    accounts: &[&NewAccount],
    owners: &[String],
) -> Result<HashSet<String>> {
    if accounts.is_empty() {
        return Ok(HashSet::new());
    }
    let attributes = accounts
        .iter()
        .map(|a| attributes_json(&a.entity.custom_attributes))
        .collect::<Result<Vec<_>>>()?;
    let columns = Columns::of(accounts, owners, &attributes);
    let rows = conn
        .query(&INSERT, &columns.params(ctx), |row| row.text(0))
        .await?;
    Ok(rows.into_iter().collect())
}

/// The accounts just created or changed, owners, cards and awaited owners included, by id.
pub(super) async fn read<C: Conn>(
    conn: &C,
    tenant: &str,
    ids: &HashSet<String>,
) -> Result<HashMap<String, Record>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<String> = ids.iter().cloned().collect();
    let params = [Param::Text(tenant), Param::Texts(&ids)];
    let mut records = conn.query(&PAGE, &params, accounts::decode).await?;
    accounts::complete(conn, &mut records).await?;
    Ok(records
        .into_iter()
        .map(|r| (r.id().to_owned(), r))
        .collect())
}

/// The columns of [`INSERT`], borrowed from the accounts.
struct Columns<'a> {
    /// `$2`…`$9`, then `$11`…`$14`.
    accounts: [Vec<Option<&'a str>>; 12],
    at: Vec<i64>,
    dates: [Vec<Option<i64>>; 2],
    co_owners: [Vec<Option<&'a str>>; 2],
    /// `$21`…`$27`.
    cards: [Vec<Option<&'a str>>; 7],
    networks: Vec<i32>,
    card_dates: [Vec<Option<i64>>; 2],
}

impl<'a> Columns<'a> {
    fn of(accounts: &[&'a NewAccount], owners: &'a [String], attributes: &'a [String]) -> Self {
        let mut columns = Columns {
            accounts: Default::default(),
            at: Vec::new(),
            dates: Default::default(),
            co_owners: Default::default(),
            cards: Default::default(),
            networks: Vec::new(),
            card_dates: Default::default(),
        };
        for (k, &a) in accounts.iter().enumerate() {
            let e = &a.entity;
            let bank = a.bank.as_ref();
            let values = [
                Some(e.id.as_str()),
                e.external_id.as_deref(),
                e.profile.as_deref(),
                e.segment.as_deref(),
                e.custom_name.as_deref(),
                Some(attributes[k].as_str()),
                Some(e.state.state.as_str()),
                Some(e.state.state_reason.as_str()),
                Some(owners[k].as_str()),
                bank.map(|b| b.status.as_str()),
                bank.map(|b| b.account_type.as_str()),
                bank.and_then(|b| b.portfolio.as_deref()),
            ];
            for (column, value) in columns.accounts.iter_mut().zip(values) {
                column.push(value);
            }
            columns.at.push(e.at.micros());
            columns.dates[0].push(bank.and_then(|b| b.opened_on).map(|t| t.micros()));
            columns.dates[1].push(bank.and_then(|b| b.closed_on).map(|t| t.micros()));
            for co_owner in &a.co_owners {
                columns.co_owners[0].push(Some(e.id.as_str()));
                columns.co_owners[1].push(Some(co_owner.as_str()));
            }
            for card in &a.cards {
                let values = [
                    &card.id,
                    &e.id,
                    &card.holder,
                    &card.iin,
                    &card.last4,
                    &card.card_type,
                    &card.status,
                ];
                for (column, value) in columns.cards.iter_mut().zip(values) {
                    column.push(Some(value.as_str()));
                }
                columns.networks.push(i32::from(card.network));
                columns.card_dates[0].push(card.opened_on.map(|t| t.micros()));
                columns.card_dates[1].push(card.closed_on.map(|t| t.micros()));
            }
        }
        columns
    }

    fn params<'p>(&'p self, ctx: &'p WriteCtx) -> Vec<Param<'p>> {
        let texts = |columns: &'p [Vec<Option<&'a str>>]| {
            columns.iter().map(|c| Param::OptTexts(c.as_slice()))
        };
        let mut params = vec![Param::Text(&ctx.tenant)];
        params.extend(texts(&self.accounts[..8]));
        params.push(Param::I64s(&self.at));
        params.extend(texts(&self.accounts[8..]));
        params.extend(self.dates.iter().map(|c| Param::OptI64s(c)));
        params.push(Param::Text(&ctx.actor));
        params.extend(texts(&self.co_owners));
        params.extend(texts(&self.cards));
        params.push(Param::I32s(&self.networks));
        params.extend(self.card_dates.iter().map(|c| Param::OptI64s(c)));
        params
    }
}
