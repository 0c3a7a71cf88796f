//! A bank batch in multi-row statements, where a statement is a round trip (PostgreSQL):
//! every customer in one insert (its histories, bank profile and awaited parent with it),
//! every new account in another (owners, histories, bank fields, co-owners and cards with
//! it), then the accounts read back together. What the per-row path does item by item is
//! decided here for all items at once, with the same answers: the unique indexes decide
//! what is taken, and the refusal named is the one the first refused item would get.
//!
//! The rare cases stay per item: links that waited for a customer of the batch
//! ([`pending::link_waiting`]) and a stored account that a copy joins ([`joint::join`]). A
//! batch whose parent links could close a circle through stored customers is written by
//! the per-row path, which checks each link as it makes it.
//!
//! A batch of updates (the door's `PUT`) is written the same way ([`updates`]): the stored
//! customers and accounts read together, their changes written one statement per kind.

mod account_updates;
mod accounts;
mod customer_updates;
mod customers;
pub(super) mod plain;
mod updates;

use std::collections::HashMap;

use super::{Conn, Step};
use crate::domain::account::{NewAccount, Owner};
use crate::domain::customer::NewCustomer;
use crate::domain::object::{NewObject, OnExisting};
use crate::domain::outcome::Created;
use crate::domain::reference::Reference;
use crate::store::WriteCtx;

/// A batch of new customers, then accounts, as the bank door plans one; `None` for any
/// other write, or where statements cost no round trip.
pub(super) struct BankBatch<'a> {
    customers: Vec<&'a NewCustomer>,
    accounts: Vec<&'a NewAccount>,
    /// Each customer's index by its external id.
    at: HashMap<&'a str, usize>,
}

impl<'a> BankBatch<'a> {
    fn of(objects: &'a [NewObject]) -> Option<Self> {
        let mut batch = Self {
            customers: Vec::new(),
            accounts: Vec::new(),
            at: HashMap::new(),
        };
        for object in objects {
            match object {
                NewObject::Customer(c) if batch.accounts.is_empty() && is_new_bank(c) => {
                    let external_id = c.entity.external_id.as_deref()?;
                    batch.at.insert(external_id, batch.customers.len());
                    batch.customers.push(c);
                }
                NewObject::Account(a) if joins(a) => batch.accounts.push(a),
                _ => return None,
            }
        }
        Some(batch)
    }

    /// The batch's customer with this external id.
    fn customer(&self, external_id: &str) -> Option<(usize, &'a NewCustomer)> {
        let &i = self.at.get(external_id)?;
        Some((i, self.customers[i]))
    }
}

/// A customer the batch creates, naming its parent (if any) by external id.
fn is_new_bank(c: &NewCustomer) -> bool {
    c.on_existing == OnExisting::Refuse
        && c.parent.is_none()
        && c.contact.is_none()
        && c.entity.external_id.is_some()
}

/// An account sent under its primary owner's external id, joining a stored copy.
fn joins(a: &NewAccount) -> bool {
    a.on_existing == OnExisting::Join
        && a.entity.external_id.is_some()
        && matches!(a.owner, Owner::Existing(Reference::ExternalId(_)))
}

/// Creates (or updates) a bank batch in a bounded number of statements; `None` when the
/// write is not one, or is better written item by item.
pub(crate) async fn create<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    objects: &[NewObject],
) -> Step<Option<Vec<Created>>> {
    let dialect = conn.dialect();
    if !(dialect.binds_arrays() && dialect.writes_in_ctes()) {
        return Ok(Ok(None));
    }
    if let Some(batch) = updates::UpdateBatch::of(objects) {
        return updates::write(conn, ctx, &batch).await;
    }
    if objects.len() < 2 {
        return Ok(Ok(None));
    }
    let Some(batch) = BankBatch::of(objects) else {
        return Ok(Ok(None));
    };
    if customers::may_close_cycle(conn, &ctx.tenant, &batch).await? {
        return Ok(Ok(None));
    }
    let owners = accounts::resolve_owners(conn, &ctx.tenant, &batch).await?;
    let mut created = accept!(customers::insert(conn, ctx, &batch).await?);
    let accounts = accept!(accounts::insert(conn, ctx, &batch, &owners).await?);
    created.extend(accounts);
    Ok(Ok(Some(created)))
}
