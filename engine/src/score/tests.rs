//! Every rule fires, passes, can be disabled and re-weighted; bands and decisions follow the
//! thresholds.

use doorman_collector::payload::{
    AutomationSignals, BehaviorSignals, DeviceSignals, InputSignals, MousePoint, Screen,
};

use super::*;
use crate::config::RuleMode;
use crate::config::{Limits, RuleOverride};
use crate::derive::derive;
use crate::geo::{AsnDb, AsnRanges, CountryDb, CountryPlaces, CountryRanges, Geo, ZoneCountries};
use crate::input::EventType;
use crate::linkage::PreviousLogin;
use crate::reputation::Reputation;
use crate::velocity::Windows;

/// A signup as seed 003's snippet sends it, by a person who took eight seconds.
fn signup() -> IngestRequest {
    IngestRequest {
        event_type: EventType::Signup,
        email: Some("jane.doe@example.com".into()),
        external_user_id: Some("u-1".into()),
        ip: Some("203.0.113.7".into()),
        device: Some(DeviceSignals {
            user_agent: Some(
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0.0.0 Safari/537.36".into(),
            ),
            screen: Some(Screen {
                width: Some(1920),
                height: Some(1080),
                pixel_ratio: Some(1.0),
                ..Default::default()
            }),
            timezone: Some("Europe/Paris".into()),
            language: Some("fr-FR".into()),
            hardware_concurrency: Some(8),
            platform: Some("Win32".into()),
            client_fingerprint: Some("fp".into()),
            ..Default::default()
        }),
        behavior: Some(BehaviorSignals {
            form_started_at: Some(1_000),
            form_submitted_at: Some(9_000),
            keystroke_count: Some(30),
            mouse_path: vec![
                MousePoint { x: 10.0, y: 10.0, t: 100.0 },
                MousePoint { x: 60.0, y: 40.0, t: 170.0 },
                MousePoint { x: 90.0, y: 110.0, t: 260.0 },
            ],
            key_intervals: vec![120, 95, 210, 180, 88, 140, 300, 110, 160],
            ..Default::default()
        }),
        phone: None,
        referrer_user_id: None,
        promo_code: None,
    }
}

fn reputation() -> Reputation {
    Reputation {
        disposable_domains: ["mailinator.com".to_string()].into(),
        tor_exits: ["192.0.2.4".parse().unwrap()].into(),
        high_risk_asns: [14061].into(),
        sms_high_risk_prefixes: ["882".to_string()].into(),
    }
}

/// 203.0.113.0/24 is a French broadband network, 198.51.100.0/24 a US hosting provider.
fn geo() -> Geo {
    let mut countries = CountryRanges::default();
    countries.add_csv("203.0.113.0,203.0.113.255,FR\n198.51.100.0,198.51.100.255,US\n").unwrap();
    let mut networks = AsnRanges::default();
    networks
        .add_csv("203.0.113.0,203.0.113.255,3215,Orange\n198.51.100.0,198.51.100.255,14061,DigitalOcean\n")
        .unwrap();
    Geo {
        country: Some(CountryDb::Ranges(countries)),
        asn: Some(AsnDb::Ranges(networks)),
        zones: ZoneCountries::parse("Europe/Paris\tFR,MC\nAmerica/New_York\tUS\n"),
        places: CountryPlaces::parse("FR\t48.87,2.33\nBE\t50.83,4.33\nUS\t40.71,-74.01\n"),
    }
}

/// An SMS code requested by the signup's person for `phone`.
fn sms(phone: &str) -> IngestRequest {
    IngestRequest { event_type: EventType::SmsOtp, phone: Some(phone.into()), ..signup() }
}

fn login() -> IngestRequest {
    IngestRequest { event_type: EventType::Login, ..signup() }
}

fn run_with(req: &IngestRequest, linkage: &Linkage, config: &RuleConfig) -> Assessment {
    assess(req, &derive(req, &reputation(), &geo()), linkage, config)
}

