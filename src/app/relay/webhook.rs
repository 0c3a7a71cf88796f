//! One webhook endpoint's task: while this process holds the endpoint's lease, it posts
//! each of the tenant's events the endpoint takes, one at a time, in feed order, so an
//! endpoint sees an entity's events in order. A failed delivery is tried again on the retry
//! schedule, and the events after it wait; once the schedule's horizon has passed, the
//! endpoint is marked failing and everything waits for its owner. The cursor advances only
//! over events delivered (or not taken), with the attempts that got there, in one write.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::watch;

use super::lease::Lease;
use super::{sleep_or_stop, Ctx};
use crate::domain::events::Event;
use crate::domain::time::Timestamp;
use crate::domain::webhooks::{
    webhook_sink, Cursor, DeliveryAttempt, DeliveryOutcome, DeliveryProgress, Webhook,
    WebhookStatus,
};

/// Events read from the feed at a time.
const BATCH: usize = 200;
/// Attempts written at once at most, and how long they wait to be written.
const FLUSH_COUNT: usize = 200;
const FLUSH_AFTER: Duration = Duration::from_millis(200);
/// What of an answer's body is read (and dropped) so its connection can be used again.
const DRAIN_BYTES: usize = 64 * 1024;
const MAX_ERROR_CHARS: usize = 300;

/// Why a task stopped delivering.
enum Stop {
    /// The relay is stopping, or the endpoint was deleted.
    Ended,
    /// The lease was lost, or a replay reset the cursor: start again from the cursor.
    Restart,
    /// The endpoint is no longer active (disabled, or it became failing here).
    Inactive,
    /// The store failed; wait a little.
    Failed,
}

struct Endpoint {
    ctx: Arc<Ctx>,
    config: watch::Receiver<Webhook>,
    lease: Lease,
    /// Where the holder has got to, and the attempts not yet written with it.
    cursor: Cursor,
    attempts: Vec<DeliveryAttempt>,
    flushed: Instant,
}

pub(super) async fn run(ctx: Arc<Ctx>, config: watch::Receiver<Webhook>) {
    let id = config.borrow().id.clone();
    let mut endpoint = Endpoint {
        lease: Lease::new(webhook_sink(&id)),
        ctx,
        config,
        cursor: Cursor {
            last_seq: 0,
            generation: 0,
        },
        attempts: Vec::new(),
        flushed: Instant::now(),
    };
    endpoint.run().await;
}

impl Endpoint {
    fn hook(&self) -> Webhook {
        self.config.borrow().clone()
    }

    /// Waits for the registration to change (or for `timeout`); `false` when it is gone or
    /// the relay is stopping.
    async fn wait_for_change(&mut self, timeout: Duration) -> bool {
        let mut stop = self.ctx.stop.clone();
        if *stop.borrow() {
            return false;
        }
        tokio::select! {
            changed = self.config.changed() => changed.is_ok(),
            _ = tokio::time::sleep(timeout) => true,
            _ = stop.changed() => false,
        }
    }

