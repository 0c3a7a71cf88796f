//! Agents of the eGain door ("users") and their sessions: what a user name and a password
//! must be, what a session token is, and the rules a session lives by (at most five a
//! user, ended after an idle period, its last use written at most once a minute).

use std::fmt;
use std::time::Duration;

use rand::RngCore;

use super::auth::{key_hash, Role};
use super::time::Timestamp;

/// The longest user name taken.
pub const USER_NAME_MAX_CHARS: usize = 255;
/// The longest password taken: far beyond any passphrase, short of a hashing cost.
pub const PASSWORD_MAX_CHARS: usize = 1024;
/// How many live sessions a user may hold at once.
pub const MAX_SESSIONS_PER_USER: usize = 5;
/// A session nobody used for this long is over.
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(30 * 60);
/// A session's last use is written at most this often.
pub const DEFAULT_SESSION_TOUCH: Duration = Duration::from_secs(60);

/// A user's name: what a login names. Unique across tenants, as a login names no tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

impl UserName {
    /// 1 to 255 characters, no control characters, no space at either end (a name that
    /// differs from another by a space no one sees is a mistake).
    pub fn parse(name: &str) -> Result<Self, String> {
        let chars = name.chars().count();
        if !(1..=USER_NAME_MAX_CHARS).contains(&chars) {
            return Err(format!(
                "it has {chars} characters; use 1 to {USER_NAME_MAX_CHARS}"
            ));
        }
        if name.chars().any(char::is_control) {
            return Err("it holds a control character (a tab, a newline…)".into());
        }
        if name.trim() != name {
            return Err("it begins or ends with a space".into());
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password as a user chose it; never printed.
pub struct Password(String);

impl Password {
    /// Not empty, at most 1,024 characters.
    pub fn parse(password: String) -> Result<Self, String> {
        let chars = password.chars().count();
        if chars == 0 {
            return Err("the password is empty".into());
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(format!(
                "the password has {chars} characters; use at most {PASSWORD_MAX_CHARS}"
            ));
        }
        Ok(Self(password))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The actor a user's changes are recorded with.
pub fn user_actor(name: &str) -> String {
    format!("user:{name}")
}

/// A user to store; its password only as an argon2 hash.
#[derive(Clone)]
pub struct NewUser {
    pub id: String,
    pub name: UserName,
    pub tenant: String,
    pub role: Role,
    pub password_hash: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("tenant", &self.tenant)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// A stored user, found by name to check a login.
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub name: String,
    pub tenant: String,
    pub role: Role,
    pub password_hash: String,
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("tenant", &self.tenant)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

/// What an operator may see of a user: never the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub id: String,
    pub name: String,
    pub tenant: String,
    pub role: Role,
    pub created_at: Timestamp,
}

/// A session token as issued: 256 random bits, shown once (in `X-egain-session`); only its
/// hash is stored, a fast one as for API keys, which the bits make safe.
pub struct SessionToken(String);

impl SessionToken {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        Self(hex::encode(bytes))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        key_hash(&self.0)
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(***)")
    }
}

/// A session to store, found later by its token's hash.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: String,
    pub user_id: String,
    pub token_hash: String,
    pub at: Timestamp,
}

/// Opening a session: the user's sessions last used at `live_since` or before are over and
/// go; of the live ones, at most `max` may stay, counting the new one.
#[derive(Debug, Clone)]
pub struct SessionOpening {
    pub session: NewSession,
    pub live_since: Timestamp,
    pub max: usize,
    /// End the oldest sessions to make room (eGain's `forceLogin=yes`) rather than refuse.
    pub force: bool,
}

/// What opening a session did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOpened {
    /// Opened, after ending this many of the user's oldest sessions.
    Opened { ended: usize },
    /// The user holds the most sessions there may be; nothing changed.
    TooMany,
}

/// How many of its oldest live sessions a user must lose before one more opens: `Err` when
/// none may be ended for it.
pub fn sessions_to_end(live: usize, max: usize, force: bool) -> Result<usize, SessionOpened> {
    let max = max.max(1);
    match live.checked_sub(max - 1) {
        None | Some(0) => Ok(0),
        Some(over) if force => Ok(over),
        Some(_) => Err(SessionOpened::TooMany),
    }
}

/// A live session, as a request that names its token finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub user_name: String,
    pub tenant: String,
    pub role: Role,
    /// The last use written, which may be up to the touch interval behind the last use.
    pub last_used_at: Timestamp,
}

/// The rules sessions live by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    idle: Duration,
    touch_every: Duration,
    max_per_user: usize,
}

impl SessionPolicy {
    /// A session ends `idle` after its last use; its use is written at most every
    /// `touch_every`, which must be shorter than `idle` or sessions in use would end.
    pub fn new(idle: Duration, touch_every: Duration) -> Result<Self, String> {
        if idle < Duration::from_secs(1) {
            return Err("the idle period of a session must be at least 1 second".into());
        }
        if touch_every >= idle {
            return Err(format!(
                "a session's use must be written more often ({touch_every:?}) than its idle \
                 period ({idle:?}) ends it"
            ));
        }
        Ok(Self {
            idle,
            touch_every,
            max_per_user: MAX_SESSIONS_PER_USER,
        })
    }

