//! Bank data: a customer's bank profile, an account's bank fields and cards, and references
//! to customers a feed has not sent yet. Batches are planned with the domain's own bank
//! planner, as the bank door plans them, and written as one create; a pending link waits
//! until the customer it names is stored (by any door), then it is an ordinary link.

use clientele::domain::bank::{plan_batch, BankCustomerSpec};
use clientele::domain::object::NewObject;
use clientele::domain::records::ListFilter;
use clientele::domain::refusal::{Refusal, UniqueKey};
use clientele::domain::Kind;
use clientele::store::Write;

use super::kit::*;
use crate::common::Backend;

async fn a_bank_customer_reads_back_whole(backend: Backend) {
    let story = Story::begin(backend).await;
    let cards = vec![card("a1", "c1", "9999"), card("a1", "c1", "1234")];
    let items = created(
        story
            .bank(vec![bank_customer(
                "c1",
                vec![bank_account("a1", &["c1"], cards)],
            )])
            .await,
    );
    let [customer, account] = &objects(&items)[..] else {
        panic!("a customer and its account: {items:?}");
    };
    let c = as_customer(customer);
    assert_eq!(c.bank, Some(profile()));
    assert_eq!((&c.parent, &c.awaited_parent), (&None, &None));
    assert_eq!(c.common.profile.as_deref(), Some("bank"));
    let a = as_account(account);
    assert_eq!(a.bank, Some(account_fields()));
    assert_eq!(a.owners, vec![owner(customer, true)]);
    assert!(a.awaited_owners.is_empty());
    // Cards read back by holder, iin and last four, whatever order they were sent in.
    assert_eq!(
        card_keys(&a.cards),
        vec![held("c1", "1234"), held("c1", "9999")]
    );
    assert_eq!(a.cards[0].opened_on, Some(time("2023-02-02T00:00:00Z")));
    assert!(items.iter().all(|item| !item.existed));
    // The write's records are what reads give back, one by one and by listing.
    for record in [customer, account] {
        let kind = record.kind();
        assert_eq!(story.object(kind, record.id()).await.as_ref(), Some(record));
        let external_id = record.common().external_id.as_deref().unwrap();
        assert_eq!(&story.by_external_id(kind, external_id).await, record);
    }
}

async fn cards_read_back_with_their_own_account(backend: Backend) {
    let story = Story::begin(backend).await;
    let written = story
        .bank(vec![
            bank_customer(
                "c1",
                vec![bank_account("a1", &["c1"], vec![card("a1", "c1", "1111")])],
            ),
            bank_customer(
                "c2",
                vec![
                    bank_account("a2", &["c2"], vec![card("a2", "c2", "2222")]),
                    bank_account("a3", &["c2"], vec![]),
                ],
            ),
        ])
        .await;
    created(written);
    let accounts = story.all(Kind::Account).await;
    let cards: Vec<_> = accounts
        .iter()
        .map(|a| {
            (
                a.common().external_id.clone().unwrap(),
                card_keys(&as_account(a).cards),
            )
        })
        .collect();
    assert_eq!(
        cards,
        vec![
            ("a1".to_owned(), vec![held("c1", "1111")]),
            ("a2".to_owned(), vec![held("c2", "2222")]),
            ("a3".to_owned(), vec![]),
        ]
    );
    for account in &accounts {
        assert_eq!(
            story.object(Kind::Account, account.id()).await.as_ref(),
            Some(account)
        );
    }
    // An account of the native door has no bank fields and no cards.
    let native = story
        .created(account_by_profile(Some("native")))
        .await
        .object;
    let native = as_account(&native);
    assert_eq!((&native.bank, native.cards.len()), (&None, 0));
}