fn run(req: &IngestRequest, linkage: &Linkage) -> Assessment {
    run_with(req, linkage, &RuleConfig::default())
}

/// The default settings with the rules that are off by default turned on.
fn every_rule_on() -> RuleConfig {
    let mut config = RuleConfig::default();
    for rule in catalog().iter().filter(|r| r.default_mode == RuleMode::Disabled) {
        config.overrides.insert(rule.code.into(), RuleOverride { enabled: Some(true), ..Default::default() });
    }
    config
}

fn check<'a>(a: &'a Assessment, code: &str) -> &'a Check {
    a.checks.iter().find(|c| c.code == code).unwrap_or_else(|| panic!("no check {code}"))
}

fn status(a: &Assessment, code: &str) -> CheckStatus {
    check(a, code).status
}

/// For each rule: an event (and linkage) that makes it fire, from the clean signup.
fn firing_case(code: &str) -> (IngestRequest, Linkage) {
    let mut req = signup();
    let mut linkage = Linkage::default();
    let device = req.device.as_mut().unwrap();
    match code {
        "BOT_DETECTED" => {
            device.automation = Some(AutomationSignals { webdriver: Some(true), ..Default::default() })
        }
        "BROWSER_TAMPERING" => device.platform = Some("MacIntel".into()),
        "MISSING_SIGNALS" => req.device = None,
        "REPLAYED_PAYLOAD" => linkage.payload_seen_before = true,
        "DEVICE_REUSED" => linkage.other_users_on_device = 1,
        "ACCOUNTS_PER_DEVICE" => linkage.other_signup_users_on_device_30d = 1,
        "ACCOUNTS_PER_IP" => linkage.other_signup_users_on_ip_30d = 5,
        "SIGNUP_VELOCITY_IP" => linkage.signups_on_ip_1h = 5,
        "SIGNUP_VELOCITY_DEVICE" => linkage.signups_on_device_1h = 3,
        "EMAIL_ALIAS_REUSED" => linkage.other_users_with_email = 1,
        "DISPOSABLE_EMAIL" => req.email = Some("x@mailinator.com".into()),
        "RANDOM_EMAIL" => req.email = Some("xk7qpz9w2m@example.com".into()),
        "TOR_EXIT" => req.ip = Some("192.0.2.4".into()),
        "HIGH_RISK_ASN" => {
            req.ip = Some("198.51.100.9".into());
            req.device.as_mut().unwrap().timezone = Some("America/New_York".into());
        }
        "TIMEZONE_MISMATCH" => req.device.as_mut().unwrap().timezone = Some("America/New_York".into()),
        "FAST_COMPLETION" => req.behavior.as_mut().unwrap().form_submitted_at = Some(2_500),
        "NO_POINTER_ACTIVITY" => req.behavior.as_mut().unwrap().mouse_path.clear(),
        "ROBOTIC_POINTER" => {
            req.behavior.as_mut().unwrap().mouse_path = (0..12)
                .map(|i| MousePoint {
                    x: f64::from(i) * 20.0,
                    y: 300.0,
                    t: f64::from(i) * 73.0 + f64::from(i % 3) * 9.0,
                })
                .collect()
        }
        "SCRIPTED_KEYS" => {
            req.behavior.as_mut().unwrap().input =
                Some(InputSignals { key_gaps: vec![1.2; 6], trusted: 12, ..Default::default() })
        }
        "SCRIPTED_POINTER" => {
            req.behavior.as_mut().unwrap().input =
                Some(InputSignals { presses: 1, fractional_presses: 1, trusted: 3, ..Default::default() })
        }
        "NO_TRUSTED_INPUT" => {
            req.behavior.as_mut().unwrap().input = Some(InputSignals { untrusted: 4, ..Default::default() })
        }
        "NO_KEYSTROKES" => req.behavior.as_mut().unwrap().keystroke_count = Some(0),
        "UNIFORM_TYPING" => req.behavior.as_mut().unwrap().key_intervals = vec![100; 12],
        "NEW_DEVICE_FOR_USER" => {
            req.event_type = EventType::Login;
            linkage.other_devices_of_user = 1;
        }
        "IMPOSSIBLE_TRAVEL" => {
            req.event_type = EventType::Login;
            linkage.previous_login =
                Some(PreviousLogin { country: "US".into(), elapsed_ms: 3_600_000, min_distance_km: None });
            linkage.measure_travel(&geo().places, Some("FR"));
        }
        "CREDENTIAL_STUFFING" => {
            req.event_type = EventType::Login;
            linkage.failed_logins_on_ip_1h = 6;
        }
        "SMS_VELOCITY_DEVICE" => {
            req = sms("+33612345678");
            linkage.sms_on_device_24h = 5;
        }
        "SMS_VELOCITY_RANGE" => {
            req = sms("+33612345678");
            linkage.sms_on_range_1h = 10;
        }
        "SMS_HIGH_RISK_DESTINATION" => req = sms("+88212345678"),
        "TRIAL_REUSED_ON_DEVICE" => {
            req.event_type = EventType::TrialStart;
            linkage.other_trial_users_on_device = 1;
        }
        "SELF_REFERRAL" => {
            req.event_type = EventType::Referral;
            req.referrer_user_id = Some("u-0".into());
            linkage.referrer_seen_on_device = true;
        }
        "REFERRAL_DEVICE_REPEAT" => {
            req.event_type = EventType::Referral;
            req.referrer_user_id = Some("u-0".into());
            linkage.other_referrals_on_device = 1;
        }
        "PROMO_REUSED_ON_DEVICE" => {
            req.event_type = EventType::PromoRedeem;
            req.promo_code = Some("WELCOME10".into());
            linkage.other_promo_users_on_device = 1;
        }
        "RESET_VELOCITY_DEVICE" => {
            req.event_type = EventType::PasswordReset;
            linkage.resets_on_device_1h = 3;
        }
        "RESET_VELOCITY_USER" => {
            req.event_type = EventType::PasswordReset;
            linkage.resets_for_user_1h = 3;
        }
        "DEVICE_IP_VELOCITY" => linkage.velocity.ips_per_visitor.hour = 6,
        "DEVICE_COUNTRY_VELOCITY" => linkage.velocity.countries_per_visitor.day = 3,
        "IP_DEVICE_VELOCITY" => {
            linkage.velocity.visitors_per_ip = Some(Windows { hour: 21, ..Default::default() })
        }
        "EMAIL_DOMAIN_DEVICE_VELOCITY" => {
            linkage.velocity.visitors_per_email_domain = Some(Windows { hour: 21, ..Default::default() })
        }
        "IP_EVENT_VELOCITY" => {
            linkage.velocity.events_per_ip = Some(Windows { five_minutes: 31, ..Default::default() })
        }
        other => panic!("no firing case for {other}: add one"),
    }
    (req, linkage)
}

