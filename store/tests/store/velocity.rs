//! Velocity counts over 5 minutes, an hour and a day, at each window's edges, with the clock
//! the test sets: an event exactly a window's length old is inside it, a millisecond later
//! it is not.

use doorman_engine::config::RuleConfig;
use doorman_engine::derive::{derive, Signals};
use doorman_engine::input::IngestRequest;
use doorman_engine::reputation::Reputation;
use doorman_engine::score::assess;
use doorman_engine::velocity::{Counting, Velocity, Windows};
use doorman_store::on_both_backends;
use doorman_store::testing::TestDb;
use doorman_store::Store;
use serde_json::json;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
const T0: i64 = 1_800_000_000_000;

fn event(user: &str, domain: &str, ip: &str, fingerprint: &str, n: i64) -> IngestRequest {
    serde_json::from_value(json!({
        "type": if n % 2 == 0 { "SIGNUP" } else { "LOGIN" },
        "email": format!("{user}@{domain}"),
        "ip": ip,
        "device": { "userAgent": "Mozilla/5.0 Chrome/131.0", "fingerprint": fingerprint, "payloadId": format!("p{n}") },
    }))
    .unwrap()
}

fn signals(req: &IngestRequest, country: &str) -> Signals {
    let mut signals = derive(req, &Reputation::default(), &Default::default());
    signals.ip.country = Some(country.to_string());
    signals
}

async fn velocity(store: &Store, tenant: &str, req: &IngestRequest, country: &str, now: i64) -> Velocity {
    let prepared = store
        .prepare_event(tenant, req, &signals(req, country), now, &Counting::everything(20))
        .await
        .unwrap();
    prepared.linkage.velocity
}

async fn record(store: &Store, tenant: &str, req: &IngestRequest, country: &str, now: i64) {
    let signals = signals(req, country);
    let prepared = store.prepare_event(tenant, req, &signals, now, &Counting::everything(20)).await.unwrap();
    let assessment = assess(req, &signals, &prepared.linkage, &RuleConfig::default());
    store.record_event(tenant, None, req, &signals, &prepared, &assessment, &json!({}), now).await.unwrap();
}

fn w(five_minutes: u32, hour: u32, day: u32) -> Windows {
    Windows { five_minutes, hour, day }
}

