//! What a bank says of a customer and of an account beyond the common model: one row beside
//! the object's own (`bank_customers`, `bank_accounts`), read with it by a LEFT JOIN, so an
//! object made by another door simply has none.

use super::{corrupt, Conn, Param, Row, Statement};
use crate::domain::bank::{BankAccount, BankProfile};
use crate::domain::time::Timestamp;
use crate::store::Result;

/// The profile's columns, in the order [`profile`] reads them, for a customers select that
/// joins `bank_customers b`.
macro_rules! profile_columns {
    () => {
        "b.organization_id, b.postal_code, b.country, b.created_on, b.enrollment_start, \
         b.enrollment_end, b.enrollment_opt_in, b.alert_opt_ins, b.targeting, \
         b.redemption_eligibility"
    };
}
pub(crate) use profile_columns;

/// The account's bank columns, in the order [`account`] reads them, for an accounts select
/// that joins `bank_accounts ba`.
macro_rules! account_columns {
    () => {
        "ba.status, ba.account_type, ba.portfolio, ba.opened_on, ba.closed_on"
    };
}
pub(crate) use account_columns;

/// The profile row's columns after `customer_id`, as an insert lists them.
macro_rules! profile_insert_columns {
    () => {
        "organization_id, postal_code, country, created_on, enrollment_start, enrollment_end, \
         enrollment_opt_in, alert_opt_ins, targeting, redemption_eligibility"
    };
}
pub(crate) use profile_insert_columns;

static INSERT_PROFILE: Statement = Statement::new(concat!(
    "INSERT INTO bank_customers (customer_id, ",
    profile_insert_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
));
/// An update's profile: the row as sent, whether or not the customer had one (a customer
/// made on another door has none).
static UPSERT_PROFILE: Statement = Statement::new(concat!(
    "INSERT INTO bank_customers (customer_id, ",
    profile_insert_columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
     ON CONFLICT (customer_id) DO UPDATE SET organization_id = excluded.organization_id, \
         postal_code = excluded.postal_code, country = excluded.country, \
         created_on = excluded.created_on, enrollment_start = excluded.enrollment_start, \
         enrollment_end = excluded.enrollment_end, \
         enrollment_opt_in = excluded.enrollment_opt_in, \
         alert_opt_ins = excluded.alert_opt_ins, targeting = excluded.targeting, \
         redemption_eligibility = excluded.redemption_eligibility"
));
macro_rules! insert_account {
    () => {
        "INSERT INTO bank_accounts (account_id, status, account_type, portfolio, opened_on, \
             closed_on) VALUES ($1, $2, $3, $4, $5, $6)"
    };
}
static INSERT_ACCOUNT: Statement = Statement::new(insert_account!());
/// An update's bank fields: as sent, whether or not the account had them.
static UPSERT_ACCOUNT: Statement = Statement::new(concat!(
    insert_account!(),
    " ON CONFLICT (account_id) DO UPDATE SET status = excluded.status, \
         account_type = excluded.account_type, portfolio = excluded.portfolio, \
         opened_on = excluded.opened_on, closed_on = excluded.closed_on"
));

/// Optional times (a bank's end and close dates) are microseconds or NULL.
impl From<Option<Timestamp>> for Param<'_> {
    fn from(value: Option<Timestamp>) -> Self {
        Param::OptI64(value.map(Timestamp::micros))
    }
}

pub(crate) fn opt_timestamp(row: &dyn Row, column: usize) -> Result<Option<Timestamp>> {
    Ok(row.opt_i64(column)?.map(Timestamp::from_micros))
}

/// The alert opt-ins as they are stored: a JSON array, the same text on both backends.
pub(crate) fn alert_opt_ins_json(profile: &BankProfile) -> Result<String> {
    serde_json::to_string(&profile.alert_opt_ins).map_err(corrupt)
}

