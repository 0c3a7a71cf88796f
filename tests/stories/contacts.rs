//! Contact data: a customer's persons and points read back whole and in order; email
//! addresses unique per tenant and scope whatever their case, a refused write leaving
//! nothing behind; `EditContact` refused when stale, missing or DEACTIVATED, `Unchanged`
//! when nothing changes; customer numbers reserved in disjoint blocks and looked up per
//! tenant; contact searches that find what they should.

use std::collections::{BTreeMap, BTreeSet};

use clientele::domain::contact::spec::{AttributeSpec, DetailsSpec, PersonSpec, PointSpec};
use clientele::domain::contact::{
    Channel, ContactDetails, ContactSearch, DetailText, PersonFlag, PersonText, PointText, Secret,
};
use clientele::domain::customer::{self, CustomerSpec, NewCustomer};
use clientele::domain::number::Numbered;
use clientele::domain::object::NewObject;
use clientele::domain::outcome::Written;
use clientele::domain::records::Record;
use clientele::domain::refusal::{Refusal, UniqueKey};
use clientele::domain::time::Timestamp;
use clientele::domain::Kind;
use clientele::store::{Outcome, Write};

use super::kit::*;
use crate::common::Backend;

const OTHER: &str = "other";

fn texts<K: Ord>(pairs: Vec<(K, &str)>) -> BTreeMap<K, String> {
    pairs.into_iter().map(|(k, v)| (k, v.to_owned())).collect()
}

fn point(channel: &str, fields: Vec<(PointText, &str)>) -> PointSpec {
    PointSpec {
        channel: Some(channel.to_owned()),
        texts: texts(fields),
        ..Default::default()
    }
}

/// An individual with one person, `first` Doe, and a phone, a postal address, an email
/// address and a web page, in that order; a PIN and a secret answer.
fn contact(first: &str, email: &str, phone: &str) -> DetailsSpec {
    let person = PersonSpec {
        texts: texts(vec![
            (PersonText::FirstName, first),
            (PersonText::LastName, "Doe"),
            (PersonText::Priority, "High"),
        ]),
        flags: [(PersonFlag::Smoker, "false".to_owned())].into(),
        secret_answer: Some("Texas".into()),
        attributes: vec![AttributeSpec {
            name: "isprimary".into(),
            values: vec!["y".into()],
        }],
        points: vec![
            PointSpec {
                priority: Some("HIGH".into()),
                ..point(
                    "phone",
                    vec![
                        (PointText::PhoneType, "home"),
                        (PointText::PhoneNumber, phone),
                    ],
                )
            },
            point(
                "postal",
                vec![
                    (PointText::PostalType, "home"),
                    (PointText::Address1, "1 Main Street"),
                    (PointText::City, "Springfield"),
                ],
            ),
            point("email", vec![(PointText::EmailAddress, email)]),
            point("web", vec![(PointText::Url, "https://example.com/")]),
        ],
        ..Default::default()
    };
    DetailsSpec {
        texts: texts(vec![
            (DetailText::CustomerType, "individual"),
            (DetailText::MarketSegment, "Medical Products"),
        ]),
        pin: Some("0121".into()),
        attributes: vec![AttributeSpec {
            name: "preferredlang".into(),
            values: vec!["English".into()],
        }],
        persons: vec![person],
    }
}

/// Secrets as the write pipeline leaves them: hashed (here, a stand-in for the hash).
fn hashed(details: &mut ContactDetails) {
    for (n, secret) in details.secrets_mut().enumerate() {
        *secret = Secret::Hashed(format!("$argon2id$stand-in-{n}"));
    }
}

/// A customer planned with the domain's create rules from contact data, secrets hashed.
fn planned(story: &Story, details: DetailsSpec, at: Timestamp) -> NewCustomer {
    let spec = CustomerSpec {
        contact: Some(details),
        ..Default::default()
    };
    let mut new = customer::plan(spec, &story.rules, &story.limits, at).expect("a valid customer");
    hashed(new.contact.as_mut().expect("contact data"));
    new
}

async fn create_new(story: &Story, tenant: &str, new: Vec<NewCustomer>) -> Outcome {
    let objects = new.into_iter().map(NewObject::Customer).collect();
    story
        .write_in(tenant, story.tick(), Write::Create(objects))
        .await
}

