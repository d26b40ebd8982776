use serde_json::{json, Value};

use doorman_engine::score::Decision;
use doorman_store::api_keys::IngestDeadline;
use doorman_store::on_both_backends;

use crate::harness::{fired, seed_003_signup, Options, TestApp};

async fn a_seed_003_signup_is_scored_and_allowed(app: TestApp) {
    let (status, body) = app.ingest(&seed_003_signup("ada@example.com", "fp-ada")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["eventId"].as_str().unwrap().starts_with("evt_"));
    assert!(body["visitorId"].as_str().unwrap().starts_with("vis_"));
    assert_eq!(body["riskScore"], 0, "{body}");
    assert_eq!(body["riskBand"], "ALLOW");
    assert_eq!(body["decision"], "ALLOW");
    assert_eq!(body["triggeredRules"], json!([]));
    let checks = body["allChecks"].as_array().unwrap();
    for code in
        ["DEVICE_REUSED", "ACCOUNTS_PER_DEVICE", "DISPOSABLE_EMAIL", "FAST_COMPLETION", "BOT_DETECTED"]
    {
        let check = checks.iter().find(|c| c["code"] == code).unwrap_or_else(|| panic!("{code} missing"));
        assert_eq!(check["status"], "PASS", "{check}");
        assert!(check["label"].as_str().is_some_and(|l| !l.is_empty()));
    }
    for section in ["ip", "device", "behavior", "email", "linkage", "identification"] {
        assert!(body["derivedSignals"][section].is_object(), "derivedSignals.{section} missing: {body}");
    }
}

async fn the_same_device_with_a_new_email_is_blocked(app: TestApp) {
    let (_, first) = app.ingest(&seed_003_signup("ada@example.com", "fp-shared")).await;
    assert_eq!(first["decision"], "ALLOW");
    // The same person coming back on the same device is not another account.
    let (_, again) = app.ingest(&seed_003_signup("ada@example.com", "fp-shared")).await;
    assert_eq!(again["decision"], "ALLOW", "{again}");
    assert_eq!(fired(&again), Vec::<String>::new());

    let (status, second) = app.ingest(&seed_003_signup("bob@example.org", "fp-shared")).await;
    assert_eq!(status, 200);
    assert_eq!(second["visitorId"], first["visitorId"]);
    assert_eq!(second["decision"], "BLOCK", "{second}");
    let rules = fired(&second);
    assert!(
        rules.contains(&"DEVICE_REUSED".to_string()) && rules.contains(&"ACCOUNTS_PER_DEVICE".to_string()),
        "{rules:?}"
    );
    assert_eq!(second["derivedSignals"]["linkage"]["otherUsersOnDevice"], 1);
    assert_eq!(second["derivedSignals"]["identification"]["method"], "fingerprint");
}

async fn devices_are_not_linked_across_tenants(app: TestApp) {
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, other_key) = app.store.create_api_key(&other.id, "k").await.unwrap();
    let (_, first) = app.ingest(&seed_003_signup("ada@example.com", "fp-shared")).await;
    let body = serde_json::to_vec(&seed_003_signup("bob@example.org", "fp-shared")).unwrap();
    let (status, second) = app.ingest_raw(Some(&other_key), body).await;
    assert_eq!(status, 200);
    assert_eq!(second["decision"], "ALLOW", "{second}");
    assert_ne!(second["visitorId"], first["visitorId"]);
}

