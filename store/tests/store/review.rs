//! The review queue: what enters it, claims that lapse, decisions that become labels and
//! webhook deliveries, and bulk decisions.

use doorman_engine::config::RuleConfig;
use doorman_engine::derive::derive;
use doorman_engine::feedback::Label;
use doorman_engine::reputation::Reputation;
use doorman_engine::score::assess;
use doorman_engine::velocity::Counting;
use doorman_store::admins::Role;
use doorman_store::on_both_backends;
use doorman_store::review::{Assignee, Claim, ReviewFilter, ReviewSettings};
use doorman_store::testing::TestDb;
use doorman_store::{Store, StoreError};
use serde_json::json;

use crate::support::signup;

const MINUTE: i64 = 60_000;
const T0: i64 = 1_800_000_000_000;

/// Records a signup scored with thresholds that make it `decision`; gives its id.
async fn event(store: &Store, tenant_id: &str, n: u32, decision: &str, now: i64) -> String {
    let req = signup(&format!("user{n}@example.com"), &format!("fp{n}"), &format!("p{n}"));
    let signals = derive(&req, &Reputation::default(), &Default::default());
    let mut config = RuleConfig::default();
    (config.thresholds.allow_max, config.thresholds.monitor_max) = match decision {
        "ALLOW" => (1000, 1000),
        "CHALLENGE" => (-1, 1000),
        _ => (-1, -1),
    };
    let prepared =
        store.prepare_event(tenant_id, &req, &signals, now, &Counting::for_config(&config)).await.unwrap();
    let assessment = assess(&req, &signals, &prepared.linkage, &config);
    assert_eq!(assessment.decision.as_str(), decision);
    store
        .record_event(tenant_id, None, &req, &signals, &prepared, &assessment, &json!({}), now)
        .await
        .unwrap()
        .event_id
}

fn ids(items: &[doorman_store::review::ReviewItem]) -> Vec<&str> {
    items.iter().map(|i| i.event_id.as_str()).collect()
}

