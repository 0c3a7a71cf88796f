//! Creates: what `Written::Created` gives back is what the domain planned, parents topmost
//! first, and it reads back the same, with histories and events to match.

use clientele::domain::account::Owner;
use clientele::domain::events::Event;
use clientele::domain::object::NewObject;
use clientele::domain::outcome::Created;
use clientele::domain::records::{
    AccountRecord, CustomerRecord, History, HistoryEntry, Link, Ownership, PrimaryResource, Record,
    SubscriberRecord,
};
use clientele::domain::subscriber::AccountOf;
use clientele::domain::Kind;
use clientele::store::Write;

use super::kit::*;
use crate::common::Backend;

fn link(record: &Record) -> Link {
    Link {
        id: record.id().to_owned(),
        external_id: record.common().external_id.clone(),
    }
}

/// The feed holds one `*.created` event per record, in this order, each written at `at`.
fn assert_created_events(events: &[Event], records: &[&Record], at: i64) {
    let found: Vec<(String, String, String)> = events
        .iter()
        .map(|e| (e.event_type.clone(), e.entity.clone(), e.entity_id.clone()))
        .collect();
    let expected: Vec<(String, String, String)> = records
        .iter()
        .map(|r| {
            let kind = r.kind().name();
            (
                format!("{kind}.created"),
                kind.to_owned(),
                r.id().to_owned(),
            )
        })
        .collect();
    assert_eq!(found, expected);
    for (event, record) in events.iter().zip(records) {
        assert_eq!(event.data, data_of(record));
        assert_eq!(event.actor, ACTOR);
        assert_eq!(event.at.micros(), at);
    }
}

async fn a_customer_reads_back_as_written(backend: Backend) {
    let story = Story::begin(backend).await;
    let mut spec = customer("customer_external_id");
    spec.common.custom_name = Some("Demo Customer".into());
    spec.common.custom_attributes = Some(attributes(&[("key1", "value 1"), ("key2", "é 2")]));
    spec.test_customer = Some(true);
    let at = story.tick();
    let planned = story.plan(spec, at);
    let NewObject::Customer(new) = &planned else {
        unreachable!("a customer spec plans a customer")
    };
    let expected = Record::Customer(CustomerRecord {
        common: new.entity.stored(),
        test_customer: true,
        parent: None,
        awaited_parent: None,
        bank: None,
        // Written by the store alone, without the pipeline that numbers customers.
        number: None,
        contact: None,
    });
    let written = story
        .write_in(TENANT, at, Write::Create(vec![planned.clone()]))
        .await;
    assert_eq!(
        created(written),
        vec![Created {
            object: expected.clone(),
            parents: vec![],
            existed: false,
            unchanged: false,
            linked: vec![],
        }]
    );
    let id = expected.id();
    assert_eq!(
        story.object(Kind::Customer, id).await,
        Some(expected.clone())
    );
    assert_eq!(story.all(Kind::Customer).await, vec![expected.clone()]);
    // Another kind's table, and another tenant, hold nothing of that id.
    assert_eq!(story.object(Kind::Account, id).await, None);
    assert_eq!(
        story
            .store
            .object(Kind::Customer, "elsewhere", id)
            .await
            .unwrap(),
        None
    );
    let entry = |value: &str, reason: Option<&str>| HistoryEntry {
        value: value.to_owned(),
        reason: reason.map(str::to_owned),
        actor: ACTOR.to_owned(),
        at,
    };
    assert_eq!(
        story.history(Kind::Customer, id, History::State).await,
        vec![entry("ACTIVE", Some("active"))]
    );
    assert_eq!(
        story.history(Kind::Customer, id, History::Segment).await,
        vec![entry("b2b", None)]
    );
    assert_created_events(&story.events().await, &[&expected], at.micros());
}

async fn a_child_customer_links_its_parent_by_both_ids(backend: Backend) {
    let story = Story::begin(backend).await;
    let parent = story.created(customer("parent-1")).await.object;
    let mut by_id = customer("child-1");
    by_id.parent = Some(by_ref_id(parent.id()));
    let mut by_external = customer("child-2");
    by_external.parent = Some(by_external_id("parent-1"));
    for spec in [by_id, by_external] {
        let child = story.created(spec).await.object;
        assert_eq!(as_customer(&child).parent, Some(link(&parent)));
        assert_eq!(
            as_customer(&child)
                .parent
                .as_ref()
                .unwrap()
                .external_id
                .as_deref(),
            Some("parent-1")
        );
        assert_eq!(story.object(Kind::Customer, child.id()).await, Some(child));
    }
    assert_eq!(as_customer(&parent).parent, None);
}