/// The profile's ten values after the customer's id, in [`profile_insert_columns!`] order.
/// `alerts` is [`alert_opt_ins_json`] of it.
pub(crate) fn profile_params<'a>(profile: &'a BankProfile, alerts: &'a str) -> [Param<'a>; 10] {
    [
        Param::from(&profile.organization_id),
        Param::from(&profile.postal_code),
        Param::from(&profile.country),
        Param::from(profile.created_on),
        Param::from(profile.enrollment_start),
        Param::from(profile.enrollment_end),
        Param::from(&profile.enrollment_opt_in),
        Param::Text(alerts),
        Param::from(&profile.targeting),
        Param::from(&profile.redemption_eligibility),
    ]
}

/// [`profile_params`] of no profile: NULLs, each of its column's type, as PostgreSQL binds
/// them.
pub(crate) fn no_profile_params() -> [Param<'static>; 10] {
    let (text, time) = (Param::OptText(None), Param::OptI64(None));
    [text, text, text, time, time, time, text, text, text, text]
}

pub(crate) async fn insert_profile<C: Conn>(
    conn: &C,
    customer: &str,
    profile: &BankProfile,
) -> Result<()> {
    write_profile(conn, &INSERT_PROFILE, customer, profile).await
}

/// The customer's profile becomes `profile`, made if it had none.
pub(crate) async fn upsert_profile<C: Conn>(
    conn: &C,
    customer: &str,
    profile: &BankProfile,
) -> Result<()> {
    write_profile(conn, &UPSERT_PROFILE, customer, profile).await
}

async fn write_profile<C: Conn>(
    conn: &C,
    statement: &Statement,
    customer: &str,
    profile: &BankProfile,
) -> Result<()> {
    let alerts = alert_opt_ins_json(profile)?;
    let mut params = vec![Param::Text(customer)];
    params.extend(profile_params(profile, &alerts));
    conn.exec(statement, &params).await.map(drop)
}

pub(crate) async fn insert_account<C: Conn>(
    conn: &C,
    account: &str,
    bank: &BankAccount,
) -> Result<()> {
    write_account(conn, &INSERT_ACCOUNT, account, bank).await
}

/// The account's bank fields become `bank`, made if it had none.
pub(crate) async fn upsert_account<C: Conn>(
    conn: &C,
    account: &str,
    bank: &BankAccount,
) -> Result<()> {
    write_account(conn, &UPSERT_ACCOUNT, account, bank).await
}

async fn write_account<C: Conn>(
    conn: &C,
    statement: &Statement,
    account: &str,
    bank: &BankAccount,
) -> Result<()> {
    let params = params![
        account,
        &bank.status,
        &bank.account_type,
        &bank.portfolio,
        bank.opened_on,
        bank.closed_on,
    ];
    conn.exec(statement, params).await.map(drop)
}

/// The profile from [`profile_columns!`] at `first`; `None` for a customer without one
/// (its organization, never NULL in a profile row, is NULL from the LEFT JOIN).
pub(crate) fn profile(row: &dyn Row, first: usize) -> Result<Option<BankProfile>> {
    let Some(organization_id) = row.opt_text(first)? else {
        return Ok(None);
    };
    let timestamp = |column: usize| -> Result<Timestamp> {
        opt_timestamp(row, first + column)?
            .ok_or_else(|| corrupt("a bank profile without its dates"))
    };
    let required = |column: usize| -> Result<String> { row.text(first + column) };
    Ok(Some(BankProfile {
        organization_id,
        postal_code: required(1)?,
        country: required(2)?,
        created_on: timestamp(3)?,
        enrollment_start: timestamp(4)?,
        enrollment_end: opt_timestamp(row, first + 5)?,
        enrollment_opt_in: required(6)?,
        alert_opt_ins: serde_json::from_str(&required(7)?).map_err(corrupt)?,
        targeting: required(8)?,
        redemption_eligibility: row.opt_text(first + 9)?,
    }))
}

/// The account's bank fields from [`account_columns!`] at `first`; `None` without a row.
pub(crate) fn account(row: &dyn Row, first: usize) -> Result<Option<BankAccount>> {
    let Some(status) = row.opt_text(first)? else {
        return Ok(None);
    };
    Ok(Some(BankAccount {
        status,
        account_type: row.text(first + 1)?,
        portfolio: row.opt_text(first + 2)?,
        opened_on: opt_timestamp(row, first + 3)?,
        closed_on: opt_timestamp(row, first + 4)?,
    }))
}
