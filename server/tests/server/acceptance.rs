//! Seed 004's acceptance table, with default settings, over HTTP.

use serde_json::{json, Value};

use doorman_store::on_both_backends;

use crate::harness::{fired, TestApp};

/// What our collector sends from a person's browser in France: device token, fingerprint,
/// a wandering pointer and irregular typing, nine seconds on the form.
fn collector_signup(email: &str, device_token: &str, fingerprint: &str, ip: &str, payload_id: &str) -> Value {
    let path: Vec<Value> = (0..18)
        .map(|i| json!({ "x": 200 + i * 11 + (i * i) % 7, "y": 150 + ((i * 37) % 50), "t": 1000 + i * 55 + (i * 13) % 40 }))
        .collect();
    json!({
        "type": "SIGNUP",
        "email": email,
        "externalUserId": email,
        "ip": ip,
        "device": {
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "platform": "Win32", "timezone": "Europe/Paris", "language": "fr-FR", "languages": ["fr-FR", "fr"],
            "screen": { "width": 1920, "height": 1080, "pixelRatio": 1, "colorDepth": 24 },
            "hardwareConcurrency": 8, "deviceMemory": 8,
            "webglVendor": "Google Inc. (NVIDIA)", "webglRenderer": "ANGLE (NVIDIA GeForce RTX 3060)",
            "canvasHash": format!("canvas-{fingerprint}"), "fingerprint": fingerprint, "deviceToken": device_token,
            "payloadId": payload_id, "collectorVersion": "0.1.0",
            "automation": { "webdriver": false, "markers": [], "tampered": [] }
        },
        "behavior": {
            "formStartedAt": 1_700_000_000_000i64, "formSubmittedAt": 1_700_000_009_000i64,
            "mousePath": path, "keystrokeCount": 24,
            "keyIntervals": [130, 95, 210, 180, 88, 140, 300, 110, 160, 90, 240],
            "pasteCount": 0, "focusChanges": 2
        }
    })
}

const HOME_IP: &str = "81.20.30.40";
const HOSTING_IP: &str = "198.51.100.20";

async fn seed_004_acceptance_table(app: TestApp) {
    // Normal signup: allowed.
    let (_, normal) =
        app.ingest(&collector_signup("ada@example.com", &"a".repeat(32), "fp-ada", HOME_IP, "p1")).await;
    assert_eq!(normal["decision"], "ALLOW", "{normal}");
    assert_eq!(normal["riskScore"], 0, "{normal}");

    // Same device, new email: blocked.
    let (_, again) =
        app.ingest(&collector_signup("ada.new@example.org", &"a".repeat(32), "fp-ada", HOME_IP, "p2")).await;
    assert_eq!(again["decision"], "BLOCK", "{again}");
    assert!(fired(&again).contains(&"DEVICE_REUSED".to_string()));

    // Incognito on another person's device (nothing stored, a fresh token): still allowed.
    let (_, incognito) =
        app.ingest(&collector_signup("bea@example.com", &"b".repeat(32), "fp-bea", "81.9.9.9", "p3")).await;
    assert_eq!(incognito["decision"], "ALLOW", "{incognito}");

    // The same device coming back in incognito (fresh token, same fingerprint) is still it.
    let (_, back) =
        app.ingest(&collector_signup("bea2@example.com", &"c".repeat(32), "fp-bea", "81.9.9.9", "p4")).await;
    assert_eq!(back["visitorId"], incognito["visitorId"]);
    assert_eq!(back["decision"], "BLOCK", "{back}");

    // VPN + incognito + rapid attempts: every attempt a fresh token and fingerprint, all from
    // a hosting network whose country does not use the browser's time zone.
    let mut last = Value::Null;
    for i in 0..6 {
        let attempt = collector_signup(
            &format!("farm{i}@example.net"),
            &format!("{i:032}"),
            &format!("fp-farm-{i}"),
            HOSTING_IP,
            &format!("pf{i}"),
        );
        last = app.ingest(&attempt).await.1;
        if i == 0 {
            assert_eq!(fired(&last), vec!["HIGH_RISK_ASN", "TIMEZONE_MISMATCH"], "{last}");
        }
    }
    assert!(["CHALLENGE", "BLOCK"].contains(&last["decision"].as_str().unwrap()), "{last}");
    assert!(fired(&last).contains(&"SIGNUP_VELOCITY_IP".to_string()), "{last}");

    // Automated browser: blocked.
    let mut bot = collector_signup("bot@example.com", &"d".repeat(32), "fp-bot", "81.7.7.7", "p5");
    bot["device"]["automation"]["webdriver"] = json!(true);
    bot["device"]["userAgent"] =
        json!("Mozilla/5.0 (Windows NT 10.0; Win64; x64) HeadlessChrome/131.0.0.0 Safari/537.36");
    let (_, bot) = app.ingest(&bot).await;
    assert_eq!(bot["decision"], "BLOCK", "{bot}");
    assert!(fired(&bot).contains(&"BOT_DETECTED".to_string()));

    // Anti-detect browser: its user agent getter is not the browser's own, and the user agent
    // claims a Mac on a Windows platform.
    let mut liar = collector_signup("liar@example.com", &"e".repeat(32), "fp-liar", "81.6.6.6", "p6");
    liar["device"]["automation"]["tampered"] = json!(["navigator.userAgent"]);
    liar["device"]["userAgent"] = json!(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36"
    );
    let (_, liar) = app.ingest(&liar).await;
    assert_eq!(liar["decision"], "BLOCK", "{liar}");
    assert!(fired(&liar).contains(&"BROWSER_TAMPERING".to_string()));
}

async fn an_alias_of_an_existing_mailbox_is_flagged(app: TestApp) {
    app.ingest(&collector_signup("jane.doe@gmail.com", &"a".repeat(32), "fp-1", HOME_IP, "p1")).await;
    // The same account signing up again is not an alias of itself.
    let (_, same) =
        app.ingest(&collector_signup("jane.doe@gmail.com", &"a".repeat(32), "fp-1", HOME_IP, "p2")).await;
    assert_eq!(fired(&same), Vec::<String>::new(), "{same}");
    let (_, alias) = app
        .ingest(&collector_signup("Jane.Doe+2@googlemail.com", &"b".repeat(32), "fp-2", "81.1.1.1", "p3"))
        .await;
    assert_eq!(fired(&alias), vec!["EMAIL_ALIAS_REUSED"], "{alias}");
}

async fn a_replayed_collector_payload_is_blocked(app: TestApp) {
    let event = collector_signup("ada@example.com", &"a".repeat(32), "fp-ada", HOME_IP, "same-payload");
    assert_eq!(app.ingest(&event).await.1["decision"], "ALLOW");
    let (_, replay) = app.ingest(&event).await;
    assert!(fired(&replay).contains(&"REPLAYED_PAYLOAD".to_string()), "{replay}");
    assert_eq!(replay["decision"], "BLOCK");
}

on_both_backends!(TestApp::on =>
    seed_004_acceptance_table,
    an_alias_of_an_existing_mailbox_is_flagged,
    a_replayed_collector_payload_is_blocked,
);
