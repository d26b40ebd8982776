//! Retention, erasure, export and backups.

use doorman_store::on_both_backends;
use doorman_store::retention::{Purged, DEFAULT_RETENTION_DAYS};
use doorman_store::testing::{Backend, TestDb};
use doorman_store::{now_ms, Store, StoreError};
use sqlx::Connection;

use crate::support::{ingest, ingest_at, signup};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

async fn event_count(store: &Store, tenant_id: &str) -> usize {
    store.recent_events(doorman_store::events::Scope::Tenant(tenant_id), 500).await.unwrap().len()
}

async fn retention_purges_expired_data_in_batches(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let globex = store.create_tenant("globex", "Globex").await.unwrap();
    let policy = store.retention_policy(&acme.id).await.unwrap();
    assert_eq!((policy.retention_days, policy.purged_events), (DEFAULT_RETENTION_DAYS, 0));

    // Client admins choose within the super admin's ceiling; lowering the ceiling lowers them.
    assert!(matches!(store.set_retention_days(&acme.id, 400).await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.set_retention_days(&acme.id, 0).await, Err(StoreError::Invalid(_))));
    store.set_retention_days(&acme.id, 300).await.unwrap();
    store.set_max_retention_days(&acme.id, 30).await.unwrap();
    assert_eq!(store.retention_policy(&acme.id).await.unwrap().retention_days, 30);
    assert!(matches!(store.set_max_retention_days("nope", 30).await, Err(StoreError::NotFound(_))));

    let now = now_ms();
    let old = now - 40 * DAY_MS;
    for i in 0..5 {
        ingest_at(&store, &acme.id, &signup(&format!("old{i}@example.com"), "fp-old", &format!("o{i}")), old)
            .await;
    }
    ingest_at(&store, &globex.id, &signup("old@example.com", "fp-old", "g1"), old).await;
    let fresh = ingest(&store, &acme.id, &signup("new@example.com", "fp-new", "n1")).await;

    // Batches of two: three rounds for five events, the last one not full.
    let mut total = Purged::default();
    let mut rounds = 0;
    loop {
        let purged = store.purge_expired_batch(&acme.id, now, 2).await.unwrap();
        total.add(purged);
        rounds += 1;
        if !purged.filled(2) {
            break;
        }
    }
    assert_eq!(rounds, 3);
    assert_eq!(total, Purged { events: 5, device_links: 5, visitors: 1 });
    assert_eq!(event_count(&store, &acme.id).await, 1);
    assert_eq!(event_count(&store, &globex.id).await, 1, "another tenant's retention is its own");
    let policy = store.retention_policy(&acme.id).await.unwrap();
    assert_eq!((policy.purged_events, policy.last_purge_at), (5, Some(now)));

    // The old device is forgotten: its fingerprint now starts a new visitor with no history.
    let again = ingest(&store, &acme.id, &signup("back@example.com", "fp-old", "o9")).await;
    assert!(again.visitor.is_new);
    assert_eq!(again.linkage.other_users_on_device, 0);
    let same = ingest(&store, &acme.id, &signup("new2@example.com", "fp-new", "n2")).await;
    assert_eq!(same.visitor.visitor_id, fresh.visitor.visitor_id);
}
on_both_backends!(TestDb::new => retention_purges_expired_data_in_batches);

