//! A write that fails in the database midway — as a full disk or a bug would fail it, after
//! its claim, its row and its history are written — fails alone: nothing of it stays, its
//! key included, and the writes committed with it are stored whole.

use clientele::domain::idempotency::Claim;
use clientele::domain::outcome::Written;
use clientele::domain::Kind;
use clientele::store::{Executed, Outcome, Render, Rendered, StoreError, Write, WriteCtx};

use super::kit::*;
use crate::common::Backend;

/// Every event about an external id holding `boom` fails, by a trigger on the events table:
/// the last row a create writes before its answer.
async fn fail_events_about_boom(story: &Story, backend: Backend) {
    let sql = match backend {
        Backend::Sqlite => {
            "CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.data LIKE '%boom%' \
             BEGIN SELECT RAISE(ABORT, 'boom'); END;"
        }
        Backend::Postgres => {
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'boom'; END $$; \
             CREATE TRIGGER boom BEFORE INSERT ON events FOR EACH ROW \
             WHEN (NEW.data LIKE '%boom%') EXECUTE FUNCTION boom();"
        }
    };
    story.execute(sql).await;
}

async fn mend(story: &Story, backend: Backend) {
    story
        .execute(match backend {
            Backend::Sqlite => "DROP TRIGGER boom",
            Backend::Postgres => "DROP TRIGGER boom ON events",
        })
        .await;
}

fn create(story: &Story, id: &str) -> (WriteCtx, Write, Render) {
    let at = story.tick();
    let write = Write::Create(vec![story.plan(customer(id), at)]);
    let claim = Claim::new(
        format!("key-{id}"),
        "POST",
        "/v1/customers",
        None,
        id.as_bytes(),
    );
    let render: Render = Box::new(|outcome: &Outcome| Rendered {
        answer: answer_for(outcome),
        events: events_of(outcome),
    });
    (story.ctx(TENANT, Some(claim), at), write, render)
}

fn stored_ids(records: &[clientele::domain::records::Record]) -> Vec<String> {
    let mut ids: Vec<_> = records
        .iter()
        .filter_map(|r| r.common().external_id.clone())
        .collect();
    ids.sort();
    ids
}

async fn a_write_that_fails_midway_fails_alone(backend: Backend) {
    let story = Story::begin(backend).await;
    fail_events_about_boom(&story, backend).await;
    // Enough writes at once that the writer commits several of them together, failures
    // among them.
    let ids: Vec<String> = (0..24)
        .map(|i| match i % 4 {
            1 => format!("boom-{i:02}"),
            _ => format!("ok-{i:02}"),
        })
        .collect();
    let writes = ids.iter().map(|id| create(&story, id)).collect();
    let executed = story.store.execute_together(writes).await;
    for (id, executed) in ids.iter().zip(&executed) {
        if id.starts_with("boom") {
            assert!(
                matches!(executed, Err(StoreError::Database(_))),
                "{id}: {executed:?}"
            );
        } else {
            assert!(
                matches!(executed, Ok(Executed::Fresh(_))),
                "{id}: {executed:?}"
            );
        }
    }
    let good: Vec<_> = ids
        .iter()
        .filter(|id| id.starts_with("ok"))
        .cloned()
        .collect();
    assert_eq!(stored_ids(&story.all(Kind::Customer).await), good);
    let feed = story.events().await;
    assert_eq!(feed.len(), good.len(), "{feed:?}");
    assert!(feed.iter().all(|e| !e.data.contains("boom")), "{feed:?}");

    // Nothing of the failed writes stayed, their claims included: once the fault is
    // mended, the same keys write afresh rather than replay or wait.
    mend(&story, backend).await;
    let booms: Vec<_> = ids.iter().filter(|id| id.starts_with("boom")).collect();
    for id in &booms {
        let (ctx, write, _) = create(&story, id);
        let run = run_on(&story.store, ctx, write, answer_for).await;
        assert!(
            matches!(run.executed, Executed::Fresh(_)),
            "{id}: {:?}",
            run.executed
        );
        assert!(
            matches!(run.outcome, Some(Ok(Written::Created(_)))),
            "{id}: {:?}",
            run.outcome
        );
    }
    let mut all = ids.clone();
    all.sort();
    assert_eq!(stored_ids(&story.all(Kind::Customer).await), all);
    feed_is_gap_free(&story, ids.len()).await;
}

both_backends!(a_write_that_fails_midway_fails_alone);
