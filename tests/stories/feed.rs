//! The change feed: each tenant sees its own events only, in commit order, numbered 1, 2,
//! 3… within the tenant without gaps (so no tenant learns another's volume), each with an
//! id unique among all tenants' events; `after` pages through them so that each is seen
//! exactly once.

use std::collections::BTreeSet;

use clientele::domain::events::Event;
use clientele::domain::lifecycle::PatchSpec;
use clientele::domain::time::Timestamp;
use clientele::domain::Kind;

use super::kit::*;
use crate::common::Backend;

const OTHER: &str = "other";

/// What a reader checks of an event besides its seq.
fn summary(events: &[Event]) -> Vec<(String, String, String, Timestamp)> {
    events
        .iter()
        .map(|e| {
            let entity = format!("{}:{}", e.entity, e.entity_id);
            (e.event_type.clone(), entity, e.actor.clone(), e.at)
        })
        .collect()
}

fn expect(kind: Kind, what: &str, id: &str, at: Timestamp) -> (String, String, String, Timestamp) {
    let entity = kind.name();
    (
        format!("{entity}.{what}"),
        format!("{entity}:{id}"),
        ACTOR.to_owned(),
        at,
    )
}

async fn each_tenant_reads_its_own_events_in_commit_order(backend: Backend) {
    let story = Story::begin(backend).await;
    story
        .store
        .ensure_tenant(OTHER, story.tick())
        .await
        .unwrap();
    let mut mine = Vec::new();
    let mut theirs = Vec::new();

    let c1 = story.created(customer("c1")).await.object;
    mine.push(expect(
        Kind::Customer,
        "created",
        c1.id(),
        story.last_tick(),
    ));
    let o1 = created(story.create_in(OTHER, vec![customer("c1").spec()]).await);
    theirs.push(expect(
        Kind::Customer,
        "created",
        o1[0].object.id(),
        story.last_tick(),
    ));
    let account = story.created(account_by_profile(None)).await;
    let at = story.last_tick();
    mine.push(expect(
        Kind::Customer,
        "created",
        account.parents[0].id(),
        at,
    ));
    mine.push(expect(Kind::Account, "created", account.object.id(), at));
    let o2 = created(
        story
            .create_in(OTHER, vec![customer_by_profile().spec()])
            .await,
    );
    theirs.push(expect(
        Kind::Customer,
        "created",
        o2[0].object.id(),
        story.last_tick(),
    ));
    story
        .change_state(Kind::Customer, c1.id(), "SUSPENDED", "dfltSuspended", false)
        .await
        .expect("a live customer changes state");
    mine.push(expect(
        Kind::Customer,
        "state_changed",
        c1.id(),
        story.last_tick(),
    ));
    let rename = PatchSpec {
        custom_name: Some(Some("Renamed".into())),
        ..Default::default()
    };
    let renamed = patched(story.patch(Kind::Customer, c1.id(), rename).await);
    mine.push(expect(
        Kind::Customer,
        "updated",
        c1.id(),
        story.last_tick(),
    ));
    // A refusal in the middle records nothing.
    refusal(story.create(vec![customer("c1").spec()]).await);

    let feed = story.events().await;
    assert_eq!(summary(&feed), mine);
    let numbers = |events: &[Event]| events.iter().map(|e| e.seq).collect::<Vec<_>>();
    // The refused create in the middle took no number with it.
    assert_eq!(numbers(&feed), (1..=feed.len() as i64).collect::<Vec<_>>());
    assert_eq!(feed.last().unwrap().data, data_of(&renamed));
    let other_feed = story.events_in(OTHER, 0, 100).await;
    assert_eq!(summary(&other_feed), theirs);
    assert_eq!(numbers(&other_feed), vec![1, 2]);
    let ids: BTreeSet<_> = feed
        .iter()
        .chain(&other_feed)
        .map(|e| &e.event_id)
        .collect();
    assert_eq!(
        ids.len(),
        feed.len() + other_feed.len(),
        "event ids are unique"
    );
    assert!(ids.iter().all(|id| uuid::Uuid::parse_str(id).is_ok()));
    assert_eq!(story.events_in("nobody", 0, 100).await, vec![]);
}

async fn after_pages_through_the_feed_once(backend: Backend) {
    let story = Story::begin(backend).await;
    story
        .store
        .ensure_tenant(OTHER, story.tick())
        .await
        .unwrap();
    for i in 0..7 {
        story.created(customer(&format!("c{i}"))).await;
        if i % 2 == 0 {
            story
                .create_in(OTHER, vec![customer_by_profile().spec()])
                .await
                .unwrap();
        }
    }
    let feed = story.events().await;
    assert_eq!(feed.len(), 7);

    let mut read = Vec::new();
    let mut after = 0;
    loop {
        let page = story.events_in(TENANT, after, 3).await;
        assert!(page.len() <= 3);
        let Some(last) = page.last() else { break };
        after = last.seq;
        read.extend(page);
    }
    assert_eq!(
        read, feed,
        "pages of 3 make the whole feed, each event once"
    );
    assert_eq!(story.events_in(TENANT, feed[2].seq, 100).await, feed[3..]);
    assert_eq!(story.events_in(TENANT, feed[2].seq, 2).await, feed[3..5]);
    assert_eq!(story.events_in(TENANT, feed[6].seq, 100).await, vec![]);
    // The other tenant's seqs in between hide nothing and show nothing.
    let other = story.events_in(OTHER, 0, 100).await;
    assert_eq!(other.len(), 4);
    assert_eq!(
        story.events_in(TENANT, other[0].seq, 100).await,
        feed.iter()
            .filter(|e| e.seq > other[0].seq)
            .cloned()
            .collect::<Vec<_>>()
    );
}

both_backends!(
    each_tenant_reads_its_own_events_in_commit_order,
    after_pages_through_the_feed_once,
);
