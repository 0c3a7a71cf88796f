//! Racing writes: uniqueness and idempotency hold when writes arrive at once (the indexes
//! decide, not a check before the insert), and a store opened again reads what was written.

use clientele::domain::idempotency::Claim;
use clientele::domain::outcome::Written;
use clientele::domain::records::History;
use clientele::domain::refusal::{Refusal, UniqueKey};
use clientele::domain::Kind;
use clientele::store::{Executed, Outcome, Store, Write};
use tokio::task::JoinSet;

use super::kit::*;
use crate::common::Backend;

const RACERS: usize = 8;

/// Runs each write on a task of its own, all at once; their runs in any order.
async fn race(story: &Story, writes: Vec<(Option<Claim>, Write)>) -> Vec<Run> {
    let mut tasks = JoinSet::new();
    for (claim, write) in writes {
        let store = story.store.clone();
        let ctx = story.ctx(TENANT, claim, story.tick());
        tasks.spawn(async move { run_on(&store, ctx, write, answer_for).await });
    }
    tasks.join_all().await
}

fn outcomes(runs: Vec<Run>) -> Vec<Outcome> {
    runs.into_iter()
        .map(|run| run.outcome.expect("a write without a claim is rendered"))
        .collect()
}

async fn racing_creates_of_one_external_id_make_one_customer(backend: Backend) {
    let story = Story::begin(backend).await;
    let writes = (0..RACERS)
        .map(|_| {
            let object = story.plan(customer("race"), story.tick());
            (None, Write::Create(vec![object]))
        })
        .collect();
    let outcomes = outcomes(race(&story, writes).await);
    let won = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Written::Created(_))))
        .count();
    let taken = Err(Refusal::Taken {
        key: UniqueKey::ExternalId(Kind::Customer),
        item: 0,
    });
    let lost = outcomes.iter().filter(|o| **o == taken).count();
    assert_eq!((won, lost), (1, RACERS - 1), "{outcomes:?}");
    assert_eq!(story.all(Kind::Customer).await.len(), 1);
    assert_eq!(story.events().await.len(), 1);
}

async fn racing_subscribers_share_no_live_primary_resource(backend: Backend) {
    let story = Story::begin(backend).await;
    let account = story.created(account_by_profile(None)).await.object;
    let writes = (0..RACERS)
        .map(|_| {
            let spec = with_msisdn(
                subscriber_under(by_ref_id(account.id()), None),
                "421900555000",
            );
            (None, Write::Create(vec![story.plan(spec, story.tick())]))
        })
        .collect();
    let outcomes = outcomes(race(&story, writes).await);
    let won = outcomes.iter().filter(|o| o.is_ok()).count();
    let taken = Err(Refusal::Taken {
        key: UniqueKey::PrimaryResource,
        item: 0,
    });
    let lost = outcomes.iter().filter(|o| **o == taken).count();
    assert_eq!((won, lost), (1, RACERS - 1), "{outcomes:?}");
    assert_eq!(story.all(Kind::Subscriber).await.len(), 1);
}

async fn racing_retries_of_one_request_run_it_once(backend: Backend) {
    let story = Story::begin(backend).await;
    let claim = Claim::new("race-1".into(), "POST", "/v1/customers", None, b"{}");
    let writes = (0..RACERS)
        .map(|_| {
            let object = story.plan(customer_by_profile(), story.tick());
            (Some(claim.clone()), Write::Create(vec![object]))
        })
        .collect();
    let runs = race(&story, writes).await;
    let fresh: Vec<_> = runs
        .iter()
        .filter_map(|run| match &run.executed {
            Executed::Fresh(answer) => Some(answer.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(fresh.len(), 1, "one run of the request");
    for run in &runs {
        match &run.executed {
            Executed::Fresh(_) | Executed::InProgress => {}
            Executed::Replayed(answer) => assert_eq!(answer, &fresh[0]),
            Executed::KeyReused => panic!("one request, one fingerprint"),
        }
    }
    assert_eq!(story.all(Kind::Customer).await.len(), 1);
    assert_eq!(story.events().await.len(), 1);
}

async fn a_store_opened_again_reads_what_was_written(backend: Backend) {
    let mut story = Story::begin(backend).await;
    let item = story
        .created(with_msisdn(
            subscriber_by_profile(Some("kept")),
            "421900777000",
        ))
        .await;
    let feed = story.events().await;
    let history = story
        .history(Kind::Subscriber, item.object.id(), History::State)
        .await;
    story.store.close().await;
    story.store = Store::open(story.url())
        .await
        .expect("opening the store again");

    for record in item.parents.iter().chain([&item.object]) {
        assert_eq!(
            story.object(record.kind(), record.id()).await.as_ref(),
            Some(record)
        );
    }
    assert_eq!(story.events().await, feed);
    assert_eq!(
        story
            .history(Kind::Subscriber, item.object.id(), History::State)
            .await,
        history
    );
    // The indexes came back with the data, and the feed goes on after what it held.
    assert_eq!(
        story
            .refused(with_msisdn(subscriber_by_profile(None), "421900777000"))
            .await,
        Refusal::Taken {
            key: UniqueKey::PrimaryResource,
            item: 0
        }
    );
    story.created(customer("after")).await;
    let more = story.events().await;
    assert_eq!(more.len(), feed.len() + 1);
    assert!(more.last().unwrap().seq > feed.last().unwrap().seq);
}

both_backends!(
    racing_creates_of_one_external_id_make_one_customer,
    racing_subscribers_share_no_live_primary_resource,
    racing_retries_of_one_request_run_it_once,
    a_store_opened_again_reads_what_was_written,
);
