//! How much the server takes on at once: a request past the number handled at once is
//! answered 503 with `Retry-After` at once rather than queued without end, and one not
//! answered in time is ended with a 503. One semaphore for the whole server: axum gives
//! each route its own copy of a tower layer, which would cap each route apart.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::problem::ApiError;

#[derive(Clone)]
pub struct Capacity {
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl Capacity {
    pub fn new(max_in_flight: usize, timeout: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_in_flight.max(1))),
            timeout,
        }
    }
}

pub async fn limit(State(capacity): State<Capacity>, request: Request, next: Next) -> Response {
    let Ok(_permit) = capacity.permits.clone().try_acquire_owned() else {
        return ApiError::unavailable("the server is handling as many requests as it takes; retry")
            .with_retry_after(1)
            .into_response();
    };
    match tokio::time::timeout(capacity.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::unavailable("the request took longer than the server allows; retry")
            .with_retry_after(1)
            .into_response(),
    }
}
