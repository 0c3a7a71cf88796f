//! Each tenant's catalog, validated once and kept in memory. Entries are rechecked against
//! the stored version after a short TTL, so a change made by another process (or by
//! `clientele catalog apply`) is seen within it; a change made here is seen at once.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::domain::catalog::{Catalog, CatalogRules};
use crate::domain::Limits;
use crate::store::{Store, StoreError};

struct Entry {
    version: i64,
    rules: Arc<CatalogRules>,
    checked: Instant,
}

pub struct CatalogCache {
    ttl: Duration,
    limits: Limits,
    entries: RwLock<HashMap<String, Entry>>,
}

impl CatalogCache {
    pub fn new(ttl: Duration, limits: Limits) -> Self {
        Self {
            ttl,
            limits,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The tenant's catalog and its version (0 for the built-in default).
    pub async fn get(
        &self,
        store: &Store,
        tenant: &str,
    ) -> Result<(i64, Arc<CatalogRules>), StoreError> {
        let known = {
            let entries = self.entries.read().expect("catalog cache lock");
            entries
                .get(tenant)
                .map(|e| (e.version, e.rules.clone(), e.checked))
        };
        if let Some((version, rules, checked)) = &known {
            if checked.elapsed() < self.ttl {
                return Ok((*version, rules.clone()));
            }
        }
        let current = store.catalog_version(tenant).await?;
        let (version, rules) =
            match known {
                Some((known_version, rules, _)) if known_version == current => (current, rules),
                _ => match store.catalog(tenant).await? {
                    Some((version, document)) => (
                        version,
                        Arc::new(
                            CatalogRules::from_stored(&document, &self.limits)
                                .map_err(StoreError::Corrupt)?,
                        ),
                    ),
                    None => (
                        0,
                        Arc::new(Catalog::default().validate(&self.limits).map_err(|e| {
                            StoreError::Corrupt(format!("built-in catalog: {e:?}"))
                        })?),
                    ),
                },
            };
        self.entries.write().expect("catalog cache lock").insert(
            tenant.to_owned(),
            Entry {
                version,
                rules: rules.clone(),
                checked: Instant::now(),
            },
        );
        Ok((version, rules))
    }

    pub fn forget(&self, tenant: &str) {
        self.entries
            .write()
            .expect("catalog cache lock")
            .remove(tenant);
    }
}
