use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use sha2::{Digest, Sha256};

/// What a key may do: admins also manage the catalog and keys, readers only read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Reader,
    Writer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Writer => "writer",
            Role::Admin => "admin",
        }
    }

    /// Roles are ordered: an admin may do what a writer may, a writer what a reader may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "reader" => Ok(Role::Reader),
            "writer" => Ok(Role::Writer),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role {other:?}: use admin, writer or reader"
            )),
        }
    }
}

/// A stored API key, found by the hash of the key itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    pub id: String,
    pub tenant: String,
    pub role: Role,
}

/// A tenant's name: letters, digits, '_' and '-', at most 64 characters.
pub fn valid_tenant_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

/// An API key as issued; it is shown once and only its hash is stored.
pub struct ApiKey(String);

impl ApiKey {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(format!("clt_{}", hex::encode(bytes)))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

/// Keys carry 256 random bits, so a fast hash is enough to make a stolen table useless
/// while keeping the check off the request's critical path; passwords use argon2.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// Hashes a low-entropy secret (a password, a PIN) with argon2 and a random salt.
pub fn hash_secret(secret: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).expect("16 bytes make a valid salt");
    argon2::Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 with default parameters cannot fail")
        .to_string()
}

pub fn verify_secret(secret: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash)
        .map(|parsed| {
            argon2::Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.allows(Role::Writer));
        assert!(Role::Writer.allows(Role::Reader));
        assert!(!Role::Reader.allows(Role::Writer));
        assert!(!Role::Writer.allows(Role::Admin));
    }

    #[test]
    fn generated_keys_differ_and_hide_in_debug() {
        let (a, b) = (ApiKey::generate(), ApiKey::generate());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(format!("{a:?}"), "ApiKey(***)");
        assert_ne!(key_hash(a.expose()), a.expose());
    }

    #[test]
    fn secrets_verify_only_against_their_own_hash() {
        let hash = hash_secret("0121");
        assert!(verify_secret("0121", &hash));
        assert!(!verify_secret("0122", &hash));
        assert!(!hash.contains("0121"));
    }

    #[test]
    fn tenant_names() {
        assert!(valid_tenant_name("default"));
        assert!(valid_tenant_name("acme-2_b"));
        assert!(!valid_tenant_name(""));
        assert!(!valid_tenant_name("a b"));
        assert!(!valid_tenant_name(&"x".repeat(65)));
    }
}
