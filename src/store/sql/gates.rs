//! Pending links under concurrent writers (PostgreSQL). A write that leaves a link waiting
//! for a customer and a write that stores that customer may run at once: under READ
//! COMMITTED neither sees the other's rows, so the link would wait forever. They meet at a
//! gate instead, one row of `link_gates` per bucket of (tenant, external id):
//!
//! - a write that stores a customer share-locks its bucket's gate inside its insert
//!   statement, skipping it when it is locked. Usually nothing waits, and this is one index
//!   probe of a small table and no round trip. When the gate was locked, or moved since the
//!   statement began, a link writer may have committed a link it could not see: it waits
//!   for the gate and takes the links again ([`take_again`]).
//! - a write that leaves links waiting moves the gates of what they await once it has
//!   written them ([`settle`]), which waits for the stores in flight, and then looks for
//!   those customers again: one stored meanwhile is linked now.
//!
//! Whichever commits second sees the other's rows. Row locks only, no advisory locks, so
//! the SQL stays within what Postgres-wire distributed engines accept. SQLite's one writer
//! runs every write alone, and needs none of this.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::objects::read_back;
use super::parents::{self, ParentRef};
use super::pending::{self, Awaiting};
use super::{Conn, Param, Statement, Step};
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::Record;
use crate::domain::refusal::Refusal;
use crate::domain::Kind;
use crate::store::{Result, WriteCtx};

/// How many gates there are: the rows `link_gates` was made with. Many, so that two batches
/// at once rarely meet at a gate (each waits for the other's commit there, and two that meet
/// twice the other way round are a deadlock, which fails one of them as busy).
const BUCKETS: u64 = 65_536;

/// The gate of a customer's external id. FNV-1a, so every process (and every version of
/// the server) puts an external id behind the same gate.
pub(crate) fn bucket(tenant: &str, external_id: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in tenant.bytes().chain([0x1f]).chain(external_id.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // FNV's low bits alone spread similar ids less well: fold the high ones in.
    hash ^= hash >> 32;
    hash ^= hash >> 16;
    i64::try_from(hash % BUCKETS).expect("a bucket fits")
}

/// For a customer's insert statement, beside [`take_pending_cte!`]: the gate of bucket
/// `$gate` share-locked unless another write holds it. A NULL bucket (a customer without an
/// external id) locks nothing and needs nothing.
///
/// [`take_pending_cte!`]: super::pending::take_pending_cte
macro_rules! gate_cte {
    ($gate:literal) => {
        concat!(
            "l AS (SELECT version FROM link_gates WHERE bucket = ",
            $gate,
            " FOR SHARE SKIP LOCKED)"
        )
    };
}
pub(crate) use gate_cte;

/// The insert's column that says the gate was clear: locked now, and as the statement's
/// snapshot saw it (a locked row reads as its latest version). FALSE means a link writer
/// held it or moved it meanwhile.
macro_rules! gate_clear_column {
    ($gate:literal) => {
        concat!(
            "(SELECT version FROM l) IS NOT DISTINCT FROM \
             (SELECT version FROM link_gates WHERE bucket = ",
            $gate,
            ")"
        )
    };
}
pub(crate) use gate_clear_column;

static WAIT: Statement = Statement::new("SELECT 1 FROM link_gates WHERE bucket = $1 FOR SHARE");
static MOVE: Statement =
    Statement::new("UPDATE link_gates SET version = version + 1 WHERE bucket = $1");
static TAKE_ONE: Statement = Statement::new(
    "DELETE FROM pending_links \
     WHERE tenant_id = $1 AND source_customer_id = $2 AND kind = $3 AND object_id = $4",
);

/// Share-locks the gate of `external_id`, waiting for a link writer holding it: the
/// statements after it see what that writer committed.
pub(crate) async fn pass<C: Conn>(conn: &C, tenant: &str, external_id: &str) -> Result<()> {
    let gate = bucket(tenant, external_id);
    conn.exec(&WAIT, params![gate]).await.map(drop)
}

/// Passes the gate of `external_id` and takes what waits for the customer `id` (stored
/// under `external_id`) in a statement of its own. The objects it linked.
pub(crate) async fn take_again<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    id: &str,
    external_id: &str,
) -> Result<Vec<(Kind, String)>> {
    pass(conn, &ctx.tenant, external_id).await?;
    pending::resolve(conn, ctx, id, external_id).await
}

static WAIT_ALL: Statement = Statement::new(
    "SELECT bucket FROM link_gates WHERE bucket = ANY($1) ORDER BY bucket FOR SHARE",
);
static TAKE_ALL: Statement = Statement::new(
    "DELETE FROM pending_links WHERE tenant_id = $1 AND source_customer_id = ANY($2) \
     RETURNING source_customer_id, kind, object_id",
);

