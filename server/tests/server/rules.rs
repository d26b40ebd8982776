//! Rule tuning from the dashboard: a client admin's overrides, the super admin's global
//! settings, and the preview of an edit on the tenant's stored events.

use serde_json::{json, Value};

use crate::harness::{fired, seed_003_signup, TestApp};
use crate::operators::root_and_acme_ops;

fn edit(value: Value) -> String {
    value.to_string()
}

#[tokio::test]
async fn a_tuned_rule_scores_the_next_event_and_the_preview_shows_what_would_change() {
    let app = TestApp::start().await;
    let (root, ops) = root_and_acme_ops(&app).await;
    // Stored traffic: ada allowed, then a second account on her device blocked.
    app.ingest(&seed_003_signup("ada@example.com", "fp-shared")).await;
    let (_, bob) = app.ingest(&seed_003_signup("bob@example.org", "fp-shared")).await;
    assert_eq!(bob["decision"], "BLOCK");

    let (status, body) = ops.call("rule-settings", &[]).await;
    assert_eq!(status, 200, "{body}");
    let view: Value = serde_json::from_str(&body).unwrap();
    let rule = view["rules"].as_array().unwrap().iter().find(|r| r["code"] == "DISPOSABLE_EMAIL").unwrap();
    assert_eq!((rule["base_weight"].as_i64(), rule["weight"].as_i64()), (Some(30), None));
    let setting = view["settings"].as_array().unwrap().iter().find(|s| s["name"] == "allowMax").unwrap();
    assert_eq!(setting["base"], 79);

    // The preview of turning device-reuse rules off: bob's block would become an allow.
    let off = edit(
        json!({"rules": {"DEVICE_REUSED": {"enabled": false}, "ACCOUNTS_PER_DEVICE": {"enabled": false}}}),
    );
    let (status, body) = ops.call("preview-rule-settings", &[("edit", &off), ("count", "100")]).await;
    assert_eq!(status, 200, "{body}");
    let preview: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(preview["scored"], 2);
    assert_eq!(preview["before"], json!({"allow": 1, "challenge": 0, "block": 1}));
    assert_eq!(preview["after"], json!({"allow": 2, "challenge": 0, "block": 0}));
    assert_eq!(preview["changed"][0]["id"], bob["eventId"]);
    assert_eq!(preview["changed"][0]["after_score"], 0);
    // A preview saves nothing.
    let (_, again) = app.ingest(&seed_003_signup("carol@example.org", "fp-shared")).await;
    assert_eq!(again["decision"], "BLOCK");

    // Saved, a heavier DISPOSABLE_EMAIL blocks the next disposable signup on its own.
    let heavy = edit(json!({"values": {"allowMax": 50}, "rules": {"DISPOSABLE_EMAIL": {"weight": 200}}}));
    let (status, body) = ops.call("save-rule-settings", &[("edit", &heavy)]).await;
    assert_eq!(status, 200, "{body}");
    let (_, scored) = app.ingest(&seed_003_signup("x@mailinator.com", "fp-x")).await;
    assert_eq!(fired(&scored), vec!["DISPOSABLE_EMAIL"], "{scored}");
    assert_eq!((scored["riskScore"].as_i64(), scored["decision"].as_str()), (Some(200), Some("BLOCK")));

    for bad in [
        edit(json!({"values": {"allowMax": 500}})),
        edit(json!({"values": {"noSuchLimit": 1}})),
        edit(json!({"values": {"eventsPerIpPer5Minutes": 0}})),
        edit(json!({"rules": {"NOT_A_RULE": {"weight": 1}}})),
        "not json".to_string(),
    ] {
        assert_eq!(ops.call("save-rule-settings", &[("edit", &bad)]).await.0, 422, "{bad}");
    }
    assert_eq!(ops.call("save-global-rule-settings", &[("edit", &heavy)]).await.0, 403);

    // The super admin's global change is the base the tenant sees and follows.
    let (status, body) = root
        .call("save-global-rule-settings", &[("edit", &edit(json!({"values": {"smsPerDevicePerDay": 3}})))])
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = ops.call("rule-settings", &[]).await;
    let view: Value = serde_json::from_str(&body).unwrap();
    let sms =
        view["settings"].as_array().unwrap().iter().find(|s| s["name"] == "smsPerDevicePerDay").unwrap();
    assert_eq!((sms["base"].as_i64(), sms["value"].as_i64()), (Some(3), None));
    let (_, body) = root.call("global-rule-settings", &[]).await;
    let global: Value = serde_json::from_str(&body).unwrap();
    let sms =
        global["settings"].as_array().unwrap().iter().find(|s| s["name"] == "smsPerDevicePerDay").unwrap();
    assert_eq!((sms["base"].as_i64(), sms["value"].as_i64()), (Some(5), Some(3)));
    assert_eq!(root.call("rule-settings", &[]).await.0, 403);

    let (_, audit) = root.call("audit-log", &[]).await;
    assert!(audit.matches("rules.set").count() >= 2, "{audit}");
}

