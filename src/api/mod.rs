//! The HTTP layer: the router, authentication, RFC 9457 errors, idempotency, and one module
//! per door. Doors translate their dialect to the domain and know nothing of SQL.

pub mod accounts;
pub mod auth;
pub mod body;
pub mod catalog;
pub mod catalogs;
pub mod customers;
pub mod entities;
pub mod events;
pub mod idempotency;
pub mod lifecycle;
pub mod openapi;
pub mod ops;
pub mod problem;
pub mod rate_limit;
pub mod subscribers;
pub mod wire;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::HeaderMap;
use axum::http::{HeaderName, Request};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::domain::Limits;
use crate::store::{Kind, Store};
use auth::KeyCache;
use catalogs::CatalogCache;
use problem::ApiError;

/// Settings the HTTP layer needs.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    pub limits: Limits,
    /// How long a cached catalog is trusted before its stored version is checked again.
    pub catalog_ttl: Duration,
    pub key_ttl: Duration,
    /// Requests a second per API key (and as large a burst); 0 turns the limit off.
    pub rate_limit: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            catalog_ttl: Duration::from_secs(1),
            key_ttl: Duration::from_secs(30),
            rate_limit: 1000,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<ApiConfig>,
    pub catalogs: Arc<CatalogCache>,
    pub keys: Arc<KeyCache>,
    pub limiter: Arc<rate_limit::KeyLimiter>,
    pub metrics: Option<PrometheusHandle>,
}

impl AppState {
    pub fn new(store: Store, config: ApiConfig, metrics: Option<PrometheusHandle>) -> Self {
        Self {
            catalogs: Arc::new(CatalogCache::new(config.catalog_ttl, config.limits.clone())),
            keys: Arc::new(KeyCache::new(config.key_ttl)),
            limiter: Arc::new(rate_limit::KeyLimiter::new(config.rate_limit)),
            config: Arc::new(config),
            store,
            metrics,
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

async fn not_found() -> ApiError {
    ApiError::not_found("no such path")
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

fn panicked(_: Box<dyn std::any::Any + Send>) -> Response {
    ApiError::internal("a handler panicked").into_response()
}

/// The routes every kind has: read, list, patch, state change and histories; `create` is
/// the kind's own create handler.
fn kind_routes(
    router: Router<AppState>,
    kind: Kind,
    create: MethodRouter<AppState>,
) -> Router<AppState> {
    let base = format!("/v1/{}", kind.table());
    router
        .route(
            &base,
            create.get(
                move |state: State<AppState>, caller: auth::Caller, query: RawQuery| {
                    entities::list(kind, state, caller, query)
                },
            ),
        )
        .route(
            &format!("{base}/{{id}}"),
            get(
                move |state: State<AppState>, caller: auth::Caller, id: body::IdPath| {
                    entities::get(kind, state, caller, id)
                },
            )
            .patch(
                move |state: State<AppState>,
                      caller: auth::Writer,
                      id: body::IdPath,
                      uri: OriginalUri,
                      headers: HeaderMap,
                      body: body::JsonBody| {
                    lifecycle::patch(kind, state, caller, id, uri, headers, body)
                },
            ),
        )
        .route(
            &format!("{base}/{{id}}/state"),
            post(
                move |state: State<AppState>,
                      caller: auth::Writer,
                      id: body::IdPath,
                      uri: OriginalUri,
                      headers: HeaderMap,
                      body: body::JsonBody| {
                    lifecycle::change_state(kind, state, caller, id, uri, headers, body)
                },
            ),
        )
        .route(
            &format!("{base}/{{id}}/states"),
            get(
                move |state: State<AppState>, caller: auth::Caller, id: body::IdPath| {
                    lifecycle::states(kind, state, caller, id)
                },
            ),
        )
        .route(
            &format!("{base}/{{id}}/segments"),
            get(
                move |state: State<AppState>, caller: auth::Caller, id: body::IdPath| {
                    lifecycle::segments(kind, state, caller, id)
                },
            ),
        )
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    router = kind_routes(router, Kind::Customer, post(customers::create));
    router = kind_routes(router, Kind::Account, post(accounts::create));
    router = kind_routes(router, Kind::Subscriber, post(subscribers::create));
    router
        .route("/v1/events", get(events::feed))
        .route("/v1/catalog", get(catalog::get).put(catalog::put))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(openapi::serve))
        .route_layer(middleware::from_fn(ops::track))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(CatchPanicLayer::custom(panicked))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let request_id = request
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    tracing::info_span!(
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id,
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
