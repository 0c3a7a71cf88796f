//! A bank batch's customers in one insert: histories, bank profiles, the parents awaited
//! from outside the batch and the taking of the links that waited for them come with it.
//! Parents within the batch are set by one update after it, once every row is there.

use std::collections::HashMap;

use super::BankBatch;
use crate::domain::outcome::Created;
use crate::domain::records::{CustomerRecord, Link, Record};
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::Kind;
use crate::store::sql::bank::alert_opt_ins_json;
use crate::store::sql::customers::number_columns;
use crate::store::sql::{attributes_json, gates, pending, Conn, Param, Statement, Step};
use crate::store::{Result, WriteCtx};

/// `$1` the tenant, `$2`… one array per column of `n` (`$26` the numbers' counters), and
/// `$25` the actor.
/// It returns a row `(id, stored parent)` per customer inserted (a taken external id is
/// skipped, so the unique index decides) and a row `(customer, kind, object)` per link
/// that waited for one. The stored parent is one index probe a row: a join planned for
/// the arrays' unknown length read every customer of the tenant, once a chunk.
static INSERT: Statement = Statement::new(
    "WITH n AS ( \
         SELECT * FROM unnest($2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], \
             $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BOOL[], $11::TEXT[], $12::BIGINT[], \
             $13::BIGINT[], $14::BIGINT[], $15::TEXT[], $16::TEXT[], $17::TEXT[], \
             $18::BIGINT[], $19::BIGINT[], $20::BIGINT[], $21::TEXT[], $22::TEXT[], \
             $23::TEXT[], $24::TEXT[], $26::BIGINT[]) WITH ORDINALITY \
         AS n(id, external_id, profile, segment, custom_name, custom_attributes, state, \
             state_reason, test_customer, awaited, created_at, updated_at, number, \
             organization_id, postal_code, country, created_on, enrollment_start, \
             enrollment_end, enrollment_opt_in, alert_opt_ins, targeting, \
             redemption_eligibility, counter, ord)), \
     f AS ( \
         SELECT n.*, (SELECT p.id FROM customers p \
             WHERE p.tenant_id = $1 AND p.external_id = n.awaited) AS parent_id FROM n), \
     c AS ( \
         INSERT INTO customers (id, tenant_id, external_id, profile, segment, custom_name, \
             custom_attributes, state, state_reason, test_customer, parent_id, created_at, \
             updated_at, number, created_by, first_state, first_reason, first_segment, \
             number_counter) \
         SELECT id, $1, external_id, profile, segment, custom_name, custom_attributes, state, \
             state_reason, test_customer, parent_id, created_at, updated_at, number, $25, \
             state, state_reason, segment, counter \
         FROM f ORDER BY ord \
         ON CONFLICT (tenant_id, external_id) DO NOTHING \
         RETURNING id, external_id, parent_id), \
     m AS (SELECT f.* FROM f JOIN c ON c.id = f.id), \
     w AS ( \
         INSERT INTO pending_links (tenant_id, source_customer_id, kind, object_id) \
         SELECT $1, awaited, 'parent', id FROM m \
         WHERE awaited IS NOT NULL AND parent_id IS NULL ON CONFLICT DO NOTHING), \
     b AS ( \
         INSERT INTO bank_customers (customer_id, organization_id, postal_code, country, \
             created_on, enrollment_start, enrollment_end, enrollment_opt_in, alert_opt_ins, \
             targeting, redemption_eligibility) \
         SELECT id, organization_id, postal_code, country, created_on, enrollment_start, \
             enrollment_end, enrollment_opt_in, alert_opt_ins, targeting, \
             redemption_eligibility \
         FROM m WHERE organization_id IS NOT NULL), \
     p AS ( \
         DELETE FROM pending_links l USING c \
         WHERE l.tenant_id = $1 AND l.source_customer_id = c.external_id \
         RETURNING c.id, l.kind, l.object_id) \
     SELECT id, parent_id, NULL, NULL FROM c \
     UNION ALL SELECT id, NULL, kind, object_id FROM p",
);

/// Parents within the batch, once both rows are stored.
static SET_PARENTS: Statement = Statement::new(
    "UPDATE customers c SET parent_id = v.parent \
     FROM unnest($1::TEXT[], $2::TEXT[]) AS v(id, parent) WHERE c.id = v.id",
);

