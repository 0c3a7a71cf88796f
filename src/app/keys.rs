//! API keys: who a bearer key says the caller is, and making, listing and revoking keys.
//!
//! Every server keeps the whole set of working keys in memory, read from the store in one
//! query; keys are one per client, so the set is small. A key in a set younger than the
//! TTL is answered at once. Anything else — a key not in the set, or a set gone stale —
//! waits for a fresh read, and concurrent requests share it: one read at a time, each
//! serving every request that came in before it began. So a flood of made-up keys costs
//! one query at a time whatever its rate, and a good key that was never seen waits for at
//! most two such reads instead of being refused. A revoked key drops out of the set at the
//! next read, which the TTL bounds on every server process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use super::{AppResult, Caller, Registry};
use crate::domain::auth::{
    key_hash, last_use_due, valid_tenant_name, KeyInfo, KeyRecord, KnownKey, Role,
    LAST_USE_EVERY_SECONDS,
};
use crate::domain::time::Timestamp;
use crate::store::Store;

pub(super) struct KeyCache {
    ttl: Duration,
    set: RwLock<Arc<KeySet>>,
    /// Held by the one read of the set under way; requests that need a fresher set queue
    /// here (fairly, first come first served) rather than each querying the store.
    reading: tokio::sync::Mutex<()>,
    /// When this process last wrote each key's use.
    touched: Mutex<HashMap<String, Timestamp>>,
}

/// The working keys by hash, as one read of the store found them.
#[derive(Default)]
struct KeySet {
    by_hash: HashMap<String, KnownKey>,
    /// When the read began: the set holds every key stored before then. `None` before the
    /// first read.
    read_from: Option<Instant>,
}

impl KeySet {
    /// What the set can tell a request that arrived at `arrived`: `None` when only a
    /// fresher read can. A read that began after the request arrived knows every key the
    /// request could name; an older one is trusted for the keys it has, within the TTL.
    fn answer(&self, hash: &str, arrived: Instant, ttl: Duration) -> Option<Option<KnownKey>> {
        let read_from = self.read_from?;
        let found = self.by_hash.get(hash);
        if read_from >= arrived {
            return Some(found.cloned());
        }
        match found {
            Some(key) if read_from.elapsed() < ttl => Some(Some(key.clone())),
            _ => None,
        }
    }
}

impl KeyCache {
    pub(super) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            set: RwLock::new(Arc::new(KeySet::default())),
            reading: tokio::sync::Mutex::new(()),
            touched: Mutex::new(HashMap::new()),
        }
    }

    fn current(&self) -> Arc<KeySet> {
        self.set.read().expect("key set lock").clone()
    }

    async fn lookup(&self, store: &Store, hash: &str) -> AppResult<Option<KnownKey>> {
        let arrived = Instant::now();
        if let Some(found) = self.current().answer(hash, arrived, self.ttl) {
            return Ok(found);
        }
        let _turn = self.reading.lock().await;
        // The read that held the turn before may be all this request needed.
        if let Some(found) = self.current().answer(hash, arrived, self.ttl) {
            return Ok(found);
        }
        let read_from = Instant::now();
        let keys = store.live_keys().await?;
        let set = Arc::new(KeySet {
            by_hash: keys.into_iter().map(|k| (k.hash.clone(), k)).collect(),
            read_from: Some(read_from),
        });
        *self.set.write().expect("key set lock") = set.clone();
        Ok(set.by_hash.get(hash).cloned())
    }

    /// Writes the key's use when the last one written (by this process, or by any as of
    /// the last read) is a minute old. Awaited, so that once a request is answered its use
    /// is on record; it costs one write per key a minute. A failure only loses the mark.
    async fn touch(&self, store: &Store, key: &KnownKey) {
        let now = Timestamp::now();
        {
            let mut touched = self.touched.lock().expect("touched lock");
            let written = touched.get(&key.record.id).copied().max(key.last_used_at);
            if !last_use_due(written, now) {
                return;
            }
            touched.insert(key.record.id.clone(), now);
        }
        let since = now.minus_seconds(LAST_USE_EVERY_SECONDS);
        if let Err(e) = store.touch_key(&key.record.id, now, since).await {
            tracing::warn!(error = %e, key_id = %key.record.id, "recording a key's use failed");
        }
    }
}

impl Registry {
    /// The caller a bearer key stands for; `None` when no such key works.
    pub async fn authenticate(&self, key: &str) -> AppResult<Option<Caller>> {
        let cache = &self.inner.keys;
        let Some(found) = cache.lookup(self.store(), &key_hash(key)).await? else {
            return Ok(None);
        };
        cache.touch(self.store(), &found).await;
        let record = found.record;
        Ok(Some(Caller {
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

/// The working key `key` stands for; `None` when it is unknown or revoked.
pub async fn find_key(store: &Store, key: &str) -> Result<Option<KeyRecord>, String> {
    store
        .find_key(&key_hash(key))
        .await
        .map_err(|e| e.to_string())
}

/// Every key, revoked ones too, of one tenant or all, in creation order; never a key itself.
pub async fn list_keys(store: &Store, tenant: Option<&str>) -> Result<Vec<KeyInfo>, String> {
    store.list_keys(tenant).await.map_err(|e| e.to_string())
}

/// What revoking a key did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoked {
    Now(KeyInfo),
    Before(KeyInfo),
    Unknown,
}

/// Revokes the key with this id; every server stops taking it within its key TTL.
pub async fn revoke_key(store: &Store, id: &str) -> Result<Revoked, String> {
    let at = Timestamp::now();
    let stands = store.revoke_key(id, at).await.map_err(|e| e.to_string())?;
    Ok(match stands {
        None => Revoked::Unknown,
        Some(key) if key.revoked_at == Some(at) => Revoked::Now(key),
        Some(key) => Revoked::Before(key),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(hash: &str) -> KnownKey {
        KnownKey {
            hash: hash.to_owned(),
            record: KeyRecord {
                id: format!("id-{hash}"),
                tenant: "t".into(),
                role: Role::Reader,
            },
            last_used_at: None,
        }
    }

    #[test]
    fn a_set_answers_what_it_can_know() {
        let ttl = Duration::from_secs(60);
        let before = Instant::now();
        let set = KeySet {
            by_hash: [("h1".to_owned(), known("h1"))].into(),
            read_from: Some(Instant::now()),
        };
        let after = Instant::now() + Duration::from_millis(1);
        // Read after the request came: it knows every key, present or not.
        assert_eq!(set.answer("h1", before, ttl), Some(Some(known("h1"))));
        assert_eq!(set.answer("h2", before, ttl), Some(None));
        // Read before it: a key it has is trusted within the TTL; an absent one may be new.
        assert_eq!(set.answer("h1", after, ttl), Some(Some(known("h1"))));
        assert_eq!(set.answer("h2", after, ttl), None);
        assert_eq!(set.answer("h1", after, Duration::ZERO), None);
        assert_eq!(KeySet::default().answer("h1", before, ttl), None);
    }
}
