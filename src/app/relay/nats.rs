//! The NATS JetStream sink: every committed event of every tenant, published to
//! `{prefix}.{tenant}.{type}` on a stream the relay makes if absent, with `Nats-Msg-Id` set
//! to the event's `eventId`, so that JetStream's duplicate window drops what a retry or a
//! new holder sends again. The cursor (a global seq) advances only over events the stream
//! acknowledged, so a restart — of this process or of the broker — resumes with nothing
//! skipped.
//!
//! Acks are waited for in windows, and a window never holds two events of one entity: when
//! an event fails, the ones after it are sent again, and an entity's next event is only
//! ever sent once the one before it was acknowledged. So the stream holds each entity's
//! events in order, however publishes fail, and still takes many events per round trip.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, context::PublishErrorKind, stream};

use super::lease::Lease;
use super::{sleep_or_stop, Ctx};
use crate::domain::webhooks::{Cursor, OutboxEvent};

/// Events read from the outbox at a time.
const BATCH: usize = 1000;
/// Publishes waiting for their acks at most.
const WINDOW: usize = 256;
/// How long a publish waits for its ack.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Where events are published.
#[derive(Clone)]
pub struct NatsSettings {
    url: String,
    stream: String,
    subject_prefix: String,
}

/// The URL may carry credentials: they are not printed.
impl std::fmt::Debug for NatsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSettings")
            .field("url", &crate::store::redact(&self.url))
            .field("stream", &self.stream)
            .field("subject_prefix", &self.subject_prefix)
            .finish()
    }
}

fn token_ok(token: &str) -> bool {
    !token.is_empty()
        && token
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '*' | '>' | '.'))
}

impl NatsSettings {
    /// `stream` is a stream name (no `.`, `*`, `>` or spaces); `subject_prefix` is one or
    /// more subject tokens, like `clientele` or `acme.registry`.
    pub fn new(url: String, stream: String, subject_prefix: String) -> Result<Self, String> {
        if !token_ok(&stream) || stream.len() > 255 {
            return Err(format!(
                "{stream:?} is no JetStream stream name: 1 to 255 characters, without '.', '*', '>' or spaces"
            ));
        }
        if !subject_prefix.split('.').all(token_ok) {
            return Err(format!(
                "{subject_prefix:?} is no subject prefix: tokens separated by '.', without '*', '>' or spaces"
            ));
        }
        Ok(Self {
            url,
            stream,
            subject_prefix,
        })
    }

    /// The sink's name among the relay's cursors.
    pub(super) fn sink(&self) -> String {
        format!("nats:{}", self.stream)
    }

    fn subject(&self, event: &OutboxEvent) -> String {
        format!(
            "{}.{}.{}",
            self.subject_prefix, event.tenant, event.event.event_type
        )
    }

    fn stream_config(&self) -> stream::Config {
        stream::Config {
            name: self.stream.clone(),
            subjects: vec![format!("{}.>", self.subject_prefix)],
            description: Some("clientele: every committed change, by tenant and type".into()),
            ..Default::default()
        }
    }
}

/// Events of one entity must reach the stream in order. A tenant's catalog versions are
/// one entity.
fn order_key(event: &OutboxEvent) -> (&str, &str, &str) {
    let e = &event.event;
    if e.entity == "catalog" {
        (&event.tenant, "catalog", "")
    } else {
        (&event.tenant, &e.entity, &e.entity_id)
    }
}

/// Why a sink stopped holding on.
enum Held {
    Stopped,
    /// Another process holds the lease now.
    Lost,
    /// Publishing or the store failed: wait and try again; `true` when the stream is gone.
    Failed(bool),
}

