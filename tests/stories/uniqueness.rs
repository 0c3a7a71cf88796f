//! Uniqueness: the store's indexes refuse a taken value as `Refusal::Taken`, naming the key
//! and the item, and the refused write leaves nothing behind — not even parents it would
//! have created.

use clientele::domain::records::PrimaryResource;
use clientele::domain::refusal::{Refusal, UniqueKey};
use clientele::domain::Kind;

use super::kit::*;
use crate::common::Backend;

const MSISDN: &str = "421900000001";

fn taken(key: UniqueKey) -> Refusal {
    Refusal::Taken { key, item: 0 }
}

async fn a_taken_external_id_is_refused_and_writes_nothing(backend: Backend) {
    let story = Story::begin(backend).await;
    let first = story.created(customer("customer_external_id")).await.object;
    let account = story
        .created(account_of(
            by_ref_id(first.id()),
            Some("account_external_id"),
        ))
        .await
        .object;
    let (customers, events) = (story.all(Kind::Customer).await, story.events().await);

    assert_eq!(
        story.refused(customer("customer_external_id")).await,
        taken(UniqueKey::ExternalId(Kind::Customer))
    );
    let mut by_profile = customer_by_profile();
    by_profile.common.external_id = Some("customer_external_id".into());
    assert_eq!(
        story.refused(by_profile).await,
        taken(UniqueKey::ExternalId(Kind::Customer))
    );
    // The owner the profile would create is undone with the account it was made for.
    assert_eq!(
        story
            .refused(account_by_profile(Some("account_external_id")))
            .await,
        taken(UniqueKey::ExternalId(Kind::Account))
    );
    assert_eq!(story.all(Kind::Customer).await, customers);
    assert_eq!(story.all(Kind::Account).await, vec![account]);
    assert_eq!(
        story.events().await,
        events,
        "a refused write records no event"
    );
}

async fn external_ids_are_unique_per_kind_and_tenant_deactivated_included(backend: Backend) {
    let story = Story::begin(backend).await;
    let shared = "shared_external_id";
    let owner = story.created(customer(shared)).await.object;
    // Another kind may use the same external id.
    let account = story
        .created(account_of(by_ref_id(owner.id()), Some(shared)))
        .await
        .object;
    let subscriber = story
        .created(subscriber_under(by_ref_id(account.id()), Some(shared)))
        .await
        .object;
    assert_eq!(subscriber.common().external_id.as_deref(), Some(shared));
    // So may another tenant.
    story
        .store
        .ensure_tenant("other", story.tick())
        .await
        .unwrap();
    let elsewhere = created(
        story
            .create_in("other", vec![customer(shared).spec()])
            .await,
    );
    assert_eq!(
        elsewhere[0].object.common().external_id.as_deref(),
        Some(shared)
    );
    assert_ne!(elsewhere[0].object.id(), owner.id());

    // A DEACTIVATED object keeps its external id.
    story.deactivate(Kind::Subscriber, subscriber.id()).await;
    assert_eq!(
        story
            .refused(subscriber_under(by_ref_id(account.id()), Some(shared)))
            .await,
        taken(UniqueKey::ExternalId(Kind::Subscriber))
    );
    story.deactivate(Kind::Customer, owner.id()).await;
    assert_eq!(
        story.refused(customer(shared)).await,
        taken(UniqueKey::ExternalId(Kind::Customer))
    );
    assert_eq!(story.all(Kind::Customer).await.len(), 1);
    assert_eq!(story.all(Kind::Subscriber).await.len(), 1);
}

async fn a_live_primary_resource_is_taken_until_its_subscriber_is_deactivated(backend: Backend) {
    let story = Story::begin(backend).await;
    let first = story
        .created(with_msisdn(subscriber_by_profile(Some("sub-1")), MSISDN))
        .await;
    let account = first.parents[1].clone();
    let under_account = || with_msisdn(subscriber_under(by_ref_id(account.id()), None), MSISDN);
    let events = story.events().await;

    assert_eq!(
        story.refused(under_account()).await,
        taken(UniqueKey::PrimaryResource)
    );
    // By profile, the account and customer it would make are undone with it.
    assert_eq!(
        story
            .refused(with_msisdn(subscriber_by_profile(None), MSISDN))
            .await,
        taken(UniqueKey::PrimaryResource)
    );
    assert_eq!(
        story.all(Kind::Subscriber).await,
        vec![first.object.clone()]
    );
    assert_eq!(story.all(Kind::Account).await, vec![account.clone()]);
    assert_eq!(
        story.all(Kind::Customer).await,
        vec![first.parents[0].clone()]
    );
    assert_eq!(story.events().await, events);

    story.deactivate(Kind::Subscriber, first.object.id()).await;
    let second = story.created(under_account()).await.object;
    assert_eq!(
        as_subscriber(&second).primary_resource,
        Some(PrimaryResource {
            resource_type: "MSISDN".into(),
            value: MSISDN.into(),
        })
    );
    assert_eq!(
        story.object(Kind::Subscriber, second.id()).await,
        Some(second)
    );
    // The new holder is live, so the value is taken again.
    assert_eq!(
        story.refused(under_account()).await,
        taken(UniqueKey::PrimaryResource)
    );
    assert_eq!(story.all(Kind::Subscriber).await.len(), 2);
}

both_backends!(
    a_taken_external_id_is_refused_and_writes_nothing,
    external_ids_are_unique_per_kind_and_tenant_deactivated_included,
    a_live_primary_resource_is_taken_until_its_subscriber_is_deactivated,
);
