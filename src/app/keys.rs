//! API keys: who a bearer key says the caller is, and making keys.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use super::{AppError, AppResult, Caller, Registry};
use crate::domain::auth::{key_hash, valid_tenant_name, KeyRecord, Role};
use crate::domain::time::Timestamp;
use crate::store::Store;

/// Known keys by hash, so a busy key is not looked up on every request. Entries expire so
/// that a removed key stops working within the TTL; unknown hashes are never cached.
pub(super) struct KeyCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, (KeyRecord, Instant)>>,
    /// Bounds the database lookups that unknown keys cause, so a flood of made-up keys
    /// cannot crowd out the readers.
    misses: governor::DefaultDirectRateLimiter,
}

/// Lookups of keys not in the cache, per second, for all callers together.
const MISSES_PER_SECOND: u32 = 1000;

impl KeyCache {
    pub(super) fn new(ttl: Duration) -> Self {
        let rate = std::num::NonZeroU32::new(MISSES_PER_SECOND).expect("a positive rate");
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
            misses: governor::RateLimiter::direct(governor::Quota::per_second(rate)),
        }
    }

    async fn lookup(&self, store: &Store, hash: String) -> AppResult<Option<KeyRecord>> {
        if let Some((record, at)) = self.entries.read().expect("key cache lock").get(&hash) {
            if at.elapsed() < self.ttl {
                return Ok(Some(record.clone()));
            }
        }
        if self.misses.check().is_err() {
            return Err(AppError::RateLimited { retry_after: 1 });
        }
        let found = store.find_key(&hash).await?;
        let mut entries = self.entries.write().expect("key cache lock");
        match &found {
            Some(record) => {
                entries.insert(hash, (record.clone(), Instant::now()));
            }
            None => {
                entries.remove(&hash);
            }
        }
        Ok(found)
    }
}

impl Registry {
    /// The caller a bearer key stands for; `None` when no such key exists.
    pub async fn authenticate(&self, key: &str) -> AppResult<Option<Caller>> {
        let found = self.inner.keys.lookup(self.store(), key_hash(key)).await?;
        Ok(found.map(|record| Caller {
            tenant: record.tenant,
            actor: record.id,
            role: record.role,
        }))
    }
}

/// Stores the hash of `key` for the tenant with the role, creating the tenant if needed.
pub async fn store_key(store: &Store, tenant: &str, role: Role, key: &str) -> Result<(), String> {
    if !valid_tenant_name(tenant) {
        return Err(format!(
            "tenant {tenant:?}: use 1 to 64 letters, digits, '_' or '-'"
        ));
    }
    let record = KeyRecord {
        id: uuid::Uuid::now_v7().to_string(),
        tenant: tenant.to_owned(),
        role,
    };
    store
        .insert_key(record, key_hash(key), Timestamp::now())
        .await
        .map_err(|e| e.to_string())
}
