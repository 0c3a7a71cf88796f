//! Agents' sessions on the eGain door: logging in and out, the [`Session`] extractor that
//! tells a handler who is calling, and [`echo_session`], the middleware that puts the
//! session on every answer of the door.
//!
//! ```text
//! POST   /ws/v12/authentication/user/login[?forceLogin=yes]   <user><userName/><password/></user>
//!                                                             or {"userName": …, "password": …}
//!        → 204, X-egain-session: <token>
//! DELETE /ws/v12/authentication/user/logout                   X-egain-session: <token> → 204
//! ```
//!
//! Both also answer under `/system/ws/v12/…`. A handler of the door takes a [`Session`]
//! to be called by a logged-in user only; the door's routes carry [`echo_session`]:
//!
//! ```ignore
//! Router::new()
//!     .route("/ws/v12/interaction/customer", post(create))
//!     .route_layer(axum::middleware::from_fn(session::echo_session))
//! ```

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, post};
use axum::Router;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::error::EgainError;
use super::format::Format;
use super::xml::{self, clip, XmlLimits};
use crate::api::AppState;
use crate::app::sessions::Login;
use crate::app::Caller;

/// The header a login answers with and every later request of the session sends.
pub const SESSION_HEADER: HeaderName = HeaderName::from_static("x-egain-session");

/// eGain's namespace for the login body (its platform namespace); a body in no namespace
/// is read alike.
use super::schema::PLATFORM as PLATFORM_NS;

/// A login is a name and a password: far below this.
const LOGIN_BODY_BYTES: usize = 64 * 1024;

/// How long a client may take to send a login.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

const BAD_LOGIN: &str = "the user name or the password is wrong";

/// The login and logout routes, under both prefixes, with [`echo_session`].
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for prefix in super::PATH_PREFIXES {
        router = router
            .route(&format!("{prefix}/authentication/user/login"), post(login))
            .route(
                &format!("{prefix}/authentication/user/logout"),
                delete(logout),
            );
    }
    router.route_layer(middleware::from_fn(echo_session))
}

/// Puts `X-egain-session` on the answer: the session the request sent, unless the
/// handler set one (a login sets the new session's).
pub async fn echo_session(request: Request, next: Next) -> Response {
    let sent = request.headers().get(&SESSION_HEADER).cloned();
    let mut response = next.run(request).await;
    if let Some(sent) = sent {
        response.headers_mut().entry(SESSION_HEADER).or_insert(sent);
    }
    response
}

/// The caller of a request with a live session: its user's tenant and role, the user
/// (`user:NAME`) as the actor. A request without one is refused with 401 in eGain's shape,
/// in the request's format; a user over the rate limit with 429.
#[derive(Debug, Clone)]
pub struct Session(pub Caller);

impl<S> FromRequestParts<S> for Session
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let format = Format::of_request(&parts.headers);
        let refuse = |e: EgainError| e.in_format(format).into_response();
        let token =
            session_token(&parts.headers).map_err(|why| refuse(EgainError::unauthorized(why)))?;
        let caller = app
            .registry
            .session(token)
            .await
            .map_err(|e| refuse(e.into()))?
            .ok_or_else(|| {
                refuse(EgainError::unauthorized(
                    "the session is not valid: it is unknown, has expired or was ended; log in \
                     again",
                ))
            })?;
        if let Err(limited) = app.limiter.check(&caller.actor) {
            return Err(rate_limited(
                limited,
                format,
                "too many requests for this user",
            ));
        }
        Ok(Self(caller))
    }
}

/// The token of the one `X-egain-session` header a request sends.
fn session_token(headers: &HeaderMap) -> Result<&str, &'static str> {
    let mut values = headers.get_all(&SESSION_HEADER).iter();
    let value = match (values.next(), values.next()) {
        (Some(value), None) => value,
        (None, _) => return Err("send the X-egain-session header a login answered with"),
        (Some(_), Some(_)) => return Err("send one X-egain-session header, not several"),
    };
    value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or("the X-egain-session header is empty or not text")
}

/// A 429 in eGain's shape, with the `Retry-After` the limiter gave.
fn rate_limited(
    limited: crate::api::http::problem::ApiError,
    format: Format,
    message: &str,
) -> Response {
    let retry_after = limited
        .into_response()
        .headers()
        .get(header::RETRY_AFTER)
        .cloned()
        .unwrap_or(HeaderValue::from_static("1"));
    let mut response = EgainError::new(StatusCode::TOO_MANY_REQUESTS, 101, message)
        .in_format(format)
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, retry_after);
    response
}