#[test]
fn decision_names_are_the_wire_names() {
    for d in Decision::ALL {
        assert_eq!(serde_json::to_value(d).unwrap(), d.as_str());
    }
}

#[test]
fn a_clean_signup_passes_every_rule() {
    let a = run_with(&signup(), &Linkage::default(), &every_rule_on());
    assert_eq!(a.risk_score, 0);
    assert_eq!((a.risk_band, a.decision), (RiskBand::Allow, Decision::Allow));
    assert_eq!(a.checks.len(), catalog().len());
    assert!(a.checks.iter().all(|c| c.status == CheckStatus::Pass), "{:?}", a.checks);
}

#[test]
fn input_that_no_person_gives_is_challenged_by_default() {
    // A form filled by script and submitted at once, without a key: a script, not a person.
    let mut req = signup();
    let b = req.behavior.as_mut().unwrap();
    b.keystroke_count = Some(0);
    b.form_submitted_at = Some(2_500);
    let a = run(&req, &Linkage::default());
    assert_eq!(a.decision, Decision::Challenge, "{:?}", a.triggered().map(|c| &c.code).collect::<Vec<_>>());

    // Either half of a protocol's driving alone is a CHALLENGE, both together a BLOCK.
    for (input, decision) in [
        (InputSignals { key_holds: vec![0.4; 8], ..Default::default() }, Decision::Challenge),
        (InputSignals { presses: 2, fractional_presses: 2, ..Default::default() }, Decision::Challenge),
        (
            InputSignals { key_holds: vec![0.4; 8], presses: 2, fractional_presses: 1, ..Default::default() },
            Decision::Block,
        ),
    ] {
        let mut req = signup();
        req.behavior.as_mut().unwrap().input = Some(InputSignals { trusted: 30, ..input });
        assert_eq!(run(&req, &Linkage::default()).decision, decision);
    }
}

