//! Customers: their rows, and creating one under an optional parent.

use super::references::resolve_live;
use super::{attributes_json, common, history, taken, Conn, Row, Statement, Step, WHERE_ONE};
use crate::domain::customer::NewCustomer;
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::{CustomerRecord, Link, Record};
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::Kind;
use crate::store::{Result, WriteCtx};

pub(crate) const SELECT: &str = concat!(
    "SELECT ",
    common_columns!(),
    ", x.test_customer, x.parent_id, p.external_id \
     FROM customers x LEFT JOIN customers p ON p.id = x.parent_id"
);
pub(crate) static ONE: Statement = Statement::prefixed(SELECT, WHERE_ONE);

pub(crate) fn decode(row: &dyn Row) -> Result<Record> {
    let parent = match row.opt_text(11)? {
        Some(id) => Some(Link {
            id,
            external_id: row.opt_text(12)?,
        }),
        None => None,
    };
    Ok(Record::Customer(CustomerRecord {
        common: common(row)?,
        test_customer: row.bool(10)?,
        parent,
    }))
}

macro_rules! insert_customer {
    () => {
        "INSERT INTO customers (id, tenant_id, external_id, profile, segment, custom_name, \
             custom_attributes, state, state_reason, test_customer, parent_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
    };
}

static INSERT: Statement = Statement::new(insert_customer!());

/// The insert and both first histories in one round trip. A taken external id is skipped
/// rather than failing, so a refused create aborts nothing and needs no savepoint.
static INSERT_WITH_HISTORIES: Statement = Statement::new(concat!(
    "WITH c AS (",
    insert_customer!(),
    " ON CONFLICT (tenant_id, external_id) DO NOTHING RETURNING id), \
     s AS ( \
         INSERT INTO state_history (tenant_id, entity, entity_id, state, state_reason, actor, at) \
         SELECT $2, 'customer', id, $8, $9, $13, $14 FROM c), \
     g AS ( \
         INSERT INTO segment_history (tenant_id, entity, entity_id, segment, actor, at) \
         SELECT $2, 'customer', id, $5, $13, $14 FROM c WHERE $5::TEXT IS NOT NULL) \
     SELECT count(*) FROM c"
));

/// Creates a customer (item `item` of the write) under the parent it names, if any.
pub(crate) async fn create<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    new: &NewCustomer,
    item: usize,
) -> Step<Created> {
    let parent = match &new.parent {
        Some(reference) => Some(accept!(
            resolve_live(
                conn,
                Kind::Customer,
                &ctx.tenant,
                reference,
                (Field::Parent, item)
            )
            .await?
        )),
        None => None,
    };
    let e = &new.entity;
    let attributes = attributes_json(&e.custom_attributes)?;
    let parent_id = parent.as_ref().map(|p| p.id.as_str());
    let params = params![
        &e.id,
        &ctx.tenant,
        &e.external_id,
        &e.profile,
        &e.segment,
        &e.custom_name,
        &attributes,
        e.state.state,
        &e.state.state_reason,
        new.test_customer,
        parent_id,
        e.at,
        &ctx.actor,
        ctx.at,
    ];
    if conn.dialect().writes_in_ctes() {
        let inserted = conn
            .query_one(&INSERT_WITH_HISTORIES, params, |row| row.i64(0))
            .await?;
        if inserted == 0 {
            let key = UniqueKey::ExternalId(Kind::Customer);
            return Ok(Err(Refusal::Taken { key, item }));
        }
    } else {
        accept!(taken(conn.exec_unique(&INSERT, &params[..12]).await?, item));
        history::record_created(conn, ctx, Kind::Customer, e).await?;
    }
    Ok(Ok(Created {
        object: Record::Customer(CustomerRecord {
            common: e.stored(),
            test_customer: new.test_customer,
            parent,
        }),
        parents: Vec::new(),
    }))
}
