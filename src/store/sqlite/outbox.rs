//! What the relay reads and keeps: the outbox's events, each sink's cursor, the webhooks
//! and their deliveries.

use super::Reach;
use super::SqliteStore;
use crate::domain::time::Timestamp;
use crate::domain::webhooks::{
    Cursor, Delivery, DeliveryProgress, NewWebhook, OutboxEvent, Webhook, WebhookChange,
};
use crate::store::sql::{relay, webhooks};
use crate::store::Result;

impl SqliteStore {
    pub async fn relay_newest(&self) -> Result<i64> {
        self.read(Reach::Few, async move |c| relay::newest(c).await)
            .await
    }

    pub async fn relay_events(&self, after: i64, limit: usize) -> Result<Vec<OutboxEvent>> {
        self.read(Reach::Many, async move |c| {
            relay::since(c, after, limit).await
        })
        .await
    }

    pub async fn ensure_cursor(&self, sink: &str, start: i64, at: Timestamp) -> Result<()> {
        let sink = sink.to_owned();
        self.write(async move |c| relay::ensure(c, &sink, start, at).await)
            .await
    }

    pub async fn claim_cursor(
        &self,
        sink: &str,
        owner: &str,
        until: Timestamp,
        now: Timestamp,
    ) -> Result<Option<Cursor>> {
        let (sink, owner) = (sink.to_owned(), owner.to_owned());
        self.write(async move |c| relay::claim(c, &sink, &owner, until, now).await)
            .await
    }

    pub async fn read_cursor(&self, sink: &str) -> Result<Option<Cursor>> {
        let sink = sink.to_owned();
        self.read(Reach::Few, async move |c| relay::read(c, &sink).await)
            .await
    }

    pub async fn advance_cursor(
        &self,
        sink: &str,
        owner: &str,
        cursor: Cursor,
        until: Timestamp,
        at: Timestamp,
    ) -> Result<bool> {
        let (sink, owner) = (sink.to_owned(), owner.to_owned());
        self.write(async move |c| relay::advance(c, &sink, &owner, cursor, until, at).await)
            .await
    }

    pub async fn release_cursor(&self, sink: &str, owner: &str) -> Result<()> {
        let (sink, owner) = (sink.to_owned(), owner.to_owned());
        self.write(async move |c| relay::release(c, &sink, &owner).await)
            .await
    }

    pub async fn insert_webhook(&self, new: NewWebhook) -> Result<bool> {
        self.write(async move |c| webhooks::insert(c, &new).await)
            .await
    }

    pub async fn webhooks(&self, tenant: Option<&str>) -> Result<Vec<Webhook>> {
        let tenant = tenant.map(str::to_owned);
        self.read(Reach::Many, async move |c| match tenant {
            Some(tenant) => webhooks::of_tenant(c, &tenant).await,
            None => webhooks::all(c).await,
        })
        .await
    }

    pub async fn webhook(&self, tenant: &str, id: &str) -> Result<Option<Webhook>> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.read(Reach::Few, async move |c| {
            webhooks::one(c, &tenant, &id).await
        })
        .await
    }

    pub async fn update_webhook(
        &self,
        tenant: &str,
        id: &str,
        change: WebhookChange,
        at: Timestamp,
    ) -> Result<Option<Webhook>> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.write(async move |c| webhooks::update(c, &tenant, &id, &change, at).await)
            .await
    }

    pub async fn delete_webhook(&self, tenant: &str, id: &str) -> Result<bool> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.write(async move |c| webhooks::delete(c, &tenant, &id).await)
            .await
    }

    pub async fn replay_webhook(
        &self,
        tenant: &str,
        id: &str,
        after: i64,
        at: Timestamp,
    ) -> Result<Option<Webhook>> {
        let (tenant, id) = (tenant.to_owned(), id.to_owned());
        self.write(async move |c| webhooks::replay(c, &tenant, &id, after, at).await)
            .await
    }

    pub async fn mark_webhook_failing(&self, id: &str, since: Timestamp) -> Result<()> {
        let id = id.to_owned();
        self.write(async move |c| webhooks::mark_failing(c, &id, since).await)
            .await
    }

    pub async fn webhook_deliveries(
        &self,
        id: &str,
        before: i64,
        limit: usize,
    ) -> Result<Vec<Delivery>> {
        let id = id.to_owned();
        self.read(Reach::Many, async move |c| {
            webhooks::deliveries(c, &id, before, limit).await
        })
        .await
    }

    pub async fn record_deliveries(&self, progress: DeliveryProgress) -> Result<bool> {
        self.write(async move |c| webhooks::record_progress(c, &progress).await)
            .await
    }

    pub async fn purge_deliveries(&self, before: Timestamp) -> Result<u64> {
        self.write(async move |c| webhooks::purge_deliveries(c, before).await)
            .await
    }
}
