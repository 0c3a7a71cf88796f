//! clientele: a customer registry with OCS.io, eGain and bank-data front doors over one model.
//!
//! Arrows point inward: `cli` → `api` (HTTP doors) → `app` (use cases, the one write
//! pipeline) → `domain` (rules and the read model, no I/O); `store` (SQLite or PostgreSQL)
//! → `domain`, used by `app` through its interface.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
#[doc(hidden)]
pub mod fuzzing;
pub mod store;
