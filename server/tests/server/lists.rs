//! A tenant's allow and block lists: managed by its client admins in the dashboard, and
//! deciding the events that match before their score does.

use doorman_engine::lists::{parse_entry, ListAction, ListKind};
use doorman_store::admins::Role;
use doorman_store::on_both_backends;
use serde_json::{json, Value};

use crate::harness::{fired, seed_003_signup, TestApp};
use crate::operators::{root_and_acme_ops, session};

async fn list(app: &TestApp, action: ListAction, kind: ListKind, value: &str) {
    let entry = parse_entry(kind, value).unwrap();
    app.store
        .add_list_entry(&app.tenant_id, action, &entry, "test", "test", None, doorman_store::now_ms())
        .await
        .unwrap();
}

fn signup(email: &str, ip: &str) -> Value {
    let mut body = seed_003_signup(email, &format!("fp-{email}"));
    body["ip"] = json!(ip);
    body
}

async fn lists_decide_events_before_their_score(app: TestApp) {
    list(&app, ListAction::Block, ListKind::Email, "Mallory+x@Example.com").await;
    list(&app, ListAction::Block, ListKind::EmailDomain, "evil.example").await;
    list(&app, ListAction::Block, ListKind::Cidr, "198.51.100.0/24").await;
    list(&app, ListAction::Allow, ListKind::Email, "qa@example.com").await;
    list(&app, ListAction::Allow, ListKind::Ip, "81.0.0.99").await;

    // A clean signup whose mailbox is blocked: its score stays 0, its decision is BLOCK.
    let (_, body) = app.ingest(&signup("mallory@example.com", "81.2.3.4")).await;
    assert_eq!((body["riskScore"].as_i64(), body["decision"].as_str()), (Some(0), Some("BLOCK")), "{body}");
    assert_eq!(body["riskBand"], "BLOCK");
    assert_eq!(
        body["listMatch"],
        json!({"action": "block", "kind": "email", "value": "mallory@example.com"})
    );
    assert_eq!(body["derivedSignals"]["listMatch"]["kind"], "email");

    // A subdomain of a blocked domain, and an address inside a blocked range.
    let (_, body) = app.ingest(&signup("a@eu.evil.example", "81.2.3.4")).await;
    assert_eq!(
        (body["decision"].as_str(), body["listMatch"]["value"].as_str()),
        (Some("BLOCK"), Some("evil.example"))
    );
    let (_, body) = app.ingest(&signup("b@example.org", "198.51.100.77")).await;
    assert_eq!(body["listMatch"]["value"], "198.51.100.0/24", "{body}");

    // The allowed tester passes although the device signs up a second account (a BLOCK by
    // score); a blocked range wins over the allowed tester.
    let mut tester = signup("qa@example.com", "81.2.3.4");
    tester["device"]["clientFingerprint"] = json!("fp-mallory@example.com");
    let (_, body) = app.ingest(&tester).await;
    assert!(body["riskScore"].as_i64().unwrap() >= 120, "{body}");
    assert!(fired(&body).contains(&"ACCOUNTS_PER_DEVICE".to_string()));
    assert_eq!(
        (body["decision"].as_str(), body["listMatch"]["action"].as_str()),
        (Some("ALLOW"), Some("allow"))
    );
    let (_, body) = app.ingest(&signup("qa@example.com", "198.51.100.5")).await;
    assert_eq!(
        (body["decision"].as_str(), body["listMatch"]["action"].as_str()),
        (Some("BLOCK"), Some("block"))
    );

    // An allowed address; and events that match nothing carry no listMatch.
    let (_, body) = app.ingest(&signup("c@example.org", "81.0.0.99")).await;
    assert_eq!(body["listMatch"]["kind"], "ip", "{body}");
    let (_, body) = app.ingest(&signup("d@example.org", "81.0.0.98")).await;
    assert!(body.get("listMatch").is_none(), "{body}");

    // Another tenant's lists do not apply.
    let other = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, other_key) = app.store.create_api_key(&other.id, "k").await.unwrap();
    let (_, body) = app
        .ingest_raw(Some(&other_key), serde_json::to_vec(&signup("mallory@example.com", "81.2.3.4")).unwrap())
        .await;
    assert_eq!(body["decision"], "ALLOW", "{body}");
}

