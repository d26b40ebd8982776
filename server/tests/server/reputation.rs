//! The super admin's reputation lists on the dashboard, and scoring that follows their
//! changes without a restart.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{fired, seed_003_signup, TestApp};
use crate::operators::root_and_acme_ops;

async fn tor_fires(app: &TestApp) -> bool {
    let mut body = seed_003_signup("ada@example.com", "fp-ada");
    body["ip"] = json!("192.0.2.66");
    let (_, scored) = app.ingest(&body).await;
    fired(&scored).contains(&"TOR_EXIT".to_string())
}

/// Waits for the servers to reload the lists (they look every 100 ms in tests).
async fn until(app: &TestApp, want: bool) {
    for _ in 0..50 {
        if tor_fires(app).await == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("TOR_EXIT never became {want}");
}

#[tokio::test]
async fn a_super_admin_imports_searches_and_removes_entries_and_scoring_follows() {
    let app = TestApp::start().await;
    let (root, ops) = root_and_acme_ops(&app).await;
    assert!(!tor_fires(&app).await);

    let text = "# exits\n192.0.2.66\n192.0.2.67 # another\nnot an address\n";
    let (status, body) = root.call("import-reputation", &[("list", "tor-exits"), ("text", text)]).await;
    assert_eq!(status, 200, "{body}");
    let result: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((result["added"].as_u64(), result["rejected_total"].as_u64()), (Some(2), Some(1)));
    assert!(result["rejected"][0].as_str().unwrap().starts_with("line 4"), "{result}");
    until(&app, true).await;

    let (_, body) = root.call("reputation-page", &[("list", "tor-exits"), ("search", "0.2.67")]).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["total"], 1);
    assert_eq!(page["entries"][0]["value"], "192.0.2.67");
    assert_eq!(page["entries"][0]["source"], "dashboard:root@example.com");
    let tor = page["lists"].as_array().unwrap().iter().find(|l| l["list"] == "tor-exits").unwrap().clone();
    assert_eq!(tor["entries"], 2);
    assert!(tor["last_added_at"].as_i64().is_some());

    let (status, _) = root.call("remove-reputation", &[("list", "tor-exits"), ("value", "192.0.2.66")]).await;
    assert_eq!(status, 200);
    until(&app, false).await;
    assert_eq!(
        root.call("remove-reputation", &[("list", "tor-exits"), ("value", "192.0.2.66")]).await.0,
        404
    );

    // Refusals: an unknown list, too much text at once, and anyone but a super admin.
    assert_eq!(root.call("import-reputation", &[("list", "phones"), ("text", "1")]).await.0, 422);
    let big = "192.0.2.1\n".repeat(110_000);
    assert_eq!(root.call("import-reputation", &[("list", "tor-exits"), ("text", &big)]).await.0, 413);
    assert_eq!(ops.call("import-reputation", &[("list", "tor-exits"), ("text", "192.0.2.9")]).await.0, 403);
    assert_eq!(ops.call("reputation-page", &[]).await.0, 403);

    let (_, audit) = root.call("audit-log", &[]).await;
    assert!(audit.contains("reputation.import") && audit.contains("reputation.remove"), "{audit}");
}
