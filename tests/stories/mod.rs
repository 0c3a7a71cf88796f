//! One module per part of the interface; `kit` is what they share.

mod kit;

mod bank;
mod bank_updates;
mod batches;
mod concurrency;
mod contacts;
mod creates;
mod failures;
mod feed;
mod idempotency;
mod keys;
mod lifecycle;
mod listing;
mod patches;
mod references;
mod together;
mod uniqueness;
