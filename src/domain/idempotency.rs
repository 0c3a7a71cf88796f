//! Exactly-once writes: a key claimed for a request, and the first answer kept for retries.

use sha2::{Digest, Sha256};

/// An idempotency key claimed for a write. `scope` is the route and the object it names,
/// so the same key on another route or object is another claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub scope: String,
    pub key: String,
    /// Identifies the request the key was first used with.
    pub fingerprint: String,
}

impl Claim {
    /// `route` is the route's template (`/v1/customers/{id}/state`), `object` the decoded id
    /// it names, and `canonical_body` the parsed body printed in a canonical form, so that
    /// whitespace and member order make no other request.
    pub fn new(
        key: String,
        method: &str,
        route: &str,
        object: Option<&str>,
        canonical_body: &[u8],
    ) -> Self {
        let scope = match object {
            Some(id) => format!("{route} {id}"),
            None => route.to_owned(),
        };
        let mut hash = Sha256::new();
        for part in [
            method.as_bytes(),
            b"\n",
            scope.as_bytes(),
            b"\n",
            canonical_body,
        ] {
            hash.update(part);
        }
        Self {
            scope,
            key,
            fingerprint: hex::encode(hash.finalize()),
        }
    }
}

/// An answer as it went out the first time: replays send it again byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    pub location: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scope_names_the_route_and_the_object() {
        let a = Claim::new(
            "k".into(),
            "POST",
            "/v1/customers/{id}/state",
            Some("c1"),
            b"{}",
        );
        let b = Claim::new(
            "k".into(),
            "POST",
            "/v1/customers/{id}/state",
            Some("c2"),
            b"{}",
        );
        assert_ne!(a.scope, b.scope);
        assert_ne!(a.fingerprint, b.fingerprint);
        let c = Claim::new(
            "k".into(),
            "POST",
            "/v1/customers/{id}/state",
            Some("c1"),
            b"{}",
        );
        assert_eq!(a, c);
        let d = Claim::new(
            "k".into(),
            "PATCH",
            "/v1/customers/{id}/state",
            Some("c1"),
            b"{}",
        );
        assert_ne!(a.fingerprint, d.fingerprint);
    }
}