#[test]
fn every_rule_fires_alone_with_its_default_weight() {
    for rule in catalog() {
        let (req, linkage) = firing_case(rule.code);
        let a = run_with(&req, &linkage, &every_rule_on());
        let fired: Vec<&str> = a.triggered().map(|c| c.code.as_str()).collect();
        assert_eq!(fired, vec![rule.code], "{}: {:?}", rule.code, a.checks);
        assert_eq!(a.risk_score, rule.default_weight, "{}", rule.code);
        assert!(!check(&a, rule.code).detail.is_empty());
    }
}

#[test]
fn every_rule_can_be_disabled_or_reweighted() {
    for rule in catalog() {
        let (req, linkage) = firing_case(rule.code);
        let mut config = every_rule_on();
        config
            .overrides
            .insert(rule.code.into(), RuleOverride { enabled: Some(false), weight: None, shadow: None });
        let a = run_with(&req, &linkage, &config);
        assert_eq!(status(&a, rule.code), CheckStatus::Disabled, "{}", rule.code);
        assert_eq!(a.risk_score, 0, "{}", rule.code);

        let on = (rule.default_mode == RuleMode::Disabled).then_some(true);
        config
            .overrides
            .insert(rule.code.into(), RuleOverride { enabled: on, weight: Some(7), shadow: None });
        let a = run_with(&req, &linkage, &config);
        assert_eq!(status(&a, rule.code), CheckStatus::Fired, "{}", rule.code);
        assert_eq!((a.risk_score, check(&a, rule.code).weight), (7, 7), "{}", rule.code);
    }
}

#[test]
fn every_rule_can_be_tried_in_shadow_without_scoring() {
    for rule in catalog() {
        let (req, linkage) = firing_case(rule.code);
        let mut config = RuleConfig::default();
        let mut trial = RuleOverride { weight: Some(500), ..Default::default() };
        trial.set_mode(crate::config::RuleMode::Shadow);
        config.overrides.insert(rule.code.into(), trial);
        let a = run_with(&req, &linkage, &config);
        assert_eq!(status(&a, rule.code), CheckStatus::Shadow, "{}", rule.code);
        assert_eq!((a.risk_score, a.decision), (0, Decision::Allow), "{}: the score is untouched", rule.code);
        assert_eq!(
            a.shadow,
            [ShadowHit {
                code: rule.code.to_string(),
                decided: Decision::Allow,
                would_decide: Decision::Block
            }]
        );
        assert!(check(&a, rule.code)
            .detail
            .ends_with("(in shadow: would have decided BLOCK instead of ALLOW)"));
        assert_eq!(a.triggered().count(), 0, "a shadow rule is not among the triggered");
    }
}