async fn counts_over_each_window_at_its_edges(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap().id;
    let other = store.create_tenant("other", "Other").await.unwrap().id;

    // One device hopping: a day, an hour and five minutes before T0, each from another
    // address, country and account; and one event of another tenant that must not count.
    let hops = [(DAY, "203.0.113.1", "DE"), (HOUR, "203.0.113.2", "FR"), (5 * MINUTE, "203.0.113.3", "US")];
    for (n, (age, ip, country)) in hops.into_iter().enumerate() {
        let req = event(&format!("hop{n}"), "hop.test", ip, "fp-hopper", n as i64);
        record(&store, &acme, &req, country, T0 - age).await;
    }
    record(&store, &other, &event("x", "hop.test", "203.0.113.9", "fp-hopper", 9), "JP", T0 - MINUTE).await;

    // Three devices behind one address and one email domain, at the same ages; the newest
    // sends twice.
    let farm = [(DAY, "fp-a"), (HOUR, "fp-b"), (5 * MINUTE, "fp-c"), (5 * MINUTE, "fp-c")];
    for (n, (age, fingerprint)) in farm.into_iter().enumerate() {
        let req = event(&format!("farm{n}"), "farm.test", "198.51.100.7", fingerprint, 10 + n as i64);
        record(&store, &acme, &req, "NL", T0 - age).await;
    }

    // The hopper again, from a fourth address in France (a country it was seen in).
    let hop = event("hop3", "hop.test", "203.0.113.4", "fp-hopper", 20);
    let at_t0 = velocity(&store, &acme, &hop, "FR", T0).await;
    assert_eq!(at_t0.ips_per_visitor, w(2, 3, 4));
    assert_eq!(at_t0.countries_per_visitor, w(2, 2, 3));
    assert_eq!(at_t0.users_per_visitor, w(2, 3, 4));
    assert_eq!(at_t0.visitors_per_ip, Some(w(1, 1, 1)));
    assert_eq!(at_t0.events_per_ip, Some(w(1, 1, 1)));
    assert_eq!(at_t0.visitors_per_email_domain, Some(w(1, 1, 1)), "its own device only");
    // A millisecond later each window has let go of its oldest event.
    let later = velocity(&store, &acme, &hop, "FR", T0 + 1).await;
    assert_eq!(later.ips_per_visitor, w(1, 2, 3));
    assert_eq!(later.countries_per_visitor, w(1, 2, 2));
    assert_eq!(later.users_per_visitor, w(1, 2, 3));

    // A new device at the farm's address with the farm's domain.
    let newcomer = event("farm9", "farm.test", "198.51.100.7", "fp-new", 30);
    let at_t0 = velocity(&store, &acme, &newcomer, "NL", T0).await;
    assert_eq!(at_t0.visitors_per_ip, Some(w(2, 3, 4)));
    assert_eq!(at_t0.events_per_ip, Some(w(3, 4, 5)));
    assert_eq!(at_t0.visitors_per_email_domain, Some(w(2, 3, 4)));
    assert_eq!(at_t0.ips_per_visitor, w(1, 1, 1), "a new device has only this event");
    let later = velocity(&store, &acme, &newcomer, "NL", T0 + 1).await;
    assert_eq!(later.visitors_per_ip, Some(w(1, 2, 3)));
    assert_eq!(later.events_per_ip, Some(w(1, 3, 4)), "the two newest are five minutes old");
    assert_eq!(later.visitors_per_email_domain, Some(w(1, 2, 3)));

    // Without an address or an email there is nothing to count by them.
    let bare: IngestRequest = serde_json::from_value(json!({
        "type": "SIGNUP", "device": { "fingerprint": "fp-hopper", "payloadId": "p-bare" }
    }))
    .unwrap();
    let v = store
        .prepare_event(
            &acme,
            &bare,
            &derive(&bare, &Reputation::default(), &Default::default()),
            T0,
            &Counting::everything(20),
        )
        .await
        .unwrap()
        .linkage
        .velocity;
    assert_eq!((v.visitors_per_ip, v.events_per_ip, v.visitors_per_email_domain), (None, None, None));
    assert_eq!(v.ips_per_visitor, w(1, 2, 3), "the device's stored addresses, none its own");
}

on_both_backends!(TestDb::new => counts_over_each_window_at_its_edges);

/// Counting stops at the cap for each event type, so an attack's thousands of events cost
/// no more than the cap, and the newest are the ones counted.
async fn counts_stop_at_the_cap_and_keep_the_newest(db: TestDb) {
    let store = db.store.clone();
    let acme = store.create_tenant("acme", "Acme").await.unwrap().id;
    for n in 0..30 {
        let req = event(&format!("u{n}"), "cap.test", &format!("192.0.2.{n}"), "fp-cap", 2 * n);
        record(&store, &acme, &req, "DE", T0 - HOUR - n * MINUTE).await;
    }
    let req = event("u99", "cap.test", "192.0.2.99", "fp-cap", 100);
    let recent = event("u98", "cap.test", "192.0.2.98", "fp-cap", 102);
    record(&store, &acme, &recent, "DE", T0 - MINUTE).await;
    let v = velocity(&store, &acme, &req, "DE", T0).await;
    assert_eq!(v.ips_per_visitor.five_minutes, 2, "the newest event is among those read");
    assert_eq!(v.ips_per_visitor.day, 21, "20 read of the 31 stored, and this one");
}

on_both_backends!(TestDb::new => counts_stop_at_the_cap_and_keep_the_newest);
