//! Pending links: references to a customer not stored yet. Bank feeds arrive in any order,
//! so a parent or a co-owner may be named before it is sent; the link waits in
//! `pending_links` under the awaited customer's external id and is resolved, in the same
//! transaction, by whichever create stores that customer (of any door), then deleted.

use std::collections::{HashMap, HashSet};

use super::objects::read_back;
use super::{corrupt, gates, parents, Conn, Row, Statement, Step};
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::Record;
use crate::domain::refusal::Refusal;
use crate::domain::time::Timestamp;
use crate::domain::Kind;
use crate::store::{Result, WriteCtx};

/// What waits for a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Awaiting {
    /// A customer naming it as its parent.
    Parent,
    /// An account naming it as a co-owner.
    Owner,
}

impl Awaiting {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Awaiting::Parent => "parent",
            Awaiting::Owner => "owner",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "parent" => Ok(Awaiting::Parent),
            "owner" => Ok(Awaiting::Owner),
            _ => Err(corrupt(format!("unknown pending link kind {text:?}"))),
        }
    }
}

/// The CTEs that take, inside a customer's insert statement (`c` being the insert's
/// `RETURNING`), every link waiting for it: `$2` is its tenant and `$3` its external id,
/// `$gate` its gate (`gates::bucket`). The delete runs only when the insert did, so a refused
/// create leaves the links waiting; with nothing waiting (the common case) it is one probe
/// of an index and touches no other table but the gate's. The statement returns what it
/// took, for [`link_waiting`], and [`gate_clear_column!`] of `$gate`.
///
/// [`gate_clear_column!`]: super::gates::gate_clear_column
macro_rules! take_pending_cte {
    ($gate:literal) => {
        concat!(
            "p AS ( \
                 DELETE FROM pending_links \
                 WHERE tenant_id = $2 AND source_customer_id = $3 AND EXISTS (SELECT 1 FROM c) \
                 RETURNING kind, object_id), ",
            gate_cte!($gate)
        )
    };
}
pub(crate) use take_pending_cte;

static AWAIT: Statement = Statement::new(
    "INSERT INTO pending_links (tenant_id, source_customer_id, kind, object_id) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
);
/// A customer of any state: a link names what the bank named, whatever became of it since.
static CUSTOMER: Statement =
    Statement::new("SELECT id FROM customers WHERE tenant_id = $1 AND external_id = $2");
static TAKE: Statement = Statement::new(
    "DELETE FROM pending_links WHERE tenant_id = $1 AND source_customer_id = $2 \
     RETURNING kind, object_id",
);
static SET_PARENT: Statement =
    Statement::new("UPDATE customers SET parent_id = $1, updated_at = $2 WHERE id = $3");
static ADD_OWNER: Statement = Statement::new(
    "INSERT INTO account_owners (account_id, customer_id, is_primary) \
     VALUES ($1, $2, FALSE) ON CONFLICT DO NOTHING",
);
static TOUCH_ACCOUNT: Statement =
    Statement::new("UPDATE accounts SET updated_at = $1 WHERE id = $2");

/// Co-owners one at a time: an owner row for the one stored, else a link waiting for it.
static LINK_OWNER: Statement = Statement::new(
    "INSERT INTO account_owners (account_id, customer_id, is_primary) \
     SELECT $1, id, FALSE FROM customers WHERE tenant_id = $2 AND external_id = $3 \
     ON CONFLICT DO NOTHING",
);
static AWAIT_OWNER: Statement = Statement::new(
    "INSERT INTO pending_links (tenant_id, source_customer_id, kind, object_id) \
     SELECT $2, $3, 'owner', $1 \
     WHERE NOT EXISTS (SELECT 1 FROM customers WHERE tenant_id = $2 AND external_id = $3) \
     ON CONFLICT DO NOTHING",
);
/// Every co-owner of an account in one round trip; how many rows it added.
static LINK_OWNERS: Statement = Statement::new(
    "WITH f AS ( \
         SELECT n.ext, c.id FROM unnest($3::TEXT[]) AS n(ext) \
         LEFT JOIN customers c ON c.tenant_id = $2 AND c.external_id = n.ext), \
     o AS ( \
         INSERT INTO account_owners (account_id, customer_id, is_primary) \
         SELECT $1, id, FALSE FROM f WHERE id IS NOT NULL ON CONFLICT DO NOTHING RETURNING 1), \
     w AS ( \
         INSERT INTO pending_links (tenant_id, source_customer_id, kind, object_id) \
         SELECT $2, ext, 'owner', $1 FROM f WHERE id IS NULL ON CONFLICT DO NOTHING RETURNING 1) \
     SELECT (SELECT count(*) FROM o) + (SELECT count(*) FROM w)",
);

