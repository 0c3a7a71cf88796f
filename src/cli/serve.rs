use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::{catalog, keys, open_store, users, CliError};
use crate::api::{self, AppState};
use crate::app::relay::{NatsSettings, Relay, RelaySettings};
use crate::app::{Registry, Settings};
use crate::config::{pick, FileConfig, LogFormat, Secret, ServeConfig, DEFAULT_LISTEN};
use crate::domain::auth::{check_given_key, ApiKey, Role};
use crate::domain::time::Timestamp;
use crate::domain::users::{SessionPolicy, DEFAULT_SESSION_IDLE, DEFAULT_SESSION_TOUCH};
use crate::domain::webhooks::RetrySchedule;
use crate::store::Store;

const DEFAULT_TENANT: &str = "default";

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CLIENTELE_LISTEN")]
    listen: Option<String>,
    /// Serve on this already-listening socket instead of binding `--listen`.
    #[arg(long, env = "CLIENTELE_LISTEN_FD")]
    listen_fd: Option<i32>,
    /// A catalog file (TOML) to make the default tenant's catalog at start.
    #[arg(long, env = "CLIENTELE_CATALOG")]
    catalog: Option<PathBuf>,
    /// The default tenant's admin key; without it, one is made and printed once.
    #[arg(long, env = "CLIENTELE_ADMIN_KEY", hide_env_values = true)]
    admin_key: Option<String>,
    #[arg(long, env = "CLIENTELE_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Requests a second per API key, with as large a burst (default 1000; 0 = no limit).
    #[arg(long, env = "CLIENTELE_RATE_LIMIT")]
    rate_limit: Option<u32>,
    /// Seconds an eGain session lives unused (default 1800).
    #[arg(long, env = "CLIENTELE_SESSION_IDLE_SECS")]
    session_idle_secs: Option<u64>,
    /// At most how often a session's use is written, in seconds (default 60).
    #[arg(long, env = "CLIENTELE_SESSION_TOUCH_SECS")]
    session_touch_secs: Option<u64>,
    #[command(flatten)]
    argon2: users::Argon2Args,
    /// Boxed: the command enum stays small whichever command it holds.
    #[command(flatten)]
    relay: Box<RelayArgs>,
}

/// Where changes are pushed out: NATS JetStream, and how webhooks are delivered.
#[derive(Debug, Args)]
struct RelayArgs {
    /// Publish every committed event to NATS JetStream here (`nats://127.0.0.1:4222`).
    #[arg(long, env = "CLIENTELE_NATS_URL", hide_env_values = true)]
    nats_url: Option<String>,
    /// The JetStream stream, made if absent (default CLIENTELE).
    #[arg(long, env = "CLIENTELE_NATS_STREAM")]
    nats_stream: Option<String>,
    /// Subjects are `PREFIX.<tenant>.<type>` (default clientele).
    #[arg(long, env = "CLIENTELE_NATS_SUBJECT_PREFIX")]
    nats_subject_prefix: Option<String>,
    /// Seconds a failing webhook delivery is retried before the endpoint is marked
    /// failing (default 86400: 24 h).
    #[arg(long, env = "CLIENTELE_WEBHOOK_RETRY_HORIZON_SECS")]
    webhook_retry_horizon_secs: Option<u64>,
    /// Milliseconds before the first retry, doubling each time up to an hour (default 5000).
    #[arg(long, env = "CLIENTELE_WEBHOOK_RETRY_FIRST_MS")]
    webhook_retry_first_ms: Option<u64>,
    /// Seconds one webhook delivery may take (default 10).
    #[arg(long, env = "CLIENTELE_WEBHOOK_TIMEOUT_SECS")]
    webhook_timeout_secs: Option<u64>,
    /// Seconds a relay lease lasts unrenewed: how soon another process takes over a sink
    /// from one that died (default 15).
    #[arg(long, env = "CLIENTELE_RELAY_LEASE_SECS")]
    relay_lease_secs: Option<u64>,
}

impl RelayArgs {
    fn resolve(self, file: &FileConfig) -> Result<RelaySettings, CliError> {
        let nats = match self
            .nats_url
            .or(file.nats_url.clone())
            .filter(|u| !u.is_empty())
        {
            Some(url) => {
                let stream = pick(self.nats_stream, file.nats_stream.clone(), || {
                    "CLIENTELE".to_owned()
                });
                let prefix = pick(
                    self.nats_subject_prefix,
                    file.nats_subject_prefix.clone(),
                    || "clientele".to_owned(),
                );
                Some(NatsSettings::new(url, stream, prefix).map_err(|why| {
                    CliError::Config(format!(
                        "CLIENTELE_NATS_STREAM, CLIENTELE_NATS_SUBJECT_PREFIX: {why}"
                    ))
                })?)
            }
            None => None,
        };
        let horizon = pick(
            self.webhook_retry_horizon_secs,
            file.webhook_retry_horizon_secs,
            || RetrySchedule::default().horizon.as_secs(),
        );
        let first = pick(
            self.webhook_retry_first_ms,
            file.webhook_retry_first_ms,
            || RetrySchedule::default().first.as_millis() as u64,
        );
        let timeout = pick(self.webhook_timeout_secs, file.webhook_timeout_secs, || 10);
        let lease = pick(self.relay_lease_secs, file.relay_lease_secs, || 15);
        if horizon == 0 || first == 0 || timeout == 0 || lease == 0 {
            return Err(CliError::Config(
                "CLIENTELE_WEBHOOK_RETRY_HORIZON_SECS, CLIENTELE_WEBHOOK_RETRY_FIRST_MS, \
                 CLIENTELE_WEBHOOK_TIMEOUT_SECS and CLIENTELE_RELAY_LEASE_SECS are at least 1"
                    .into(),
            ));
        }
        let defaults = RelaySettings::default();
        Ok(RelaySettings {
            nats,
            retry: RetrySchedule {
                first: Duration::from_millis(first),
                horizon: Duration::from_secs(horizon),
                ..RetrySchedule::default()
            },
            request_timeout: Duration::from_secs(timeout),
            lease: Duration::from_secs(lease),
            ..defaults
        })
    }
}

