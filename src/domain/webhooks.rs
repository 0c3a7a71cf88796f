//! Changes pushed out. Webhooks: which events a tenant wants pushed where, how each
//! delivery is signed (the Standard Webhooks scheme), and when a failed delivery is tried
//! again; and what the relay reads from the outbox and keeps of its position. No I/O: the
//! relay sends, the store keeps, and this says what is valid and what comes next.

use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::events::Event;
use super::time::Timestamp;
use super::FieldCode;

/// Every event type the registry records. A pattern names one of these, or all of an
/// entity's (`customer.*`), or all (`*`); a new event type is added here too.
pub const EVENT_TYPES: &[&str] = &[
    "customer.created",
    "customer.updated",
    "customer.state_changed",
    "account.created",
    "account.updated",
    "account.state_changed",
    "subscriber.created",
    "subscriber.updated",
    "subscriber.state_changed",
    "catalog.updated",
];

/// At most this many endpoints per tenant: each one is a task of every server's relay.
pub const MAX_WEBHOOKS_PER_TENANT: i64 = 100;
const MAX_PATTERNS: usize = 50;
const MAX_URL_CHARS: usize = 2048;
const MAX_DESCRIPTION_CHARS: usize = 255;
const SECRET_PREFIX: &str = "whsec_";
/// The Standard Webhooks specification's bounds on a secret's random bytes.
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;
const GENERATED_SECRET_BYTES: usize = 32;

/// Which member of a registration a problem is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookField {
    Url,
    /// One pattern of `events`, by its index; `None` for the list itself.
    Events(Option<usize>),
    Secret,
    Status,
    Description,
}

/// One problem with a registration or a change of one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookProblem {
    pub field: WebhookField,
    pub code: FieldCode,
    pub message: String,
}

fn problem(field: WebhookField, code: FieldCode, message: impl Into<String>) -> WebhookProblem {
    WebhookProblem {
        field,
        code,
        message: message.into(),
    }
}

/// Where deliveries go: an absolute `http` or `https` URL with a host and no credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<Self, WebhookProblem> {
        let invalid = |why: &str| problem(WebhookField::Url, FieldCode::InvalidFormat, why);
        if text.chars().count() > MAX_URL_CHARS {
            return Err(problem(
                WebhookField::Url,
                FieldCode::TooLong,
                format!("at most {MAX_URL_CHARS} characters"),
            ));
        }
        let url = url::Url::parse(text).map_err(|_| invalid("an absolute http(s) URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid("the scheme is http or https"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid("the URL names a host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "the URL carries no credentials; the signature authenticates deliveries",
            ));
        }
        if url.fragment().is_some() {
            return Err(invalid("the URL has no #fragment"));
        }
        Ok(Self(url.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The event types an endpoint takes: exact types, `entity.*` or `*`, each known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFilter(Vec<String>);

impl EventFilter {
    /// Every problem of the list at once, each at its pattern's index.
    pub fn parse(patterns: Vec<String>) -> Result<Self, Vec<WebhookProblem>> {
        if patterns.is_empty() {
            return Err(vec![problem(
                WebhookField::Events(None),
                FieldCode::Required,
                "name at least one event type, `entity.*` or `*`",
            )]);
        }
        if patterns.len() > MAX_PATTERNS {
            return Err(vec![problem(
                WebhookField::Events(None),
                FieldCode::TooMany,
                format!("at most {MAX_PATTERNS} patterns"),
            )]);
        }
        let problems: Vec<WebhookProblem> = patterns
            .iter()
            .enumerate()
            .filter(|(_, pattern)| !known_pattern(pattern))
            .map(|(i, _)| {
                problem(
                    WebhookField::Events(Some(i)),
                    FieldCode::NotAllowed,
                    format!(
                        "not an event type, `entity.*` or `*`; the types are {}",
                        EVENT_TYPES.join(", ")
                    ),
                )
            })
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut kept: Vec<String> = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            if !kept.contains(&pattern) {
                kept.push(pattern);
            }
        }
        Ok(Self(kept))
    }

    /// Patterns as stored: checked when they were stored, so not checked again.
    pub fn from_stored(patterns: Vec<String>) -> Self {
        Self(patterns)
    }

    pub fn patterns(&self) -> &[String] {
        &self.0
    }

    pub fn matches(&self, event_type: &str) -> bool {
        self.0
            .iter()
            .any(|pattern| pattern_matches(pattern, event_type))
    }
}

fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix(".*") {
        Some(entity) => entity_of(event_type) == Some(entity),
        None => pattern == event_type,
    }
}

