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
    let token = store.create_session(&ops.id, Default::default()).await.unwrap();

    store.rename_tenant(&acme.id, "  Acme Corp ").await.unwrap();
    assert_eq!(store.tenant_by_id(&acme.id).await.unwrap().unwrap().name, "Acme Corp");
    assert!(matches!(store.rename_tenant(&acme.id, " ").await, Err(StoreError::Invalid(_))));
    assert!(matches!(store.rename_tenant("ten_missing", "X").await, Err(StoreError::NotFound(_))));

    store.set_tenant_active(&acme.id, false).await.unwrap();
    assert!(!store.authenticate_api_key(&key).await.unwrap().unwrap().tenant_active);
    assert!(store.authenticate_admin("ops@acme.test", "long-enough-pw").await.unwrap().is_none());
    assert!(store.session_admin(&token, Default::default()).await.unwrap().is_none());

    store.set_tenant_active(&acme.id, true).await.unwrap();
    assert!(store.authenticate_api_key(&key).await.unwrap().unwrap().tenant_active);
    assert!(store.session_admin(&token, Default::default()).await.unwrap().is_some());
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
    let token = store.create_session(&ops.id, Default::default()).await.unwrap();
    store.set_client_admin_disabled(&acme.id, &ops.id, true).await.unwrap();
    assert!(store.session_admin(&token, Default::default()).await.unwrap().is_none());
    assert!(store.authenticate_admin("ops@acme.test", "long-enough-pw").await.unwrap().is_none());
    store.set_client_admin_disabled(&acme.id, &ops.id, false).await.unwrap();

    let token = store.create_session(&ops.id, Default::default()).await.unwrap();
    assert!(matches!(
        store.reset_client_admin_password(&acme.id, &ops.id, "short").await,
        Err(StoreError::Invalid(_))
    ));
    store.reset_client_admin_password(&acme.id, &ops.id, "a-new-long-password").await.unwrap();
    assert!(
        store.session_admin(&token, Default::default()).await.unwrap().is_none(),
        "a reset ends the sessions"
    );
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
    use doorman_store::throttle::{Attempt, MAX_PER_ACCOUNT, MAX_PER_ADDRESS};
    let store = db.store.clone();
    let allowed = |a: &Attempt| matches!(a, Attempt::Allowed { .. });
    for _ in 0..MAX_PER_ACCOUNT {
        assert!(allowed(&store.begin_login("Ops@acme.test", Some("10.0.0.1")).await.unwrap()));
    }
    let blocked = store.begin_login("ops@acme.test", Some("10.0.0.2")).await.unwrap();
    assert!(matches!(blocked, Attempt::Blocked { wait_ms } if wait_ms > 0), "{blocked:?}");
    // Another account from the same address is still allowed, and its success is forgiven…
    let Attempt::Allowed { at } = store.begin_login("other@acme.test", Some("10.0.0.1")).await.unwrap()
    else {
        panic!("another account is blocked");
    };
    store.forgive_login("other@acme.test", Some("10.0.0.1"), at).await.unwrap();
    // …until the address itself has failed too often.
    for i in 0..MAX_PER_ADDRESS {
        store.begin_login(&format!("guess{i}@acme.test"), Some("10.0.0.9")).await.unwrap();
    }
    assert!(!allowed(&store.begin_login("fresh@acme.test", Some("10.0.0.9")).await.unwrap()));
    store.clear_login_failures("ops@acme.test").await.unwrap();
    assert!(allowed(&store.begin_login("ops@acme.test", Some("10.0.0.2")).await.unwrap()));
}

async fn parallel_attempts_see_each_other(db: TestDb) {
    use doorman_store::throttle::{Attempt, MAX_PER_ACCOUNT};
    let store = db.store.clone();
    let attempts = (0..50).map(|_| {
        let store = store.clone();
        tokio::spawn(async move { store.begin_login("ops@acme.test", Some("10.0.0.1")).await.unwrap() })
    });
    let mut allowed = 0;
    for attempt in attempts {
        if matches!(attempt.await.unwrap(), Attempt::Allowed { .. }) {
            allowed += 1;
        }
    }
    assert!(allowed <= MAX_PER_ACCOUNT, "{allowed} of 50 parallel attempts went on to the password");
    assert!(matches!(store.begin_login("ops@acme.test", None).await.unwrap(), Attempt::Blocked { .. }));
}

