//! The rendering of an event that the relay sends to webhooks and NATS: the change feed's,
//! so that all three agree.

use std::sync::Arc;

use crate::api::native::events::EventView;
use crate::app::relay::EventRenderer;
use crate::domain::events::Event;

/// Renders events for the relay exactly as the change feed shows them.
pub struct FeedRenderer;

impl EventRenderer for FeedRenderer {
    fn render(&self, event: &Event) -> Vec<u8> {
        let data = serde_json::value::RawValue::from_string(event.data.clone()).unwrap_or_else(|e| {
            tracing::error!(error = %e, event_id = %event.event_id, "an event's data is not JSON");
            serde_json::value::RawValue::from_string("null".into()).expect("null is JSON")
        });
        let view = EventView {
            seq: event.seq,
            event_id: event.event_id.clone(),
            event_type: event.event_type.clone(),
            entity: event.entity.clone(),
            id: event.entity_id.clone(),
            at: event.at,
            actor: event.actor.clone(),
            data,
        };
        serde_json::to_vec(&view).expect("an event view serialises")
    }
}

/// What the relay renders events with.
pub fn feed_renderer() -> Arc<dyn EventRenderer> {
    Arc::new(FeedRenderer)
}
