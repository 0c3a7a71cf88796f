//! A bank `PUT`'s customers: locked and read in one statement, their new parents found
//! (and whether a circle could close) in another, and every change written by a third.
//! Each customer's bank profile and parent become what was sent, as
//! the per-row path (`sql::customer_updates`) makes them one at a time; one sent as stored writes nothing.

use std::collections::HashMap;

use super::updates::UpdateBatch;
use crate::domain::customer::NewCustomer;
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::{CustomerRecord, Link, Record};
use crate::domain::refusal::Refusal;
use crate::domain::state::State;
use crate::store::sql::bank::alert_opt_ins_json;
use crate::store::sql::customer_updates::has_parent;
use crate::store::sql::{contacts, customers, Conn, Param, Statement, Step};
use crate::store::{Result, WriteCtx};

/// Locked for update in one order, so two batches naming the same customers wait for each
/// other rather than deadlock.
static STORED: Statement = Statement::prefixed(
    customers::SELECT,
    " WHERE x.tenant_id = $1 AND x.external_id = ANY($2) ORDER BY x.id FOR UPDATE OF x",
);

/// For each customer `$2` whose parent is to be the one stored under the external id `$4`
/// (its parent now being `$3`): that parent's id, if stored, and whether a circle could
/// close. Linking X under P closes one only if, after the batch, X is among P's ancestors;
/// following P's links up to the first customer the batch moves, that customer is among P's
/// stored ancestors. So none can close unless a customer moved under a new parent is such
/// an ancestor of a new parent (or awaits a customer of the batch, `$5`, as its parent). A
/// link that stays is no new link.
static PARENTS: Statement = Statement::new(
    "WITH RECURSIVE v AS ( \
         SELECT v.child, v.stored, p.id AS parent \
         FROM unnest($2::TEXT[], $3::TEXT[], $4::TEXT[]) AS v(child, stored, ext) \
         LEFT JOIN customers p ON p.tenant_id = $1 AND p.external_id = v.ext), \
     moved AS (SELECT child, parent FROM v \
         WHERE parent IS NOT NULL AND parent IS DISTINCT FROM stored), \
     up(id) AS ( \
         SELECT parent FROM moved \
         UNION \
         SELECT c.parent_id FROM customers c JOIN up ON c.id = up.id \
         WHERE c.parent_id IS NOT NULL) \
     SELECT child, parent, EXISTS ( \
         SELECT 1 FROM up WHERE id IN (SELECT child FROM moved) OR id IN ( \
             SELECT object_id FROM pending_links \
             WHERE tenant_id = $1 AND kind = 'parent' AND source_customer_id = ANY($5))) \
     FROM v",
);

/// Every change at once: `$1`… each changed customer's id, parent (NULL when none is
/// stored) and the parent it awaits instead, `$4` the tenant, `$5` the time; `$6`… the bank
/// profiles that changed, by customer. An awaited parent that stays is neither deleted nor
/// inserted, so no row is touched twice.
static WRITE: Statement = Statement::new(
    "WITH v AS (SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[]) AS v(id, parent, awaited)), \
     u AS (UPDATE customers c SET parent_id = v.parent, updated_at = $5 FROM v WHERE c.id = v.id), \
     f AS ( \
         DELETE FROM pending_links l USING v \
         WHERE l.object_id = v.id AND l.kind = 'parent' \
             AND l.source_customer_id IS DISTINCT FROM v.awaited), \
     w AS ( \
         INSERT INTO pending_links (tenant_id, source_customer_id, kind, object_id) \
         SELECT $4, awaited, 'parent', id FROM v WHERE awaited IS NOT NULL \
         ON CONFLICT DO NOTHING), \
     b AS ( \
         INSERT INTO bank_customers (customer_id, organization_id, postal_code, country, \
             created_on, enrollment_start, enrollment_end, enrollment_opt_in, alert_opt_ins, \
             targeting, redemption_eligibility) \
         SELECT * FROM unnest($6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::BIGINT[], \
             $11::BIGINT[], $12::BIGINT[], $13::TEXT[], $14::TEXT[], $15::TEXT[], $16::TEXT[]) \
         ON CONFLICT (customer_id) DO UPDATE SET organization_id = excluded.organization_id, \
             postal_code = excluded.postal_code, country = excluded.country, \
             created_on = excluded.created_on, enrollment_start = excluded.enrollment_start, \
             enrollment_end = excluded.enrollment_end, \
             enrollment_opt_in = excluded.enrollment_opt_in, \
             alert_opt_ins = excluded.alert_opt_ins, targeting = excluded.targeting, \
             redemption_eligibility = excluded.redemption_eligibility) \
     SELECT count(*) FROM v",
);

