//! The registry's core, free of I/O and of every dialect: value types that cannot hold
//! invalid data, the catalog, the rules a request must pass before it is stored, the read
//! model, and paths that name fields in the model's own terms. It imports nothing else of
//! the crate.

pub mod account;
pub mod attributes;
pub mod auth;
pub mod bank;
pub mod card_number;
pub mod catalog;
pub mod contact;
pub mod customer;
pub mod entity;
pub mod errors;
pub mod events;
pub mod idempotency;
pub mod kind;
pub mod lifecycle;
pub mod limits;
pub mod number;
pub mod object;
pub mod outcome;
pub mod path;
pub mod records;
pub mod reference;
pub mod refusal;
pub mod state;
pub mod subscriber;
pub mod time;
pub mod users;
pub mod webhooks;

pub use errors::{FieldCode, FieldError, FieldErrors};
pub use kind::Kind;
pub use limits::Limits;
pub use path::{Field, FieldPath};
