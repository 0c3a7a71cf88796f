//! Accounts: their rows, their owners, bank fields, cards and awaited owners, and creating
//! one for a customer that exists or is created with it.

use super::bank::{self, account_columns};
use super::pending::{self, AWAITED_OWNERS, AWAITED_OWNERS_OF_PAGE};
use super::references::resolve_live;
use super::{attributes_json, cards, common, customers, taken, Conn, Row, Statement};
use super::{joint, must_exist, read_one, Step, WHERE_ONE};
use crate::domain::account::{NewAccount, Owner};
use crate::domain::object::OnExisting;
use crate::domain::outcome::Created;
use crate::domain::path::Field;
use crate::domain::records::{AccountRecord, Link, Ownership, Record};
use crate::domain::Kind;
use crate::store::{Result, WriteCtx};

pub(crate) const SELECT: &str = concat!(
    "SELECT ",
    common_columns!(),
    ", ",
    account_columns!(),
    " FROM accounts x LEFT JOIN bank_accounts ba ON ba.account_id = x.id"
);
static ONE: Statement = Statement::prefixed(SELECT, WHERE_ONE);

/// One account, owners, cards and awaited owners included.
pub(crate) async fn read<C: Conn>(conn: &C, tenant: &str, id: &str) -> Result<Option<Record>> {
    let mut found: Vec<Record> = read_one(conn, &ONE, decode, tenant, id)
        .await?
        .into_iter()
        .collect();
    complete(conn, &mut found).await?;
    Ok(found.pop())
}

/// An account without what [`complete`] reads.
pub(crate) fn decode(row: &dyn Row) -> Result<Record> {
    Ok(Record::Account(AccountRecord {
        common: common(row)?,
        owners: Vec::new(),
        awaited_owners: Vec::new(),
        bank: bank::account(row, 10)?,
        cards: Vec::new(),
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

/// Fills in what the accounts of a page keep outside their rows: owners, cards and awaited
/// owners.
pub(crate) async fn complete<C: Conn>(conn: &C, records: &mut [Record]) -> Result<()> {
    let (one, page) = (&OWNERS, &OWNERS_OF_PAGE);
    fill(conn, records, (one, page), ownership, |a, v| a.owners = v).await?;
    let (one, page) = (&cards::OF_ACCOUNT, &cards::OF_PAGE);
    fill(conn, records, (one, page), cards::card, |a, v| a.cards = v).await?;
    let (one, page) = (&AWAITED_OWNERS, &AWAITED_OWNERS_OF_PAGE);
    fill(conn, records, (one, page), pending::awaited, |a, v| {
        a.awaited_owners = v
    })
    .await
}

/// Reads rows of `(account id, value)` for every account of a page and hands each account
/// its values, in the order read: in one query where arrays bind, else one per account.
async fn fill<C: Conn, T: Clone>(
    conn: &C,
    records: &mut [Record],
    (one, page): (&Statement, &Statement),
    decode: fn(&dyn Row) -> Result<(String, T)>,
    set: fn(&mut AccountRecord, Vec<T>),
) -> Result<()> {
    if records.is_empty() {
        return Ok(());
    }
    if conn.dialect().binds_arrays() {
        let ids: Vec<String> = records.iter().map(|r| r.id().to_owned()).collect();
        let rows = conn.query(page, params![ids.as_slice()], decode).await?;
        for record in records.iter_mut() {
            if let Record::Account(account) = record {
                let values = rows
                    .iter()
                    .filter(|(of, _)| *of == account.common.id)
                    .map(|(_, value)| value.clone())
                    .collect();
                set(account, values);
            }
        }
    } else {
        for record in records.iter_mut() {
            if let Record::Account(account) = record {
                let rows = conn.query(one, params![&account.common.id], decode).await?;
                set(account, rows.into_iter().map(|(_, value)| value).collect());
            }
        }
    }
    Ok(())
}

macro_rules! insert_account {
    () => {
        "INSERT INTO accounts (id, tenant_id, external_id, profile, segment, custom_name, \
             custom_attributes, state, state_reason, created_at, updated_at, created_by, \
             first_state, first_reason, first_segment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $8, $9, $5)"
    };
}
static INSERT: Statement = Statement::new(insert_account!());
/// For an account that may join the one stored under its external id: a taken id inserts
/// nothing rather than failing, which would abort a PostgreSQL transaction. The unique
/// index still decides.
static INSERT_OR_SKIP: Statement = Statement::new(concat!(
    insert_account!(),
    " ON CONFLICT (tenant_id, external_id) DO NOTHING"
));
static INSERT_PRIMARY_OWNER: Statement = Statement::new(
    "INSERT INTO account_owners (account_id, customer_id, is_primary) VALUES ($1, $2, TRUE)",
);

/// Creates an account (item `item` of the write) and its primary ownership, or joins the
/// stored account it is another copy of; its parents are the owner when the write created
/// it.
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
        e.at,
        &ctx.actor,
    ];
    if new.on_existing != OnExisting::Refuse {
        if conn.exec(&INSERT_OR_SKIP, params).await? == 0 {
            return joint::join(conn, ctx, new, &owner, parents, item).await;
        }
    } else {
        accept!(taken(conn.exec_unique(&INSERT, params).await?, item));
    }
    conn.exec(&INSERT_PRIMARY_OWNER, params![&e.id, &owner])
        .await?;
    if let Some(fields) = &new.bank {
        bank::insert_account(conn, &e.id, fields).await?;
    }
    pending::link_owners(conn, &ctx.tenant, &e.id, &new.co_owners).await?;
    cards::add(conn, &ctx.tenant, &e.id, &new.cards).await?;
    let object = must_exist(read(conn, &ctx.tenant, &e.id).await?, Kind::Account, &e.id)?;
    Ok(Ok(Created::new(object, parents)))
}