/// Creates a customer with `contact(first, email, phone)`; it must be accepted.
async fn create_contact(
    story: &Story,
    tenant: &str,
    first: &str,
    email: &str,
    phone: &str,
) -> Record {
    let new = planned(story, contact(first, email, phone), story.tick());
    let mut items = created(create_new(story, tenant, vec![new]).await);
    items.remove(0).object
}

fn contact_of(record: &Record) -> &ContactDetails {
    as_customer(record).contact.as_ref().expect("contact data")
}

async fn edit(
    story: &Story,
    id: Option<&str>,
    details: ContactDetails,
    read_at: Timestamp,
) -> Outcome {
    let write = Write::EditContact {
        id: id.map(str::to_owned),
        details: Box::new(details),
        read_at,
    };
    story.write_in(TENANT, story.tick(), write).await
}

async fn search(story: &Story, tenant: &str, by: ContactSearch, limit: i64) -> Vec<String> {
    story
        .store
        .search_contacts(tenant, by, limit)
        .await
        .expect("searching contacts")
}

fn email(address: &str) -> ContactSearch {
    ContactSearch::Email(address.to_owned())
}

fn phone(number: &str) -> ContactSearch {
    ContactSearch::Phone(number.to_owned())
}

async fn a_customer_with_contact_data_reads_back_whole_and_in_order(backend: Backend) {
    let story = Story::begin(backend).await;
    let at = story.tick();
    let mut new = planned(&story, contact("Ann", "ann@example.com", "234 3456"), at);
    // The store keeps however many persons it is given, in order; the rule of one person
    // per individual is the domain's.
    let details = new.contact.as_mut().unwrap();
    let mut second = details.persons[0].clone();
    second.id = "person-second".into();
    second.texts.insert(PersonText::FirstName, "Bea".into());
    second.secret_answer = None;
    second.points.truncate(1);
    second.points[0].id = "point-second".into();
    details.persons.push(second);
    let details = details.clone();

    let written = created(create_new(&story, TENANT, vec![new]).await);
    let record = &written[0].object;
    assert_eq!(contact_of(record), &details);
    let read = story.object(Kind::Customer, record.id()).await.unwrap();
    assert_eq!(&read, record);
    let stored = contact_of(&read);
    assert_eq!(stored, &details);
    let firsts: Vec<&str> = stored
        .persons
        .iter()
        .map(|p| p.texts[&PersonText::FirstName].as_str())
        .collect();
    assert_eq!(firsts, ["Ann", "Bea"]);
    let channels: Vec<Channel> = stored.persons[0].points.iter().map(|p| p.channel).collect();
    assert_eq!(
        channels,
        [
            Channel::Phone,
            Channel::Postal,
            Channel::Email,
            Channel::Web
        ]
    );
    assert_eq!(
        stored.persons[0].points[0].priority.as_deref(),
        Some("high")
    );
    assert_eq!(
        stored.pin,
        Some(Secret::Hashed("$argon2id$stand-in-0".into()))
    );
    assert_eq!(stored.attributes["preferredlang"], ["English"]);
    // A listing reads the same contact data.
    assert_eq!(story.all(Kind::Customer).await, vec![read]);
}

async fn an_email_another_customers_point_has_is_refused_whatever_its_case(backend: Backend) {
    let story = Story::begin(backend).await;
    let ann = create_contact(&story, TENANT, "Ann", "ann@example.com", "234 3456").await;
    let (customers, events) = (story.all(Kind::Customer).await, story.events().await);
    for taken in ["ann@example.com", "ANN@Example.COM"] {
        let new = planned(&story, contact("Bob", taken, "555 0199"), story.tick());
        assert_eq!(
            refusal(create_new(&story, TENANT, vec![new]).await),
            Refusal::Taken {
                key: UniqueKey::Email,
                item: 0
            },
            "{taken:?}"
        );
    }
    // In a batch, the refusal names its item and the whole batch is undone.
    let fine = planned(
        &story,
        contact("Cy", "cy@example.com", "555 0199"),
        story.tick(),
    );
    let clash = planned(
        &story,
        contact("Di", "Ann@example.com", "555 0199"),
        story.tick(),
    );
    assert_eq!(
        refusal(create_new(&story, TENANT, vec![fine, clash]).await),
        Refusal::Taken {
            key: UniqueKey::Email,
            item: 1
        }
    );
    assert_eq!(story.all(Kind::Customer).await, customers);
    assert_eq!(
        story.events().await,
        events,
        "a refused write records no event"
    );
    assert!(search(&story, TENANT, phone("555 0199"), 10)
        .await
        .is_empty());
    assert!(search(&story, TENANT, email("cy@example.com"), 10)
        .await
        .is_empty());
    assert_eq!(
        search(&story, TENANT, email("ann@example.com"), 10).await,
        [ann.id()]
    );
    // Another tenant has addresses of its own.
    story
        .store
        .ensure_tenant(OTHER, story.tick())
        .await
        .unwrap();
    create_contact(&story, OTHER, "Ann", "ann@example.com", "234 3456").await;
}

