//! The registry's rules, free of I/O: value types that cannot hold invalid
//! data, the catalog and the checks a request must pass before it is stored.

pub mod account;
pub mod attributes;
pub mod auth;
pub mod catalog;
pub mod customer;
pub mod entity;
pub mod errors;
pub mod lifecycle;
pub mod limits;
pub mod reference;
pub mod state;
pub mod subscriber;
pub mod time;
pub mod views;

pub use errors::{FieldCode, FieldError, FieldErrors};
pub use limits::Limits;
