//! The ingest deadline: with the database stalled by a lock the test holds, the answer comes
//! at the deadline with the tenant's fail decision, marked degraded, and the event is stored
//! once the lock is gone.

use std::time::{Duration, Instant};

use doorman_engine::score::Decision;
use doorman_store::api_keys::IngestDeadline;
use doorman_store::on_both_backends;
use doorman_store::testing::Backend;
use serde_json::Value;
use sqlx::Connection;

use crate::harness::{seed_003_signup, TestApp};

/// A transaction that keeps ingest from writing (SQLite) or from reading and writing events
/// (PostgreSQL) until it ends.
enum Stall {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Stall {
    async fn begin(app: &TestApp) -> Self {
        if app.db.url.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.unwrap();
            Stall::Sqlite(conn)
        } else {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
            sqlx::query("LOCK TABLE events IN ACCESS EXCLUSIVE MODE").execute(&mut conn).await.unwrap();
            Stall::Postgres(conn)
        }
    }

    async fn end(self) {
        match self {
            Stall::Sqlite(mut conn) => sqlx::query("COMMIT").execute(&mut conn).await.map(drop).unwrap(),
            Stall::Postgres(mut conn) => sqlx::query("COMMIT").execute(&mut conn).await.map(drop).unwrap(),
        }
    }
}

async fn ingest_with_deadline(app: &TestApp, email: &str, deadline: Option<&str>) -> (u16, Value, Duration) {
    let mut req = app
        .http
        .post(app.url("/api/v1/events/ingest"))
        .header("x-api-key", &app.api_key)
        .json(&seed_003_signup(email, &format!("fp-{email}")));
    if let Some(ms) = deadline {
        req = req.header("x-doorman-deadline-ms", ms);
    }
    let began = Instant::now();
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null), began.elapsed())
}

async fn events_stored(app: &TestApp) -> i64 {
    let page = app
        .store
        .search_events(doorman_store::events::Scope::Tenant(&app.tenant_id), &Default::default(), 100)
        .await;
    page.unwrap().len() as i64
}

async fn metric(app: &TestApp, outcome: &str) -> u64 {
    let text = app.http.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    let line = format!("doorman_ingest_degraded_total{{outcome=\"{outcome}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(&line)).and_then(|n| n.parse().ok()).unwrap_or(0)
}

async fn a_stalled_database_is_answered_at_the_deadline(app: TestApp) {
    let policy = IngestDeadline { deadline_ms: 300, fail_decision: Decision::Challenge };
    app.store.set_ingest_deadline(&app.tenant_id, policy).await.unwrap();
    // The server reads the tenant's policy with the key, as long as it can.
    let (status, body, _) = ingest_with_deadline(&app, "first@example.com", None).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["degraded"].is_null());

    let stall = Stall::begin(&app).await;
    let (status, body, took) = ingest_with_deadline(&app, "stalled@example.com", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["decision"].as_str(), body["degraded"].as_bool()),
        (Some("CHALLENGE"), Some(true)),
        "{body}"
    );
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(2000),
        "answered after {took:?}"
    );
    // A request's own deadline wins over the tenant's.
    let (_, body, took) = ingest_with_deadline(&app, "hurried@example.com", Some("100")).await;
    assert_eq!(body["degraded"], true, "{body}");
    assert!(took < Duration::from_millis(280), "answered after {took:?}");
    let (status, body, _) = ingest_with_deadline(&app, "x@example.com", Some("soon")).await;
    assert_eq!((status, body["error"]["field"].as_str()), (422, Some("x-doorman-deadline-ms")), "{body}");
    assert_eq!(metric(&app, "answered").await, 2);

    // Once the lock is gone, both events are stored: late, not lost.
    stall.end().await;
    let mut stored = 0;
    for _ in 0..100 {
        stored = events_stored(&app).await;
        if stored == 3 && metric(&app, "stored_late").await == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(stored, 3);
    assert_eq!((metric(&app, "stored_late").await, metric(&app, "lost").await), (2, 0));
}
on_both_backends!(TestApp::on => a_stalled_database_is_answered_at_the_deadline);

#[tokio::test]
async fn a_tenant_may_not_block_by_default_or_wait_forever() {
    let app = TestApp::on(Backend::Sqlite).await;
    for bad in [
        IngestDeadline { deadline_ms: 10, fail_decision: Decision::Allow },
        IngestDeadline { deadline_ms: 60_000, fail_decision: Decision::Allow },
        IngestDeadline { deadline_ms: 800, fail_decision: Decision::Block },
    ] {
        assert!(app.store.set_ingest_deadline(&app.tenant_id, bad).await.is_err(), "{bad:?}");
    }
    assert_eq!(app.store.ingest_deadline(&app.tenant_id).await.unwrap(), IngestDeadline::default());
}
