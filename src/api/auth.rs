//! Who is calling: the bearer key, looked up by its hash, gives a tenant and a role.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use super::problem::{ApiError, ApiResult};
use super::AppState;
use crate::domain::auth::{key_hash, Role};
use crate::store::{KeyRecord, Store};

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: String,
    pub key_id: String,
    pub role: Role,
}

impl Caller {
    pub fn require(&self, needed: Role) -> ApiResult<()> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this call needs the {needed} role; the key has {}",
                self.role
            )))
        }
    }
}

/// Known keys by hash, so a busy key is not looked up on every request. Entries expire so
/// that a removed key stops working within the TTL; unknown hashes are never cached.
pub struct KeyCache {
    ttl: Duration,
    entries: RwLock<HashMap<String, (KeyRecord, Instant)>>,
    /// Bounds the database lookups that unknown keys cause, so a flood of made-up keys
    /// cannot crowd out the readers.
    misses: governor::DefaultDirectRateLimiter,
}

/// Lookups of keys not in the cache, per second, for all callers together.
const MISSES_PER_SECOND: u32 = 1000;

impl KeyCache {
    pub fn new(ttl: Duration) -> Self {
        let rate = std::num::NonZeroU32::new(MISSES_PER_SECOND).expect("a positive rate");
        Self {
            ttl,
            entries: RwLock::new(HashMap::new()),
            misses: governor::RateLimiter::direct(governor::Quota::per_second(rate)),
        }
    }

    async fn lookup(&self, store: &Store, hash: String) -> ApiResult<Option<KeyRecord>> {
        if let Some((record, at)) = self.entries.read().expect("key cache lock").get(&hash) {
            if at.elapsed() < self.ttl {
                return Ok(Some(record.clone()));
            }
        }
        if self.misses.check().is_err() {
            return Err(ApiError::rate_limited(1));
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

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <api key>"))?;
        // The scheme name is case-insensitive (RFC 9110 §11.1).
        let key = header
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key.trim())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <api key>"))?;
        let record = app
            .keys
            .lookup(&app.store, key_hash(key))
            .await?
            .ok_or_else(|| ApiError::unauthorized("the API key is not valid"))?;
        app.limiter.check(&record.id)?;
        let role = record.role.parse::<Role>().map_err(ApiError::internal)?;
        Ok(Caller {
            tenant: record.tenant,
            key_id: record.id,
            role,
        })
    }
}

/// A caller whose key may write; checked before the body is read, so a key without the
/// role is told 403 whatever it sent.
pub struct Writer(pub Caller);

/// A caller whose key is an admin's.
pub struct Admin(pub Caller);

macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        impl<S> FromRequestParts<S> for $name
        where
            S: Send + Sync,
            AppState: FromRef<S>,
        {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let caller = Caller::from_request_parts(parts, state).await?;
                caller.require($role)?;
                Ok($name(caller))
            }
        }
    };
}

role_extractor!(Writer, Role::Writer);
role_extractor!(Admin, Role::Admin);
