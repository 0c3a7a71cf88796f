//! Native customer creates that wait at the same moment, written as one group where a
//! statement is a round trip (PostgreSQL): every claim and every customer, the links that
//! awaited it and its gate, in one statement ([`INSERT`]); every event and every kept
//! answer in another ([`FINISH`]). Each create still gets the answer
//! it would get alone: the unique indexes decide, and `ON CONFLICT DO NOTHING` skips only
//! the row of the create whose claim or external id is taken (by a commit elsewhere, or by
//! an earlier create of the same group), so a duplicate aborts none of its neighbours.
//!
//! Only creates with nothing to look up or link before their insert are grouped: no
//! parent, none awaited, no bank profile, no contact data. What is rare stays a statement
//! of its own, as for a create alone: links that awaited a customer, and a gate held by a
//! link writer ([`gates`]).

use std::collections::HashMap;

use super::customers::number_columns;
use super::{attributes_json, events, gates, idempotency, pending, Conn, Param, Row, Statement};
use crate::domain::customer::NewCustomer;
use crate::domain::object::{NewObject, OnExisting};
use crate::domain::outcome::{Created, Written};
use crate::domain::records::{CustomerRecord, Record};
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::Kind;
use crate::store::{Executed, Outcome, Rendered, Result, Write, WriteCtx};

/// Whether a write may join a group: a native create of one customer that needs nothing
/// but its own rows.
pub(crate) fn groupable(write: &Write) -> bool {
    matches!(
        write,
        Write::Create(objects) if matches!(
            objects.as_slice(),
            [NewObject::Customer(c)] if c.on_existing == OnExisting::Refuse
                && c.parent.is_none()
                && c.awaited_parent.is_none()
                && c.bank.is_none()
                && c.contact.is_none()
        )
    )
}

/// The customer a [`groupable`] write creates.
pub(crate) fn customer(write: &Write) -> Option<&NewCustomer> {
    match write {
        Write::Create(objects) => match objects.as_slice() {
            [NewObject::Customer(c)] => Some(c),
            _ => None,
        },
        _ => None,
    }
}

/// A claim's identity: two creates of one group must not share one, or the second would
/// find the first's claim unanswered; it waits for the group's commit and replays.
pub(crate) fn claim_key(ctx: &WriteCtx) -> Option<(&str, &str, &str)> {
    let claim = ctx.claim.as_ref()?;
    Some((
        ctx.tenant.as_str(),
        claim.scope.as_str(),
        claim.key.as_str(),
    ))
}

/// One create of a group.
pub(crate) struct Member<'a> {
    pub(crate) ctx: &'a WriteCtx,
    pub(crate) customer: &'a NewCustomer,
}

/// `$1`… one array per column of `n`, an element per create, in the group's order. It
/// returns a row per create that went in (`f`: its claim was made, or it had none), per
/// customer stored (`c`, with whether its gate was clear) and per link that waited for
/// one (`p`), each with the create's ordinal.
pub(crate) static INSERT: Statement = Statement::new(
    "WITH n AS ( \
         SELECT * FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[], \
             $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], \
             $12::TEXT[], $13::TEXT[], $14::TEXT[], $15::BOOL[], $16::BIGINT[], $17::BIGINT[], \
             $18::BIGINT[], $19::BIGINT[]) WITH ORDINALITY \
         AS n(tenant, scope, key, fingerprint, at, actor, id, external_id, profile, segment, \
             custom_name, custom_attributes, state, state_reason, test_customer, created_at, \
             number, gate, counter, ord)), \
     k AS ( \
         INSERT INTO idempotency (tenant_id, scope, key, fingerprint, created_at) \
         SELECT tenant, scope, key, fingerprint, at FROM n WHERE key IS NOT NULL \
         ORDER BY tenant, scope, key \
         ON CONFLICT DO NOTHING RETURNING tenant_id, scope, key), \
     f AS ( \
         SELECT * FROM n WHERE key IS NULL \
         UNION ALL SELECT n.* FROM n \
             JOIN k ON k.tenant_id = n.tenant AND k.scope = n.scope AND k.key = n.key), \
     c AS ( \
         INSERT INTO customers (id, tenant_id, external_id, profile, segment, custom_name, \
             custom_attributes, state, state_reason, test_customer, parent_id, created_at, \
             updated_at, number, created_by, first_state, first_reason, first_segment, \
             number_counter) \
         SELECT id, tenant, external_id, profile, segment, custom_name, custom_attributes, \
             state, state_reason, test_customer, NULL, created_at, created_at, number, actor, \
             state, state_reason, segment, counter \
         FROM f ORDER BY tenant, external_id, ord \
         ON CONFLICT (tenant_id, external_id) DO NOTHING RETURNING id), \
     m AS (SELECT f.* FROM f JOIN c ON c.id = f.id), \
     p AS ( \
         DELETE FROM pending_links w USING m \
         WHERE w.tenant_id = m.tenant AND w.source_customer_id = m.external_id \
         RETURNING m.ord, w.kind, w.object_id), \
     l AS MATERIALIZED ( \
         SELECT bucket, version FROM link_gates WHERE bucket IN (SELECT gate FROM m) \
         FOR SHARE SKIP LOCKED) \
     SELECT ord, 'f', NULL, NULL, NULL::BOOL FROM f \
     UNION ALL SELECT ord, 'c', NULL, NULL, \
         (SELECT version FROM l WHERE l.bucket = m.gate) IS NOT DISTINCT FROM \
         (SELECT version FROM link_gates WHERE bucket = m.gate) FROM m \
     UNION ALL SELECT ord, 'p', kind, object_id, NULL FROM p",
);

