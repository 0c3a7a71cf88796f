//! The story suite of the storage interface: each story drives `clientele::store::Store`
//! the way the use cases do — requests planned with the domain's own rules against the
//! default catalog, one `execute` per write, events and answers rendered from the outcome —
//! and checks what reads back. Every story runs once on SQLite and once on PostgreSQL,
//! each on a database of its own.

#[macro_use]
mod common;

mod stories;