async fn one_email_may_be_under_two_scopes(backend: Backend) {
    let story = Story::begin(backend).await;
    let scoped = |scope: &str, first: &str| {
        let mut new = planned(
            &story,
            contact(first, "desk@example.com", "1"),
            story.tick(),
        );
        new.contact.as_mut().unwrap().email_scope = scope.to_owned();
        new
    };
    let service = created(create_new(&story, TENANT, vec![scoped("Service", "Ann")]).await);
    let sales = created(create_new(&story, TENANT, vec![scoped("Sales", "Bob")]).await);
    let unscoped = created(create_new(&story, TENANT, vec![scoped("", "Cy")]).await);
    assert_eq!(
        refusal(create_new(&story, TENANT, vec![scoped("Service", "Di")]).await),
        Refusal::Taken {
            key: UniqueKey::Email,
            item: 0
        }
    );
    let mut expected: Vec<String> = [&service, &sales, &unscoped]
        .iter()
        .map(|c| c[0].object.id().to_owned())
        .collect();
    expected.sort();
    assert_eq!(
        search(&story, TENANT, email("DESK@example.com"), 10).await,
        expected
    );
    assert_eq!(story.all(Kind::Customer).await.len(), 3);
}

async fn an_edit_is_refused_when_stale_or_missing_and_unchanged_when_the_same(backend: Backend) {
    let story = Story::begin(backend).await;
    let ann = create_contact(&story, TENANT, "Ann", "ann@example.com", "234 3456").await;
    let stored = contact_of(&ann).clone();
    let read_at = ann.common().updated_at;
    let events = story.events().await;

    let same = unchanged(edit(&story, Some(ann.id()), stored.clone(), read_at).await);
    assert_eq!(same, ann);
    let earlier = Timestamp::from_micros(read_at.micros() - 1);
    let mut changed = stored.clone();
    changed.persons[0]
        .texts
        .insert(PersonText::LastName, "Smith".into());
    assert_eq!(
        refusal(edit(&story, Some(ann.id()), changed.clone(), earlier).await),
        Refusal::Stale
    );
    assert_eq!(
        refusal(edit(&story, None, changed.clone(), read_at).await),
        Refusal::Missing
    );
    assert_eq!(
        refusal(edit(&story, Some("no-such-customer"), changed.clone(), read_at).await),
        Refusal::Missing
    );
    assert_eq!(
        story.object(Kind::Customer, ann.id()).await,
        Some(ann.clone())
    );
    assert_eq!(story.events().await, events);

    // A change with the right read is written, and the read it was made on is then stale.
    let at = story.tick();
    let write = Write::EditContact {
        id: Some(ann.id().to_owned()),
        details: Box::new(changed.clone()),
        read_at,
    };
    let after = patched(story.write_in(TENANT, at, write).await);
    assert_eq!(contact_of(&after), &changed);
    assert_eq!(after.common().updated_at, at);
    assert_eq!(after.common().created_at, ann.common().created_at);
    assert_eq!(
        story.object(Kind::Customer, ann.id()).await,
        Some(after.clone())
    );
    let feed = story.events().await;
    assert_eq!(feed.len(), events.len() + 1);
    assert_eq!(feed.last().unwrap().event_type, "customer.updated");
    assert_eq!(
        refusal(edit(&story, Some(ann.id()), stored.clone(), read_at).await),
        Refusal::Stale
    );
    // A DEACTIVATED customer takes no edit.
    let deactivated = story.deactivate(Kind::Customer, ann.id()).await;
    let now = deactivated[0].common().updated_at;
    assert_eq!(
        refusal(edit(&story, Some(ann.id()), stored, now).await),
        Refusal::Terminal
    );
    assert_eq!(
        contact_of(&story.object(Kind::Customer, ann.id()).await.unwrap()),
        &changed
    );
}

