//! What the doors read: objects, listings, histories, the change feed and the catalog.

use std::sync::Arc;
use std::time::Duration;

use super::{AppResult, Caller, Registry};
use crate::domain::auth::Role;
use crate::domain::catalog::CatalogRules;
use crate::domain::contact::ContactSearch;
use crate::domain::events::Event;
use crate::domain::records::{History, HistoryEntry, ListFilter, Record};
use crate::domain::Kind;

/// How often a waiting feed reader looks for new events.
const FEED_POLL: Duration = Duration::from_millis(100);

impl Registry {
    /// The tenant's catalog and its version (0 for the built-in default).
    pub(super) async fn catalog_rules(&self, tenant: &str) -> AppResult<(i64, Arc<CatalogRules>)> {
        Ok(self.inner.catalogs.get(self.store(), tenant).await?)
    }

    /// The caller's catalog, for an admin.
    pub async fn catalog(&self, caller: &Caller) -> AppResult<Arc<CatalogRules>> {
        caller.require(Role::Admin)?;
        Ok(self.catalog_rules(&caller.tenant).await?.1)
    }

    pub async fn object(&self, caller: &Caller, kind: Kind, id: &str) -> AppResult<Option<Record>> {
        caller.require(Role::Reader)?;
        Ok(self.store().object(kind, &caller.tenant, id).await?)
    }

    /// The tenant's customer with this number.
    pub async fn customer_by_number(
        &self,
        caller: &Caller,
        number: u64,
    ) -> AppResult<Option<Record>> {
        caller.require(Role::Reader)?;
        self.customer_of_number(&caller.tenant, number).await
    }

    /// The tenant's customer with this number, for a read or a write that names it so.
    pub(super) async fn customer_of_number(
        &self,
        tenant: &str,
        number: u64,
    ) -> AppResult<Option<Record>> {
        let store = self.store();
        let Some(number) = self.inner.numbers.numbered(store, number).await? else {
            return Ok(None);
        };
        let Some(id) = store.customer_by_number(tenant, number).await? else {
            return Ok(None);
        };
        Ok(store.object(Kind::Customer, tenant, &id).await?)
    }

    /// Page `page` (from 1) of `size` of the customers a contact point of which matches,
    /// in id order.
    pub async fn search_contacts(
        &self,
        caller: &Caller,
        search: ContactSearch,
        page: usize,
        size: usize,
    ) -> AppResult<Vec<Record>> {
        caller.require(Role::Reader)?;
        let skip = page.saturating_sub(1).saturating_mul(size);
        let wanted = i64::try_from(skip.saturating_add(size)).unwrap_or(i64::MAX);
        let ids = self
            .store()
            .search_contacts(&caller.tenant, search, wanted)
            .await?;
        let mut records = Vec::new();
        for id in ids.iter().skip(skip) {
            if let Some(record) = self
                .store()
                .object(Kind::Customer, &caller.tenant, id)
                .await?
            {
                records.push(record);
            }
        }
        Ok(records)
    }

    /// One page of a listing, and whether more follow it.
    pub async fn objects(
        &self,
        caller: &Caller,
        kind: Kind,
        mut filter: ListFilter,
    ) -> AppResult<(Vec<Record>, bool)> {
        caller.require(Role::Reader)?;
        let limit = filter.limit;
        filter.limit = limit + 1;
        let mut records = self.store().objects(kind, &caller.tenant, filter).await?;
        let more = records.len() > limit;
        records.truncate(limit);
        Ok((records, more))
    }

    /// An object's history, oldest first; `None` when there is no such object.
    pub async fn history(
        &self,
        caller: &Caller,
        kind: Kind,
        id: &str,
        which: History,
    ) -> AppResult<Option<Vec<HistoryEntry>>> {
        caller.require(Role::Reader)?;
        Ok(self
            .store()
            .history(kind, &caller.tenant, id, which)
            .await?)
    }

    /// The tenant's events after `after`, waiting up to `wait` for the first when there is none.
    pub async fn feed(
        &self,
        caller: &Caller,
        after: i64,
        limit: usize,
        wait: Duration,
    ) -> AppResult<Vec<Event>> {
        caller.require(Role::Reader)?;
        let deadline = tokio::time::Instant::now() + wait;
        let mut stopping = self.inner.stopping.subscribe();
        let mut waiting: Option<Waiting> = None;
        loop {
            let events = self.store().events(&caller.tenant, after, limit).await?;
            let stopped = *stopping.borrow_and_update();
            if !events.is_empty() || stopped || tokio::time::Instant::now() >= deadline {
                return Ok(events);
            }
            waiting.get_or_insert_with(Waiting::start);
            tokio::select! {
                _ = tokio::time::sleep(FEED_POLL) => {}
                _ = stopping.changed() => {}
            }
        }
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> AppResult<()> {
        Ok(self.store().ping().await?)
    }

    pub fn backend(&self) -> &'static str {
        self.store().backend()
    }
}

/// A feed reader waiting for news, counted on `/metrics` while it waits: what a stopping
/// server still answers, and what a long poll's watcher sees.
struct Waiting;

impl Waiting {
    fn start() -> Self {
        metrics::gauge!("clientele_feed_readers_waiting").increment(1.0);
        Self
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        metrics::gauge!("clientele_feed_readers_waiting").decrement(1.0);
    }
}