    pub fn idle(&self) -> Duration {
        self.idle
    }

    pub fn touch_every(&self) -> Duration {
        self.touch_every
    }

    pub fn max_per_user(&self) -> usize {
        self.max_per_user
    }

    /// Sessions whose last use written is later than this are live at `now`. The written
    /// use lags the real one by less than the touch interval, so a session in use ends
    /// between `idle - touch_every` and `idle` after its last request.
    pub fn live_since(&self, now: Timestamp) -> Timestamp {
        Timestamp::from_micros(now.micros().saturating_sub(micros(self.idle)))
    }

    pub fn is_live(&self, last_used: Timestamp, now: Timestamp) -> bool {
        last_used > self.live_since(now)
    }

    /// Whether a use at `now` is worth writing, the last one written being `written`.
    pub fn touch_due(&self, written: Timestamp, now: Timestamp) -> bool {
        now.micros() - written.micros() >= micros(self.touch_every)
    }

    /// A use written at or before this is old enough to be written again at `now`.
    pub fn touch_since(&self, now: Timestamp) -> Timestamp {
        Timestamp::from_micros(now.micros().saturating_sub(micros(self.touch_every)))
    }
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self::new(DEFAULT_SESSION_IDLE, DEFAULT_SESSION_TOUCH).expect("the defaults agree")
    }
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        for good in [
            "alice",
            "a",
            "agent 007",
            "Zoë.O'Brien@example.com",
            &"x".repeat(255),
        ] {
            assert!(UserName::parse(good).is_ok(), "{good:?} refused");
        }
        for bad in [
            "",
            " alice",
            "alice ",
            "al\tice",
            "ali\nce",
            "a\u{0}",
            &"x".repeat(256),
        ] {
            assert!(UserName::parse(bad).is_err(), "{bad:?} passed");
        }
        // Characters, not bytes.
        assert!(UserName::parse(&"é".repeat(255)).is_ok());
    }

    #[test]
    fn passwords_are_not_empty_and_do_not_print() {
        assert!(Password::parse(String::new()).is_err());
        assert!(Password::parse("x".repeat(1025)).is_err());
        let password = Password::parse("correct horse".into()).unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
        assert_eq!(password.expose(), "correct horse");
    }

    #[test]
    fn tokens_carry_256_bits_and_hide_in_debug() {
        let (a, b) = (SessionToken::generate(), SessionToken::generate());
        assert_eq!(a.expose().len(), 64);
        assert_ne!(a.expose(), b.expose());
        assert_eq!(format!("{a:?}"), "SessionToken(***)");
        assert_eq!(a.hash(), key_hash(a.expose()));
        assert_ne!(a.hash(), a.expose());
    }

    #[test]
    fn records_do_not_print_their_hashes() {
        let user = UserRecord {
            id: "u1".into(),
            name: "alice".into(),
            tenant: "default".into(),
            role: Role::Writer,
            password_hash: "$argon2id$secret-hash".into(),
        };
        assert!(!format!("{user:?}").contains("argon2"));
    }

    #[test]
    fn a_user_holds_at_most_five_sessions() {
        assert_eq!(sessions_to_end(0, 5, false), Ok(0));
        assert_eq!(sessions_to_end(4, 5, false), Ok(0));
        assert_eq!(sessions_to_end(5, 5, false), Err(SessionOpened::TooMany));
        assert_eq!(sessions_to_end(5, 5, true), Ok(1));
        assert_eq!(sessions_to_end(7, 5, true), Ok(3));
        assert_eq!(sessions_to_end(4, 5, true), Ok(0));
    }

    #[test]
    fn sessions_end_when_idle_and_are_touched_at_most_every_interval() {
        let policy =
            SessionPolicy::new(Duration::from_secs(1800), Duration::from_secs(60)).unwrap();
        let at = Timestamp::from_micros(10_000_000_000);
        let later = |s: i64| at.minus_seconds(-s);
        assert!(policy.is_live(at, later(1799)));
        assert!(!policy.is_live(at, later(1800)));
        assert!(!policy.touch_due(at, later(59)));
        assert!(policy.touch_due(at, later(60)));
        assert_eq!(policy.touch_since(later(60)), at);
        assert_eq!(policy.live_since(later(1800)), at);
        assert_eq!(SessionPolicy::default(), policy);
        assert_eq!(policy.max_per_user(), 5);
    }

    #[test]
    fn a_touch_interval_must_be_shorter_than_the_idle_period() {
        assert!(SessionPolicy::new(Duration::from_secs(2), Duration::from_secs(1)).is_ok());
        assert!(SessionPolicy::new(Duration::from_secs(2), Duration::from_secs(2)).is_err());
        assert!(SessionPolicy::new(Duration::from_millis(500), Duration::ZERO).is_err());
    }
}
