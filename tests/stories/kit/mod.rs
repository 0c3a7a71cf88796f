//! What every story shares: a store on a database of its own, the default catalog's rules, a
//! clock that never repeats itself, and writes run the way the use cases run them (planned
//! with the domain, one `execute`, events and answer rendered from the outcome). `render`
//! makes events and answers and takes outcomes apart; `specs` builds requests.

mod bank;
mod render;
mod specs;

pub use bank::*;
pub use render::*;
pub use specs::*;

use std::sync::{Arc, Mutex};

use clientele::domain::catalog::{Catalog, CatalogRules};
use clientele::domain::events::Event;
use clientele::domain::idempotency::{Answer, Claim};
use clientele::domain::lifecycle::{plan_patch, plan_state_change, PatchSpec};
use clientele::domain::object::{plan_batch, NewObject, ObjectSpec};
use clientele::domain::outcome::Created;
use clientele::domain::records::{History, HistoryEntry, ListFilter, Record};
use clientele::domain::refusal::Refusal;
use clientele::domain::time::Timestamp;
use clientele::domain::{Kind, Limits};
use clientele::store::{Executed, Outcome, Render, Rendered, Store, Write, WriteCtx};

use crate::common::{Backend, TestDb};

/// The tenant every story writes for, unless it says otherwise.
pub const TENANT: &str = "acme";
/// Who writes (an API key's id), as histories and events record it.
pub const ACTOR: &str = "key-story";

pub struct Story {
    pub store: Store,
    pub rules: CatalogRules,
    pub limits: Limits,
    last_tick: Mutex<i64>,
    // Declared last, so the database goes after the store.
    db: TestDb,
}

/// One `execute`: what it returned, and the outcome the store handed to the render step.
pub struct Run {
    pub executed: Executed,
    /// `None` when the render step did not run (a replay, a reused key).
    pub outcome: Option<Outcome>,
}

impl Story {
    /// A fresh database, opened and migrated, with the story's tenant in it.
    pub async fn begin(backend: Backend) -> Self {
        let db = TestDb::new(backend).await;
        let store = Store::open(&db.url).await.expect("opening the store");
        let limits = Limits::default();
        let rules = Catalog::default()
            .validate(&limits)
            .expect("the default catalog is valid");
        let story = Self {
            store,
            rules,
            limits,
            last_tick: Mutex::new(0),
            db,
        };
        story
            .store
            .ensure_tenant(TENANT, story.tick())
            .await
            .expect("making the tenant");
        story
    }

    /// The database's URL, to open another store on it.
    pub fn url(&self) -> &str {
        &self.db.url
    }

    /// Runs SQL straight on the story's database (see [`TestDb::execute`]).
    pub async fn execute(&self, sql: &str) {
        self.db.execute(sql).await
    }

    /// Now, but always later than the tick before.
    pub fn tick(&self) -> Timestamp {
        let mut last = self.last_tick.lock().unwrap();
        *last = Timestamp::now().micros().max(*last + 1);
        Timestamp::from_micros(*last)
    }

    /// The time of the latest write (or tick).
    pub fn last_tick(&self) -> Timestamp {
        Timestamp::from_micros(*self.last_tick.lock().unwrap())
    }

    pub fn ctx(&self, tenant: &str, claim: Option<Claim>, at: Timestamp) -> WriteCtx {
        WriteCtx {
            tenant: tenant.to_owned(),
            actor: ACTOR.to_owned(),
            claim,
            at,
        }
    }

    /// Runs one write: `respond` makes the answer to keep, and the events are those the use
    /// cases make of the outcome.
    pub async fn run(
        &self,
        ctx: WriteCtx,
        write: Write,
        respond: impl Fn(&Outcome) -> Answer + Send + Sync + 'static,
    ) -> Run {
        run_on(&self.store, ctx, write, respond).await
    }

    /// Runs a write for `tenant` without a claim, at `at`; its outcome.
    pub async fn write_in(&self, tenant: &str, at: Timestamp, write: Write) -> Outcome {
        let run = self
            .run(self.ctx(tenant, None, at), write, answer_for)
            .await;
        let outcome = run.outcome.expect("a write without a claim is rendered");
        assert_eq!(run.executed, Executed::Fresh(answer_for(&outcome)));
        outcome
    }

    /// Plans one request at `at` with the domain's create rules; it must pass them.
    pub fn plan(&self, spec: impl Spec, at: Timestamp) -> NewObject {
        spec.spec()
            .plan(&self.rules, &self.limits, at)
            .expect("a valid request")
    }

    /// Plans `specs` as one batch, as the use cases do, and creates them for `tenant`.
    pub async fn create_in(&self, tenant: &str, specs: Vec<ObjectSpec>) -> Outcome {
        let at = self.tick();
        let objects = plan_batch(specs, &self.rules, &self.limits, at).expect("valid requests");
        self.write_in(tenant, at, Write::Create(objects)).await
    }