async fn disposable_email_fast_form_and_webdriver_fire(app: TestApp) {
    let mut event = seed_003_signup("temp@mailinator.com", "fp-1");
    let (_, body) = app.ingest(&event).await;
    assert_eq!(fired(&body), vec!["DISPOSABLE_EMAIL"], "{body}");

    event["email"] = json!("quick@example.com");
    event["externalUserId"] = json!("quick@example.com");
    event["device"]["clientFingerprint"] = json!("fp-2");
    event["behavior"]["formSubmittedAt"] = json!(1_700_000_001_200i64);
    let (_, body) = app.ingest(&event).await;
    assert!(fired(&body).contains(&"FAST_COMPLETION".to_string()), "{body}");

    event["email"] = json!("robot@example.com");
    event["externalUserId"] = json!("robot@example.com");
    event["device"]["clientFingerprint"] = json!("fp-3");
    event["behavior"]["formSubmittedAt"] = json!(1_700_000_009_000i64);
    event["device"]["userAgent"] = json!("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36");
    let (_, body) = app.ingest(&event).await;
    assert!(fired(&body).contains(&"BOT_DETECTED".to_string()), "{body}");
    assert_eq!(body["decision"], "BLOCK");

    event["email"] = json!("driven@example.com");
    event["externalUserId"] = json!("driven@example.com");
    event["device"]["clientFingerprint"] = json!("fp-4");
    event["device"]["userAgent"] = json!("Mozilla/5.0 Chrome/131.0.0.0");
    event["device"]["automation"] = json!({ "webdriver": true });
    let (_, body) = app.ingest(&event).await;
    assert!(fired(&body).contains(&"BOT_DETECTED".to_string()), "{body}");
}

async fn a_missing_unknown_or_revoked_key_is_401(app: TestApp) {
    let body = serde_json::to_vec(&seed_003_signup("a@example.com", "fp")).unwrap();
    let (status, err) = app.ingest_raw(None, body.clone()).await;
    assert_eq!(status, 401);
    assert_eq!(err["error"]["code"], "unauthorized");
    let (status, _) =
        app.ingest_raw(Some("dm_live_000000000000000000000000000000000000000000000000"), body.clone()).await;
    assert_eq!(status, 401);
    let (status, _) = app.ingest_raw(Some("not-even-a-key"), body.clone()).await;
    assert_eq!(status, 401);

    let key_id = app.store.list_api_keys(&app.tenant_id).await.unwrap()[0].id.clone();
    assert_eq!(app.ingest_raw(Some(&app.api_key), body.clone()).await.0, 200);
    app.store.revoke_api_key(&app.tenant_id, &key_id).await.unwrap();
    let (status, err) = app.ingest_raw(Some(&app.api_key), body).await;
    assert_eq!(status, 401, "{err}");
    assert_eq!(err["error"]["message"], "invalid or revoked API key");
    // The key's error comes first, whatever the body.
    assert_eq!(app.ingest_raw(Some(&app.api_key), "{\"type\": ").await.0, 401);
}

#[tokio::test]
async fn bad_bodies_get_clear_json_errors() {
    let app = TestApp::start_with(Options { max_body_bytes: 4096, ..Options::default() }).await;
    let key = Some(app.api_key.as_str());

    let (status, err) = app.ingest_raw(key, "{\"type\": \"SIGNUP\",").await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "invalid_json");

    let mut wrong = seed_003_signup("a@example.com", "fp");
    wrong["device"]["hardwareConcurrency"] = json!("eight");
    let (status, err) = app.ingest(&wrong).await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["code"], "invalid_field");
    assert_eq!(err["error"]["field"], "device.hardwareConcurrency");

    let (status, err) = app.ingest(&json!({ "type": "SIGNIN" })).await;
    assert_eq!(status, 422, "{err}");
    let (status, _) = app.ingest(&json!({ "email": "a@example.com" })).await;
    assert_eq!(status, 422);

    let mut bad_ip = seed_003_signup("a@example.com", "fp");
    bad_ip["ip"] = json!("999.1.1.1");
    let (status, err) = app.ingest(&bad_ip).await;
    assert_eq!(status, 422);
    assert_eq!(err["error"]["field"], "ip");

    let mut many_points = seed_003_signup("a@example.com", "fp");
    many_points["behavior"]["mousePath"] = json!(vec![json!({"x": 1, "y": 1, "t": 1}); 301]);
    let big = TestApp::start().await;
    let (status, err) = big.ingest(&many_points).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["field"], "behavior.mousePath");

    let mut long_trace = seed_003_signup("a@example.com", "fp");
    long_trace["behavior"]["input"] = json!({ "keyHolds": vec![90.5; 65] });
    let (status, err) = big.ingest(&long_trace).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("invalid_field")), "{err}");
    assert_eq!(err["error"]["field"], "behavior.input.keyHolds");

    let mut deep = seed_003_signup("a@example.com", "fp");
    deep["extra"] = serde_json::from_str(&format!("{}{}", "[".repeat(40), "]".repeat(40))).unwrap();
    let (status, err) = big.ingest(&deep).await;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("invalid_field")), "{err}");

    let (status, err) = app.ingest_raw(key, vec![b' '; 8192]).await;
    assert_eq!(status, 413);
    assert_eq!(err["error"]["code"], "payload_too_large");

    let res = app.http.get(app.url("/api/v1/nope")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "not_found");
    let res = app.http.get(app.url("/api/v1/events/ingest")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 405);
}