/// A login's name and password, as sent.
struct Credentials {
    user_name: String,
    password: String,
}

async fn login(State(app): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let format = Format::of_request(&parts.headers);
    let refuse = |e: EgainError| e.in_format(format).into_response();
    let force = match force_login(parts.uri.query()) {
        Ok(force) => force,
        Err(e) => return refuse(e),
    };
    let Some(body_format) = Format::of_body(&parts.headers) else {
        return refuse(EgainError::unsupported_media_type());
    };
    let limit = app.limits.body_bytes.min(LOGIN_BODY_BYTES);
    let credentials = match read_body(body, limit)
        .await
        .and_then(|bytes| match body_format {
            Format::Json => from_json(&bytes),
            Format::Xml => from_xml(&bytes),
        }) {
        Ok(credentials) => credentials,
        Err(e) => return refuse(e),
    };
    // Per name, whether it exists or not, so that a brute force on one name is slowed
    // and leaves other users be.
    let name = &credentials.user_name;
    let key: String = name.chars().take(256).collect();
    if let Err(limited) = app.limiter.check(&format!("login:{key}")) {
        return rate_limited(
            limited,
            format,
            "too many logins for this user; retry later",
        );
    }
    match app.registry.login(name, credentials.password, force).await {
        Ok(Login::Opened(token)) => {
            tracing::info!(user = %name, "a user logged in");
            let value = HeaderValue::from_str(token.expose()).expect("a token is hex");
            (StatusCode::NO_CONTENT, [(SESSION_HEADER, value)]).into_response()
        }
        Ok(Login::BadCredentials) => refuse(EgainError::unauthorized(BAD_LOGIN)),
        Ok(Login::TooManySessions { max }) => refuse(EgainError::new(
            StatusCode::BAD_REQUEST,
            102,
            format!(
                "the user has {max} sessions already, the most there may be: log out of one, \
                 or log in with forceLogin=yes to end the oldest"
            ),
        )),
        Ok(Login::Throttled) => {
            let mut response = refuse(EgainError::new(
                StatusCode::TOO_MANY_REQUESTS,
                102,
                "too many logins for this user at once; retry in a moment",
            ));
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
        Err(e) => refuse(e.into()),
    }
}

async fn logout(State(app): State<AppState>, _: Session, headers: HeaderMap) -> Response {
    let format = Format::of_request(&headers);
    let Ok(token) = session_token(&headers) else {
        return EgainError::unauthorized("send the X-egain-session header a login answered with")
            .in_format(format)
            .into_response();
    };
    match app.registry.logout(token).await {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        // Ended by another request since this one's session was checked.
        Ok(false) => EgainError::unauthorized("the session has ended already")
            .in_format(format)
            .into_response(),
        Err(e) => EgainError::from(e).in_format(format).into_response(),
    }
}

/// `forceLogin=yes` ends the user's oldest session when it holds the most there may be.
fn force_login(query: Option<&str>) -> Result<bool, EgainError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
        .map_err(|_| EgainError::bad_request("the query string cannot be read"))?;
    let mut force = false;
    for (name, value) in pairs {
        if name == "forceLogin" {
            force = match value.to_ascii_lowercase().as_str() {
                "yes" | "true" => true,
                "no" | "false" => false,
                _ => return Err(EgainError::bad_request("forceLogin is yes or no")),
            };
        }
    }
    Ok(force)
}

async fn read_body(body: Body, limit: usize) -> Result<Bytes, EgainError> {
    use http_body_util::{BodyExt, LengthLimitError, Limited};
    match tokio::time::timeout(BODY_TIMEOUT, Limited::new(body, limit).collect()).await {
        Err(_) => Err(EgainError::new(
            StatusCode::REQUEST_TIMEOUT,
            101,
            "the body took too long to arrive",
        )),
        Ok(Err(e)) if e.downcast_ref::<LengthLimitError>().is_some() => Err(EgainError::too_large(
            format!("a login is at most {limit} bytes"),
        )),
        Ok(Err(_)) => Err(EgainError::bad_request("the body could not be read")),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
    }
}

fn missing(user_name: Option<String>, password: Option<String>) -> Result<Credentials, String> {
    match (user_name, password) {
        (Some(user_name), Some(password)) => Ok(Credentials {
            user_name,
            password,
        }),
        (None, _) => Err("the login has no userName".into()),
        (_, None) => Err("the login has no password".into()),
    }
}

/// `{"userName": "…", "password": "…"}`, nothing else, each once. Messages never quote a
/// value, only member names.
struct JsonLogin(Result<Credentials, String>);

