use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::{problem, WebhookField, WebhookProblem};
use crate::domain::FieldCode;

const SECRET_PREFIX: &str = "whsec_";
/// The Standard Webhooks specification's bounds on a secret's random bytes.
const SECRET_BYTES: std::ops::RangeInclusive<usize> = 24..=64;
const GENERATED_SECRET_BYTES: usize = 32;

/// An endpoint's signing key: `whsec_` and the base64 of 24 to 64 random bytes. It signs,
/// so it is kept as it is (a hash could not sign); it is shown once, when it is made.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecret(Vec<u8>);

impl SigningSecret {
    pub fn generate() -> Self {
        let mut bytes = vec![0u8; GENERATED_SECRET_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub fn parse(text: &str) -> Result<Self, WebhookProblem> {
        let invalid = || {
            problem(
                WebhookField::Secret,
                FieldCode::InvalidFormat,
                format!(
                    "`{SECRET_PREFIX}` and the base64 of {} to {} random bytes",
                    SECRET_BYTES.start(),
                    SECRET_BYTES.end()
                ),
            )
        };
        let encoded = text.strip_prefix(SECRET_PREFIX).ok_or_else(invalid)?;
        let bytes = BASE64.decode(encoded).map_err(|_| invalid())?;
        if !SECRET_BYTES.contains(&bytes.len()) {
            return Err(invalid());
        }
        Ok(Self(bytes))
    }

    /// The secret as receivers configure it: `whsec_…`.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", BASE64.encode(&self.0))
    }

    /// The `webhook-signature` header's value for one delivery: `v1,` and the base64 of
    /// HMAC-SHA256 over `{id}.{timestamp}.{body}`.
    pub fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningSecret(***)")
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_round_trip_and_never_print() {
        let secret = SigningSecret::generate();
        let text = secret.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(SigningSecret::parse(&text).unwrap(), secret);
        assert_eq!(format!("{secret:?}"), "SigningSecret(***)");
        assert!(SigningSecret::parse("whsec_c2hvcnQ=").is_err());
        assert!(SigningSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(SigningSecret::parse("whsec_***").is_err());
    }

    /// The Standard Webhooks specification's own example.
    #[test]
    fn signatures_match_the_specification() {
        let secret = SigningSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
