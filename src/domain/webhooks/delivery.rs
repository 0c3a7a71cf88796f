use std::time::Duration;

use crate::domain::time::Timestamp;

/// How a delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// A 2xx answer.
    Delivered,
    /// Refused or unanswered; it is tried again at `next_try_at`.
    Retrying,
    /// Refused or unanswered at the end of the retry horizon: the endpoint is failing.
    Failed,
}

impl DeliveryOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryOutcome::Delivered => "delivered",
            DeliveryOutcome::Retrying => "retrying",
            DeliveryOutcome::Failed => "failed",
        }
    }

    pub fn parse_stored(text: &str) -> Option<Self> {
        match text {
            "delivered" => Some(DeliveryOutcome::Delivered),
            "retrying" => Some(DeliveryOutcome::Retrying),
            "failed" => Some(DeliveryOutcome::Failed),
            _ => None,
        }
    }
}

/// One attempt to deliver one event to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryAttempt {
    pub webhook_id: String,
    /// The event's seq in its tenant's feed.
    pub seq: i64,
    pub event_id: String,
    pub event_type: String,
    /// 1 for the first attempt at this event.
    pub attempt: u32,
    pub at: Timestamp,
    /// The HTTP status answered; `None` when nothing was (refused connection, time-out).
    pub status: Option<u16>,
    /// What went wrong, when no status says it.
    pub error: Option<String>,
    pub duration_ms: i64,
    pub outcome: DeliveryOutcome,
    pub next_try_at: Option<Timestamp>,
}

/// A recorded attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub attempt: DeliveryAttempt,
}

/// When a failed delivery is tried again: exponential backoff from `first`, doubling up to
/// `max`, each delay spread by ±25 % of jitter so endpoints that failed together do not
/// retry together; attempts go on until `horizon` after the first failure, the last one
/// at the horizon itself, and then the endpoint is failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    pub first: Duration,
    pub max: Duration,
    pub horizon: Duration,
}

impl Default for RetrySchedule {
    /// 5 s, 10 s, 20 s … up to an hour between tries, for 24 hours.
    fn default() -> Self {
        Self {
            first: Duration::from_secs(5),
            max: Duration::from_secs(3600),
            horizon: Duration::from_secs(24 * 3600),
        }
    }
}

impl RetrySchedule {
    /// The delay after `failures` failed attempts (1 or more), before jitter.
    pub fn backoff(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(40);
        self.first
            .saturating_mul(1u32 << doublings.min(31))
            .min(self.max)
            .max(Duration::from_millis(1))
    }

    /// When to try again after the `failures`-th failed attempt at `now`, the first
    /// having failed at `first_failure`; `None` once the horizon has passed. `jitter` is
    /// a uniform draw from [0, 1).
    pub fn next_try(
        &self,
        failures: u32,
        first_failure: Timestamp,
        now: Timestamp,
        jitter: f64,
    ) -> Option<Timestamp> {
        let horizon_end = first_failure.micros() + micros(self.horizon);
        if now.micros() >= horizon_end {
            return None;
        }
        let spread = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
        let delay = (micros(self.backoff(failures)) as f64 * spread) as i64;
        Some(Timestamp::from_micros(
            (now.micros() + delay.max(1_000)).min(horizon_end),
        ))
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter_until_the_horizon() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.backoff(1), Duration::from_secs(5));
        assert_eq!(schedule.backoff(2), Duration::from_secs(10));
        assert_eq!(schedule.backoff(5), Duration::from_secs(80));
        assert_eq!(schedule.backoff(30), Duration::from_secs(3600));
        assert_eq!(schedule.backoff(u32::MAX), Duration::from_secs(3600));
        let start = Timestamp::from_micros(0);
        let low = schedule.next_try(1, start, start, 0.0).unwrap();
        let high = schedule.next_try(1, start, start, 0.999).unwrap();
        assert_eq!(low.micros(), 3_750_000);
        assert!(high.micros() > 6_200_000 && high.micros() < 6_250_000);
        // The last try falls on the horizon, and after it there is none.
        let late = Timestamp::from_micros(micros(schedule.horizon) - 1_000_000);
        assert_eq!(
            schedule.next_try(20, start, late, 0.5).unwrap().micros(),
            micros(schedule.horizon)
        );
        let end = Timestamp::from_micros(micros(schedule.horizon));
        assert_eq!(schedule.next_try(21, start, end, 0.5), None);
        // Retried for the whole horizon: the tries add up to at least 24 h.
        let (mut now, mut failures) = (start, 1);
        while let Some(next) = schedule.next_try(failures, start, now, 0.5) {
            now = next;
            failures += 1;
        }
        assert!(now.micros() >= micros(Duration::from_secs(24 * 3600)));
        assert!(failures > 20, "{failures}");
    }
}