impl<'de> Deserialize<'de> for JsonLogin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;

        impl<'de> Visitor<'de> for Members {
            type Value = JsonLogin;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object with userName and password")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonLogin, A::Error> {
                let (mut user_name, mut password) = (None, None);
                // The first problem is kept, and the rest of the object still read, as the
                // parser must see it end.
                let mut problem: Option<String> = None;
                while let Some(name) = map.next_key::<String>()? {
                    let slot = match name.as_str() {
                        "userName" => &mut user_name,
                        "password" => &mut password,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            problem.get_or_insert_with(|| {
                                format!(
                                    "unknown member {:?}: a login has userName and password only",
                                    clip(&name)
                                )
                            });
                            continue;
                        }
                    };
                    let value = map.next_value::<serde_json::Value>()?;
                    if slot.is_some() {
                        problem.get_or_insert_with(|| format!("{name} is sent more than once"));
                    }
                    match value {
                        serde_json::Value::String(text) => *slot = Some(text),
                        _ => {
                            problem.get_or_insert_with(|| format!("{name} must be a string"));
                        }
                    }
                }
                Ok(JsonLogin(match problem {
                    Some(problem) => Err(problem),
                    None => missing(user_name, password),
                }))
            }
        }

        deserializer.deserialize_map(Members)
    }
}

fn from_json(bytes: &[u8]) -> Result<Credentials, EgainError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let parsed = JsonLogin::deserialize(&mut deserializer).and_then(|login| {
        deserializer.end()?;
        Ok(login)
    });
    match parsed {
        Ok(JsonLogin(login)) => login.map_err(EgainError::bad_request),
        Err(e) => Err(EgainError::bad_request(format!(
            "the body is not a JSON login ({}): send {{\"userName\": …, \"password\": …}}",
            e.classify_message()
        ))),
    }
}

/// Why serde_json refused, without the value it may quote.
trait Classify {
    fn classify_message(&self) -> String;
}

impl Classify for serde_json::Error {
    fn classify_message(&self) -> String {
        match self.classify() {
            serde_json::error::Category::Data => {
                format!(
                    "not an object, at line {} column {}",
                    self.line(),
                    self.column()
                )
            }
            _ => self.to_string(),
        }
    }
}

