//! End users' data over its life: export and erasure through the API, passwords never
//! stored, the retention purge, and backups taken while events keep arriving.

use std::sync::{Arc, Mutex};

use doorman_server::metrics::Metrics;
use doorman_store::audit::AuditScope;
use doorman_store::on_both_backends;
use doorman_store::testing::Backend;
use doorman_store::{now_ms, Store};
use serde_json::Value;

use crate::harness::{seed_003_signup, TestApp};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn signup(email: &str, fingerprint: &str) -> Value {
    let mut body = seed_003_signup(email, fingerprint);
    // As seed 003's snippet would forward a whole form: a password must never be kept.
    body["password"] = "hunter2-do-not-store".into();
    body["device"]["password"] = "hunter2-do-not-store".into();
    body
}

async fn call(app: &TestApp, method: reqwest::Method, path: &str, key: &str) -> (u16, Value) {
    let res = app.http.request(method, app.url(path)).header("x-api-key", key).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn export_and_erasure_through_the_api(app: TestApp) {
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, other_key) = app.store.create_api_key(&other.id, "k").await.unwrap();
    for (email, fp) in
        [("ada@example.com", "fp-shared"), ("ada@example.com", "fp-ada"), ("bob@example.com", "fp-shared")]
    {
        assert_eq!(app.ingest(&signup(email, fp)).await.0, 200);
    }

    let (status, export) =
        call(&app, reqwest::Method::GET, "/api/v1/users/ada@example.com/export", &app.api_key).await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(export["user"], "ada@example.com");
    assert_eq!(export["events"].as_array().unwrap().len(), 2);
    assert_eq!(export["devices"].as_array().unwrap().len(), 2);
    assert!(export["events"][0]["checks"].as_array().unwrap().len() > 5);
    assert!(!export.to_string().contains("hunter2"), "a password was stored: {export}");

    // Another tenant's key reaches nothing of this tenant's users.
    let (status, body) =
        call(&app, reqwest::Method::GET, "/api/v1/users/ada@example.com/export", &other_key).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
    let (status, body) =
        call(&app, reqwest::Method::DELETE, "/api/v1/users/ada@example.com", &other_key).await;
    assert_eq!((status, body["removed"]["events"].as_u64()), (200, Some(0)));

    let (status, body) =
        call(&app, reqwest::Method::DELETE, "/api/v1/users/ada@example.com", &app.api_key).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["removed"], serde_json::json!({ "events": 2, "deviceLinks": 2, "visitors": 1 }));
    let (status, _) =
        call(&app, reqwest::Method::GET, "/api/v1/users/ada@example.com/export", &app.api_key).await;
    assert_eq!(status, 404);
    let audit = app.store.audit_entries(AuditScope::Tenant(&app.tenant_id), None, 10).await.unwrap();
    assert_eq!(audit[0].action, "user.erase");
    assert_eq!(audit[0].target, doorman_store::erasure::erasure_reference(&app.tenant_id, "ada@example.com"));
    assert!(audit[0].detail.contains("2 events"), "{}", audit[0].detail);

    // Device reuse now counts Bob alone on the shared device.
    let (_, carl) = app.ingest(&signup("carl@example.com", "fp-shared")).await;
    assert_eq!(carl["derivedSignals"]["linkage"]["otherUsersOnDevice"], 1, "{carl}");

    let (status, body) = call(&app, reqwest::Method::DELETE, "/api/v1/users/%20", &app.api_key).await;
    assert_eq!((status, body["error"]["code"].as_str()), (422, Some("invalid_field")), "{body}");
    let res = app.http.delete(app.url("/api/v1/users/bob@example.com")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
}
on_both_backends!(TestApp::on => export_and_erasure_through_the_api);

/// Every (table, column) of the database whose text contains `needle`.
async fn columns_containing(app: &TestApp, needle: &str) -> Vec<String> {
    use sqlx::Connection;
    let pattern = format!("%{needle}%");
    let mut found = Vec::new();
    macro_rules! search {
        ($conn:expr, $columns:expr) => {{
            let columns: Vec<(String, String)> =
                sqlx::query_as($columns).fetch_all(&mut $conn).await.unwrap();
            assert!(columns.len() > 20, "too few columns read: {columns:?}");
            for (table, column) in columns {
                let sql =
                    format!("SELECT COUNT(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE $1");
                let mut n: i64 = sqlx::query_scalar(&sql).bind(&pattern).fetch_one(&mut $conn).await.unwrap();
                // Rows keep events' JSON packed: read it as the store does.
                if table == "events" && column.ends_with("_json") {
                    let sql = format!("SELECT \"{column}\" FROM events");
                    for value in sqlx::query_scalar::<_, Vec<u8>>(&sql).fetch_all(&mut $conn).await.unwrap() {
                        n += doorman_store::packed_json::column_text(value).unwrap().contains(needle) as i64;
                    }
                }
                if n > 0 {
                    found.push(format!("{table}.{column}"));
                }
            }
        }};
    }
    if app.db.url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
        search!(
            conn,
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
                       WHERE table_schema = current_schema()"
        );
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
        search!(
            conn,
            "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'"
        );
    }
    found
}

