//! The dashboard's event search: filters, pages, tenant scope, and a device's links.

use doorman_store::events::Scope;
use doorman_store::on_both_backends;
use doorman_store::search::EventFilter;
use doorman_store::testing::TestDb;
use doorman_store::{now_ms, StoreError};

use crate::support::{ingest_at, signup};

async fn search_filters_and_pages(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let globex = store.create_tenant("globex", "Globex").await.unwrap();
    let start = now_ms();
    let mut ids = Vec::new();
    for (i, (email, fp)) in [
        ("j.doe@gmail.com", "fp-1"),
        ("bob@example.com", "fp-1"),
        ("carl@example.com", "fp-2"),
        ("dana@example.com", "fp-3"),
    ]
    .iter()
    .enumerate()
    {
        let (_, id) =
            ingest_at(&store, &acme.id, &signup(email, fp, &format!("p{i}")), start + i as i64).await;
        ids.push(id);
    }
    ingest_at(&store, &globex.id, &signup("j.doe@gmail.com", "fp-1", "g"), start).await;
    let acme_scope = Scope::Tenant(&acme.id);
    let find = |filter: EventFilter| {
        let store = store.clone();
        async move {
            store
                .search_events(acme_scope, &filter, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.id)
                .collect::<Vec<_>>()
        }
    };

    assert_eq!(find(EventFilter::default()).await, ids.iter().rev().cloned().collect::<Vec<_>>());
    // Another spelling of the same Gmail mailbox finds it; other tenants' events never show.
    assert_eq!(
        find(EventFilter { user: Some("JDoe+x@googlemail.com".into()), ..Default::default() }).await,
        vec![ids[0].clone()]
    );
    let visitor =
        store.search_events(acme_scope, &EventFilter::default(), 50).await.unwrap()[3].visitor_id.clone();
    assert_eq!(
        find(EventFilter { visitor_id: Some(visitor.clone()), ..Default::default() }).await,
        vec![ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(
        find(EventFilter { decision: Some("block".into()), ..Default::default() }).await,
        vec![ids[1].clone()]
    );
    assert_eq!(
        find(EventFilter {
            ip: Some("203.0.113.7".into()),
            event_type: Some("signup".into()),
            ..Default::default()
        })
        .await
        .len(),
        4
    );
    assert!(find(EventFilter { event_type: Some("LOGIN".into()), ..Default::default() }).await.is_empty());
    assert_eq!(
        find(EventFilter { since: Some(start + 2), until: Some(start + 3), ..Default::default() }).await,
        vec![ids[2].clone()]
    );

    // Pages of two, each after the last event of the one before.
    let first = store.search_events(acme_scope, &EventFilter::default(), 2).await.unwrap();
    let last = first.last().unwrap();
    let after = EventFilter { after: Some((last.created_at, last.id.clone())), ..Default::default() };
    let second: Vec<String> =
        store.search_events(acme_scope, &after, 2).await.unwrap().into_iter().map(|e| e.id).collect();
    assert_eq!(second, vec![ids[1].clone(), ids[0].clone()]);

    let bad = store
        .search_events(acme_scope, &EventFilter { decision: Some("MAYBE".into()), ..Default::default() }, 10)
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))));
    assert_eq!(store.search_events(Scope::AllTenants, &EventFilter::default(), 50).await.unwrap().len(), 5);

    let (users, ips) = store.device_links(&acme.id, &visitor).await.unwrap();
    let mut users: Vec<String> = users.into_iter().map(|u| u.user_key).collect();
    users.sort();
    assert_eq!(users, vec!["bob@example.com", "jdoe@gmail.com"]);
    assert_eq!((ips.len(), ips[0].ip.as_str(), ips[0].events), (1, "203.0.113.7", 2));
    assert!(store.device_links(&globex.id, &visitor).await.unwrap().0.is_empty());
}
on_both_backends!(TestDb::new => search_filters_and_pages);
