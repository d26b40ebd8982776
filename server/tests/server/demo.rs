use serde_json::json;

use crate::harness::{seed_003_signup, Options, TestApp};

/// Posts to the demo backend what the demo page posts: seed 003's client payload.
async fn demo_signup(app: &TestApp, email: &str) -> (u16, serde_json::Value) {
    let signals = seed_003_signup(email, "fp-demo-browser");
    let res = app
        .http
        .post(app.url("/demo/api/signup"))
        .json(&json!({
            "email": email,
            "password": "hunter2-but-longer",
            "fraudSignals": { "device": signals["device"], "behavior": signals["behavior"] }
        }))
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

#[tokio::test]
async fn the_demo_backend_forwards_to_ingest_and_acts_on_the_decision() {
    let app = TestApp::start_with(Options { demo: true, ..Options::default() }).await;
    let (status, first) = demo_signup(&app, "ada@example.com").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["fraud"]["decision"], "ALLOW");
    assert_eq!(first["user"]["email"], "ada@example.com");

    let (status, second) = demo_signup(&app, "ada2@example.com").await;
    assert_eq!(status, 403, "{second}");
    assert_eq!(second["fraud"]["decision"], "BLOCK");

    // The events landed in the demo tenant, and the password never reached Doorman.
    let demo = app.store.tenant_by_slug("demo").await.unwrap().unwrap();
    let events = app.store.recent_events(doorman_store::events::Scope::Tenant(&demo.id), 10).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn the_demo_is_off_when_disabled() {
    let app = TestApp::start().await;
    let res = app.http.post(app.url("/demo/api/signup")).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
}