#[tokio::test]
async fn a_rule_tried_in_shadow_is_counted_not_scored_until_promoted() {
    let app = TestApp::start().await;
    let (_, ops) = root_and_acme_ops(&app).await;
    let trial =
        edit(json!({"rules": {"DISPOSABLE_EMAIL": {"weight": 200, "enabled": true, "shadow": true}}}));
    let (status, body) = ops.call("save-rule-settings", &[("edit", &trial)]).await;
    assert_eq!(status, 200, "{body}");

    // It fires and says what it would have done, and the score does not move.
    let (_, scored) = app.ingest(&seed_003_signup("x@mailinator.com", "fp-x")).await;
    let check = scored["allChecks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "DISPOSABLE_EMAIL")
        .unwrap()
        .clone();
    assert_eq!(check["status"], "SHADOW", "{scored}");
    assert!(
        check["detail"].as_str().unwrap().contains("would have decided BLOCK instead of ALLOW"),
        "{check}"
    );
    assert_eq!(
        (scored["riskScore"].as_i64(), scored["decision"].as_str()),
        (Some(0), Some("ALLOW")),
        "{scored}"
    );
    assert!(fired(&scored).is_empty());
    app.ingest(&seed_003_signup("y@mailinator.com", "fp-y")).await;
    app.ingest(&seed_003_signup("z@example.org", "fp-z")).await;

    // The rules page counts it.
    let (_, body) = ops.call("rule-settings", &[]).await;
    let view: Value = serde_json::from_str(&body).unwrap();
    let rule =
        view["rules"].as_array().unwrap().iter().find(|r| r["code"] == "DISPOSABLE_EMAIL").unwrap().clone();
    assert_eq!(rule["mode"], "shadow", "{rule}");
    assert_eq!(rule["shadow"], json!({"fired_24h": 2, "fired_7d": 2, "changes_7d": [["ALLOW>BLOCK", 2]]}));
    // Stored with the event as it was answered.
    let stored = app.store.event(&app.tenant_id, scored["eventId"].as_str().unwrap()).await.unwrap().unwrap();
    assert!(stored
        .checks
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["code"] == "DISPOSABLE_EMAIL" && c["status"] == "SHADOW"));

    // Promoted in one action, it counts from the next event.
    let (status, body) = ops.call("promote-rule", &[("code", "DISPOSABLE_EMAIL")]).await;
    assert_eq!(status, 200, "{body}");
    let (_, scored) = app.ingest(&seed_003_signup("w@mailinator.com", "fp-w")).await;
    assert_eq!(fired(&scored), vec!["DISPOSABLE_EMAIL"], "{scored}");
    assert_eq!(scored["decision"], "BLOCK");
    assert_eq!(ops.call("promote-rule", &[("code", "NOT_A_RULE")]).await.0, 404);
    let (_, audit) = ops.call("audit-log", &[]).await;
    assert!(audit.contains("rules.promote"), "{audit}");
}

#[tokio::test]
async fn an_analyst_snoozes_a_rule_for_a_user_from_its_event() {
    let app = TestApp::start().await;
    let (_, ops) = root_and_acme_ops(&app).await;
    // 198.51.100.0/24 is a hosting network on the high-risk list in the harness's data.
    let mut event = seed_003_signup("qa@example.com", "fp-qa");
    event["ip"] = json!("198.51.100.20");
    let (_, first) = app.ingest(&event).await;
    assert!(fired(&first).contains(&"HIGH_RISK_ASN".to_string()), "{first}");
    let id = first["eventId"].as_str().unwrap();

    let form = [
        ("event_id", id),
        ("rule", "HIGH_RISK_ASN"),
        ("target", "user"),
        ("days", "7"),
        ("reason", "our QA on a cloud box"),
    ];
    let (status, body) = ops.call("snooze-rule", &form).await;
    assert_eq!(status, 200, "{body}");
    let (_, again) = app.ingest(&event).await;
    let check =
        again["allChecks"].as_array().unwrap().iter().find(|c| c["code"] == "HIGH_RISK_ASN").unwrap().clone();
    assert_eq!(check["status"], "SNOOZED", "{again}");
    assert!(check["detail"].as_str().unwrap().starts_with("snoozed until "));
    // Another user on the same network is not affected.
    let mut other = seed_003_signup("eve@example.com", "fp-eve");
    other["ip"] = json!("198.51.100.21");
    let (_, theirs) = app.ingest(&other).await;
    assert!(fired(&theirs).contains(&"HIGH_RISK_ASN".to_string()));

    let (_, list) = ops.call("snoozes", &[]).await;
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list[0]["value"], "qa@example.com");
    for bad in [("days", "365"), ("target", "email"), ("reason", " ")] {
        let mut form = form.to_vec();
        form.retain(|(k, _)| *k != bad.0);
        form.push(bad);
        assert_eq!(ops.call("snooze-rule", &form).await.0, 422, "{bad:?}");
    }
    let (status, _) = ops.call("end-snooze", &[("id", list[0]["id"].as_str().unwrap())]).await;
    assert_eq!(status, 200);
    let (_, after) = app.ingest(&event).await;
    assert!(fired(&after).contains(&"HIGH_RISK_ASN".to_string()), "{after}");
}
