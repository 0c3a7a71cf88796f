//! clientele: a customer registry with OCS.io, eGain and bank-data front doors over one model.
//!
//! Layers, each knowing only the one below: `api` (HTTP doors) → `domain` (rules, no I/O)
//! and `store` (SQLite or PostgreSQL). `cli` wires them into the `clientele` binary.

pub mod api;
pub mod cli;
pub mod config;
pub mod domain;
pub mod store;