/// `<user><userName>…</userName><password>…</password></user>` in eGain's namespace or in
/// none, with any prefix; nothing else, each once.
fn from_xml(bytes: &[u8]) -> Result<Credentials, EgainError> {
    let root = xml::parse(bytes, &XmlLimits::default())
        .map_err(|e| EgainError::bad_request(e.to_string()))?;
    if !root.is(PLATFORM_NS, "user") {
        return Err(EgainError::bad_request(format!(
            "the root element is {:?}; a login is <user> in namespace {PLATFORM_NS}",
            clip(&root.name)
        )));
    }
    if !root.text.trim().is_empty() {
        return Err(EgainError::bad_request(
            "<user> holds userName and password, not text",
        ));
    }
    let (mut user_name, mut password) = (None, None);
    for child in &root.children {
        let slot = if child.is(PLATFORM_NS, "userName") {
            &mut user_name
        } else if child.is(PLATFORM_NS, "password") {
            &mut password
        } else {
            return Err(EgainError::bad_request(format!(
                "unknown element {:?}: a login has userName and password only",
                clip(&child.name)
            )));
        };
        if slot.is_some() {
            return Err(EgainError::bad_request(format!(
                "{} is sent more than once",
                child.name
            )));
        }
        if !child.children.is_empty() {
            return Err(EgainError::bad_request(format!(
                "{} holds text only",
                child.name
            )));
        }
        *slot = Some(child.text.clone());
    }
    missing(user_name, password).map_err(EgainError::bad_request)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::AppState;
    use crate::app::{sessions, Registry, Settings};
    use crate::domain::auth::{Role, SecretCost};
    use crate::domain::users::SessionPolicy;
    use crate::store::Store;
    use axum::routing::get;
    use tower::ServiceExt;

    fn json(body: &str) -> Result<(String, String), String> {
        from_json(body.as_bytes())
            .map(|c| (c.user_name, c.password))
            .map_err(|e| e.message)
    }

    fn xml_login(body: &str) -> Result<(String, String), String> {
        from_xml(body.as_bytes())
            .map(|c| (c.user_name, c.password))
            .map_err(|e| e.message)
    }

    fn pair(name: &str, password: &str) -> Result<(String, String), String> {
        Ok((name.to_owned(), password.to_owned()))
    }

    #[test]
    fn a_json_login_names_its_two_members_once() {
        assert_eq!(
            json(r#"{"userName":"a","password":"p w"}"#),
            pair("a", "p w")
        );
        assert_eq!(json(r#"{"password":"p","userName":"a"}"#), pair("a", "p"));
        let refused = |body: &str, says: &str| {
            let message = json(body).unwrap_err();
            assert!(message.contains(says), "{body}: {message}");
            assert!(!message.contains("s3cret"), "{body}: {message}");
        };
        refused(r#"{"userName":"a"}"#, "no password");
        refused(r#"{"password":"s3cret"}"#, "no userName");
        refused(
            r#"{"userName":"a","password":"s3cret","x":1}"#,
            "unknown member \"x\"",
        );
        refused(
            r#"{"userName":"a","password":"s3cret","password":"s3cret"}"#,
            "more than once",
        );
        refused(
            r#"{"userName":"a","password":["s3cret"]}"#,
            "password must be a string",
        );
        refused(r#"["s3cret"]"#, "not a JSON login");
        refused(r#""s3cret""#, "not a JSON login");
        refused(
            r#"{"userName":"a","password":"s3cret"} x"#,
            "not a JSON login",
        );
        refused(r#"{"userName":"a","password":"s3cret""#, "not a JSON login");
    }

    #[test]
    fn an_xml_login_is_known_by_namespace_and_local_name() {
        let ns = PLATFORM_NS;
        assert_eq!(
            xml_login(&format!(
                r#"<user xmlns="{ns}"><userName>a</userName><password>p w</password></user>"#
            )),
            pair("a", "p w")
        );
        assert_eq!(
            xml_login(&format!(
                r#"<e:user xmlns:e="{ns}"><e:userName>a</e:userName><e:password>p</e:password></e:user>"#
            )),
            pair("a", "p")
        );
        assert_eq!(
            xml_login("<user><userName>a</userName><password>&lt;p&gt;</password></user>"),
            pair("a", "<p>")
        );
        let refused = |body: &str, says: &str| {
            let message = xml_login(body).unwrap_err();
            assert!(message.contains(says), "{body}: {message}");
        };
        refused(
            r#"<user xmlns="urn:other"><userName>a</userName><password>p</password></user>"#,
            "root element",
        );
        refused(
            r#"<user><userName xmlns="urn:other">a</userName><password>p</password></user>"#,
            "unknown element",
        );
        refused(
            "<login><userName>a</userName><password>p</password></login>",
            "root element",
        );
        refused("<user><userName>a</userName></user>", "no password");
        refused(
            "<user><userName>a</userName><password>p</password><x/></user>",
            "unknown element \"x\"",
        );
        refused(
            "<user><userName>a</userName><userName>b</userName><password>p</password></user>",
            "more than once",
        );
        refused(
            "<user><userName><b>a</b></userName><password>p</password></user>",
            "text only",
        );
        refused(
            r#"<!DOCTYPE user [<!ENTITY x "y">]><user><userName>&x;</userName><password>p</password></user>"#,
            "DOCTYPE",
        );
    }

    #[test]
    fn force_login_is_yes_or_no() {
        assert!(!force_login(None).unwrap());
        assert!(force_login(Some("forceLogin=yes")).unwrap());
        assert!(force_login(Some("forceLogin=YES&x=1")).unwrap());
        assert!(!force_login(Some("forceLogin=no")).unwrap());
        assert!(force_login(Some("forceLogin=maybe")).is_err());
    }

    /// A registry on a fresh SQLite file, with the user alice (writer, tenant t1) whose
    /// password is "pw", cheap to hash.
    async fn app(dir: &tempfile::TempDir, idle: Duration, touch: Duration) -> AppState {
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::open(&url).await.unwrap();
        let cost = SecretCost::new(8, 1, 1).unwrap();
        sessions::create_user(&store, cost, "alice", "t1", Role::Writer, "pw".into())
            .await
            .unwrap();
        let settings = Settings {
            secret_cost: cost,
            sessions: SessionPolicy::new(idle, touch).unwrap(),
            ..Settings::default()
        };
        let registry = Registry::new(store, settings, crate::api::event_encoder());
        AppState::new(registry, 0, None)
    }

    /// The door's routes and one that shows who its session says the caller is.
    fn router(state: AppState) -> Router {
        routes()
            .route(
                "/probe",
                get(|Session(caller): Session| async move {
                    format!("{} {} {}", caller.tenant, caller.actor, caller.role)
                }),
            )
            .with_state(state)
    }

    async fn call(
        router: &Router,
        request: axum::http::Request<Body>,
    ) -> (StatusCode, HeaderMap, String) {
        let response = router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = http_body_util::BodyExt::collect(body)
            .await
            .unwrap()
            .to_bytes();
        (
            parts.status,
            parts.headers,
            String::from_utf8(bytes.to_vec()).unwrap(),
        )
    }

    fn login_request(password: &str) -> axum::http::Request<Body> {
        axum::http::Request::post("/ws/v12/authentication/user/login")
            .header("content-type", "application/json")
            .body(Body::from(format!(
                r#"{{"userName":"alice","password":"{password}"}}"#
            )))
            .unwrap()
    }

    fn probe(token: Option<&str>, accept: &str) -> axum::http::Request<Body> {
        let mut request = axum::http::Request::get("/probe").header("accept", accept);
        if let Some(token) = token {
            request = request.header("x-egain-session", token);
        }
        request.body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn the_extractor_gives_the_sessions_user_as_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        let router = router(app(&dir, Duration::from_secs(60), Duration::from_secs(1)).await);
        let (status, headers, _) = call(&router, login_request("pw")).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let token = headers["x-egain-session"].to_str().unwrap().to_owned();
        let (status, headers, body) = call(&router, probe(Some(&token), "application/xml")).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::OK, "t1 user:alice writer")
        );
        // The probe carries no echo, as it is not one of the door's routes.
        assert!(headers.get("x-egain-session").is_none());

        for (token, accept) in [
            (None, "application/xml"),
            (Some("nope"), "application/json"),
        ] {
            let (status, headers, body) = call(&router, probe(token, accept)).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(headers["content-type"], accept);
            assert!(body.contains("401-101"), "{body}");
        }
        let (status, _, _) = call(&router, probe(Some(&"0".repeat(64)), "application/xml")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) = call(&router, login_request("wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn a_used_session_lives_on_and_an_idle_one_ends() {
        let dir = tempfile::tempdir().unwrap();
        let state = app(&dir, Duration::from_secs(2), Duration::from_millis(500)).await;
        let router = router(state.clone());
        let (_, headers, _) = call(&router, login_request("pw")).await;
        let token = headers["x-egain-session"].to_str().unwrap().to_owned();
        // Used every 0.7 s for 3.5 s: longer than the idle period, and it still works.
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(700)).await;
            let (status, _, _) = call(&router, probe(Some(&token), "application/xml")).await;
            assert_eq!(status, StatusCode::OK);
        }
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let (status, _, _) = call(&router, probe(Some(&token), "application/xml")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        // Expired sessions are purged.
        assert_eq!(state.registry.purge_sessions().await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_session_ends_with_its_logout() {
        let dir = tempfile::tempdir().unwrap();
        let router = router(app(&dir, Duration::from_secs(60), Duration::from_secs(1)).await);
        let (_, headers, _) = call(&router, login_request("pw")).await;
        let token = headers["x-egain-session"].to_str().unwrap().to_owned();
        let logout = || {
            axum::http::Request::delete("/system/ws/v12/authentication/user/logout")
                .header("x-egain-session", &token)
                .body(Body::empty())
                .unwrap()
        };
        let (status, headers, _) = call(&router, logout()).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(headers["x-egain-session"], token.as_str());
        let (status, headers, body) = call(&router, logout()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(headers["x-egain-session"], token.as_str());
        assert!(body.contains("<code>401-101</code>"), "{body}");
        let (status, _, _) = call(&router, probe(Some(&token), "application/xml")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn the_echo_keeps_what_a_handler_set() {
        let router: Router = Router::new()
            .route("/plain", get(|| async { "x" }))
            .route("/own", get(|| async { ([(SESSION_HEADER, "new")], "x") }))
            .route_layer(middleware::from_fn(echo_session));
        let request = |path: &str| {
            axum::http::Request::get(path)
                .header("x-egain-session", "sent")
                .body(Body::empty())
                .unwrap()
        };
        let (_, headers, _) = call(&router, request("/plain")).await;
        assert_eq!(headers["x-egain-session"], "sent");
        let (_, headers, _) = call(&router, request("/own")).await;
        assert_eq!(headers["x-egain-session"], "new");
        let bare = axum::http::Request::get("/plain")
            .body(Body::empty())
            .unwrap();
        let (_, headers, _) = call(&router, bare).await;
        assert!(headers.get("x-egain-session").is_none());
    }
}