fn entity_of(event_type: &str) -> Option<&str> {
    event_type.split_once('.').map(|(entity, _)| entity)
}

fn known_pattern(pattern: &str) -> bool {
    pattern == "*"
        || EVENT_TYPES.contains(&pattern)
        || pattern
            .strip_suffix(".*")
            .is_some_and(|entity| EVENT_TYPES.iter().any(|t| entity_of(t) == Some(entity)))
}

/// An endpoint's signing key: `whsec_` and the base64 of 24 to 64 random bytes. It signs,
/// so it is kept as it is (a hash could not sign); it is shown once, when it is made.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Vec<u8>);

impl SigningSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; GENERATED_SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn parse(text: &str) -> Result<Self, WebhookProblem> {
        let invalid = || {
            problem(
                WebhookField::Secret,
                FieldCode::InvalidFormat,
                format!(
                    "`{SECRET_PREFIX}` and the base64 of {} to {} random bytes",
                    SECRET_BYTES.start(),
                    SECRET_BYTES.end()
                ),
            )
        };
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or_else(invalid)?;
        let bytes = BASE64.decode(encoded).map_err(|_| invalid())?;
        if !SECRET_BYTES.contains(&bytes.len()) {
            return Err(invalid());
        }
        Ok(Self(bytes))
    }

    /// The secret as receivers configure it: `whsec_…`.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.0))
    }

    /// The `webhook-signature` header's value for one delivery: `v1,` and the base64 of
    /// HMAC-SHA256 over `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(***)")
    }
}

/// Whether an endpoint gets deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    /// Deliveries go out.
    Active,
    /// Paused by its owner; its events wait.
    Disabled,
    /// A delivery kept failing for the whole retry horizon; its events wait until the
    /// owner sets it active again (or replays), and none is dropped.
    Failing,
}

impl WebhookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookStatus::Active => "active",
            WebhookStatus::Disabled => "disabled",
            WebhookStatus::Failing => "failing",
        }
    }

    pub fn parse_stored(text: &str) -> Option<Self> {
        match text {
            "active" => Some(WebhookStatus::Active),
            "disabled" => Some(WebhookStatus::Disabled),
            "failing" => Some(WebhookStatus::Failing),
            _ => None,
        }
    }

    /// What an owner may set: active or disabled (failing is the relay's to say).
    pub fn parse_requested(text: &str) -> Result<Self, WebhookProblem> {
        match text {
            "active" => Ok(WebhookStatus::Active),
            "disabled" => Ok(WebhookStatus::Disabled),
            _ => Err(problem(
                WebhookField::Status,
                FieldCode::NotAllowed,
                "active or disabled",
            )),
        }
    }
}

fn description(text: Option<String>) -> Result<Option<String>, WebhookProblem> {
    match text {
        Some(text) if text.chars().count() > MAX_DESCRIPTION_CHARS => Err(problem(
            WebhookField::Description,
            FieldCode::TooLong,
            format!("at most {MAX_DESCRIPTION_CHARS} characters"),
        )),
        other => Ok(other),
    }
}

/// A registration as asked for, not yet checked.
#[derive(Debug, Clone, Default)]
pub struct WebhookSpec {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub secret: Option<String>,
    pub description: Option<String>,
}

/// A registration that passed every rule, ready to store.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub id: String,
    pub tenant: String,
    pub url: WebhookUrl,
    pub events: EventFilter,
    pub secret: SigningSecret,
    pub description: Option<String>,
    pub at: Timestamp,
}

fn collect<T>(result: Result<T, WebhookProblem>, problems: &mut Vec<WebhookProblem>) -> Option<T> {
    result.map_err(|p| problems.push(p)).ok()
}

fn filter(events: Vec<String>, problems: &mut Vec<WebhookProblem>) -> Option<EventFilter> {
    EventFilter::parse(events)
        .map_err(|p| problems.extend(p))
        .ok()
}

