//! Subscribers: their rows, and creating one in an account that exists or is created with it.

use super::references::resolve_live;
use super::{accounts, attributes_json, common, taken, Conn, Row, Statement, Step};
use super::{must_exist, read_one, WHERE_ONE};
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::{Link, PrimaryResource, Record, SubscriberRecord};
use crate::domain::subscriber::{AccountOf, NewSubscriber};
use crate::domain::Kind;
use crate::store::{Result, WriteCtx};

pub(crate) const SELECT: &str = concat!(
    "SELECT ",
    common_columns!(),
    ", x.account_id, a.external_id, x.primary_resource_type, x.primary_resource \
     FROM subscribers x JOIN accounts a ON a.id = x.account_id"
);
pub(crate) static ONE: Statement = Statement::prefixed(SELECT, WHERE_ONE);

pub(crate) fn decode(row: &dyn Row) -> Result<Record> {
    let primary_resource = match (row.opt_text(12)?, row.opt_text(13)?) {
        (Some(resource_type), Some(value)) => Some(PrimaryResource {
            resource_type,
            value,
        }),
        _ => None,
    };
    Ok(Record::Subscriber(SubscriberRecord {
        common: common(row)?,
        account: Link {
            id: row.text(10)?,
            external_id: row.opt_text(11)?,
        },
        primary_resource,
    }))
}

static INSERT: Statement = Statement::new(
    "INSERT INTO subscribers (id, tenant_id, external_id, profile, segment, custom_name, \
         custom_attributes, state, state_reason, account_id, primary_resource_type, \
         primary_resource, created_at, updated_at, created_by, first_state, first_reason, \
         first_segment) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $8, $9, $5)",
);

/// Creates a subscriber (item `item` of the write); its parents are the account and the
/// customer the write created for it, the customer first.
pub(crate) async fn create<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    new: &NewSubscriber,
    item: usize,
) -> Step<Created> {
    let (account, parents) = match &new.account {
        AccountOf::Existing(reference) => {
            let at = (Field::Account, item);
            let account =
                accept!(resolve_live(conn, Kind::Account, &ctx.tenant, reference, at).await?);
            (account.id, Vec::new())
        }
        AccountOf::Create(account) => {
            let made = accept!(Box::pin(accounts::create(conn, ctx, account, item)).await?);
            let mut parents = made.parents;
            let id = made.object.id().to_owned();
            parents.push(made.object);
            (id, parents)
        }
    };
    let e = &new.entity;
    let attributes = attributes_json(&e.custom_attributes)?;
    let resource = new.primary_resource.as_ref();
    let inserted = conn
        .exec_unique(
            &INSERT,
            params![
                &e.id,
                &ctx.tenant,
                &e.external_id,
                &e.profile,
                &e.segment,
                &e.custom_name,
                &attributes,
                e.state.state,
                &e.state.state_reason,
                &account,
                resource.map(|r| r.resource_type.as_str()),
                resource.map(|r| r.value.as_str()),
                e.at,
                &ctx.actor,
            ],
        )
        .await?;
    accept!(taken(inserted, item));
    let found = read_one(conn, &ONE, decode, &ctx.tenant, &e.id).await?;
    let object = must_exist(found, Kind::Subscriber, &e.id)?;
    Ok(Ok(Created::new(object, parents)))
}
