//! Configuration, layered: built-in defaults, then a TOML file, then `CLIENTELE_*`
//! environment variables, then command-line flags (clap reads the last two).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::app::relay::RelaySettings;
use crate::domain::auth::SecretCost;
use crate::domain::users::SessionPolicy;
use crate::domain::Limits;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://clientele.db";

/// A configuration file; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub catalog: Option<PathBuf>,
    pub log_format: Option<LogFormat>,
    pub idempotency_retention_hours: Option<u64>,
    pub rate_limit: Option<u32>,
    /// Seconds an eGain session lives unused (default 1800).
    pub session_idle_secs: Option<u64>,
    /// argon2id's cost for passwords and other secrets (OWASP's minimum by default).
    pub argon2_memory_kib: Option<u32>,
    pub argon2_iterations: Option<u32>,
    pub argon2_parallelism: Option<u32>,
    #[serde(default)]
    pub limits: Option<Limits>,
    /// Publish every event to NATS JetStream at this URL.
    pub nats_url: Option<String>,
    pub nats_stream: Option<String>,
    pub nats_subject_prefix: Option<String>,
    /// How long a failing webhook delivery is retried before the endpoint is failing.
    pub webhook_retry_horizon_secs: Option<u64>,
    pub webhook_retry_first_ms: Option<u64>,
    pub webhook_timeout_secs: Option<u64>,
    pub relay_lease_secs: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl FileConfig {
    pub fn load(path: Option<&Path>) -> Result<Self, String> {
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// A secret from configuration; never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Everything `clientele serve` runs with, after layering.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: String,
    /// An already-bound listening socket handed down by the parent (tests, socket activation).
    pub listen_fd: Option<i32>,
    pub database_url: String,
    pub catalog: Option<PathBuf>,
    pub admin_key: Option<Secret>,
    pub log_format: LogFormat,
    pub idempotency_retention: Duration,
    pub limits: Limits,
    pub rate_limit: u32,
    /// What hashing a password costs.
    pub secret_cost: SecretCost,
    /// How long eGain sessions live unused, and how often their use is written.
    pub sessions: SessionPolicy,
    /// Where changes are pushed (NATS, webhooks) and how.
    pub relay: RelaySettings,
}

/// The first value that is set: flag or environment (already merged by clap), then file, then default.
pub fn pick<T>(flag_or_env: Option<T>, file: Option<T>, default: impl FnOnce() -> T) -> T {
    flag_or_env.or(file).unwrap_or_else(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_files_beat_defaults() {
        assert_eq!(pick(Some(1), Some(2), || 3), 1);
        assert_eq!(pick(None, Some(2), || 3), 2);
        assert_eq!(pick(None, None, || 3), 3);
    }

    #[test]
    fn a_file_sets_what_it_names_and_refuses_unknown_keys() {
        let file: FileConfig =
            toml::from_str("listen = \"0.0.0.0:9000\"\n[limits]\nbodyBytes = 2048\n").unwrap();
        assert_eq!(file.listen.as_deref(), Some("0.0.0.0:9000"));
        let limits = file.limits.unwrap();
        assert_eq!(limits.body_bytes, 2048);
        assert_eq!(limits.page_size, Limits::default().page_size);
        assert!(toml::from_str::<FileConfig>("lisen = \"x\"").is_err());
    }

    #[test]
    fn secrets_do_not_print() {
        assert_eq!(format!("{:?}", Secret::new("clt_x".into())), "Secret(***)");
    }
}