/// [`take_again`] for many customers stored by one statement (a bank batch), in two
/// statements whatever their number: their gates passed in one order, then what waits for
/// any of them taken. `stored` is each customer's `(id, external id)`; what each linked.
pub(crate) async fn take_all_again<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    stored: &[(&str, &str)],
) -> Result<HashMap<String, Vec<(Kind, String)>>> {
    let tenant = &ctx.tenant;
    let gates: Vec<i64> = stored
        .iter()
        .map(|(_, external_id)| bucket(tenant, external_id))
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .collect();
    let mut linked: HashMap<String, Vec<(Kind, String)>> = HashMap::new();
    if gates.is_empty() {
        return Ok(linked);
    }
    conn.query(&WAIT_ALL, &[Param::I64s(&gates)], |row| row.i64(0))
        .await?;
    let external_ids: Vec<String> = stored.iter().map(|(_, x)| (*x).to_owned()).collect();
    let params = [Param::Text(tenant), Param::Texts(&external_ids)];
    let taken = conn
        .query(&TAKE_ALL, &params, |row| {
            Ok((row.text(0)?, row.text(1)?, row.text(2)?))
        })
        .await?;
    for (external_id, kind, object) in taken {
        let Some((id, _)) = stored.iter().find(|(_, x)| *x == external_id) else {
            continue;
        };
        let more = pending::link_waiting(conn, ctx, id, &[(kind, object)]).await?;
        linked.entry((*id).to_owned()).or_default().extend(more);
    }
    Ok(linked)
}

/// A link an object of the write waits with: the item, the object's kind and what it awaits.
struct Waiting {
    item: usize,
    awaiting: Awaiting,
    external_id: String,
}

fn waiting(created: &[Created]) -> Vec<Waiting> {
    let mut all = Vec::new();
    for (item, made) in created.iter().enumerate().filter(|(_, m)| !m.unchanged) {
        match &made.object {
            Record::Customer(customer) => {
                all.extend(customer.awaited_parent.iter().map(|x| Waiting {
                    item,
                    awaiting: Awaiting::Parent,
                    external_id: x.clone(),
                }))
            }
            Record::Account(account) => {
                all.extend(account.awaited_owners.iter().map(|x| Waiting {
                    item,
                    awaiting: Awaiting::Owner,
                    external_id: x.clone(),
                }))
            }
            Record::Subscriber(_) => {}
        }
    }
    all
}

/// After a write's objects are written: moves the gate of every customer they still await
/// (in one order, so two writers never wait for each other's gates), then links each one
/// that a write committed meanwhile. The objects linked are read again, for their events.
pub(crate) async fn settle<C: Conn>(conn: &C, ctx: &WriteCtx, created: &mut [Created]) -> Step<()> {
    let waiting = waiting(created);
    if waiting.is_empty() {
        return Ok(Ok(()));
    }
    let tenant = &ctx.tenant;
    let gates: BTreeSet<i64> = waiting
        .iter()
        .map(|w| bucket(tenant, &w.external_id))
        .collect();
    for gate in gates {
        conn.exec(&MOVE, params![gate]).await?;
    }
    let mut changed = HashSet::new();
    for w in &waiting {
        let Some(customer) = pending::customer(conn, tenant, &w.external_id).await? else {
            continue;
        };
        let object = created[w.item].object.id().to_owned();
        let take = params![tenant, &w.external_id, w.awaiting.as_str(), &object];
        if conn.exec(&TAKE_ONE, take).await? == 0 {
            continue;
        }
        if w.awaiting == Awaiting::Parent {
            let external_id = created[w.item].object.common().external_id.as_deref();
            let to = ParentRef::Id(&customer);
            if parents::closes_cycle(conn, tenant, &object, external_id, to).await? {
                let (field, item) = (Field::Parent, w.item);
                return Ok(Err(Refusal::ParentCycle { field, item }));
            }
        }
        let taken = [(w.awaiting.as_str().to_owned(), object)];
        pending::link_waiting(conn, ctx, &customer, &taken).await?;
        changed.insert(w.item);
    }
    for item in changed {
        let made = &mut created[item];
        let (kind, id) = (made.object.kind(), made.object.id().to_owned());
        made.object = read_back(conn, kind, tenant, &id).await?;
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_stable_and_within_the_gates() {
        assert_eq!(bucket("default", "x"), bucket("default", "x"));
        assert_ne!(bucket("default", "ab"), bucket("defaulta", "b"));
        let all: BTreeSet<i64> = (0..10_000).map(|n| bucket("t", &n.to_string())).collect();
        assert!(all.iter().all(|b| (0..65_536).contains(b)));
        assert!(all.len() > 9_000, "ids spread over the gates");
    }
}
