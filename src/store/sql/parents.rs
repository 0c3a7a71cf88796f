//! Parent links may not go round in a circle. The domain refuses a circle within one
//! batch; one closed through customers stored before (a stored customer awaiting this one
//! as its parent, or this one's own descendants) is seen only here, before the link is made.

use super::{Conn, Param, Statement};
use crate::store::Result;

/// How many of the parent's ancestors (the parent itself included, found by id `$2` or
/// external id `$3`) are the customer `$4` or await it, by external id `$5`, as their
/// parent. `UNION` drops rows already seen, so the walk ends even on damaged data.
static CLOSES_CYCLE: Statement = Statement::new(
    "WITH RECURSIVE up(id) AS ( \
         SELECT id FROM customers WHERE tenant_id = $1 AND (id = $2 OR external_id = $3) \
         UNION \
         SELECT c.parent_id FROM customers c JOIN up ON c.id = up.id \
         WHERE c.parent_id IS NOT NULL) \
     SELECT count(*) FROM up WHERE id = $4 OR id IN ( \
         SELECT object_id FROM pending_links \
         WHERE tenant_id = $1 AND source_customer_id = $5 AND kind = 'parent')",
);

/// How many of the customer `$2`'s ancestors (itself included) await the external id `$3`
/// as their parent.
static AWAITED_BY_ANCESTOR: Statement = Statement::new(
    "WITH RECURSIVE up(id) AS ( \
         SELECT id FROM customers WHERE tenant_id = $1 AND id = $2 \
         UNION \
         SELECT c.parent_id FROM customers c JOIN up ON c.id = up.id \
         WHERE c.parent_id IS NOT NULL) \
     SELECT count(*) FROM up WHERE id IN ( \
         SELECT object_id FROM pending_links \
         WHERE tenant_id = $1 AND source_customer_id = $3 AND kind = 'parent')",
);

/// The parent a customer is to be linked to: by id when the write resolved it, else by the
/// external id it awaits.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ParentRef<'a> {
    Id(&'a str),
    ExternalId(&'a str),
}

/// Whether making `parent` the parent of the customer `id` (external id `external_id`)
/// closes a circle: the customer, or a customer awaiting it as its parent, is among the
/// parent's ancestors. A parent not stored has no ancestors yet, and closes none.
pub(crate) async fn closes_cycle<C: Conn>(
    conn: &C,
    tenant: &str,
    id: &str,
    external_id: Option<&str>,
    parent: ParentRef<'_>,
) -> Result<bool> {
    let (by_id, by_external_id) = match parent {
        ParentRef::Id(id) => (Some(id), None),
        ParentRef::ExternalId(external_id) => (None, Some(external_id)),
    };
    let params = [
        Param::Text(tenant),
        Param::OptText(by_id),
        Param::OptText(by_external_id),
        Param::Text(id),
        Param::OptText(external_id),
    ];
    let found = conn
        .query_one(&CLOSES_CYCLE, &params, |row| row.i64(0))
        .await?;
    Ok(found > 0)
}

/// Whether the customer `id`, once known as `external_id`, closes a circle by taking the
/// customers that await that id as their parent: it or one of its ancestors is among them.
pub(crate) async fn renaming_closes_cycle<C: Conn>(
    conn: &C,
    tenant: &str,
    id: &str,
    external_id: &str,
) -> Result<bool> {
    let found = conn
        .query_one(
            &AWAITED_BY_ANCESTOR,
            params![tenant, id, external_id],
            |row| row.i64(0),
        )
        .await?;
    Ok(found > 0)
}
