//! Users of the eGain door (agents) and their sessions: making and listing users, logging
//! in and out, and who a session token says the caller is.
//!
//! Sessions live in the store, so a session opened on one server process works on every
//! other on the same database; each request that names one costs a read of it, and once
//! a minute a write of its use. A login of an unknown user takes as long as a known
//! one's, and logins of one name take turns, at most a few waiting, so a brute force on
//! one name holds one CPU of the hashing pool and leaves the rest to other users.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::secrets::hash_once;
use super::{AppResult, Caller, Registry};
use crate::domain::auth::{key_hash, valid_tenant_name, Role, SecretCost};
use crate::domain::time::Timestamp;
use crate::domain::users::{
    user_actor, NewSession, NewUser, Password, SessionOpened, SessionOpening, SessionToken,
    UserInfo, UserName,
};
use crate::store::Store;

/// How many logins of one name may be under way at once: one checking its password, the
/// others waiting their turn. More are refused at once.
pub const LOGINS_AT_ONCE_PER_NAME: usize = 4;

/// What a login came to.
#[derive(Debug)]
pub enum Login {
    /// A new session; its token is shown once.
    Opened(SessionToken),
    /// No such user, or not its password: the two are not told apart.
    BadCredentials,
    /// The user holds the most sessions there may be (`max`).
    TooManySessions { max: usize },
    /// Too many logins of this name are under way; retry in a moment.
    Throttled,
}

/// Logins under way, by the name they give.
#[derive(Default)]
pub(super) struct LoginTurns {
    names: Mutex<HashMap<String, Turns>>,
}

struct Turns {
    turn: Arc<tokio::sync::Mutex<()>>,
    under_way: usize,
}

/// A login's place among those of its name; leaving it lets the next one in.
struct Place<'a> {
    turns: &'a LoginTurns,
    name: String,
    turn: Arc<tokio::sync::Mutex<()>>,
}

impl LoginTurns {
    fn enter(&self, name: &str) -> Option<Place<'_>> {
        let mut names = self.names.lock().expect("login turns lock");
        let turns = names.entry(name.to_owned()).or_insert_with(|| Turns {
            turn: Arc::new(tokio::sync::Mutex::new(())),
            under_way: 0,
        });
        if turns.under_way >= LOGINS_AT_ONCE_PER_NAME {
            return None;
        }
        turns.under_way += 1;
        Some(Place {
            turns: self,
            name: name.to_owned(),
            turn: turns.turn.clone(),
        })
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let mut names = self.turns.names.lock().expect("login turns lock");
        if let Some(turns) = names.get_mut(&self.name) {
            turns.under_way -= 1;
            if turns.under_way == 0 {
                names.remove(&self.name);
            }
        }
    }
}

