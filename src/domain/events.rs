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

/// An event as the feed gives it back: numbered in commit order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub seq: i64,
    pub event_type: String,
    pub entity: String,
    pub entity_id: String,
    pub actor: String,
    pub at: Timestamp,
    pub data: String,
}
