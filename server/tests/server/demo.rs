use serde_json::{json, Value};

use crate::harness::{seed_003_signup, Options, TestApp};

/// Posts `fields` to a demo backend route as the demo pages do, with the signals the
/// collector gives them (seed 003's client payload).
async fn demo_post(app: &TestApp, route: &str, mut fields: Value) -> (u16, Value) {
    let signals = seed_003_signup("x@example.com", "fp-demo-browser");
    fields["fraudSignals"] = json!({ "device": signals["device"], "behavior": signals["behavior"] });
    let res = app.http.post(app.url(&format!("/demo/api/{route}"))).json(&fields).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn demo_signup(app: &TestApp, email: &str) -> (u16, Value) {
    demo_post(app, "signup", json!({ "email": email, "password": "hunter2-but-longer" })).await
}

async fn demo_events(app: &TestApp) -> Vec<doorman_store::events::EventSummary> {
    let demo = app.store.tenant_by_slug("demo").await.unwrap().unwrap();
    app.store.recent_events(doorman_store::events::Scope::Tenant(&demo.id), 50).await.unwrap()
}

async fn outcome_of(app: &TestApp, event_id: &str) -> Option<String> {
    let demo = app.store.tenant_by_slug("demo").await.unwrap().unwrap();
    app.store.event(&demo.id, event_id).await.unwrap().unwrap().outcome
}

#[tokio::test]
async fn the_demo_login_reports_each_outcome_to_doorman() {
    let app = TestApp::start_with(Options { demo: true, ..Options::default() }).await;
    let (status, body) =
        demo_post(&app, "signup", json!({ "email": "ada@example.com", "password": "short" })).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(demo_signup(&app, "Ada@Example.com").await.0, 200);

    let login = |password: &'static str| json!({ "email": "ada@example.com", "password": password });
    let (status, ok) = demo_post(&app, "login", login("hunter2-but-longer")).await;
    assert_eq!(status, 200, "{ok}");
    assert_eq!(ok["user"]["email"], "ada@example.com");
    assert_eq!(ok["fraud"]["decision"], "ALLOW");
    let id = ok["fraud"]["eventId"].as_str().unwrap();
    assert_eq!(outcome_of(&app, id).await.as_deref(), Some("LOGIN_SUCCEEDED"));

    let (status, wrong) = demo_post(&app, "login", login("not-the-password")).await;
    assert_eq!((status, wrong["error"].as_str()), (401, Some("Wrong email or password")), "{wrong}");
    let id = wrong["fraud"]["eventId"].as_str().unwrap();
    assert_eq!(outcome_of(&app, id).await.as_deref(), Some("LOGIN_FAILED"));
    let (status, _) =
        demo_post(&app, "login", json!({ "email": "nobody@example.com", "password": "whatever-it-is" }))
            .await;
    assert_eq!(status, 401);
    let types: Vec<String> = demo_events(&app).await.into_iter().map(|e| e.event_type).collect();
    assert_eq!(types, ["LOGIN", "LOGIN", "LOGIN", "SIGNUP"]);
}

#[tokio::test]
async fn the_demo_sms_page_stops_the_sixth_code_for_one_device() {
    let app = TestApp::start_with(Options { demo: true, ..Options::default() }).await;
    for n in 1..=5 {
        let (status, body) = demo_post(&app, "sms", json!({ "phone": "+33 6 12 34 56 78" })).await;
        assert_eq!((status, body["sent"].as_bool()), (200, Some(true)), "code {n}: {body}");
    }
    let (status, sixth) = demo_post(&app, "sms", json!({ "phone": "+33 6 12 34 56 78" })).await;
    assert_eq!(status, 403, "{sixth}");
    assert_eq!(sixth["fraud"]["triggeredRules"][0]["code"], "SMS_VELOCITY_DEVICE");
    let (status, bad) = demo_post(&app, "sms", json!({ "phone": "12" })).await;
    assert_eq!((status, bad["error"]["code"].as_str()), (422, Some("invalid_field")), "{bad}");
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
    let events = demo_events(&app).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn the_demo_is_off_when_disabled() {
    let app = TestApp::start().await;
    let res = app.http.post(app.url("/demo/api/signup")).json(&json!({})).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
}