async fn erasure_removes_a_user_and_keeps_counts_right(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let globex = store.create_tenant("globex", "Globex").await.unwrap();
    ingest(&store, &acme.id, &signup("ada@example.com", "fp-shared", "p1")).await;
    ingest(&store, &acme.id, &signup("ada@example.com", "fp-ada", "p2")).await;
    ingest(&store, &acme.id, &signup("bob@example.com", "fp-shared", "p3")).await;
    ingest(&store, &globex.id, &signup("ada@example.com", "fp-shared", "p4")).await;

    let export = store.export_user(&acme.id, "ada@example.com").await.unwrap().unwrap();
    assert_eq!((export.events.len(), export.devices.len(), export.truncated), (2, 2, false));
    assert!(export.events.iter().all(|e| e.email.as_deref() == Some("ada@example.com")));
    assert_eq!(export.events[0].device["fingerprint"], "fp-shared");
    assert!(store.export_user(&acme.id, "nobody@example.com").await.unwrap().is_none());
    assert!(matches!(store.export_user(&acme.id, "  ").await, Err(StoreError::Invalid(_))));

    // Ada's own device goes with her; the shared one stays for Bob.
    let erased = store.erase_user(&acme.id, "ada@example.com").await.unwrap();
    assert_eq!((erased.events, erased.device_links, erased.visitors), (2, 2, 1));
    assert!(store.export_user(&acme.id, "ada@example.com").await.unwrap().is_none());
    assert!(
        store.export_user(&globex.id, "ada@example.com").await.unwrap().is_some(),
        "other tenants keep theirs"
    );
    assert_eq!(store.erase_user(&acme.id, "ada@example.com").await.unwrap(), Default::default());

    // The rules now count Bob alone on the shared device and the IP.
    let carl = ingest(&store, &acme.id, &signup("carl@example.com", "fp-shared", "p5")).await;
    assert_eq!(carl.linkage.other_users_on_device, 1);
    assert_eq!(carl.linkage.other_signup_users_on_ip_30d, 1);
    assert_eq!(carl.linkage.signups_on_ip_1h, 1);
    let ada_again = ingest(&store, &acme.id, &signup("ada@example.com", "fp-ada", "p6")).await;
    assert!(ada_again.visitor.is_new, "no key of the erased device remains");
}
on_both_backends!(TestDb::new => erasure_removes_a_user_and_keeps_counts_right);