async fn an_awaited_parent_is_linked_when_it_arrives(backend: Backend) {
    let story = Story::begin(backend).await;
    // In one batch, the child before its parent and after it.
    let items = created(
        story
            .bank(vec![
                child_of("child", "parent"),
                bank_customer("parent", vec![]),
                child_of("child-2", "parent"),
            ])
            .await,
    );
    let parent = link(&items[1].object);
    for item in [&items[0], &items[2]] {
        let child = as_customer(&item.object);
        assert_eq!(child.parent.as_ref(), Some(&parent));
        assert_eq!(child.awaited_parent, None);
        assert_eq!(
            story
                .object(Kind::Customer, child.common.id.as_str())
                .await
                .as_ref(),
            Some(&item.object)
        );
    }

    // In a later write: awaited until then, linked by a native create of the parent.
    let orphan = created(story.bank(vec![child_of("orphan", "late")]).await).remove(0);
    let waiting = as_customer(&orphan.object);
    assert_eq!(
        (&waiting.parent, waiting.awaited_parent.as_deref()),
        (&None, Some("late"))
    );
    assert_eq!(
        story.object(Kind::Customer, orphan.object.id()).await,
        Some(orphan.object.clone())
    );
    // A refused write links nothing.
    let refused = story
        .create(vec![
            customer("late").spec(),
            account_of(by_external_id("nobody"), None).spec(),
        ])
        .await;
    assert!(matches!(
        refusal(refused),
        Refusal::NotFound { item: 1, .. }
    ));
    assert_eq!(
        story.object(Kind::Customer, orphan.object.id()).await,
        Some(orphan.object.clone())
    );

    let late = story.created(customer("late")).await.object;
    let linked = story
        .object(Kind::Customer, orphan.object.id())
        .await
        .unwrap();
    let linked = as_customer(&linked);
    assert_eq!(linked.parent, Some(link(&late)));
    assert_eq!(linked.awaited_parent, None);
    assert!(linked.common.updated_at > waiting.common.updated_at);
    assert_eq!(linked.bank, Some(profile()));
    assert_eq!(story.pending_links().await, 0);

    // Any customer may await a parent (the domain decides which do), bank profile or not.
    let at = story.tick();
    let NewObject::Customer(mut plain) = story.plan(customer("plain-child"), at) else {
        panic!("a customer plans as a customer");
    };
    plain.awaited_parent = Some("plain-parent".into());
    let write = Write::Create(vec![NewObject::Customer(plain)]);
    let waiting = created(story.write_in(TENANT, at, write).await).remove(0);
    let record = as_customer(&waiting.object);
    assert_eq!(record.awaited_parent.as_deref(), Some("plain-parent"));
    assert_eq!((&record.parent, &record.bank), (&None, &None));
    let id = waiting.object.id();
    assert_eq!(
        story.object(Kind::Customer, id).await.as_ref(),
        Some(&waiting.object)
    );
    let parent = story.created(customer("plain-parent")).await.object;
    let linked = story.object(Kind::Customer, id).await.unwrap();
    assert_eq!(as_customer(&linked).parent, Some(link(&parent)));
    assert_eq!(story.pending_links().await, 0);
}

async fn an_awaited_co_owner_becomes_an_owner_when_created(backend: Backend) {
    let story = Story::begin(backend).await;
    let items = created(
        story
            .bank(vec![bank_customer(
                "c1",
                vec![bank_account("a1", &["c1", "c2"], vec![])],
            )])
            .await,
    );
    let (first, account) = (&items[0].object, &items[1].object);
    assert_eq!(as_account(account).owners, vec![owner(first, true)]);
    assert_eq!(as_account(account).awaited_owners, vec!["c2".to_owned()]);
    assert_eq!(
        story.object(Kind::Account, account.id()).await.as_ref(),
        Some(account)
    );

    // A plain customer create, of the native door, is the co-owner that was awaited.
    let second = story.created(customer("c2")).await.object;
    let now = story.object(Kind::Account, account.id()).await.unwrap();
    let now = as_account(&now);
    assert_eq!(now.owners, vec![owner(first, true), owner(&second, false)]);
    assert!(now.awaited_owners.is_empty());
    assert!(now.common.updated_at > account.common().updated_at);
    // The new owner's accounts include it.
    let owned = story
        .list(
            Kind::Account,
            ListFilter {
                customer: Some(second.id().to_owned()),
                limit: 10,
                ..Default::default()
            },
        )
        .await;
    assert_eq!(ids(&owned), vec![account.id()]);
    assert_eq!(story.pending_links().await, 0);
}

