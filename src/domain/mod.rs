//! The registry's rules, free of I/O: value types that cannot hold invalid
//! data, the catalog and the checks a request must pass before it is stored.

pub mod attributes;
pub mod auth;
pub mod catalog;
pub mod customer;
pub mod errors;
pub mod limits;
pub mod reference;
pub mod state;
pub mod time;

pub use errors::{FieldCode, FieldError, FieldErrors};
pub use limits::Limits;
