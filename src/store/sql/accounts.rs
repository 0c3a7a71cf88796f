//! Accounts: their rows, their owners, and creating one for a customer that exists or is
//! created with it.

use super::references::resolve_live;
use super::{attributes_json, common, customers, history, taken, Conn, Row, Statement, Step};
use super::{must_exist, read_one, WHERE_ONE};
use crate::domain::account::{NewAccount, Owner};
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::{AccountRecord, Link, Ownership, Record};
use crate::domain::Kind;
use crate::store::{Result, WriteCtx};

pub(crate) const SELECT: &str = concat!("SELECT ", common_columns!(), " FROM accounts x");
static ONE: Statement = Statement::prefixed(SELECT, WHERE_ONE);

/// One account, owners included.
pub(crate) async fn read<C: Conn>(conn: &C, tenant: &str, id: &str) -> Result<Option<Record>> {
    let mut found: Vec<Record> = read_one(conn, &ONE, decode, tenant, id)
        .await?
        .into_iter()
        .collect();
    with_owners(conn, &mut found).await?;
    Ok(found.pop())
}

/// An account without its owners, which [`with_owners`] reads.
pub(crate) fn decode(row: &dyn Row) -> Result<Record> {
    Ok(Record::Account(AccountRecord {
        common: common(row)?,
        owners: Vec::new(),
    }))
}

macro_rules! owners_where {
    ($account:literal) => {
        concat!(
            "SELECT o.account_id, o.customer_id, c.external_id, o.is_primary \
             FROM account_owners o JOIN customers c ON c.id = o.customer_id \
             WHERE o.account_id ",
            $account,
            " ORDER BY o.is_primary DESC, o.customer_id"
        )
    };
}

static OWNERS: Statement = Statement::new(owners_where!("= $1"));
static OWNERS_OF_PAGE: Statement = Statement::new(owners_where!("= ANY($1)"));

fn ownership(row: &dyn Row) -> Result<(String, Ownership)> {
    Ok((
        row.text(0)?,
        Ownership {
            customer: Link {
                id: row.text(1)?,
                external_id: row.opt_text(2)?,
            },
            primary: row.bool(3)?,
        },
    ))
}

/// Fills in the owners of every account of a page: in one query where arrays bind, else
/// one per account.
pub(crate) async fn with_owners<C: Conn>(conn: &C, records: &mut [Record]) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    if conn.dialect().binds_arrays() {
        let ids: Vec<String> = records.iter().map(|r| r.id().to_owned()).collect();
        let owners = conn
            .query(&OWNERS_OF_PAGE, params![ids.as_slice()], ownership)
            .await?;
        for record in records.iter_mut() {
            if let Record::Account(account) = record {
                account.owners = owners
                    .iter()
                    .filter(|(of, _)| *of == account.common.id)
                    .map(|(_, owner)| owner.clone())
                    .collect();
            }
        }
    } else {
        for record in records.iter_mut() {
            if let Record::Account(account) = record {
                let owners = conn
                    .query(&OWNERS, params![&account.common.id], ownership)
                    .await?;
                account.owners = owners.into_iter().map(|(_, owner)| owner).collect();
            }
        }
    }
    Ok(())
}

static INSERT: Statement = Statement::new(
    "INSERT INTO accounts (id, tenant_id, external_id, profile, segment, custom_name, \
         custom_attributes, state, state_reason, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
);
static INSERT_PRIMARY_OWNER: Statement = Statement::new(
    "INSERT INTO account_owners (account_id, customer_id, is_primary) VALUES ($1, $2, TRUE)",
);

/// Creates an account (item `item` of the write) and its primary ownership; its parents
/// are the owner when the write created it.
pub(crate) async fn create<C: Conn>(
    conn: &C,
    ctx: &WriteCtx,
    new: &NewAccount,
    item: usize,
) -> Step<Created> {
    let (owner, parents) = match &new.owner {
        Owner::Existing(reference) => {
            let at = (Field::Customer, item);
            let owner =
                accept!(resolve_live(conn, Kind::Customer, &ctx.tenant, reference, at).await?);
            (owner.id, Vec::new())
        }
        Owner::Create(customer) => {
            let made = accept!(Box::pin(customers::create(conn, ctx, customer, item)).await?);
            (made.object.id().to_owned(), vec![made.object])
        }
    };
    let e = &new.entity;
    let attributes = attributes_json(&e.custom_attributes)?;
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
                e.at,
            ],
        )
        .await?;
    accept!(taken(inserted, item));
    conn.exec(&INSERT_PRIMARY_OWNER, params![&e.id, &owner])
        .await?;
    history::record_created(conn, ctx, Kind::Account, e).await?;
    let object = must_exist(read(conn, &ctx.tenant, &e.id).await?, Kind::Account, &e.id)?;
    Ok(Ok(Created { object, parents }))
}
