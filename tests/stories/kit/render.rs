//! The render step of a write as the use cases make it (events, an answer), and the
//! outcomes and records of a story taken apart.

use clientele::domain::events::NewEvent;
use clientele::domain::idempotency::Answer;
use clientele::domain::outcome::{Created, Written};
use clientele::domain::records::{
    AccountRecord, CustomerRecord, ListFilter, Record, SubscriberRecord,
};
use clientele::domain::refusal::Refusal;
use clientele::store::Outcome;

/// The events the use cases record: each created object after the parents made with it, each
/// object whose state changed, the patched object, the new catalog; none for a refusal.
pub fn events_of(outcome: &Outcome) -> Vec<NewEvent> {
    let Ok(written) = outcome else {
        return Vec::new();
    };
    match written {
        Written::Created(items) => items
            .iter()
            .flat_map(|item| item.parents.iter().chain(std::iter::once(&item.object)))
            .map(|record| event("created", record))
            .collect(),
        Written::StateChanged(records) => records
            .iter()
            .map(|record| event("state_changed", record))
            .collect(),
        Written::Patched { record, .. } => vec![event("updated", record)],
        Written::Unchanged(_) => Vec::new(),
        Written::Catalog { version } => vec![NewEvent {
            event_type: "catalog.updated".into(),
            entity: "catalog".into(),
            entity_id: format!("{version}"),
            data: format!("catalog version {version}"),
        }],
    }
}

pub fn event(what: &str, record: &Record) -> NewEvent {
    let entity = record.kind().name();
    NewEvent {
        event_type: format!("{entity}.{what}"),
        entity: entity.to_owned(),
        entity_id: record.id().to_owned(),
        data: data_of(record),
    }
}

/// An object as its events carry it.
pub fn data_of(record: &Record) -> String {
    let c = record.common();
    format!(
        r#"{{"id":"{}","externalId":{:?},"state":"{}","stateReason":"{}","segment":{:?}}}"#,
        c.id, c.external_id, c.state.state, c.state.state_reason, c.segment
    )
}

/// A JSON door's answer: 201 naming the first object written, 200 for other changes, a
/// problem document for a refusal.
pub fn answer_for(outcome: &Outcome) -> Answer {
    match outcome {
        Ok(Written::Created(items)) => Answer {
            status: 201,
            content_type: "application/json".into(),
            body: format!(r#"{{"created":{}}}"#, items.len()).into_bytes(),
            location: items
                .first()
                .map(|item| format!("/v1/{}", item.object.id())),
        },
        Ok(written) => Answer {
            status: 200,
            content_type: "application/json".into(),
            body: format!("{written:?}").into_bytes(),
            location: None,
        },
        Err(refusal) => problem(409, &format!("{refusal:?}")),
    }
}

pub fn problem(status: u16, detail: &str) -> Answer {
    Answer {
        status,
        content_type: "application/problem+json".into(),
        body: format!(r#"{{"status":{status},"detail":{detail:?}}}"#).into_bytes(),
        location: None,
    }
}

pub fn created(outcome: Outcome) -> Vec<Created> {
    match outcome {
        Ok(Written::Created(items)) => items,
        other => panic!("expected objects created, got {other:?}"),
    }
}

pub fn refusal(outcome: Outcome) -> Refusal {
    match outcome {
        Err(refusal) => refusal,
        Ok(written) => panic!("expected a refusal, got {written:?}"),
    }
}

pub fn state_changed(outcome: Outcome) -> Vec<Record> {
    match outcome {
        Ok(Written::StateChanged(records)) => records,
        other => panic!("expected a state change, got {other:?}"),
    }
}

pub fn patched(outcome: Outcome) -> Record {
    match outcome {
        Ok(Written::Patched { record, .. }) => *record,
        other => panic!("expected a patch, got {other:?}"),
    }
}

pub fn unchanged(outcome: Outcome) -> Record {
    match outcome {
        Ok(Written::Unchanged(record)) => *record,
        other => panic!("expected nothing changed, got {other:?}"),
    }
}

pub fn as_customer(record: &Record) -> &CustomerRecord {
    match record {
        Record::Customer(customer) => customer,
        other => panic!("expected a customer, got {other:?}"),
    }
}

pub fn as_account(record: &Record) -> &AccountRecord {
    match record {
        Record::Account(account) => account,
        other => panic!("expected an account, got {other:?}"),
    }
}

pub fn as_subscriber(record: &Record) -> &SubscriberRecord {
    match record {
        Record::Subscriber(subscriber) => subscriber,
        other => panic!("expected a subscriber, got {other:?}"),
    }
}

pub fn ids(records: &[Record]) -> Vec<String> {
    records.iter().map(|r| r.id().to_owned()).collect()
}

/// A listing filter with nothing but a page size.
pub fn page(limit: usize) -> ListFilter {
    ListFilter {
        limit,
        ..Default::default()
    }
}
