use doorman_engine::config::RuleConfig;
use doorman_engine::linkage::Linkage;
use doorman_store::admins::Role;
use doorman_store::events::Scope;
use doorman_store::reputation::List;
use doorman_store::{Store, StoreError};

use doorman_store::on_both_backends;
use doorman_store::testing::TestDb;

use crate::support::{ingest, ingest_with_key, signup};

async fn tenants_and_keys(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    assert!(matches!(store.create_tenant("acme", "Again").await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.create_tenant("Bad Slug", "x").await, Err(StoreError::Invalid(_))));
    assert_eq!(store.tenant_by_slug("acme").await.unwrap().unwrap().id, acme.id);
    let globex = store.create_tenant("globex", "Globex").await.unwrap();
    assert_eq!(store.list_tenants().await.unwrap().len(), 2);

    let (key, secret) = store.create_api_key(&acme.id, "backend").await.unwrap();
    assert!(secret.starts_with(&key.prefix));
    let principal = store.authenticate_api_key(&secret).await.unwrap().unwrap();
    assert_eq!((principal.tenant_id.as_str(), principal.tenant_active), (acme.id.as_str(), true));
    assert!(store.authenticate_api_key(&format!("{secret}x")).await.unwrap().is_none());

    // Another tenant cannot revoke this key by guessing its id.
    assert!(matches!(store.revoke_api_key(&globex.id, &key.id).await, Err(StoreError::NotFound(_))));
    store.revoke_api_key(&acme.id, &key.id).await.unwrap();
    assert!(store.authenticate_api_key(&secret).await.unwrap().is_none());
    assert!(store.list_api_keys(&acme.id).await.unwrap()[0].revoked_at.is_some());
    assert!(store.list_api_keys(&globex.id).await.unwrap().is_empty());
}
on_both_backends!(TestDb::new => tenants_and_keys);

async fn events_record_the_last_use_of_their_key(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let (key, secret) = store.create_api_key(&acme.id, "backend").await.unwrap();
    let fresh = store.authenticate_api_key(&secret).await.unwrap().unwrap();
    assert_eq!(fresh.last_used_at, None);
    assert!(fresh.needs_touch(doorman_store::now_ms()));
    // That request records the use; the next ones within the minute do not.
    let next = store.authenticate_api_key(&secret).await.unwrap().unwrap();
    assert!(!next.needs_touch(doorman_store::now_ms()));

    let now = doorman_store::now_ms();
    ingest_with_key(&store, &acme.id, Some(&key.id), &signup("a@example.com", "fp-1", "p-1"), now).await;
    assert_eq!(store.list_api_keys(&acme.id).await.unwrap()[0].last_used_at, Some(now));
    // Another server reads the recorded use, and writes it again only once the interval has
    // passed.
    let other = Store::connect(&db.url, 2).await.unwrap();
    let used = other.authenticate_api_key(&secret).await.unwrap().unwrap();
    assert_eq!(used.last_used_at, Some(now));
    assert!(!used.needs_touch(now + 1_000));
    assert!(used.needs_touch(now + doorman_store::api_keys::KEY_TOUCH_INTERVAL_MS));
}
on_both_backends!(TestDb::new => events_record_the_last_use_of_their_key);