on_both_backends!(TestApp::on => lists_decide_events_before_their_score);

#[tokio::test]
async fn client_admins_manage_their_own_lists_only() {
    let app = TestApp::start().await;
    let (root, ops) = root_and_acme_ops(&app).await;
    let add =
        |action, kind, value| [("action", action), ("kind", kind), ("value", value), ("note", "chargebacks")];

    let (status, body) = ops.call("add-list-entry", &add("block", "cidr", "203.0.113.9/24")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = ops.call("add-list-entry", &add("allow", "cidr", "203.0.113.0/24")).await;
    assert_eq!(status, 409, "one value is on one list: {body}");
    for (kind, value) in [("phone", "+33612345678"), ("email", "not-an-email"), ("ip", "1.2.3")] {
        let (status, body) = ops.call("add-list-entry", &add("block", kind, value)).await;
        assert_eq!(status, 422, "{kind} {value}: {body}");
    }
    let (status, _) = ops.call("add-list-entry", &add("maybe", "ip", "1.2.3.4")).await;
    assert_eq!(status, 422);
    ops.call("add-list-entry", &add("allow", "email", "qa@example.com")).await;

    let (status, body) = ops.call("list-entries", &[("action", "block")]).await;
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["entries"][0]["value"], "203.0.113.0/24");
    assert_eq!(page["entries"][0]["created_by"], "ops@acme.test");
    let (_, body) = ops.call("list-entries", &[("q", "qa@")]).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["entries"][0]["kind"], "email");

    // The next event from the range is blocked.
    let mut event = seed_003_signup("new@example.com", "fp-new");
    event["ip"] = json!("203.0.113.200");
    let (_, scored) = app.ingest(&event).await;
    assert_eq!(scored["decision"], "BLOCK", "{scored}");

    // Globex's admin sees none of it and cannot remove it; the super admin has no lists.
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    app.store
        .create_admin("ops@globex.test", "globex-admin-pass", Role::ClientAdmin, Some(&globex.id))
        .await
        .unwrap();
    let other = session(&app, "ops@globex.test", "globex-admin-pass").await;
    let (_, body) = other.call("list-entries", &[]).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["total"], 0);
    let (status, _) = other.call("remove-list-entry", &[("kind", "cidr"), ("value", "203.0.113.0/24")]).await;
    assert_eq!(status, 404);
    let (status, _) = root.call("list-entries", &[]).await;
    assert_eq!(status, 403);

    let (status, _) = ops.call("remove-list-entry", &[("kind", "cidr"), ("value", "203.0.113.0/24")]).await;
    assert_eq!(status, 200);
    let (_, scored) = app.ingest(&event).await;
    assert_eq!(scored["decision"], "ALLOW", "{scored}");

    let (_, audit) = ops.call("audit-log", &[]).await;
    assert!(audit.contains("list.block.add") && audit.contains("list.remove"), "{audit}");
}