async fn an_edit_to_a_taken_email_keeps_what_was_stored(backend: Backend) {
    let story = Story::begin(backend).await;
    let ann = create_contact(&story, TENANT, "Ann", "ann@example.com", "234 3456").await;
    create_contact(&story, TENANT, "Bob", "bob@example.com", "555 0199").await;
    let events = story.events().await;
    let mut clash = contact_of(&ann).clone();
    clash.persons[0].points[2]
        .texts
        .insert(PointText::EmailAddress, "Bob@Example.com".into());
    assert_eq!(
        refusal(edit(&story, Some(ann.id()), clash, ann.common().updated_at).await),
        Refusal::Taken {
            key: UniqueKey::Email,
            item: 0
        }
    );
    // Nothing of the rows the edit replaces is lost.
    assert_eq!(
        story.object(Kind::Customer, ann.id()).await,
        Some(ann.clone())
    );
    assert_eq!(story.events().await, events);
    assert_eq!(
        search(&story, TENANT, phone("234 3456"), 10).await,
        [ann.id()]
    );

    // An address an edit gives up is free for another customer.
    let mut moved = contact_of(&ann).clone();
    moved.persons[0].points[2]
        .texts
        .insert(PointText::EmailAddress, "ann.new@example.com".into());
    patched(edit(&story, Some(ann.id()), moved, ann.common().updated_at).await);
    create_contact(&story, TENANT, "Cy", "ann@example.com", "1").await;
    assert_eq!(
        search(&story, TENANT, email("ann.new@example.com"), 10).await,
        [ann.id()]
    );
}

/// Contact data edited to what is stored is no change, whatever scope its emails are
/// unique in: the scope reads back as it was written.
async fn an_edit_to_the_same_scoped_details_is_unchanged(backend: Backend) {
    let story = Story::begin(backend).await;
    let mut new = planned(&story, contact("Ann", "ann@example.com", "1"), story.tick());
    new.contact.as_mut().unwrap().email_scope = "Service".into();
    let details = new.contact.clone().unwrap();
    let ann = created(create_new(&story, TENANT, vec![new]).await)
        .remove(0)
        .object;
    let events = story.events().await;
    let outcome = edit(&story, Some(ann.id()), details, ann.common().updated_at).await;
    assert!(
        matches!(outcome, Ok(Written::Unchanged(_))),
        "expected Unchanged, got {outcome:?}"
    );
    assert_eq!(story.events().await, events);
    let read = story.object(Kind::Customer, ann.id()).await.unwrap();
    assert_eq!(contact_of(&read).email_scope, "Service");
}

async fn reserved_numbers_never_overlap(backend: Backend) {
    let story = Story::begin(backend).await;
    let mut ranges = Vec::new();
    for count in [5, 1, 3] {
        let first = story.store.reserve_numbers(count).await.unwrap();
        ranges.push((first, first + count));
    }
    // Concurrent reservations, from another store on the same database too.
    let other = clientele::store::Store::open(story.url()).await.unwrap();
    let tasks: Vec<_> = (0..8u64)
        .map(|n| {
            let store = if n % 2 == 0 {
                story.store.clone()
            } else {
                other.clone()
            };
            tokio::spawn(async move { (store.reserve_numbers(10).await.unwrap(), 10) })
        })
        .collect();
    for task in tasks {
        let (first, count) = task.await.unwrap();
        ranges.push((first, first + count));
    }
    let mut seen = BTreeSet::new();
    for (start, end) in &ranges {
        for n in *start..*end {
            assert!(seen.insert(n), "{n} reserved twice: {ranges:?}");
        }
    }
    assert_eq!(seen.len(), 5 + 1 + 3 + 80);
    other.close().await;
}