#[tokio::test]
async fn health_endpoints_answer() {
    let app = TestApp::start().await;
    assert_eq!(app.http.get(app.url("/healthz")).send().await.unwrap().status().as_u16(), 200);
    assert_eq!(app.http.get(app.url("/readyz")).send().await.unwrap().status().as_u16(), 200);
}

async fn events_are_scored_with_the_tenants_settings(app: TestApp) {
    use doorman_engine::config::{ConfigOverrides, RuleOverride};
    let overrides = ConfigOverrides {
        min_completion_ms: Some(10_000),
        rules: [(
            "DISPOSABLE_EMAIL".to_string(),
            RuleOverride { weight: None, enabled: Some(false), shadow: None },
        )]
        .into(),
        ..Default::default()
    };
    app.store.set_tenant_overrides(&app.tenant_id, &overrides).await.unwrap();
    let (_, body) = app.ingest(&seed_003_signup("temp@mailinator.com", "fp-1")).await;
    let check = |code: &str| {
        body["allChecks"].as_array().unwrap().iter().find(|c| c["code"] == code).unwrap().clone()
    };
    assert_eq!(check("DISPOSABLE_EMAIL")["status"], "DISABLED", "{body}");
    assert_eq!(check("FAST_COMPLETION")["status"], "FIRED");
    assert_eq!(check("FAST_COMPLETION")["detail"], "completed in 9.0 s (minimum 10.0 s)");
    assert_eq!(body["riskScore"], 40);
}

async fn hosting_networks_and_foreign_time_zones_are_flagged(app: TestApp) {
    // A French broadband user with a French time zone: nothing to see.
    let mut home = seed_003_signup("ada@example.com", "fp-home");
    home["ip"] = json!("81.2.3.4");
    let (_, body) = app.ingest(&home).await;
    assert_eq!(fired(&body), Vec::<String>::new(), "{body}");
    let ip = &body["derivedSignals"]["ip"];
    assert_eq!((ip["country"].as_str(), ip["asn"].as_u64()), (Some("FR"), Some(3215)));
    assert_eq!(ip["timezoneMatchesCountry"], true);

    // The same time zone behind a US hosting provider.
    let mut vpn = seed_003_signup("bob@example.com", "fp-vpn");
    vpn["ip"] = json!("198.51.100.20");
    let (_, body) = app.ingest(&vpn).await;
    assert_eq!(fired(&body), vec!["HIGH_RISK_ASN", "TIMEZONE_MISMATCH"], "{body}");
    assert_eq!(body["derivedSignals"]["ip"]["asOrganization"], "DigitalOcean, LLC");
    assert_eq!(body["decision"], "ALLOW");
}

on_both_backends!(TestApp::on =>
    a_seed_003_signup_is_scored_and_allowed,
    the_same_device_with_a_new_email_is_blocked,
    devices_are_not_linked_across_tenants,
    disposable_email_fast_form_and_webdriver_fire,
    a_missing_unknown_or_revoked_key_is_401,
    hosting_networks_and_foreign_time_zones_are_flagged,
    events_are_scored_with_the_tenants_settings,
    concurrent_events_are_all_stored,
);