impl WebhookSpec {
    /// The registration, or every problem with it; a secret is made when none is given.
    pub fn plan(
        self,
        id: String,
        tenant: String,
        at: Timestamp,
    ) -> Result<NewWebhook, Vec<WebhookProblem>> {
        let mut problems = Vec::new();
        let url = match self.url {
            Some(url) => collect(WebhookUrl::parse(&url), &mut problems),
            None => {
                problems.push(problem(WebhookField::Url, FieldCode::Required, "required"));
                None
            }
        };
        let events = match self.events {
            Some(events) => filter(events, &mut problems),
            None => {
                problems.push(problem(
                    WebhookField::Events(None),
                    FieldCode::Required,
                    "required: event types, `entity.*` or `*`",
                ));
                None
            }
        };
        let secret = match self.secret {
            Some(secret) => collect(SigningSecret::parse(&secret), &mut problems),
            None => Some(SigningSecret::generate()),
        };
        let description = collect(description(self.description), &mut problems);
        match (url, events, secret, description) {
            (Some(url), Some(events), Some(secret), Some(description)) if problems.is_empty() => {
                Ok(NewWebhook {
                    id,
                    tenant,
                    url,
                    events,
                    secret,
                    description,
                    at,
                })
            }
            _ => Err(problems),
        }
    }
}

/// A change of a registration as asked for (a merge patch): only what is named changes.
#[derive(Debug, Clone, Default)]
pub struct WebhookChangeSpec {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub secret: Option<String>,
    pub status: Option<String>,
    /// `Some(None)` removes it.
    pub description: Option<Option<String>>,
}

/// A checked change.
#[derive(Debug, Clone, Default)]
pub struct WebhookChange {
    pub url: Option<WebhookUrl>,
    pub events: Option<EventFilter>,
    pub secret: Option<SigningSecret>,
    pub status: Option<WebhookStatus>,
    pub description: Option<Option<String>>,
    pub at: Option<Timestamp>,
}

impl WebhookChangeSpec {
    pub fn plan(self, at: Timestamp) -> Result<WebhookChange, Vec<WebhookProblem>> {
        let mut problems = Vec::new();
        let change = WebhookChange {
            url: self
                .url
                .and_then(|url| collect(WebhookUrl::parse(&url), &mut problems)),
            events: self.events.and_then(|events| filter(events, &mut problems)),
            secret: self
                .secret
                .and_then(|secret| collect(SigningSecret::parse(&secret), &mut problems)),
            status: self
                .status
                .and_then(|status| collect(WebhookStatus::parse_requested(&status), &mut problems)),
            description: self
                .description
                .and_then(|text| collect(description(text), &mut problems)),
            at: Some(at),
        };
        if problems.is_empty() {
            Ok(change)
        } else {
            Err(problems)
        }
    }
}

/// A stored registration, with how far its deliveries have come.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub id: String,
    pub tenant: String,
    pub url: WebhookUrl,
    pub events: EventFilter,
    pub secret: SigningSecret,
    pub description: Option<String>,
    pub status: WebhookStatus,
    /// When the relay gave up on the event that holds the queue, if it is failing.
    pub failing_since: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The tenant's feed seq up to which every event was delivered (or is not one it takes).
    pub delivered_through: i64,
    /// The tenant's newest feed seq: the endpoint's queue is the events between.
    pub newest: i64,
    /// Bumped by each replay, so the relay that holds the endpoint starts again.
    pub generation: i64,
}

impl Webhook {
    /// Events not yet handled for this endpoint (some may be of types it does not take).
    pub fn pending(&self) -> i64 {
        (self.newest - self.delivered_through).max(0)
    }
}

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

/// An event of any tenant, with its place in the outbox's global order (commit order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    pub global_seq: i64,
    pub tenant: String,
    pub event: Event,
}

/// A sink's cursor as the process holding its lease found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The last seq handled: global for the NATS sink, the tenant's for a webhook.
    pub last_seq: i64,
    /// Bumped by a replay: an advance made under an older generation is refused.
    pub generation: i64,
}

/// What an endpoint's holder writes in one go: the cursor moved, the lease renewed, and
/// the attempts that moved it.
#[derive(Debug, Clone)]
pub struct DeliveryProgress {
    pub sink: String,
    pub owner: String,
    pub cursor: Cursor,
    pub lease_until: Timestamp,
    pub at: Timestamp,
    pub attempts: Vec<DeliveryAttempt>,
}

