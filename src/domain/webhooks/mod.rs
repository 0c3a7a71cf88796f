//! Changes pushed out. Webhooks: which events a tenant wants pushed where, how each
//! delivery is signed (the Standard Webhooks scheme), and when a failed delivery is tried
//! again; and what the relay reads from the outbox and keeps of its position. No I/O: the
//! relay sends, the store keeps, and this says what is valid and what comes next.

mod delivery;
mod filter;
mod outbox;
mod registration;
mod secret;
mod url;

pub use delivery::{Delivery, DeliveryAttempt, DeliveryOutcome, RetrySchedule};
pub use filter::EventFilter;
pub use outbox::{webhook_sink, Cursor, DeliveryProgress, OutboxEvent};
pub use registration::{
    NewWebhook, Webhook, WebhookChange, WebhookChangeSpec, WebhookSpec, WebhookStatus,
};
pub use secret::SigningSecret;
pub use url::WebhookUrl;

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
