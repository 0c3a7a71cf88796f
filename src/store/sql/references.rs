//! Finding the object a write names: to change it (locked where rows are locked) or to
//! hang a new object under it (share-locked, and refused when it is missing or DEACTIVATED).

use super::{parse_state, Conn, PerKind, Row, Step};
use crate::domain::path::Field;
use crate::domain::records::Link;
use crate::domain::reference::Reference;
use crate::domain::refusal::Refusal;
use crate::domain::state::State;
use crate::domain::Kind;
use crate::store::Result;

const BY_ID: &str = "SELECT id, external_id, state FROM {table} WHERE tenant_id = $1 AND id = $2";
const BY_EXTERNAL_ID: &str =
    "SELECT id, external_id, state FROM {table} WHERE tenant_id = $1 AND external_id = $2";

/// A write locks what it changes, so two changes of one object cannot interleave.
static LOCK: PerKind = PerKind::locking(BY_ID, " FOR UPDATE");
/// A reference is share-locked until the write commits: a state change of the parent
/// (which locks it for update) waits for the child being created under it, or the creation
/// waits for the change and then sees the new state.
static REFERENCE_BY_ID: PerKind = PerKind::locking(BY_ID, " FOR SHARE");
static REFERENCE_BY_EXTERNAL_ID: PerKind = PerKind::locking(BY_EXTERNAL_ID, " FOR SHARE");

/// An object as a write that names it needs it.
pub(crate) struct Found {
    pub link: Link,
    pub state: State,
}

fn found(row: &dyn Row) -> Result<Found> {
    Ok(Found {
        link: Link {
            id: row.text(0)?,
            external_id: row.opt_text(1)?,
        },
        state: parse_state(row.text(2)?)?,
    })
}

/// The object a write changes, locked for it where rows are locked.
pub(crate) async fn lock<C: Conn>(
    conn: &C,
    kind: Kind,
    tenant: &str,
    id: &str,
) -> Result<Option<Found>> {
    conn.query_opt(LOCK.of(kind), params![tenant, id], found)
        .await
}

/// Resolves a reference that must name a live object; refusals name `field` of `item`.
pub(crate) async fn resolve_live<C: Conn>(
    conn: &C,
    kind: Kind,
    tenant: &str,
    reference: &Reference,
    (field, item): (Field, usize),
) -> Step<Link> {
    let (statement, key) = match reference {
        Reference::RefId(id) => (REFERENCE_BY_ID.of(kind), id),
        Reference::ExternalId(id) => (REFERENCE_BY_EXTERNAL_ID.of(kind), id),
    };
    Ok(
        match conn
            .query_opt(statement, params![tenant, key], found)
            .await?
        {
            None => Err(Refusal::NotFound { field, item }),
            Some(parent) if parent.state == State::Deactivated => {
                Err(Refusal::ReferenceTerminal { field, item })
            }
            Some(parent) => Ok(parent.link),
        },
    )
}