/// The name of a webhook endpoint's cursor among the relay's sinks.
pub fn webhook_sink(id: &str) -> String {
    format!("webhook:{id}")
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn patterns_name_known_types_entities_or_all() {
        let filter =
            EventFilter::parse(strings(&["customer.*", "subscriber.state_changed"])).unwrap();
        assert!(filter.matches("customer.created"));
        assert!(filter.matches("customer.state_changed"));
        assert!(filter.matches("subscriber.state_changed"));
        assert!(!filter.matches("subscriber.created"));
        assert!(!filter.matches("customers.created"));
        assert!(!filter.matches("account.updated"));
        assert!(EventFilter::parse(strings(&["*"]))
            .unwrap()
            .matches("catalog.updated"));
        let refused = EventFilter::parse(strings(&[
            "customer.*",
            "customer.create",
            "nope.*",
            "customer",
            "*.created",
        ]))
        .unwrap_err();
        let at: Vec<WebhookField> = refused.iter().map(|p| p.field).collect();
        assert_eq!(
            at,
            [1, 2, 3, 4].map(|i| WebhookField::Events(Some(i))).to_vec()
        );
        assert_eq!(
            EventFilter::parse(vec![]).unwrap_err()[0].code,
            FieldCode::Required
        );
        let deduplicated = EventFilter::parse(strings(&["*", "*"])).unwrap();
        assert_eq!(deduplicated.patterns(), ["*"]);
    }

    #[test]
    fn urls_are_absolute_http_without_credentials() {
        assert!(WebhookUrl::parse("https://example.com/hooks?x=1").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/").is_ok());
        for bad in [
            "ftp://example.com/",
            "/relative",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "not a url",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_round_trip_and_never_print() {
        let secret = SigningSecret::generate();
        let text = secret.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(SigningSecret::parse(&text).unwrap(), secret);
        assert_eq!(format!("{secret:?}"), "SigningSecret(***)");
        assert!(SigningSecret::parse("whsec_c2hvcnQ=").is_err());
        assert!(SigningSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(SigningSecret::parse("whsec_***").is_err());
    }

    /// The Standard Webhooks specification's own example.
    #[test]
    fn signatures_match_the_specification() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_registration_lists_every_problem() {
        let spec = WebhookSpec {
            url: Some("ftp://x".into()),
            events: Some(strings(&["customer.nope"])),
            secret: Some("plain".into()),
            description: Some("d".repeat(300)),
        };
        let problems = spec
            .plan("id".into(), "t".into(), Timestamp::from_micros(0))
            .unwrap_err();
        let fields: Vec<WebhookField> = problems.iter().map(|p| p.field).collect();
        assert_eq!(
            fields,
            [
                WebhookField::Url,
                WebhookField::Events(Some(0)),
                WebhookField::Secret,
                WebhookField::Description
            ]
        );
        let made = WebhookSpec {
            url: Some("https://example.com/h".into()),
            events: Some(strings(&["*"])),
            ..WebhookSpec::default()
        }
        .plan("id".into(), "t".into(), Timestamp::from_micros(0))
        .unwrap();
        assert!(made.secret.expose().starts_with("whsec_"));
        let missing = WebhookSpec::default()
            .plan("id".into(), "t".into(), Timestamp::from_micros(0))
            .unwrap_err();
        assert!(missing.iter().all(|p| p.code == FieldCode::Required));
        assert_eq!(missing.len(), 2);
    }

    #[test]
    fn owners_set_active_or_disabled_only() {
        let change = WebhookChangeSpec {
            status: Some("failing".into()),
            ..WebhookChangeSpec::default()
        };
        assert_eq!(
            change.plan(Timestamp::from_micros(0)).unwrap_err()[0].field,
            WebhookField::Status
        );
        let change = WebhookChangeSpec {
            status: Some("disabled".into()),
            description: Some(None),
            ..WebhookChangeSpec::default()
        }
        .plan(Timestamp::from_micros(0))
        .unwrap();
        assert_eq!(change.status, Some(WebhookStatus::Disabled));
        assert_eq!(change.description, Some(None));
    }

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
