//! A sink's lease as its task holds it: taken, renewed and given up through the store, so
//! that of all the processes on one database one at a time advances the sink.

use super::Ctx;
use crate::domain::time::Timestamp;
use crate::domain::webhooks::Cursor;
use crate::store::Result;

pub(super) struct Lease {
    pub(super) sink: String,
}

impl Lease {
    pub(super) fn new(sink: String) -> Self {
        Self { sink }
    }

    /// Takes the lease (or renews it): the cursor while this process holds it, `None`
    /// while another does.
    pub(super) async fn claim(&self, ctx: &Ctx) -> Result<Option<Cursor>> {
        let held = ctx
            .store
            .claim_cursor(&self.sink, &ctx.owner, ctx.lease_until(), Timestamp::now())
            .await?;
        metrics::gauge!("clientele_relay_lease_held", "sink" => self.sink.clone())
            .set(if held.is_some() { 1.0 } else { 0.0 });
        Ok(held)
    }

    /// Writes the cursor and renews the lease; `false` when the lease was lost or the
    /// cursor was reset (a replay) since it was read.
    pub(super) async fn advance(&self, ctx: &Ctx, cursor: Cursor) -> Result<bool> {
        let advanced = ctx
            .store
            .advance_cursor(
                &self.sink,
                &ctx.owner,
                cursor,
                ctx.lease_until(),
                Timestamp::now(),
            )
            .await?;
        if !advanced {
            metrics::gauge!("clientele_relay_lease_held", "sink" => self.sink.clone()).set(0.0);
        }
        Ok(advanced)
    }

    /// Gives the lease up, so another process need not wait for it to expire.
    pub(super) async fn release(&self, ctx: &Ctx) {
        if let Err(e) = ctx.store.release_cursor(&self.sink, &ctx.owner).await {
            tracing::warn!(error = %e, sink = %self.sink, "giving up a relay lease failed");
        }
        metrics::gauge!("clientele_relay_lease_held", "sink" => self.sink.clone()).set(0.0);
    }
}
