//! The change feed: every change writes an event in the same transaction (the outbox).

use super::time::Timestamp;

/// An event to record with the change it describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Like `customer.created`, `account.updated`, `subscriber.state_changed`.
    pub event_type: String,
    /// `customer`, `account`, `subscriber` or `catalog`.
    pub entity: String,
    pub entity_id: String,
    /// The object as it reads after the change, encoded once for every reader.
    pub data: String,
}

/// An event as the feed gives it back: numbered in commit order, 1, 2, 3… within its tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event's number in its tenant's feed.
    pub seq: i64,
    /// Unique among every tenant's events, for consumers that de-duplicate.
    pub event_id: String,
    pub event_type: String,
    pub entity: String,
    pub entity_id: String,
    pub actor: String,
    pub at: Timestamp,
    pub data: String,
}
