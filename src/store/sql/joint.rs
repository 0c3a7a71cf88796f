//! Joint accounts: a bank lists a joint account under each of its owners, so a later batch
//! may send an account already stored under another owner. When every owner stored (or
//! awaited) is among the owners the new copy names, it is the same account: the copy joins
//! it, adding the owners and cards it lacks. Otherwise the external id is someone else's.
//! An update (a feed's PUT) joins it the same way, and also makes its bank fields and the
//! cards sent what was sent.

use std::collections::BTreeSet;

use super::{accounts, bank, cards, corrupt, must_exist, parse_state, pending};
use super::{Conn, Statement, Step};
use crate::domain::account::NewAccount;
use crate::domain::object::OnExisting;
use crate::domain::outcome::Created;
use crate::domain::records::{AccountRecord, Record};
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::state::State;
use crate::domain::Kind;
use crate::store::WriteCtx;

/// Locked for update: two copies joining at once add their owners and cards one after the
/// other, each checking the owners the other left.
static STORED: Statement = Statement::locking(
    "SELECT id, state FROM accounts WHERE tenant_id = $1 AND external_id = $2",
    " FOR UPDATE",
);

/// Joins `new` (item `item`, whose external id was taken) to the stored account, or
/// refuses it as taken. `primary` is the id of its primary owner, `parents` what the write
/// created for it.
pub(crate) async fn join<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    new: &NewAccount,
    primary: &str,
    parents: Vec<Record>,
    item: usize,
) -> Step<Created> {
    let taken = Refusal::Taken {
        key: UniqueKey::ExternalId(Kind::Account),
        item,
    };
    let tenant = &ctx.tenant;
    let external_id = new.entity.external_id.as_deref();
    let found = conn
        .query_opt(&STORED, params![tenant, external_id], |row| {
            Ok((row.text(0)?, parse_state(row.text(1)?)?))
        })
        .await?;
    let Some((id, state)) = found else {
        return Err(corrupt("an account's external id is taken by no account"));
    };
    // A DEACTIVATED account takes no further change, so nothing can join it.
    if state == State::Deactivated {
        return Ok(Err(taken));
    }
    let stored = read(conn, tenant, &id).await?;
    if !is_same_account(&stored, new, primary) {
        return Ok(Err(taken));
    }
    let mut added = pending::add_owner(conn, &id, primary).await?;
    added += pending::link_owners(conn, tenant, &id, &new.co_owners).await?;
    if new.on_existing == OnExisting::Update {
        // A full payload: the bank fields and the cards sent are as sent; others are kept.
        if let Some(fields) = &new.bank {
            bank::upsert_account(conn, &id, fields).await?;
        }
        cards::upsert(conn, tenant, &id, &new.cards).await?;
        added += 1;
    } else {
        added += cards::add(conn, tenant, &id, &new.cards).await?;
    }
    let object = if added == 0 {
        Record::Account(stored)
    } else {
        pending::touch_account(conn, ctx.at, &id).await?;
        Record::Account(read(conn, tenant, &id).await?)
    };
    Ok(Ok(Created {
        object,
        parents,
        existed: true,
    }))
}

async fn read<C: Conn>(conn: &C, tenant: &str, id: &str) -> crate::store::Result<AccountRecord> {
    match must_exist(accounts::read(conn, tenant, id).await?, Kind::Account, id)? {
        Record::Account(account) => Ok(account),
        _ => Err(corrupt(format!("account {id} reads as another kind"))),
    }
}

/// Every owner of the stored account, linked or awaited, is one the new copy names (or its
/// primary owner, however it was named).
fn is_same_account(stored: &AccountRecord, new: &NewAccount, primary: &str) -> bool {
    let named: BTreeSet<&str> = new.named_owners().collect();
    let is_named = |external_id: Option<&str>| external_id.is_some_and(|x| named.contains(x));
    stored
        .owners
        .iter()
        .all(|o| o.customer.id == primary || is_named(o.customer.external_id.as_deref()))
        && stored.awaited_owners.iter().all(|x| is_named(Some(x)))
}
