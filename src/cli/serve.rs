use std::net::TcpListener as StdListener;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::{catalog, keys, open_store, users, CliError};
use crate::api::{self, AppState};
use crate::app::{Registry, Settings};
use crate::config::{pick, FileConfig, LogFormat, Secret, ServeConfig, DEFAULT_LISTEN};
use crate::domain::auth::{check_given_key, ApiKey, Role};
use crate::domain::time::Timestamp;
use crate::domain::users::{SessionPolicy, DEFAULT_SESSION_IDLE, DEFAULT_SESSION_TOUCH};
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
}

impl ServeArgs {
    pub fn resolve(self, file: FileConfig, database_url: String) -> Result<ServeConfig, CliError> {
        let secret_cost = self.argon2.cost(&file)?;
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