pub(super) async fn run(ctx: Arc<Ctx>, settings: NatsSettings) {
    let lease = Lease::new(settings.sink());
    let mut stop = ctx.stop.clone();
    // The stream gets every committed event: its cursor starts before the first.
    while let Err(e) = ctx
        .store
        .ensure_cursor(&lease.sink, 0, crate::domain::time::Timestamp::now())
        .await
    {
        tracing::warn!(error = %e, "the NATS relay could not make its cursor");
        if sleep_or_stop(&mut stop, Duration::from_secs(1)).await {
            return;
        }
    }
    let connected = async_nats::ConnectOptions::new()
        .name("clientele relay")
        .retry_on_initial_connect()
        .connection_timeout(Duration::from_secs(5))
        .event_callback(|event| async move {
            match event {
                async_nats::Event::Connected => tracing::info!("NATS connected"),
                other => tracing::warn!(event = %other, "NATS connection"),
            }
        })
        .connect(&settings.url)
        .await;
    let client = match connected {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "CLIENTELE_NATS_URL cannot be used; events are not published");
            return;
        }
    };
    let mut js = jetstream::new(client);
    js.set_timeout(ACK_TIMEOUT);
    let mut stream_ready = false;
    let mut backoff = Duration::from_millis(100);
    tracing::info!(stream = %settings.stream, "the NATS relay is running");
    loop {
        if ctx.stopping() {
            break;
        }
        let cursor = match lease.claim(&ctx).await {
            Ok(Some(cursor)) => cursor,
            Ok(None) => {
                if sleep_or_stop(&mut stop, ctx.renew_every()).await {
                    break;
                }
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "the NATS relay could not take its lease");
                if sleep_or_stop(&mut stop, Duration::from_secs(1)).await {
                    break;
                }
                continue;
            }
        };
        if !stream_ready {
            match js.get_or_create_stream(settings.stream_config()).await {
                Ok(_) => stream_ready = true,
                Err(e) => {
                    tracing::warn!(error = %e, stream = %settings.stream, "the JetStream stream is not there yet");
                    if sleep_or_stop(&mut stop, backoff).await {
                        break;
                    }
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    continue;
                }
            }
        }
        match hold(&ctx, &js, &settings, &lease, cursor, &mut backoff).await {
            Held::Stopped => break,
            Held::Lost => {}
            Held::Failed(stream_gone) => {
                stream_ready &= !stream_gone;
                if sleep_or_stop(&mut stop, backoff).await {
                    break;
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
    lease.release(&ctx).await;
}

/// Publishes while this process holds the lease.
async fn hold(
    ctx: &Ctx,
    js: &jetstream::Context,
    settings: &NatsSettings,
    lease: &Lease,
    mut cursor: Cursor,
    backoff: &mut Duration,
) -> Held {
    let mut newest = ctx.newest.clone();
    let mut stop = ctx.stop.clone();
    let mut renewed = tokio::time::Instant::now();
    loop {
        if ctx.stopping() {
            return Held::Stopped;
        }
        newest.borrow_and_update();
        let events = match ctx.store.relay_events(cursor.last_seq, BATCH).await {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "the NATS relay could not read the outbox");
                return Held::Failed(false);
            }
        };
        if events.is_empty() {
            let wait = ctx.renew_every().saturating_sub(renewed.elapsed());
            tokio::select! {
                _ = newest.changed() => {}
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return Held::Stopped,
            }
            if renewed.elapsed() >= ctx.renew_every() {
                match lease.claim(ctx).await {
                    Ok(Some(held)) if held == cursor => renewed = tokio::time::Instant::now(),
                    Ok(Some(_)) => return Held::Lost,
                    Ok(None) => return Held::Lost,
                    Err(e) => {
                        tracing::warn!(error = %e, "the NATS relay could not renew its lease");
                        return Held::Failed(false);
                    }
                }
            }
            continue;
        }
        let (published, failure) = publish(js, settings, ctx, cursor.last_seq, &events).await;
        if published > cursor.last_seq {
            cursor.last_seq = published;
            match lease.advance(ctx, cursor).await {
                Ok(true) => renewed = tokio::time::Instant::now(),
                Ok(false) => return Held::Lost,
                Err(e) => {
                    tracing::warn!(error = %e, "the NATS relay could not write its position");
                    return Held::Failed(false);
                }
            }
        }
        if let Some(kind) = failure {
            return Held::Failed(kind == PublishErrorKind::StreamNotFound);
        }
        *backoff = Duration::from_millis(100);
    }
}

/// Publishes `events` (which follow `from`) in windows; the last global seq up to which
/// every one was acknowledged, and the first failure, if any.
async fn publish(
    js: &jetstream::Context,
    settings: &NatsSettings,
    ctx: &Ctx,
    from: i64,
    events: &[OutboxEvent],
) -> (i64, Option<PublishErrorKind>) {
    let mut done = from;
    let mut next = 0;
    while next < events.len() {
        let mut entities = HashSet::new();
        let mut pending = Vec::with_capacity(WINDOW);
        let mut failure = None;
        while next < events.len() && pending.len() < WINDOW {
            let event = &events[next];
            if !entities.insert(order_key(event)) {
                break;
            }
            let mut headers = async_nats::HeaderMap::new();
            headers.insert(
                async_nats::header::NATS_MESSAGE_ID,
                event.event.event_id.as_str(),
            );
            headers.insert("Clientele-Event-Type", event.event.event_type.as_str());
            let payload = ctx.renderer.render(&event.event);
            match js
                .publish_with_headers(settings.subject(event), headers, payload.into())
                .await
            {
                Ok(ack) => pending.push((event.global_seq, ack)),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            next += 1;
        }
        // Every pending publish came before any that failed to be sent. After the first
        // that fails, what the others say cannot move the cursor: they are not waited for
        // (each would wait its own time-out once the broker is gone).
        let mut acked = 0u64;
        for (seq, ack) in pending {
            match ack.await {
                Ok(_) => {
                    acked += 1;
                    done = seq;
                }
                Err(e) => {
                    failure.get_or_insert(e);
                    break;
                }
            }
        }
        metrics::counter!("clientele_relay_events_total", "sink" => settings.sink())
            .increment(acked);
        if let Some(e) = failure {
            metrics::counter!("clientele_nats_publish_failures_total").increment(1);
            tracing::warn!(error = %e, "publishing to JetStream failed; trying again");
            return (done, Some(e.kind()));
        }
    }
    (done, None)
}
