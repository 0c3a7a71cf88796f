//! A bank `PUT`'s accounts: primary owners found, stored accounts locked and read, then
//! one statement for every change to stored accounts (owners added and dropped, bank
//! fields, cards upserted by holder, iin and last four) and one insert for the new ones,
//! as `joint::join` and `accounts::create` write them one at a time. What changed is read
//! back together; an account sent as stored writes nothing.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::accounts::{insert_rows, read, stored_owners};
use super::updates::UpdateBatch;
use crate::domain::account::{NewAccount, Owner};
use crate::domain::bank::Card;
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::{AccountRecord, Record};
use crate::domain::reference::Reference;
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::state::State;
use crate::domain::Kind;
use crate::store::sql::joint::{self, is_same_account};
use crate::store::sql::{accounts, corrupt, must_exist, Conn, Param, Statement, Step};
use crate::store::{Result, WriteCtx};

/// Locked for update in one order, as `joint::join` locks each.
static STORED: Statement = Statement::prefixed(
    accounts::SELECT,
    " WHERE x.tenant_id = $1 AND x.external_id = ANY($2) ORDER BY x.id FOR UPDATE OF x",
);

/// `$1`, `$2` each account's primary owner (made an owner if it is none), `$3`, `$4` its
/// co-owners by external id (linked when stored, else awaited), `$5` the tenant, `$6`…`$9`
/// the owners and awaited owners no longer named, `$10`… the bank fields that changed,
/// `$16`… the cards sent, `$26` the time. Every account a row was written for is touched;
/// their ids are returned. The rows each part writes are distinct from the others', so no
/// row is written twice.
static WRITE: Statement = Statement::new(
    "WITH po AS ( \
         INSERT INTO account_owners (account_id, customer_id, is_primary) \
         SELECT account, customer, FALSE FROM unnest($1::TEXT[], $2::TEXT[]) AS p(account, customer) \
         ON CONFLICT DO NOTHING RETURNING account_id), \
     k AS ( \
         SELECT k.account, k.ext, c.id FROM unnest($3::TEXT[], $4::TEXT[]) AS k(account, ext) \
         LEFT JOIN customers c ON c.tenant_id = $5 AND c.external_id = k.ext), \
     ko AS ( \
         INSERT INTO account_owners (account_id, customer_id, is_primary) \
         SELECT account, id, FALSE FROM k WHERE id IS NOT NULL \
         ON CONFLICT DO NOTHING RETURNING account_id), \
     kw AS ( \
         INSERT INTO pending_links (tenant_id, source_customer_id, kind, object_id) \
         SELECT $5, ext, 'owner', account FROM k WHERE id IS NULL \
         ON CONFLICT DO NOTHING RETURNING object_id), \
     xo AS ( \
         DELETE FROM account_owners o USING unnest($6::TEXT[], $7::TEXT[]) AS d(account, customer) \
         WHERE o.account_id = d.account AND o.customer_id = d.customer AND NOT o.is_primary \
         RETURNING o.account_id), \
     xw AS ( \
         DELETE FROM pending_links l USING unnest($8::TEXT[], $9::TEXT[]) AS d(account, ext) \
         WHERE l.tenant_id = $5 AND l.source_customer_id = d.ext AND l.kind = 'owner' \
             AND l.object_id = d.account \
         RETURNING l.object_id), \
     b AS ( \
         INSERT INTO bank_accounts (account_id, status, account_type, portfolio, opened_on, \
             closed_on) \
         SELECT * FROM unnest($10::TEXT[], $11::TEXT[], $12::TEXT[], $13::TEXT[], \
             $14::BIGINT[], $15::BIGINT[]) \
         ON CONFLICT (account_id) DO UPDATE SET status = excluded.status, \
             account_type = excluded.account_type, portfolio = excluded.portfolio, \
             opened_on = excluded.opened_on, closed_on = excluded.closed_on \
         RETURNING account_id), \
     d AS ( \
         INSERT INTO cards (id, tenant_id, account_id, holder, iin, last4, card_type, status, \
             network, opened_on, closed_on) \
         SELECT d.id, $5, d.account, d.holder, d.iin, d.last4, d.card_type, d.status, \
             d.network, d.opened_on, d.closed_on \
         FROM unnest($16::TEXT[], $17::TEXT[], $18::TEXT[], $19::TEXT[], $20::TEXT[], \
             $21::TEXT[], $22::TEXT[], $23::INT[], $24::BIGINT[], $25::BIGINT[]) \
             AS d(id, account, holder, iin, last4, card_type, status, network, opened_on, \
                 closed_on) \
         ON CONFLICT (account_id, holder, iin, last4) DO UPDATE SET \
             card_type = excluded.card_type, status = excluded.status, \
             network = excluded.network, opened_on = excluded.opened_on, \
             closed_on = excluded.closed_on \
         WHERE cards.card_type IS DISTINCT FROM excluded.card_type \
             OR cards.status IS DISTINCT FROM excluded.status \
             OR cards.network IS DISTINCT FROM excluded.network \
             OR cards.opened_on IS DISTINCT FROM excluded.opened_on \
             OR cards.closed_on IS DISTINCT FROM excluded.closed_on \
         RETURNING account_id), \
     t AS ( \
         UPDATE accounts a SET updated_at = $26 WHERE a.id IN ( \
             SELECT account_id FROM po UNION SELECT account_id FROM ko \
             UNION SELECT object_id FROM kw UNION SELECT account_id FROM xo \
             UNION SELECT object_id FROM xw UNION SELECT account_id FROM b \
             UNION SELECT account_id FROM d) \
         RETURNING a.id) \
     SELECT id FROM t",
);

