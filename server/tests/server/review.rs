//! The review queue through `/api/v1/review`, and the live feed at `/live`: scoped to the
//! session's tenant, refused without a session or past its subscriber limit.

use std::time::Duration;

use doorman_engine::config::ConfigOverrides;
use doorman_store::admins::Role;
use serde_json::{json, Value};

use crate::dashboard::sign_in;
use crate::harness::{seed_003_signup, TestApp};

/// Every event that fires a rule is challenged: the queue fills with ordinary traffic.
async fn challenge_whatever_scores(app: &TestApp, tenant_id: &str) {
    let overrides = ConfigOverrides { allow_max: Some(0), monitor_max: Some(1000), ..Default::default() };
    app.store.set_tenant_overrides(tenant_id, &overrides).await.unwrap();
}

#[tokio::test]
async fn a_back_office_lists_the_queue_and_decides_items() {
    let app = TestApp::start().await;
    challenge_whatever_scores(&app, &app.tenant_id).await;
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, globex_key) = app.store.create_api_key(&globex.id, "k").await.unwrap();
    let mut challenged = Vec::new();
    for n in 0..3 {
        let (status, body) =
            app.ingest(&seed_003_signup(&format!("u{n}@mailinator.com"), &format!("fp{n}"))).await;
        assert_eq!((status, body["decision"].as_str()), (200, Some("CHALLENGE")), "{body}");
        challenged.push(body["eventId"].as_str().unwrap().to_string());
    }
    let (_, allowed) = app.ingest(&seed_003_signup("jane@example.com", "fp9")).await;
    assert_eq!(allowed["decision"], "ALLOW", "{allowed}");

    let key = app.api_key.clone();
    let (status, page) = app.api(&key, reqwest::Method::GET, "/api/v1/review?limit=2", None).await;
    assert_eq!(status, 200, "{page}");
    let listed: Vec<&str> =
        page["items"].as_array().unwrap().iter().map(|i| i["eventId"].as_str().unwrap()).collect();
    assert_eq!(listed, [challenged[0].as_str(), challenged[1].as_str()], "oldest first");
    assert_eq!(page["counts"]["total"], 3);
    let cursor = page["nextCursor"].as_str().unwrap();
    let (_, rest) =
        app.api(&key, reqwest::Method::GET, &format!("/api/v1/review?limit=2&cursor={cursor}"), None).await;
    assert_eq!(rest["items"][0]["eventId"], challenged[2].as_str());
    assert!(rest["nextCursor"].is_null());
    let (_, by_rule) =
        app.api(&key, reqwest::Method::GET, "/api/v1/review?rule=DISPOSABLE_EMAIL", None).await;
    assert_eq!(by_rule["counts"]["total"], 3);

    let decide = |id: &str| format!("/api/v1/review/{id}");
    let (status, event) = app
        .api(
            &key,
            reqwest::Method::POST,
            &decide(&challenged[0]),
            Some(json!({"decision": "FRAUD", "comment": "farm of mailinator signups"})),
        )
        .await;
    assert_eq!(status, 200, "{event}");
    assert_eq!(event["label"], "FRAUD");
    let (status, again) = app
        .api(&key, reqwest::Method::POST, &decide(&challenged[0]), Some(json!({"decision": "LEGIT"})))
        .await;
    assert_eq!((status, again["error"]["code"].as_str()), (409, Some("conflict")), "{again}");
    let (status, not_queued) = app
        .api(
            &key,
            reqwest::Method::POST,
            &decide(allowed["eventId"].as_str().unwrap()),
            Some(json!({"decision": "LEGIT"})),
        )
        .await;
    assert_eq!(status, 409, "{not_queued}");
    let (status, bad) = app
        .api(&key, reqwest::Method::POST, &decide(&challenged[1]), Some(json!({"decision": "MAYBE"})))
        .await;
    assert_eq!(status, 422, "{bad}");
    let (status, _) = app.api(&key, reqwest::Method::GET, "/api/v1/review?limit=0", None).await;
    assert_eq!(status, 422);
    let (status, _) = app.api(&key, reqwest::Method::GET, "/api/v1/review?rule=x%25", None).await;
    assert_eq!(status, 422);

    // Another tenant neither sees nor decides Acme's items.
    let (_, theirs) = app.api(&globex_key, reqwest::Method::GET, "/api/v1/review", None).await;
    assert_eq!(theirs["counts"]["total"], 0, "{theirs}");
    let (status, _) = app
        .api(&globex_key, reqwest::Method::POST, &decide(&challenged[1]), Some(json!({"decision": "LEGIT"})))
        .await;
    assert_eq!(status, 404);

    let (_, left) = app.api(&key, reqwest::Method::GET, "/api/v1/review", None).await;
    assert_eq!(left["counts"]["total"], 2);
    let audit = app
        .store
        .audit_entries(doorman_store::audit::AuditScope::Tenant(&app.tenant_id), None, 10)
        .await
        .unwrap();
    assert!(audit.iter().any(|e| e.action == "review.decide" && e.target == challenged[0]), "{audit:?}");
}

/// A `/live` stream as a page holds it.
struct LivePage {
    response: reqwest::Response,
    buffer: String,
}

