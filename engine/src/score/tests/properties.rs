//! Scoring invariants over generated events, linkage and tenant settings: the score is the
//! sum of the fired weights, the band follows the thresholds and never falls when the score
//! or a weight rises, and every rule is reported once with its effective weight.

use proptest::prelude::*;

use super::*;

const EMAILS: [&str; 4] =
    ["jane.doe@example.com", "x@mailinator.com", "xk7qpz9w2m@example.com", "j.a.n.e+1@gmail.com"];
const IPS: [&str; 4] = ["203.0.113.7", "198.51.100.9", "192.0.2.4", "2001:db8::1"];
const ZONES: [&str; 3] = ["Europe/Paris", "America/New_York", "Asia/Tokyo"];

#[derive(Debug, Clone)]
struct Case {
    req: IngestRequest,
    linkage: Linkage,
    config: RuleConfig,
}

fn linkage() -> impl Strategy<Value = Linkage> {
    (0u32..4, 0u32..4, 0u32..8, 0u32..8, 0u32..5, any::<bool>(), 0u32..3).prop_map(
        |(device, device_30d, ip_30d, ip_1h, device_1h, replay, email)| Linkage {
            other_users_on_device: device,
            other_signup_users_on_device_30d: device_30d,
            other_signup_users_on_ip_30d: ip_30d,
            signups_on_ip_1h: ip_1h,
            signups_on_device_1h: device_1h,
            payload_seen_before: replay,
            other_users_with_email: email,
            ..Linkage::default()
        },
    )
}

fn request() -> impl Strategy<Value = IngestRequest> {
    (
        0..EMAILS.len(),
        0..IPS.len(),
        0..ZONES.len(),
        any::<bool>(),
        500i64..20_000,
        0u32..40,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(email, ip, zone, webdriver, took, keys, pointer, has_device)| {
            let mut req = signup();
            req.email = Some(EMAILS[email].into());
            req.ip = Some(IPS[ip].into());
            let behavior = req.behavior.as_mut().unwrap();
            behavior.form_submitted_at = Some(1_000 + took);
            behavior.keystroke_count = Some(keys);
            if !pointer {
                behavior.mouse_path.clear();
            }
            let device = req.device.as_mut().unwrap();
            device.timezone = Some(ZONES[zone].into());
            if webdriver {
                device.automation = Some(AutomationSignals { webdriver: Some(true), ..Default::default() });
            }
            if !has_device {
                req.device = None;
            }
            req
        })
}

fn config() -> impl Strategy<Value = RuleConfig> {
    let rules = catalog().len();
    (
        0i32..200,
        0i32..200,
        proptest::collection::vec(
            (proptest::option::of(0i32..150), proptest::option::of(any::<bool>())),
            rules,
        ),
    )
        .prop_map(|(allow_max, gap, tuning)| {
            let mut config = RuleConfig {
                thresholds: Thresholds { allow_max, monitor_max: allow_max + gap },
                ..RuleConfig::default()
            };
            for (rule, (weight, enabled)) in catalog().iter().zip(tuning) {
                if weight.is_some() || enabled.is_some() {
                    config
                        .overrides
                        .insert(rule.code.to_string(), RuleOverride { weight, enabled, shadow: None });
                }
            }
            config
        })
}

fn case() -> impl Strategy<Value = Case> {
    (request(), linkage(), config()).prop_map(|(req, linkage, config)| Case { req, linkage, config })
}

fn rank(band: RiskBand) -> u8 {
    match band {
        RiskBand::Allow => 0,
        RiskBand::Monitor => 1,
        RiskBand::Block => 2,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_score_is_the_sum_of_fired_weights(case in case()) {
        let a = run_with(&case.req, &case.linkage, &case.config);
        let fired: i32 = a.checks.iter().filter(|c| c.status == CheckStatus::Fired).map(|c| c.weight).sum();
        prop_assert_eq!(a.risk_score, fired);
        prop_assert_eq!(a.risk_band, RiskBand::for_score(a.risk_score, &case.config.thresholds));
        prop_assert_eq!(a.decision, a.risk_band.decision());
        // Every rule once, in catalog order, with its effective weight and enabled flag.
        prop_assert_eq!(a.checks.len(), catalog().len());
        for (check, rule) in a.checks.iter().zip(catalog()) {
            prop_assert_eq!(check.code.as_str(), rule.code);
            let tuning = case.config.overrides.get(rule.code).copied().unwrap_or_default();
            prop_assert_eq!(check.weight, tuning.weight.unwrap_or(rule.default_weight));
            let off = tuning.mode_over(rule.default_mode) == crate::config::RuleMode::Disabled;
            prop_assert_eq!(check.status == CheckStatus::Disabled, off);
        }
    }

    #[test]
    fn raising_a_weight_never_lowers_the_band(case in case(), rule in 0..catalog().len(), extra in 0i32..100) {
        let before = run_with(&case.req, &case.linkage, &case.config);
        let code = catalog()[rule].code;
        let mut heavier = case.config.clone();
        let tuning = heavier.overrides.entry(code.to_string()).or_default();
        tuning.weight = Some(tuning.weight.unwrap_or(catalog()[rule].default_weight) + extra);
        let after = run_with(&case.req, &case.linkage, &heavier);
        prop_assert!(after.risk_score >= before.risk_score);
        prop_assert!(rank(after.risk_band) >= rank(before.risk_band));
    }

    #[test]
    fn the_band_rises_with_the_score(a in -50i32..400, b in -50i32..400, allow_max in 0i32..200, gap in 0i32..200) {
        let thresholds = Thresholds { allow_max, monitor_max: allow_max + gap };
        let (low, high) = (a.min(b), a.max(b));
        prop_assert!(rank(RiskBand::for_score(low, &thresholds)) <= rank(RiskBand::for_score(high, &thresholds)));
    }
}
