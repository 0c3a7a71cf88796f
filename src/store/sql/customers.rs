//! Customers: their rows, and creating one under an optional parent, with its bank profile,
//! a parent it may await, and the links that awaited it.

use super::bank::{self, profile_columns, profile_insert_columns};
use super::contacts;
use super::customer_updates;
use super::gates::{self, gate_clear_column, gate_cte};
use super::parents::{self, ParentRef};
use super::pending::{self, take_pending_cte, Awaiting};
use super::references::resolve_live;
use super::WHERE_ONE;
use super::{attributes_json, common, taken, Conn, Param, Row, Statement, Step};
use crate::domain::customer::NewCustomer;
use crate::domain::number::Numbered;
use crate::domain::object::OnExisting;
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::{CustomerRecord, Link, Record};
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::Kind;
use crate::store::{Result, WriteCtx};

pub(crate) const SELECT: &str = concat!(
    "SELECT ",
    common_columns!(),
    ", x.test_customer, x.parent_id, p.external_id, ",
    profile_columns!(),
    ", (SELECT min(w.source_customer_id) FROM pending_links w \
        WHERE w.object_id = x.id AND w.kind = 'parent') \
     , x.number \
     FROM customers x LEFT JOIN customers p ON p.id = x.parent_id \
     LEFT JOIN bank_customers b ON b.customer_id = x.id"
);
pub(crate) static ONE: Statement = Statement::prefixed(SELECT, WHERE_ONE);

/// The first column of [`profile_columns!`] in [`SELECT`], and the awaited parent's after it.
const PROFILE_AT: usize = 13;
const AWAITED_AT: usize = PROFILE_AT + 10;
const NUMBER_AT: usize = AWAITED_AT + 1;

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
        awaited_parent: row.opt_text(AWAITED_AT)?,
        bank: bank::profile(row, PROFILE_AT)?,
        number: number(row.opt_i64(NUMBER_AT)?)?,
        // Read by `contacts::complete`, for the records that have some.
        contact: None,
    }))
}

fn number(stored: Option<i64>) -> Result<Option<u64>> {
    stored
        .map(|n| u64::try_from(n).map_err(|_| super::corrupt(format!("customer number {n}"))))
        .transpose()
}

/// `$1`…`$12` are the customer's columns (`$11` its parent), `$13` who creates it: its
/// first state and segment entries are its own columns (see `history`).
macro_rules! insert_customer {
    ($parent:literal, $number:literal, $counter:literal) => {
        concat!(
            "INSERT INTO customers (id, tenant_id, external_id, profile, segment, custom_name, \
                 custom_attributes, state, state_reason, test_customer, parent_id, created_at, \
                 updated_at, number, created_by, first_state, first_reason, first_segment, \
                 number_counter) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, ",
            $parent,
            ", $12, $12, ",
            $number,
            ", $13, $8, $9, $5, ",
            $counter,
            ")"
        )
    };
}

/// The insert and the taking of the links that awaited the customer, in one statement. It
/// returns no row when refused, else one row per link taken (one row of NULLs when none
/// was), each with the new customer's parent.
macro_rules! insert_taking_links {
    ($parent:literal, $number:literal, $gate:literal, $counter:literal, $($more:tt)*) => {
        concat!(
            "WITH c AS (",
            insert_customer!($parent, $number, $counter),
            " ON CONFLICT (tenant_id, external_id) DO NOTHING RETURNING id, parent_id), ",
            take_pending_cte!($gate),
            $($more)*,
            " SELECT c.parent_id, p.kind, p.object_id, ",
            gate_clear_column!($gate),
            " FROM c LEFT JOIN p ON TRUE"
        )
    };
}

static INSERT: Statement = Statement::new(insert_customer!("$11", "$14", "$15"));

/// A create in one round trip. A taken external id is skipped rather than failing, so a
/// refused create aborts nothing and needs no savepoint.
/// `$14` is its number, `$15` its gate and `$16` its number's counter.
static INSERT_TAKING_LINKS: Statement =
    Statement::new(insert_taking_links!("$11", "$14", "$15", "$16", ""));

