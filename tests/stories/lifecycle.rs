//! State changes: a cascade moves the live objects below in one write, the one asked for
//! first; histories and the feed record every move; DEACTIVATED is final; a missing object
//! is `Missing`.

use std::collections::BTreeSet;

use clientele::domain::lifecycle::PatchSpec;
use clientele::domain::records::{History, HistoryEntry, Record};
use clientele::domain::refusal::Refusal;
use clientele::domain::state::State;
use clientele::domain::Kind;

use super::kit::*;
use crate::common::Backend;

fn moved_to(record: &Record, state: State, reason: &str) -> bool {
    record.common().state.state == state && record.common().state.state_reason == reason
}

async fn a_cascade_moves_the_customer_its_primary_account_and_their_subscribers(backend: Backend) {
    let story = Story::begin(backend).await;
    let owner = story.created(customer("owner")).await.object;
    let account = story
        .created(account_of(by_ref_id(owner.id()), Some("acc")))
        .await
        .object;
    let under = || subscriber_under(by_ref_id(account.id()), None);
    let s1 = story.created(under()).await.object;
    let s2 = story.created(under()).await.object;
    let gone = story.created(under()).await.object;
    let gone = story
        .deactivate(Kind::Subscriber, gone.id())
        .await
        .remove(0);
    // A second account of the same owner, with a subscriber of its own.
    let second = story
        .created(account_of(by_ref_id(owner.id()), None))
        .await
        .object;
    let s3 = story
        .created(subscriber_under(by_ref_id(second.id()), None))
        .await
        .object;
    // Someone else's account and subscriber stay as they are.
    let other = story.created(subscriber_by_profile(None)).await;
    let seen = story.events().await.last().unwrap().seq;

    let moved = state_changed(
        story
            .change_state(
                Kind::Customer,
                owner.id(),
                "SUSPENDED",
                "dfltSuspended",
                true,
            )
            .await,
    );
    let at = story.last_tick();
    assert_eq!(moved[0].id(), owner.id(), "the one asked for comes first");
    let moved_ids: BTreeSet<_> = ids(&moved).into_iter().collect();
    let expected: BTreeSet<_> = [&owner, &account, &s1, &s2, &second, &s3]
        .iter()
        .map(|r| r.id().to_owned())
        .collect();
    assert_eq!(moved_ids, expected);
    assert_eq!(moved.len(), 6);
    for record in &moved {
        assert!(
            moved_to(record, State::Suspended, "dfltSuspended"),
            "{record:?}"
        );
        assert_eq!(record.common().updated_at, at);
        assert!(record.common().created_at < at);
        assert_eq!(
            story.object(record.kind(), record.id()).await.as_ref(),
            Some(record)
        );
        let history = story
            .history(record.kind(), record.id(), History::State)
            .await;
        assert_eq!(history.len(), 2, "{history:?}");
        assert_eq!(
            history[1],
            HistoryEntry {
                value: "SUSPENDED".into(),
                reason: Some("dfltSuspended".into()),
                actor: ACTOR.into(),
                at,
            }
        );
    }
    // Left alone: the DEACTIVATED subscriber, and everything of the other customer.
    let untouched = [&gone]
        .into_iter()
        .chain(other.parents.iter())
        .chain([&other.object]);
    for record in untouched {
        assert_eq!(
            story.object(record.kind(), record.id()).await.as_ref(),
            Some(record)
        );
    }
    assert_eq!(
        story
            .history(Kind::Subscriber, gone.id(), History::State)
            .await
            .len(),
        2
    );
    let feed = story.events_in(TENANT, seen, 100).await;
    let found: Vec<_> = feed
        .iter()
        .map(|e| (e.event_type.clone(), e.entity_id.clone(), e.at))
        .collect();
    let expected: Vec<_> = moved
        .iter()
        .map(|r| {
            (
                format!("{}.state_changed", r.kind().name()),
                r.id().to_owned(),
                at,
            )
        })
        .collect();
    assert_eq!(
        found, expected,
        "one event per object moved, in the same order"
    );
}

async fn without_cascade_only_the_object_moves_and_an_account_takes_only_its_subscribers(
    backend: Backend,
) {
    let story = Story::begin(backend).await;
    let owner = story.created(customer("owner")).await.object;
    let account = story
        .created(account_of(by_ref_id(owner.id()), None))
        .await
        .object;
    let subscriber = story
        .created(subscriber_under(by_ref_id(account.id()), None))
        .await
        .object;

    let moved = state_changed(
        story
            .change_state(
                Kind::Account,
                account.id(),
                "SUSPENDED",
                "dfltSuspended",
                false,
            )
            .await,
    );
    assert_eq!(ids(&moved), vec![account.id()]);
    assert_eq!(
        story.object(Kind::Subscriber, subscriber.id()).await,
        Some(subscriber.clone())
    );

    let moved = state_changed(
        story
            .change_state(
                Kind::Account,
                account.id(),
                "INACTIVE",
                "dfltInactive",
                true,
            )
            .await,
    );
    assert_eq!(ids(&moved), vec![account.id(), subscriber.id()]);
    for record in &moved {
        assert!(
            moved_to(record, State::Inactive, "dfltInactive"),
            "{record:?}"
        );
        let read = story.object(record.kind(), record.id()).await.unwrap();
        assert!(moved_to(&read, State::Inactive, "dfltInactive"), "{read:?}");
    }
    assert_eq!(story.object(Kind::Customer, owner.id()).await, Some(owner));
    let states: Vec<_> = story
        .history(Kind::Account, account.id(), History::State)
        .await
        .into_iter()
        .map(|e| (e.value, e.reason))
        .collect();
    assert_eq!(
        states,
        vec![
            ("ACTIVE".into(), Some("active".into())),
            ("SUSPENDED".into(), Some("dfltSuspended".into())),
            ("INACTIVE".into(), Some("dfltInactive".into())),
        ]
    );
}