impl LivePage {
    async fn open(app: &TestApp, cookie: Option<&str>) -> Result<Self, (u16, Value)> {
        let mut req = app.http.get(app.url("/live"));
        if let Some(cookie) = cookie {
            req = req.header("cookie", cookie);
        }
        let response = req.send().await.unwrap();
        if response.status() != 200 {
            let status = response.status().as_u16();
            return Err((status, response.json().await.unwrap_or(Value::Null)));
        }
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Ok(Self { response, buffer: String::new() })
    }

    /// The updates that arrive within `wait`.
    async fn updates(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, self.response.chunk()).await {
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
        let mut updates = Vec::new();
        while let Some(end) = self.buffer.find("\n\n") {
            let message: String = self.buffer.drain(..end + 2).collect();
            for line in message.lines() {
                if let Some(data) = line.strip_prefix("data:") {
                    let batch: Vec<Value> = serde_json::from_str(data.trim()).unwrap();
                    updates.extend(batch);
                }
            }
        }
        updates
    }
}

fn scored(updates: &[Value]) -> Vec<String> {
    updates
        .iter()
        .filter(|u| u["kind"] == "event")
        .map(|u| {
            format!(
                "{}:{}",
                u["event"]["tenant_slug"].as_str().unwrap(),
                u["event"]["email"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn a_live_page_sees_its_own_tenants_events_only() {
    let app = TestApp::start().await;
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, globex_key) = app.store.create_api_key(&globex.id, "k").await.unwrap();
    for (email, role, tenant) in [
        ("ops@acme.test", Role::ClientAdmin, Some(app.tenant_id.as_str())),
        ("ops@globex.test", Role::ClientAdmin, Some(globex.id.as_str())),
        ("root@doorman.test", Role::SuperAdmin, None),
    ] {
        app.store.create_admin(email, "long-enough-pw", role, tenant).await.unwrap();
    }
    let acme_cookie = sign_in(&app, "ops@acme.test", "long-enough-pw").await.unwrap();
    let globex_cookie = sign_in(&app, "ops@globex.test", "long-enough-pw").await.unwrap();
    let root_cookie = sign_in(&app, "root@doorman.test", "long-enough-pw").await.unwrap();

    let (status, body) = LivePage::open(&app, None).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));

    let mut acme = LivePage::open(&app, Some(&acme_cookie)).await.unwrap();
    let mut globex_page = LivePage::open(&app, Some(&globex_cookie)).await.unwrap();
    let mut root = LivePage::open(&app, Some(&root_cookie)).await.unwrap();
    let (_, _) = app
        .ingest_raw(Some(&globex_key), serde_json::to_vec(&seed_003_signup("b@globex.test", "fp-b")).unwrap())
        .await;
    let (_, _) = app.ingest(&seed_003_signup("a@acme.test", "fp-a")).await;

    let wait = Duration::from_millis(700);
    assert_eq!(scored(&acme.updates(wait).await), ["acme:a@acme.test"]);
    assert_eq!(scored(&globex_page.updates(wait).await), ["globex:b@globex.test"]);
    assert_eq!(scored(&root.updates(wait).await), ["globex:b@globex.test", "acme:a@acme.test"]);

    // The harness allows four pages at once: the fifth is refused, not queued.
    let _fourth = LivePage::open(&app, Some(&acme_cookie)).await.unwrap();
    let (status, body) = LivePage::open(&app, Some(&acme_cookie)).await.err().unwrap();
    assert_eq!((status, body["error"]["code"].as_str()), (503, Some("unavailable")), "{body}");
    drop(root);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(LivePage::open(&app, Some(&acme_cookie)).await.is_ok(), "a page that left frees its place");
}

#[tokio::test]
async fn a_page_is_shown_or_told_of_every_update() {
    let app = TestApp::start().await;
    app.store
        .create_admin("ops@acme.test", "long-enough-pw", Role::ClientAdmin, Some(&app.tenant_id))
        .await
        .unwrap();
    let cookie = sign_in(&app, "ops@acme.test", "long-enough-pw").await.unwrap();
    let mut page = LivePage::open(&app, Some(&cookie)).await.unwrap();
    // The harness keeps 64 updates per page. Ingest answers every one of 300 events though
    // the page reads none of them meanwhile; what the socket's buffers did not hold is
    // dropped for the page and counted (`app::live`'s tests drop for certain).
    for n in 0..300 {
        let (status, _) = app.ingest(&seed_003_signup(&format!("u{n}@acme.test"), &format!("fp{n}"))).await;
        assert_eq!(status, 200);
    }
    let updates = page.updates(Duration::from_millis(1500)).await;
    let missed: u64 =
        updates.iter().filter(|u| u["kind"] == "missed").map(|u| u["count"].as_u64().unwrap()).sum();
    let events = scored(&updates);
    // Each message carries the newest events since the last, at most 50: the newest always
    // arrives, and an event neither shown nor counted as missed was older than 50 others
    // of the same message.
    assert_eq!(events.last().map(String::as_str), Some("acme:u299@acme.test"), "{} updates", updates.len());
    assert!(missed as usize + events.len() <= 300);
}