    async fn run(&mut self) {
        let id = self.hook().id;
        loop {
            // A deleted endpoint's registration is no longer sent: its sender is gone.
            if self.ctx.stopping() || self.config.has_changed().is_err() {
                break;
            }
            if self.hook().status != WebhookStatus::Active {
                if !self.wait_for_change(Duration::from_secs(60)).await {
                    break;
                }
                continue;
            }
            match self.lease.claim(&self.ctx).await {
                Ok(Some(cursor)) => {
                    self.cursor = cursor;
                    self.attempts.clear();
                    self.flushed = Instant::now();
                }
                Ok(None) => {
                    // Another process holds it: try again when its lease could have lapsed.
                    let mut stop = self.ctx.stop.clone();
                    if sleep_or_stop(&mut stop, self.ctx.renew_every()).await {
                        break;
                    }
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, webhook = %id, "could not take a webhook's lease");
                    let mut stop = self.ctx.stop.clone();
                    if sleep_or_stop(&mut stop, Duration::from_secs(1)).await {
                        break;
                    }
                    continue;
                }
            }
            match self.deliver_while_held().await {
                Stop::Ended => break,
                Stop::Restart | Stop::Inactive => {}
                Stop::Failed => {
                    let mut stop = self.ctx.stop.clone();
                    if sleep_or_stop(&mut stop, Duration::from_secs(1)).await {
                        break;
                    }
                }
            }
        }
        self.lease.release(&self.ctx).await;
    }

    /// Writes the cursor and the attempts; `false` when the lease is no longer ours (or a
    /// replay moved the cursor), and then nothing was written.
    async fn flush(&mut self) -> Result<(), Stop> {
        let progress = DeliveryProgress {
            sink: self.lease.sink.clone(),
            owner: self.ctx.owner.clone(),
            cursor: self.cursor,
            lease_until: self.ctx.lease_until(),
            at: Timestamp::now(),
            attempts: std::mem::take(&mut self.attempts),
        };
        let kept = progress.attempts.clone();
        match self.ctx.store.record_deliveries(progress).await {
            Ok(true) => {
                self.flushed = Instant::now();
                Ok(())
            }
            Ok(false) => Err(Stop::Restart),
            Err(e) => {
                tracing::warn!(error = %e, sink = %self.lease.sink, "could not write a webhook's progress");
                self.attempts = kept;
                Err(Stop::Failed)
            }
        }
    }

    /// Whether the registration still says to go on from where this holder is.
    fn still_current(&self) -> Result<(), Stop> {
        let hook = self.config.borrow();
        if hook.generation != self.cursor.generation {
            return Err(Stop::Restart);
        }
        if hook.status != WebhookStatus::Active {
            return Err(Stop::Inactive);
        }
        Ok(())
    }

    async fn deliver_while_held(&mut self) -> Stop {
        match self.deliver_events().await {
            Ok(never) => match never {},
            Err(Stop::Inactive) => {
                // Write what was delivered before stopping; the lease lapses by itself.
                let _ = self.flush().await;
                Stop::Inactive
            }
            Err(stop @ (Stop::Ended | Stop::Failed)) => {
                let _ = self.flush().await;
                stop
            }
            Err(Stop::Restart) => Stop::Restart,
        }
    }

    async fn deliver_events(&mut self) -> Result<std::convert::Infallible, Stop> {
        let mut newest = self.ctx.newest.clone();
        loop {
            if self.ctx.stopping() {
                return Err(Stop::Ended);
            }
            self.still_current()?;
            newest.borrow_and_update();
            let tenant = self.hook().tenant;
            let events = self
                .ctx
                .store
                .events(&tenant, self.cursor.last_seq, BATCH)
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "a webhook could not read the feed");
                    Stop::Failed
                })?;
            if events.is_empty() {
                if !self.attempts.is_empty() {
                    self.flush().await?;
                }
                let wait = self
                    .ctx
                    .renew_every()
                    .saturating_sub(self.flushed.elapsed());
                let mut stop = self.ctx.stop.clone();
                tokio::select! {
                    _ = newest.changed() => {}
                    changed = self.config.changed() => if changed.is_err() { return Err(Stop::Ended) },
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.changed() => return Err(Stop::Ended),
                }
                if self.flushed.elapsed() >= self.ctx.renew_every() {
                    self.flush().await?;
                }
                continue;
            }
            for event in events {
                let hook = self.hook();
                if hook.events.matches(&event.event_type) {
                    self.deliver(&event).await?;
                }
                self.cursor.last_seq = event.seq;
                if self.attempts.len() >= FLUSH_COUNT || self.flushed.elapsed() >= FLUSH_AFTER {
                    self.flush().await?;
                }
                self.still_current()?;
            }
        }
    }

    /// Delivers one event, trying again on the schedule; returns once it is delivered.
    async fn deliver(&mut self, event: &Event) -> Result<(), Stop> {
        let body = self.ctx.renderer.render(event);
        let mut first_failure = None;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let hook = self.hook();
            let started = Instant::now();
            let sent = send(&self.ctx.http, &hook, event, &body).await;
            let at = Timestamp::now();
            let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
            metrics::counter!("clientele_webhook_delivery_attempts_total", "webhook" => hook.id.clone())
                .increment(1);
            let (status, error) = match sent {
                Ok(status) if (200..300).contains(&status) => {
                    self.attempts.push(DeliveryAttempt {
                        webhook_id: hook.id.clone(),
                        seq: event.seq,
                        event_id: event.event_id.clone(),
                        event_type: event.event_type.clone(),
                        attempt,
                        at,
                        status: Some(status),
                        error: None,
                        duration_ms,
                        outcome: DeliveryOutcome::Delivered,
                        next_try_at: None,
                    });
                    metrics::counter!("clientele_relay_events_total", "sink" => self.lease.sink.clone())
                        .increment(1);
                    return Ok(());
                }
                Ok(status) => (Some(status), None),
                Err(error) => (None, Some(error)),
            };
            metrics::counter!("clientele_webhook_delivery_failures_total", "webhook" => hook.id.clone())
                .increment(1);
            let first = *first_failure.get_or_insert(at);
            let jitter: f64 = rand::rng().random();
            let next = self.ctx.settings.retry.next_try(attempt, first, at, jitter);
            self.attempts.push(DeliveryAttempt {
                webhook_id: hook.id.clone(),
                seq: event.seq,
                event_id: event.event_id.clone(),
                event_type: event.event_type.clone(),
                attempt,
                at,
                status,
                error,
                duration_ms,
                outcome: match next {
                    Some(_) => DeliveryOutcome::Retrying,
                    None => DeliveryOutcome::Failed,
                },
                next_try_at: next,
            });
            // What came before this event is delivered; the attempts show the next try.
            self.flush().await?;
            let Some(next) = next else {
                tracing::warn!(webhook = %hook.id, seq = event.seq, "a webhook kept failing for the whole retry horizon; it is failing now");
                self.give_up(&hook, at).await;
                return Err(Stop::Inactive);
            };
            self.wait_until(next).await?;
        }
    }

    /// Waits for the next try, renewing the lease meanwhile; an owner's change (a replay,
    /// disabling it) ends the wait.
    async fn wait_until(&mut self, next: Timestamp) -> Result<(), Stop> {
        loop {
            let left = Duration::from_micros(
                u64::try_from(next.micros() - Timestamp::now().micros()).unwrap_or(0),
            );
            if left.is_zero() {
                return Ok(());
            }
            let renew = self
                .ctx
                .renew_every()
                .saturating_sub(self.flushed.elapsed());
            let mut stop = self.ctx.stop.clone();
            tokio::select! {
                _ = tokio::time::sleep(left.min(renew)) => {}
                changed = self.config.changed() => if changed.is_err() { return Err(Stop::Ended) },
                _ = stop.changed() => return Err(Stop::Ended),
            }
            self.still_current()?;
            if self.flushed.elapsed() >= self.ctx.renew_every() {
                self.flush().await?;
            }
        }
    }

    /// Marks the endpoint failing and waits for the registration to say so (or to have
    /// been changed since), so this task does not start on it again meanwhile.
    async fn give_up(&mut self, hook: &Webhook, at: Timestamp) {
        let mut stop = self.ctx.stop.clone();
        while let Err(e) = self.ctx.store.mark_webhook_failing(&hook.id, at).await {
            tracing::warn!(error = %e, webhook = %hook.id, "could not mark a webhook failing");
            if sleep_or_stop(&mut stop, Duration::from_secs(1)).await {
                return;
            }
        }
        while self.config.borrow().updated_at < at {
            if !self.wait_for_change(Duration::from_secs(60)).await {
                return;
            }
        }
    }
}

/// Posts the event as the feed shows it, signed; the answer's status, or what went wrong.
async fn send(
    http: &reqwest::Client,
    hook: &Webhook,
    event: &Event,
    body: &[u8],
) -> Result<u16, String> {
    let timestamp = Timestamp::now().micros() / 1_000_000;
    let signature = hook.secret.sign(&event.event_id, timestamp, body);
    let sent = http
        .post(hook.url.as_str())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &event.event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .header("clientele-event-type", &event.event_type)
        .body(body.to_vec())
        .send()
        .await;
    match sent {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let mut read = 0;
            while let Ok(Some(chunk)) = response.chunk().await {
                read += chunk.len();
                if read > DRAIN_BYTES {
                    break;
                }
            }
            Ok(status)
        }
        Err(e) => {
            // The URL is the endpoint's own, shown beside the attempts anyway.
            let e = e.without_url();
            let what = if e.is_timeout() {
                "timed out".to_owned()
            } else if e.is_connect() {
                format!("could not connect: {}", source_chain(&e))
            } else {
                source_chain(&e)
            };
            Err(what.chars().take(MAX_ERROR_CHARS).collect())
        }
    }
}

/// An error and its causes.
fn source_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
