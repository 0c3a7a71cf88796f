//! A customer's contact data: how it is classified (department, level, role, industry, …),
//! its multi-valued attributes, its contact persons and each person's contact points
//! (phone, postal address, email, web, social). The eGain door speaks it natively; every
//! door reads it back.

pub mod edit;
pub mod fields;
pub mod rules;
pub mod secret;
pub mod spec;

use std::collections::BTreeMap;

pub use fields::{Channel, ContactField, DetailText, PersonFlag, PersonText, PointText};
pub use secret::Secret;

/// Attributes that may hold several values each, in the order sent.
pub type MultiAttributes = BTreeMap<String, Vec<String>>;

/// What a customer has beside the common fields when it carries contact data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactDetails {
    /// The customer's classification and free texts (type, department, level, …).
    pub texts: BTreeMap<DetailText, String>,
    /// A PIN the customer identifies with: only ever its hash once planned.
    pub pin: Option<Secret>,
    pub attributes: MultiAttributes,
    pub persons: Vec<ContactPerson>,
    /// Where the persons' email addresses must be unique within the tenant: the department
    /// when the catalog departmentalizes customers, else `""` (the whole tenant).
    pub email_scope: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactPerson {
    pub id: String,
    pub texts: BTreeMap<PersonText, String>,
    pub flags: BTreeMap<PersonFlag, bool>,
    pub secret_answer: Option<Secret>,
    pub attributes: MultiAttributes,
    pub points: Vec<ContactPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactPoint {
    pub id: String,
    pub channel: Channel,
    /// The channel's fields; which ones a point has depends on its channel.
    pub texts: BTreeMap<PointText, String>,
    /// `low`, `medium` or `high`, lower-cased.
    pub priority: Option<String>,
    pub attributes: MultiAttributes,
}

impl ContactDetails {
    /// Every email address of every contact point, as stored.
    pub fn emails(&self) -> impl Iterator<Item = &str> {
        self.persons
            .iter()
            .flat_map(|p| &p.points)
            .filter_map(|point| point.texts.get(&PointText::EmailAddress))
            .map(String::as_str)
    }

    /// Secrets still in the clear, to be hashed before the details are stored.
    pub fn secrets_mut(&mut self) -> impl Iterator<Item = &mut Secret> {
        self.pin.iter_mut().chain(
            self.persons
                .iter_mut()
                .filter_map(|p| p.secret_answer.as_mut()),
        )
    }
}

/// The key under which an email address is unique: case does not make another address.
pub fn email_key(address: &str) -> String {
    address.trim().to_lowercase()
}

/// A search for customers by one of their contact points, matched exactly (an email
/// address whatever its case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactSearch {
    Email(String),
    Phone(String),
}