macro_rules! awaited_where {
    ($object:literal) => {
        concat!(
            "SELECT object_id, source_customer_id FROM pending_links \
             WHERE kind = 'owner' AND object_id ",
            $object,
            " ORDER BY object_id, source_customer_id"
        )
    };
}
pub(crate) static AWAITED_OWNERS: Statement = Statement::new(awaited_where!("= $1"));
pub(crate) static AWAITED_OWNERS_OF_PAGE: Statement = Statement::new(awaited_where!("= ANY($1)"));

/// An awaited owner row: the account and the external id it waits for.
pub(crate) fn awaited(row: &dyn Row) -> Result<(String, String)> {
    Ok((row.text(0)?, row.text(1)?))
}

/// The id of the tenant's customer with this external id, if it is stored.
pub(crate) async fn customer<C: Conn>(
    conn: &C,
    tenant: &str,
    external_id: &str,
) -> Result<Option<String>> {
    conn.query_opt(&CUSTOMER, params![tenant, external_id], |row| row.text(0))
        .await
}

/// Records that `object` waits for the customer `external_id`.
pub(crate) async fn wait_for<C: Conn>(
    conn: &C,
    tenant: &str,
    external_id: &str,
    awaiting: Awaiting,
    object: &str,
) -> Result<()> {
    let params = params![tenant, external_id, awaiting.as_str(), object];
    conn.exec(&AWAIT, params).await.map(drop)
}

/// Takes and links what waited for the customer `id` (external id `external_id`) just
/// stored, in a statement of its own: where statements cost no round trip, or where the
/// taking folded into the insert ([`take_pending_cte!`]) may have missed some. Usually
/// nothing waits, and this is the one delete of an empty range. The objects it changed.
pub(crate) async fn resolve<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    id: &str,
    external_id: &str,
) -> Result<Vec<(Kind, String)>> {
    let waiting = conn
        .query(&TAKE, params![&ctx.tenant, external_id], |row| {
            Ok((row.text(0)?, row.text(1)?))
        })
        .await?;
    link_waiting(conn, ctx, id, &waiting).await
}

/// The customer `id`, known as `external_id` from now on (a patch renamed it), takes the
/// links that awaited that id as a create of it would; refused when that makes a circle of
/// parents. The objects it linked, as they read now.
pub(crate) async fn renamed<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    id: &str,
    external_id: &str,
) -> Step<Vec<Record>> {
    let tenant = &ctx.tenant;
    // Where writes run at once, past the gate a link being written meanwhile is seen, by
    // the check for a circle too.
    if conn.dialect().locks_rows() {
        gates::pass(conn, tenant, external_id).await?;
    }
    if parents::renaming_closes_cycle(conn, tenant, id, external_id).await? {
        let field = Field::ExternalId;
        return Ok(Err(Refusal::ParentCycle { field, item: 0 }));
    }
    let linked = resolve(conn, ctx, id, external_id).await?;
    Ok(Ok(read_linked(conn, tenant, &linked).await?))
}