/// The same for a customer with a bank profile or an awaited parent: `$14` names the parent
/// it awaits, linked here when stored and else left waiting (`w`); `$15`… are the profile,
/// `$25` the number, `$26` the gate and `$27` the number's counter.
static INSERT_BANK_TAKING_LINKS: Statement = Statement::new(insert_taking_links!(
    "COALESCE($11, (SELECT id FROM customers WHERE tenant_id = $2 AND external_id = $14))",
    "$25",
    "$26",
    "$27",
    concat!(
        ", w AS ( \
             INSERT INTO pending_links (tenant_id, source_customer_id, kind, object_id) \
             SELECT $2, $14, 'parent', id FROM c WHERE parent_id IS NULL AND $14::TEXT IS NOT NULL), \
         b AS ( \
             INSERT INTO bank_customers (customer_id, ",
        profile_insert_columns!(),
        ") SELECT id, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24 FROM c \
             WHERE $15::TEXT IS NOT NULL)"
    )
));

/// Creates a customer (item `item` of the write) under the parent it names, if any.
pub(crate) async fn create<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    new: &NewCustomer,
    item: usize,
) -> Step<Created> {
    if new.on_existing == OnExisting::Update {
        return customer_updates::update(conn, ctx, new, item).await;
    }
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
    let awaited = new.awaited_parent.as_deref().filter(|_| parent.is_none());
    let linked_to = match (&parent, awaited) {
        (Some(parent), _) => Some(ParentRef::Id(&parent.id)),
        (None, Some(external_id)) => Some(ParentRef::ExternalId(external_id)),
        (None, None) => None,
    };
    // A new customer has no descendants but those awaiting it, found by its external id.
    if let (Some(to), Some(external_id)) = (linked_to, &e.external_id) {
        let external_id = Some(external_id.as_str());
        if parents::closes_cycle(conn, &ctx.tenant, &e.id, external_id, to).await? {
            let field = Field::Parent;
            return Ok(Err(Refusal::ParentCycle { field, item }));
        }
    }
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
    ];
    let number = number_columns(new.number)?;
    let (stored_parent, took) = if conn.dialect().writes_in_ctes() {
        accept!(insert_in_one(conn, ctx, new, params, number, awaited, item).await?)
    } else {
        accept!(insert_in_steps(conn, ctx, new, params, number, awaited, item).await?)
    };
    if let Some(details) = &new.contact {
        accept!(contacts::insert(conn, ctx, &e.id, details, item).await?);
    }
    // An awaited parent already stored is linked now; else it waits, shown as awaited.
    let parent = parent.or_else(|| {
        Some(Link {
            id: stored_parent?,
            external_id: awaited.map(str::to_owned),
        })
    });
    let object = Record::Customer(CustomerRecord {
        common: e.stored(),
        test_customer: new.test_customer,
        awaited_parent: awaited.filter(|_| parent.is_none()).map(str::to_owned),
        parent,
        bank: new.bank.clone(),
        number: new.number.map(|n| n.number),
        contact: new.contact.clone(),
    });
    Ok(Ok(Created {
        linked: pending::read_linked(conn, &ctx.tenant, &took).await?,
        ..Created::new(object, Vec::new())
    }))
}

/// What a customer's insert gives back: the parent's id it stored, if any, and the
/// objects that awaited the customer and are linked to it now.
type Inserted = (Option<String>, Vec<(Kind, String)>);