async fn a_joint_account_sent_again_under_its_other_owner_joins(backend: Backend) {
    let story = Story::begin(backend).await;
    let joint = |holder: &str, last4: &str| {
        bank_account("joint", &["c1", "c2"], vec![card("joint", holder, last4)])
    };
    let first = created(
        story
            .bank(vec![bank_customer("c1", vec![joint("c1", "1111")])])
            .await,
    );
    let stored = &first[1].object;
    assert_eq!(as_account(stored).awaited_owners, vec!["c2".to_owned()]);

    // The other owner's batch lists the same account, with that owner's card.
    let second = created(
        story
            .bank(vec![bank_customer("c2", vec![joint("c2", "2222")])])
            .await,
    );
    let [c2, joined] = &second[..] else {
        panic!("the new owner and the account it joined: {second:?}");
    };
    assert!(!c2.existed);
    assert!(joined.existed, "the account was there already");
    assert!(joined.parents.is_empty());
    assert_eq!(joined.object.id(), stored.id());
    let account = as_account(&joined.object);
    assert_eq!(
        account.owners,
        vec![owner(&first[0].object, true), owner(&c2.object, false)]
    );
    assert!(account.awaited_owners.is_empty());
    assert_eq!(
        card_keys(&account.cards),
        vec![held("c1", "1111"), held("c2", "2222")]
    );
    assert_eq!(
        story.object(Kind::Account, stored.id()).await.as_ref(),
        Some(&joined.object)
    );

    // A third owner's copy, whose cards repeat one the account has (same holder, iin and
    // last four, another id): the account gains the owner and the new card only.
    let at = story.tick();
    let mut third = joint("c3", "3333");
    third.source_customer_ids = Some(vec!["c1".into(), "c2".into(), "c3".into()]);
    let mut objects = plan_batch(
        vec![bank_customer("c3", vec![third])],
        &story.rules,
        &story.limits,
        at,
    )
    .expect("a valid bank batch")
    .objects;
    let NewObject::Account(copy) = &mut objects[1] else {
        panic!("the account after its customer: {objects:?}");
    };
    let mut repeated = account.cards[0].clone();
    repeated.id = "another-id".into();
    repeated.status = "CLOSED".into();
    copy.cards.push(repeated);
    let third = created(story.write_in(TENANT, at, Write::Create(objects)).await);
    assert!(third[1].existed);
    let account = as_account(&third[1].object);
    assert_eq!(
        card_keys(&account.cards),
        vec![held("c1", "1111"), held("c2", "2222"), held("c3", "3333")]
    );
    assert_eq!(account.owners.len(), 3);
    assert_eq!(
        story.all(Kind::Account).await,
        vec![third[1].object.clone()]
    );
}

async fn a_stored_account_whose_owners_are_not_all_named_is_taken(backend: Backend) {
    let story = Story::begin(backend).await;
    let written = story
        .bank(vec![
            bank_customer("c1", vec![bank_account("solo", &["c1"], vec![])]),
            bank_customer(
                "c2",
                vec![bank_account("shared", &["c2", "absent"], vec![])],
            ),
        ])
        .await;
    created(written);
    let before = story.all(Kind::Account).await;
    // "solo" is c1's alone, so c3's "solo" is another account under a taken id.
    let taken = Refusal::Taken {
        key: UniqueKey::ExternalId(Kind::Account),
        item: 1,
    };
    let outcome = story
        .bank(vec![bank_customer(
            "c3",
            vec![bank_account("solo", &["c3"], vec![])],
        )])
        .await;
    assert_eq!(refusal(outcome), taken);
    // An awaited owner is an owner too: "shared" awaits one this copy does not name.
    let outcome = story
        .bank(vec![bank_customer(
            "c3",
            vec![bank_account("shared", &["c3", "c2"], vec![])],
        )])
        .await;
    assert_eq!(refusal(outcome), taken);
    // Nothing of either batch was written.
    assert_eq!(story.all(Kind::Account).await, before);
    assert_eq!(ids(&story.all(Kind::Customer).await).len(), 2);
    // An account of the native door never joins: its taken id is refused as ever.
    let refused = story
        .refused(account_of(by_external_id("c1"), Some("solo")))
        .await;
    assert_eq!(
        refused,
        Refusal::Taken {
            key: UniqueKey::ExternalId(Kind::Account),
            item: 0
        }
    );
}

