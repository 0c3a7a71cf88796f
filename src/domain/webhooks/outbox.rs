use super::DeliveryAttempt;
use crate::domain::events::Event;
use crate::domain::time::Timestamp;

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
