//! New customers that link to nothing, written many to a statement where statements cost no
//! round trip but each costs the one writer its own work (SQLite): a statement journal
//! opened and truncated, which inside a large write's savepoint walks all that write has
//! journaled so far, so an import chunk written row by row grew quadratically with its size.
//!
//! The batch's leading run of such customers goes in multi-row `VALUES` of bounded shapes.
//! Whatever the run's inserts meet (a taken external id, say) undoes the run and leaves the
//! batch to the per-row path, which names the item refused; links waiting for one of the
//! run's external ids do the same, being rare and per-item work.

use super::super::customers::number_columns;
use super::super::values::{marks, numbered_rows, pieces, rows, Column, Column::*, Shapes};
use super::super::{attributes_json, bank, Conn, Param};
use crate::domain::customer::NewCustomer;
use crate::domain::object::NewObject;
use crate::domain::outcome::Created;
use crate::store::{Result, WriteCtx};

/// Writes the batch's leading new customers that link to nothing, on SQLite; what it
/// created, or `None` when it wrote nothing and the per-row path should write them.
pub(crate) async fn create<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    objects: &[NewObject],
) -> Result<Option<Vec<Created>>> {
    let run: Vec<&NewCustomer> = objects
        .iter()
        .map_while(|object| match object {
            NewObject::Customer(c) if c.links_nothing() => Some(c),
            _ => None,
        })
        .collect();
    if run.len() < 2 || awaited(conn, ctx, &run).await? {
        return Ok(None);
    }
    conn.savepoint().await?;
    if insert(conn, ctx, &run).await.is_err() {
        conn.rollback().await?;
        return Ok(None);
    }
    conn.release().await?;
    Ok(Some(
        run.into_iter().map(NewCustomer::created_unlinked).collect(),
    ))
}

/// Whether a stored link awaits one of the run's external ids.
async fn awaited<C: Conn>(conn: &C, ctx: &WriteCtx, run: &[&NewCustomer]) -> Result<bool> {
    let any = "SELECT 1 FROM pending_links WHERE tenant_id = ? LIMIT 1";
    if conn
        .query_varying(any, &[Param::Text(&ctx.tenant)], |_| Ok(()))
        .await?
        .is_empty()
    {
        return Ok(false);
    }
    let ids: Vec<&str> = run
        .iter()
        .filter_map(|c| c.entity.external_id.as_deref())
        .collect();
    for piece in pieces(ids.len()) {
        static SQL: Shapes = Shapes::new();
        let sql = SQL.of(piece.len(), |n| {
            format!(
                "SELECT 1 FROM pending_links WHERE tenant_id = ? AND source_customer_id IN ({}) \
                 LIMIT 1",
                marks(n)
            )
        });
        let mut params = vec![Param::Text(&ctx.tenant)];
        params.extend(ids[piece].iter().map(|id| Param::Text(id)));
        if !conn
            .query_varying(sql, &params, |_| Ok(()))
            .await?
            .is_empty()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A customer's row in [`insert`]: the tenant and the creating actor are shared, the first
/// state and segment are the row's own state and segment, bound once.
const CUSTOMER: [Column; 19] = [
    Own(0),
    Shared(0),
    Own(1),
    Own(2),
    Own(3),
    Own(4),
    Own(5),
    Own(6),
    Own(7),
    Own(8),
    Sql("NULL"),
    Own(9),
    Own(9),
    Own(10),
    Shared(1),
    Own(6),
    Own(7),
    Own(3),
    Own(11),
];
const OWN: usize = 12;

/// The run's rows: customers and their bank profiles.
async fn insert<C: Conn>(conn: &C, ctx: &WriteCtx, run: &[&NewCustomer]) -> Result<()> {
    let attributes = run
        .iter()
        .map(|c| attributes_json(&c.entity.custom_attributes))
        .collect::<Result<Vec<_>>>()?;
    let numbers = run
        .iter()
        .map(|c| number_columns(c.number))
        .collect::<Result<Vec<_>>>()?;
    for piece in pieces(run.len()) {
        static SQL: Shapes = Shapes::new();
        let sql = SQL.of(piece.len(), |rows| {
            format!(
                "INSERT INTO customers (id, tenant_id, external_id, profile, segment, \
                     custom_name, custom_attributes, state, state_reason, test_customer, \
                     parent_id, created_at, updated_at, number, created_by, first_state, \
                     first_reason, first_segment, number_counter) \
                 VALUES {}",
                numbered_rows(rows, 2, OWN, &CUSTOMER)
            )
        });
        let mut params = Vec::with_capacity(2 + piece.len() * OWN);
        params.extend([Param::Text(&ctx.tenant), Param::Text(&ctx.actor)]);
        for i in piece {
            let (c, e) = (run[i], &run[i].entity);
            params.extend([
                Param::Text(&e.id),
                Param::from(&e.external_id),
                Param::from(&e.profile),
                Param::from(&e.segment),
                Param::from(&e.custom_name),
                Param::Text(&attributes[i]),
                Param::from(e.state.state),
                Param::Text(&e.state.state_reason),
                Param::Bool(c.test_customer),
                Param::from(e.at),
                Param::OptI64(numbers[i].0),
                Param::OptI64(numbers[i].1),
            ]);
        }
        conn.query_varying(sql, &params, |_| Ok(())).await?;
    }
    profiles(conn, run).await?;
    Ok(())
}

/// The bank profiles of the run's customers that have one.
async fn profiles<C: Conn>(conn: &C, run: &[&NewCustomer]) -> Result<()> {
    let with: Vec<_> = run
        .iter()
        .filter_map(|c| Some((c.entity.id.as_str(), c.bank.as_ref()?)))
        .collect();
    let alerts = with
        .iter()
        .map(|(_, profile)| bank::alert_opt_ins_json(profile))
        .collect::<Result<Vec<_>>>()?;
    for piece in pieces(with.len()) {
        static SQL: Shapes = Shapes::new();
        let sql = SQL.of(piece.len(), |n| {
            format!(
                "INSERT INTO bank_customers (customer_id, {}) VALUES {}",
                bank::profile_insert_columns!(),
                rows(n, 11)
            )
        });
        let mut params = Vec::with_capacity(piece.len() * 11);
        for i in piece {
            let (id, profile) = with[i];
            params.push(Param::Text(id));
            params.extend(bank::profile_params(profile, &alerts[i]));
        }
        conn.query_varying(sql, &params, |_| Ok(())).await?;
    }
    Ok(())
}
