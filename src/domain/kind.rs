use std::fmt;

/// The three kinds of registry object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Customer,
    Account,
    Subscriber,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Customer, Kind::Account, Kind::Subscriber];

    /// The name of one object of the kind, as events and histories record it.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Customer => "customer",
            Kind::Account => "account",
            Kind::Subscriber => "subscriber",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
