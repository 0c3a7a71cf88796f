//! Agents of the eGain door: stored with their password's hash, found by name, listed
//! (never with the hash). Names are unique across tenants; the database says so.

use super::{corrupt, tenants, Conn, Row, Statement};
use crate::domain::auth::Role;
use crate::domain::time::Timestamp;
use crate::domain::users::{NewUser, UserInfo, UserRecord};
use crate::store::Result;

static INSERT_USER: Statement = Statement::new(
    "INSERT INTO users (id, name, tenant_id, role, password_hash, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING",
);
static FIND_USER: Statement =
    Statement::new("SELECT id, name, tenant_id, role, password_hash FROM users WHERE name = $1");
macro_rules! info_columns {
    () => {
        "SELECT id, name, tenant_id, role, created_at FROM users"
    };
}
static LIST_USERS: Statement = Statement::new(concat!(info_columns!(), " ORDER BY id"));
static LIST_TENANT_USERS: Statement = Statement::new(concat!(
    info_columns!(),
    " WHERE tenant_id = $1 ORDER BY id"
));

pub(crate) fn role(row: &dyn Row, column: usize) -> Result<Role> {
    row.text(column)?.parse().map_err(corrupt)
}

fn info(row: &dyn Row) -> Result<UserInfo> {
    Ok(UserInfo {
        id: row.text(0)?,
        name: row.text(1)?,
        tenant: row.text(2)?,
        role: role(row, 3)?,
        created_at: Timestamp::from_micros(row.i64(4)?),
    })
}

/// Stores a user, creating its tenant; `false`, with nothing stored, when the name is taken.
pub(crate) async fn insert_user<C: Conn>(conn: &C, user: &NewUser, at: Timestamp) -> Result<bool> {
    conn.savepoint().await?;
    tenants::ensure_tenant(conn, &user.tenant, at).await?;
    let params = params![
        &user.id,
        user.name.as_str(),
        &user.tenant,
        user.role.as_str(),
        &user.password_hash,
        at
    ];
    let inserted = conn.exec(&INSERT_USER, params).await? == 1;
    if inserted {
        conn.release().await?;
    } else {
        conn.rollback().await?;
    }
    Ok(inserted)
}

/// The user of this name, with the hash a login is checked against.
pub(crate) async fn find_user<C: Conn>(conn: &C, name: &str) -> Result<Option<UserRecord>> {
    conn.query_opt(&FIND_USER, params![name], |row| {
        Ok(UserRecord {
            id: row.text(0)?,
            name: row.text(1)?,
            tenant: row.text(2)?,
            role: role(row, 3)?,
            password_hash: row.text(4)?,
        })
    })
    .await
}

/// Every user in id order, which is creation order; of one tenant if named. No hashes.
pub(crate) async fn list_users<C: Conn>(conn: &C, tenant: Option<&str>) -> Result<Vec<UserInfo>> {
    match tenant {
        Some(tenant) => conn.query(&LIST_TENANT_USERS, params![tenant], info).await,
        None => conn.query(&LIST_USERS, params![], info).await,
    }
}
