//! Tenants and their catalog versions (their API keys are in `keys`).

use super::{Conn, Statement, Step};
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::time::Timestamp;
use crate::store::{Result, WriteCtx};

static ENSURE_TENANT: Statement =
    Statement::new("INSERT INTO tenants (id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING");
/// Two catalog replacements at once queue here instead of racing for one version number.
static LOCK_TENANT: Statement =
    Statement::locking("SELECT 1 FROM tenants WHERE id = $1", " FOR UPDATE");
static CATALOG: Statement = Statement::new(
    "SELECT version, document FROM catalogs WHERE tenant_id = $1 ORDER BY version DESC LIMIT 1",
);
static CATALOG_VERSION: Statement =
    Statement::new("SELECT COALESCE(MAX(version), 0) FROM catalogs WHERE tenant_id = $1");
static INSERT_CATALOG: Statement = Statement::new(
    "INSERT INTO catalogs (tenant_id, version, document, created_at) VALUES ($1, $2, $3, $4) \
     ON CONFLICT DO NOTHING",
);

pub(crate) async fn ensure_tenant<C: Conn>(conn: &C, tenant: &str, at: Timestamp) -> Result<()> {
    conn.exec(&ENSURE_TENANT, params![tenant, at])
        .await
        .map(drop)
}

pub(crate) async fn catalog<C: Conn>(conn: &C, tenant: &str) -> Result<Option<(i64, String)>> {
    conn.query_opt(&CATALOG, params![tenant], |row| {
        Ok((row.i64(0)?, row.text(1)?))
    })
    .await
}

pub(crate) async fn catalog_version<C: Conn>(conn: &C, tenant: &str) -> Result<i64> {
    conn.query_one(&CATALOG_VERSION, params![tenant], |row| row.i64(0))
        .await
}

/// Stores a validated catalog document as the tenant's next version.
pub(crate) async fn put_catalog<C: Conn>(conn: &C, ctx: &WriteCtx, document: &str) -> Step<i64> {
    ensure_tenant(conn, &ctx.tenant, ctx.at).await?;
    if conn.dialect().locks_rows() {
        conn.query_opt(&LOCK_TENANT, params![&ctx.tenant], |_| Ok(()))
            .await?;
    }
    let version = catalog_version(conn, &ctx.tenant).await? + 1;
    let params = params![&ctx.tenant, version, document, ctx.at];
    Ok(match conn.exec(&INSERT_CATALOG, params).await? {
        0 => Err(Refusal::Taken {
            key: UniqueKey::CatalogVersion,
            item: 0,
        }),
        _ => Ok(version),
    })
}
