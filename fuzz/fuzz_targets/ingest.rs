//! An ingest body as the server reads it: parsed as the API parses it, then, when valid,
//! derived and scored. Whatever the bytes, nothing panics, and every scored event keeps the
//! engine's invariants. A `linkage` object in the body sets the store's counts, so the
//! rules that read them are reached too.
#![no_main]

use std::sync::OnceLock;

use doorman_engine::config::RuleConfig;
use doorman_engine::derive::derive;
use doorman_engine::geo::Geo;
use doorman_engine::input::IngestRequest;
use doorman_engine::json::parse;
use doorman_engine::linkage::Linkage;
use doorman_engine::reputation::Reputation;
use doorman_engine::rules::catalog;
use doorman_engine::score::{assess, CheckStatus, RiskBand};
use libfuzzer_sys::fuzz_target;
use serde::Deserialize;

#[derive(Deserialize)]
struct Extras {
    #[serde(default)]
    linkage: Linkage,
}

fn reputation() -> &'static Reputation {
    static REPUTATION: OnceLock<Reputation> = OnceLock::new();
    REPUTATION.get_or_init(|| {
        let mut rep = Reputation::default();
        rep.disposable_domains.insert("mailinator.com".into());
        rep.tor_exits.insert("198.51.100.7".parse().unwrap());
        rep
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(req) = parse::<IngestRequest>(data) else { return };
    if req.validate().is_err() {
        return;
    }
    let linkage = parse::<Extras>(data).map(|e| e.linkage).unwrap_or_default();
    let config = RuleConfig::default();
    let signals = derive(&req, reputation(), &Geo::default());
    let assessment = assess(&req, &signals, &linkage, &config);

    let fired: i32 = assessment.checks.iter().filter(|c| c.status == CheckStatus::Fired).map(|c| c.weight).sum();
    assert_eq!(assessment.risk_score, fired, "the score is the sum of the fired weights");
    assert_eq!(assessment.risk_band, RiskBand::for_score(assessment.risk_score, &config.thresholds));
    assert_eq!(assessment.decision, assessment.risk_band.decision());
    assert_eq!(assessment.checks.len(), catalog().len(), "every rule is reported once");
    // What the server answers and stores must serialise.
    serde_json::to_vec(&signals).expect("signals serialise");
    serde_json::to_vec(&assessment).expect("the assessment serialises");
});
