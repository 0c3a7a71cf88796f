//! Changes pushed out: a relay that follows the outbox (every committed event, in commit
//! order) and pushes it to each sink — a NATS JetStream stream, and each registered webhook
//! endpoint — at least once and in order per entity, each sink from a cursor kept in the
//! database.
//!
//! Every server process runs a relay. Each sink's cursor carries a lease, so that one
//! process at a time advances it; the others keep trying to take it, and one takes over
//! when the holder stops renewing (it died) or gives it up (it shut down), from the
//! position the holder last wrote: what was sent after that is sent again, never skipped.
//! Each sink is a task of its own, so a slow or dead endpoint holds up only itself, and
//! nothing here is on the write path: writes only add events, which the relay reads after
//! they are committed.

mod lease;
mod nats;
mod webhook;
mod webhooks;

pub use nats::NatsSettings;
pub use webhooks::WebhookRefusal;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::domain::events::Event;
use crate::domain::time::Timestamp;
use crate::domain::webhooks::{webhook_sink, RetrySchedule, Webhook};
use crate::store::Store;

/// How the relay is tuned.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Publish every event to JetStream, when set.
    pub nats: Option<NatsSettings>,
    /// When failed webhook deliveries are tried again, and for how long.
    pub retry: RetrySchedule,
    /// How long one webhook delivery may take.
    pub request_timeout: Duration,
    /// How long a sink's lease lasts unrenewed: the longest a dead process holds up a sink.
    pub lease: Duration,
    /// How often the outbox is looked at for new events.
    pub poll: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            nats: None,
            retry: RetrySchedule::default(),
            request_timeout: Duration::from_secs(10),
            lease: Duration::from_secs(15),
            poll: Duration::from_millis(50),
        }
    }
}

/// How an event is shown to what is downstream: exactly as the change feed shows it, so
/// a consumer reads webhooks, the stream and the feed alike. The doors' server supplies it.
pub trait EventRenderer: Send + Sync {
    /// The event as the feed shows it, in JSON.
    fn render(&self, event: &Event) -> Vec<u8>;
}

/// What every sink task shares.
struct Ctx {
    store: Store,
    settings: RelaySettings,
    renderer: Arc<dyn EventRenderer>,
    /// This process's name in lease rows.
    owner: String,
    /// The newest event's global seq, as last looked at: sinks wait on its changes.
    newest: watch::Receiver<i64>,
    /// Becomes `true` when the relay is to stop.
    stop: watch::Receiver<bool>,
    http: reqwest::Client,
}

impl Ctx {
    fn lease_until(&self) -> Timestamp {
        Timestamp::from_micros(Timestamp::now().micros() + micros(self.settings.lease))
    }

    /// How often a holder renews its lease: three times a lease, so one slow renewal
    /// does not lose it.
    fn renew_every(&self) -> Duration {
        self.settings.lease / 3
    }

    fn stopping(&self) -> bool {
        *self.stop.borrow()
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// Waits `duration`; `true` when the relay is stopping instead.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, duration: Duration) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(duration) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

/// How often the relay looks for endpoints registered, changed or deleted (on any process).
const SCAN: Duration = Duration::from_secs(1);
/// Delivery attempts are kept this long for `GET /v1/webhooks/{id}/deliveries`.
const DELIVERY_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
const PURGE_EVERY: Duration = Duration::from_secs(600);
/// How long stopping waits for sinks to write where they are and give up their leases.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A running relay; [`Relay::stop`] ends it.
pub struct Relay {
    stop: watch::Sender<bool>,
    supervisor: JoinHandle<()>,
}

impl Relay {
    /// Starts the relay's tasks: the outbox watcher, the NATS sink when configured, and
    /// one task per webhook endpoint, kept in step with the registrations.
    pub fn start(store: Store, settings: RelaySettings, renderer: Arc<dyn EventRenderer>) -> Self {
        let (stop_tx, stop) = watch::channel(false);
        let (newest_tx, newest) = watch::channel(0);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(5)))
            .timeout(settings.request_timeout)
            .user_agent(concat!("clientele-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "the webhook client could not be built; using defaults");
                reqwest::Client::new()
            });
        let owner = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let ctx = Arc::new(Ctx {
            store,
            settings,
            renderer,
            owner,
            newest,
            stop,
            http,
        });
        let supervisor = tokio::spawn(supervise(ctx, newest_tx));
        Self {
            stop: stop_tx,
            supervisor,
        }
    }

    /// Stops every sink: each writes how far it came and gives up its lease, so another
    /// process takes over at once.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(STOP_GRACE * 2, self.supervisor)
            .await
            .is_err()
        {
            tracing::warn!("the relay did not stop in time");
        }
    }
}

/// One task per endpoint, each fed the endpoint's registration as it changes.
struct EndpointTask {
    config: watch::Sender<Webhook>,
    handle: JoinHandle<()>,
}