#[test]
fn a_tenant_promotes_a_rule_the_global_settings_try_in_shadow() {
    let mut global = RuleConfig::default();
    let mut trial = RuleOverride::default();
    trial.set_mode(crate::config::RuleMode::Shadow);
    global.overrides.insert("RANDOM_EMAIL".into(), trial);
    let mut promoted = RuleOverride::default();
    promoted.set_mode(crate::config::RuleMode::Enabled);
    let tenant = crate::config::ConfigOverrides {
        rules: [("RANDOM_EMAIL".to_string(), promoted)].into(),
        ..Default::default()
    };
    assert_eq!(global.overrides["RANDOM_EMAIL"].mode(), crate::config::RuleMode::Shadow);
    assert_eq!(
        global.with_overrides(&tenant).overrides["RANDOM_EMAIL"].mode(),
        crate::config::RuleMode::Enabled
    );
}

#[test]
fn limits_are_tenant_settings() {
    let mut linkage = Linkage { other_signup_users_on_device_30d: 1, ..Default::default() };
    let mut config =
        RuleConfig { limits: Limits { accounts_per_device: 2, ..Limits::default() }, ..Default::default() };
    assert_eq!(status(&run_with(&signup(), &linkage, &config), "ACCOUNTS_PER_DEVICE"), CheckStatus::Pass);
    linkage.other_signup_users_on_device_30d = 2;
    let a = run_with(&signup(), &linkage, &config);
    assert_eq!(status(&a, "ACCOUNTS_PER_DEVICE"), CheckStatus::Fired);
    assert_eq!(check(&a, "ACCOUNTS_PER_DEVICE").detail, "3 accounts on this device in 30 days (limit 2)");

    config.limits.min_completion_ms = 10_000;
    let a = run_with(&signup(), &Linkage::default(), &config);
    assert_eq!(check(&a, "FAST_COMPLETION").detail, "completed in 8.0 s (minimum 10.0 s)");
    assert_eq!(status(&a, "FAST_COMPLETION"), CheckStatus::Fired);
}

#[test]
fn signup_only_rules_pass_for_other_event_types() {
    let mut req = signup();
    req.event_type = EventType::Login;
    let linkage = Linkage { other_signup_users_on_device_30d: 9, signups_on_ip_1h: 9, ..Default::default() };
    let a = run(&req, &linkage);
    assert_eq!(check(&a, "ACCOUNTS_PER_DEVICE").detail, "not applicable to LOGIN");
    assert_eq!(a.risk_score, 0);
}

#[test]
fn bands_follow_the_thresholds() {
    let t = Thresholds::default();
    for (score, band) in [
        (0, RiskBand::Allow),
        (79, RiskBand::Allow),
        (80, RiskBand::Monitor),
        (119, RiskBand::Monitor),
        (120, RiskBand::Block),
    ] {
        assert_eq!(RiskBand::for_score(score, &t), band, "{score}");
    }
    assert_eq!(RiskBand::Monitor.decision(), Decision::Challenge);
}

#[test]
fn the_same_device_with_a_new_account_is_blocked() {
    let linkage =
        Linkage { other_users_on_device: 1, other_signup_users_on_device_30d: 1, ..Default::default() };
    let a = run(&signup(), &linkage);
    assert_eq!(a.risk_score, 180);
    assert_eq!(a.decision, Decision::Block);
}

#[test]
fn reused_device_alone_is_a_challenge_only_with_more() {
    // A second user logging in on a shared family computer: monitored, not blocked.
    let mut req = signup();
    req.event_type = EventType::Login;
    let linkage = Linkage { other_users_on_device: 1, ..Default::default() };
    let a = run(&req, &linkage);
    assert_eq!((a.risk_score, a.decision), (60, Decision::Allow));
}

#[test]
fn score_is_the_sum_of_fired_weights() {
    let (mut req, mut linkage) = firing_case("DISPOSABLE_EMAIL");
    req.ip = Some("192.0.2.4".into());
    linkage.payload_seen_before = true;
    let a = run(&req, &linkage);
    let sum: i32 = a.triggered().map(|c| c.weight).sum();
    assert_eq!(a.risk_score, sum);
    assert_eq!(a.risk_score, 30 + 60 + 120);
}

