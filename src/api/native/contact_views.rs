//! Contact data as the native door shows it: the model's names, without the eGain door's
//! list wrappers. Secrets are never shown.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::contact::{
    ContactDetails, ContactPerson, ContactPoint, DetailText, MultiAttributes,
};

/// A customer's contact data: its classification, attributes and contact persons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContactView {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub customer_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how_referred: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market_segment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<String>,
    /// Attributes that may hold several values each.
    pub attributes: MultiAttributes,
    #[schema(value_type = Vec<Object>)]
    pub contact_persons: Vec<PersonView>,
}

/// A contact person: its id, each field it has by its model name, and its points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonView {
    pub id: String,
    #[serde(flatten)]
    pub texts: BTreeMap<&'static str, String>,
    #[serde(flatten)]
    pub flags: BTreeMap<&'static str, bool>,
    pub attributes: MultiAttributes,
    pub contact_points: Vec<PointView>,
}

/// A contact point: its channel (`type`), priority and the channel's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PointView {
    pub id: String,
    #[serde(rename = "type")]
    pub channel: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<String>,
    #[serde(flatten)]
    pub texts: BTreeMap<&'static str, String>,
    pub attributes: MultiAttributes,
}

impl From<&ContactDetails> for ContactView {
    fn from(d: &ContactDetails) -> Self {
        let text = |field: DetailText| d.texts.get(&field).cloned();
        ContactView {
            customer_type: text(DetailText::CustomerType),
            department: text(DetailText::Department),
            level: text(DetailText::Level),
            role: text(DetailText::Role),
            industry: text(DetailText::Industry),
            how_referred: text(DetailText::HowReferred),
            market_segment: text(DetailText::MarketSegment),
            entitlements: text(DetailText::Entitlements),
            attributes: d.attributes.clone(),
            contact_persons: d.persons.iter().map(PersonView::from).collect(),
        }
    }
}

impl From<&ContactPerson> for PersonView {
    fn from(p: &ContactPerson) -> Self {
        PersonView {
            id: p.id.clone(),
            // A person's type and a customer's share the model name `type`; on a person it
            // is its kind of contact (Billing, …).
            texts: p
                .texts
                .iter()
                .map(|(field, value)| (field.name(), value.clone()))
                .collect(),
            flags: p
                .flags
                .iter()
                .map(|(flag, on)| (flag.name(), *on))
                .collect(),
            attributes: p.attributes.clone(),
            contact_points: p.points.iter().map(PointView::from).collect(),
        }
    }
}

impl From<&ContactPoint> for PointView {
    fn from(p: &ContactPoint) -> Self {
        PointView {
            id: p.id.clone(),
            channel: p.channel.name(),
            priority: p.priority.clone(),
            texts: p
                .texts
                .iter()
                .map(|(field, value)| (field.name(), value.clone()))
                .collect(),
            attributes: p.attributes.clone(),
        }
    }
}