/// Erasure leaves the user nowhere: not in their events, devices or deliveries, not where
/// they referred someone (the referee's event and its checks), not in the audit log, which
/// records the erasure by an opaque reference.
async fn an_erased_user_is_in_no_table(app: TestApp) {
    let zoe = "zoe-7731";
    let mut own = signup("zoe@example.com", "fp-family");
    own["externalUserId"] = zoe.into();
    assert_eq!(app.ingest(&own).await.0, 200);
    let mut referral = signup("max@example.com", "fp-family");
    referral["type"] = "REFERRAL".into();
    referral["externalUserId"] = "max-1".into();
    referral["referrerUserId"] = zoe.into();
    let (_, referred) = app.ingest(&referral).await;
    assert!(referred["triggeredRules"].to_string().contains("SELF_REFERRAL"), "{referred}");
    assert!(!columns_containing(&app, zoe).await.is_empty(), "the search finds nothing at all");

    let (status, body) =
        call(&app, reqwest::Method::DELETE, &format!("/api/v1/users/{zoe}"), &app.api_key).await;
    assert_eq!(status, 200, "{body}");
    for needle in [zoe, "zoe@example.com"] {
        assert_eq!(columns_containing(&app, needle).await, Vec::<String>::new(), "{needle} is still stored");
    }
    // Max's referral stays, without its referrer.
    let (status, export) = call(&app, reqwest::Method::GET, "/api/v1/users/max-1/export", &app.api_key).await;
    assert_eq!(status, 200, "{export}");
    assert!(export["events"][0]["referrerUserId"].is_null(), "{export}");
    let audit = app.store.audit_entries(AuditScope::Tenant(&app.tenant_id), None, 10).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "user.erase" && e.target.starts_with("user#")), "{audit:?}");
}
on_both_backends!(TestApp::on => an_erased_user_is_in_no_table);

#[tokio::test]
async fn the_retention_purge_removes_expired_events_and_counts_them() {
    let app = TestApp::start().await;
    for i in 0..3 {
        app.ingest(&signup(&format!("u{i}@example.com"), "fp")).await;
    }
    app.store.set_retention_days(&app.tenant_id, 1).await.unwrap();
    let metrics = Metrics::default();
    let nothing = doorman_server::retention::purge_all(&app.store, &metrics, now_ms()).await.unwrap();
    assert_eq!(nothing.events, 0);
    let purged =
        doorman_server::retention::purge_all(&app.store, &metrics, now_ms() + 2 * DAY_MS).await.unwrap();
    assert_eq!((purged.events, purged.visitors), (3, 1));
    assert!(metrics.render().contains("doorman_retention_purged_total{kind=\"events\"} 3\n"));
    assert_eq!(app.store.retention_policy(&app.tenant_id).await.unwrap().purged_events, 3);
}

fn doorman(args: &[&str], database_url: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_doorman"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("DOORMAN_LOG", "warn")
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_every_acknowledged_event() {
    let app = Arc::new(TestApp::on(Backend::Sqlite).await);
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (app, acknowledged, stop) = (app.clone(), acknowledged.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, body) = app
                    .ingest(&seed_003_signup(&format!("w{w}-{i}@example.com"), &format!("fp{w}-{i}")))
                    .await;
                assert_eq!(status, 200, "{body}");
                acknowledged.lock().unwrap().push(body["eventId"].as_str().unwrap().to_string());
                i += 1;
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 40 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }

    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    let before: Vec<String> = acknowledged.lock().unwrap().clone();
    let (url, file) = (app.db.url.clone(), backup.to_str().unwrap().to_string());
    let out = tokio::task::spawn_blocking(move || doorman(&["backup", &file], &url)).await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let during = acknowledged.lock().unwrap().len();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(during > before.len(), "ingest went on while the backup ran");

    let restored_url = format!("sqlite:{}", dir.path().join("restored.db").display());
    let out = doorman(&["restore", backup.to_str().unwrap()], &restored_url);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let restored = Store::connect(&restored_url, 1).await.unwrap();
    let mut missing = Vec::new();
    for id in &before {
        if restored.event(&app.tenant_id, id).await.unwrap().is_none() {
            missing.push(id);
        }
    }
    assert!(missing.is_empty(), "acknowledged before the backup but missing from it: {missing:?}");
}

#[tokio::test]
async fn a_stored_event_can_be_read_back_by_its_own_tenant_only() {
    let app = TestApp::start().await;
    let (_, scored) = app.ingest(&signup("ada@example.com", "fp")).await;
    let id = scored["eventId"].as_str().unwrap();
    let (status, event) =
        call(&app, reqwest::Method::GET, &format!("/api/v1/events/{id}"), &app.api_key).await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(
        (event["eventId"].as_str(), event["decision"].as_str()),
        (Some(id), scored["decision"].as_str())
    );
    assert_eq!(event["checks"], scored["allChecks"]);
    // The row keeps no second copy of what its columns hold; it reads back as it was scored.
    for section in ["identification", "email", "ip", "device", "linkage", "velocity"] {
        assert_eq!(event["derivedSignals"][section], scored["derivedSignals"][section], "{section}");
    }

    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, other_key) = app.store.create_api_key(&other.id, "k").await.unwrap();
    let (status, body) = call(&app, reqwest::Method::GET, &format!("/api/v1/events/{id}"), &other_key).await;
    assert_eq!((status, body["error"]["code"].as_str()), (404, Some("not_found")));
}