#[tokio::test]
async fn a_backend_blocks_a_network_for_an_hour_through_the_api() {
    use reqwest::Method;
    let app = TestApp::start().await;
    let key = app.api_key.clone();
    let (status, entry) = app.api(&key, Method::POST, "/api/v1/lists", Some(json!({
        "action": "block", "kind": "asn", "value": "AS14061", "reason": "scraping wave", "expiresInSeconds": 3600
    }))).await;
    assert_eq!(status, 201, "{entry}");
    assert_eq!((entry["value"].as_str(), entry["note"].as_str()), (Some("14061"), Some("scraping wave")));
    let expires = entry["expiresAt"].as_i64().unwrap();
    assert!((expires - doorman_store::now_ms() - 3_600_000).abs() < 60_000, "{entry}");

    // 198.51.100.0/24 is AS14061 in the harness's data; 81.0.0.0/8 is AS3215 in France.
    let (_, body) = app.ingest(&signup("a@example.org", "198.51.100.7")).await;
    assert_eq!(body["listMatch"], json!({"action": "block", "kind": "asn", "value": "14061"}), "{body}");
    assert_eq!(body["decision"], "BLOCK");
    let (status, _) = app
        .api(
            &key,
            Method::POST,
            "/api/v1/lists",
            Some(json!({"action": "block", "kind": "country", "value": "fr"})),
        )
        .await;
    assert_eq!(status, 201);
    let (_, body) = app.ingest(&signup("b@example.org", "81.2.3.4")).await;
    assert_eq!(body["listMatch"]["value"], "FR", "{body}");

    let (status, page) = app.api(&key, Method::GET, "/api/v1/lists?kind=asn", None).await;
    assert_eq!((status, page["total"].as_i64()), (200, Some(1)), "{page}");
    assert_eq!(page["entries"][0]["expiresAt"], expires);

    for (body, code) in [
        (json!({"action": "block", "kind": "asn", "value": "AS14061"}), 409),
        (json!({"action": "block", "kind": "planet", "value": "mars"}), 422),
        (json!({"action": "block", "kind": "country", "value": "FRA"}), 422),
        (json!({"action": "block", "kind": "ip", "value": "203.0.113.9", "expiresInSeconds": -5}), 422),
        (
            json!({"action": "block", "kind": "ip", "value": "203.0.113.9", "expiresAt": 1, "expiresInSeconds": 5}),
            422,
        ),
    ] {
        let (status, answer) = app.api(&key, Method::POST, "/api/v1/lists", Some(body.clone())).await;
        assert_eq!(status, code, "{body} → {answer}");
    }

    // Another tenant's key neither sees nor removes the entry.
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, globex_key) = app.store.create_api_key(&globex.id, "k").await.unwrap();
    let (_, theirs) = app.api(&globex_key, Method::GET, "/api/v1/lists", None).await;
    assert_eq!(theirs["total"], 0);
    let (status, _) = app.api(&globex_key, Method::DELETE, "/api/v1/lists/asn/AS14061", None).await;
    assert_eq!(status, 404);

    let (status, _) = app.api(&key, Method::DELETE, "/api/v1/lists/asn/AS14061", None).await;
    assert_eq!(status, 204);
    let (_, body) = app.ingest(&signup("c@example.org", "198.51.100.8")).await;
    assert!(body["listMatch"].is_null(), "{body}");
    let audit = app
        .store
        .audit_entries(doorman_store::audit::AuditScope::Tenant(&app.tenant_id), None, 10)
        .await
        .unwrap();
    assert!(
        audit.iter().any(|e| e.action == "list.block.add" && e.actor.starts_with("api key")),
        "{audit:?}"
    );
    assert!(audit.iter().any(|e| e.action == "list.remove"));
}

#[tokio::test]
async fn a_backend_snoozes_a_rule_for_an_address_through_the_api() {
    use reqwest::Method;
    let app = TestApp::start().await;
    let key = app.api_key.clone();
    let (status, snooze) = app.api(&key, Method::POST, "/api/v1/snoozes", Some(json!({
        "rule": "HIGH_RISK_ASN", "kind": "ip", "value": "198.51.100.7", "reason": "office egress", "durationSeconds": 86400
    }))).await;
    assert_eq!(status, 201, "{snooze}");
    let (_, body) = app.ingest(&signup("a@example.org", "198.51.100.7")).await;
    let check =
        body["allChecks"].as_array().unwrap().iter().find(|c| c["code"] == "HIGH_RISK_ASN").unwrap().clone();
    assert_eq!(check["status"], "SNOOZED", "{body}");
    let (_, body) = app.ingest(&signup("b@example.org", "198.51.100.8")).await;
    assert!(fired(&body).contains(&"HIGH_RISK_ASN".to_string()), "another address is not snoozed: {body}");

    let (_, live) = app.api(&key, Method::GET, "/api/v1/snoozes", None).await;
    assert_eq!(live[0]["id"], snooze["id"]);
    let globex = app.store.create_tenant("globex", "Globex").await.unwrap();
    let (_, globex_key) = app.store.create_api_key(&globex.id, "k").await.unwrap();
    let path = format!("/api/v1/snoozes/{}", snooze["id"].as_str().unwrap());
    assert_eq!(app.api(&globex_key, Method::DELETE, &path, None).await.0, 404);
    assert_eq!(app.api(&key, Method::DELETE, &path, None).await.0, 204);
    let (_, body) = app.ingest(&signup("c@example.org", "198.51.100.7")).await;
    assert!(fired(&body).contains(&"HIGH_RISK_ASN".to_string()), "{body}");
}
