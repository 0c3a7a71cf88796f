//! Updating a stored customer from a bank feed's full payload (`PUT`): its bank profile and
//! its parent become what was sent. Its segment, state and the rest stay as stored, since a
//! bank's profile only fills them when the customer is made. A payload that is what is
//! stored writes nothing; a DEACTIVATED customer takes no update.

use super::objects::read_back;
use super::parents::{self, ParentRef};
use super::pending::{self, Awaiting};
use super::{bank, corrupt, parse_state, Conn, Statement, Step};
use crate::domain::customer::NewCustomer;
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::{CustomerRecord, Record};
use crate::domain::refusal::Refusal;
use crate::domain::state::State;
use crate::domain::Kind;
use crate::store::WriteCtx;

/// Locked for update: two updates of one customer run one after the other.
static STORED: Statement = Statement::locking(
    "SELECT id, state FROM customers WHERE tenant_id = $1 AND external_id = $2",
    " FOR UPDATE",
);
static SET_PARENT: Statement =
    Statement::new("UPDATE customers SET parent_id = $1, updated_at = $2 WHERE id = $3");
/// The parent the customer awaited before: the payload names the one it has now.
static FORGET_AWAITED_PARENT: Statement =
    Statement::new("DELETE FROM pending_links WHERE object_id = $1 AND kind = 'parent'");

/// Updates the stored customer `new` names by its external id (item `item` of the write),
/// or refuses it as not found: an update never creates a customer.
pub(crate) async fn update<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    new: &NewCustomer,
    item: usize,
) -> Step<Created> {
    let tenant = &ctx.tenant;
    let external_id = new.entity.external_id.as_deref();
    let found = conn
        .query_opt(&STORED, params![tenant, external_id], |row| {
            Ok((row.text(0)?, parse_state(row.text(1)?)?))
        })
        .await?;
    let id = match found {
        None => {
            return Ok(Err(Refusal::NotFound {
                field: Field::ExternalId,
                item,
            }))
        }
        Some((_, State::Deactivated)) => {
            return Ok(Err(Refusal::ReferenceTerminal {
                field: Field::ExternalId,
                item,
            }))
        }
        Some((id, _)) => id,
    };
    let stored = match read_back(conn, Kind::Customer, tenant, &id).await? {
        Record::Customer(stored) => stored,
        _ => return Err(corrupt(format!("customer {id} reads as another kind"))),
    };
    let awaited = new.awaited_parent.as_deref();
    // A payload sent again as it is stored writes nothing: no `updatedAt`, no event.
    let same_profile = new.bank.is_none() || new.bank == stored.bank;
    if same_profile && has_parent(&stored, awaited) {
        return Ok(Ok(Created::existing(
            Record::Customer(stored),
            Vec::new(),
            false,
        )));
    }
    let parent = match awaited {
        Some(parent) => pending::customer(conn, tenant, parent).await?,
        None => None,
    };
    if let Some(parent) = &parent {
        let to = ParentRef::Id(parent);
        if parents::closes_cycle(conn, tenant, &id, external_id, to).await? {
            let field = Field::Parent;
            return Ok(Err(Refusal::ParentCycle { field, item }));
        }
    }
    conn.exec(&SET_PARENT, params![parent.as_deref(), ctx.at, &id])
        .await?;
    conn.exec(&FORGET_AWAITED_PARENT, params![&id]).await?;
    // A parent not stored yet is awaited, as on a create.
    if let (Some(awaited), None) = (awaited, &parent) {
        pending::wait_for(conn, tenant, awaited, Awaiting::Parent, &id).await?;
    }
    if let Some(profile) = new.bank.as_ref().filter(|_| !same_profile) {
        bank::upsert_profile(conn, &id, profile).await?;
    }
    let object = read_back(conn, Kind::Customer, tenant, &id).await?;
    Ok(Ok(Created::existing(object, Vec::new(), true)))
}

/// Whether the stored customer has the parent a payload names by external id (`None`: no
/// parent), linked or awaited.
pub(crate) fn has_parent(stored: &CustomerRecord, named: Option<&str>) -> bool {
    match named {
        None => stored.parent.is_none() && stored.awaited_parent.is_none(),
        Some(named) => {
            stored.awaited_parent.as_deref() == Some(named)
                || stored
                    .parent
                    .as_ref()
                    .is_some_and(|p| p.external_id.as_deref() == Some(named))
        }
    }
}
