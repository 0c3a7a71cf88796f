//! The bank door's words for the model: paths into the batch as Cardlytics names them
//! (`customers[3].accounts[0].cards[1].last4`), and the problems of refused writes.

use crate::api::http::problem::{ApiError, FieldError};
use crate::app::Failure;
use crate::domain::path::{Field, FieldPath, Step};
use crate::domain::refusal::{Refusal, UniqueKey};
use crate::domain::{FieldCode, FieldErrors};

/// Where in a batch a field is: the object a name belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Customer,
    Account,
    Card,
}

fn name(field: Field, scope: Scope) -> &'static str {
    use Field::*;
    match (scope, field) {
        (Scope::Customer, ExternalId) => "sourceCustomerId",
        (Scope::Customer, Parent) => "sourceParentCustomerId",
        (_, OrganizationId) => "organizationId",
        (_, PostalCode) => "postalCode",
        (_, Country) => "country",
        (_, CreatedOn) => "customerCreationDate",
        (_, EnrollmentStart) => "enrollmentStartDate",
        (_, EnrollmentEnd) => "enrollmentEndDate",
        (_, EnrollmentOptIn) => "enrollmentOptInStatus",
        (_, AlertOptIns) => "alertOptInStatus",
        (_, Targeting) => "targetingIndicator",
        (_, RedemptionEligibility) => "redemptionEligibility",
        (_, Accounts) => "accounts",
        (Scope::Account, ExternalId) => "sourceAccountId",
        (_, Owners) => "sourceCustomerIds",
        // The store names an account's primary owner as the account's customer.
        (_, PrimaryOwner) | (Scope::Account, Customer) => "primarySourceCustomerId",
        (_, AccountType) => "type",
        (_, Portfolio) => "sourcePortfolioId",
        (Scope::Account, OpenedOn) => "accountOpenDate",
        (Scope::Account, ClosedOn) => "accountCloseDate",
        (_, Cards) => "cards",
        (_, CardAccount) => "sourceAccountId",
        (_, Holder) => "sourceCustomerId",
        (_, Network) => "networkIdentifier",
        (Scope::Card, OpenedOn) => "openDate",
        (Scope::Card, ClosedOn) => "closeDate",
        (_, field) => field.name(),
    }
}

/// A path as the batch's JSON path, from its `customers` member.
pub fn render(path: &FieldPath) -> String {
    let mut out = String::from("customers");
    let mut scope = Scope::Customer;
    for step in path.steps() {
        match step {
            Step::Index(index) => out.push_str(&format!("[{index}]")),
            Step::Field(field) => {
                out.push('.');
                out.push_str(name(*field, scope));
                scope = match field {
                    Field::Accounts => Scope::Account,
                    Field::Cards => Scope::Card,
                    _ => scope,
                };
            }
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Member(member) => {
                out.push('.');
                out.push_str(member);
            }
        }
    }
    out
}

fn render_errors(errors: &FieldErrors) -> Vec<FieldError> {
    errors
        .as_slice()
        .iter()
        .map(|e| FieldError::new(render(&e.path), e.code, e.message.clone()))
        .collect()
}

/// The problem a failed batch stands for; `at` is where the refused item is in the batch.
pub fn problem(failure: Failure<'_>) -> ApiError {
    let (refusal, at) = match failure {
        Failure::Invalid(errors) => return ApiError::fields(render_errors(errors)),
        Failure::Refused(refusal, at) => (refusal, at),
    };
    let one = |field: Field, code, message: &str| {
        let path = render(&at.clone().then(field));
        ApiError::fields(vec![FieldError::new(path, code, message)])
    };
    match refusal {
        Refusal::Taken {
            key: UniqueKey::ExternalId(_),
            ..
        } => one(Field::ExternalId, FieldCode::Duplicate, "is stored already"),
        // Only an update names a customer that must be stored already.
        Refusal::NotFound {
            field: Field::ExternalId,
            ..
        } => one(
            Field::ExternalId,
            FieldCode::NotFound,
            "no customer with this id is stored, and PUT only updates",
        ),
        Refusal::NotFound { field, .. } => one(
            *field,
            FieldCode::NotFound,
            "names no customer of this batch nor one stored",
        ),
        // An update names the object itself, which takes no change.
        Refusal::ReferenceTerminal {
            field: Field::ExternalId,
            ..
        } => one(
            Field::ExternalId,
            FieldCode::InvalidState,
            "is DEACTIVATED, and a DEACTIVATED customer or account takes no change",
        ),
        Refusal::ReferenceTerminal { field, .. } => one(
            *field,
            FieldCode::InvalidState,
            "names a customer that is DEACTIVATED",
        ),
        Refusal::ParentCycle { field, .. } => one(
            *field,
            FieldCode::NotAllowed,
            "parent links may not form a cycle, and with the customers stored this one would",
        ),
        other => ApiError::internal(format!("a bank batch was refused unexpectedly: {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_take_the_feeds_names() {
        let card = FieldPath::item(3)
            .then(Field::Accounts)
            .index(0)
            .then(Field::Cards)
            .index(1);
        assert_eq!(
            render(&card.clone().then(Field::Last4)),
            "customers[3].accounts[0].cards[1].last4"
        );
        assert_eq!(
            render(&card.then(Field::Holder)),
            "customers[3].accounts[0].cards[1].sourceCustomerId"
        );
        let account = FieldPath::item(0).then(Field::Accounts).index(2);
        assert_eq!(
            render(&account.clone().then(Field::ExternalId)),
            "customers[0].accounts[2].sourceAccountId"
        );
        assert_eq!(
            render(&account.then(Field::Customer)),
            "customers[0].accounts[2].primarySourceCustomerId"
        );
        assert_eq!(
            render(&FieldPath::item(1).then(Field::ExternalId)),
            "customers[1].sourceCustomerId"
        );
        assert_eq!(
            render(&FieldPath::item(1).then(Field::AlertOptIns).index(2)),
            "customers[1].alertOptInStatus[2]"
        );
    }
}
