use std::fmt;
use std::str::FromStr;

use rand::RngCore;
use sha2::{Digest, Sha256};

use super::time::Timestamp;

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

/// A key that works, as the servers keep it in memory: found by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownKey {
    pub hash: String,
    pub record: KeyRecord,
    pub last_used_at: Option<Timestamp>,
}

/// What an operator may see of a stored key: never the key, never its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub id: String,
    pub tenant: String,
    pub role: Role,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// A key's last use is written at most this often, so that using a key costs no write
/// on almost every request.
pub const LAST_USE_EVERY_SECONDS: i64 = 60;

/// Whether a use of a key at `now` is worth writing, its last use written being `written`.
pub fn last_use_due(written: Option<Timestamp>, now: Timestamp) -> bool {
    written.is_none_or(|at| now.micros() - at.micros() >= LAST_USE_EVERY_SECONDS * 1_000_000)
}

/// The shortest key an operator may choose (`CLIENTELE_ADMIN_KEY`, `--admin-key`).
pub const GIVEN_KEY_MIN_CHARS: usize = 24;
/// Keys travel in a header line; longer ones are a mistake, not more safety.
pub const GIVEN_KEY_MAX_CHARS: usize = 512;
/// Rules out repetitions and short cycles (`aaaa…`, `abcabc…`, `1234…`).
pub const GIVEN_KEY_MIN_DISTINCT: usize = 10;

/// Checks a key an operator chose rather than one the server made. Keys are kept as a fast
/// hash, which only a key that is hard to guess makes safe, so a chosen key needs at least
/// 24 visible ASCII characters (a header carries it, and surrounding spaces are trimmed
/// away), at least 10 different ones, from at least two of lower case, upper case, digits
/// and symbols. Any generator's output passes (`openssl rand -hex 32`, a UUID, a key
/// `clientele keys create` printed); placeholders and typos (`a`, `changeme`,
/// `password1234…`) do not.
pub fn check_given_key(key: &str) -> Result<(), String> {
    let length = key.chars().count();
    if !(GIVEN_KEY_MIN_CHARS..=GIVEN_KEY_MAX_CHARS).contains(&length) {
        return Err(format!(
            "it has {length} characters; use {GIVEN_KEY_MIN_CHARS} to {GIVEN_KEY_MAX_CHARS}"
        ));
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("use visible ASCII characters only: no spaces or control characters".into());
    }
    let distinct = key.bytes().collect::<std::collections::BTreeSet<_>>().len();
    if distinct < GIVEN_KEY_MIN_DISTINCT {
        return Err(format!(
            "it has only {distinct} different characters; use at least {GIVEN_KEY_MIN_DISTINCT}"
        ));
    }
    let classes = [
        key.bytes().any(|b| b.is_ascii_lowercase()),
        key.bytes().any(|b| b.is_ascii_uppercase()),
        key.bytes().any(|b| b.is_ascii_digit()),
        key.bytes().any(|b| b.is_ascii_punctuation()),
    ];
    if classes.iter().filter(|&&present| present).count() < 2 {
        return Err("mix at least two of lower case, upper case, digits and symbols".into());
    }
    Ok(())
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

/// What hashing a low-entropy secret costs: argon2id's memory (KiB), passes and lanes.
/// The default is OWASP's minimum (m = 19456 KiB, t = 2, p = 1), argon2's own default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretCost {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl SecretCost {
    /// Refuses what argon2 cannot run: no pass, no lane, or less than 8 KiB a lane.
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, String> {
        argon2::Params::new(memory_kib, iterations, parallelism, None).map_err(|e| {
            format!(
                "argon2 cannot run with memory {memory_kib} KiB, {iterations} iterations and \
                 parallelism {parallelism} ({e}): use at least 1 iteration, 1 lane and 8 KiB \
                 of memory a lane"
            )
        })?;
        Ok(Self {
            memory_kib,
            iterations,
            parallelism,
        })
    }

    pub fn memory_kib(self) -> u32 {
        self.memory_kib
    }

    pub fn iterations(self) -> u32 {
        self.iterations
    }

    pub fn parallelism(self) -> u32 {
        self.parallelism
    }

    fn hasher(self) -> argon2::Argon2<'static> {
        let params = argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .expect("checked when the cost was made");
        argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
    }
}

impl Default for SecretCost {
    fn default() -> Self {
        Self {
            memory_kib: argon2::Params::DEFAULT_M_COST,
            iterations: argon2::Params::DEFAULT_T_COST,
            parallelism: argon2::Params::DEFAULT_P_COST,
        }
    }
}

/// Hashes a low-entropy secret (a password, a PIN) with argon2id at `cost` and a random
/// salt. It takes the CPU for as long as the cost says: run it off the async threads.
pub fn hash_secret(secret: &str, cost: SecretCost) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).expect("16 bytes make a valid salt");
    cost.hasher()
        .hash_password(secret.as_bytes(), &salt)
        .expect("argon2 with checked parameters cannot fail")
        .to_string()
}

/// Whether `secret` is the one `hash` was made from, at the cost the hash names (so hashes
/// made at an older cost keep working).
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
        let hash = hash_secret("0121", SecretCost::default());
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_secret("0121", &hash));
        assert!(!verify_secret("0122", &hash));
        assert!(!hash.contains("0121"));
        // A hash keeps its own cost: one made cheaply verifies whatever the cost is now.
        let cheap = hash_secret("0121", SecretCost::new(8, 1, 1).unwrap());
        assert!(cheap.starts_with("$argon2id$v=19$m=8,t=1,p=1$"), "{cheap}");
        assert!(verify_secret("0121", &cheap));
        assert!(!verify_secret("0121", "not a hash"));
    }

    #[test]
    fn a_cost_argon2_cannot_run_is_refused() {
        assert!(SecretCost::new(0, 2, 1).is_err());
        assert!(SecretCost::new(19456, 0, 1).is_err());
        assert!(SecretCost::new(19456, 2, 0).is_err());
        assert!(SecretCost::new(8, 1, 2).is_err());
        assert_eq!(SecretCost::new(19456, 2, 1), Ok(SecretCost::default()));
    }

    #[test]
    fn chosen_keys_must_be_hard_to_guess() {
        for weak in [
            "a",
            "",
            "changeme",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcabcabcabcabcabcabcabcabcabc",
            "abcdefghijklmnopqrstuvwxyz",
            "123456789012345678901234",
            "clt test admin key 0123456789",
            "clt_\u{e9}\u{e9}_admin_key_0123456789",
        ] {
            assert!(check_given_key(weak).is_err(), "{weak:?} passed");
        }
        for strong in [
            "clt_test_admin_key_0123456789",
            "0f3c9a1b2d4e5f60718293a4b5c6d7e8",
            "6f1d2c3b-4a59-4e8f-9d7c-1b2a3c4d5e6f",
            "Tr0ub4dor&3-correct-horse",
            ApiKey::generate().expose(),
        ] {
            assert_eq!(check_given_key(strong), Ok(()), "{strong:?} refused");
        }
        assert!(check_given_key(&"aB3".repeat(200)).is_err());
    }

    #[test]
    fn a_last_use_is_written_at_most_once_a_minute() {
        let at = Timestamp::from_micros(1_000_000_000);
        assert!(last_use_due(None, at));
        assert!(!last_use_due(Some(at), at));
        assert!(!last_use_due(Some(at), at.minus_seconds(-59)));
        assert!(last_use_due(Some(at), at.minus_seconds(-60)));
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
