//! Writes that arrive together (`Store::execute_together`): on PostgreSQL the native creates
//! among them are one group, one transaction; on SQLite the writer commits them together.
//! Each gets the answer it would get alone: duplicates among them have one winner, a
//! refusal leaves its neighbours stored, a key used twice in one group runs once and
//! replays, and the feed numbers every event without a gap.

use clientele::domain::idempotency::Claim;
use clientele::domain::outcome::Written;
use clientele::domain::refusal::{Refusal, UniqueKey};
use clientele::domain::Kind;
use clientele::store::{Executed, Write};

use super::kit::*;
use crate::common::Backend;

fn taken() -> Refusal {
    Refusal::Taken {
        key: UniqueKey::ExternalId(Kind::Customer),
        item: 0,
    }
}

fn claim(key: &str, body: &str) -> Claim {
    Claim::new(key.into(), "POST", "/v1/customers", None, body.as_bytes())
}

async fn duplicates_arriving_together_have_one_winner_each(backend: Backend) {
    let story = Story::begin(backend).await;
    story.created(customer("stored")).await;
    let ids = ["a", "b", "stored", "c"];
    let writes: Vec<_> = (0..3)
        .flat_map(|_| ids)
        .map(|id| {
            let at = story.tick();
            let write = Write::Create(vec![story.plan(customer(id), at)]);
            (story.ctx(TENANT, None, at), write)
        })
        .collect();
    let runs = run_together(&story.store, writes).await;
    for id in ids {
        let outcomes: Vec<_> = runs
            .iter()
            .enumerate()
            .filter(|(i, _)| ids[i % ids.len()] == id)
            .map(|(_, run)| run.outcome.clone().expect("rendered"))
            .collect();
        let won = outcomes
            .iter()
            .filter(|o| matches!(o, Ok(Written::Created(_))))
            .count();
        let lost = outcomes.iter().filter(|o| **o == Err(taken())).count();
        let wins = if id == "stored" { 0 } else { 1 };
        assert_eq!((won, lost), (wins, 3 - wins), "{id}: {outcomes:?}");
    }
    for run in &runs {
        let outcome = run.outcome.as_ref().unwrap();
        assert_eq!(run.executed, Executed::Fresh(answer_for(outcome)));
    }
    assert_eq!(story.all(Kind::Customer).await.len(), 4);
    feed_is_gap_free(&story, 4).await;
}

async fn a_refusal_among_creates_together_leaves_the_others_stored(backend: Backend) {
    let story = Story::begin(backend).await;
    story.created(customer("taken")).await;
    let names = ["n1", "taken", "n2", "n3"];
    let writes: Vec<_> = names
        .iter()
        .map(|id| {
            let at = story.tick();
            let write = Write::Create(vec![story.plan(customer(id), at)]);
            let key = format!("key-{id}");
            (story.ctx(TENANT, Some(claim(&key, id)), at), write)
        })
        .collect();
    let runs = run_together(&story.store, writes).await;
    for (id, run) in names.iter().zip(&runs) {
        let outcome = run.outcome.clone().expect("rendered");
        assert_eq!(run.executed, Executed::Fresh(answer_for(&outcome)));
        match *id {
            "taken" => assert_eq!(outcome, Err(taken())),
            _ => assert!(matches!(outcome, Ok(Written::Created(_))), "{outcome:?}"),
        }
    }
    // Each answer was kept with its claim: the refusal's too.
    let again: Vec<_> = names
        .iter()
        .map(|id| {
            let at = story.tick();
            let write = Write::Create(vec![story.plan(customer(id), at)]);
            let key = format!("key-{id}");
            (story.ctx(TENANT, Some(claim(&key, id)), at), write)
        })
        .collect();
    let replays = run_together(&story.store, again).await;
    for (first, replay) in runs.iter().zip(&replays) {
        let Executed::Fresh(answer) = &first.executed else {
            unreachable!()
        };
        assert_eq!(replay.executed, Executed::Replayed(answer.clone()));
        assert!(replay.outcome.is_none(), "a replay writes nothing");
    }
    assert_eq!(story.all(Kind::Customer).await.len(), 4);
    feed_is_gap_free(&story, 4).await;
}

