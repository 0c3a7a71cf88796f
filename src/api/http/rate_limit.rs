//! Per-key rate limiting (API.md: default 1,000 requests/s with a burst of 1,000; 0 turns it off).

use std::num::NonZeroU32;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::problem::{ApiError, ApiResult};

pub struct KeyLimiter {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl KeyLimiter {
    /// `per_second` requests a second per key, with a burst as large; 0 means no limit.
    pub fn new(per_second: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_second)
                .map(|n| RateLimiter::keyed(Quota::per_second(n).allow_burst(n))),
            clock: DefaultClock::default(),
        }
    }

    pub fn check(&self, key_id: &str) -> ApiResult<()> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        // Keys are few (one per client), so the map stays small; shrink it now and then anyway.
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
        limiter.check_key(&key_id.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::rate_limited(wait.as_secs().max(1))
        })
    }
}
