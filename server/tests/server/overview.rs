//! The client admin's overview: decisions over time, top rules, score spread, and rule
//! precision from feedback labels.

use doorman_store::on_both_backends;
use serde_json::{json, Value};

use crate::harness::{seed_003_signup, TestApp};

/// Two allowed signups and one blocked (a second account on ada's device); the blocked one
/// labeled FRAUD and ada's LEGIT. Gives the blocked event's id.
async fn traffic(app: &TestApp) -> String {
    let (_, ada) = app.ingest(&seed_003_signup("ada@example.com", "fp-shared")).await;
    let mut carl = seed_003_signup("carl@example.com", "fp-carl");
    carl["device"]["screen"]["width"] = json!(1366);
    app.ingest(&carl).await;
    let (_, bob) = app.ingest(&seed_003_signup("bob@example.org", "fp-shared")).await;
    assert_eq!(bob["decision"], "BLOCK");
    let label = |id: Value, label: &str| {
        let request = app
            .http
            .post(app.url(&format!("/api/v1/events/{}/feedback", id.as_str().unwrap())))
            .header("x-api-key", &app.api_key)
            .json(&json!({ "label": label }));
        async move { assert_eq!(request.send().await.unwrap().status().as_u16(), 200) }
    };
    label(bob["eventId"].clone(), "FRAUD").await;
    label(ada["eventId"].clone(), "LEGIT").await;
    bob["eventId"].as_str().unwrap().to_string()
}

async fn the_overview_counts_decisions_rules_scores_and_precision(app: TestApp) {
    traffic(&app).await;
    let hour = 3_600_000;
    let now = doorman_store::now_ms();
    let since = (now / hour - 23) * hour;
    let o = app.store.overview(&app.tenant_id, since, hour, 24).await.unwrap();
    assert_eq!((o.totals.allow, o.totals.challenge, o.totals.block), (2, 0, 1));
    assert_eq!(o.buckets.len(), 24);
    // This hour is the last bucket (or the one before, when the hour turned meanwhile).
    assert_eq!(o.buckets[22].total() + o.buckets[23].total(), 3);
    assert_eq!(o.top_rules, vec![("ACCOUNTS_PER_DEVICE".to_string(), 1), ("DEVICE_REUSED".to_string(), 1)]);
    assert_eq!(o.score_bands[0], 2);
    assert_eq!(o.score_bands[9], 1, "180 is in the 180–199 band: {:?}", o.score_bands);
    let device = o.precision.iter().find(|p| p.code == "DEVICE_REUSED").unwrap();
    assert_eq!((device.fraud, device.legit), (1, 0));
    // Before the events, nothing.
    let earlier = app.store.overview(&app.tenant_id, since - 48 * hour, hour, 24).await.unwrap();
    assert_eq!(earlier.totals.total(), 0);
}

on_both_backends!(TestApp::on => the_overview_counts_decisions_rules_scores_and_precision);

#[tokio::test]
async fn the_overview_is_the_client_admins_own() {
    let app = TestApp::start().await;
    traffic(&app).await;
    let (root, ops) = crate::operators::root_and_acme_ops(&app).await;
    let (status, body) = ops.call("overview", &[("period", "7d")]).await;
    assert_eq!(status, 200, "{body}");
    let o: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(o["totals"], json!({"allow": 2, "challenge": 0, "block": 1}));
    assert_eq!(o["buckets"].as_array().unwrap().len(), 28);
    assert_eq!(o["precision"][0]["fraud"], 1);
    assert_eq!(ops.call("overview", &[("period", "30d")]).await.0, 422);
    assert_eq!(root.call("overview", &[]).await.0, 403);

    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    app.store
        .create_admin(
            "ops@globex.test",
            "globex-admin-pass",
            doorman_store::admins::Role::ClientAdmin,
            Some(&globex.id),
        )
        .await
        .unwrap();
    let other = crate::operators::session(&app, "ops@globex.test", "globex-admin-pass").await;
    let (_, body) = other.call("overview", &[]).await;
    let o: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(o["totals"], json!({"allow": 0, "challenge": 0, "block": 0}));
    assert_eq!(o["precision"], json!([]));
}
