//! Joint accounts: a bank lists a joint account under each of its owners, so a later batch
//! may send an account already stored under another owner. When every owner stored (or
//! awaited) is among the owners the new copy names, it is the same account: the copy joins
//! it, adding the owners and cards it lacks. Otherwise the external id is someone else's.
//! An update (a feed's PUT) names the account's owners as they are now: it joins the account
//! its primary owner has, makes its co-owners, bank fields and the cards sent what was sent,
//! and writes nothing when all of that is as stored.

use std::collections::BTreeSet;

use super::{accounts, bank, cards, corrupt, must_exist, parse_state, pending};
use super::{Conn, Statement, Step};
use crate::domain::account::NewAccount;
use crate::domain::object::OnExisting;
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::{AccountRecord, Ownership, Record};
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
    let update = new.on_existing == OnExisting::Update;
    // A DEACTIVATED account takes no further change: nothing joins it, and an update of it
    // is refused where it is named.
    if state == State::Deactivated {
        return Ok(Err(if update {
            Refusal::ReferenceTerminal {
                field: Field::ExternalId,
                item,
            }
        } else {
            taken
        }));
    }
    let stored = read(conn, tenant, &id).await?;
    if !is_same_account(&stored, new, primary, update) {
        return Ok(Err(taken));
    }
    let mut changed = pending::add_owner(conn, &id, primary).await?;
    changed += pending::link_owners(conn, tenant, &id, &new.co_owners).await?;
    if update {
        // A full payload: the owners, the bank fields and the cards sent are as sent; cards
        // not sent are kept.
        changed += drop_unnamed_owners(conn, tenant, &stored, new, primary).await?;
        if let Some(fields) = new
            .bank
            .as_ref()
            .filter(|b| stored.bank.as_ref() != Some(b))
        {
            bank::upsert_account(conn, &id, fields).await?;
            changed += 1;
        }
        changed += cards::upsert(conn, tenant, &id, &new.cards).await?;
    } else {
        changed += cards::add(conn, tenant, &id, &new.cards).await?;
    }
    let object = if changed == 0 {
        Record::Account(stored)
    } else {
        pending::touch_account(conn, ctx.at, &id).await?;
        Record::Account(read(conn, tenant, &id).await?)
    };
    Ok(Ok(Created::existing(object, parents, changed > 0)))
}

static DROP_OWNER: Statement = Statement::new(
    "DELETE FROM account_owners WHERE account_id = $1 AND customer_id = $2 AND is_primary = FALSE",
);
static DROP_AWAITED_OWNER: Statement = Statement::new(
    "DELETE FROM pending_links \
     WHERE tenant_id = $1 AND source_customer_id = $2 AND kind = 'owner' AND object_id = $3",
);

/// An update names every owner of the account: a co-owner, linked or awaited, that it does
/// not name is one no more. The primary owner stays whatever is sent. How many went.
async fn drop_unnamed_owners<C: Conn>(
    conn: &C,
    tenant: &str,
    stored: &AccountRecord,
    new: &NewAccount,
    primary: &str,
) -> crate::store::Result<u64> {
    let named: BTreeSet<&str> = new.named_owners().collect();
    let is_named = |external_id: Option<&str>| external_id.is_some_and(|x| named.contains(x));
    let account = &stored.common.id;
    let mut dropped = 0;
    for owner in &stored.owners {
        let link = &owner.customer;
        if owner.primary || link.id == primary || is_named(link.external_id.as_deref()) {
            continue;
        }
        dropped += conn.exec(&DROP_OWNER, params![account, &link.id]).await?;
    }
    for awaited in &stored.awaited_owners {
        if !is_named(Some(awaited)) {
            let params = params![tenant, awaited, account];
            dropped += conn.exec(&DROP_AWAITED_OWNER, params).await?;
        }
    }
    Ok(dropped)
}

async fn read<C: Conn>(conn: &C, tenant: &str, id: &str) -> crate::store::Result<AccountRecord> {
    match must_exist(accounts::read(conn, tenant, id).await?, Kind::Account, id)? {
        Record::Account(account) => Ok(account),
        _ => Err(corrupt(format!("account {id} reads as another kind"))),
    }
}

/// Every owner of the stored account, linked or awaited, is one the new copy names (or its
/// primary owner, however it was named). An update, which names the owners the account has
/// now, need only name its primary owner.
pub(crate) fn is_same_account(
    stored: &AccountRecord,
    new: &NewAccount,
    primary: &str,
    update: bool,
) -> bool {
    let named: BTreeSet<&str> = new.named_owners().collect();
    let is_named = |external_id: Option<&str>| external_id.is_some_and(|x| named.contains(x));
    let kept =
        |o: &Ownership| o.customer.id == primary || is_named(o.customer.external_id.as_deref());
    if update {
        return stored.owners.iter().filter(|o| o.primary).all(kept);
    }
    stored.owners.iter().all(kept) && stored.awaited_owners.iter().all(|x| is_named(Some(x)))
}
