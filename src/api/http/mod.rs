//! HTTP plumbing every door shares: authentication, body extraction, problem documents,
//! idempotency keys and answers, rate limiting, and the operators' endpoints.

pub mod access;
pub mod auth;
pub mod body;
pub mod capacity;
mod decode;
pub mod framing;
pub mod idempotency;
pub mod ops;
pub mod problem;
pub mod rate_limit;
mod strict;
