//! Listings: every filter given must match, pages go by id, accounts list by owner and
//! subscribers by account, and a tenant lists only its own objects.

use clientele::domain::customer::CustomerSpec;
use clientele::domain::records::{ListFilter, Record};
use clientele::domain::state::State;
use clientele::domain::Kind;

use super::kit::*;
use crate::common::Backend;

fn in_b2c(external_id: &str) -> CustomerSpec {
    let mut spec = customer(external_id);
    spec.common.segment = Some("b2c".into());
    spec
}

/// The records in id order, as listings give them.
fn by_id(records: &[&Record]) -> Vec<Record> {
    let mut sorted: Vec<Record> = records.iter().map(|r| (*r).clone()).collect();
    sorted.sort_by(|a, b| a.id().cmp(b.id()));
    sorted
}

async fn every_given_filter_must_match(backend: Backend) {
    let story = Story::begin(backend).await;
    let c0 = story.created(customer("l-0")).await.object;
    let c1 = story.created(in_b2c("l-1")).await.object;
    let c2 = story.created(customer("l-2")).await.object;
    let c3 = story.created(in_b2c("l-3")).await.object;
    let c4 = story.created(customer("l-4")).await.object;
    let mut suspended = Vec::new();
    for record in [&c2, &c3] {
        let outcome = story
            .change_state(
                Kind::Customer,
                record.id(),
                "SUSPENDED",
                "dfltSuspended",
                false,
            )
            .await;
        suspended.push(state_changed(outcome).remove(0));
    }
    let [c2, c3] = [suspended[0].clone(), suspended[1].clone()];
    story
        .store
        .ensure_tenant("other", story.tick())
        .await
        .unwrap();
    story
        .create_in("other", vec![customer("l-2").spec()])
        .await
        .unwrap();

    let all = story.all(Kind::Customer).await;
    assert_eq!(all, by_id(&[&c0, &c1, &c2, &c3, &c4]));
    let list = |filter: ListFilter| story.list(Kind::Customer, filter);
    let external = ListFilter {
        external_id: Some("l-2".into()),
        ..page(100)
    };
    assert_eq!(list(external).await, vec![c2.clone()]);
    let nobody = ListFilter {
        external_id: Some("l-9".into()),
        ..page(100)
    };
    assert_eq!(list(nobody).await, vec![]);
    let b2c = ListFilter {
        segment: Some("b2c".into()),
        ..page(100)
    };
    assert_eq!(list(b2c.clone()).await, by_id(&[&c1, &c3]));
    let suspended = ListFilter {
        state: Some(State::Suspended),
        ..page(100)
    };
    assert_eq!(list(suspended.clone()).await, by_id(&[&c2, &c3]));
    let both = ListFilter {
        state: Some(State::Suspended),
        ..b2c
    };
    assert_eq!(list(both).await, vec![c3.clone()]);
    let deactivated = ListFilter {
        state: Some(State::Deactivated),
        ..page(100)
    };
    assert_eq!(list(deactivated).await, vec![]);
    let later = ListFilter {
        created_after: Some(c1.common().created_at),
        ..page(100)
    };
    assert_eq!(list(later).await, by_id(&[&c2, &c3, &c4]), "strictly after");
    let later_suspended = ListFilter {
        created_after: Some(c2.common().created_at),
        ..suspended
    };
    assert_eq!(list(later_suspended).await, vec![c3.clone()]);
}

async fn pages_go_by_id(backend: Backend) {
    let story = Story::begin(backend).await;
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(story.created(customer(&format!("p-{i}"))).await.object);
    }
    let all = by_id(&made.iter().collect::<Vec<_>>());
    assert_eq!(story.all(Kind::Customer).await, all);

    let mut read = Vec::new();
    let mut after_id = None;
    loop {
        let filter = ListFilter {
            after_id: after_id.clone(),
            ..page(2)
        };
        let page = story.list(Kind::Customer, filter).await;
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after_id = Some(last.id().to_owned());
        read.extend(page);
    }
    assert_eq!(read, all, "pages of 2 make the whole listing, each once");
    let after_second = ListFilter {
        after_id: Some(all[1].id().to_owned()),
        ..page(100)
    };
    assert_eq!(story.list(Kind::Customer, after_second).await, all[2..]);
    assert_eq!(story.list(Kind::Customer, page(3)).await, all[..3]);
}

async fn accounts_list_by_owner_and_subscribers_by_account(backend: Backend) {
    let story = Story::begin(backend).await;
    let first = story.created(customer("first")).await.object;
    let second = story.created(customer("second")).await.object;
    let lonely = story.created(customer("lonely")).await.object;
    let mut accounts = Vec::new();
    for owner in [&first, &second, &first, &second] {
        let account = story.created(account_of(by_ref_id(owner.id()), None)).await;
        accounts.push(account.object);
    }
    let owned_by = |owner: &Record| ListFilter {
        customer: Some(owner.id().to_owned()),
        ..page(100)
    };
    assert_eq!(
        story.list(Kind::Account, owned_by(&first)).await,
        by_id(&[&accounts[0], &accounts[2]])
    );
    assert_eq!(
        story.list(Kind::Account, owned_by(&second)).await,
        by_id(&[&accounts[1], &accounts[3]])
    );
    assert_eq!(story.list(Kind::Account, owned_by(&lonely)).await, vec![]);

    let mut subscribers = Vec::new();
    for account in [&accounts[0], &accounts[0], &accounts[1]] {
        let under = subscriber_under(by_ref_id(account.id()), None);
        subscribers.push(story.created(under).await.object);
    }
    let of = |account: &Record| ListFilter {
        account: Some(account.id().to_owned()),
        ..page(100)
    };
    assert_eq!(
        story.list(Kind::Subscriber, of(&accounts[0])).await,
        by_id(&[&subscribers[0], &subscribers[1]])
    );
    assert_eq!(
        story.list(Kind::Subscriber, of(&accounts[1])).await,
        vec![subscribers[2].clone()]
    );
    assert_eq!(story.list(Kind::Subscriber, of(&accounts[2])).await, vec![]);
    // A filtered listing pages like any other.
    let paged = ListFilter {
        account: Some(accounts[0].id().to_owned()),
        ..page(1)
    };
    let one = story.list(Kind::Subscriber, paged).await;
    assert_eq!(one, by_id(&[&subscribers[0], &subscribers[1]])[..1]);
}

both_backends!(
    every_given_filter_must_match,
    pages_go_by_id,
    accounts_list_by_owner_and_subscribers_by_account,
);
