use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The OCS.io lifecycle states. `Deactivated` is terminal.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Inactive,
    Active,
    Suspended,
    Deactivated,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Inactive,
        State::Active,
        State::Suspended,
        State::Deactivated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Inactive => "INACTIVE",
            State::Active => "ACTIVE",
            State::Suspended => "SUSPENDED",
            State::Deactivated => "DEACTIVATED",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, PartialEq, Eq)]
pub struct UnknownState;

impl FromStr for State {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or(UnknownState)
    }
}

/// A state together with the configured reason it was entered for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StateWithReason {
    pub state: State,
    pub state_reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_names() {
        for state in State::ALL {
            assert_eq!(state.as_str().parse::<State>(), Ok(state));
        }
        assert_eq!("active".parse::<State>(), Err(UnknownState));
        assert_eq!("PENDING".parse::<State>(), Err(UnknownState));
    }
}
