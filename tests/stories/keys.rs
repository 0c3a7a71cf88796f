//! Keys and catalogs: a key's hash finds its record, role kept; a catalog write stores the
//! tenant's next version, and the latest document reads back.

use clientele::domain::auth::{key_hash, KeyRecord, Role};
use clientele::domain::catalog::Catalog;
use clientele::domain::outcome::Written;
use clientele::domain::Kind;
use clientele::store::Write;

use super::kit::*;
use crate::common::Backend;

fn key(id: &str, tenant: &str, role: Role) -> KeyRecord {
    KeyRecord {
        id: id.to_owned(),
        tenant: tenant.to_owned(),
        role,
    }
}

async fn a_key_is_found_by_its_hash_with_its_role(backend: Backend) {
    let story = Story::begin(backend).await;
    let store = &story.store;
    assert_eq!(
        store.find_key(&key_hash("clt_unknown")).await.unwrap(),
        None
    );
    for role in [Role::Reader, Role::Writer, Role::Admin] {
        assert!(!store.has_key_with_role("keyed", role).await.unwrap());
    }
    let records = [
        key("k-reader", "keyed", Role::Reader),
        key("k-writer", "keyed", Role::Writer),
    ];
    for record in &records {
        let hash = key_hash(&format!("clt_{}", record.id));
        store
            .insert_key(record.clone(), hash, story.tick())
            .await
            .unwrap();
    }
    for record in &records {
        let found = store
            .find_key(&key_hash(&format!("clt_{}", record.id)))
            .await;
        assert_eq!(found.unwrap().as_ref(), Some(record));
    }
    assert!(store
        .has_key_with_role("keyed", Role::Reader)
        .await
        .unwrap());
    assert!(store
        .has_key_with_role("keyed", Role::Writer)
        .await
        .unwrap());
    assert!(!store.has_key_with_role("keyed", Role::Admin).await.unwrap());
    assert!(!store.has_key_with_role(TENANT, Role::Writer).await.unwrap());

    // A known hash is left as it is.
    let again = key("k-impostor", "keyed", Role::Admin);
    let hash = key_hash("clt_k-writer");
    store
        .insert_key(again, hash.clone(), story.tick())
        .await
        .unwrap();
    assert_eq!(
        store.find_key(&hash).await.unwrap(),
        Some(records[1].clone())
    );
    assert!(!store.has_key_with_role("keyed", Role::Admin).await.unwrap());

    let admin = key("k-admin", "keyed", Role::Admin);
    let hash = key_hash("clt_k-admin");
    store
        .insert_key(admin.clone(), hash.clone(), story.tick())
        .await
        .unwrap();
    assert_eq!(store.find_key(&hash).await.unwrap(), Some(admin));
    assert!(store.has_key_with_role("keyed", Role::Admin).await.unwrap());

    // The key's tenant exists now: it can be written for.
    let items = created(story.create_in("keyed", vec![customer("k").spec()]).await);
    let id = items[0].object.id();
    let read = store.object(Kind::Customer, "keyed", id).await.unwrap();
    assert_eq!(read.as_ref(), Some(&items[0].object));
}

async fn a_catalog_write_stores_the_next_version(backend: Backend) {
    let story = Story::begin(backend).await;
    let store = &story.store;
    assert_eq!(store.catalog_version(TENANT).await.unwrap(), 0);
    assert_eq!(store.catalog(TENANT).await.unwrap(), None);

    let first = Catalog::default();
    let mut second = Catalog::default();
    second.customer_segments.push("vip".into());
    for (version, catalog) in [(1, &first), (2, &second)] {
        let document = serde_json::to_string(catalog).unwrap();
        let write = Write::PutCatalog {
            document: document.clone(),
        };
        let outcome = story.write_in(TENANT, story.tick(), write).await;
        assert_eq!(outcome, Ok(Written::Catalog { version }));
        assert_eq!(store.catalog_version(TENANT).await.unwrap(), version);
        let stored = store.catalog(TENANT).await.unwrap();
        assert_eq!(stored, Some((version, document)));
        let (_, text) = stored.unwrap();
        assert_eq!(&serde_json::from_str::<Catalog>(&text).unwrap(), catalog);
    }
    let feed: Vec<_> = story
        .events()
        .await
        .into_iter()
        .map(|e| (e.event_type, e.entity, e.entity_id))
        .collect();
    let updated = |v: &str| {
        (
            "catalog.updated".to_owned(),
            "catalog".to_owned(),
            v.to_owned(),
        )
    };
    assert_eq!(feed, vec![updated("1"), updated("2")]);

    // Another tenant's catalog is its own.
    store.ensure_tenant("other", story.tick()).await.unwrap();
    assert_eq!(store.catalog_version("other").await.unwrap(), 0);
    assert_eq!(store.catalog("other").await.unwrap(), None);
    let write = Write::PutCatalog {
        document: serde_json::to_string(&first).unwrap(),
    };
    let outcome = story.write_in("other", story.tick(), write).await;
    assert_eq!(outcome, Ok(Written::Catalog { version: 1 }));
    assert_eq!(store.catalog_version(TENANT).await.unwrap(), 2);
}

both_backends!(
    a_key_is_found_by_its_hash_with_its_role,
    a_catalog_write_stores_the_next_version,
);