/// Session tokens are 64 lower-case hex digits; anything else names no session and is
/// refused without a query.
fn looks_like_token(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Registry {
    /// Checks a user's password and opens a session: at most five a user, unless `force`
    /// ends the oldest to make room.
    pub async fn login(&self, name: &str, password: String, force: bool) -> AppResult<Login> {
        let Some(place) = self.inner.logins.enter(name) else {
            return Ok(Login::Throttled);
        };
        let user = {
            let _turn = place.turn.lock().await;
            let user = match UserName::parse(name) {
                Ok(name) => self.store().find_user(name.as_str()).await?,
                Err(_) => None,
            };
            match user {
                Some(user) => {
                    let hash = user.password_hash.clone();
                    self.verify_secret(password, hash).await?.then_some(user)
                }
                None => {
                    self.verify_no_secret(password).await?;
                    None
                }
            }
        };
        drop(place);
        let Some(user) = user else {
            return Ok(Login::BadCredentials);
        };
        let policy = self.inner.sessions;
        let token = SessionToken::generate();
        let now = Timestamp::now();
        let opening = SessionOpening {
            session: NewSession {
                id: uuid::Uuid::now_v7().to_string(),
                user_id: user.id,
                token_hash: token.hash(),
                at: now,
            },
            live_since: policy.live_since(now),
            max: policy.max_per_user(),
            force,
        };
        Ok(match self.store().open_session(opening).await? {
            SessionOpened::Opened { ended } => {
                if ended > 0 {
                    tracing::info!(ended, "a forced login ended the user's oldest sessions");
                }
                Login::Opened(token)
            }
            SessionOpened::TooMany => Login::TooManySessions {
                max: policy.max_per_user(),
            },
        })
    }

    /// The caller a session token stands for, its user being the actor; `None` when the
    /// session is unknown, expired or ended. Writes the session's use once a minute.
    pub async fn session(&self, token: &str) -> AppResult<Option<Caller>> {
        if !looks_like_token(token) {
            return Ok(None);
        }
        let policy = self.inner.sessions;
        let now = Timestamp::now();
        let live_since = policy.live_since(now);
        let Some(found) = self
            .store()
            .find_session(&key_hash(token), live_since)
            .await?
        else {
            return Ok(None);
        };
        if policy.touch_due(found.last_used_at, now) {
            let since = policy.touch_since(now);
            // A failure only loses the mark: the session may end up to a minute early.
            if let Err(e) = self
                .store()
                .touch_session(&found.id, now, since, live_since)
                .await
            {
                tracing::warn!(error = %e, session_id = %found.id, "recording a session's use failed");
            }
        }
        Ok(Some(Caller {
            tenant: found.tenant,
            actor: user_actor(&found.user_name),
            role: found.role,
        }))
    }

    /// Ends the session; `false` when it was not live (unknown, expired or ended before).
    pub async fn logout(&self, token: &str) -> AppResult<bool> {
        if !looks_like_token(token) {
            return Ok(false);
        }
        let live_since = self.inner.sessions.live_since(Timestamp::now());
        Ok(self
            .store()
            .end_session(&key_hash(token), live_since)
            .await?)
    }

    /// Forgets the sessions that have expired; how many.
    pub async fn purge_sessions(&self) -> AppResult<u64> {
        let before = self.inner.sessions.live_since(Timestamp::now());
        Ok(self.store().purge_sessions(before).await?)
    }
}

/// Stores a user with the hash of its password at `cost`, creating the tenant if needed.
/// Refuses a bad name, tenant or password, and a name another user has (in any tenant).
pub async fn create_user(
    store: &Store,
    cost: SecretCost,
    name: &str,
    tenant: &str,
    role: Role,
    password: String,
) -> Result<UserInfo, String> {
    let name = UserName::parse(name).map_err(|why| format!("user name {name:?}: {why}"))?;
    if !valid_tenant_name(tenant) {
        return Err(format!(
            "tenant {tenant:?}: use 1 to 64 letters, digits, '_' or '-'"
        ));
    }
    let password = Password::parse(password)?;
    let password_hash = hash_once(password.into_string(), cost)
        .await
        .map_err(|e| e.to_string())?;
    let at = Timestamp::now();
    let user = NewUser {
        id: uuid::Uuid::now_v7().to_string(),
        name: name.clone(),
        tenant: tenant.to_owned(),
        role,
        password_hash,
    };
    let id = user.id.clone();
    let inserted = store
        .insert_user(user, at)
        .await
        .map_err(|e| e.to_string())?;
    if !inserted {
        return Err(format!(
            "a user named {:?} exists already; user names are unique across tenants",
            name.as_str()
        ));
    }
    Ok(UserInfo {
        id,
        name: name.as_str().to_owned(),
        tenant: tenant.to_owned(),
        role,
        created_at: at,
    })
}

/// Every user of one tenant or all, in creation order; never a password or its hash.
pub async fn list_users(store: &Store, tenant: Option<&str>) -> Result<Vec<UserInfo>, String> {
    store.list_users(tenant).await.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::app::Settings;
    use crate::domain::users::SessionPolicy;

    async fn registry(dir: &tempfile::TempDir, touch: Duration) -> Registry {
        let store = Store::open(&format!("sqlite://{}", dir.path().join("t.db").display()))
            .await
            .unwrap();
        let cost = SecretCost::new(8, 1, 1).unwrap();
        create_user(&store, cost, "alice", "t1", Role::Reader, "pw".into())
            .await
            .unwrap();
        let settings = Settings {
            secret_cost: cost,
            sessions: SessionPolicy::new(Duration::from_secs(60), touch).unwrap(),
            ..Settings::default()
        };
        Registry::new(store, settings, crate::api::event_encoder())
    }

    async fn last_use(registry: &Registry, token: &str) -> Timestamp {
        registry
            .store()
            .find_session(&key_hash(token), Timestamp::from_micros(0))
            .await
            .unwrap()
            .expect("a live session")
            .last_used_at
    }

    #[tokio::test]
    async fn a_sessions_use_is_written_once_an_interval_not_on_every_request() {
        let dir = tempfile::tempdir().unwrap();
        let registry = registry(&dir, Duration::from_millis(400)).await;
        let Login::Opened(token) = registry.login("alice", "pw".into(), false).await.unwrap()
        else {
            panic!("the login failed")
        };
        let opened = last_use(&registry, token.expose()).await;
        for _ in 0..3 {
            let caller = registry.session(token.expose()).await.unwrap().unwrap();
            assert_eq!(
                (caller.tenant.as_str(), caller.actor.as_str(), caller.role),
                ("t1", "user:alice", Role::Reader)
            );
        }
        assert_eq!(last_use(&registry, token.expose()).await, opened);
        tokio::time::sleep(Duration::from_millis(450)).await;
        registry.session(token.expose()).await.unwrap().unwrap();
        let touched = last_use(&registry, token.expose()).await;
        assert!(touched > opened);
        registry.session(token.expose()).await.unwrap().unwrap();
        assert_eq!(last_use(&registry, token.expose()).await, touched);
    }

    #[tokio::test]
    async fn logins_tell_what_went_wrong_and_nothing_more() {
        let dir = tempfile::tempdir().unwrap();
        let registry = registry(&dir, Duration::from_secs(1)).await;
        for (name, password) in [
            ("alice", "wrong"),
            ("nobody", "pw"),
            ("", "pw"),
            ("alice", ""),
        ] {
            let login = registry.login(name, password.into(), false).await.unwrap();
            assert!(matches!(login, Login::BadCredentials), "{name}: {login:?}");
        }
        for _ in 0..5 {
            let login = registry.login("alice", "pw".into(), false).await.unwrap();
            assert!(matches!(login, Login::Opened(_)));
        }
        let login = registry.login("alice", "pw".into(), false).await.unwrap();
        assert!(matches!(login, Login::TooManySessions { max: 5 }));
        assert!(!registry.logout("not a token").await.unwrap());
        assert!(registry.session(&"f".repeat(64)).await.unwrap().is_none());
    }

    #[test]
    fn logins_of_one_name_take_turns_and_only_a_few_wait() {
        let turns = LoginTurns::default();
        let places: Vec<_> = (0..LOGINS_AT_ONCE_PER_NAME)
            .map(|_| turns.enter("alice").expect("a place"))
            .collect();
        assert!(turns.enter("alice").is_none());
        assert!(turns.enter("bob").is_some());
        drop(places);
        assert!(turns.names.lock().unwrap().is_empty());
        assert!(turns.enter("alice").is_some());
    }
}