async fn two_batches_leave_no_pending_link_once_everything_arrived(backend: Backend) {
    let story = Story::begin(backend).await;
    // The first batch names a parent and a co-owner that only the second sends.
    created(
        story
            .bank(vec![
                BankCustomerSpec {
                    accounts: Some(vec![bank_account("a1", &["kid", "mum"], vec![])]),
                    ..child_of("kid", "mum")
                },
                child_of("sibling", "mum"),
            ])
            .await,
    );
    assert_eq!(story.pending_links().await, 3);
    let second = created(
        story
            .bank(vec![
                BankCustomerSpec {
                    accounts: Some(vec![bank_account(
                        "a1",
                        &["mum", "kid"],
                        vec![card("a1", "mum", "4321")],
                    )]),
                    ..child_of("mum", "gran")
                },
                bank_customer("gran", vec![]),
            ])
            .await,
    );
    assert_eq!(story.pending_links().await, 0);
    // The write's own records show the links it made, even to a customer stored after.
    let mum = as_customer(&second[0].object);
    assert_eq!(mum.parent, Some(link(&second[1].object)));
    assert_eq!(mum.awaited_parent, None);
    let customers = story.all(Kind::Customer).await;
    let id_of = |external_id: &str| {
        let found = customers
            .iter()
            .find(|c| c.common().external_id.as_deref() == Some(external_id));
        link(found.unwrap())
    };
    for (child, parent) in [("kid", "mum"), ("sibling", "mum"), ("mum", "gran")] {
        let record = story.by_external_id(Kind::Customer, child).await;
        assert_eq!(
            as_customer(&record).parent,
            Some(id_of(parent)),
            "{child}'s parent"
        );
        assert_eq!(as_customer(&record).awaited_parent, None);
    }
    let account = story.by_external_id(Kind::Account, "a1").await;
    let account = as_account(&account);
    assert!(account.awaited_owners.is_empty());
    let owners: Vec<_> = account
        .owners
        .iter()
        .map(|o| (o.customer.external_id.clone().unwrap(), o.primary))
        .collect();
    assert_eq!(
        owners,
        vec![("kid".to_owned(), true), ("mum".to_owned(), false)]
    );
    assert_eq!(card_keys(&account.cards), vec![held("mum", "4321")]);
}