/// The columns of [`INSERT`]; texts bind as arrays of optional text, whether or not
/// the column has NULLs.
pub(crate) struct Columns<'a> {
    texts: [Vec<Option<&'a str>>; 12],
    attributes: Vec<String>,
    at: Vec<i64>,
    tests: Vec<bool>,
    created_at: Vec<i64>,
    numbers: Vec<Option<i64>>,
    gates: Vec<Option<i64>>,
    counters: Vec<Option<i64>>,
}

impl<'a> Columns<'a> {
    pub(crate) fn of(members: &[Member<'a>]) -> Result<Self> {
        let (numbers, counters) = members
            .iter()
            .map(|m| number_columns(m.customer.number))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        let mut texts: [Vec<Option<&'a str>>; 12] = Default::default();
        for Member { ctx, customer } in members {
            let (claim, e) = (ctx.claim.as_ref(), &customer.entity);
            let values = [
                Some(ctx.tenant.as_str()),
                claim.map(|c| c.scope.as_str()),
                claim.map(|c| c.key.as_str()),
                claim.map(|c| c.fingerprint.as_str()),
                Some(ctx.actor.as_str()),
                Some(e.id.as_str()),
                e.external_id.as_deref(),
                e.profile.as_deref(),
                e.segment.as_deref(),
                e.custom_name.as_deref(),
                Some(e.state.state.as_str()),
                Some(e.state.state_reason.as_str()),
            ];
            for (column, value) in texts.iter_mut().zip(values) {
                column.push(value);
            }
        }
        let entities = || members.iter().map(|m| &m.customer.entity);
        Ok(Self {
            texts,
            attributes: entities()
                .map(|e| attributes_json(&e.custom_attributes))
                .collect::<Result<_>>()?,
            at: members.iter().map(|m| m.ctx.at.micros()).collect(),
            tests: members.iter().map(|m| m.customer.test_customer).collect(),
            created_at: entities().map(|e| e.at.micros()).collect(),
            numbers,
            counters,
            gates: members
                .iter()
                .map(|m| {
                    let external_id = m.customer.entity.external_id.as_deref()?;
                    Some(gates::bucket(&m.ctx.tenant, external_id))
                })
                .collect(),
        })
    }

    pub(crate) fn params(&self) -> [Param<'_>; 19] {
        let t = |i: usize| Param::OptTexts(&self.texts[i]);
        [
            t(0),
            t(1),
            t(2),
            t(3),
            Param::I64s(&self.at),
            t(4),
            t(5),
            t(6),
            t(7),
            t(8),
            t(9),
            Param::Texts(&self.attributes),
            t(10),
            t(11),
            Param::Bools(&self.tests),
            Param::I64s(&self.created_at),
            Param::OptI64s(&self.numbers),
            Param::OptI64s(&self.gates),
            Param::OptI64s(&self.counters),
        ]
    }
}

/// One row of [`INSERT`].
pub(crate) struct Inserted {
    /// The create's index in the group.
    item: usize,
    what: What,
}

enum What {
    WentIn,
    Stored { clear: bool },
    Waited { kind: String, object: String },
}

pub(crate) fn inserted(row: &dyn Row) -> Result<Inserted> {
    let ordinal = row.i64(0)?;
    let item = usize::try_from(ordinal - 1).map_err(super::corrupt)?;
    let what = match row.text(1)?.as_str() {
        "f" => What::WentIn,
        "c" => What::Stored {
            clear: row.opt_bool(4)?.unwrap_or(false),
        },
        _ => What::Waited {
            kind: row.text(2)?,
            object: row.text(3)?,
        },
    };
    Ok(Inserted { item, what })
}

/// What became of one create of the group once its rows are written.
pub(crate) enum Settled {
    /// Its key was used before: the answer of that use (or why there is none).
    Earlier(Executed),
    /// It ran now: stored, or refused for its external id.
    Ran(Outcome),
}

/// What each create's insert came to, read from [`INSERT`]'s rows: the earlier use of a
/// key taken, the refusal of an external id taken, and for each customer stored the links
/// it takes (a statement more each, as alone) and its record.
pub(crate) async fn settle<C: Conn>(
    conn: &C,
    members: &[Member<'_>],
    rows: Vec<Inserted>,
) -> Result<Vec<Settled>> {
    let mut went_in = vec![false; members.len()];
    let mut stored: HashMap<usize, bool> = HashMap::new();
    let mut waited: HashMap<usize, Vec<(String, String)>> = HashMap::new();
    for row in rows {
        match row.what {
            What::WentIn => *went_in.get_mut(row.item).ok_or_else(|| stray(row.item))? = true,
            What::Stored { clear } => {
                stored.insert(row.item, clear);
            }
            What::Waited { kind, object } => {
                waited.entry(row.item).or_default().push((kind, object));
            }
        }
    }
    let mut settled = Vec::with_capacity(members.len());
    for (item, member) in members.iter().enumerate() {
        let ctx = member.ctx;
        if !went_in[item] {
            let claim = ctx.claim.as_ref().ok_or_else(|| stray(item))?;
            let earlier = idempotency::earlier(conn, &ctx.tenant, claim).await?;
            settled.push(Settled::Earlier(earlier));
            continue;
        }
        let Some(&clear) = stored.get(&item) else {
            settled.push(Settled::Ran(Err(Refusal::Taken {
                key: UniqueKey::ExternalId(Kind::Customer),
                item: 0,
            })));
            continue;
        };
        let new = member.customer;
        let id = &new.entity.id;
        let waiting = waited.remove(&item).unwrap_or_default();
        let mut linked = pending::link_waiting(conn, ctx, id, &waiting).await?;
        // A link writer held the gate, or moved it: what it committed is taken now.
        if let (false, Some(external_id)) = (clear, &new.entity.external_id) {
            for more in gates::take_again(conn, ctx, id, external_id).await? {
                if !linked.contains(&more) {
                    linked.push(more);
                }
            }
        }
        let object = Record::Customer(CustomerRecord {
            common: new.entity.stored(),
            test_customer: new.test_customer,
            parent: None,
            awaited_parent: None,
            bank: None,
            number: new.number.map(|n| n.number),
            contact: None,
        });
        let mut created = [Created {
            linked: pending::read_linked(conn, &ctx.tenant, &linked).await?,
            ..Created::new(object, Vec::new())
        }];
        pending::refresh(conn, &ctx.tenant, &mut created).await?;
        settled.push(Settled::Ran(Ok(Written::Created(created.into()))));
    }
    Ok(settled)
}

fn stray(item: usize) -> crate::store::StoreError {
    super::corrupt(format!(
        "a grouped insert answered for create {item}, which it had not"
    ))
}

/// Every event of the group and every answer it keeps, in one statement: `$1`…`$8` the
/// events, in the group's order; `$9`…`$16` the answers, each naming (`$16`) the event
/// whose data is its body, kept once, in the event.
pub(crate) static FINISH: Statement = Statement::new(
    "WITH e AS ( \
         INSERT INTO events (tenant_id, type, entity, entity_id, actor, at, data, event_id, \
             tenant_seq) \
         SELECT t.tenant, t.type, t.entity, t.entity_id, t.actor, t.at, t.data, t.event_id, NULL \
         FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], \
             $6::BIGINT[], $7::TEXT[], $8::TEXT[]) WITH ORDINALITY \
         AS t(tenant, type, entity, entity_id, actor, at, data, event_id, n) \
         ORDER BY t.n RETURNING id, event_id), \
     k AS ( \
         UPDATE idempotency i SET status = a.status, body = a.body, location = a.location, \
             content_type = a.content_type, \
             body_event = (SELECT id FROM e WHERE e.event_id = a.shared) \
         FROM unnest($9::TEXT[], $10::TEXT[], $11::TEXT[], $12::INT[], $13::BYTEA[], \
             $14::TEXT[], $15::TEXT[], $16::TEXT[]) \
         AS a(tenant, scope, key, status, body, location, content_type, shared) \
         WHERE i.tenant_id = a.tenant AND i.scope = a.scope AND i.key = a.key RETURNING 1) \
     SELECT (SELECT count(*) FROM e), (SELECT count(*) FROM k)",
);

/// The columns of [`FINISH`].
#[derive(Default)]
pub(crate) struct Kept<'a> {
    /// Per event: tenant, type, entity, entity id, actor, data.
    events: [Vec<Option<&'a str>>; 6],
    at: Vec<i64>,
    event_ids: Vec<String>,
    /// Per answer: tenant, scope, key, location, content type.
    answers: [Vec<Option<&'a str>>; 5],
    statuses: Vec<i32>,
    bodies: Vec<&'a [u8]>,
    /// The id of the event whose data is the body, or the empty string, which none has.
    shared: Vec<String>,
}

impl<'a> Kept<'a> {
    /// Adds a create's events, and its answer when it has a claim.
    pub(crate) fn add(&mut self, ctx: &'a WriteCtx, rendered: &'a Rendered) {
        let answer = &rendered.answer;
        let mut shared = None;
        for event in &rendered.events {
            let event_id = events::new_event_id();
            if shared.is_none() && event.data.as_bytes() == answer.body.as_slice() {
                shared = Some(event_id.clone());
            }
            let values = [
                &ctx.tenant,
                &event.event_type,
                &event.entity,
                &event.entity_id,
                &ctx.actor,
                &event.data,
            ];
            for (column, value) in self.events.iter_mut().zip(values) {
                column.push(Some(value.as_str()));
            }
            self.at.push(ctx.at.micros());
            self.event_ids.push(event_id);
        }
        let Some(claim) = &ctx.claim else {
            return;
        };
        let values = [
            Some(ctx.tenant.as_str()),
            Some(claim.scope.as_str()),
            Some(claim.key.as_str()),
            answer.location.as_deref(),
            Some(answer.content_type.as_str()),
        ];
        for (column, value) in self.answers.iter_mut().zip(values) {
            column.push(value);
        }
        self.statuses.push(i32::from(answer.status));
        self.bodies.push(match shared {
            Some(_) => &[],
            None => &answer.body,
        });
        self.shared.push(shared.unwrap_or_default());
    }

    /// Whether there is anything to write.
    pub(crate) fn is_empty(&self) -> bool {
        self.event_ids.is_empty() && self.statuses.is_empty()
    }

    pub(crate) fn params(&self) -> [Param<'_>; 16] {
        let e = |i: usize| Param::OptTexts(&self.events[i]);
        let a = |i: usize| Param::OptTexts(&self.answers[i]);
        [
            e(0),
            e(1),
            e(2),
            e(3),
            e(4),
            Param::I64s(&self.at),
            e(5),
            Param::Texts(&self.event_ids),
            a(0),
            a(1),
            a(2),
            Param::I32s(&self.statuses),
            Param::Blobs(&self.bodies),
            a(3),
            a(4),
            Param::Texts(&self.shared),
        ]
    }
}