/// An account of the batch, with its primary owner's id.
struct Item<'a> {
    k: usize,
    new: &'a NewAccount,
    owner: String,
}

/// The batch's accounts: those to make, and those stored with what they were.
pub(super) struct Planned<'a> {
    new: Vec<Item<'a>>,
    stored: Vec<(Item<'a>, AccountRecord)>,
}

fn primary(account: &NewAccount) -> &str {
    match &account.owner {
        Owner::Existing(Reference::ExternalId(id)) => id,
        // `UpdateBatch` takes only accounts whose owner is named by external id.
        Owner::Existing(Reference::RefId(id)) => id,
        Owner::Create(_) => "",
    }
}

/// Finds each account's primary owner (a customer of the batch, `customers`, or another
/// stored and live, share-locked) and its stored copy, locked; refuses the first account
/// the per-row path would: its owner missing or DEACTIVATED, the account DEACTIVATED, or
/// stored under a primary owner the copy does not name.
pub(super) async fn plan<'a, C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    batch: &UpdateBatch<'a>,
    customers: &HashMap<String, (String, State)>,
) -> Step<Planned<'a>> {
    let mut planned = Planned {
        new: Vec::new(),
        stored: Vec::new(),
    };
    if batch.accounts.is_empty() {
        return Ok(Ok(planned));
    }
    let tenant = &ctx.tenant;
    let outside = batch
        .accounts
        .iter()
        .map(|a| primary(a))
        .filter(|owner| !customers.contains_key(*owner));
    let others = stored_owners(conn, tenant, outside).await?;
    let wanted: Vec<String> = batch
        .accounts
        .iter()
        .filter_map(|a| a.entity.external_id.clone())
        .collect();
    let params = [Param::Text(tenant), Param::Texts(&wanted)];
    let mut records = conn.query(&STORED, &params, accounts::decode).await?;
    accounts::complete(conn, &mut records).await?;
    let mut stored: HashMap<String, AccountRecord> = HashMap::new();
    for record in records {
        if let Record::Account(a) = record {
            if let Some(x) = a.common.external_id.clone() {
                stored.insert(x, a);
            }
        }
    }
    for (k, &new) in batch.accounts.iter().enumerate() {
        let item = batch.account_item(k);
        let owner = primary(new);
        let field = Field::Customer;
        let owner = match customers.get(owner).or_else(|| others.get(owner)) {
            None => return Ok(Err(Refusal::NotFound { field, item })),
            Some((_, State::Deactivated)) => {
                return Ok(Err(Refusal::ReferenceTerminal { field, item }))
            }
            Some((id, _)) => id.clone(),
        };
        let external_id = new.entity.external_id.as_deref().unwrap_or_default();
        let Some(account) = stored.remove(external_id) else {
            planned.new.push(Item { k, new, owner });
            continue;
        };
        if account.common.state.state == State::Deactivated {
            let field = Field::ExternalId;
            return Ok(Err(Refusal::ReferenceTerminal { field, item }));
        }
        if !is_same_account(&account, new, &owner, true) {
            let key = UniqueKey::ExternalId(Kind::Account);
            return Ok(Err(Refusal::Taken { key, item }));
        }
        planned.stored.push((Item { k, new, owner }, account));
    }
    Ok(Ok(planned))
}

