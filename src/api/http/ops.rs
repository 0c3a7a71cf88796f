//! Endpoints for operators, open without a key: liveness, readiness, metrics.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::problem::{ApiError, ApiResult, Problem};
use crate::api::AppState;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "Alive")))]
pub async fn healthz() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The process can reach its database.
#[utoipa::path(
    get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "Ready"), (status = 503, body = Problem))
)]
pub async fn readyz(State(app): State<AppState>) -> ApiResult<Json<Value>> {
    app.registry.ping().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::unavailable("the database cannot be reached")
    })?;
    Ok(Json(
        json!({"status": "ready", "database": app.registry.backend()}),
    ))
}

/// Prometheus metrics: request counts and latency by route, method and status; and the
/// relay's, per sink (`nats:<stream>`, `webhook:<id>`): its lag, the events it relayed,
/// whether this process holds it, and each endpoint's queue, attempts and failures.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(app): State<AppState>) -> Response {
    let text = app.metrics.as_ref().map(|m| m.render()).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        text,
    )
        .into_response()
}

/// Counts and times every request by its route template, so ids never become labels.
pub async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("route", route), ("method", method), ("status", status)];
    metrics::counter!("clientele_http_requests_total", &labels).increment(1);
    metrics::histogram!("clientele_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