#[tokio::test]
async fn a_key_over_its_rate_gets_429_with_retry_after() {
    let app = TestApp::start_with(Options { rate_limit: 1, rate_limit_burst: 3, ..Options::default() }).await;
    for i in 0..3 {
        let (status, body) = app.ingest(&seed_003_signup(&format!("u{i}@example.com"), "fp")).await;
        assert_eq!(status, 200, "{body}");
    }
    let response = app
        .http
        .post(app.url("/api/v1/events/ingest"))
        .header("x-api-key", &app.api_key)
        .json(&seed_003_signup("late@example.com", "fp"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");

    // Another key of the same tenant has its own budget.
    let (_, other_key) = app.store.create_api_key(&app.tenant_id, "second").await.unwrap();
    let body = serde_json::to_vec(&seed_003_signup("other@example.com", "fp")).unwrap();
    assert_eq!(app.ingest_raw(Some(&other_key), body).await.0, 200);
}

#[tokio::test]
async fn metrics_can_require_a_bearer_token() {
    let token = Some("a-long-metrics-token".to_string());
    let app = TestApp::start_with(Options { metrics_token: token, ..Options::default() }).await;
    let get = |auth: Option<&'static str>| {
        let req = app.http.get(app.url("/metrics"));
        match auth {
            Some(auth) => req.header("authorization", auth).send(),
            None => req.send(),
        }
    };
    for wrong in [None, Some("Bearer not-the-token"), Some("a-long-metrics-token")] {
        let res = get(wrong).await.unwrap();
        assert_eq!(res.status().as_u16(), 401, "{wrong:?}");
        assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "unauthorized");
    }
    let res = get(Some("Bearer a-long-metrics-token")).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().contains("doorman_decisions_total"));
}

#[tokio::test]
async fn metrics_count_decisions_rules_latency_and_rejections() {
    let app = TestApp::start().await;
    app.ingest(&seed_003_signup("ada@example.com", "fp-shared")).await;
    app.ingest(&seed_003_signup("bob@example.com", "fp-shared")).await;
    app.ingest_raw(Some("dm_live_wrong"), "{}").await;
    let response = app.http.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    for line in [
        "doorman_decisions_total{decision=\"ALLOW\"} 1",
        "doorman_decisions_total{decision=\"BLOCK\"} 1",
        "doorman_rule_fired_total{rule=\"DEVICE_REUSED\"} 1",
        "doorman_rule_fired_total{rule=\"BOT_DETECTED\"} 0",
        "doorman_ingest_rejected_total{reason=\"unauthorized\"} 1",
        "doorman_ingest_duration_seconds_count 3",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
    }
}

/// Many events at once are committed in batches, some of one device: every acknowledged one is
/// stored with its rows, and a later event sees the earlier ones.
async fn concurrent_events_are_all_stored(app: TestApp) {
    // About storing, not speed: on a busy machine 120 requests at once took PostgreSQL past
    // the default deadline, whose degraded answers name no event.
    let patient = IngestDeadline { deadline_ms: 30_000, fail_decision: Decision::Allow };
    app.store.set_ingest_deadline(&app.tenant_id, patient).await.unwrap();
    let app = std::sync::Arc::new(app);
    let mut sending = tokio::task::JoinSet::new();
    for n in 0..120 {
        let app = app.clone();
        sending.spawn(async move {
            let mut body = seed_003_signup(&format!("user{n}@example.com"), &format!("fp-{}", n % 30));
            body["device"]["screen"]["width"] = json!(1000 + n % 30);
            let (status, scored) = app.ingest(&body).await;
            assert_eq!(status, 200, "{scored}");
            scored["eventId"].as_str().unwrap_or_else(|| panic!("no event id: {scored}")).to_string()
        });
    }
    let mut ids = Vec::new();
    while let Some(id) = sending.join_next().await {
        ids.push(id.unwrap());
    }
    for id in &ids {
        assert!(
            app.store.event(&app.tenant_id, id).await.unwrap().is_some(),
            "{id} was acknowledged but not stored"
        );
    }
    // Each of the 30 devices now has four accounts: the next one on any of them is blocked.
    let mut body = seed_003_signup("late@example.com", "fp-7");
    body["device"]["screen"]["width"] = json!(1007);
    let (_, late) = app.ingest(&body).await;
    assert_eq!(late["decision"], "BLOCK", "{late}");
    assert!(late["derivedSignals"]["linkage"]["otherUsersOnDevice"].as_u64().unwrap() >= 3, "{late}");
}