/// Writes the accounts' changes and makes the new ones (joining, one at a time, any that
/// another write made meanwhile); each account as it is now, in the batch's order.
pub(super) async fn write<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    batch: &UpdateBatch<'_>,
    planned: Planned<'_>,
) -> Step<Vec<Created>> {
    let touched = if planned.stored.is_empty() {
        HashSet::new()
    } else {
        let changes = Changes::of(&planned.stored);
        let rows = conn
            .query(&WRITE, &changes.params(ctx), |row| row.text(0))
            .await?;
        rows.into_iter().collect::<HashSet<String>>()
    };
    let new: Vec<&NewAccount> = planned.new.iter().map(|item| item.new).collect();
    let owners: Vec<String> = planned.new.iter().map(|i| i.owner.clone()).collect();
    let inserted = insert_rows(conn, ctx, &new, &owners).await?;
    let mut made: HashMap<usize, Created> = HashMap::new();
    for item in planned.new.iter() {
        if inserted.contains(&item.new.entity.id) {
            continue;
        }
        let at = batch.account_item(item.k);
        let joined = joint::join(conn, ctx, item.new, &item.owner, Vec::new(), at).await?;
        made.insert(item.k, accept!(joined));
    }
    let ids: HashSet<String> = inserted.union(&touched).cloned().collect();
    let mut now = read(conn, &ctx.tenant, &ids).await?;
    for item in &planned.new {
        if made.contains_key(&item.k) {
            continue;
        }
        let id = &item.new.entity.id;
        let record = must_exist(now.remove(id), Kind::Account, id)?;
        made.insert(item.k, Created::new(record, Vec::new()));
    }
    for (item, stored) in planned.stored {
        let id = stored.common.id.clone();
        let created = match now.remove(&id) {
            Some(record) => Created::existing(record, Vec::new(), true),
            None => Created::existing(Record::Account(stored), Vec::new(), false),
        };
        made.insert(item.k, created);
    }
    let created = (0..batch.accounts.len()).map(|k| {
        made.remove(&k)
            .ok_or_else(|| corrupt("an account of the batch was neither made nor found"))
    });
    Ok(Ok(created.collect::<Result<Vec<_>>>()?))
}

