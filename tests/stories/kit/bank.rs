//! Bank batches as the bank door sends them (planned with the domain's own bank planner),
//! what they read back as, and a look at the pending links left in the database.

use clientele::domain::bank::{
    plan_batch, plan_update, BankAccount, BankAccountSpec, BankCustomerSpec, BankProfile, Card,
    CardSpec,
};
use clientele::domain::outcome::Created;
use clientele::domain::records::{Link, ListFilter, Ownership, Record};
use clientele::domain::time::Timestamp;
use clientele::domain::Kind;
use clientele::store::{Outcome, Write};

use super::{Story, TENANT};

pub fn text(value: &str) -> Option<String> {
    Some(value.to_owned())
}

pub fn time(value: &str) -> Timestamp {
    Timestamp::parse_rfc3339(value).expect("an RFC 3339 time")
}

/// A bank customer whose profile is [`profile`], with `accounts` nested under it.
pub fn bank_customer(id: &str, accounts: Vec<BankAccountSpec>) -> BankCustomerSpec {
    BankCustomerSpec {
        source_customer_id: text(id),
        source_parent_customer_id: None,
        organization_id: text("org-1"),
        postal_code: text("10001"),
        country: text("US"),
        customer_creation_date: text("2023-01-01T08:00:00Z"),
        enrollment_start_date: text("2023-01-02T08:00:00Z"),
        enrollment_end_date: None,
        enrollment_opt_in_status: text("ACTIVE"),
        alert_opt_in_status: Some(vec!["NEW".into(), "EXPIRING".into()]),
        targeting_indicator: text("TARGET"),
        redemption_eligibility: text("ALL"),
        accounts: Some(accounts),
    }
}

pub fn child_of(id: &str, parent: &str) -> BankCustomerSpec {
    BankCustomerSpec {
        source_parent_customer_id: text(parent),
        ..bank_customer(id, vec![])
    }
}

/// What [`bank_customer`] says of a customer, as it reads back.
pub fn profile() -> BankProfile {
    BankProfile {
        organization_id: "org-1".into(),
        postal_code: "10001".into(),
        country: "US".into(),
        created_on: time("2023-01-01T08:00:00Z"),
        enrollment_start: time("2023-01-02T08:00:00Z"),
        enrollment_end: None,
        enrollment_opt_in: "ACTIVE".into(),
        alert_opt_ins: vec!["NEW".into(), "EXPIRING".into()],
        targeting: "TARGET".into(),
        redemption_eligibility: Some("ALL".into()),
    }
}

/// An OPEN DDA account of `owners`, the first of them primary, with `cards`.
pub fn bank_account(id: &str, owners: &[&str], cards: Vec<CardSpec>) -> BankAccountSpec {
    BankAccountSpec {
        source_account_id: text(id),
        source_customer_ids: Some(owners.iter().map(|o| (*o).to_owned()).collect()),
        primary_source_customer_id: text(owners[0]),
        status: text("OPEN"),
        account_type: text("DDA"),
        source_portfolio_id: text("portfolio-7"),
        account_open_date: text("2023-02-01T00:00:00Z"),
        account_close_date: None,
        cards: Some(cards),
    }
}

pub fn account_fields() -> BankAccount {
    BankAccount {
        status: "OPEN".into(),
        account_type: "DDA".into(),
        portfolio: Some("portfolio-7".into()),
        opened_on: Some(time("2023-02-01T00:00:00Z")),
        closed_on: None,
    }
}

/// An OPEN credit card of `account` held by `holder`.
pub fn card(account: &str, holder: &str, last4: &str) -> CardSpec {
    CardSpec {
        source_account_id: text(account),
        source_customer_id: text(holder),
        last4: text(last4),
        iin: text("411111"),
        card_type: text("CREDIT"),
        status: text("OPEN"),
        network_identifier: text("4"),
        open_date: text("2023-02-02T00:00:00Z"),
        close_date: None,
    }
}

/// A card as it reads back: holder, iin, last four, type, status and network (not its id,
/// which the planner draws anew for every copy).
pub type CardKey = (String, String, String, String, String, u8);

/// A card as it reads back, as a [`CardKey`].
pub fn card_key(card: &Card) -> CardKey {
    (
        card.holder.clone(),
        card.iin.clone(),
        card.last4.clone(),
        card.card_type.clone(),
        card.status.clone(),
        card.network,
    )
}

pub fn card_keys(cards: &[Card]) -> Vec<CardKey> {
    cards.iter().map(card_key).collect()
}

/// The card [`card`] makes for `holder`, as [`card_key`] shows it.
pub fn held(holder: &str, last4: &str) -> CardKey {
    let (h, l) = (holder.to_owned(), last4.to_owned());
    (h, "411111".into(), l, "CREDIT".into(), "OPEN".into(), 4)
}

impl Story {
    /// Plans a bank batch with the domain's planner and writes it as one create.
    pub async fn bank(&self, specs: Vec<BankCustomerSpec>) -> Outcome {
        let at = self.tick();
        let plan = plan_batch(specs, &self.rules, &self.limits, at).expect("a valid bank batch");
        self.write_in(TENANT, at, Write::Create(plan.objects)).await
    }

    /// Plans a batch of updates with the domain's planner and writes it as one create.
    pub async fn bank_update(&self, specs: Vec<BankCustomerSpec>) -> Outcome {
        let at = self.tick();
        let plan = plan_update(specs, &self.rules, &self.limits, at).expect("a valid bank batch");
        self.write_in(TENANT, at, Write::Create(plan.objects)).await
    }

    pub async fn by_external_id(&self, kind: Kind, external_id: &str) -> Record {
        let filter = ListFilter {
            external_id: text(external_id),
            limit: 10,
            ..Default::default()
        };
        let mut found = self.list(kind, filter).await;
        assert_eq!(found.len(), 1, "one {kind} {external_id}: {found:?}");
        found.remove(0)
    }

    /// The rows of `pending_links`, straight from the database.
    pub async fn pending_links(&self) -> i64 {
        const COUNT: &str = "SELECT count(*) FROM pending_links";
        if let Some(path) = self.url().strip_prefix("sqlite://") {
            let conn = rusqlite::Connection::open(path).expect("opening the SQLite file");
            return conn.query_row(COUNT, [], |row| row.get(0)).unwrap();
        }
        let (client, connection) = tokio_postgres::connect(self.url(), tokio_postgres::NoTls)
            .await
            .expect("connecting to PostgreSQL");
        tokio::spawn(connection);
        client.query_one(COUNT, &[]).await.unwrap().get(0)
    }
}

pub fn link(record: &Record) -> Link {
    Link {
        id: record.id().to_owned(),
        external_id: record.common().external_id.clone(),
    }
}

pub fn owner(record: &Record, primary: bool) -> Ownership {
    Ownership {
        customer: link(record),
        primary,
    }
}

pub fn objects(items: &[Created]) -> Vec<Record> {
    items.iter().map(|item| item.object.clone()).collect()
}
