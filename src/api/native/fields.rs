//! The native door's words for the model: field paths as OCS.io names them, and the
//! problem documents of refused writes.

use crate::api::http::problem::{ApiError, FieldError};
use crate::app::Failure;
use crate::domain::path::{Field, FieldPath, Step};
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::{FieldCode, FieldErrors, Kind};

/// The path segment a collection of the kind has (`/v1/customers`).
pub fn plural(kind: Kind) -> &'static str {
    match kind {
        Kind::Customer => "customers",
        Kind::Account => "accounts",
        Kind::Subscriber => "subscribers",
    }
}

/// A field as OCS.io names it on a request about `kind`: profile and segment carry the
/// kind's name (`customerProfile`, `accountSegment`); the others are the model's names.
pub fn field_name(field: Field, kind: Option<Kind>) -> &'static str {
    match (field, kind) {
        (Field::Profile, Some(Kind::Customer)) => "customerProfile",
        (Field::Profile, Some(Kind::Account)) => "accountProfile",
        (Field::Profile, Some(Kind::Subscriber)) => "subscriberProfile",
        (Field::Segment, Some(Kind::Customer)) => "customerSegment",
        (Field::Segment, Some(Kind::Account)) => "accountSegment",
        (Field::Segment, Some(Kind::Subscriber)) => "subscriberSegment",
        (field, _) => field.name(),
    }
}

/// A path as a JSON path into the native request: `state.stateReason`, `customAttributes.k`.
pub fn render(path: &FieldPath, kind: Option<Kind>) -> String {
    let mut out = String::new();
    for step in path.steps() {
        let name = match step {
            Step::Index(index) => {
                out.push_str(&format!("[{index}]"));
                continue;
            }
            Step::Field(field) => field_name(*field, kind),
            Step::Key(key) => key.as_str(),
            Step::Member(name) => name,
        };
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(name);
    }
    out
}

pub fn render_errors(errors: &FieldErrors, kind: Option<Kind>) -> Vec<FieldError> {
    errors
        .as_slice()
        .iter()
        .map(|e| FieldError::new(render(&e.path, kind), e.code, e.message.clone()))
        .collect()
}

fn unique_field(key: UniqueKey) -> &'static str {
    match key {
        UniqueKey::ExternalId(_) => Field::ExternalId.name(),
        UniqueKey::PrimaryResource => Field::PrimaryResource.name(),
        UniqueKey::CatalogVersion => "version",
        UniqueKey::Email => "contactPersons.contactPoints.emailAddress",
    }
}

/// The problem a failed write stands for, for a request about `kind`.
pub fn problem(failure: Failure<'_>, kind: Option<Kind>) -> ApiError {
    let one = |field: &str, code, message: &str| {
        ApiError::fields(vec![FieldError::new(field, code, message)])
    };
    match failure {
        Failure::Invalid(errors) => ApiError::fields(render_errors(errors, kind)),
        Failure::Refused(refusal, _) => match refusal {
            Refusal::Missing => ApiError::not_found("no such object in this tenant"),
            Refusal::Terminal => one(
                Field::State.name(),
                FieldCode::InvalidState,
                "the object is DEACTIVATED and takes no further change",
            ),
            Refusal::Taken { key, .. } => one(
                unique_field(*key),
                FieldCode::Duplicate,
                "this value is already taken",
            ),
            Refusal::NotFound { field, .. } => one(
                field_name(*field, kind),
                FieldCode::NotFound,
                "names nothing in this tenant",
            ),
            Refusal::ReferenceTerminal { field, .. } => one(
                field_name(*field, kind),
                FieldCode::InvalidState,
                "names an object that is DEACTIVATED",
            ),
            Refusal::ParentCycle {
                field: Field::ExternalId,
                ..
            } => one(
                field_name(Field::ExternalId, kind),
                FieldCode::NotAllowed,
                "parent links may not form a cycle, and a customer awaiting this id as its \
                 parent is this customer or one of its ancestors",
            ),
            Refusal::ParentCycle { field, .. } => one(
                field_name(*field, kind),
                FieldCode::NotAllowed,
                "parent links may not form a cycle, and this parent descends from the customer",
            ),
            Refusal::Stale => ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "CONFLICT",
                "the object changed while this request was being handled; retry",
            ),
            Refusal::Refused => ApiError::internal("a refusal without its problem"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_take_the_native_names() {
        let path = FieldPath::from(Field::State).then(Field::StateReason);
        assert_eq!(render(&path, Some(Kind::Customer)), "state.stateReason");
        assert_eq!(
            render(&Field::Profile.into(), Some(Kind::Subscriber)),
            "subscriberProfile"
        );
        assert_eq!(
            render(&Field::Segment.into(), Some(Kind::Account)),
            "accountSegment"
        );
        let attribute = FieldPath::from(Field::CustomAttributes).key("bad key");
        assert_eq!(render(&attribute, None), "customAttributes.bad key");
        let catalog = FieldPath::member("states").key("ACTIVE").index(2);
        assert_eq!(render(&catalog, None), "states.ACTIVE[2]");
    }
}
