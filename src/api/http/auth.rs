//! Who is calling: the bearer key gives a tenant and a role. Role extractors refuse a
//! caller before the body is read, so a key without the role is told 403 whatever it sent.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use super::problem::ApiError;
use crate::api::AppState;
use crate::app::Caller;
use crate::domain::auth::Role;

/// The authenticated caller of a request.
pub struct Authenticated(pub Caller);

impl<S> FromRequestParts<S> for Authenticated
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = AppState::from_ref(state);
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <api key>"))?;
        // The scheme name is case-insensitive (RFC 9110 §11.1).
        let key = header
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, key)| key.trim())
            .filter(|k| !k.is_empty())
            .ok_or_else(|| ApiError::unauthorized("send Authorization: Bearer <api key>"))?;
        let caller = app
            .registry
            .authenticate(key)
            .await?
            .ok_or_else(|| ApiError::unauthorized("the API key is not valid"))?;
        app.limiter.check(&caller.actor)?;
        Ok(Self(caller))
    }
}

/// A caller whose key may read.
pub struct Reader(pub Caller);

/// A caller whose key may write.
pub struct Writer(pub Caller);

/// A caller whose key is an admin's.
pub struct Admin(pub Caller);

macro_rules! role_extractor {
    ($name:ident, $role:expr) => {
        impl<S> FromRequestParts<S> for $name
        where
            S: Send + Sync,
            AppState: FromRef<S>,
        {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let Authenticated(caller) = Authenticated::from_request_parts(parts, state).await?;
                caller.require($role)?;
                Ok($name(caller))
            }
        }
    };
}

role_extractor!(Reader, Role::Reader);
role_extractor!(Writer, Role::Writer);
role_extractor!(Admin, Role::Admin);
