//! Checks as events store them. Every event keeps every check, so their size is most of an
//! event row: stored whole, with labels and the rules of other event types, they took 4.5 KB
//! of a 6.5 KB row and spilled rows onto overflow pages. The stored form keeps what cannot be
//! derived again (code, status, effective weight, detail) and leaves out labels, which the
//! catalog gives, and the checks of rules that do not apply to the event's type, which are
//! all alike. Reading gives the full list again, in catalog order.

use serde::{Deserialize, Serialize};

use super::{not_applicable, Check, CheckStatus};
use crate::input::EventType;
use crate::rules::catalog;

/// One check: `[code, status, weight, detail]`.
#[derive(Serialize, Deserialize)]
struct Stored<'a>(#[serde(borrow)] &'a str, CheckStatus, i32, #[serde(borrow)] std::borrow::Cow<'a, str>);

/// Either form a stored event may hold: rows written before the compact form keep the full
/// checks.
#[derive(Deserialize)]
#[serde(untagged)]
enum Form<'a> {
    #[serde(borrow)]
    Compact(Vec<Stored<'a>>),
    Full(Vec<Check>),
}

fn is_not_applicable(check: &Check, event_type: EventType) -> bool {
    check.status == CheckStatus::Pass
        && catalog().iter().any(|rule| rule.code == check.code && !rule.applies(event_type))
}

/// The stored form of an event's checks.
pub fn encode(event_type: EventType, checks: &[Check]) -> String {
    let kept: Vec<Stored> = checks
        .iter()
        .filter(|c| !is_not_applicable(c, event_type))
        .map(|c| Stored(&c.code, c.status, c.weight, c.detail.as_str().into()))
        .collect();
    serde_json::to_string(&kept).expect("checks serialise")
}

/// Every check of an event from its stored form (either form).
pub fn decode(event_type: EventType, json: &str) -> Result<Vec<Check>, serde_json::Error> {
    let stored = match serde_json::from_str::<Form>(json)? {
        Form::Full(checks) => return Ok(checks),
        Form::Compact(stored) => stored,
    };
    let mut checks: Vec<Check> = catalog()
        .iter()
        .filter_map(|rule| match stored.iter().find(|s| s.0 == rule.code) {
            Some(Stored(code, status, weight, detail)) => Some(Check {
                code: code.to_string(),
                label: rule.label.to_string(),
                weight: *weight,
                status: *status,
                detail: detail.to_string(),
            }),
            None if !rule.applies(event_type) => Some(Check {
                code: rule.code.to_string(),
                label: rule.label.to_string(),
                weight: rule.default_weight,
                status: CheckStatus::Pass,
                detail: not_applicable(event_type),
            }),
            None => None,
        })
        .collect();
    // A rule a later version removed still shows, under its code.
    for Stored(code, status, weight, detail) in &stored {
        if !catalog().iter().any(|rule| rule.code == *code) {
            let code = code.to_string();
            checks.push(Check {
                label: code.clone(),
                code,
                weight: *weight,
                status: *status,
                detail: detail.to_string(),
            });
        }
    }
    Ok(checks)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RuleConfig;
    use crate::derive::derive;
    use crate::geo::Geo;
    use crate::input::IngestRequest;
    use crate::linkage::Linkage;
    use crate::reputation::Reputation;
    use crate::score::assess;

    fn checks_of(event_type: EventType) -> Vec<Check> {
        let req: IngestRequest = serde_json::from_value(serde_json::json!({
            "type": event_type, "email": "x7kq2zp9w@mailinator.com", "phone": "+33612345678",
            "referrerUserId": "r", "promoCode": "P", "device": { "userAgent": "curl/8.0" }
        }))
        .unwrap();
        let rep =
            Reputation { disposable_domains: ["mailinator.com".to_string()].into(), ..Default::default() };
        let signals = derive(&req, &rep, &Geo::default());
        let mut config = RuleConfig::default();
        config.overrides.insert("TOR_EXIT".into(), serde_json::from_str(r#"{"enabled":false}"#).unwrap());
        config
            .overrides
            .insert("SELF_REFERRAL".into(), serde_json::from_str(r#"{"enabled":false}"#).unwrap());
        assess(&req, &signals, &Linkage::default(), &config).checks
    }

    #[test]
    fn every_event_type_reads_back_what_was_scored() {
        for event_type in EventType::ALL {
            let checks = checks_of(event_type);
            assert!(checks.iter().any(|c| c.status == CheckStatus::Fired), "{event_type:?}");
            assert!(checks.iter().any(|c| c.status == CheckStatus::Disabled), "{event_type:?}");
            let stored = encode(event_type, &checks);
            assert_eq!(decode(event_type, &stored).unwrap(), checks, "{event_type:?}");
            let full = serde_json::to_string(&checks).unwrap();
            assert!(
                stored.len() * 2 < full.len(),
                "{event_type:?}: {} of {} bytes",
                stored.len(),
                full.len()
            );
        }
    }

    #[test]
    fn rows_in_the_full_form_still_read() {
        let checks = checks_of(EventType::Signup);
        let full = serde_json::to_string(&checks).unwrap();
        assert_eq!(decode(EventType::Signup, &full).unwrap(), checks);
        assert_eq!(
            decode(EventType::Signup, "[]").unwrap().len(),
            catalog().iter().filter(|r| !r.applies(EventType::Signup)).count()
        );
    }

    #[test]
    fn a_removed_rule_keeps_its_code_and_junk_is_an_error() {
        let checks = decode(EventType::Login, r#"[["OLD_RULE","FIRED",35,"was seen"]]"#).unwrap();
        let old = checks.iter().find(|c| c.code == "OLD_RULE").unwrap();
        assert_eq!((old.label.as_str(), old.weight, old.status), ("OLD_RULE", 35, CheckStatus::Fired));
        for junk in ["{}", "[1,2]", r#"[["A","MAYBE",1,"x"]]"#, "not json"] {
            assert!(decode(EventType::Login, junk).is_err(), "{junk}");
        }
    }
}
