//! Contact data as a door hands it in: every value as sent, types checked, rules not yet.

use std::collections::BTreeMap;

use super::fields::{DetailText, PersonFlag, PersonText, PointText};

/// One attribute as sent: a name and its values, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttributeSpec {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DetailsSpec {
    pub texts: BTreeMap<DetailText, String>,
    pub pin: Option<String>,
    pub attributes: Vec<AttributeSpec>,
    pub persons: Vec<PersonSpec>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonSpec {
    /// The person's id when an edit names one it read.
    pub id: Option<String>,
    pub texts: BTreeMap<PersonText, String>,
    /// As sent: `"true"` or `"false"`.
    pub flags: BTreeMap<PersonFlag, String>,
    pub secret_answer: Option<String>,
    pub attributes: Vec<AttributeSpec>,
    pub points: Vec<PointSpec>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PointSpec {
    /// The point's id when an edit names one it read.
    pub id: Option<String>,
    /// `phone`, `postal`, `email`, `web` or `social`, as sent.
    pub channel: Option<String>,
    pub texts: BTreeMap<PointText, String>,
    pub priority: Option<String>,
    pub attributes: Vec<AttributeSpec>,
}
