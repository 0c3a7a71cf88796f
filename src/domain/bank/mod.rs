//! Bank data, as a card-linked-offers feed sends it (Cardlytics Publisher v2): customers with
//! their accounts and cards, typed and checked here, so that a bank customer is a customer
//! of the one model with a bank profile, its accounts are accounts (owners, one primary) with
//! bank fields, and its cards are an entity of their own. No full card number is ever kept:
//! a card is its `iin` and `last4`.

mod accounts;
mod batch;
mod checks;
mod country;
mod spec;
mod values;

pub use batch::{plan_batch, plan_update, BankPlan};
pub use spec::{BankAccountSpec, BankCustomerSpec, CardSpec};
pub use values::{BankAccount, BankProfile, Card};
