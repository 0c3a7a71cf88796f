//! The eGain v12 door: individual customers with contact persons and contact points, in
//! XML or JSON, behind agent sessions. It answers under `/ws/v12/…` and, as its `Location`
//! headers point there, under `/system/ws/v12/…` too.

pub mod customers;
pub mod document;
pub mod error;
pub mod format;
pub mod openapi;
pub mod schema;
pub mod session;
pub mod wire;
pub mod xml;

use axum::Router;

use super::AppState;

/// Where the door answers: eGain's own paths, and those its `Location` headers point to.
pub const PATH_PREFIXES: [&str; 2] = ["/ws/v12", "/system/ws/v12"];

/// The door's routes, each under both of its prefixes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(session::routes())
        .merge(customers::routes())
}