async fn a_cascaded_deactivation_frees_the_primary_resources_below(backend: Backend) {
    let story = Story::begin(backend).await;
    let msisdn = "421900888000";
    let first = story
        .created(with_msisdn(subscriber_by_profile(None), msisdn))
        .await;
    let owner = first.parents[0].id().to_owned();
    let moved = state_changed(
        story
            .change_state(
                Kind::Customer,
                &owner,
                "DEACTIVATED",
                "dfltDeactivated",
                true,
            )
            .await,
    );
    assert_eq!(moved.len(), 3, "{moved:?}");
    assert!(moved
        .iter()
        .all(|r| moved_to(r, State::Deactivated, "dfltDeactivated")));
    let subscriber = story
        .object(Kind::Subscriber, first.object.id())
        .await
        .unwrap();
    assert!(moved_to(&subscriber, State::Deactivated, "dfltDeactivated"));
    let next = story
        .created(with_msisdn(subscriber_by_profile(None), msisdn))
        .await
        .object;
    let resource = as_subscriber(&next).primary_resource.as_ref().unwrap();
    assert_eq!(resource.value, msisdn);
}

async fn a_deactivated_object_takes_no_change(backend: Backend) {
    let story = Story::begin(backend).await;
    let owner = story.created(customer("owner")).await.object;
    let deactivated = story.deactivate(Kind::Customer, owner.id()).await;
    assert_eq!(ids(&deactivated), vec![owner.id()]);
    let record = deactivated[0].clone();
    assert!(moved_to(&record, State::Deactivated, "dfltDeactivated"));
    let (events, history) = (
        story.events().await,
        story
            .history(Kind::Customer, owner.id(), History::State)
            .await,
    );

    for (state, reason, cascade) in [
        ("ACTIVE", "active", false),
        ("SUSPENDED", "dfltSuspended", true),
        ("DEACTIVATED", "dfltDeactivated", false),
    ] {
        let outcome = story
            .change_state(Kind::Customer, owner.id(), state, reason, cascade)
            .await;
        assert_eq!(refusal(outcome), Refusal::Terminal, "to {state}");
    }
    let rename = PatchSpec {
        custom_name: Some(Some("Renamed".into())),
        ..Default::default()
    };
    assert_eq!(
        refusal(story.patch(Kind::Customer, owner.id(), rename).await),
        Refusal::Terminal
    );
    assert_eq!(story.object(Kind::Customer, owner.id()).await, Some(record));
    assert_eq!(
        story
            .history(Kind::Customer, owner.id(), History::State)
            .await,
        history
    );
    assert_eq!(story.events().await, events);
}

async fn a_change_of_a_missing_object_is_missing(backend: Backend) {
    let story = Story::begin(backend).await;
    let owner = story.created(customer("owner")).await.object;
    story
        .store
        .ensure_tenant("other", story.tick())
        .await
        .unwrap();
    let foreign = created(story.create_in("other", vec![customer("f").spec()]).await);
    let foreign_id = foreign[0].object.id().to_owned();
    // No such id; a customer's id as an account's; another tenant's customer.
    for (kind, id) in [
        (Kind::Customer, "no-such-id"),
        (Kind::Account, owner.id()),
        (Kind::Customer, foreign_id.as_str()),
    ] {
        let outcome = story
            .change_state(kind, id, "SUSPENDED", "dfltSuspended", true)
            .await;
        assert_eq!(refusal(outcome), Refusal::Missing, "{kind} {id}");
        let patch = PatchSpec {
            custom_name: Some(Some("x".into())),
            ..Default::default()
        };
        assert_eq!(
            refusal(story.patch(kind, id, patch).await),
            Refusal::Missing,
            "{kind} {id}"
        );
        let history = story.store.history(kind, TENANT, id, History::State).await;
        assert_eq!(history.unwrap(), None, "{kind} {id}");
    }
    assert_eq!(story.events().await.len(), 1);
    let foreign_read = story
        .store
        .object(Kind::Customer, "other", &foreign_id)
        .await
        .unwrap();
    assert_eq!(foreign_read.as_ref(), Some(&foreign[0].object));
}

both_backends!(
    a_cascade_moves_the_customer_its_primary_account_and_their_subscribers,
    without_cascade_only_the_object_moves_and_an_account_takes_only_its_subscribers,
    a_cascaded_deactivation_frees_the_primary_resources_below,
    a_deactivated_object_takes_no_change,
    a_change_of_a_missing_object_is_missing,
);