/// Whether a parent link of the batch could close a circle through stored customers: only
/// when a customer awaits a stored parent from outside the batch and a stored customer
/// awaits one of the batch as its parent. The domain checked the batch alone.
static MAY_CLOSE_CYCLE: Statement = Statement::new(
    "SELECT EXISTS (SELECT 1 FROM pending_links WHERE tenant_id = $1 AND kind = 'parent' \
             AND source_customer_id = ANY($2)) \
         AND EXISTS (SELECT 1 FROM customers WHERE tenant_id = $1 AND external_id = ANY($3))",
);

/// The parent each customer awaits from outside the batch.
fn outside_parents<'a>(batch: &BankBatch<'a>) -> Vec<String> {
    let outside = batch
        .customers
        .iter()
        .filter_map(|c| c.awaited_parent.as_deref())
        .filter(|parent| batch.customer(parent).is_none());
    outside.map(str::to_owned).collect()
}

pub(super) async fn may_close_cycle<C: Conn>(
    conn: &C,
    tenant: &str,
    batch: &BankBatch<'_>,
) -> Result<bool> {
    let outside = outside_parents(batch);
    if outside.is_empty() {
        return Ok(false);
    }
    let ours: Vec<String> = batch.at.keys().map(|&x| x.to_owned()).collect();
    let params = [
        Param::Text(tenant),
        Param::Texts(&ours),
        Param::Texts(&outside),
    ];
    conn.query_one(&MAY_CLOSE_CYCLE, &params, |row| row.bool(0))
        .await
}

/// What one row of [`INSERT`] says.
enum Inserted {
    Customer {
        id: String,
        parent: Option<String>,
    },
    Waited {
        customer: String,
        kind: String,
        object: String,
    },
}

