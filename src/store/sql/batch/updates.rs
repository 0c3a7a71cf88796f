//! A bank `PUT` in multi-row statements, where a statement is a round trip (PostgreSQL):
//! the customers locked and read together, then the primary owners and accounts; what the
//! per-row path decides item by item (`sql::customer_updates`, `joint::join`) decided for
//! all at once, with the same answers; then each kind's changes written by one statement,
//! and the accounts that changed read back together. A feed sent again as stored costs the
//! reads and one statement that finds nothing to write.
//!
//! A batch that moves a customer under one whose ancestors it also moves is written by the
//! per-row path, which checks each link for a circle as it makes it.

use super::{account_updates, customer_updates};
use crate::domain::account::{NewAccount, Owner};
use crate::domain::customer::NewCustomer;
use crate::domain::object::{NewObject, OnExisting};
use crate::domain::outcome::Created;
use crate::domain::reference::Reference;
use crate::store::sql::{Conn, Step};
use crate::store::WriteCtx;

/// The stored customers a bank `PUT` updates, then each account it sends once.
pub(super) struct UpdateBatch<'a> {
    pub(super) customers: Vec<&'a NewCustomer>,
    pub(super) accounts: Vec<&'a NewAccount>,
}

impl<'a> UpdateBatch<'a> {
    /// The batch, when `objects` is a bank door's update; `None` for any other write.
    pub(super) fn of(objects: &'a [NewObject]) -> Option<Self> {
        let mut batch = Self {
            customers: Vec::new(),
            accounts: Vec::new(),
        };
        for object in objects {
            match object {
                NewObject::Customer(c) if batch.accounts.is_empty() && is_bank_update(c) => {
                    batch.customers.push(c)
                }
                NewObject::Account(a) if updates_by_owner(a) => batch.accounts.push(a),
                _ => return None,
            }
        }
        (!batch.customers.is_empty()).then_some(batch)
    }

    /// Where the account `k` of the batch is among the write's items.
    pub(super) fn account_item(&self, k: usize) -> usize {
        self.customers.len() + k
    }
}

/// A stored customer's full payload, named by its external id.
fn is_bank_update(c: &NewCustomer) -> bool {
    c.on_existing == OnExisting::Update
        && c.parent.is_none()
        && c.contact.is_none()
        && c.entity.external_id.is_some()
}

/// An account made or updated under its primary owner's external id.
fn updates_by_owner(a: &NewAccount) -> bool {
    a.on_existing == OnExisting::Update
        && a.entity.external_id.is_some()
        && matches!(a.owner, Owner::Existing(Reference::ExternalId(_)))
}

/// Updates the batch's customers and makes or updates its accounts, or refuses the first
/// item the per-row path would refuse; `None` when the batch is better written item by
/// item.
pub(super) async fn write<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    batch: &UpdateBatch<'_>,
) -> Step<Option<Vec<Created>>> {
    let Some(customers) = accept!(customer_updates::plan(conn, ctx, batch).await?) else {
        return Ok(Ok(None));
    };
    let accounts = accept!(account_updates::plan(conn, ctx, batch, customers.stored()).await?);
    let mut created = customer_updates::write(conn, ctx, customers).await?;
    created.extend(accept!(
        account_updates::write(conn, ctx, batch, accounts).await?
    ));
    Ok(Ok(Some(created)))
}
