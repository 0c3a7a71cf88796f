//! Batches: `Write::Create` with many items is all or nothing, a refusal names the item it is
//! about, and a batch that passes writes every item — and its events — in order.

use clientele::domain::events::Event;
use clientele::domain::path::Field;
use clientele::domain::records::{Link, ListFilter, Record};
use clientele::domain::refusal::{Refusal, UniqueKey};
use clientele::domain::Kind;

use super::kit::*;
use crate::common::Backend;

async fn with_external_id(story: &Story, kind: Kind, external_id: &str) -> Vec<Record> {
    let filter = ListFilter {
        external_id: Some(external_id.to_owned()),
        ..page(10)
    };
    story.list(kind, filter).await
}

fn entities(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| (e.event_type.clone(), e.entity_id.clone()))
        .collect()
}

async fn one_refused_item_refuses_the_whole_batch(backend: Backend) {
    let story = Story::begin(backend).await;
    story.created(customer("taken")).await;
    let customers = story.all(Kind::Customer).await;
    let events = story.events().await;

    let batch = vec![
        customer("batch-a").spec(),
        customer("batch-b").spec(),
        customer("taken").spec(),
    ];
    assert_eq!(
        refusal(story.create(batch).await),
        Refusal::Taken {
            key: UniqueKey::ExternalId(Kind::Customer),
            item: 2
        }
    );
    for external_id in ["batch-a", "batch-b"] {
        assert_eq!(
            with_external_id(&story, Kind::Customer, external_id).await,
            vec![]
        );
    }

    // Two items of one batch taking one value: the second is refused, and the first undone
    // with the account (and owner) between them.
    let batch = vec![
        customer("twice").spec(),
        account_by_profile(Some("between")).spec(),
        customer("twice").spec(),
    ];
    assert_eq!(
        refusal(story.create(batch).await),
        Refusal::Taken {
            key: UniqueKey::ExternalId(Kind::Customer),
            item: 2
        }
    );
    assert_eq!(
        with_external_id(&story, Kind::Customer, "twice").await,
        vec![]
    );

    let batch = vec![
        customer("fine").spec(),
        account_of(by_external_id("nobody"), None).spec(),
    ];
    assert_eq!(
        refusal(story.create(batch).await),
        Refusal::NotFound {
            field: Field::Customer,
            item: 1
        }
    );
    assert_eq!(story.all(Kind::Customer).await, customers);
    assert_eq!(story.all(Kind::Account).await, vec![]);
    assert_eq!(
        story.events().await,
        events,
        "a refused batch records no event"
    );
}

async fn a_valid_batch_writes_every_item_in_order(backend: Backend) {
    let story = Story::begin(backend).await;
    let names = ["first", "second", "third"];
    let items = created(
        story
            .create(names.iter().map(|n| customer(n).spec()).collect())
            .await,
    );
    let external: Vec<_> = items
        .iter()
        .map(|i| i.object.common().external_id.clone().unwrap())
        .collect();
    assert_eq!(external, names);
    for item in &items {
        assert_eq!(item.parents, vec![]);
        assert_eq!(
            story
                .object(Kind::Customer, item.object.id())
                .await
                .as_ref(),
            Some(&item.object)
        );
    }
    let feed = story.events().await;
    let expected: Vec<_> = items
        .iter()
        .map(|i| ("customer.created".to_owned(), i.object.id().to_owned()))
        .collect();
    assert_eq!(entities(&feed), expected);
    assert!(feed.windows(2).all(|w| w[0].seq < w[1].seq), "{feed:?}");

    // Items with parents: each item's parents come right before it, items in batch order.
    let items = created(
        story
            .create(vec![
                account_by_profile(Some("acc")).spec(),
                subscriber_by_profile(Some("sub")).spec(),
                customer("last").spec(),
            ])
            .await,
    );
    let kinds: Vec<Vec<Kind>> = items
        .iter()
        .map(|i| {
            i.parents
                .iter()
                .chain([&i.object])
                .map(Record::kind)
                .collect()
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            vec![Kind::Customer, Kind::Account],
            vec![Kind::Customer, Kind::Account, Kind::Subscriber],
            vec![Kind::Customer],
        ]
    );
    let expected: Vec<_> = items
        .iter()
        .flat_map(|i| i.parents.iter().chain([&i.object]))
        .map(|r| (format!("{}.created", r.kind().name()), r.id().to_owned()))
        .collect();
    let feed = story.events_in(TENANT, feed.last().unwrap().seq, 100).await;
    assert_eq!(entities(&feed), expected);
    for record in items
        .iter()
        .flat_map(|i| i.parents.iter().chain([&i.object]))
    {
        assert_eq!(
            story.object(record.kind(), record.id()).await.as_ref(),
            Some(record)
        );
    }
    assert_eq!(story.all(Kind::Customer).await.len(), 6);
}

async fn later_items_may_name_earlier_ones(backend: Backend) {
    let story = Story::begin(backend).await;
    let items = created(
        story
            .create(vec![
                customer("owner").spec(),
                account_of(by_external_id("owner"), Some("acc")).spec(),
                subscriber_under(by_external_id("acc"), Some("sub")).spec(),
            ])
            .await,
    );
    let [owner, account, subscriber] = [0, 1, 2].map(|i| items[i].object.clone());
    let link = |r: &Record| Link {
        id: r.id().to_owned(),
        external_id: r.common().external_id.clone(),
    };
    assert_eq!(as_account(&account).owners[0].customer, link(&owner));
    assert_eq!(as_subscriber(&subscriber).account, link(&account));
    for record in [&owner, &account, &subscriber] {
        assert_eq!(
            story.object(record.kind(), record.id()).await.as_ref(),
            Some(record)
        );
    }
}

both_backends!(
    one_refused_item_refuses_the_whole_batch,
    a_valid_batch_writes_every_item_in_order,
    later_items_may_name_earlier_ones,
);
