//! Key rotation from the dashboard: a new key at once, the old one for the grace chosen.

use serde_json::Value;

use crate::harness::{seed_003_signup, TestApp};
use crate::operators::{root_and_acme_ops, session};

async fn status_with(app: &TestApp, key: &str) -> u16 {
    let body = serde_json::to_vec(&seed_003_signup("ada@example.com", "fp-ada")).unwrap();
    app.ingest_raw(Some(key), body).await.0
}

#[tokio::test]
async fn a_rotated_key_keeps_working_for_its_grace_and_no_longer() {
    let app = TestApp::start().await;
    let (_, ops) = root_and_acme_ops(&app).await;
    let old_id = app.store.list_api_keys(&app.tenant_id).await.unwrap()[0].id.clone();

    let (status, body) = ops.call("rotate-api-key", &[("id", &old_id), ("grace_minutes", "60")]).await;
    assert_eq!(status, 200, "{body}");
    let new_secret = serde_json::from_str::<Value>(&body).unwrap()["secret"].as_str().unwrap().to_string();
    assert_eq!(status_with(&app, &new_secret).await, 200);
    assert_eq!(status_with(&app, &app.api_key).await, 200, "the old key works during the grace period");
    let (_, listed) = ops.call("list-api-keys", &[]).await;
    let keys: Vec<Value> = serde_json::from_str(&listed).unwrap();
    let old = keys.iter().find(|k| k["id"] == old_id.as_str()).unwrap();
    assert_eq!(old["live"], true);
    assert!(old["revoked_at"].as_i64().unwrap() > doorman_store::now_ms() + 59 * 60_000);
    assert_eq!(keys.iter().filter(|k| k["name"] == "test").count(), 2);

    // A key already rotated cannot be rotated again, but revoking it ends its grace at once.
    assert_eq!(ops.call("rotate-api-key", &[("id", &old_id), ("grace_minutes", "60")]).await.0, 404);
    assert_eq!(ops.call("revoke-api-key", &[("id", &old_id)]).await.0, 200);
    assert_eq!(status_with(&app, &app.api_key).await, 401);

    // Without grace the old key stops with the rotation.
    let new_id =
        keys.iter().find(|k| k["id"] != old_id.as_str()).unwrap()["id"].as_str().unwrap().to_string();
    let (_, body) = ops.call("rotate-api-key", &[("id", &new_id), ("grace_minutes", "0")]).await;
    let newest = serde_json::from_str::<Value>(&body).unwrap()["secret"].as_str().unwrap().to_string();
    assert_eq!(status_with(&app, &new_secret).await, 401);
    assert_eq!(status_with(&app, &newest).await, 200);
    assert_eq!(ops.call("rotate-api-key", &[("id", &new_id), ("grace_minutes", "20000")]).await.0, 422);

    // Another tenant's admin cannot rotate acme's keys.
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
    let other = session(&app, "ops@globex.test", "globex-admin-pass").await;
    let live_id = app.store.list_api_keys(&app.tenant_id).await.unwrap()[0].id.clone();
    assert_eq!(other.call("rotate-api-key", &[("id", &live_id), ("grace_minutes", "0")]).await.0, 404);
    assert_eq!(status_with(&app, &newest).await, 200);
}

#[tokio::test]
async fn the_integrate_page_fills_in_this_server_and_the_tenants_keys() {
    let app = TestApp::start().await;
    let (root, ops) = root_and_acme_ops(&app).await;
    let (status, body) = ops.call("integration", &[]).await;
    assert_eq!(status, 200, "{body}");
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["base_url"], app.base);
    assert_eq!(info["tenant_name"], "Acme");
    let prefix = &app.api_key[..14];
    assert_eq!(info["key_prefixes"], serde_json::json!([prefix]));
    assert_eq!(root.call("integration", &[]).await.0, 403);
}
