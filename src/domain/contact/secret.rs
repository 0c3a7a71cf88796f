//! Secrets a customer identifies with (a PIN, a secret answer): kept only as argon2id
//! hashes, never shown, never logged, never in an event.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    /// As the client sent it, before the write hashes it; never stored.
    Given(String),
    /// Its argon2id hash (PHC string), as stored.
    Hashed(String),
}

impl Secret {
    pub fn hash(&self) -> Option<&str> {
        match self {
            Secret::Hashed(hash) => Some(hash),
            Secret::Given(_) => None,
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Given(_) => f.write_str("Secret::Given(***)"),
            Secret::Hashed(_) => f.write_str("Secret::Hashed(***)"),
        }
    }
}
