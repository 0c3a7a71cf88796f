//! What a tenant's stored objects use of its catalog: one distinct scan per kind and
//! column, run only when a catalog is replaced.

use super::{Conn, PerKind, Statement};
use crate::domain::catalog::usage::CatalogUsage;
use crate::domain::state::State;
use crate::domain::Kind;
use crate::store::Result;

static PROFILES: PerKind = PerKind::new(
    "SELECT DISTINCT profile FROM {table} WHERE tenant_id = $1 AND profile IS NOT NULL",
);
static SEGMENTS: PerKind = PerKind::new(
    "SELECT DISTINCT segment FROM {table} WHERE tenant_id = $1 AND segment IS NOT NULL",
);
static REASONS: PerKind =
    PerKind::new("SELECT DISTINCT state, state_reason FROM {table} WHERE tenant_id = $1");
static RESOURCE_TYPES: Statement = Statement::new(
    "SELECT DISTINCT primary_resource_type FROM subscribers \
     WHERE tenant_id = $1 AND primary_resource_type IS NOT NULL",
);

pub(crate) async fn usage<C: Conn>(conn: &C, tenant: &str) -> Result<CatalogUsage> {
    let mut usage = CatalogUsage::default();
    for kind in [Kind::Customer, Kind::Account, Kind::Subscriber] {
        for profile in conn
            .query(PROFILES.of(kind), params![tenant], |row| row.text(0))
            .await?
        {
            usage.profiles.insert((kind, profile));
        }
        for segment in conn
            .query(SEGMENTS.of(kind), params![tenant], |row| row.text(0))
            .await?
        {
            usage.segments.insert((kind, segment));
        }
        let reasons = conn
            .query(REASONS.of(kind), params![tenant], |row| {
                Ok((row.text(0)?, row.text(1)?))
            })
            .await?;
        usage.any |= !reasons.is_empty();
        for (state, reason) in reasons {
            let state = state
                .parse::<State>()
                .map_err(|_| super::corrupt(format!("state {state}")))?;
            usage.reasons.insert((state, reason));
        }
    }
    usage.resource_types = conn
        .query(&RESOURCE_TYPES, params![tenant], |row| row.text(0))
        .await?
        .into_iter()
        .collect();
    Ok(usage)
}