/// Links each `(kind, object)` taken from the links that waited for the customer `id`: a
/// customer gets it as its parent, an account as an owner (not the primary one). Each
/// object changed, so its `updated_at` moves; they are given back, each once, so that
/// their events tell of it.
pub(crate) async fn link_waiting<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    id: &str,
    waiting: &[(String, String)],
) -> Result<Vec<(Kind, String)>> {
    let mut linked: Vec<(Kind, String)> = Vec::new();
    for (kind, object) in waiting {
        // The link taken changes how the object reads even when its owner was there.
        let kind = match Awaiting::parse(kind)? {
            Awaiting::Parent => {
                conn.exec(&SET_PARENT, params![id, ctx.at, object]).await?;
                Kind::Customer
            }
            Awaiting::Owner => {
                add_owner(conn, object, id).await?;
                touch_account(conn, ctx.at, object).await?;
                Kind::Account
            }
        };
        if !linked.iter().any(|(k, o)| *k == kind && o == object) {
            linked.push((kind, object.clone()));
        }
    }
    Ok(linked)
}

/// The records of what [`link_waiting`] linked, as they read now.
pub(crate) async fn read_linked<C: Conn>(
    conn: &C,
    tenant: &str,
    linked: &[(Kind, String)],
) -> Result<Vec<Record>> {
    let mut records = Vec::with_capacity(linked.len());
    for (kind, id) in linked {
        records.push(read_back(conn, *kind, tenant, id).await?);
    }
    Ok(records)
}

/// Makes `customer` an owner of `account` (not the primary one) unless it is one already.
pub(crate) async fn add_owner<C: Conn>(conn: &C, account: &str, customer: &str) -> Result<u64> {
    conn.exec(&ADD_OWNER, params![account, customer]).await
}

/// An account changed by what was added to it (an owner, a card).
pub(crate) async fn touch_account<C: Conn>(conn: &C, at: Timestamp, account: &str) -> Result<()> {
    conn.exec(&TOUCH_ACCOUNT, params![at, account])
        .await
        .map(drop)
}

/// Makes each customer named in `owners` an owner of `account` (never the primary one), or
/// a link waiting for it; an owner or link already there stays as it is. How many rows
/// were added.
pub(crate) async fn link_owners<C: Conn>(
    conn: &C,
    tenant: &str,
    account: &str,
    owners: &[String],
) -> Result<u64> {
    if owners.is_empty() {
        return Ok(0);
    }
    if conn.dialect().binds_arrays() {
        let added = conn
            .query_one(&LINK_OWNERS, params![account, tenant, owners], |row| {
                row.i64(0)
            })
            .await?;
        return Ok(added.unsigned_abs());
    }
    let mut added = 0;
    for owner in owners {
        let params = params![account, tenant, owner];
        added += conn.exec(&LINK_OWNER, params).await?;
        added += conn.exec(&AWAIT_OWNER, params).await?;
    }
    Ok(added)
}

/// Each object a write linked is told of once, as committed: an object of the write itself
/// is read again (its own event then shows the link), and one stored before keeps its
/// `updated` event after the first item that linked it, read again when a later item
/// linked it too.
pub(crate) async fn refresh<C: Conn>(
    conn: &C,
    tenant: &str,
    created: &mut [Created],
) -> Result<()> {
    if created.iter().all(|made| made.linked.is_empty()) {
        return Ok(());
    }
    let items: HashSet<String> = created.iter().map(|m| m.object.id().to_owned()).collect();
    let mut times: HashMap<String, usize> = HashMap::new();
    for record in created.iter().flat_map(|made| &made.linked) {
        *times.entry(record.id().to_owned()).or_default() += 1;
    }
    for made in created.iter_mut() {
        if times.contains_key(made.object.id()) {
            let (kind, id) = (made.object.kind(), made.object.id().to_owned());
            made.object = read_back(conn, kind, tenant, &id).await?;
            made.unchanged = false;
        }
    }
    let mut told: HashSet<String> = HashSet::new();
    for made in created.iter_mut() {
        let linked = std::mem::take(&mut made.linked);
        for record in linked {
            let id = record.id().to_owned();
            if items.contains(&id) || !told.insert(id.clone()) {
                continue;
            }
            made.linked.push(if times[&id] > 1 {
                read_back(conn, record.kind(), tenant, &id).await?
            } else {
                record
            });
        }
    }
    Ok(())
}
