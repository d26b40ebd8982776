//! What super admins do to tenants and client admins, the audit log, and login throttling.

use doorman_store::admins::Role;
use doorman_store::audit::AuditScope;
use doorman_store::on_both_backends;
use doorman_store::testing::TestDb;
use doorman_store::StoreError;

async fn tenants_can_be_renamed_suspended_and_reactivated(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let (_, key) = store.create_api_key(&acme.id, "k").await.unwrap();
    let ops = store
        .create_admin("ops@acme.test", "long-enough-pw", Role::ClientAdmin, Some(&acme.id))
        .await
        .unwrap();
    let token = store.create_session(&ops.id).await.unwrap();

    store.rename_tenant(&acme.id, "  Acme Corp ").await.unwrap();
    assert_eq!(store.tenant_by_id(&acme.id).await.unwrap().unwrap().name, "Acme Corp");
    assert!(matches!(store.rename_tenant(&acme.id, " ").await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.rename_tenant("ten_missing", "X").await, Err(StoreError::NotFound(_))));

    store.set_tenant_active(&acme.id, false).await.unwrap();
    assert!(!store.authenticate_api_key(&key).await.unwrap().unwrap().tenant_active);
    assert!(store.authenticate_admin("ops@acme.test", "long-enough-pw").await.unwrap().is_none());
    assert!(store.session_admin(&token).await.unwrap().is_none());

    store.set_tenant_active(&acme.id, true).await.unwrap();
    assert!(store.authenticate_api_key(&key).await.unwrap().unwrap().tenant_active);
    assert!(store.session_admin(&token).await.unwrap().is_some());
}

async fn client_admins_are_listed_disabled_and_reset_within_their_tenant(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let globex = store.create_tenant("globex", "Globex").await.unwrap();
    let ops = store
        .create_admin("ops@acme.test", "long-enough-pw", Role::ClientAdmin, Some(&acme.id))
        .await
        .unwrap();
    store.create_admin("root@doorman.test", "long-enough-pw", Role::SuperAdmin, None).await.unwrap();
    let listed = store.list_tenant_admins(&acme.id).await.unwrap();
    assert_eq!(listed.iter().map(|a| a.email.as_str()).collect::<Vec<_>>(), ["ops@acme.test"]);
    assert!(store.list_tenant_admins(&globex.id).await.unwrap().is_empty());

    // Another tenant's id does not reach the account.
    assert!(matches!(
        store.set_client_admin_disabled(&globex.id, &ops.id, true).await,
        Err(StoreError::NotFound(_))
    ));
    let token = store.create_session(&ops.id).await.unwrap();
    store.set_client_admin_disabled(&acme.id, &ops.id, true).await.unwrap();
    assert!(store.session_admin(&token).await.unwrap().is_none());
    assert!(store.authenticate_admin("ops@acme.test", "long-enough-pw").await.unwrap().is_none());
    store.set_client_admin_disabled(&acme.id, &ops.id, false).await.unwrap();

    let token = store.create_session(&ops.id).await.unwrap();
    assert!(matches!(
        store.reset_client_admin_password(&acme.id, &ops.id, "short").await,
        Err(StoreError::Invalid(_))
    ));
    store.reset_client_admin_password(&acme.id, &ops.id, "a-new-long-password").await.unwrap();
    assert!(store.session_admin(&token).await.unwrap().is_none(), "a reset ends the sessions");
    assert!(store.authenticate_admin("ops@acme.test", "long-enough-pw").await.unwrap().is_none());
    assert!(store.authenticate_admin("ops@acme.test", "a-new-long-password").await.unwrap().is_some());
}

async fn the_audit_log_is_scoped_to_a_tenant(db: TestDb) {
    let store = db.store.clone();
    store.record_audit("root@doorman.test", None, "tenant.create", "acme", "name Acme").await.unwrap();
    store.record_audit("ops@acme.test", Some("ten_a"), "api_key.create", "dm_live_ab12", "").await.unwrap();
    store.record_audit("ops@globex.test", Some("ten_b"), "api_key.revoke", "dm_live_cd34", "").await.unwrap();
    let all = store.audit_entries(AuditScope::Everything, None, 50).await.unwrap();
    assert_eq!(all.len(), 3);
    let acme = store.audit_entries(AuditScope::Tenant("ten_a"), None, 50).await.unwrap();
    assert_eq!(acme.len(), 1);
    assert_eq!((acme[0].action.as_str(), acme[0].actor.as_str()), ("api_key.create", "ops@acme.test"));
    let older = store.audit_entries(AuditScope::Everything, Some(all[0].at), 50).await.unwrap();
    assert!(older.iter().all(|e| e.at < all[0].at));
}

async fn failed_logins_throttle_the_account_and_the_address(db: TestDb) {
    use doorman_store::throttle::{MAX_PER_ACCOUNT, MAX_PER_ADDRESS};
    let store = db.store.clone();
    for _ in 0..MAX_PER_ACCOUNT {
        assert_eq!(store.login_blocked_for("ops@acme.test", Some("10.0.0.1")).await.unwrap(), None);
        store.record_login_failure("Ops@acme.test", Some("10.0.0.1")).await.unwrap();
    }
    let wait = store.login_blocked_for("ops@acme.test", Some("10.0.0.2")).await.unwrap();
    assert!(wait.is_some_and(|ms| ms > 0), "{wait:?}");
    // Another account from the same address is still allowed…
    assert_eq!(store.login_blocked_for("other@acme.test", Some("10.0.0.1")).await.unwrap(), None);
    // …until the address itself has failed too often.
    for i in 0..MAX_PER_ADDRESS {
        store.record_login_failure(&format!("guess{i}@acme.test"), Some("10.0.0.9")).await.unwrap();
    }
    assert!(store.login_blocked_for("fresh@acme.test", Some("10.0.0.9")).await.unwrap().is_some());
    store.clear_login_failures("ops@acme.test").await.unwrap();
    assert_eq!(store.login_blocked_for("ops@acme.test", Some("10.0.0.2")).await.unwrap(), None);
}

on_both_backends!(TestDb::new =>
    tenants_can_be_renamed_suspended_and_reactivated,
    client_admins_are_listed_disabled_and_reset_within_their_tenant,
    the_audit_log_is_scoped_to_a_tenant,
    failed_logins_throttle_the_account_and_the_address,
);