/// A key is read from the database at most once a second: what this server changes applies
/// to its next request, what another server changes within a second.
async fn key_changes_apply_at_once_here_and_within_a_second_elsewhere(db: TestDb) {
    let store = db.store.clone();
    let other = Store::connect(&db.url, 2).await.unwrap();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let (key, secret) = store.create_api_key(&acme.id, "backend").await.unwrap();
    let (_, second) = store.create_api_key(&acme.id, "second").await.unwrap();
    assert!(store.authenticate_api_key(&secret).await.unwrap().is_some());
    assert!(store.authenticate_api_key(&second).await.unwrap().unwrap().tenant_active);

    other.set_tenant_active(&acme.id, false).await.unwrap();
    other.revoke_api_key(&acme.id, &key.id).await.unwrap();
    let changed = std::time::Instant::now();
    // Polled: every check that starts more than a second after the change must see it.
    loop {
        let started = changed.elapsed();
        let revoked = store.authenticate_api_key(&secret).await.unwrap().is_none();
        let suspended = !store.authenticate_api_key(&second).await.unwrap().unwrap().tenant_active;
        if revoked && suspended {
            break;
        }
        assert!(started <= std::time::Duration::from_millis(1_000), "still accepted {started:?} after");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    store.set_tenant_active(&acme.id, true).await.unwrap();
    assert!(store.authenticate_api_key(&second).await.unwrap().unwrap().tenant_active, "at once here");
    let (rotated, _) = store
        .rotate_api_key(
            &acme.id,
            &store.list_api_keys(&acme.id).await.unwrap().iter().find(|k| k.name == "second").unwrap().id,
            0,
        )
        .await
        .unwrap();
    assert_eq!(rotated.name, "second");
    assert!(
        store.authenticate_api_key(&second).await.unwrap().is_none(),
        "rotated without grace: at once here"
    );
}
on_both_backends!(TestDb::new => key_changes_apply_at_once_here_and_within_a_second_elsewhere);

async fn admins_and_sessions(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    assert!(store.create_admin("ops@acme.test", "long-enough-pw", Role::ClientAdmin, None).await.is_err());
    assert!(store
        .create_admin("root@x.test", "long-enough-pw", Role::SuperAdmin, Some(&acme.id))
        .await
        .is_err());
    let ops = store
        .create_admin("Ops@Acme.test", "long-enough-pw", Role::ClientAdmin, Some(&acme.id))
        .await
        .unwrap();
    assert_eq!(ops.email, "ops@acme.test");
    assert!(matches!(
        store.create_admin("ops@acme.test", "long-enough-pw", Role::SuperAdmin, None).await,
        Err(StoreError::Conflict(_))
    ));

    assert!(store.authenticate_admin("ops@acme.test", "wrong-password").await.unwrap().is_none());
    let signed_in = store.authenticate_admin("ops@acme.test", "long-enough-pw").await.unwrap().unwrap();
    assert_eq!(signed_in.tenant_id.as_deref(), Some(acme.id.as_str()));

    let token = store.create_session(&ops.id, Default::default()).await.unwrap();
    assert_eq!(store.session_admin(&token, Default::default()).await.unwrap().unwrap().id, ops.id);
    assert!(store.session_admin("forged", Default::default()).await.unwrap().is_none());
    store.delete_session(&token).await.unwrap();
    assert!(store.session_admin(&token, Default::default()).await.unwrap().is_none());
}
on_both_backends!(TestDb::new => admins_and_sessions);

async fn events_link_devices_within_a_tenant(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let globex = store.create_tenant("globex", "Globex").await.unwrap();

    let first = ingest(&store, &acme.id, &signup("ada@example.com", "fp-1", "p1")).await;
    assert!(first.visitor.is_new);
    let once = doorman_engine::velocity::Windows { five_minutes: 1, hour: 1, day: 1 };
    assert_eq!(first.linkage.velocity.ips_per_visitor, once, "this event's own address");
    assert_eq!(Linkage { velocity: Default::default(), ..first.linkage.clone() }, Default::default());

    let second = ingest(&store, &acme.id, &signup("bob@example.com", "fp-1", "p2")).await;
    assert_eq!(second.visitor.visitor_id, first.visitor.visitor_id);
    assert_eq!(second.linkage.other_users_on_device, 1);
    assert_eq!(second.linkage.other_signup_users_on_device_30d, 1);
    assert_eq!(second.linkage.other_signup_users_on_ip_30d, 1);
    assert_eq!((second.linkage.signups_on_ip_1h, second.linkage.signups_on_device_1h), (1, 1));

    let replay = ingest(&store, &acme.id, &signup("carl@example.com", "fp-9", "p2")).await;
    assert!(replay.linkage.payload_seen_before);
    assert!(replay.visitor.is_new);

    // The same fingerprint in another tenant is another visitor with no history.
    let other = ingest(&store, &globex.id, &signup("bob@example.com", "fp-1", "p1")).await;
    assert_ne!(other.visitor.visitor_id, first.visitor.visitor_id);
    assert_eq!(other.linkage.velocity.ips_per_visitor, once);
    assert_eq!(Linkage { velocity: Default::default(), ..other.linkage.clone() }, Default::default());

    let acme_events = store.recent_events(Scope::Tenant(&acme.id), 10).await.unwrap();
    assert_eq!(acme_events.len(), 3);
    assert!(acme_events.iter().all(|e| e.tenant_id == acme.id));
    assert_eq!(acme_events[2].email.as_deref(), Some("ada@example.com"));
    assert_eq!(store.recent_events(Scope::AllTenants, 10).await.unwrap().len(), 4);
}
on_both_backends!(TestDb::new => events_link_devices_within_a_tenant);

async fn reputation_lists_round_trip(db: TestDb) {
    let store = db.store.clone();
    let entries = vec!["mailinator.com".to_string(), "yopmail.com".to_string()];
    assert_eq!(store.import_reputation(List::DisposableDomains, &entries, "test").await.unwrap(), 2);
    assert_eq!(store.import_reputation(List::DisposableDomains, &entries, "test").await.unwrap(), 0);
    store.import_reputation(List::TorExits, &["198.51.100.4".to_string()], "test").await.unwrap();
    store.import_reputation(List::HighRiskAsns, &["14061".to_string()], "test").await.unwrap();
    let rep = store.load_reputation().await.unwrap();
    assert!(rep.is_disposable("mailinator.com"));
    assert!(rep.tor_exits.contains(&"198.51.100.4".parse().unwrap()));
    assert!(rep.high_risk_asns.contains(&14061));
    assert_eq!(store.count_reputation(List::DisposableDomains).await.unwrap(), 2);
}
on_both_backends!(TestDb::new => reputation_lists_round_trip);

async fn rule_settings_merge_global_and_tenant(db: TestDb) {
    let store = db.store.clone();
    use doorman_engine::config::{ConfigOverrides, RuleOverride};
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let globex = store.create_tenant("globex", "Globex").await.unwrap();
    assert_eq!(store.effective_rule_config(&acme.id).await.unwrap(), RuleConfig::default());

    let mut global = RuleConfig::default();
    global.limits.accounts_per_ip = 9;
    store.set_global_rule_config(&global).await.unwrap();
    let overrides = ConfigOverrides {
        allow_max: Some(50),
        rules: [(
            "DISPOSABLE_EMAIL".to_string(),
            RuleOverride { weight: Some(5), enabled: None, shadow: None },
        )]
        .into(),
        ..Default::default()
    };
    store.set_tenant_overrides(&acme.id, &overrides).await.unwrap();
    assert_eq!(store.tenant_overrides(&acme.id).await.unwrap(), overrides);

    let effective = store.effective_rule_config(&acme.id).await.unwrap();
    assert_eq!((effective.thresholds.allow_max, effective.limits.accounts_per_ip), (50, 9));
    assert_eq!(effective.overrides["DISPOSABLE_EMAIL"].weight, Some(5));
    // Another tenant keeps the global settings.
    assert_eq!(store.effective_rule_config(&globex.id).await.unwrap(), global);

    let bad = ConfigOverrides { allow_max: Some(500), ..Default::default() };
    assert!(matches!(store.set_tenant_overrides(&acme.id, &bad).await, Err(StoreError::Invalid(_))));
    assert_eq!(store.tenant_overrides(&acme.id).await.unwrap(), overrides);
}
on_both_backends!(TestDb::new => rule_settings_merge_global_and_tenant);

async fn linkage_counts_stop_at_the_cap(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let cap = RuleConfig::default().limits.count_cap();
    for i in 0..cap + 5 {
        ingest(&store, &acme.id, &signup(&format!("farm{i}@example.com"), "fp-farm", &format!("p{i}"))).await;
    }
    let next = ingest(&store, &acme.id, &signup("one-more@example.com", "fp-farm", "last")).await;
    assert_eq!(next.linkage.other_users_on_device, cap);
    assert_eq!(next.linkage.other_signup_users_on_device_30d, cap);
    assert_eq!(next.linkage.other_signup_users_on_ip_30d, cap);
    assert_eq!((next.linkage.signups_on_ip_1h, next.linkage.signups_on_device_1h), (cap, cap));
}
on_both_backends!(TestDb::new => linkage_counts_stop_at_the_cap);
