//! Patches: a merge patch changes the fields it names and no other, attributes are replaced
//! whole, a move to a new segment is recorded in the segment history, and the unique index
//! still holds for a patched external id.

use clientele::domain::lifecycle::PatchSpec;
use clientele::domain::records::{Common, History, Record};
use clientele::domain::refusal::{Refusal, UniqueKey};
use clientele::domain::Kind;

use super::kit::*;
use crate::common::Backend;

fn common_mut(record: &mut Record) -> &mut Common {
    match record {
        Record::Customer(r) => &mut r.common,
        Record::Account(r) => &mut r.common,
        Record::Subscriber(r) => &mut r.common,
    }
}

/// `record` as it should read after a patch at the story's last tick.
fn after(story: &Story, record: &Record, change: impl FnOnce(&mut Common)) -> Record {
    let mut expected = record.clone();
    let common = common_mut(&mut expected);
    change(common);
    common.updated_at = story.last_tick();
    expected
}

async fn patched_and_read(story: &Story, id: &str, spec: PatchSpec) -> Record {
    let record = patched(story.patch(Kind::Customer, id, spec).await);
    assert_eq!(
        story.object(Kind::Customer, id).await.as_ref(),
        Some(&record)
    );
    record
}

async fn a_merge_patch_changes_only_what_it_names(backend: Backend) {
    let story = Story::begin(backend).await;
    let mut spec = customer("patch-me");
    spec.common.custom_name = Some("Old name".into());
    spec.common.custom_attributes = Some(attributes(&[("a", "1"), ("b", "2")]));
    let original = story.created(spec).await.object;
    let id = original.id().to_owned();

    let rename = PatchSpec {
        custom_name: Some(Some("New name".into())),
        ..Default::default()
    };
    let renamed = patched_and_read(&story, &id, rename).await;
    let expected = after(&story, &original, |c| {
        c.custom_name = Some("New name".into())
    });
    assert_eq!(renamed, expected);
    assert!(renamed.common().updated_at > original.common().updated_at);
    let feed = story.events().await;
    let last = feed.last().unwrap();
    assert_eq!(
        (last.event_type.as_str(), last.entity_id.as_str()),
        ("customer.updated", id.as_str())
    );
    assert_eq!(last.data, data_of(&renamed));

    let replace = PatchSpec {
        custom_attributes: Some(Some(attributes(&[("c", "3")]))),
        ..Default::default()
    };
    let replaced = patched_and_read(&story, &id, replace).await;
    let expected = after(&story, &renamed, |c| {
        c.custom_attributes = attributes(&[("c", "3")])
    });
    assert_eq!(replaced, expected, "attributes are replaced whole");

    let remove = PatchSpec {
        custom_name: Some(None),
        custom_attributes: Some(None),
        ..Default::default()
    };
    let removed = patched_and_read(&story, &id, remove).await;
    let expected = after(&story, &replaced, |c| {
        c.custom_name = None;
        c.custom_attributes = attributes(&[]);
    });
    assert_eq!(removed, expected);
    assert_eq!(story.events().await.len(), 4, "one create, three updates");
}

async fn a_new_segment_is_recorded_and_the_same_one_is_not(backend: Backend) {
    let story = Story::begin(backend).await;
    let original = story.created(customer("seg")).await.object;
    let id = original.id().to_owned();
    let to = |segment: &str| PatchSpec {
        segment: Some(Some(segment.to_owned())),
        ..Default::default()
    };

    let moved = patched_and_read(&story, &id, to("b2c")).await;
    let at = story.last_tick();
    assert_eq!(
        moved,
        after(&story, &original, |c| c.segment = Some("b2c".into()))
    );
    let segments = story.history(Kind::Customer, &id, History::Segment).await;
    let values: Vec<_> = segments.iter().map(|e| e.value.as_str()).collect();
    assert_eq!(values, ["b2b", "b2c"]);
    assert_eq!((segments[1].actor.as_str(), segments[1].at), (ACTOR, at));
    assert_eq!(segments[1].reason, None);

    // The same segment again changes nothing and writes nothing: the object as it is.
    let same = unchanged(story.patch(Kind::Customer, &id, to("b2c")).await);
    assert_eq!(same, moved);
    assert_eq!(
        story.object(Kind::Customer, &id).await.as_ref(),
        Some(&moved)
    );
    // A patch naming no segment records none.
    let rename = PatchSpec {
        custom_name: Some(Some("n".into())),
        ..Default::default()
    };
    patched_and_read(&story, &id, rename).await;
    assert_eq!(
        story.history(Kind::Customer, &id, History::Segment).await,
        segments
    );
    // A patch changes no state.
    assert_eq!(
        story
            .history(Kind::Customer, &id, History::State)
            .await
            .len(),
        1
    );
}

async fn a_patched_external_id_stays_unique(backend: Backend) {
    let story = Story::begin(backend).await;
    let first = story.created(customer("first")).await.object;
    story.created(customer("second")).await;
    let (events, customers) = (story.events().await, story.all(Kind::Customer).await);

    let take = |external_id: &str| PatchSpec {
        external_id: Some(Some(external_id.to_owned())),
        custom_name: Some(Some("would change too".into())),
        ..Default::default()
    };
    assert_eq!(
        refusal(
            story
                .patch(Kind::Customer, first.id(), take("second"))
                .await
        ),
        Refusal::Taken {
            key: UniqueKey::ExternalId(Kind::Customer),
            item: 0
        }
    );
    assert_eq!(
        story.all(Kind::Customer).await,
        customers,
        "nothing changed"
    );
    assert_eq!(story.events().await, events);

    // Removed, an external id is free for another; taken again, it is refused again.
    let forget = PatchSpec {
        external_id: Some(None),
        ..Default::default()
    };
    let forgotten = patched_and_read(&story, first.id(), forget).await;
    assert_eq!(forgotten.common().external_id, None);
    let successor = story.created(customer("first")).await.object;
    assert_eq!(successor.common().external_id.as_deref(), Some("first"));
    assert_eq!(
        refusal(story.patch(Kind::Customer, first.id(), take("first")).await),
        Refusal::Taken {
            key: UniqueKey::ExternalId(Kind::Customer),
            item: 0
        }
    );
    // Another kind may hold the same external id.
    let account = story
        .created(account_of(by_ref_id(first.id()), None))
        .await
        .object;
    let renamed = patched(
        story
            .patch(Kind::Account, account.id(), take("first"))
            .await,
    );
    assert_eq!(renamed.common().external_id.as_deref(), Some("first"));
    assert_eq!(
        story.object(Kind::Account, account.id()).await,
        Some(renamed)
    );
}

both_backends!(
    a_merge_patch_changes_only_what_it_names,
    a_new_segment_is_recorded_and_the_same_one_is_not,
    a_patched_external_id_stays_unique,
);