/// Fifty customers in one batch, as a bank sends them: joint accounts nested under each
/// owner, parents within the batch (sent before and after their children), a parent not
/// sent yet, links that waited for customers of the batch, and a copy joining a stored
/// account. Sent first with a stored customer's id in its last item, it is refused at that
/// item and writes nothing; sent right, every record it gives back is what reads give back.
async fn a_batch_of_fifty_is_written_whole_or_not_at_all(backend: Backend) {
    let story = Story::begin(backend).await;
    created(
        story
            .bank(vec![
                child_of("early", "c07"),
                bank_customer(
                    "p1",
                    vec![
                        bank_account("early-acct", &["p1", "c08"], vec![]),
                        bank_account(
                            "stored-joint",
                            &["p1", "c20"],
                            vec![card("stored-joint", "p1", "1111")],
                        ),
                    ],
                ),
                bank_customer("taken", vec![]),
            ])
            .await,
    );
    assert_eq!(story.pending_links().await, 3);
    let c = |i: usize| format!("c{i:02}");
    let batch = |last: &str| -> Vec<BankCustomerSpec> {
        (0..50)
            .map(|i| {
                let id = if i == 49 { last.to_owned() } else { c(i) };
                let own = format!("a{i:02}");
                let mut accounts = vec![bank_account(&own, &[&id], vec![card(&own, &id, "1234")])];
                if i < 48 {
                    let (first, second) = (c(i - i % 2), c(i - i % 2 + 1));
                    let joint = format!("j{:02}", i / 2);
                    let card = card(&joint, &id, "5678");
                    accounts.push(bank_account(&joint, &[&first, &second], vec![card]));
                }
                if i == 20 {
                    let card = card("stored-joint", &id, "2222");
                    accounts.push(bank_account("stored-joint", &["p1", &id], vec![card]));
                }
                let parent = match i % 5 {
                    1 => Some(c(i - 1)),
                    2 => Some(c(i + 1)),
                    _ if i == 4 => Some("not-sent".to_owned()),
                    _ => None,
                };
                BankCustomerSpec {
                    source_parent_customer_id: parent,
                    ..bank_customer(&id, accounts)
                }
            })
            .collect()
    };
    let (customers, accounts) = (
        story.all(Kind::Customer).await,
        story.all(Kind::Account).await,
    );
    let events = story.events().await.len();
    assert_eq!(
        refusal(story.bank(batch("taken")).await),
        Refusal::Taken {
            key: UniqueKey::ExternalId(Kind::Customer),
            item: 49
        }
    );
    assert_eq!(story.all(Kind::Customer).await, customers);
    assert_eq!(story.all(Kind::Account).await, accounts);
    assert_eq!(story.pending_links().await, 3);
    assert_eq!(story.events().await.len(), events);

    let items = created(story.bank(batch(&c(49))).await);
    // Each customer, then each account at its first copy: its own, the joint one of its
    // pair, and the stored one that c20's copy joins.
    assert_eq!(items.len(), 50 + 50 + 24 + 1);
    for item in &items {
        let record = &item.object;
        let read = story.object(record.kind(), record.id()).await;
        assert_eq!(
            read.as_ref(),
            Some(record),
            "{:?}",
            record.common().external_id
        );
        assert_eq!(
            item.existed,
            record.common().external_id.as_deref() == Some("stored-joint")
        );
    }
    let by_external_id = |x: &str| {
        let found = items
            .iter()
            .find(|i| i.object.common().external_id.as_deref() == Some(x));
        &found.unwrap_or_else(|| panic!("{x} in the batch")).object
    };
    for i in 0..50 {
        let customer = as_customer(by_external_id(&c(i)));
        let parent = customer.parent.as_ref().and_then(|p| p.external_id.clone());
        let expected = match i % 5 {
            1 => Some(c(i - 1)),
            2 => Some(c(i + 1)),
            _ => None,
        };
        assert_eq!(parent, expected, "{}'s parent", c(i));
        let awaited = customer.awaited_parent.as_deref();
        assert_eq!(
            awaited,
            (i == 4).then_some("not-sent"),
            "{}'s awaited parent",
            c(i)
        );
    }
    for k in 0..24 {
        let joint = as_account(by_external_id(&format!("j{k:02}")));
        let (first, second) = (c(2 * k), c(2 * k + 1));
        let owners: Vec<_> = joint
            .owners
            .iter()
            .map(|o| (o.customer.external_id.clone(), o.primary))
            .collect();
        assert_eq!(
            owners,
            vec![(Some(first.clone()), true), (Some(second.clone()), false)]
        );
        assert_eq!(
            card_keys(&joint.cards),
            vec![held(&first, "5678"), held(&second, "5678")]
        );
    }
    let joined = as_account(by_external_id("stored-joint"));
    assert!(joined.awaited_owners.is_empty());
    assert_eq!(joined.owners.len(), 2);
    assert_eq!(
        card_keys(&joined.cards),
        vec![held("c20", "2222"), held("p1", "1111")]
    );
    // What waited for customers of the batch is linked; only the parent not sent waits.
    let early = story.by_external_id(Kind::Customer, "early").await;
    assert_eq!(
        as_customer(&early).parent,
        Some(link(by_external_id("c07")))
    );
    let early_acct = story.by_external_id(Kind::Account, "early-acct").await;
    assert_eq!(as_account(&early_acct).owners.len(), 2);
    assert!(as_account(&early_acct).awaited_owners.is_empty());
    assert_eq!(story.pending_links().await, 1);
    // One event per object the batch gives back.
    assert_eq!(story.events().await.len(), events + items.len());
}

both_backends!(
    a_batch_of_fifty_is_written_whole_or_not_at_all,
    a_bank_customer_reads_back_whole,
    cards_read_back_with_their_own_account,
    an_awaited_parent_is_linked_when_it_arrives,
    an_awaited_co_owner_becomes_an_owner_when_created,
    a_joint_account_sent_again_under_its_other_owner_joins,
    a_stored_account_whose_owners_are_not_all_named_is_taken,
    two_batches_leave_no_pending_link_once_everything_arrived,
);