    pub async fn create(&self, specs: Vec<ObjectSpec>) -> Outcome {
        self.create_in(TENANT, specs).await
    }

    /// Creates one object that the store must accept.
    pub async fn created(&self, spec: impl Spec) -> Created {
        let mut items = created(self.create(vec![spec.spec()]).await);
        assert_eq!(items.len(), 1, "one request, one item: {items:?}");
        items.remove(0)
    }

    /// Creates one object the store must refuse; the refusal.
    pub async fn refused(&self, spec: impl Spec) -> Refusal {
        refusal(self.create(vec![spec.spec()]).await)
    }

    pub async fn change_state(
        &self,
        kind: Kind,
        id: &str,
        state: &str,
        reason: &str,
        cascade: bool,
    ) -> Outcome {
        let spec = state_spec(state, reason);
        let change = plan_state_change(kind, id.to_owned(), &spec, cascade, &self.rules)
            .expect("a configured state and reason");
        self.write_in(TENANT, self.tick(), Write::ChangeState(change))
            .await
    }

    pub async fn deactivate(&self, kind: Kind, id: &str) -> Vec<Record> {
        state_changed(
            self.change_state(kind, id, "DEACTIVATED", "dfltDeactivated", false)
                .await,
        )
    }

    pub async fn patch(&self, kind: Kind, id: &str, spec: PatchSpec) -> Outcome {
        let patch = plan_patch(kind, spec, &self.rules, &self.limits).expect("a valid patch");
        let id = id.to_owned();
        self.write_in(TENANT, self.tick(), Write::Patch { kind, id, patch })
            .await
    }

    pub async fn object(&self, kind: Kind, id: &str) -> Option<Record> {
        self.store
            .object(kind, TENANT, id)
            .await
            .expect("reading an object")
    }

    pub async fn list(&self, kind: Kind, filter: ListFilter) -> Vec<Record> {
        self.store
            .objects(kind, TENANT, filter)
            .await
            .expect("listing objects")
    }

    /// Every object of a kind (up to 1,000).
    pub async fn all(&self, kind: Kind) -> Vec<Record> {
        self.list(kind, page(1000)).await
    }

    pub async fn history(&self, kind: Kind, id: &str, which: History) -> Vec<HistoryEntry> {
        self.store
            .history(kind, TENANT, id, which)
            .await
            .expect("reading a history")
            .expect("the object exists")
    }

    pub async fn events_in(&self, tenant: &str, after: i64, limit: usize) -> Vec<Event> {
        self.store
            .events(tenant, after, limit)
            .await
            .expect("reading the feed")
    }

    /// The story tenant's whole feed (up to 1,000 events).
    pub async fn events(&self) -> Vec<Event> {
        self.events_in(TENANT, 0, 1000).await
    }
}

/// The feed holds `expected` events, numbered 1, 2, 3… without a gap.
pub async fn feed_is_gap_free(story: &Story, expected: usize) {
    let feed = story.events().await;
    let seqs: Vec<i64> = feed.iter().map(|e| e.seq).collect();
    let want: Vec<i64> = (1..=expected as i64).collect();
    assert_eq!(seqs, want, "{feed:?}");
}

/// Writes that arrive together ([`Store::execute_together`]), each answered by
/// [`answer_for`]; their runs in the same order.
pub async fn run_together(store: &Store, writes: Vec<(WriteCtx, Write)>) -> Vec<Run> {
    let mut seen = Vec::new();
    let mut all = Vec::new();
    for (ctx, write) in writes {
        let slot = Arc::new(Mutex::new(None));
        let keep = Arc::clone(&slot);
        seen.push(slot);
        let render: Render = Box::new(move |outcome: &Outcome| {
            *keep.lock().unwrap() = Some(outcome.clone());
            Rendered {
                answer: answer_for(outcome),
                events: events_of(outcome),
            }
        });
        all.push((ctx, write, render));
    }
    let executed = store.execute_together(all).await;
    executed
        .into_iter()
        .zip(seen)
        .map(|(executed, slot)| Run {
            executed: executed.expect("the store executes the write"),
            outcome: slot.lock().unwrap().take(),
        })
        .collect()
}

/// [`Story::run`] on any store, for writes spawned onto tasks of their own.
pub async fn run_on(
    store: &Store,
    ctx: WriteCtx,
    write: Write,
    respond: impl Fn(&Outcome) -> Answer + Send + Sync + 'static,
) -> Run {
    let seen = Arc::new(Mutex::new(None));
    let keep = Arc::clone(&seen);
    let render = Box::new(move |outcome: &Outcome| {
        *keep.lock().unwrap() = Some(outcome.clone());
        Rendered {
            answer: respond(outcome),
            events: events_of(outcome),
        }
    });
    let executed = store
        .execute(ctx, write, render)
        .await
        .expect("the store executes the write");
    let outcome = seen.lock().unwrap().take();
    Run { executed, outcome }
}