/// The columns of [`WRITE`], borrowed from the stored accounts and their copies.
#[derive(Default)]
struct Changes<'a> {
    primaries: [Vec<String>; 2],
    co_owners: [Vec<String>; 2],
    dropped_owners: [Vec<String>; 2],
    dropped_awaited: [Vec<String>; 2],
    /// Account, status, type, portfolio; then the two dates.
    bank: [Vec<Option<&'a str>>; 4],
    bank_dates: [Vec<Option<i64>>; 2],
    /// Id, account, holder, iin, last four, type, status; the network; the two dates.
    cards: [Vec<Option<&'a str>>; 7],
    networks: Vec<i32>,
    card_dates: [Vec<Option<i64>>; 2],
}

impl<'a> Changes<'a> {
    fn of(stored: &'a [(Item<'a>, AccountRecord)]) -> Self {
        let mut changes = Changes::default();
        for (item, account) in stored {
            let id = &account.common.id;
            let new = item.new;
            changes.primaries[0].push(id.clone());
            changes.primaries[1].push(item.owner.clone());
            for co_owner in &new.co_owners {
                changes.co_owners[0].push(id.clone());
                changes.co_owners[1].push(co_owner.clone());
            }
            // A full payload names every owner: a co-owner, linked or awaited, that it
            // does not name is one no more. The primary owner stays whatever is sent.
            let named: BTreeSet<&str> = new.named_owners().collect();
            let is_named = |x: Option<&str>| x.is_some_and(|x| named.contains(x));
            for owner in &account.owners {
                let link = &owner.customer;
                if owner.primary || link.id == item.owner || is_named(link.external_id.as_deref()) {
                    continue;
                }
                changes.dropped_owners[0].push(id.clone());
                changes.dropped_owners[1].push(link.id.clone());
            }
            for awaited in &account.awaited_owners {
                if !is_named(Some(awaited)) {
                    changes.dropped_awaited[0].push(id.clone());
                    changes.dropped_awaited[1].push(awaited.clone());
                }
            }
            if let Some(bank) = new
                .bank
                .as_ref()
                .filter(|b| account.bank.as_ref() != Some(b))
            {
                let values = [
                    Some(id.as_str()),
                    Some(bank.status.as_str()),
                    Some(bank.account_type.as_str()),
                    bank.portfolio.as_deref(),
                ];
                for (column, value) in changes.bank.iter_mut().zip(values) {
                    column.push(value);
                }
                changes.bank_dates[0].push(bank.opened_on.map(|t| t.micros()));
                changes.bank_dates[1].push(bank.closed_on.map(|t| t.micros()));
            }
            for card in last_of_each(&new.cards) {
                let values = [
                    &card.id,
                    id,
                    &card.holder,
                    &card.iin,
                    &card.last4,
                    &card.card_type,
                    &card.status,
                ];
                for (column, value) in changes.cards.iter_mut().zip(values) {
                    column.push(Some(value.as_str()));
                }
                changes.networks.push(i32::from(card.network));
                changes.card_dates[0].push(card.opened_on.map(|t| t.micros()));
                changes.card_dates[1].push(card.closed_on.map(|t| t.micros()));
            }
        }
        changes
    }

    fn params<'p>(&'p self, ctx: &'p WriteCtx) -> Vec<Param<'p>> {
        let texts = |columns: &'p [Vec<String>]| columns.iter().map(|c| Param::Texts(c));
        let opt_texts = |columns: &'p [Vec<Option<&'a str>>]| {
            columns.iter().map(|c| Param::OptTexts(c.as_slice()))
        };
        let mut params = Vec::with_capacity(26);
        params.extend(texts(&self.primaries));
        params.extend(texts(&self.co_owners));
        params.push(Param::Text(&ctx.tenant));
        params.extend(texts(&self.dropped_owners));
        params.extend(texts(&self.dropped_awaited));
        params.extend(opt_texts(&self.bank));
        params.extend(self.bank_dates.iter().map(|c| Param::OptI64s(c)));
        params.extend(opt_texts(&self.cards));
        params.push(Param::I32s(&self.networks));
        params.extend(self.card_dates.iter().map(|c| Param::OptI64s(c)));
        params.push(Param::from(ctx.at));
        params
    }
}

/// The cards sent, each once: of a card sent twice, the last copy, as writing them one
/// after the other leaves it (one statement may not write a row twice).
fn last_of_each(cards: &[Card]) -> impl Iterator<Item = &Card> {
    cards
        .iter()
        .enumerate()
        .filter(move |(n, card)| !cards[n + 1..].iter().any(|later| later.same_card(card)))
        .map(|(_, card)| card)
}
