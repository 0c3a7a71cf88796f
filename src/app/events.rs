//! The events a write records, built from what the store wrote, whichever door asked.

use crate::domain::customer::NewCustomer;
use crate::domain::events::NewEvent;
use crate::domain::object::NewObject;
use crate::domain::outcome::Written;
use crate::domain::records::Record;
use crate::store::Write;

/// Writes an object into an event's data. The change feed and everything relayed from it
/// show one representation of each object, so the doors' server supplies it once at start.
pub trait EventEncoder: Send + Sync {
    fn encode(&self, record: &Record) -> String;
}

fn object_event(encoder: &dyn EventEncoder, what: &str, record: &Record) -> NewEvent {
    let entity = record.kind().name();
    NewEvent {
        event_type: format!("{entity}.{what}"),
        entity: entity.to_owned(),
        entity_id: record.id().to_owned(),
        data: encoder.encode(record),
    }
}

/// One event per change: each created object after the parents made with it, each object
/// it linked (stored before and awaiting it) after it, each object whose state changed (the
/// one asked for first), the patched object and what it linked, the new catalog; none when
/// nothing changed.
/// `catalog` is the stored document, and `tenant` names its version.
pub(super) fn of(
    written: &Written,
    encoder: &dyn EventEncoder,
    tenant: &str,
    catalog: Option<&str>,
) -> Vec<NewEvent> {
    match written {
        Written::Created(items) => items
            .iter()
            .flat_map(|item| {
                let parents = item.parents.iter().map(|p| (p, "created"));
                // A create that joined what was there (a joint account sent again) changed it.
                let what = if item.existed { "updated" } else { "created" };
                let own = Some((&item.object, what)).filter(|_| !item.unchanged);
                let linked = item.linked.iter().map(|l| (l, "updated"));
                parents.chain(own).chain(linked)
            })
            .map(|(record, what)| object_event(encoder, what, record))
            .collect(),
        Written::StateChanged(records) => records
            .iter()
            .map(|record| object_event(encoder, "state_changed", record))
            .collect(),
        Written::Patched { record, linked } => std::iter::once(&**record)
            .chain(linked)
            .map(|record| object_event(encoder, "updated", record))
            .collect(),
        Written::Unchanged(_) => Vec::new(),
        Written::Catalog { version } => vec![NewEvent {
            event_type: "catalog.updated".into(),
            entity: "catalog".into(),
            entity_id: format!("{tenant}@{version}"),
            data: catalog.unwrap_or_default().to_owned(),
        }],
    }
}

/// The events of a batch of new customers that link to nothing, rendered before the write.
/// SQLite has one writer, and rendering a batch's events inside its transaction was a fifth
/// of that thread's work in an import; rendered here they cost a comparison there instead.
/// They are used only when the store wrote exactly what was foreseen (a link stored earlier
/// that awaited one of them, say, makes it otherwise), so the feed is the same either way.
pub(super) struct Foreseen {
    written: Written,
    events: Vec<NewEvent>,
}

impl Foreseen {
    /// `None` for a single write, whose render is no one's bottleneck, and for a batch
    /// whose outcome depends on what the store finds.
    pub(super) fn of(write: &Write, encoder: &dyn EventEncoder, tenant: &str) -> Option<Self> {
        let Write::Create(objects) = write else {
            return None;
        };
        fn unlinked(object: &NewObject) -> Option<&NewCustomer> {
            match object {
                NewObject::Customer(c) if c.links_nothing() => Some(c),
                _ => None,
            }
        }
        if objects.len() < 2 {
            return None;
        }
        let customers: Vec<_> = objects.iter().map(unlinked).collect::<Option<_>>()?;
        let created = customers
            .into_iter()
            .map(NewCustomer::created_unlinked)
            .collect();
        let written = Written::Created(created);
        let events = of(&written, encoder, tenant, None);
        Some(Self { written, events })
    }

    /// The events, when `written` is what was foreseen.
    pub(super) fn events_of(&self, written: &Written) -> Option<Vec<NewEvent>> {
        (*written == self.written).then(|| self.events.clone())
    }
}