async fn challenged_events_wait_for_a_decision_that_becomes_their_label(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let globex = store.create_tenant("globex", "Globex").await.unwrap();
    store.create_webhook(&acme.id, "https://hooks.acme.test/doorman", "BLOCK").await.unwrap();
    let old = event(&store, &acme.id, 1, "CHALLENGE", T0 - 3 * 60 * MINUTE).await;
    let new = event(&store, &acme.id, 2, "CHALLENGE", T0 - MINUTE).await;
    let allowed = event(&store, &acme.id, 3, "ALLOW", T0 - MINUTE).await;
    let blocked = event(&store, &acme.id, 4, "BLOCK", T0 - MINUTE).await;
    event(&store, &globex.id, 5, "CHALLENGE", T0 - MINUTE).await;

    let all = ReviewFilter::default();
    let queue = store.review_queue(&acme.id, &all, None, 50, T0).await.unwrap();
    assert_eq!(
        ids(&queue),
        [old.as_str(), new.as_str()],
        "challenged only, oldest first, this tenant's only"
    );
    let counts = store.review_counts(&acme.id, &all, T0).await.unwrap();
    assert_eq!((counts.total, counts.under_hour, counts.under_day, counts.older), (2, 1, 2, 0));

    // An analyst sends a block to review; a near-miss setting adds allowed events that scored.
    store.send_to_review(&acme.id, &blocked, "ana@acme.test", T0).await.unwrap();
    assert_eq!(store.review_counts(&acme.id, &all, T0).await.unwrap().total, 3);
    let score = store.event(&acme.id, &allowed).await.unwrap().unwrap().risk_score;
    if score > 0 {
        store
            .set_review_settings(
                &acme.id,
                &ReviewSettings { near_miss_score: Some(score), claim_minutes: 60 },
                T0,
            )
            .await
            .unwrap();
        assert_eq!(store.review_counts(&acme.id, &all, T0).await.unwrap().total, 4);
        store.set_review_settings(&acme.id, &ReviewSettings::default(), T0).await.unwrap();
    }
    assert!(matches!(
        store.decide_review(&acme.id, &allowed, Label::Legit, "", "ana@acme.test", true, T0).await,
        Err(StoreError::Conflict(_))
    ));

    let older = ReviewFilter { older_than_ms: Some(60 * MINUTE), ..Default::default() };
    assert_eq!(ids(&store.review_queue(&acme.id, &older, None, 50, T0).await.unwrap()), [old.as_str()]);

    let decided =
        store.decide_review(&acme.id, &old, Label::Fraud, " farm ", "ana@acme.test", true, T0).await.unwrap();
    assert_eq!(decided.label, Label::Fraud);
    let stored = store.event(&acme.id, &old).await.unwrap().unwrap();
    assert_eq!(stored.label.as_deref(), Some("FRAUD"));
    assert_eq!(
        store.review_decision(&acme.id, &old).await.unwrap(),
        Some(("ana@acme.test".to_string(), T0, Some("farm".to_string())))
    );
    assert!(matches!(
        store.decide_review(&acme.id, &old, Label::Legit, "", "bo@acme.test", true, T0).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.review_counts(&acme.id, &all, T0).await.unwrap().total, 2);
    assert!(matches!(
        store.claim_review(&globex.id, &new, "x@globex.test", T0).await,
        Err(StoreError::NotFound(_))
    ));

    // The webhook hears of the decision, though it is registered for blocks.
    let due = store.claim_due_deliveries(T0 + 1, 10, 60_000).await.unwrap();
    let review: Vec<_> = due.iter().filter(|d| d.payload.contains("review.decided")).collect();
    assert_eq!(review.len(), 1, "{due:?}");
    assert!(review[0].payload.contains("\"label\":\"FRAUD\"") && review[0].payload.contains(&old));

    // Erasing the user removes the item's comment with the event.
    store.erase_user(&acme.id, "user1@example.com").await.unwrap();
    assert_eq!(store.review_decision(&acme.id, &old).await.unwrap(), None);
}
on_both_backends!(TestDb::new => challenged_events_wait_for_a_decision_that_becomes_their_label);

async fn claims_hold_items_until_they_lapse(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    for email in ["ana@acme.test", "bo@acme.test"] {
        store.create_admin(email, "long-enough-pw", Role::ClientAdmin, Some(&acme.id)).await.unwrap();
    }
    store
        .set_review_settings(&acme.id, &ReviewSettings { near_miss_score: None, claim_minutes: 30 }, T0)
        .await
        .unwrap();
    let first = event(&store, &acme.id, 1, "CHALLENGE", T0 - 2 * MINUTE).await;
    let second = event(&store, &acme.id, 2, "CHALLENGE", T0 - MINUTE).await;

    assert_eq!(
        store.next_review(&acme.id, "ana@acme.test", T0).await.unwrap().as_deref(),
        Some(first.as_str())
    );
    // Ana's next is still hers; Bo's next skips it.
    assert_eq!(
        store.next_review(&acme.id, "ana@acme.test", T0).await.unwrap().as_deref(),
        Some(first.as_str())
    );
    assert_eq!(
        store.next_review(&acme.id, "bo@acme.test", T0).await.unwrap().as_deref(),
        Some(second.as_str())
    );
    assert_eq!(store.next_review(&acme.id, "cy@acme.test", T0).await.unwrap(), None);
    assert_eq!(
        store.claim_review(&acme.id, &first, "bo@acme.test", T0 + MINUTE).await.unwrap(),
        Claim::HeldBy { analyst: "ana@acme.test".into(), until: T0 + 30 * MINUTE }
    );
    assert!(matches!(
        store.decide_review(&acme.id, &first, Label::Legit, "", "bo@acme.test", true, T0 + MINUTE).await,
        Err(StoreError::Conflict(message)) if message.contains("ana@acme.test")
    ));
    let mine =
        ReviewFilter { assignee: Some(Assignee::Analyst("ana@acme.test".into())), ..Default::default() };
    assert_eq!(store.review_queue(&acme.id, &mine, None, 50, T0).await.unwrap().len(), 1);

    // After 30 minutes Ana's claim has lapsed: Bo takes it.
    let later = T0 + 31 * MINUTE;
    assert_eq!(store.review_queue(&acme.id, &mine, None, 50, later).await.unwrap().len(), 0);
    assert_eq!(
        store.claim_review(&acme.id, &first, "bo@acme.test", later).await.unwrap(),
        Claim::Held { until: later + 30 * MINUTE }
    );
    // Assignment goes to a colleague of the tenant only.
    assert!(matches!(
        store.assign_review(&acme.id, &first, "eve@elsewhere.test", later).await,
        Err(StoreError::Invalid(_))
    ));
    store.assign_review(&acme.id, &first, "ana@acme.test", later).await.unwrap();
    assert_eq!(store.review_queue(&acme.id, &mine, None, 50, later).await.unwrap().len(), 1);
    assert!(store.release_review(&acme.id, &first, "ana@acme.test").await.unwrap());
    let nobody = ReviewFilter { assignee: Some(Assignee::Nobody), ..Default::default() };
    assert_eq!(
        store.review_counts(&acme.id, &nobody, later).await.unwrap().total,
        2,
        "both lapsed or released"
    );
}
on_both_backends!(TestDb::new => claims_hold_items_until_they_lapse);

async fn bulk_decisions_skip_what_a_colleague_holds(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let mut events = Vec::new();
    for n in 0..4 {
        events.push(event(&store, &acme.id, n, "CHALLENGE", T0 - MINUTE * i64::from(10 - n)).await);
    }
    store.claim_review(&acme.id, &events[1], "bo@acme.test", T0).await.unwrap();
    let visitor = store.event(&acme.id, &events[0]).await.unwrap().unwrap().visitor_id;
    let one_visitor = ReviewFilter { visitor_id: Some(visitor), ..Default::default() };
    let done = store
        .decide_review_bulk(&acme.id, &one_visitor, Label::Fraud, "", "ana@acme.test", T0)
        .await
        .unwrap();
    assert_eq!(done.decided, [events[0].clone()]);

    let done = store
        .decide_review_bulk(&acme.id, &ReviewFilter::default(), Label::Legit, "ok", "ana@acme.test", T0)
        .await
        .unwrap();
    assert_eq!((done.decided.len(), done.skipped), (2, 1));
    let left = store.review_queue(&acme.id, &ReviewFilter::default(), None, 50, T0).await.unwrap();
    assert_eq!(ids(&left), [events[1].as_str()]);
    assert_eq!(store.event(&acme.id, &events[3]).await.unwrap().unwrap().label.as_deref(), Some("LEGIT"));
}
on_both_backends!(TestDb::new => bulk_decisions_skip_what_a_colleague_holds);

async fn shadow_counts_are_read_by_day_and_week(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap();
    let globex = store.create_tenant("globex", "Globex").await.unwrap();
    let hour = 3_600_000;
    store
        .record_shadow_hits(&acme.id, &[("VPN_OR_PROXY", Some(("ALLOW", "CHALLENGE")))], T0 - 2 * hour)
        .await
        .unwrap();
    store.record_shadow_hits(&acme.id, &[("VPN_OR_PROXY", None)], T0 - 2 * hour).await.unwrap();
    store
        .record_shadow_hits(&acme.id, &[("VPN_OR_PROXY", Some(("ALLOW", "CHALLENGE")))], T0 - 3 * 24 * hour)
        .await
        .unwrap();
    store.record_shadow_hits(&acme.id, &[("TOR_EXIT", None)], T0 - 9 * 24 * hour).await.unwrap();
    store.record_shadow_hits(&globex.id, &[("VPN_OR_PROXY", None)], T0).await.unwrap();
    let stats = store.shadow_stats(&acme.id, T0).await.unwrap();
    assert_eq!(stats.len(), 1, "{stats:?}");
    assert_eq!((stats[0].rule.as_str(), stats[0].fired_24h, stats[0].fired_7d), ("VPN_OR_PROXY", 2, 3));
    assert_eq!(stats[0].changes_7d, [("ALLOW>CHALLENGE".to_string(), 2)]);
    // Purged with the tenant's expired data after 8 days.
    let earlier = |stats: Vec<doorman_store::shadow::ShadowStats>| stats.iter().any(|s| s.rule == "TOR_EXIT");
    assert!(earlier(store.shadow_stats(&acme.id, T0 - 3 * 24 * hour).await.unwrap()));
    store.purge_expired_batch(&acme.id, T0, 100).await.unwrap();
    assert!(!earlier(store.shadow_stats(&acme.id, T0 - 3 * 24 * hour).await.unwrap()));
}
on_both_backends!(TestDb::new => shadow_counts_are_read_by_day_and_week);