impl ServeArgs {
    pub fn resolve(self, file: FileConfig, database_url: String) -> Result<ServeConfig, CliError> {
        let secret_cost = self.argon2.cost(&file)?;
        let relay = self.relay.resolve(&file)?;
        let idle = pick(self.session_idle_secs, file.session_idle_secs, || {
            DEFAULT_SESSION_IDLE.as_secs()
        });
        // By default a use is written once a minute, or twice an idle period if shorter.
        let touch = self
            .session_touch_secs
            .unwrap_or_else(|| DEFAULT_SESSION_TOUCH.as_secs().min(idle / 2));
        let sessions = SessionPolicy::new(Duration::from_secs(idle), Duration::from_secs(touch))
            .map_err(|why| {
                CliError::Config(format!(
                    "CLIENTELE_SESSION_IDLE_SECS, CLIENTELE_SESSION_TOUCH_SECS: {why}"
                ))
            })?;
        Ok(ServeConfig {
            listen: pick(self.listen, file.listen, || DEFAULT_LISTEN.to_owned()),
            listen_fd: self.listen_fd,
            database_url,
            catalog: self.catalog.or(file.catalog),
            admin_key: self.admin_key.filter(|k| !k.is_empty()).map(Secret::new),
            log_format: pick(self.log_format, file.log_format, || LogFormat::Json),
            idempotency_retention: Duration::from_secs(
                3600 * file.idempotency_retention_hours.unwrap_or(24).max(24),
            ),
            limits: file.limits.unwrap_or_default(),
            rate_limit: pick(self.rate_limit, file.rate_limit, || 1000),
            secret_cost,
            sessions,
            relay,
        })
    }
}

/// Makes sure the default tenant has an admin key: the configured one, or a new one
/// printed once when the tenant has none. A configured key that is too easy to guess, or
/// was revoked, stops the start. Admin keys configured before stay until revoked: other
/// processes and clients may still use them while a rotation is under way.
async fn bootstrap_admin(store: &Store, admin_key: Option<&Secret>) -> Result<(), CliError> {
    if let Some(key) = admin_key {
        check_given_key(key.expose()).map_err(|why| {
            CliError::Config(format!(
                "CLIENTELE_ADMIN_KEY (--admin-key) is too easy to guess: {why}. \
                 Leave it unset to have a key made, or use e.g. `openssl rand -hex 32`"
            ))
        })?;
    }
    store
        .ensure_tenant(DEFAULT_TENANT, Timestamp::now())
        .await?;
    match admin_key {
        Some(key) => {
            keys::store_key(store, DEFAULT_TENANT, Role::Admin, key.expose()).await?;
            match keys::find(store, key.expose()).await? {
                None => {
                    return Err(CliError::Config(
                        "CLIENTELE_ADMIN_KEY (--admin-key) was revoked; choose a new one".into(),
                    ))
                }
                Some(found) if found.role != Role::Admin || found.tenant != DEFAULT_TENANT => {
                    return Err(CliError::Config(format!(
                        "CLIENTELE_ADMIN_KEY (--admin-key) is already the {} key of tenant {}; \
                         choose a new one",
                        found.role, found.tenant
                    )))
                }
                Some(_) => {}
            }
            let admins = keys::live_admins(store, DEFAULT_TENANT).await?;
            if admins > 1 {
                tracing::warn!(
                    admin_keys = admins,
                    "tenant {DEFAULT_TENANT} has more than one working admin key; \
                     `clientele keys list` shows them and `clientele keys revoke ID` retires one"
                );
            }
            Ok(())
        }
        None if store.has_key_with_role(DEFAULT_TENANT, Role::Admin).await? => Ok(()),
        None => {
            let key = ApiKey::generate();
            keys::store_key(store, DEFAULT_TENANT, Role::Admin, key.expose()).await?;
            println!(
                "clientele: made the admin key of tenant {DEFAULT_TENANT}; it is shown this once:"
            );
            println!("{}", key.expose());
            Ok(())
        }
    }
}