/// Keeps the sink tasks in step with what is registered, the outbox watcher running while
/// there is a sink, and the lag of every sink measured (on every process, holder or not).
async fn supervise(ctx: Arc<Ctx>, newest_tx: watch::Sender<i64>) {
    let (watching_tx, watching) = watch::channel(ctx.settings.nats.is_some());
    let watcher = tokio::spawn(watch_outbox(ctx.clone(), newest_tx, watching));
    let nats = ctx
        .settings
        .nats
        .clone()
        .map(|settings| tokio::spawn(nats::run(ctx.clone(), settings)));
    let mut endpoints: HashMap<String, EndpointTask> = HashMap::new();
    let mut stop = ctx.stop.clone();
    let mut last_purge: Option<tokio::time::Instant> = None;
    loop {
        match ctx.store.webhooks(None).await {
            Ok(hooks) => {
                let _ = watching_tx.send(ctx.settings.nats.is_some() || !hooks.is_empty());
                sync_endpoints(&ctx, &mut endpoints, hooks);
            }
            Err(e) => tracing::warn!(error = %e, "the relay could not read the webhooks"),
        }
        if let Some(settings) = &ctx.settings.nats {
            measure_nats(&ctx, settings).await;
        }
        if last_purge.is_none_or(|at| at.elapsed() >= PURGE_EVERY) {
            last_purge = Some(tokio::time::Instant::now());
            purge_deliveries(&ctx.store).await;
        }
        if sleep_or_stop(&mut stop, SCAN).await {
            break;
        }
    }
    // Each task sees the stop itself; wait for them to write where they are.
    let mut handles: Vec<JoinHandle<()>> = endpoints.into_values().map(|t| t.handle).collect();
    handles.extend(nats);
    let all = async {
        for handle in handles {
            let _ = handle.await;
        }
    };
    if tokio::time::timeout(STOP_GRACE, all).await.is_err() {
        tracing::warn!("some sinks did not stop in time; their leases expire on their own");
    }
    watcher.abort();
}

fn sync_endpoints(
    ctx: &Arc<Ctx>,
    endpoints: &mut HashMap<String, EndpointTask>,
    hooks: Vec<Webhook>,
) {
    let mut seen = std::collections::HashSet::new();
    for hook in hooks {
        seen.insert(hook.id.clone());
        metrics::gauge!("clientele_relay_lag", "sink" => webhook_sink(&hook.id))
            .set(hook.pending() as f64);
        metrics::gauge!("clientele_webhook_queue", "webhook" => hook.id.clone())
            .set(hook.pending() as f64);
        metrics::gauge!("clientele_webhook_failing", "webhook" => hook.id.clone()).set(
            if hook.status == crate::domain::webhooks::WebhookStatus::Failing {
                1.0
            } else {
                0.0
            },
        );
        match endpoints.get(&hook.id) {
            Some(task) if !task.handle.is_finished() => {
                task.config.send_if_modified(|current| {
                    let changed = *current != hook;
                    if changed {
                        *current = hook.clone();
                    }
                    changed
                });
            }
            _ => {
                let id = hook.id.clone();
                let (config, receiver) = watch::channel(hook);
                let handle = tokio::spawn(webhook::run(ctx.clone(), receiver));
                endpoints.insert(id, EndpointTask { config, handle });
            }
        }
    }
    // A deleted endpoint's task ends when its registration's sender is dropped.
    endpoints.retain(|id, _| seen.contains(id));
}

async fn measure_nats(ctx: &Ctx, settings: &NatsSettings) {
    let sink = settings.sink();
    let newest = *ctx.newest.borrow();
    if let Ok(Some(cursor)) = ctx.store.read_cursor(&sink).await {
        metrics::gauge!("clientele_relay_lag", "sink" => sink)
            .set((newest - cursor.last_seq).max(0) as f64);
    }
}

async fn purge_deliveries(store: &Store) {
    let before = Timestamp::from_micros(Timestamp::now().micros() - micros(DELIVERY_RETENTION));
    match store.purge_deliveries(before).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(purged = n, "forgot old webhook delivery attempts"),
        Err(e) => tracing::warn!(error = %e, "purging webhook delivery attempts failed"),
    }
}

/// Looks at the outbox's newest seq every `poll` while some sink needs it; on PostgreSQL
/// this is also what numbers committed events for the relay.
async fn watch_outbox(
    ctx: Arc<Ctx>,
    newest_tx: watch::Sender<i64>,
    mut watching: watch::Receiver<bool>,
) {
    let mut stop = ctx.stop.clone();
    loop {
        if *watching.borrow_and_update() {
            match ctx.store.relay_newest().await {
                Ok(newest) => {
                    newest_tx.send_if_modified(|current| {
                        let changed = *current != newest;
                        *current = newest;
                        changed
                    });
                }
                Err(e) => tracing::warn!(error = %e, "the relay could not read the outbox"),
            }
        }
        if sleep_or_stop(&mut stop, ctx.settings.poll).await {
            return;
        }
    }
}