async fn a_customer_is_found_by_its_number_in_its_tenant_only(backend: Backend) {
    let story = Story::begin(backend).await;
    story
        .store
        .ensure_tenant(OTHER, story.tick())
        .await
        .unwrap();
    let numbered = |first: &str, email: &str, number: u64| {
        let mut new = planned(&story, contact(first, email, "1"), story.tick());
        // Any counter serves the store; these are unique.
        new.number = Some(Numbered {
            number,
            counter: number + 1_000_000,
        });
        new
    };
    let ours =
        created(create_new(&story, TENANT, vec![numbered("Ann", "a@example.com", 7001)]).await)
            .remove(0)
            .object;
    assert_eq!(as_customer(&ours).number, Some(7001));
    let theirs =
        created(create_new(&story, OTHER, vec![numbered("Bob", "b@example.com", 7002)]).await)
            .remove(0)
            .object;
    let by = |tenant: &'static str, number: u64| {
        let store = story.store.clone();
        let number = Numbered {
            number,
            counter: number.saturating_add(1_000_000),
        };
        async move { store.customer_by_number(tenant, number).await.unwrap() }
    };
    assert_eq!(by(TENANT, 7001).await.as_deref(), Some(ours.id()));
    assert_eq!(by(OTHER, 7002).await.as_deref(), Some(theirs.id()));
    assert_eq!(by(TENANT, 7002).await, None, "another tenant's number");
    assert_eq!(by(OTHER, 7001).await, None);
    assert_eq!(by(TENANT, 7003).await, None);
    assert_eq!(by(TENANT, u64::MAX).await, None);
    let read = story.object(Kind::Customer, ours.id()).await.unwrap();
    assert_eq!(as_customer(&read).number, Some(7001));
    // A customer with a counter is found by it: the number beside another counter is no one's.
    let stray = Numbered {
        number: 7001,
        counter: 7002 + 1_000_000,
    };
    assert_eq!(
        story.store.customer_by_number(TENANT, stray).await.unwrap(),
        None
    );
    // Found by its number alone, as customers stored before counters were kept are.
    story
        .execute(&format!(
            "UPDATE customers SET number_counter = NULL WHERE id = '{}'",
            ours.id()
        ))
        .await;
    assert_eq!(by(TENANT, 7001).await.as_deref(), Some(ours.id()));
    assert_eq!(by(OTHER, 7001).await, None);
}

async fn contact_searches_find_what_they_should(backend: Backend) {
    let story = Story::begin(backend).await;
    story
        .store
        .ensure_tenant(OTHER, story.tick())
        .await
        .unwrap();
    let ann = create_contact(&story, TENANT, "Ann", "Ann@Example.com", "234 3456").await;
    let bob = create_contact(&story, TENANT, "Bob", "bob@example.com", "234 3456").await;
    let cy = create_contact(&story, TENANT, "Cy", "cy@example.com", "999").await;
    let theirs = create_contact(&story, OTHER, "Ann", "ann@example.com", "234 3456").await;

    for address in ["ann@example.com", "ANN@EXAMPLE.COM", "Ann@Example.com"] {
        assert_eq!(search(&story, TENANT, email(address), 10).await, [ann.id()]);
    }
    assert_eq!(
        search(&story, OTHER, email("ann@example.com"), 10).await,
        [theirs.id()]
    );
    let mut both = vec![ann.id().to_owned(), bob.id().to_owned()];
    both.sort();
    assert_eq!(search(&story, TENANT, phone("234 3456"), 10).await, both);
    assert_eq!(
        search(&story, TENANT, phone("234 3456"), 1).await,
        both[..1]
    );
    assert_eq!(search(&story, TENANT, phone("999"), 10).await, [cy.id()]);
    for miss in ["2343456", "234", "234 3456 ", "99"] {
        assert!(
            search(&story, TENANT, phone(miss), 10).await.is_empty(),
            "{miss:?}"
        );
    }
    assert!(search(&story, TENANT, email("ann@example"), 10)
        .await
        .is_empty());
    assert!(search(&story, TENANT, email("dee@example.com"), 10)
        .await
        .is_empty());
    // A customer with many matching points is found once.
    let mut many = planned(
        &story,
        contact("Dee", "dee@example.com", "777"),
        story.tick(),
    );
    let person = &mut many.contact.as_mut().unwrap().persons[0];
    let mut again = person.points[0].clone();
    again.id = "point-again".into();
    person.points.push(again);
    let dee = created(create_new(&story, TENANT, vec![many]).await)
        .remove(0)
        .object;
    assert_eq!(search(&story, TENANT, phone("777"), 10).await, [dee.id()]);
}

both_backends!(
    an_edit_to_the_same_scoped_details_is_unchanged,
    a_customer_with_contact_data_reads_back_whole_and_in_order,
    an_email_another_customers_point_has_is_refused_whatever_its_case,
    one_email_may_be_under_two_scopes,
    an_edit_is_refused_when_stale_or_missing_and_unchanged_when_the_same,
    an_edit_to_a_taken_email_keeps_what_was_stored,
    reserved_numbers_never_overlap,
    a_customer_is_found_by_its_number_in_its_tenant_only,
    contact_searches_find_what_they_should,
);
