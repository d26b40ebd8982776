//! List entries that expire: they match until their time and not from it on, whatever
//! server reads them, with the clock the test sets.

use doorman_engine::derive::derive;
use doorman_engine::lists::{parse_entry, ListAction, ListKind};
use doorman_engine::reputation::Reputation;
use doorman_engine::velocity::Counting;
use doorman_store::on_both_backends;
use doorman_store::testing::TestDb;
use doorman_store::{Store, StoreError};

use crate::support::signup;

const HOUR: i64 = 3_600_000;
const T0: i64 = 1_800_000_000_000;

/// The list entry an event from `asn` in `country` would match at `now`, as `kind value`.
async fn matched(store: &Store, tenant_id: &str, asn: u32, country: &str, now: i64) -> Option<String> {
    let req = signup("eve@example.com", "fp-eve", "p-eve");
    let mut signals = derive(&req, &Reputation::default(), &Default::default());
    signals.ip.asn = Some(asn);
    signals.ip.country = Some(country.to_string());
    let prepared =
        store.prepare_event(tenant_id, &req, &signals, now, &Counting::everything(100)).await.unwrap();
    prepared.list_match.map(|m| format!("{} {}", m.kind.as_str(), m.value))
}

async fn entries_match_until_they_expire(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let asn = parse_entry(ListKind::Asn, "AS14061").unwrap();
    store
        .add_list_entry(&acme.id, ListAction::Block, &asn, "scraping wave", "ops", Some(T0 + HOUR), T0)
        .await
        .unwrap();
    let country = parse_entry(ListKind::Country, "fr").unwrap();
    store
        .add_list_entry(&acme.id, ListAction::Block, &country, "", "ops", Some(T0 + 2 * HOUR), T0)
        .await
        .unwrap();

    assert_eq!(matched(&store, &acme.id, 14061, "US", T0 + HOUR - 1).await.as_deref(), Some("asn 14061"));
    assert_eq!(matched(&store, &acme.id, 14061, "US", T0 + HOUR).await, None, "expired at its time");
    assert_eq!(matched(&store, &acme.id, 3215, "FR", T0 + HOUR).await.as_deref(), Some("country FR"));
    assert_eq!(matched(&store, &acme.id, 3215, "FR", T0 + 2 * HOUR).await, None);

    // An expired entry gives way to a new one of the same value; a live one does not.
    assert!(matches!(
        store.add_list_entry(&acme.id, ListAction::Allow, &country, "", "ops", None, T0 + HOUR).await,
        Err(StoreError::Conflict(_))
    ));
    store
        .add_list_entry(&acme.id, ListAction::Allow, &asn, "partner", "ops", None, T0 + 3 * HOUR)
        .await
        .unwrap();
    let page = store.list_entries(&acme.id, &Default::default()).await.unwrap();
    let renewed = page.entries.iter().find(|e| e.kind == "asn").unwrap();
    assert_eq!((renewed.action.as_str(), renewed.expires_at), ("allow", None));

    // An expiry is within a year and ahead of now.
    for bad in [T0, T0 + 400 * 24 * HOUR] {
        let ip = parse_entry(ListKind::Ip, "203.0.113.9").unwrap();
        assert!(matches!(
            store.add_list_entry(&acme.id, ListAction::Block, &ip, "", "ops", Some(bad), T0).await,
            Err(StoreError::Invalid(_))
        ));
    }
}
on_both_backends!(TestDb::new => entries_match_until_they_expire);

async fn a_snoozed_rule_is_silenced_for_its_target_until_its_end(db: TestDb) {
    use doorman_engine::config::RuleConfig;
    use doorman_engine::score::{assess, CheckStatus};
    use doorman_store::snoozes::NewSnooze;
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let new = NewSnooze {
        rule: "HIGH_RISK_ASN",
        kind: "user",
        value: "eve@example.com",
        until: T0 + HOUR,
        reason: "our QA on a VPS",
    };
    let snooze = store.snooze_rule(&acme.id, &new, "ops@acme.test", T0).await.unwrap();
    let other = NewSnooze {
        rule: "TOR_EXIT",
        kind: "ip",
        value: "198.51.100.9",
        until: T0 + 2 * HOUR,
        reason: "office exit",
    };
    store.snooze_rule(&acme.id, &other, "ops@acme.test", T0).await.unwrap();

    let status_at = |now: i64| {
        let store = store.clone();
        let tenant = acme.id.clone();
        async move {
            let req = signup("eve@example.com", "fp-eve", "p-eve");
            let signals = derive(&req, &Reputation::default(), &Default::default());
            let prepared =
                store.prepare_event(&tenant, &req, &signals, now, &Counting::everything(100)).await.unwrap();
            let a = assess(&req, &signals, &prepared.linkage, &RuleConfig::default());
            a.checks.iter().find(|c| c.code == "HIGH_RISK_ASN").unwrap().status
        }
    };
    assert_eq!(status_at(T0 + HOUR - 1).await, CheckStatus::Snoozed);
    assert_eq!(status_at(T0 + HOUR).await, CheckStatus::Pass, "over at its end");
    assert_eq!(store.live_snoozes(&acme.id, T0).await.unwrap().len(), 2);
    assert!(store.end_snooze(&acme.id, &snooze.id).await.unwrap());
    assert_eq!(status_at(T0).await, CheckStatus::Pass);

    for bad in [
        NewSnooze { rule: "NOPE", ..new.clone() },
        NewSnooze { kind: "email", ..new.clone() },
        NewSnooze { until: T0 + 181 * 24 * HOUR, ..new.clone() },
        NewSnooze { reason: " ", ..new.clone() },
    ] {
        assert!(
            matches!(store.snooze_rule(&acme.id, &bad, "ops", T0).await, Err(StoreError::Invalid(_))),
            "{bad:?}"
        );
    }
}
on_both_backends!(TestDb::new => a_snoozed_rule_is_silenced_for_its_target_until_its_end);
