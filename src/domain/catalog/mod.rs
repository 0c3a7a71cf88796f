//! The catalog: profiles, segments, states and their reasons, resource types, departments and
//! classifiers. It is data a tenant configures, validated as a whole before it is used.

mod bank;
pub mod contact;
mod document;
mod rules;
pub mod usage;

pub use bank::{BankCatalog, BankList};
pub use contact::ContactCatalog;

pub use document::{AccountProfile, Catalog, CustomerProfile, ResourceType, SubscriberProfile};
pub use rules::{CatalogRules, ProfileView};