async fn an_account_by_profile_creates_its_owner_first(backend: Backend) {
    let story = Story::begin(backend).await;
    let at = story.tick();
    let planned = story.plan(account_by_profile(Some("account_external_id")), at);
    let NewObject::Account(new) = &planned else {
        unreachable!("an account spec plans an account")
    };
    let Owner::Create(new_owner) = &new.owner else {
        panic!("profile standard creates the owner: {:?}", new.owner)
    };
    let owner = Record::Customer(CustomerRecord {
        common: new_owner.entity.stored(),
        test_customer: false,
        parent: None,
        awaited_parent: None,
        bank: None,
        // Written by the store alone, without the pipeline that numbers customers.
        number: None,
        contact: None,
    });
    let account = Record::Account(AccountRecord {
        common: new.entity.stored(),
        owners: vec![Ownership {
            customer: link(&owner),
            primary: true,
        }],
        awaited_owners: vec![],
        bank: None,
        cards: vec![],
    });
    let written = story
        .write_in(TENANT, at, Write::Create(vec![planned.clone()]))
        .await;
    assert_eq!(
        created(written),
        vec![Created {
            object: account.clone(),
            parents: vec![owner.clone()],
            existed: false,
            unchanged: false,
            linked: vec![],
        }]
    );
    assert_eq!(owner.common().profile.as_deref(), Some("b2b"));
    assert_eq!(
        story.object(Kind::Customer, owner.id()).await,
        Some(owner.clone())
    );
    assert_eq!(
        story.object(Kind::Account, account.id()).await,
        Some(account.clone())
    );
    // A parent made for its child starts its histories like any new object.
    for (record, segment) in [(&owner, "b2b"), (&account, "standard")] {
        let (kind, id) = (record.kind(), record.id());
        let states = story.history(kind, id, History::State).await;
        let entered: Vec<_> = states.iter().map(|e| (e.value.as_str(), e.at)).collect();
        assert_eq!(entered, [("ACTIVE", at)], "{kind}");
        let segments = story.history(kind, id, History::Segment).await;
        let entered: Vec<_> = segments.iter().map(|e| e.value.as_str()).collect();
        assert_eq!(entered, [segment], "{kind}");
    }
    assert_created_events(&story.events().await, &[&owner, &account], at.micros());
}

async fn a_subscriber_by_profile_creates_its_account_and_customer(backend: Backend) {
    let story = Story::begin(backend).await;
    let at = story.tick();
    let spec = with_msisdn(subscriber_by_profile(Some("sub-1")), "421900123456");
    let planned = story.plan(spec, at);
    let NewObject::Subscriber(new) = &planned else {
        unreachable!("a subscriber spec plans a subscriber")
    };
    let AccountOf::Create(new_account) = &new.account else {
        panic!(
            "profile internetOnly creates the account: {:?}",
            new.account
        )
    };
    let Owner::Create(new_owner) = &new_account.owner else {
        panic!(
            "profile standard creates the owner: {:?}",
            new_account.owner
        )
    };
    let owner = Record::Customer(CustomerRecord {
        common: new_owner.entity.stored(),
        test_customer: false,
        parent: None,
        awaited_parent: None,
        bank: None,
        // Written by the store alone, without the pipeline that numbers customers.
        number: None,
        contact: None,
    });
    let account = Record::Account(AccountRecord {
        common: new_account.entity.stored(),
        owners: vec![Ownership {
            customer: link(&owner),
            primary: true,
        }],
        awaited_owners: vec![],
        bank: None,
        cards: vec![],
    });
    let subscriber = Record::Subscriber(SubscriberRecord {
        common: new.entity.stored(),
        account: link(&account),
        primary_resource: Some(PrimaryResource {
            resource_type: "MSISDN".into(),
            value: "421900123456".into(),
        }),
    });
    let written = story
        .write_in(TENANT, at, Write::Create(vec![planned.clone()]))
        .await;
    assert_eq!(
        created(written),
        vec![Created {
            object: subscriber.clone(),
            parents: vec![owner.clone(), account.clone()],
            existed: false,
            unchanged: false,
            linked: vec![],
        }]
    );
    for record in [&owner, &account, &subscriber] {
        assert_eq!(
            story.object(record.kind(), record.id()).await.as_ref(),
            Some(record)
        );
    }
    assert_eq!(subscriber.common().segment.as_deref(), Some("topUploader"));
    assert_created_events(
        &story.events().await,
        &[&owner, &account, &subscriber],
        at.micros(),
    );
}

async fn accounts_and_subscribers_name_existing_parents(backend: Backend) {
    let story = Story::begin(backend).await;
    let owner = story.created(customer("owner-1")).await.object;
    let by_external = story
        .created(account_of(by_external_id("owner-1"), Some("acc-1")))
        .await;
    let by_id = story.created(account_of(by_ref_id(owner.id()), None)).await;
    for item in [&by_external, &by_id] {
        assert_eq!(
            item.parents,
            vec![],
            "nothing is created for an existing owner"
        );
        assert_eq!(
            as_account(&item.object).owners,
            vec![Ownership {
                customer: link(&owner),
                primary: true,
            }]
        );
        let read = story.object(Kind::Account, item.object.id()).await;
        assert_eq!(read.as_ref(), Some(&item.object));
    }
    let account = &by_external.object;
    let under_id = story
        .created(subscriber_under(by_ref_id(account.id()), Some("sub-1")))
        .await;
    let under_external = story
        .created(subscriber_under(by_external_id("acc-1"), None))
        .await;
    for item in [&under_id, &under_external] {
        assert_eq!(item.parents, vec![]);
        let subscriber = as_subscriber(&item.object);
        assert_eq!(subscriber.account, link(account));
        assert_eq!(subscriber.account.external_id.as_deref(), Some("acc-1"));
        assert_eq!(subscriber.primary_resource, None);
        assert_eq!(
            subscriber.common.segment, None,
            "no profile, no segment given"
        );
        let read = story.object(Kind::Subscriber, item.object.id()).await;
        assert_eq!(read.as_ref(), Some(&item.object));
    }
    assert_eq!(story.all(Kind::Customer).await, vec![owner]);
    assert_eq!(story.events().await.len(), 5);
}

both_backends!(
    a_customer_reads_back_as_written,
    a_child_customer_links_its_parent_by_both_ids,
    an_account_by_profile_creates_its_owner_first,
    a_subscriber_by_profile_creates_its_account_and_customer,
    accounts_and_subscribers_name_existing_parents,
);