/// Inserts every customer of the batch, or refuses the first whose external id is taken.
pub(super) async fn insert<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    batch: &BankBatch<'_>,
) -> Step<Vec<Created>> {
    let customers = &batch.customers;
    // The parent within the batch, by index; one sent later links its child when it is
    // stored, which moves the child's `updated_at` as the per-row path does.
    let in_batch: Vec<Option<usize>> = customers
        .iter()
        .map(|c| Some(batch.customer(c.awaited_parent.as_deref()?)?.0))
        .collect();
    let updated_at: Vec<i64> = customers
        .iter()
        .zip(&in_batch)
        .enumerate()
        .map(|(i, (c, parent))| match parent {
            Some(j) if *j > i => ctx.at.micros(),
            _ => c.entity.at.micros(),
        })
        .collect();
    let attributes = customers
        .iter()
        .map(|c| attributes_json(&c.entity.custom_attributes))
        .collect::<Result<Vec<_>>>()?;
    let alerts = customers
        .iter()
        .map(|c| c.bank.as_ref().map(alert_opt_ins_json).transpose())
        .collect::<Result<Vec<_>>>()?;
    let (numbers, counters): (Vec<_>, Vec<_>) = customers
        .iter()
        .map(|c| number_columns(c.number))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .unzip();
    // `$2`…`$9`, `$11`, `$15`…`$17` and `$21`…`$24`; `$18`…`$20`.
    let mut texts: [Vec<Option<&str>>; 16] = Default::default();
    let mut dates: [Vec<Option<i64>>; 3] = Default::default();
    for (i, c) in customers.iter().enumerate() {
        let (e, bank) = (&c.entity, c.bank.as_ref());
        let values = [
            Some(e.id.as_str()),
            e.external_id.as_deref(),
            e.profile.as_deref(),
            e.segment.as_deref(),
            e.custom_name.as_deref(),
            Some(attributes[i].as_str()),
            Some(e.state.state.as_str()),
            Some(e.state.state_reason.as_str()),
            c.awaited_parent
                .as_deref()
                .filter(|_| in_batch[i].is_none()),
            bank.map(|b| b.organization_id.as_str()),
            bank.map(|b| b.postal_code.as_str()),
            bank.map(|b| b.country.as_str()),
            bank.map(|b| b.enrollment_opt_in.as_str()),
            alerts[i].as_deref(),
            bank.map(|b| b.targeting.as_str()),
            bank.and_then(|b| b.redemption_eligibility.as_deref()),
        ];
        for (column, value) in texts.iter_mut().zip(values) {
            column.push(value);
        }
        let values = [
            bank.map(|b| b.created_on.micros()),
            bank.map(|b| b.enrollment_start.micros()),
            bank.and_then(|b| b.enrollment_end).map(|t| t.micros()),
        ];
        for (column, value) in dates.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let tests: Vec<bool> = customers.iter().map(|c| c.test_customer).collect();
    let created_at: Vec<i64> = customers.iter().map(|c| c.entity.at.micros()).collect();
    let mut params = vec![Param::Text(&ctx.tenant)];
    params.extend(opt_texts(&texts[..8]));
    params.push(Param::Bools(&tests));
    params.extend(opt_texts(&texts[8..9]));
    params.push(Param::I64s(&created_at));
    params.push(Param::I64s(&updated_at));
    params.push(Param::OptI64s(&numbers));
    params.extend(opt_texts(&texts[9..12]));
    params.extend(dates.iter().map(|c| Param::OptI64s(c)));
    params.extend(opt_texts(&texts[12..]));
    params.push(Param::Text(&ctx.actor));
    params.push(Param::OptI64s(&counters));
    let rows = conn
        .query(&INSERT, &params, |row| {
            let id = row.text(0)?;
            Ok(match (row.opt_text(2)?, row.opt_text(3)?) {
                (Some(kind), Some(object)) => Inserted::Waited {
                    customer: id,
                    kind,
                    object,
                },
                _ => Inserted::Customer {
                    id,
                    parent: row.opt_text(1)?,
                },
            })
        })
        .await?;
    let mut stored_parent: HashMap<String, Option<String>> = HashMap::new();
    let mut waited: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for row in rows {
        match row {
            Inserted::Customer { id, parent } => {
                stored_parent.insert(id, parent);
            }
            Inserted::Waited {
                customer,
                kind,
                object,
            } => waited.entry(customer).or_default().push((kind, object)),
        }
    }
    if let Some(item) = customers
        .iter()
        .position(|c| !stored_parent.contains_key(&c.entity.id))
    {
        return Ok(Err(Refusal::Taken {
            key: UniqueKey::ExternalId(Kind::Customer),
            item,
        }));
    }
    set_parents(conn, batch, &in_batch).await?;
    let mut linked: HashMap<String, Vec<(Kind, String)>> = HashMap::new();
    for c in customers
        .iter()
        .filter(|c| waited.contains_key(&c.entity.id))
    {
        let id = &c.entity.id;
        let made = pending::link_waiting(conn, ctx, id, &waited[id]).await?;
        linked.insert(id.clone(), made);
    }
    if conn.dialect().locks_rows() {
        // Links a writer committed that the insert's snapshot could not see.
        let stored: Vec<(&str, &str)> = customers
            .iter()
            .filter_map(|c| Some((c.entity.id.as_str(), c.entity.external_id.as_deref()?)))
            .collect();
        for (id, more) in gates::take_all_again(conn, ctx, &stored).await? {
            let all = linked.entry(id).or_default();
            for object in more {
                if !all.contains(&object) {
                    all.push(object);
                }
            }
        }
    }
    let mut records = Vec::with_capacity(customers.len());
    for (i, c) in customers.iter().enumerate() {
        let parent = match in_batch[i] {
            Some(j) => Some(Link {
                id: customers[j].entity.id.clone(),
                external_id: customers[j].entity.external_id.clone(),
            }),
            None => stored_parent[&c.entity.id].clone().map(|id| Link {
                id,
                external_id: c.awaited_parent.clone(),
            }),
        };
        let mut common = c.entity.stored();
        common.updated_at = crate::domain::time::Timestamp::from_micros(updated_at[i]);
        let object = Record::Customer(CustomerRecord {
            common,
            test_customer: c.test_customer,
            awaited_parent: c.awaited_parent.clone().filter(|_| parent.is_none()),
            parent,
            bank: c.bank.clone(),
            number: c.number.map(|n| n.number),
            contact: None,
        });
        let took = linked.remove(&c.entity.id).unwrap_or_default();
        records.push(Created {
            linked: pending::read_linked(conn, &ctx.tenant, &took).await?,
            ..Created::new(object, Vec::new())
        });
    }
    Ok(Ok(records))
}

/// A column per vector, each bound as one array.
fn opt_texts<'p>(columns: &'p [Vec<Option<&'p str>>]) -> impl Iterator<Item = Param<'p>> {
    columns.iter().map(|c| Param::OptTexts(c))
}

/// Links each customer to its parent within the batch, in one statement.
async fn set_parents<C: Conn>(
    conn: &C,
    batch: &BankBatch<'_>,
    in_batch: &[Option<usize>],
) -> Result<()> {
    let (children, parents): (Vec<String>, Vec<String>) = in_batch
        .iter()
        .enumerate()
        .filter_map(|(i, parent)| {
            let parent = batch.customers[(*parent)?];
            Some((
                batch.customers[i].entity.id.clone(),
                parent.entity.id.clone(),
            ))
        })
        .unzip();
    if children.is_empty() {
        return Ok(());
    }
    let params = [Param::Texts(&children), Param::Texts(&parents)];
    conn.exec(&SET_PARENTS, &params).await.map(drop)
}