/// What the update makes of a stored customer that changes.
struct Change {
    /// The parent's id, when the parent sent is stored.
    parent: Option<String>,
    profile: bool,
}

struct Item<'a> {
    new: &'a NewCustomer,
    stored: CustomerRecord,
    change: Option<Change>,
}

/// The batch's customers as stored, each with its change, if any.
pub(super) struct Planned<'a> {
    items: Vec<Item<'a>>,
    stored: HashMap<String, (String, State)>,
}

impl Planned<'_> {
    /// Each customer's id and state, by external id.
    pub(super) fn stored(&self) -> &HashMap<String, (String, State)> {
        &self.stored
    }
}

fn external_id(c: &NewCustomer) -> &str {
    c.entity.external_id.as_deref().unwrap_or_default()
}

/// Locks and reads the batch's customers and decides what changes; refuses the first
/// customer not stored or DEACTIVATED; `None` when a link could close a circle.
pub(super) async fn plan<'a, C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    batch: &UpdateBatch<'a>,
) -> Step<Option<Planned<'a>>> {
    let tenant = &ctx.tenant;
    let wanted: Vec<String> = batch
        .customers
        .iter()
        .map(|c| external_id(c).to_owned())
        .collect();
    let mut records = conn
        .query(
            &STORED,
            &[Param::Text(tenant), Param::Texts(&wanted)],
            |row| customers::decode(row),
        )
        .await?;
    contacts::complete(conn, &mut records).await?;
    let mut by_external_id: HashMap<String, CustomerRecord> = HashMap::new();
    for record in records {
        if let Record::Customer(c) = record {
            if let Some(x) = c.common.external_id.clone() {
                by_external_id.insert(x, c);
            }
        }
    }
    let mut items = Vec::with_capacity(batch.customers.len());
    let mut refused = None;
    for (i, &new) in batch.customers.iter().enumerate() {
        let field = Field::ExternalId;
        let Some(stored) = by_external_id.get(external_id(new)) else {
            refused = Some(Refusal::NotFound { field, item: i });
            break;
        };
        if stored.common.state.state == State::Deactivated {
            refused = Some(Refusal::ReferenceTerminal { field, item: i });
            break;
        }
        let profile = new.bank.is_some() && new.bank != stored.bank;
        let same_parent = has_parent(stored, new.awaited_parent.as_deref());
        let change = (profile || !same_parent).then_some(Change {
            parent: None,
            profile,
        });
        items.push(Item {
            new,
            stored: stored.clone(),
            change,
        });
    }
    // A circle an earlier item closes is refused before a later item's refusal.
    if !accept!(find_parents(conn, tenant, batch, &mut items).await?) {
        return Ok(Ok(None));
    }
    if let Some(refused) = refused {
        return Ok(Err(refused));
    }
    let stored = items
        .iter()
        .map(|item| {
            let c = &item.stored.common;
            (
                external_id(item.new).to_owned(),
                (c.id.clone(), c.state.state),
            )
        })
        .collect();
    Ok(Ok(Some(Planned { items, stored })))
}

