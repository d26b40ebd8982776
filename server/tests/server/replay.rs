//! Decision replay: the load generator's traffic, sent one event at a time to a fresh server,
//! must get the decisions, scores and fired rules that `replay-decisions.txt` records. The
//! file is the output of the build that wrote it, so a change meant to leave detection alone
//! (storage, indexes, the writer, the query plans) is checked against an earlier build on the
//! very traffic the load benchmark measures, on both backends.
//!
//! A change that is meant to alter decisions rewrites the file, and its diff is the review:
//! `DOORMAN_BLESS_REPLAY=1 cargo nextest run -p doorman --test server replay::`.

use std::fmt::Write as _;
use std::path::PathBuf;

use doorman_engine::input::EventType;
use doorman_loadgen::traffic::{Mix, Traffic};
use doorman_store::on_both_backends;
use serde_json::Value;

use crate::harness::{fired, TestApp};

/// Events replayed: enough for repeat devices, logins of earlier signups, farms and bots to
/// meet the linkage and velocity rules, within every velocity window of a test's run time.
const EVENTS: u64 = 1_200;
const DEVICES: u32 = 400;
const TENANTS: usize = 2;

fn recorded() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/server/replay-decisions.txt")
}

/// One line per event: its number, tenant, type, decision, score and fired rules (sorted,
/// shadowed ones marked).
fn line(n: u64, tenant: usize, event_type: EventType, body: &Value) -> String {
    assert!(body["triggeredRules"].is_array(), "event {n}: no triggeredRules in {body}");
    let mut rules = fired(body);
    rules.sort();
    let mut shadow: Vec<String> = body["allChecks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "SHADOW")
        .map(|c| format!("~{}", c["code"].as_str().unwrap()))
        .collect();
    shadow.sort();
    rules.extend(shadow);
    format!(
        "{n} t{tenant} {event_type:?} {} {} {}",
        body["decision"].as_str().unwrap(),
        body["riskScore"],
        rules.join(",")
    )
}

async fn the_load_generators_traffic_gets_the_recorded_decisions(app: TestApp) {
    let mut keys = vec![app.api_key.clone()];
    for t in 1..TENANTS {
        let tenant = app.store.create_tenant(&format!("replay{t}"), "Replay").await.unwrap();
        keys.push(app.store.create_api_key(&tenant.id, "replay").await.unwrap().1);
    }
    let mut traffic = Traffic::new(0, DEVICES, 1, Mix { bots: 0.1, farms: 0.02, logins: 0.4 });
    let mut out = String::new();
    for n in 1..=EVENTS {
        let (tenant, event) = traffic.next(TENANTS);
        let (status, body) = app.ingest_raw(Some(&keys[tenant]), serde_json::to_vec(&event).unwrap()).await;
        assert_eq!(status, 200, "event {n}: {body}");
        writeln!(out, "{}", line(n, tenant, event.event_type, &body)).unwrap();
    }

    if std::env::var_os("DOORMAN_BLESS_REPLAY").is_some() {
        std::fs::write(recorded(), &out).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(recorded()).expect("replay-decisions.txt: see this file's header");
    let differing: Vec<String> = expected
        .lines()
        .zip(out.lines())
        .filter(|(e, g)| e != g)
        .take(10)
        .map(|(e, g)| format!("recorded {e}\n     now {g}"))
        .collect();
    assert!(
        differing.is_empty() && expected.lines().count() == out.lines().count(),
        "{} of {EVENTS} events decided differently from the recorded build; the first:\n{}",
        expected.lines().zip(out.lines()).filter(|(e, g)| e != g).count(),
        differing.join("\n")
    );
}

on_both_backends!(TestApp::on => the_load_generators_traffic_gets_the_recorded_decisions);
