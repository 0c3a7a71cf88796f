//! Managing a tenant's webhook endpoints, for its admins: register (the secret made here
//! when none is given, and shown only in this answer), list, read, change, delete, read the
//! delivery attempts, and replay from a feed seq. The relay picks each change up within a
//! second, on every server process.

use crate::app::{AppResult, Caller, Registry};
use crate::domain::auth::Role;
use crate::domain::time::Timestamp;
use crate::domain::webhooks::{
    Delivery, Webhook, WebhookChangeSpec, WebhookProblem, WebhookSpec, MAX_WEBHOOKS_PER_TENANT,
};

/// Why a registration or a change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookRefusal {
    /// Every problem with what was sent.
    Problems(Vec<WebhookProblem>),
    /// The tenant has as many endpoints as it may.
    TooMany { max: i64 },
}

impl Registry {
    /// Registers an endpoint; it is sent the tenant's events from the next one on.
    pub async fn create_webhook(
        &self,
        caller: &Caller,
        spec: WebhookSpec,
    ) -> AppResult<Result<Webhook, WebhookRefusal>> {
        caller.require(Role::Admin)?;
        let id = uuid::Uuid::now_v7().to_string();
        let new = match spec.plan(id.clone(), caller.tenant.clone(), Timestamp::now()) {
            Ok(new) => new,
            Err(problems) => return Ok(Err(WebhookRefusal::Problems(problems))),
        };
        if !self.store().insert_webhook(new).await? {
            return Ok(Err(WebhookRefusal::TooMany {
                max: MAX_WEBHOOKS_PER_TENANT,
            }));
        }
        let stored = self.store().webhook(&caller.tenant, &id).await?;
        stored.map(Ok).ok_or_else(|| {
            crate::app::AppError::Internal("a new webhook cannot be read back".into())
        })
    }

    pub async fn webhooks(&self, caller: &Caller) -> AppResult<Vec<Webhook>> {
        caller.require(Role::Admin)?;
        Ok(self.store().webhooks(Some(&caller.tenant)).await?)
    }

    pub async fn webhook(&self, caller: &Caller, id: &str) -> AppResult<Option<Webhook>> {
        caller.require(Role::Admin)?;
        Ok(self.store().webhook(&caller.tenant, id).await?)
    }

    /// Changes what is named; `Ok(None)` when the tenant has no such endpoint.
    pub async fn change_webhook(
        &self,
        caller: &Caller,
        id: &str,
        spec: WebhookChangeSpec,
    ) -> AppResult<Result<Option<Webhook>, WebhookRefusal>> {
        caller.require(Role::Admin)?;
        let at = Timestamp::now();
        let change = match spec.plan(at) {
            Ok(change) => change,
            Err(problems) => return Ok(Err(WebhookRefusal::Problems(problems))),
        };
        Ok(Ok(self
            .store()
            .update_webhook(&caller.tenant, id, change, at)
            .await?))
    }

    /// Deletes the endpoint and its attempts; whether the tenant had it.
    pub async fn delete_webhook(&self, caller: &Caller, id: &str) -> AppResult<bool> {
        caller.require(Role::Admin)?;
        Ok(self.store().delete_webhook(&caller.tenant, id).await?)
    }

    /// The endpoint's attempts, newest first, before attempt id `before`; `None` when the
    /// tenant has no such endpoint.
    pub async fn webhook_deliveries(
        &self,
        caller: &Caller,
        id: &str,
        before: Option<i64>,
        limit: usize,
    ) -> AppResult<Option<Vec<Delivery>>> {
        caller.require(Role::Admin)?;
        if self.store().webhook(&caller.tenant, id).await?.is_none() {
            return Ok(None);
        }
        let before = before.unwrap_or(i64::MAX);
        Ok(Some(
            self.store().webhook_deliveries(id, before, limit).await?,
        ))
    }

    /// Delivers the tenant's events again from feed seq `from` on (and what follows),
    /// ending a failure; `None` when the tenant has no such endpoint.
    pub async fn replay_webhook(
        &self,
        caller: &Caller,
        id: &str,
        from: i64,
    ) -> AppResult<Option<Webhook>> {
        caller.require(Role::Admin)?;
        let after = from.saturating_sub(1).max(0);
        Ok(self
            .store()
            .replay_webhook(&caller.tenant, id, after, Timestamp::now())
            .await?)
    }
}
