//! Idempotency: a claimed key keeps the first answer — status, content type, body, location
//! — and a retry gets it back without the write running again; the same key with another
//! request is refused; a request refused before the store keeps its answer all the same.

use clientele::domain::idempotency::{Answer, Claim};
use clientele::domain::lifecycle::PatchSpec;
use clientele::domain::records::ListFilter;
use clientele::domain::refusal::{Refusal, UniqueKey};
use clientele::domain::Kind;
use clientele::store::{Executed, Outcome, Write};

use super::kit::*;
use crate::common::Backend;

fn claim(key: &str, route: &str, body: &str) -> Claim {
    Claim::new(key.to_owned(), "POST", route, None, body.as_bytes())
}

/// The eGain door's answer: XML, with the new customer's place.
fn xml_answer(outcome: &Outcome) -> Answer {
    let id = match outcome {
        Ok(_) => created(outcome.clone())[0].object.id().to_owned(),
        Err(refusal) => panic!("the create should pass: {refusal:?}"),
    };
    Answer {
        status: 201,
        content_type: "application/xml".into(),
        body: format!("<customer id=\"{id}\"><name>Zákazník</name></customer>").into_bytes(),
        location: Some(format!("/ws/v12/interaction/customer/{id}")),
    }
}

fn fresh(run: &Run) -> Answer {
    match &run.executed {
        Executed::Fresh(answer) => answer.clone(),
        other => panic!("expected a fresh answer, got {other:?}"),
    }
}

impl Story {
    /// A create of a customer by profile (a new id each time), under `claim`.
    async fn create_claimed(
        &self,
        tenant: &str,
        claim: &Claim,
        respond: impl Fn(&Outcome) -> Answer + Send + Sync + 'static,
    ) -> Run {
        let at = self.tick();
        let write = Write::Create(vec![self.plan(customer_by_profile(), at)]);
        self.run(self.ctx(tenant, Some(claim.clone()), at), write, respond)
            .await
    }
}

async fn a_retry_replays_the_first_answer_and_writes_nothing(backend: Backend) {
    let story = Story::begin(backend).await;
    let key = claim("req-1", "/ws/v12/interaction/customer", "<customer/>");
    let first = story.create_claimed(TENANT, &key, xml_answer).await;
    let answer = fresh(&first);
    assert_eq!(answer.content_type, "application/xml");
    let customers = story.all(Kind::Customer).await;
    assert_eq!(customers.len(), 1);
    assert_eq!(
        answer.location,
        Some(format!(
            "/ws/v12/interaction/customer/{}",
            customers[0].id()
        ))
    );

    for _ in 0..2 {
        // A retry plans again (another id), but the key was claimed: nothing runs.
        let retry = story.create_claimed(TENANT, &key, xml_answer).await;
        assert_eq!(retry.executed, Executed::Replayed(answer.clone()));
        assert!(retry.outcome.is_none(), "a replay renders nothing");
    }
    assert_eq!(story.all(Kind::Customer).await, customers);
    assert_eq!(story.events().await.len(), 1);
}