/// A hash of `password` made with a lower cost than today's, as an older release stored it.
fn weaker_hash(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    use argon2::{Algorithm, Argon2, Params, Version};
    let weaker = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8192, 1, 1, None).unwrap());
    let salt = SaltString::encode_b64(&[7u8; 16]).unwrap();
    weaker.hash_password(password.as_bytes(), &salt).unwrap().to_string()
}

async fn stored_hash(db: &TestDb, email: &str, replace_with: Option<&str>) -> String {
    use sqlx::Connection;
    let (update, select) = (
        "UPDATE admin_users SET password_hash = $1 WHERE email = $2",
        "SELECT password_hash FROM admin_users WHERE email = $1",
    );
    if db.url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
        if let Some(hash) = replace_with {
            sqlx::query(update).bind(hash).bind(email).execute(&mut conn).await.unwrap();
        }
        sqlx::query_scalar(select).bind(email).fetch_one(&mut conn).await.unwrap()
    } else {
        let mut conn = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        if let Some(hash) = replace_with {
            sqlx::query(update).bind(hash).bind(email).execute(&mut conn).await.unwrap();
        }
        sqlx::query_scalar(select).bind(email).fetch_one(&mut conn).await.unwrap()
    }
}

async fn an_older_hash_takes_todays_cost_at_the_next_sign_in(db: TestDb) {
    let store = db.store.clone();
    store.create_admin("ops@acme.test", "long-enough-pw", Role::SuperAdmin, None).await.unwrap();
    let weaker = weaker_hash("long-enough-pw");
    stored_hash(&db, "ops@acme.test", Some(&weaker)).await;
    // A wrong password changes nothing.
    assert!(store.authenticate_admin("ops@acme.test", "wrong-password").await.unwrap().is_none());
    assert_eq!(stored_hash(&db, "ops@acme.test", None).await, weaker);
    assert!(store.authenticate_admin("ops@acme.test", "long-enough-pw").await.unwrap().is_some());
    let rehashed = stored_hash(&db, "ops@acme.test", None).await;
    assert!(rehashed.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{rehashed}");
    assert!(store.authenticate_admin("ops@acme.test", "long-enough-pw").await.unwrap().is_some());
}

async fn sessions_end_when_idle_and_at_their_limit(db: TestDb) {
    use doorman_store::admins::SessionLifetimes;
    use std::time::Duration;
    let store = db.store.clone();
    let ops = store.create_admin("ops@acme.test", "long-enough-pw", Role::SuperAdmin, None).await.unwrap();
    let pause = |ms| tokio::time::sleep(Duration::from_millis(ms));

    // Used within its idle time, a session lives on past it; left alone, it ends.
    let idle = SessionLifetimes { idle_ms: 1_000, max_ms: 60_000 };
    let token = store.create_session(&ops.id, idle).await.unwrap();
    pause(600).await;
    assert!(store.session_admin(&token, idle).await.unwrap().is_some());
    pause(600).await;
    assert!(store.session_admin(&token, idle).await.unwrap().is_some(), "its use moved its end on");
    pause(1_200).await;
    assert!(store.session_admin(&token, idle).await.unwrap().is_none(), "idle too long");

    // However often it is used, it ends at its limit.
    let capped = SessionLifetimes { idle_ms: 1_000, max_ms: 1_500 };
    let token = store.create_session(&ops.id, capped).await.unwrap();
    for _ in 0..4 {
        assert!(store.session_admin(&token, capped).await.unwrap().is_some());
        pause(300).await;
    }
    pause(400).await;
    assert!(store.session_admin(&token, capped).await.unwrap().is_none(), "past its limit");

    // Ended sessions are deleted by the background purge, live ones kept.
    let live = store.create_session(&ops.id, SessionLifetimes::default()).await.unwrap();
    assert_eq!(store.delete_expired_sessions(doorman_store::now_ms()).await.unwrap(), 2);
    assert!(store.session_admin(&live, SessionLifetimes::default()).await.unwrap().is_some());
}

on_both_backends!(TestDb::new =>
    sessions_end_when_idle_and_at_their_limit,
    an_older_hash_takes_todays_cost_at_the_next_sign_in,
    tenants_can_be_renamed_suspended_and_reactivated,
    client_admins_are_listed_disabled_and_reset_within_their_tenant,
    the_audit_log_is_scoped_to_a_tenant,
    failed_logins_throttle_the_account_and_the_address,
    parallel_attempts_see_each_other,
);
