//! API keys: stored by hash, found, listed (never with the hash), revoked, and marked used.
//! A revoked key keeps its row, so the actor ids in histories and events name something.

use super::{corrupt, tenants, Conn, Row, Statement};
use crate::domain::auth::{KeyInfo, KeyRecord, KnownKey, Role};
use crate::domain::time::Timestamp;
use crate::store::Result;

static INSERT_KEY: Statement = Statement::new(
    "INSERT INTO api_keys (id, tenant_id, role, key_hash, created_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key_hash) DO NOTHING",
);
static HAS_KEY_WITH_ROLE: Statement = Statement::new(
    "SELECT EXISTS (SELECT 1 FROM api_keys \
     WHERE tenant_id = $1 AND role = $2 AND revoked_at IS NULL)",
);
static FIND_KEY: Statement = Statement::new(
    "SELECT id, tenant_id, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
);
/// Every key that works, for the servers' in-memory set of keys. Keys are one per client,
/// so the whole set is small; optional times come as a flag and a value, the way both
/// drivers read them alike.
static LIVE_KEYS: Statement = Statement::new(
    "SELECT id, tenant_id, role, key_hash, last_used_at IS NOT NULL, COALESCE(last_used_at, 0) \
     FROM api_keys WHERE revoked_at IS NULL",
);
macro_rules! info_columns {
    () => {
        "SELECT id, tenant_id, role, created_at, last_used_at IS NOT NULL, \
         COALESCE(last_used_at, 0), revoked_at IS NOT NULL, COALESCE(revoked_at, 0) \
         FROM api_keys"
    };
}
static LIST_KEYS: Statement = Statement::new(concat!(info_columns!(), " ORDER BY id"));
static LIST_TENANT_KEYS: Statement = Statement::new(concat!(
    info_columns!(),
    " WHERE tenant_id = $1 ORDER BY id"
));
static KEY_INFO: Statement = Statement::new(concat!(info_columns!(), " WHERE id = $1"));
static REVOKE: Statement =
    Statement::new("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL");
/// Another process may have written a use within the minute already; then this writes
/// nothing.
static TOUCH: Statement = Statement::new(
    "UPDATE api_keys SET last_used_at = $1 \
     WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
);

fn optional_time(row: &dyn Row, flag: usize) -> Result<Option<Timestamp>> {
    Ok(match row.bool(flag)? {
        true => Some(Timestamp::from_micros(row.i64(flag + 1)?)),
        false => None,
    })
}

fn role(row: &dyn Row, column: usize) -> Result<Role> {
    row.text(column)?.parse().map_err(corrupt)
}

fn info(row: &dyn Row) -> Result<KeyInfo> {
    Ok(KeyInfo {
        id: row.text(0)?,
        tenant: row.text(1)?,
        role: role(row, 2)?,
        created_at: Timestamp::from_micros(row.i64(3)?),
        last_used_at: optional_time(row, 4)?,
        revoked_at: optional_time(row, 6)?,
    })
}

/// Stores a key's hash, creating its tenant; a known hash is left as it is.
pub(crate) async fn insert_key<C: Conn>(
    conn: &C,
    key: &KeyRecord,
    hash: &str,
    at: Timestamp,
) -> Result<()> {
    tenants::ensure_tenant(conn, &key.tenant, at).await?;
    let params = params![&key.id, &key.tenant, key.role.as_str(), hash, at];
    conn.exec(&INSERT_KEY, params).await.map(drop)
}

/// Whether the tenant has a key of the role that is not revoked.
pub(crate) async fn has_key_with_role<C: Conn>(conn: &C, tenant: &str, role: Role) -> Result<bool> {
    conn.query_one(&HAS_KEY_WITH_ROLE, params![tenant, role.as_str()], |row| {
        row.bool(0)
    })
    .await
}

/// The key with this hash, unless it was revoked.
pub(crate) async fn find_key<C: Conn>(conn: &C, hash: &str) -> Result<Option<KeyRecord>> {
    conn.query_opt(&FIND_KEY, params![hash], |row| {
        Ok(KeyRecord {
            id: row.text(0)?,
            tenant: row.text(1)?,
            role: role(row, 2)?,
        })
    })
    .await
}

pub(crate) async fn live_keys<C: Conn>(conn: &C) -> Result<Vec<KnownKey>> {
    conn.query(&LIVE_KEYS, params![], |row| {
        Ok(KnownKey {
            record: KeyRecord {
                id: row.text(0)?,
                tenant: row.text(1)?,
                role: role(row, 2)?,
            },
            hash: row.text(3)?,
            last_used_at: optional_time(row, 4)?,
        })
    })
    .await
}

/// Every key (revoked ones too) in id order, which is creation order; of one tenant if named.
pub(crate) async fn list_keys<C: Conn>(conn: &C, tenant: Option<&str>) -> Result<Vec<KeyInfo>> {
    match tenant {
        Some(tenant) => conn.query(&LIST_TENANT_KEYS, params![tenant], info).await,
        None => conn.query(&LIST_KEYS, params![], info).await,
    }
}

/// Revokes the key at `at` unless it already was; the key as it stands, `None` if unknown.
pub(crate) async fn revoke_key<C: Conn>(
    conn: &C,
    id: &str,
    at: Timestamp,
) -> Result<Option<KeyInfo>> {
    conn.exec(&REVOKE, params![at, id]).await?;
    conn.query_opt(&KEY_INFO, params![id], info).await
}

/// Records a use of the key at `at`, unless one was recorded since `since`.
pub(crate) async fn touch_key<C: Conn>(
    conn: &C,
    id: &str,
    at: Timestamp,
    since: Timestamp,
) -> Result<()> {
    conn.exec(&TOUCH, params![at, id, since]).await.map(drop)
}