async fn a_refusal_is_replayed_as_first_answered(backend: Backend) {
    let story = Story::begin(backend).await;
    let holder = story.created(customer("taken")).await.object;
    let key = claim("req-2", "/v1/customers", r#"{"externalId":"taken"}"#);
    let attempt = || {
        let at = story.tick();
        let write = Write::Create(vec![story.plan(customer("taken"), at)]);
        (story.ctx(TENANT, Some(key.clone()), at), write)
    };
    let conflict = |outcome: &Outcome| problem(409, &format!("{:?}", outcome.as_ref().err()));

    let (ctx, write) = attempt();
    let first = story.run(ctx, write, conflict).await;
    assert_eq!(
        first.outcome,
        Some(Err(Refusal::Taken {
            key: UniqueKey::ExternalId(Kind::Customer),
            item: 0
        }))
    );
    let answer = fresh(&first);
    assert_eq!(answer.content_type, "application/problem+json");
    assert_eq!(answer.status, 409);

    // The value is freed, so running the write again would now create a customer.
    let forget = PatchSpec {
        external_id: Some(None),
        ..Default::default()
    };
    patched(story.patch(Kind::Customer, holder.id(), forget).await);
    let (ctx, write) = attempt();
    let retry = story.run(ctx, write, conflict).await;
    assert_eq!(retry.executed, Executed::Replayed(answer));
    assert!(retry.outcome.is_none());
    let filter = ListFilter {
        external_id: Some("taken".into()),
        ..page(10)
    };
    assert_eq!(story.list(Kind::Customer, filter).await, vec![]);
    assert_eq!(story.events().await.len(), 2, "the create and the patch");
}

async fn a_key_is_for_one_request_in_one_scope_and_tenant(backend: Backend) {
    let story = Story::begin(backend).await;
    let first = story
        .create_claimed(
            TENANT,
            &claim("req-3", "/v1/customers", r#"{"a":1}"#),
            answer_for,
        )
        .await;
    fresh(&first);
    let other_body = claim("req-3", "/v1/customers", r#"{"a":2}"#);
    let reused = story.create_claimed(TENANT, &other_body, answer_for).await;
    assert_eq!(reused.executed, Executed::KeyReused);
    assert!(reused.outcome.is_none());
    assert_eq!(story.all(Kind::Customer).await.len(), 1);
    assert_eq!(story.events().await.len(), 1);

    // The same key on another route, or for another tenant, is another claim.
    let other_route = claim("req-3", "/v1/customers/import", r#"{"a":1}"#);
    fresh(&story.create_claimed(TENANT, &other_route, answer_for).await);
    story
        .store
        .ensure_tenant("other", story.tick())
        .await
        .unwrap();
    let same = claim("req-3", "/v1/customers", r#"{"a":1}"#);
    fresh(&story.create_claimed("other", &same, answer_for).await);
    assert_eq!(story.all(Kind::Customer).await.len(), 2);
    assert_eq!(story.events_in("other", 0, 10).await.len(), 1);
}

async fn a_refused_request_keeps_its_answer_and_writes_nothing_else(backend: Backend) {
    let story = Story::begin(backend).await;
    let refused = problem(400, "the body is not JSON");
    let key = claim("req-4", "/v1/customers", "{not json");
    let answer = refused.clone();
    let first = story
        .run(
            story.ctx(TENANT, Some(key.clone()), story.tick()),
            Write::Refuse,
            move |_| answer.clone(),
        )
        .await;
    assert_eq!(first.executed, Executed::Fresh(refused.clone()));
    assert_eq!(first.outcome, Some(Err(Refusal::Refused)));
    assert_eq!(story.all(Kind::Customer).await, vec![]);
    assert_eq!(story.events().await, vec![]);

    // A retry, even one that would now write, gets the problem again.
    let retry = story.create_claimed(TENANT, &key, answer_for).await;
    assert_eq!(retry.executed, Executed::Replayed(refused.clone()));
    assert_eq!(story.all(Kind::Customer).await, vec![]);
    assert_eq!(story.events().await, vec![]);

    // Without a claim, a refusal is answered and nothing is kept or written.
    let answer = refused.clone();
    let unclaimed = story
        .run(
            story.ctx(TENANT, None, story.tick()),
            Write::Refuse,
            move |_| answer.clone(),
        )
        .await;
    assert_eq!(unclaimed.executed, Executed::Fresh(refused));
    assert_eq!(story.all(Kind::Customer).await, vec![]);
    assert_eq!(story.events().await, vec![]);
}

async fn a_purged_answer_is_forgotten(backend: Backend) {
    let story = Story::begin(backend).await;
    let key = claim("req-5", "/v1/customers", "{}");
    let answer = fresh(&story.create_claimed(TENANT, &key, answer_for).await);
    let claimed_at = story.last_tick();
    let purged = story.store.purge_idempotency(claimed_at).await.unwrap();
    assert_eq!(purged, 0, "an answer stored at the cut-off is kept");
    let retry = story.create_claimed(TENANT, &key, answer_for).await;
    assert_eq!(retry.executed, Executed::Replayed(answer));

    let purged = story.store.purge_idempotency(story.tick()).await.unwrap();
    assert_eq!(purged, 1);
    // Forgotten, the key makes a new claim and the request runs again.
    let again = story.create_claimed(TENANT, &key, answer_for).await;
    assert!(
        matches!(again.executed, Executed::Fresh(_)),
        "{:?}",
        again.executed
    );
    assert_eq!(story.all(Kind::Customer).await.len(), 2);
}

both_backends!(
    a_retry_replays_the_first_answer_and_writes_nothing,
    a_refusal_is_replayed_as_first_answered,
    a_key_is_for_one_request_in_one_scope_and_tenant,
    a_refused_request_keeps_its_answer_and_writes_nothing_else,
    a_purged_answer_is_forgotten,
);