/// PostgreSQL's statistics of a table that grew are gathered again, once, and a table with
/// many deleted rows is vacuumed, as autovacuum would; SQLite has neither to keep.
async fn stale_planner_statistics_are_refreshed(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    for i in 0..60 {
        ingest(&store, &acme.id, &signup(&format!("u{i}@example.com"), &format!("fp-{i}"), &format!("p{i}")))
            .await;
    }
    if db.url.starts_with("sqlite") {
        assert_eq!(store.refresh_statistics().await.unwrap(), Default::default());
        return;
    }
    // Each connection reports its changes to PostgreSQL's statistics within about 10 s.
    let until_done = |table: &'static str, vacuum: bool| {
        let store = store.clone();
        async move {
            for _ in 0..100 {
                let done = store.refresh_statistics().await.unwrap();
                if (if vacuum { &done.vacuumed } else { &done.analysed }).iter().any(|t| t == table) {
                    return true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            false
        }
    };
    assert!(until_done("events", false).await, "events never analysed");
    assert!(!store.refresh_statistics().await.unwrap().analysed.contains(&"events".to_string()));
    // 56 of 60 events erased: more than autovacuum's 50 dead rows and a fifth of those left.
    for i in 0..56 {
        store.erase_user(&acme.id, &format!("u{i}@example.com")).await.unwrap();
    }
    assert!(until_done("events", true).await, "events never vacuumed");
    let mut admin = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let (analysed, vacuumed): (bool, bool) = sqlx::query_as(
        "SELECT last_analyze IS NOT NULL, last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'events'",
    )
    .fetch_one(&mut admin)
    .await
    .unwrap();
    assert!(analysed && vacuumed);
}

on_both_backends!(TestDb::new => stale_planner_statistics_are_refreshed);

#[tokio::test]
async fn a_sqlite_backup_restores_every_event() {
    let db = TestDb::new(Backend::Sqlite).await;
    let acme = db.store.create_tenant("acme", "Acme").await.unwrap();
    let mut ids = Vec::new();
    for i in 0..20 {
        let (_, id) = ingest_at(
            &db.store,
            &acme.id,
            &signup(&format!("u{i}@example.com"), "fp", &format!("p{i}")),
            now_ms(),
        )
        .await;
        ids.push(id);
    }
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    db.store.backup_to(&backup).await.unwrap();
    assert!(matches!(db.store.backup_to(&backup).await, Err(StoreError::Conflict(_))));

    let target = dir.path().join("restored.db");
    std::fs::write(&target, b"to be replaced").unwrap();
    let url = format!("sqlite:{}", target.display());
    doorman_store::backup::restore_sqlite(&backup, &url).await.unwrap();
    let restored = Store::connect(&url, 1).await.unwrap();
    restored.migrate().await.unwrap();
    let mut found: Vec<String> = restored
        .recent_events(doorman_store::events::Scope::Tenant(&acme.id), 500)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    found.sort();
    ids.sort();
    assert_eq!(found, ids);

    // Anything that is not a Doorman database is refused and changes nothing.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    assert!(doorman_store::backup::restore_sqlite(&junk, &url).await.is_err());
    assert!(doorman_store::backup::restore_sqlite(&backup, "postgres://localhost/x").await.is_err());
    assert_eq!(event_count(&restored, &acme.id).await, 20);
}

#[tokio::test]
async fn sqlite_copies_the_wal_into_the_database_file_in_the_background() {
    // The writer never checkpoints (that would stall ingest); a background task does.
    let db = TestDb::new(Backend::Sqlite).await;
    let path = db.url.strip_prefix("sqlite:").unwrap().to_string();
    let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let acme = db.store.create_tenant("acme", "Acme").await.unwrap();
    let before = size();
    for i in 0..200 {
        let req = signup(&format!("u{i}@example.com"), &format!("fp{i}"), &format!("p{i}"));
        ingest_at(&db.store, &acme.id, &req, now_ms()).await;
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while size() < before + 200 * 1024 {
        assert!(std::time::Instant::now() < deadline, "the events stayed in the WAL: {} bytes", size());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(event_count(&db.store, &acme.id).await, 200);
}

/// The checkpoint sequence in a WAL file's header, which SQLite counts up each time the WAL
/// starts over from its beginning.
fn wal_restarts(wal: &std::path::Path) -> Option<u32> {
    let header = std::fs::read(wal).ok()?;
    Some(u32::from_be_bytes(header.get(12..16)?.try_into().ok()?))
}

#[tokio::test]
async fn sqlite_starts_the_wal_over_while_events_keep_coming() {
    // Without a pause in the writes, no checkpoint of a reader's can copy the whole WAL.
    let db = TestDb::new(Backend::Sqlite).await;
    let wal = std::path::PathBuf::from(format!("{}-wal", db.url.strip_prefix("sqlite:").unwrap()));
    let acme = db.store.create_tenant("acme", "Acme").await.unwrap();
    let first = wal_restarts(&wal).expect("a WAL");
    let writing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let (store, tenant, writing) = (db.store.clone(), acme.id.clone(), writing.clone());
            tokio::spawn(async move {
                let mut written = 0;
                while writing.load(std::sync::atomic::Ordering::Relaxed) {
                    let req =
                        signup(&format!("u{w}-{written}@example.com"), &format!("fp{w}-{written}"), "p");
                    ingest_at(&store, &tenant, &req, now_ms()).await;
                    written += 1;
                }
                written
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while wal_restarts(&wal) == Some(first) {
        assert!(std::time::Instant::now() < deadline, "the WAL never started over");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    writing.store(false, std::sync::atomic::Ordering::Relaxed);
    let mut written = 0;
    for writer in writers {
        written += writer.await.unwrap();
    }
    // The event writer started the WAL over, at the first checkpoint after it passed 16 MB,
    // long before the 1 GB at which a checkpoint would wait for readers and the writer.
    let wal_size = std::fs::metadata(&wal).unwrap().len();
    assert!(wal_size < 256 << 20, "the WAL grew to {wal_size} bytes");
    let stored = db.store.recent_events(doorman_store::events::Scope::Tenant(&acme.id), 500).await.unwrap();
    assert_eq!(stored.len(), written.min(500));
}

#[tokio::test]
async fn postgres_backups_are_left_to_pg_dump() {
    let db = TestDb::new(Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let err = db.store.backup_to(&dir.path().join("b.db")).await.unwrap_err();
    assert!(err.to_string().contains("pg_dump"), "{err}");
}

/// When the server ends every connection (a restart, say), the next events, and the next
/// dashboard writes, run on new connections instead of failing. The reads every event makes
/// keep their connections between events untested; the pool tests its own before use.
#[tokio::test]
async fn postgres_survives_the_server_ending_its_connections() {
    let db = TestDb::new(Backend::Postgres).await;
    let acme = db.store.create_tenant("acme", "Acme").await.unwrap();
    let (_, secret) = db.store.create_api_key(&acme.id, "backend").await.unwrap();
    assert!(db.store.authenticate_api_key(&secret).await.unwrap().is_some());
    ingest(&db.store, &acme.id, &signup("a@example.com", "fp-a", "p-1")).await;

    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!ended.is_empty());

    let principal = db.store.authenticate_api_key(&secret).await.unwrap();
    assert_eq!(principal.map(|p| p.tenant_id), Some(acme.id.clone()));
    let prepared = ingest(&db.store, &acme.id, &signup("b@example.com", "fp-a", "p-2")).await;
    assert_eq!(prepared.linkage.other_users_on_device, 1);
    assert_eq!(event_count(&db.store, &acme.id).await, 2);
    db.store.create_api_key(&acme.id, "another").await.unwrap();
}