#[test]
fn an_anonymous_event_on_its_owners_device_is_not_reuse() {
    let anonymous = IngestRequest { external_user_id: None, email: None, ..sms("+33612345678") };
    let one = Linkage { other_users_on_device: 1, ..Default::default() };
    assert_eq!(status(&run(&anonymous, &one), "DEVICE_REUSED"), CheckStatus::Pass);
    let two = Linkage { other_users_on_device: 2, ..Default::default() };
    let a = run(&anonymous, &two);
    assert_eq!(check(&a, "DEVICE_REUSED").detail, "2 users seen on this device");
    assert_eq!(status(&a, "DEVICE_REUSED"), CheckStatus::Fired);
}

#[test]
fn travel_is_judged_by_distance_over_time() {
    let after = |country: &str, elapsed_ms: i64, ip: &str| {
        let mut linkage = Linkage {
            previous_login: Some(PreviousLogin {
                country: country.into(),
                elapsed_ms,
                min_distance_km: None,
            }),
            ..Default::default()
        };
        let req = IngestRequest { ip: Some(ip.into()), ..login() };
        linkage.measure_travel(&geo().places, derive(&req, &reputation(), &geo()).ip.country.as_deref());
        let a = run(&req, &linkage);
        (status(&a, "IMPOSSIBLE_TRAVEL"), check(&a, "IMPOSSIBLE_TRAVEL").detail.clone())
    };
    let (fired, detail) = after("US", 3 * 60_000, "203.0.113.7");
    assert_eq!(fired, CheckStatus::Fired);
    assert!(detail.starts_with("US to FR (at least 5,336 km) in 3 min: 106,7"), "{detail}");
    // A flight to Paris takes longer than seven hours; a neighbouring country is near enough.
    assert_eq!(after("US", 8 * 3_600_000, "203.0.113.7").0, CheckStatus::Pass);
    assert_eq!(after("BE", 1_000, "203.0.113.7").0, CheckStatus::Pass);
    assert_eq!(after("FR", 1_000, "203.0.113.7").0, CheckStatus::Pass);
    // Without a country for this IP or on the map there is nothing to measure.
    assert_eq!(after("US", 1_000, "10.0.0.1"), (CheckStatus::Pass, "country of this IP unknown".into()));
    assert_eq!(after("ZZ", 1_000, "203.0.113.7").0, CheckStatus::Pass);
}

#[test]
fn a_login_from_a_known_device_passes_and_a_new_one_is_named() {
    let known = Linkage { device_known_for_user: true, other_devices_of_user: 2, ..Default::default() };
    let a = run(&login(), &known);
    assert_eq!((a.risk_score, a.decision), (0, Decision::Allow));
    let new = Linkage { other_devices_of_user: 2, ..Default::default() };
    let a = run(&login(), &new);
    assert_eq!(
        check(&a, "NEW_DEVICE_FOR_USER").detail,
        "first time on this device; the user was seen on 2 other devices"
    );
    let anonymous = IngestRequest { external_user_id: None, email: None, ..login() };
    assert_eq!(status(&run(&anonymous, &new), "NEW_DEVICE_FOR_USER"), CheckStatus::Pass);
}

#[test]
fn credential_stuffing_counts_users_and_failures() {
    let fires =
        |linkage: Linkage| status(&run(&login(), &linkage), "CREDENTIAL_STUFFING") == CheckStatus::Fired;
    assert!(!fires(Linkage {
        other_login_users_on_device_1h: 2,
        failed_logins_on_device_1h: 5,
        ..Default::default()
    }));
    assert!(fires(Linkage { other_login_users_on_device_1h: 3, ..Default::default() }));
    assert!(fires(Linkage { other_login_users_on_ip_1h: 10, ..Default::default() }));
    assert!(fires(Linkage { failed_logins_on_device_1h: 6, ..Default::default() }));
    let a = run(&login(), &Linkage { other_login_users_on_device_1h: 3, ..Default::default() });
    assert_eq!(
        check(&a, "CREDENTIAL_STUFFING").detail,
        "4 users logged in on this device in the last hour (limit 3)"
    );
}

