//! Velocity through the API: the counts in `derivedSignals.velocity`, the device rules at
//! their default limits, and a tenant's own limits turning on the address rules, whose
//! counts are read only from then on.

use doorman_engine::config::{ConfigOverrides, RuleOverride};
use doorman_store::on_both_backends;
use serde_json::{json, Value};

use crate::harness::{seed_003_signup, TestApp};

fn check(body: &Value, code: &str) -> (String, String) {
    let c = body["allChecks"].as_array().unwrap().iter().find(|c| c["code"] == code).unwrap();
    (c["status"].as_str().unwrap().to_string(), c["detail"].as_str().unwrap().to_string())
}

async fn from(app: &TestApp, email: &str, fingerprint: &str, ip: &str) -> Value {
    let mut event = seed_003_signup(email, fingerprint);
    event["ip"] = json!(ip);
    let (status, body) = app.ingest(&event).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn a_device_hopping_addresses_and_a_busy_address_are_counted_and_caught(app: TestApp) {
    // One person's device seen from five addresses in France: the default limit.
    for n in 1..=5 {
        let body = from(&app, "hop@example.com", "fp-hop", &format!("81.0.0.{n}")).await;
        assert_eq!(body["derivedSignals"]["velocity"]["ipsPerVisitor"], json!({"5m": n, "1h": n, "24h": n}));
        assert_eq!(check(&body, "DEVICE_IP_VELOCITY").0, "PASS", "{body}");
    }
    // A sixth, behind a US hosting provider.
    let body = from(&app, "hop@example.com", "fp-hop", "198.51.100.30").await;
    let velocity = &body["derivedSignals"]["velocity"];
    assert_eq!(velocity["ipsPerVisitor"]["1h"], 6);
    assert_eq!(velocity["countriesPerVisitor"], json!({"5m": 2, "1h": 2, "24h": 2}));
    assert_eq!(velocity["usersPerVisitor"]["24h"], 1);
    // No rule of the tenant reads the counts by address or email domain: they are not read.
    assert!(velocity.get("visitorsPerIp").is_none() && velocity.get("eventsPerIp").is_none(), "{velocity}");
    assert!(velocity.get("visitorsPerEmailDomain").is_none(), "{velocity}");
    assert_eq!(
        check(&body, "DEVICE_IP_VELOCITY"),
        ("FIRED".into(), "6 IP addresses on this device in the last hour (limit 5)".into())
    );
    assert_eq!(check(&body, "DEVICE_COUNTRY_VELOCITY").0, "PASS", "two countries is the default limit");
    assert_eq!(check(&body, "IP_EVENT_VELOCITY").0, "DISABLED");

    // The tenant allows one country per device and three events per address in 5 minutes.
    // IP_DEVICE_VELOCITY is tried in shadow: its counts are read all the same.
    let on = RuleOverride { enabled: Some(true), ..Default::default() };
    let shadow = RuleOverride { enabled: Some(true), shadow: Some(true), ..Default::default() };
    let overrides = ConfigOverrides {
        countries_per_device_per_day: Some(1),
        events_per_ip_per_5_minutes: Some(3),
        rules: [("IP_EVENT_VELOCITY".to_string(), on), ("IP_DEVICE_VELOCITY".to_string(), shadow)].into(),
        ..Default::default()
    };
    app.store.set_tenant_overrides(&app.tenant_id, &overrides).await.unwrap();
    let body = from(&app, "hop@example.com", "fp-hop", "198.51.100.30").await;
    assert_eq!(
        check(&body, "DEVICE_COUNTRY_VELOCITY"),
        ("FIRED".into(), "2 countries on this device in 24 hours (limit 1)".into())
    );
    assert_eq!(check(&body, "IP_EVENT_VELOCITY").0, "PASS");
    assert_eq!(body["derivedSignals"]["velocity"]["eventsPerIp"], json!({"5m": 2, "1h": 2, "24h": 2}));
    assert!(body["derivedSignals"]["velocity"].get("visitorsPerEmailDomain").is_none());
    // Two more devices at that address, with the example.com domain: the fourth event in
    // five minutes is over the tenant's limit.
    from(&app, "ann@example.com", "fp-ann", "198.51.100.30").await;
    let body = from(&app, "bea@example.com", "fp-bea", "198.51.100.30").await;
    assert_eq!(
        check(&body, "IP_EVENT_VELOCITY"),
        ("FIRED".into(), "4 events from this IP in 5 minutes (limit 3)".into())
    );
    assert_eq!(
        check(&body, "IP_DEVICE_VELOCITY"),
        ("PASS".into(), "3 devices from this IP in the last hour (limit 20)".into())
    );
    assert_eq!(body["derivedSignals"]["velocity"]["visitorsPerIp"]["1h"], 3);
    assert!(body["triggeredRules"].as_array().unwrap().iter().any(|r| r["code"] == "IP_EVENT_VELOCITY"));

    // Another tenant's events are not counted.
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    app.store.set_tenant_overrides(&other.id, &overrides).await.unwrap();
    let (_, other_key) = app.store.create_api_key(&other.id, "k").await.unwrap();
    let mut event = seed_003_signup("hop@example.com", "fp-hop");
    event["ip"] = json!("198.51.100.30");
    let (_, body) = app.api(&other_key, reqwest::Method::POST, "/api/v1/events/ingest", Some(event)).await;
    assert_eq!(body["derivedSignals"]["velocity"]["eventsPerIp"]["24h"], 1, "{body}");
}

on_both_backends!(TestApp::on => a_device_hopping_addresses_and_a_busy_address_are_counted_and_caught);