fn install_metrics() -> Option<PrometheusHandle> {
    const BUCKETS: &[f64] = &[
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    ];
    PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("seconds".into()), BUCKETS)
        .and_then(|b| b.install_recorder())
        .map_err(|e| tracing::warn!(error = %e, "metrics are off"))
        .ok()
}

fn listener(config: &ServeConfig) -> Result<tokio::net::TcpListener, CliError> {
    let std_listener = match config.listen_fd {
        #[cfg(unix)]
        Some(fd) => {
            use std::os::fd::FromRawFd;
            // SAFETY: the parent handed this descriptor down for us to own; nothing else uses it.
            unsafe { StdListener::from_raw_fd(fd) }
        }
        #[cfg(not(unix))]
        Some(_) => return Err(CliError::Config("--listen-fd needs a Unix system".into())),
        None => StdListener::bind(&config.listen)
            .map_err(|e| CliError::Config(format!("cannot listen on {}: {e}", config.listen)))?,
    };
    std_listener.set_nonblocking(true)?;
    Ok(tokio::net::TcpListener::from_std(std_listener)?)
}

/// Resolves on SIGTERM or Ctrl-C. The SIGTERM handler is installed when this is called,
/// not when the future is first polled, so a signal that comes while the server starts
/// (or before the accept loop first looks at it) stops it cleanly rather than killing it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    async move {
        let interrupt = tokio::signal::ctrl_c();
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = interrupt.await;
        tracing::info!("shutting down: finishing requests in flight");
    }
}

pub async fn run(config: ServeConfig) -> Result<(), CliError> {
    let shutdown = shutdown_signal();
    let store = open_store(&config.database_url).await?;
    bootstrap_admin(&store, config.admin_key.as_ref()).await?;
    if let Some(path) = &config.catalog {
        let document = catalog::read_catalog_file(path)?;
        let version = catalog::apply(&store, DEFAULT_TENANT, document, &config.limits).await?;
        tracing::info!(file = %path.display(), version, "catalog of the default tenant loaded");
    }
    let settings = Settings {
        limits: config.limits.clone(),
        secret_cost: config.secret_cost,
        sessions: config.sessions,
        ..Settings::default()
    };
    let registry = Registry::new(store.clone(), settings, api::event_encoder());
    let numbered = registry
        .number_customers()
        .await
        .map_err(|e| CliError::Config(format!("numbering customers: {e}")))?;
    if numbered > 0 {
        tracing::info!(
            numbered,
            "numbered the customers stored before numbers existed"
        );
    }
    let state = AppState::new(registry, config.rate_limit, install_metrics());
    let purge_sessions = tokio::spawn(purge_sessions(state.registry.clone()));
    let purge = tokio::spawn(purge_idempotency(
        store.clone(),
        config.idempotency_retention,
    ));
    let listener = listener(&config)?;
    // Pushes committed events out (NATS, webhooks); off the write path.
    let relay = Relay::start(
        store.clone(),
        config.relay.clone(),
        api::native::webhooks::feed_renderer(),
    );
    tracing::info!(
        address = %listener.local_addr()?,
        backend = store.backend(),
        "clientele is listening"
    );
    let registry = state.registry.clone();
    let shutdown = async move {
        shutdown.await;
        registry.stop_waiting();
    };
    serve_connections(listener, api::router(state), shutdown).await;
    relay.stop().await;
    purge.abort();
    purge_sessions.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// After SIGTERM, requests in flight get this long to finish: a client that trickles its
/// bytes must not hold the process up for ever.
const DRAIN: Duration = Duration::from_secs(30);

/// How long a client may take to send a request's headers.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// Accepts connections until `shutdown`, then lets open ones finish (up to `DRAIN`).
/// axum's own `serve` runs hyper without a timer, so it cannot time out a client that
/// never finishes its headers; this loop runs hyper with one.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    use tower::ServiceExt;

    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        // Twice the fields the API takes, so that a request with too many meets the
        // API's limit and its problem document rather than hyper's empty 431.
        .max_headers(2 * api::http::framing::MAX_HEADERS);
    builder.http2().timer(TokioTimer::new());
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone().map_request(
            |request: axum::http::Request<hyper::body::Incoming>| {
                request.map(axum::body::Body::new)
            },
        ));
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(DRAIN) => {
            tracing::warn!("requests still open {DRAIN:?} after the signal were cut off");
        }
    }
}

/// Forgets the eGain door's sessions once they have expired.
async fn purge_sessions(registry: Registry) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match registry.purge_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "forgot expired sessions"),
            Err(e) => tracing::warn!(error = %e, "purging sessions failed"),
        }
    }
}

/// Forgets stored idempotent answers once they are older than the retention (at least 24 h).
async fn purge_idempotency(store: Store, retention: Duration) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let before =
            Timestamp::from_micros(Timestamp::now().micros() - retention.as_micros() as i64);
        match store.purge_idempotency(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "forgot expired idempotency keys"),
            Err(e) => tracing::warn!(error = %e, "purging idempotency keys failed"),
        }
    }
}
