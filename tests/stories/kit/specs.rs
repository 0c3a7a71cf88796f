//! Create requests as a door sends them, before the domain plans them.

use clientele::domain::account::AccountSpec;
use clientele::domain::attributes::Attributes;
use clientele::domain::customer::CustomerSpec;
use clientele::domain::entity::{CommonSpec, ReferenceSpec, StateSpec};
use clientele::domain::object::ObjectSpec;
use clientele::domain::subscriber::SubscriberSpec;

/// A create request of any kind, as one item of a write.
pub trait Spec {
    fn spec(self) -> ObjectSpec;
}

impl Spec for CustomerSpec {
    fn spec(self) -> ObjectSpec {
        ObjectSpec::Customer(self)
    }
}

impl Spec for AccountSpec {
    fn spec(self) -> ObjectSpec {
        ObjectSpec::Account(self)
    }
}

impl Spec for SubscriberSpec {
    fn spec(self) -> ObjectSpec {
        ObjectSpec::Subscriber(self)
    }
}

impl Spec for ObjectSpec {
    fn spec(self) -> ObjectSpec {
        self
    }
}

pub fn state_spec(state: &str, reason: &str) -> StateSpec {
    StateSpec {
        state: Some(state.to_owned()),
        state_reason: Some(reason.to_owned()),
    }
}

pub fn by_external_id(id: &str) -> ReferenceSpec {
    ReferenceSpec {
        ref_id: None,
        external_id: Some(id.to_owned()),
    }
}

pub fn by_ref_id(id: &str) -> ReferenceSpec {
    ReferenceSpec {
        ref_id: Some(id.to_owned()),
        external_id: None,
    }
}

pub fn attributes(pairs: &[(&str, &str)]) -> Attributes {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A customer by attributes, as OCS.io's third example: segment b2b, ACTIVE for `active`.
pub fn customer(external_id: &str) -> CustomerSpec {
    CustomerSpec {
        common: CommonSpec {
            external_id: Some(external_id.to_owned()),
            segment: Some("b2b".into()),
            state: Some(state_spec("ACTIVE", "active")),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A customer from profile b2b alone, without an external id.
pub fn customer_by_profile() -> CustomerSpec {
    CustomerSpec {
        common: CommonSpec {
            profile: Some("b2b".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// An account of profile standard owned by the customer `owner` names.
pub fn account_of(owner: ReferenceSpec, external_id: Option<&str>) -> AccountSpec {
    AccountSpec {
        common: CommonSpec {
            external_id: external_id.map(str::to_owned),
            profile: Some("standard".into()),
            ..Default::default()
        },
        customer: Some(owner),
    }
}

/// An account of profile standard, owned by a customer its profile creates.
pub fn account_by_profile(external_id: Option<&str>) -> AccountSpec {
    AccountSpec {
        common: CommonSpec {
            external_id: external_id.map(str::to_owned),
            profile: Some("standard".into()),
            ..Default::default()
        },
        customer: None,
    }
}

/// A subscriber ACTIVE for dfltActive under the account `account` names, without a profile.
pub fn subscriber_under(account: ReferenceSpec, external_id: Option<&str>) -> SubscriberSpec {
    SubscriberSpec {
        common: CommonSpec {
            external_id: external_id.map(str::to_owned),
            state: Some(state_spec("ACTIVE", "dfltActive")),
            ..Default::default()
        },
        account: Some(account),
        ..Default::default()
    }
}

/// A subscriber of profile internetOnly, whose account (and its owner) the profile creates.
pub fn subscriber_by_profile(external_id: Option<&str>) -> SubscriberSpec {
    SubscriberSpec {
        common: CommonSpec {
            external_id: external_id.map(str::to_owned),
            profile: Some("internetOnly".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The subscriber with an MSISDN as its primary resource.
pub fn with_msisdn(spec: SubscriberSpec, number: &str) -> SubscriberSpec {
    SubscriberSpec {
        primary_resource_type: Some("MSISDN".into()),
        primary_resource: Some(number.to_owned()),
        ..spec
    }
}
