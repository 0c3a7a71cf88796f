//! The native door: OCS.io's shapes for customers, accounts and subscribers, their
//! lifecycle and histories, the catalog and the change feed, all under `/v1`. It only
//! translates: wire types to the model's specs, records to views, field paths and
//! refusals to OCS.io's names.

pub mod accounts;
mod answers;
mod bank_views;
pub mod catalog;
mod contact_views;
pub mod customers;
pub mod events;
pub mod fields;
pub mod history;
pub mod lifecycle;
pub mod objects;
pub mod subscribers;
pub mod views;
pub mod webhooks;
pub mod wire;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post, MethodRouter};
use axum::Router;

use crate::api::http::auth::{Reader, Writer};
use crate::api::http::body::{IdPath, JsonBody};
use crate::api::http::idempotency::{self, Request};
use crate::api::http::problem::ApiResult;
use crate::api::AppState;
use crate::app::{Caller, Command, Respond};
use crate::domain::Kind;

/// The body member OCS.io carries its idempotency key in.
const REQUEST_ID: &str = "requestId";

/// The native door's path for a write: the claim from the `Idempotency-Key` header or
/// the body's `requestId`, then [`idempotency::write`].
async fn write<T>(
    app: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    request: Request<'_>,
    decoded: ApiResult<T>,
    command: impl FnOnce(T) -> Command,
    respond: Respond,
) -> ApiResult<Response> {
    let claim = idempotency::claim(
        headers,
        Some(REQUEST_ID),
        request,
        app.limits.idempotency_key_chars,
    )?;
    idempotency::write(app, caller, claim, decoded, command, respond).await
}

/// The route templates of a kind: they scope idempotency keys and name routes in traces.
struct KindRoutes {
    base: &'static str,
    one: &'static str,
    state: &'static str,
    states: &'static str,
    segments: &'static str,
}

fn kind_routes(kind: Kind) -> KindRoutes {
    match kind {
        Kind::Customer => KindRoutes {
            base: "/v1/customers",
            one: "/v1/customers/{id}",
            state: "/v1/customers/{id}/state",
            states: "/v1/customers/{id}/states",
            segments: "/v1/customers/{id}/segments",
        },
        Kind::Account => KindRoutes {
            base: "/v1/accounts",
            one: "/v1/accounts/{id}",
            state: "/v1/accounts/{id}/state",
            states: "/v1/accounts/{id}/states",
            segments: "/v1/accounts/{id}/segments",
        },
        Kind::Subscriber => KindRoutes {
            base: "/v1/subscribers",
            one: "/v1/subscribers/{id}",
            state: "/v1/subscribers/{id}/state",
            states: "/v1/subscribers/{id}/states",
            segments: "/v1/subscribers/{id}/segments",
        },
    }
}

/// The routes every kind has: read, list, patch, state change and histories; `create` is
/// the kind's own create handler.
fn with_kind(
    router: Router<AppState>,
    kind: Kind,
    create: MethodRouter<AppState>,
) -> Router<AppState> {
    let routes = kind_routes(kind);
    let (one, state) = (routes.one, routes.state);
    router
        .route(
            routes.base,
            create.get(
                move |app: State<AppState>, caller: Reader, query: RawQuery| {
                    objects::list(kind, app, caller, query)
                },
            ),
        )
        .route(
            one,
            get(move |app: State<AppState>, caller: Reader, id: IdPath| {
                objects::get(kind, app, caller, id)
            })
            .patch(
                move |app: State<AppState>,
                      caller: Writer,
                      id: IdPath,
                      headers: HeaderMap,
                      body: JsonBody| {
                    lifecycle::patch(kind, one, app, caller, id, headers, body)
                },
            ),
        )
        .route(
            state,
            post(
                move |app: State<AppState>,
                      caller: Writer,
                      id: IdPath,
                      headers: HeaderMap,
                      body: JsonBody| {
                    lifecycle::change_state(kind, state, app, caller, id, headers, body)
                },
            ),
        )
        .route(
            routes.states,
            get(move |app: State<AppState>, caller: Reader, id: IdPath| {
                history::states(kind, app, caller, id)
            }),
        )
        .route(
            routes.segments,
            get(move |app: State<AppState>, caller: Reader, id: IdPath| {
                history::segments(kind, app, caller, id)
            }),
        )
}

/// The native door's routes.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    router = with_kind(router, Kind::Customer, post(customers::create));
    router = with_kind(router, Kind::Account, post(accounts::create));
    router = with_kind(router, Kind::Subscriber, post(subscribers::create));
    router
        .route("/v1/events", get(events::feed))
        .route("/v1/catalog", get(catalog::get).put(catalog::put))
        .route("/v1/webhooks", post(webhooks::create).get(webhooks::list))
        .route(
            "/v1/webhooks/{id}",
            get(webhooks::get)
                .patch(webhooks::patch)
                .delete(webhooks::delete),
        )
        .route("/v1/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/v1/webhooks/{id}/replay", post(webhooks::replay))
}
