//! Where in a request a problem is, in the model's own terms. Rules and the store name
//! fields this way; each door renders a path in its own dialect (`customerProfile` on the
//! native door, `customers[3].accounts[0]…` on the bank door).

use std::fmt;

use super::contact::ContactField;

/// A field of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ExternalId,
    Profile,
    Segment,
    CustomName,
    CustomAttributes,
    /// The initial state of a new object (state and reason together), or a target state.
    State,
    StateReason,
    TestCustomer,
    /// A customer's parent customer.
    Parent,
    /// An account's owning customer.
    Customer,
    /// A subscriber's account.
    Account,
    /// Inside a reference: the server's id.
    RefId,
    PrimaryResourceType,
    PrimaryResource,
    // What a bank feed adds to customers, accounts and cards.
    OrganizationId,
    PostalCode,
    Country,
    CreatedOn,
    EnrollmentStart,
    EnrollmentEnd,
    EnrollmentOptIn,
    AlertOptIns,
    Targeting,
    RedemptionEligibility,
    /// A customer's accounts, in a bank feed.
    Accounts,
    /// An account's owning customers.
    Owners,
    PrimaryOwner,
    /// An account's or a card's bank status (OPEN, CLOSED, …), apart from its lifecycle state.
    Status,
    AccountType,
    Portfolio,
    OpenedOn,
    ClosedOn,
    Cards,
    /// On a card: the account it belongs to.
    CardAccount,
    /// On a card: the customer who holds it.
    Holder,
    Iin,
    Last4,
    CardType,
    Network,
    /// A customer's contact data (classification, contact persons and points).
    Contact(ContactField),
    /// The customer's number, the decimal id the eGain door shows.
    Number,
}

impl Field {
    /// The field's name in the model, used where no door renders the path (logs, the CLI).
    pub fn name(self) -> &'static str {
        match self {
            Field::ExternalId => "externalId",
            Field::Profile => "profile",
            Field::Segment => "segment",
            Field::CustomName => "customName",
            Field::CustomAttributes => "customAttributes",
            Field::State => "state",
            Field::StateReason => "stateReason",
            Field::TestCustomer => "testCustomer",
            Field::Parent => "parent",
            Field::Customer => "customer",
            Field::Account => "account",
            Field::RefId => "refId",
            Field::PrimaryResourceType => "primaryResourceType",
            Field::PrimaryResource => "primaryResource",
            Field::OrganizationId => "organizationId",
            Field::PostalCode => "postalCode",
            Field::Country => "country",
            Field::CreatedOn => "createdOn",
            Field::EnrollmentStart => "enrollmentStart",
            Field::EnrollmentEnd => "enrollmentEnd",
            Field::EnrollmentOptIn => "enrollmentOptIn",
            Field::AlertOptIns => "alertOptIns",
            Field::Targeting => "targeting",
            Field::RedemptionEligibility => "redemptionEligibility",
            Field::Accounts => "accounts",
            Field::Owners => "owners",
            Field::PrimaryOwner => "primaryOwner",
            Field::Status => "status",
            Field::AccountType => "accountType",
            Field::Portfolio => "portfolio",
            Field::OpenedOn => "openedOn",
            Field::ClosedOn => "closedOn",
            Field::Cards => "cards",
            Field::CardAccount => "cardAccount",
            Field::Holder => "holder",
            Field::Iin => "iin",
            Field::Last4 => "last4",
            Field::CardType => "cardType",
            Field::Network => "network",
            Field::Contact(field) => field.name(),
            Field::Number => "number",
        }
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    Field(Field),
    /// The position of an item in a batch or a list.
    Index(usize),
    /// A key of a map the client chose, such as a custom attribute's name.
    Key(String),
    /// A member of a document whose shape the domain defines itself (the catalog).
    Member(&'static str),
}

/// A path from the root of a request to the value a problem is about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<Step>);

impl FieldPath {
    /// The request as a whole.
    pub fn root() -> Self {
        Self::default()
    }

    /// The item at `index` of a batch.
    pub fn item(index: usize) -> Self {
        Self(vec![Step::Index(index)])
    }

    pub fn member(name: &'static str) -> Self {
        Self(vec![Step::Member(name)])
    }

    pub fn then(mut self, field: Field) -> Self {
        self.0.push(Step::Field(field));
        self
    }

    pub fn index(mut self, index: usize) -> Self {
        self.0.push(Step::Index(index));
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(Step::Key(key.into()));
        self
    }

    pub fn and_member(mut self, name: &'static str) -> Self {
        self.0.push(Step::Member(name));
        self
    }

    /// This path as seen from `prefix`: `prefix` followed by this path's steps.
    pub fn under(self, prefix: &FieldPath) -> Self {
        let mut steps = prefix.0.clone();
        steps.extend(self.0);
        Self(steps)
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    pub fn from_steps(steps: Vec<Step>) -> Self {
        Self(steps)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Field> for FieldPath {
    fn from(field: Field) -> Self {
        Self(vec![Step::Field(field)])
    }
}

/// The model's own rendering, `a.b[0].c`: what logs and the CLI show.
impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            let name = match step {
                Step::Index(index) => {
                    write!(f, "[{index}]")?;
                    continue;
                }
                Step::Field(field) => field.name(),
                Step::Key(key) => key.as_str(),
                Step::Member(name) => name,
            };
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_in_the_models_names() {
        let path = FieldPath::item(3).then(Field::CustomAttributes).key("tier");
        assert_eq!(path.to_string(), "[3].customAttributes.tier");
        let catalog = FieldPath::member("customerProfiles")
            .index(0)
            .and_member("segment");
        assert_eq!(catalog.to_string(), "customerProfiles[0].segment");
        assert_eq!(
            FieldPath::from(Field::State).under(&FieldPath::item(1)),
            FieldPath::item(1).then(Field::State)
        );
    }
}
