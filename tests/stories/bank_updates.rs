//! Bank updates (a feed's PUT): a stored customer takes its bank profile and parent as sent,
//! its accounts sent are updated or made and the others kept; and parent links never close
//! a circle, whether the batch or the data stored would close it.

use clientele::domain::path::Field;
use clientele::domain::refusal::Refusal;
use clientele::domain::Kind;

use super::kit::*;
use crate::common::Backend;

async fn an_update_replaces_the_profile_and_keeps_what_was_not_sent(backend: Backend) {
    let story = Story::begin(backend).await;
    let first = bank_account("a1", &["c1"], vec![card("a1", "c1", "1111")]);
    created(story.bank(vec![bank_customer("c1", vec![first])]).await);
    let mut changed = bank_customer(
        "c1",
        vec![bank_account("a2", &["c1"], vec![card("a2", "c1", "2222")])],
    );
    changed.postal_code = text("78753");
    let items = created(story.bank_update(vec![changed]).await);
    let existed: Vec<bool> = items.iter().map(|item| item.existed).collect();
    assert_eq!(existed, [true, false], "the customer updated, a2 made");
    let customer = as_customer(&items[0].object);
    assert_eq!(customer.bank.as_ref().unwrap().postal_code, "78753");
    assert_eq!(
        &story.by_external_id(Kind::Customer, "c1").await,
        &items[0].object
    );
    // a1 was not sent, and is kept with its card.
    let kept = story.by_external_id(Kind::Account, "a1").await;
    assert_eq!(
        card_keys(&as_account(&kept).cards),
        vec![held("c1", "1111")]
    );
    // A card sent again takes its new status; the account its new bank fields.
    let mut closed = card("a1", "c1", "1111");
    closed.status = text("CLOSED");
    let mut account = bank_account("a1", &["c1"], vec![closed]);
    account.status = text("FRAUD");
    let items = created(
        story
            .bank_update(vec![bank_customer("c1", vec![account])])
            .await,
    );
    let a1 = as_account(&items[1].object);
    assert!(items[1].existed);
    assert_eq!(a1.bank.as_ref().unwrap().status, "FRAUD");
    assert_eq!(a1.cards.len(), 1);
    assert_eq!(a1.cards[0].status, "CLOSED");
    assert_eq!(
        a1.cards[0].id,
        as_account(&kept).cards[0].id,
        "the same card"
    );
}

async fn an_update_of_a_customer_not_stored_writes_nothing(backend: Backend) {
    let story = Story::begin(backend).await;
    created(story.bank(vec![bank_customer("c1", vec![])]).await);
    let before = story.all(Kind::Customer).await;
    let mut changed = bank_customer("c1", vec![]);
    changed.postal_code = text("78753");
    let outcome = story
        .bank_update(vec![changed, bank_customer("ghost", vec![])])
        .await;
    assert_eq!(
        refusal(outcome),
        Refusal::NotFound {
            field: clientele::domain::Field::ExternalId,
            item: 1
        }
    );
    assert_eq!(story.all(Kind::Customer).await, before);
}

async fn a_parent_closing_a_circle_with_stored_customers_is_refused(backend: Backend) {
    let story = Story::begin(backend).await;
    // p awaits a; q's parent is p.
    created(
        story
            .bank(vec![child_of("p", "a"), child_of("q", "p")])
            .await,
    );
    let links = story.pending_links().await;
    let customers = story.all(Kind::Customer).await;
    // a naming q closes a -> q -> p -> a.
    let outcome = story
        .bank(vec![bank_customer("x", vec![]), child_of("a", "q")])
        .await;
    assert_eq!(
        refusal(outcome),
        Refusal::ParentCycle {
            field: Field::Parent,
            item: 1
        }
    );
    // p made a child of q by an update closes p -> q -> p.
    let outcome = story.bank_update(vec![child_of("p", "q")]).await;
    assert_eq!(
        refusal(outcome),
        Refusal::ParentCycle {
            field: Field::Parent,
            item: 0
        }
    );
    assert_eq!(story.pending_links().await, links);
    assert_eq!(story.all(Kind::Customer).await, customers);
    // a without a parent is linked under p, as awaited.
    created(story.bank(vec![bank_customer("a", vec![])]).await);
    assert_eq!(story.pending_links().await, 0);
}

both_backends!(
    an_update_replaces_the_profile_and_keeps_what_was_not_sent,
    an_update_of_a_customer_not_stored_writes_nothing,
    a_parent_closing_a_circle_with_stored_customers_is_refused,
);
