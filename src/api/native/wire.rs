//! Request shapes the native door's create and change calls share.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use crate::domain::entity::{ReferenceSpec, StateSpec};

/// `{refId}` or `{externalId}` of another object.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReferenceRequest {
    pub ref_id: Option<String>,
    pub external_id: Option<String>,
}

impl From<ReferenceRequest> for ReferenceSpec {
    fn from(r: ReferenceRequest) -> Self {
        ReferenceSpec {
            ref_id: r.ref_id,
            external_id: r.external_id,
        }
    }
}

/// The initial state; `pending` and `stateValidFrom` are accepted and ignored on create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateRequest {
    #[schema(value_type = Option<crate::domain::state::State>, example = "ACTIVE")]
    pub state: Option<String>,
    #[schema(example = "active")]
    pub state_reason: Option<String>,
    pub state_valid_from: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub pending: Option<serde_json::Value>,
}

impl From<StateRequest> for StateSpec {
    fn from(s: StateRequest) -> Self {
        StateSpec {
            state: s.state,
            state_reason: s.state_reason,
        }
    }
}

pub type AttributesRequest = BTreeMap<String, String>;

/// For merge patches: an absent member is `None`, a `null` one `Some(None)`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