/// Finds the parent of each customer that changes and names one; whether no circle can
/// close (else the per-row path checks each link).
async fn find_parents<C: Conn>(
    conn: &C,
    tenant: &str,
    batch: &UpdateBatch<'_>,
    items: &mut [Item<'_>],
) -> Step<bool> {
    let mut children: Vec<String> = Vec::new();
    let mut stored: Vec<Option<&str>> = Vec::new();
    let mut sent: Vec<Option<&str>> = Vec::new();
    for item in items.iter() {
        let Some(parent) = item.new.awaited_parent.as_deref() else {
            continue;
        };
        if item.change.is_some() {
            children.push(item.stored.common.id.clone());
            stored.push(item.stored.parent.as_ref().map(|p| p.id.as_str()));
            sent.push(Some(parent));
        }
    }
    if children.is_empty() {
        return Ok(Ok(true));
    }
    let ours: Vec<String> = batch
        .customers
        .iter()
        .map(|c| external_id(c).to_owned())
        .collect();
    let params = [
        Param::Text(tenant),
        Param::Texts(&children),
        Param::OptTexts(&stored),
        Param::OptTexts(&sent),
        Param::Texts(&ours),
    ];
    let rows = conn
        .query(&PARENTS, &params, |row| {
            Ok((row.text(0)?, row.opt_text(1)?, row.bool(2)?))
        })
        .await?;
    if rows.iter().any(|(_, _, may_close)| *may_close) {
        return Ok(Ok(false));
    }
    let parents: HashMap<String, Option<String>> =
        rows.into_iter().map(|(child, p, _)| (child, p)).collect();
    for item in items.iter_mut() {
        if let Some(change) = &mut item.change {
            change.parent = parents.get(&item.stored.common.id).cloned().flatten();
        }
    }
    Ok(Ok(true))
}

/// Writes every change in one statement; each customer as it is now.
pub(super) async fn write<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    planned: Planned<'_>,
) -> Result<Vec<Created>> {
    let changed: Vec<&Item> = planned
        .items
        .iter()
        .filter(|item| item.change.is_some())
        .collect();
    if !changed.is_empty() {
        write_changes(conn, ctx, &changed).await?;
    }
    let created = planned.items.into_iter().map(|item| {
        let Some(change) = item.change else {
            return Created::existing(Record::Customer(item.stored), Vec::new(), false);
        };
        let mut now = item.stored;
        let sent = item.new.awaited_parent.clone();
        now.common.updated_at = ctx.at;
        now.parent = change.parent.map(|id| Link {
            id,
            external_id: sent.clone(),
        });
        now.awaited_parent = sent.filter(|_| now.parent.is_none());
        if change.profile {
            now.bank = item.new.bank.clone();
        }
        Created::existing(Record::Customer(now), Vec::new(), true)
    });
    Ok(created.collect())
}

async fn write_changes<C: Conn>(conn: &C, ctx: &WriteCtx, changed: &[&Item<'_>]) -> Result<()> {
    let ids: Vec<String> = changed.iter().map(|i| i.stored.common.id.clone()).collect();
    let mut parents: Vec<Option<&str>> = Vec::new();
    let mut awaited: Vec<Option<&str>> = Vec::new();
    for item in changed {
        let parent = item.change.as_ref().and_then(|c| c.parent.as_deref());
        parents.push(parent);
        awaited.push(
            item.new
                .awaited_parent
                .as_deref()
                .filter(|_| parent.is_none()),
        );
    }
    let profiles: Vec<(&str, &crate::domain::bank::BankProfile)> = changed
        .iter()
        .filter(|i| i.change.as_ref().is_some_and(|c| c.profile))
        .filter_map(|i| Some((i.stored.common.id.as_str(), i.new.bank.as_ref()?)))
        .collect();
    let alerts = profiles
        .iter()
        .map(|(_, p)| alert_opt_ins_json(p))
        .collect::<Result<Vec<_>>>()?;
    // The profile's columns: its customer and seven texts; then three dates.
    let mut texts: [Vec<Option<&str>>; 8] = Default::default();
    let mut dates: [Vec<Option<i64>>; 3] = Default::default();
    for (k, (id, p)) in profiles.iter().enumerate() {
        let values = [
            Some(*id),
            Some(p.organization_id.as_str()),
            Some(p.postal_code.as_str()),
            Some(p.country.as_str()),
            Some(p.enrollment_opt_in.as_str()),
            Some(alerts[k].as_str()),
            Some(p.targeting.as_str()),
            p.redemption_eligibility.as_deref(),
        ];
        for (column, value) in texts.iter_mut().zip(values) {
            column.push(value);
        }
        let values = [
            Some(p.created_on.micros()),
            Some(p.enrollment_start.micros()),
            p.enrollment_end.map(|t| t.micros()),
        ];
        for (column, value) in dates.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let mut params = vec![
        Param::Texts(&ids),
        Param::OptTexts(&parents),
        Param::OptTexts(&awaited),
        Param::Text(&ctx.tenant),
        Param::from(ctx.at),
    ];
    params.extend(texts[..4].iter().map(|c| Param::OptTexts(c)));
    params.extend(dates.iter().map(|c| Param::OptI64s(c)));
    params.extend(texts[4..].iter().map(|c| Param::OptTexts(c)));
    conn.query_one(&WRITE, &params, |row| row.i64(0))
        .await
        .map(drop)
}