#[test]
fn the_sixth_sms_of_a_day_is_blocked() {
    let a = run(&sms("+33612345678"), &Linkage { sms_on_device_24h: 4, ..Default::default() });
    assert_eq!((a.risk_score, a.decision), (0, Decision::Allow));
    let a = run(&sms("+33612345678"), &Linkage { sms_on_device_24h: 5, ..Default::default() });
    assert_eq!(a.decision, Decision::Block);
    assert_eq!(
        check(&a, "SMS_VELOCITY_DEVICE").detail,
        "6 SMS codes requested on this device in 24 hours (limit 5)"
    );
    let a = run(&sms("+33612345678"), &Linkage { sms_on_range_1h: 10, ..Default::default() });
    assert_eq!(
        check(&a, "SMS_VELOCITY_RANGE").detail,
        "11 SMS codes sent to +3361234xxxx in the last hour (limit 10)"
    );
}

#[test]
fn referring_yourself_is_caught_even_on_a_new_device() {
    let req =
        IngestRequest { event_type: EventType::Referral, referrer_user_id: Some(" u-1".into()), ..signup() };
    let a = run(&req, &Linkage::default());
    assert_eq!(check(&a, "SELF_REFERRAL").detail, "the referee is the referrer");
    let friend = IngestRequest { referrer_user_id: Some("u-2".into()), ..req };
    assert_eq!(run(&friend, &Linkage::default()).risk_score, 0);
}

mod properties;

#[test]
fn a_snoozed_rule_adds_nothing_and_says_until_when() {
    for rule in catalog() {
        let (req, mut linkage) = firing_case(rule.code);
        linkage.snoozes = vec![(rule.code.to_string(), 1_900_000_000_000), ("OTHER".into(), 1)];
        let a = run_with(&req, &linkage, &every_rule_on());
        assert_eq!(status(&a, rule.code), CheckStatus::Snoozed, "{}", rule.code);
        assert_eq!(a.risk_score, 0, "{}", rule.code);
        assert_eq!(check(&a, rule.code).detail, "snoozed until 1900000000000 (epoch ms)");
    }
}

#[test]
fn velocity_rules_compare_the_tenant_limits_and_the_address_ones_wait_to_be_turned_on() {
    let mut linkage = Linkage::default();
    linkage.velocity.ips_per_visitor.hour = 5;
    linkage.velocity.visitors_per_ip = Some(Windows { five_minutes: 40, hour: 40, day: 40 });
    let a = run(&signup(), &linkage);
    assert_eq!(status(&a, "DEVICE_IP_VELOCITY"), CheckStatus::Pass, "five addresses is the default limit");
    assert_eq!(
        check(&a, "DEVICE_IP_VELOCITY").detail,
        "5 IP addresses on this device in the last hour (limit 5)"
    );
    assert_eq!(status(&a, "IP_DEVICE_VELOCITY"), CheckStatus::Disabled, "off until a tenant turns it on");

    let mut config = every_rule_on();
    config.limits.ips_per_device_per_hour = 4;
    config.limits.devices_per_ip_per_hour = 50;
    let a = run_with(&signup(), &linkage, &config);
    assert_eq!(status(&a, "DEVICE_IP_VELOCITY"), CheckStatus::Fired);
    assert_eq!(status(&a, "IP_DEVICE_VELOCITY"), CheckStatus::Pass);
    assert_eq!(check(&a, "IP_DEVICE_VELOCITY").detail, "40 devices from this IP in the last hour (limit 50)");

    // Countries are counted only where the address has one.
    linkage.velocity.countries_per_visitor.day = 3;
    let mut req = signup();
    req.ip = Some("192.0.2.77".into());
    assert_eq!(check(&run(&req, &linkage), "DEVICE_COUNTRY_VELOCITY").detail, "no country for this IP");
    assert_eq!(status(&run(&signup(), &linkage), "DEVICE_COUNTRY_VELOCITY"), CheckStatus::Fired);
}