/// The create as one statement.
async fn insert_in_one<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    new: &NewCustomer,
    params: &[Param<'_>],
    number: (Option<i64>, Option<i64>),
    awaited: Option<&str>,
    item: usize,
) -> Step<Inserted> {
    let decode = |row: &dyn Row| {
        let taken = match (row.opt_text(1)?, row.opt_text(2)?) {
            (Some(kind), Some(object)) => Some((kind, object)),
            _ => None,
        };
        Ok((row.opt_text(0)?, taken, row.bool(3)?))
    };
    let gate = new
        .entity
        .external_id
        .as_deref()
        .map(|x| gates::bucket(&ctx.tenant, x));
    let rows = if new.bank.is_none() && awaited.is_none() {
        let mut all = params.to_vec();
        all.extend([
            Param::OptI64(number.0),
            Param::OptI64(gate),
            Param::OptI64(number.1),
        ]);
        conn.query(&INSERT_TAKING_LINKS, &all, decode).await?
    } else {
        let alerts = new
            .bank
            .as_ref()
            .map(bank::alert_opt_ins_json)
            .transpose()?;
        let mut all = params.to_vec();
        all.push(Param::OptText(awaited));
        match (&new.bank, &alerts) {
            (Some(profile), Some(alerts)) => all.extend(bank::profile_params(profile, alerts)),
            _ => all.extend(bank::no_profile_params()),
        }
        all.extend([
            Param::OptI64(number.0),
            Param::OptI64(gate),
            Param::OptI64(number.1),
        ]);
        conn.query(&INSERT_BANK_TAKING_LINKS, &all, decode).await?
    };
    let Some((parent, _, clear)) = rows.first() else {
        return Ok(Err(Refusal::Taken {
            key: UniqueKey::ExternalId(Kind::Customer),
            item,
        }));
    };
    let (parent, clear) = (parent.clone(), *clear);
    let waiting: Vec<(String, String)> =
        rows.into_iter().filter_map(|(_, taken, _)| taken).collect();
    // Rare: a statement more for each object that waited.
    let mut linked = pending::link_waiting(conn, ctx, &new.entity.id, &waiting).await?;
    // Rarer: a link writer held the gate, and may have committed links this statement
    // could not see.
    if let (false, Some(external_id)) = (clear, &new.entity.external_id) {
        for more in gates::take_again(conn, ctx, &new.entity.id, external_id).await? {
            if !linked.contains(&more) {
                linked.push(more);
            }
        }
    }
    Ok(Ok((parent, linked)))
}

/// The create a statement at a time, for backends where a statement costs no round trip.
async fn insert_in_steps<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    new: &NewCustomer,
    params: &[Param<'_>],
    number: (Option<i64>, Option<i64>),
    awaited: Option<&str>,
    item: usize,
) -> Step<Inserted> {
    let e = &new.entity;
    let found = match awaited {
        Some(external_id) => pending::customer(conn, &ctx.tenant, external_id).await?,
        None => None,
    };
    let mut insert = params.to_vec();
    if let Some(id) = &found {
        insert[10] = Param::Text(id);
    }
    insert.extend([Param::OptI64(number.0), Param::OptI64(number.1)]);
    accept!(taken(conn.exec_unique(&INSERT, &insert).await?, item));
    if let Some(profile) = &new.bank {
        bank::insert_profile(conn, &e.id, profile).await?;
    }
    if let (Some(external_id), None) = (awaited, &found) {
        pending::wait_for(conn, &ctx.tenant, external_id, Awaiting::Parent, &e.id).await?;
    }
    let linked = match &e.external_id {
        Some(external_id) => pending::resolve(conn, ctx, &e.id, external_id).await?,
        None => Vec::new(),
    };
    Ok(Ok((found, linked)))
}

/// Numbers are 40-bit, so they always fit the column.
fn stored_number(number: u64) -> Result<i64> {
    i64::try_from(number).map_err(|_| super::corrupt(format!("customer number {number}")))
}

/// A number and its counter as the columns `number` and `number_counter` keep them.
pub(crate) fn stored_numbered(numbered: Numbered) -> Result<(i64, i64)> {
    Ok((
        stored_number(numbered.number)?,
        stored_number(numbered.counter)?,
    ))
}

/// The same for a customer that may have no number yet.
pub(crate) fn number_columns(numbered: Option<Numbered>) -> Result<(Option<i64>, Option<i64>)> {
    Ok(numbered.map(stored_numbered).transpose()?.unzip())
}
