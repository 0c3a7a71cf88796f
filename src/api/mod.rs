//! The HTTP layer: shared plumbing in `http/`, one module per door (`native/` today), and
//! the router that puts them together. Doors translate their dialect to the model and call
//! the use cases in `app`; they know nothing of SQL.

pub mod bank;
mod dialects;
pub mod egain;
pub mod http;
pub mod native;
pub mod openapi;

use std::sync::Arc;
use std::time::Duration;

use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};

use crate::app::{EventEncoder, Registry};
use crate::domain::Limits;
use http::access::REQUEST_ID;
use http::problem::ApiError;
use http::{access, ops, rate_limit};

/// The encoding of objects in events: the native door's views.
pub fn event_encoder() -> Arc<dyn EventEncoder> {
    Arc::new(native::views::NativeEncoder)
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub registry: Registry,
    pub limits: Arc<Limits>,
    pub limiter: Arc<rate_limit::KeyLimiter>,
    pub metrics: Option<PrometheusHandle>,
}

impl AppState {
    /// `rate_limit` is requests a second per API key (and as large a burst); 0 turns it off.
    pub fn new(registry: Registry, rate_limit: u32, metrics: Option<PrometheusHandle>) -> Self {
        Self {
            limits: Arc::new(registry.limits().clone()),
            limiter: Arc::new(rate_limit::KeyLimiter::new(rate_limit)),
            registry,
            metrics,
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such path")
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

fn panicked(_: Box<dyn std::any::Any + Send>) -> Response {
    ApiError::internal("a handler panicked").into_response()
}

pub fn router(state: AppState) -> Router {
    let capacity = http::capacity::Capacity::new(
        state.limits.max_in_flight,
        Duration::from_secs(state.limits.request_timeout_secs.max(1)),
    );
    native::routes()
        .merge(bank::routes())
        .merge(egain::routes())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(openapi::serve))
        .route_layer(middleware::from_fn(ops::track))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            capacity,
            http::capacity::limit,
        ))
        .layer(middleware::from_fn(http::framing::limits))
        .layer(middleware::from_fn(dialects::in_the_doors_words))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(middleware::from_fn(access::log))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .with_state(state)
}
