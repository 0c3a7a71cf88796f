//! How the native door answers its writes: the object as its event shows it, or a problem.

use super::fields::{plural, problem};
use super::views::NativeEncoder;
use crate::api::http::problem::ApiError;
use crate::app::{respond_with, EventEncoder, Respond};
use crate::domain::events::NewEvent;
use crate::domain::idempotency::Answer;
use crate::domain::outcome::Written;
use crate::domain::Kind;

const JSON: &str = "application/json";

/// What a successful write answers.
#[derive(Debug, Clone, Copy)]
pub enum Success {
    /// 201 with `Location`: the object created, as its event shows it (the parents made
    /// with it come before, the objects it linked after).
    Created,
    /// 200 with the object as the first event shows it: the one asked for, after the change.
    Changed,
}

fn json(
    status: u16,
    event: Option<&NewEvent>,
    location: Option<String>,
) -> Result<Answer, ApiError> {
    let event = event.ok_or_else(|| ApiError::internal("a write recorded no event"))?;
    Ok(Answer {
        status,
        content_type: JSON.to_owned(),
        // The event's data is the object as GET shows it: serialised once for both.
        body: event.data.clone().into_bytes(),
        location,
    })
}

fn success(
    success: Success,
    kind: Option<Kind>,
    written: &Written,
    events: &[NewEvent],
) -> Result<Answer, ApiError> {
    match success {
        // Nothing was written, so no event shows the object: it is shown as GET shows it.
        Success::Changed => match written {
            Written::Unchanged(record) => Ok(Answer {
                status: 200,
                content_type: JSON.to_owned(),
                body: NativeEncoder.encode(record).into_bytes(),
                location: None,
            }),
            _ => json(200, events.first(), None),
        },
        Success::Created => {
            let (Written::Created(items), Some(kind)) = (written, kind) else {
                return Err(ApiError::internal("a create wrote no object"));
            };
            let item = items
                .first()
                .ok_or_else(|| ApiError::internal("a create wrote no object"))?;
            let location = format!("/v1/{}/{}", plural(kind), item.object.id());
            // Objects it linked may follow the object's own event.
            let own = events.iter().find(|e| e.entity_id == item.object.id());
            json(201, own, Some(location))
        }
    }
}

/// The answer of a native write about `kind` (none for the catalog).
pub fn respond(kind: Option<Kind>, on_success: Success) -> Respond {
    respond_with(move |result, events| {
        let answered = match result {
            Ok(written) => success(on_success, kind, written, events),
            Err(failure) => Err(problem(failure, kind)),
        };
        answered.unwrap_or_else(|problem| problem.answer())
    })
}
