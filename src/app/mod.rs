//! The use cases, between the doors and the store. Every mutating call of every door runs
//! through one write pipeline ([`Registry::write`]): the idempotency claim, the domain's
//! rules against the tenant's catalog, one store transaction, the events built from what
//! was written, and the door's answer, kept with the claim for retries. Doors call only
//! this layer; it knows no dialect, and no SQL.

mod caller;
mod catalogs;
mod error;
mod events;
pub mod import;
pub mod keys;
mod numbers;
mod pipeline;
mod reads;
pub mod relay;
mod secrets;
pub mod sessions;

pub use caller::Caller;
pub use error::AppError;
pub use events::EventEncoder;
pub use pipeline::{respond_with, Command, Failure, Reply, Respond};

use std::sync::Arc;
use std::time::Duration;

use crate::domain::auth::SecretCost;
use crate::domain::users::SessionPolicy;
use crate::domain::Limits;
use crate::store::Store;
use catalogs::CatalogCache;
use keys::KeyCache;
use secrets::Secrets;
use sessions::LoginTurns;

pub type AppResult<T> = Result<T, AppError>;

/// How the use cases are tuned.
#[derive(Debug, Clone)]
pub struct Settings {
    pub limits: Limits,
    /// How long a cached catalog is trusted before its stored version is checked again.
    pub catalog_ttl: Duration,
    /// How long the set of working API keys is trusted for the keys it holds: a revoked
    /// key stops working on every process within this (and one read of the keys).
    pub key_ttl: Duration,
    /// What hashing a password (or a PIN, a secret answer) costs.
    pub secret_cost: SecretCost,
    /// How long the eGain door's sessions live unused, and how often their use is written.
    pub sessions: SessionPolicy,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            catalog_ttl: Duration::from_secs(1),
            key_ttl: Duration::from_secs(2),
            secret_cost: SecretCost::default(),
            sessions: SessionPolicy::default(),
        }
    }
}

/// The registry as the doors see it.
#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    limits: Limits,
    catalogs: CatalogCache,
    keys: KeyCache,
    numbers: numbers::Numbers,
    /// Set once the server stops, so that reads waiting for news answer at once.
    stopping: tokio::sync::watch::Sender<bool>,
    encoder: Arc<dyn EventEncoder>,
    secrets: Secrets,
    sessions: SessionPolicy,
    logins: LoginTurns,
}

impl Registry {
    /// `encoder` writes each changed object into its events, the same whichever door changed it.
    pub fn new(store: Store, settings: Settings, encoder: Arc<dyn EventEncoder>) -> Self {
        Self {
            inner: Arc::new(Inner {
                catalogs: CatalogCache::new(settings.catalog_ttl, settings.limits.clone()),
                keys: KeyCache::new(settings.key_ttl),
                numbers: numbers::Numbers::new(),
                stopping: tokio::sync::watch::Sender::new(false),
                secrets: Secrets::new(settings.secret_cost),
                sessions: settings.sessions,
                logins: LoginTurns::default(),
                limits: settings.limits,
                store,
                encoder,
            }),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    fn store(&self) -> &Store {
        &self.inner.store
    }
}

impl Registry {
    /// Tells reads that wait for news (the feed's long polls) to answer now: the server
    /// is stopping, and they must not hold its drain up.
    pub fn stop_waiting(&self) {
        self.inner.stopping.send_replace(true);
    }

    /// Gives a number to every customer stored before numbers existed; how many there were.
    pub async fn number_customers(&self) -> AppResult<usize> {
        self.inner.numbers.backfill(self.store()).await
    }
}
