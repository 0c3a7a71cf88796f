use serde::Serialize;
use utoipa::ToSchema;

/// How a request names another object: by the server's id or by the client's external id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    RefId(String),
    ExternalId(String),
}

/// A reference as answers show it: both ids, so a client can walk the hierarchy either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefView {
    pub ref_id: String,
    pub external_id: Option<String>,
}
