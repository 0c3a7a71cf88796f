//! Low-entropy secrets (users' passwords, customers' PINs and secret answers), hashed and
//! checked with argon2id at the configured cost. Each hash takes a CPU for tens of
//! milliseconds and many MiB of memory, so they run on the blocking pool, at most one per
//! CPU at a time: a flood of logins queues for the CPUs rather than taking every thread
//! the server answers with.

use std::sync::{Arc, OnceLock};

use rand::RngCore;
use tokio::sync::Semaphore;

use super::{AppError, AppResult, Registry};
use crate::domain::auth::{hash_secret, verify_secret, SecretCost};

pub(super) struct Secrets {
    cost: SecretCost,
    /// One permit a CPU: how many hashes may run at once.
    permits: Arc<Semaphore>,
    /// A hash of nothing anyone knows, at the configured cost, to check a login of an
    /// unknown user against so that it takes as long as a known user's.
    decoy: OnceLock<String>,
}

impl Secrets {
    pub(super) fn new(cost: SecretCost) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self {
            cost,
            permits: Arc::new(Semaphore::new(cpus)),
            decoy: OnceLock::new(),
        }
    }

    /// Runs `work` on the blocking pool once a CPU is free. The permit goes with the work,
    /// so a request that gives up waiting does not free its CPU before the hash is done.
    async fn run<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| AppError::Unavailable("the server is shutting down".into()))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|e| AppError::Internal(format!("hashing a secret failed: {e}")))
    }

    async fn hash(&self, secret: String) -> AppResult<String> {
        let cost = self.cost;
        self.run(move || hash_secret(&secret, cost)).await
    }

    async fn verify(&self, secret: String, hash: String) -> AppResult<bool> {
        self.run(move || verify_secret(&secret, &hash)).await
    }

    /// Spends what checking a secret against a stored hash spends, for a name that has
    /// none. The first time, making the decoy costs the same one hash.
    async fn spend_a_check(&self, secret: String) -> AppResult<()> {
        match self.decoy.get() {
            Some(decoy) => self.verify(secret, decoy.clone()).await.map(drop),
            None => {
                let mut nothing = [0u8; 32];
                rand::rng().fill_bytes(&mut nothing);
                let decoy = self.hash(hex::encode(nothing)).await?;
                let _ = self.decoy.set(decoy);
                Ok(())
            }
        }
    }
}

/// Hashes one secret at `cost` off the async threads, for a caller with no registry (the
/// command line).
pub(super) async fn hash_once(secret: String, cost: SecretCost) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_secret(&secret, cost))
        .await
        .map_err(|e| AppError::Internal(format!("hashing a secret failed: {e}")))
}

impl Registry {
    /// An argon2id hash of `secret` (a password, a PIN, a secret answer) with a random salt,
    /// at the configured cost, made on the bounded pool. Store the hash, never the secret.
    pub async fn hash_secret(&self, secret: String) -> AppResult<String> {
        self.inner.secrets.hash(secret).await
    }

    /// Whether `secret` is the one `hash` (from [`Registry::hash_secret`]) was made from;
    /// `false` for a hash that cannot be read. Checked on the bounded pool.
    pub async fn verify_secret(&self, secret: String, hash: String) -> AppResult<bool> {
        self.inner.secrets.verify(secret, hash).await
    }

    /// Takes as long as [`Registry::verify_secret`] would, when there is no hash to check
    /// against: so that whether there was one cannot be told by the time an answer takes.
    pub async fn verify_no_secret(&self, secret: String) -> AppResult<()> {
        self.inner.secrets.spend_a_check(secret).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> SecretCost {
        SecretCost::new(8, 1, 1).unwrap()
    }

    #[tokio::test]
    async fn hashes_verify_on_the_pool() {
        let secrets = Secrets::new(cheap());
        let hash = secrets.hash("1234".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{hash}");
        assert!(secrets.verify("1234".into(), hash.clone()).await.unwrap());
        assert!(!secrets.verify("1235".into(), hash).await.unwrap());
        assert!(!secrets
            .verify("1234".into(), "garbage".into())
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_check_without_a_hash_makes_its_decoy_once() {
        let secrets = Secrets::new(cheap());
        secrets.spend_a_check("x".into()).await.unwrap();
        let decoy = secrets.decoy.get().cloned().unwrap();
        assert!(decoy.starts_with("$argon2id$v=19$m=8,t=1,p=1$"));
        secrets.spend_a_check("y".into()).await.unwrap();
        assert_eq!(secrets.decoy.get(), Some(&decoy));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_there_are_cpus() {
        let secrets = Arc::new(Secrets::new(cheap()));
        let cpus = secrets.permits.available_permits();
        assert!(cpus >= 1);
        let running = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let most = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..4 * cpus + 4)
            .map(|_| {
                let (secrets, running, most) = (secrets.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    secrets
                        .run(move || {
                            use std::sync::atomic::Ordering::SeqCst;
                            let now = running.fetch_add(1, SeqCst) + 1;
                            most.fetch_max(now, SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(5));
                            running.fetch_sub(1, SeqCst);
                        })
                        .await
                        .unwrap()
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert!(most.load(std::sync::atomic::Ordering::SeqCst) <= cpus);
    }
}
