use super::{problem, EventFilter, SigningSecret, WebhookField, WebhookProblem, WebhookUrl};
use crate::domain::time::Timestamp;
use crate::domain::FieldCode;

const MAX_DESCRIPTION_CHARS: usize = 255;

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

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
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
}
