//! References: one that names nothing in the tenant (of the kind it must be) is `NotFound`,
//! one that names a DEACTIVATED object is `ReferenceTerminal`, each at its field; either
//! writes nothing.

use clientele::domain::path::Field;
use clientele::domain::refusal::Refusal;
use clientele::domain::Kind;

use super::kit::*;
use crate::common::Backend;

fn not_found(field: Field) -> Refusal {
    Refusal::NotFound { field, item: 0 }
}

fn terminal(field: Field) -> Refusal {
    Refusal::ReferenceTerminal { field, item: 0 }
}

async fn a_parent_must_name_a_live_customer(backend: Backend) {
    let story = Story::begin(backend).await;
    for parent in [by_ref_id("no-such-customer"), by_external_id("nobody")] {
        let mut child = customer("child");
        child.parent = Some(parent);
        assert_eq!(story.refused(child).await, not_found(Field::Parent));
    }
    let parent = story.created(customer("parent")).await.object;
    story.deactivate(Kind::Customer, parent.id()).await;
    for reference in [by_ref_id(parent.id()), by_external_id("parent")] {
        let mut child = customer("child");
        child.parent = Some(reference);
        assert_eq!(story.refused(child).await, terminal(Field::Parent));
    }
    assert_eq!(ids(&story.all(Kind::Customer).await), vec![parent.id()]);
    assert_eq!(
        story.events().await.len(),
        2,
        "the parent's create and deactivation"
    );
}

async fn an_owner_must_name_a_live_customer_of_the_tenant(backend: Backend) {
    let story = Story::begin(backend).await;
    assert_eq!(
        story
            .refused(account_of(by_external_id("nobody"), Some("acc")))
            .await,
        not_found(Field::Customer)
    );
    // A customer of another tenant is nobody here.
    story
        .store
        .ensure_tenant("other", story.tick())
        .await
        .unwrap();
    let foreign = created(
        story
            .create_in("other", vec![customer("foreign").spec()])
            .await,
    );
    let foreign_id = foreign[0].object.id().to_owned();
    assert_eq!(
        story
            .refused(account_of(by_ref_id(&foreign_id), None))
            .await,
        not_found(Field::Customer)
    );
    assert_eq!(
        story
            .refused(account_of(by_external_id("foreign"), None))
            .await,
        not_found(Field::Customer)
    );

    let owner = story.created(customer("owner")).await.object;
    let account = story
        .created(account_of(by_ref_id(owner.id()), Some("acc")))
        .await
        .object;
    // An account's id names no customer.
    assert_eq!(
        story
            .refused(account_of(by_ref_id(account.id()), None))
            .await,
        not_found(Field::Customer)
    );
    story.deactivate(Kind::Customer, owner.id()).await;
    for reference in [by_ref_id(owner.id()), by_external_id("owner")] {
        assert_eq!(
            story.refused(account_of(reference, Some("acc-2"))).await,
            terminal(Field::Customer)
        );
    }
    assert_eq!(story.all(Kind::Account).await, vec![account]);
}

async fn a_subscriber_must_name_a_live_account(backend: Backend) {
    let story = Story::begin(backend).await;
    for reference in [by_ref_id("no-such-account"), by_external_id("nothing")] {
        assert_eq!(
            story.refused(subscriber_under(reference, Some("s"))).await,
            not_found(Field::Account)
        );
    }
    let owner = story.created(customer("owner")).await.object;
    // A customer's id names no account.
    assert_eq!(
        story
            .refused(subscriber_under(by_ref_id(owner.id()), None))
            .await,
        not_found(Field::Account)
    );
    let account = story
        .created(account_of(by_ref_id(owner.id()), Some("acc")))
        .await
        .object;
    story.deactivate(Kind::Account, account.id()).await;
    for reference in [by_ref_id(account.id()), by_external_id("acc")] {
        assert_eq!(
            story
                .refused(with_msisdn(
                    subscriber_under(reference, Some("s")),
                    "421900000002"
                ))
                .await,
            terminal(Field::Account)
        );
    }
    assert_eq!(story.all(Kind::Subscriber).await, vec![]);
    assert_eq!(story.events().await.len(), 3);
}

both_backends!(
    a_parent_must_name_a_live_customer,
    an_owner_must_name_a_live_customer_of_the_tenant,
    a_subscriber_must_name_a_live_account,
);