async fn a_key_used_twice_in_one_group_runs_once(backend: Backend) {
    let story = Story::begin(backend).await;
    let early = story.tick();
    let first = story
        .run(
            story.ctx(TENANT, Some(claim("early", "e")), early),
            Write::Create(vec![story.plan(customer("early"), early)]),
            answer_for,
        )
        .await;
    let Executed::Fresh(early_answer) = first.executed else {
        panic!("a first use of the key: {:?}", first.executed)
    };
    // The same request twice, the same key with another request, and a key used before.
    let sent = [
        ("twice", "t", "twice"),
        ("twice", "t", "twice"),
        ("twice", "other", "other"),
        ("early", "e", "early-again"),
        ("own", "o", "own"),
    ];
    let writes: Vec<_> = sent
        .iter()
        .map(|(key, body, id)| {
            let at = story.tick();
            let write = Write::Create(vec![story.plan(customer(id), at)]);
            (story.ctx(TENANT, Some(claim(key, body)), at), write)
        })
        .collect();
    let runs = run_together(&story.store, writes).await;
    let fresh: Vec<_> = runs
        .iter()
        .filter_map(|run| match &run.executed {
            Executed::Fresh(answer) => Some(answer.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(fresh.len(), 2, "one run of \"twice\" and one of \"own\"");
    let twice = &runs[..2];
    let (ran, replayed) = match (&twice[0].executed, &twice[1].executed) {
        (Executed::Fresh(a), Executed::Replayed(b))
        | (Executed::Replayed(b), Executed::Fresh(a)) => (a, b),
        other => panic!("one run and one replay: {other:?}"),
    };
    assert_eq!(ran, replayed);
    assert_eq!(runs[2].executed, Executed::KeyReused);
    assert_eq!(runs[3].executed, Executed::Replayed(early_answer));
    assert!(matches!(runs[4].executed, Executed::Fresh(_)));
    let stored: Vec<_> = story
        .all(Kind::Customer)
        .await
        .iter()
        .map(|r| r.common().external_id.clone().unwrap())
        .collect();
    assert_eq!(stored.len(), 3, "early, twice and own: {stored:?}");
    for id in ["early", "twice", "own"] {
        assert!(stored.iter().any(|s| s == id), "{id} in {stored:?}");
    }
    feed_is_gap_free(&story, 3).await;
}

async fn a_create_in_a_group_takes_the_links_that_awaited_it(backend: Backend) {
    let story = Story::begin(backend).await;
    let orphan = created(story.bank(vec![child_of("orphan", "late")]).await).remove(0);
    let writes: Vec<_> = ["before", "late", "after"]
        .iter()
        .map(|id| {
            let at = story.tick();
            let write = Write::Create(vec![story.plan(customer(id), at)]);
            (story.ctx(TENANT, None, at), write)
        })
        .collect();
    let runs = run_together(&story.store, writes).await;
    let items = created(runs[1].outcome.clone().expect("rendered"));
    let late = &items[0];
    let now = story
        .object(Kind::Customer, orphan.object.id())
        .await
        .unwrap();
    assert_eq!(as_customer(&now).parent, Some(link(&late.object)));
    assert_eq!(late.linked, vec![now]);
    for run in [&runs[0], &runs[2]] {
        let items = created(run.outcome.clone().expect("rendered"));
        assert!(items[0].linked.is_empty());
    }
    assert_eq!(story.pending_links().await, 0);
}

both_backends!(
    duplicates_arriving_together_have_one_winner_each,
    a_refusal_among_creates_together_leaves_the_others_stored,
    a_key_used_twice_in_one_group_runs_once,
    a_create_in_a_group_takes_the_links_that_awaited_it,
);
