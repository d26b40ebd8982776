//! An ingest body as the server reads it: parsed as the API parses it, then, when valid,
//! derived and scored with the bundled IP data (country, AS numbers, time zones, places) and
//! a tenant's allow and block lists. Whatever the bytes, nothing panics, and every scored event
//! keeps the engine's invariants. A `linkage` object in the body sets the store's counts, so
//! the rules that read them are reached too, travel included.
#![no_main]

use std::net::IpAddr;
use std::path::Path;
use std::sync::OnceLock;

use doorman_engine::config::RuleConfig;
use doorman_engine::derive::derive;
use doorman_engine::geo::{mmdb, AsnDb, AsnRanges, CountryDb, CountryPlaces, Geo, ZoneCountries};
use doorman_engine::lists::{domain_candidates, ip_key, parse_entry, ListAction, ListKind, ListMatch};
use doorman_engine::input::IngestRequest;
use doorman_engine::json::parse;
use doorman_engine::linkage::Linkage;
use doorman_engine::reputation::Reputation;
use doorman_engine::rules::catalog;
use doorman_engine::score::{assess, CheckStatus, Decision, RiskBand};
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

/// The data files `doorman serve` reads, as `scripts/setup.sh` puts them in `data/`; a file
/// that is missing leaves its part empty.
fn geo() -> &'static Geo {
    static GEO: OnceLock<Geo> = OnceLock::new();
    GEO.get_or_init(|| {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data");
        let text = |file: &str| std::fs::read_to_string(data.join(file)).ok();
        let mut asn = AsnRanges::default();
        for file in ["asn-ipv4.csv", "asn-ipv6.csv"] {
            if let Some(csv) = text(file) {
                asn.add_csv(&csv).expect("the bundled AS ranges parse");
            }
        }
        let country = std::fs::read(data.join("country.mmdb")).ok().map(|bytes| mmdb(bytes).expect("the bundled country database opens"));
        Geo {
            country: country.map(CountryDb::Mmdb),
            asn: (!asn.is_empty()).then_some(AsnDb::Ranges(asn)),
            zones: text("zone-countries.tsv").map(|t| ZoneCountries::parse(&t)).unwrap_or_default(),
            places: text("country-places.tsv").map(|t| CountryPlaces::parse(&t)).unwrap_or_default(),
        }
    })
}

/// A tenant's lists, as the dashboard stores them (canonical values).
fn lists() -> &'static [(ListAction, ListKind, String)] {
    static LISTS: OnceLock<Vec<(ListAction, ListKind, String)>> = OnceLock::new();
    LISTS.get_or_init(|| {
        [
            (ListAction::Allow, ListKind::Email, "VIP.Customer+x@Example.com"),
            (ListAction::Block, ListKind::EmailDomain, "evil.example"),
            (ListAction::Block, ListKind::Ip, "203.0.113.66"),
            (ListAction::Block, ListKind::Cidr, "198.51.100.0/24"),
        ]
        .into_iter()
        .map(|(action, kind, raw)| (action, kind, parse_entry(kind, raw).expect("a valid entry").value))
        .collect()
    })
}

/// The entry of the tenant's lists the event matches, as the store finds it: by the event's
/// canonical email, its domain or parent domain, and its address or the /24 around it.
/// (Visitor entries name ids the store assigns, which no request carries.)
fn list_match(req: &IngestRequest) -> Option<ListMatch> {
    let mut keys: Vec<(ListKind, String)> = Vec::new();
    if let Some(email) = req.email.as_deref().and_then(|e| parse_entry(ListKind::Email, e).ok()) {
        if let Some((_, domain)) = email.value.rsplit_once('@') {
            let (domain, parent) = domain_candidates(domain);
            keys.extend([domain].into_iter().chain(parent).map(|d| (ListKind::EmailDomain, d)));
        }
        keys.push((ListKind::Email, email.value));
    }
    if let Some(ip) = req.ip.as_deref().and_then(|ip| ip.parse::<IpAddr>().ok()) {
        keys.push((ListKind::Ip, ip_key(ip)));
        if let Ok(block) = parse_entry(ListKind::Cidr, &format!("{ip}/24")) {
            keys.push((ListKind::Cidr, block.value));
        }
    }
    lists().iter().find_map(|(action, kind, value)| {
        keys.iter().any(|(k, v)| k == kind && v == value).then(|| ListMatch { action: *action, kind: *kind, value: value.clone() })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(req) = parse::<IngestRequest>(data) else { return };
    if req.validate().is_err() {
        return;
    }
    let mut linkage = parse::<Extras>(data).map(|e| e.linkage).unwrap_or_default();
    let config = RuleConfig::default();
    let signals = derive(&req, reputation(), geo());
    linkage.measure_travel(&geo().places, signals.ip.country.as_deref());
    let mut assessment = assess(&req, &signals, &linkage, &config);

    let fired: i32 = assessment.checks.iter().filter(|c| c.status == CheckStatus::Fired).map(|c| c.weight).sum();
    assert_eq!(assessment.risk_score, fired, "the score is the sum of the fired weights");
    assert_eq!(assessment.risk_band, RiskBand::for_score(assessment.risk_score, &config.thresholds));
    assert_eq!(assessment.decision, assessment.risk_band.decision());
    assert_eq!(assessment.checks.len(), catalog().len(), "every rule is reported once");
    if let Some(listed) = list_match(&req) {
        let action = listed.action;
        assessment.apply_list(listed);
        let decided = if action == ListAction::Allow { Decision::Allow } else { Decision::Block };
        assert_eq!(assessment.decision, decided, "a listed event takes its list's decision");
        assert_eq!(assessment.risk_score, fired, "a list overrides the decision, not the score");
    }
    // What the server answers and stores must serialise.
    serde_json::to_vec(&signals).expect("signals serialise");
    serde_json::to_vec(&assessment).expect("the assessment serialises");
});
