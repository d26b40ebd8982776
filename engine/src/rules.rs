//! The rule catalog: every rule's code, label, default weight, the event types it applies
//! to, and how it decides. Codes are a public contract: never rename one once shipped.

use crate::config::{Limits, RuleMode};
use crate::derive::behavior_thresholds as bt;
use crate::derive::Signals;
use crate::input::{EventType, IngestRequest};
use crate::linkage::Linkage;

/// What a rule sees.
pub struct RuleContext<'a> {
    pub req: &'a IngestRequest,
    pub signals: &'a Signals,
    pub linkage: &'a Linkage,
    pub limits: &'a Limits,
}

/// A rule's verdict with the human-readable reason shown in `allChecks`.
pub struct Verdict {
    pub fired: bool,
    pub detail: String,
}

fn verdict(fired: bool, detail: impl Into<String>) -> Verdict {
    Verdict { fired, detail: detail.into() }
}

pub struct RuleDef {
    pub code: &'static str,
    pub label: &'static str,
    pub default_weight: i32,
    /// `None`: every event type.
    pub applies_to: Option<&'static [EventType]>,
    /// On, or off until a tenant turns it on (limits that depend on the tenant's users).
    pub default_mode: RuleMode,
    pub evaluate: fn(&RuleContext) -> Verdict,
}

impl RuleDef {
    pub fn applies(&self, event_type: EventType) -> bool {
        self.applies_to.is_none_or(|types| types.contains(&event_type))
    }
}

const SIGNUP: &[EventType] = &[EventType::Signup];
const LOGIN: &[EventType] = &[EventType::Login];
const SMS_OTP: &[EventType] = &[EventType::SmsOtp];
const TRIAL_START: &[EventType] = &[EventType::TrialStart];
const REFERRAL: &[EventType] = &[EventType::Referral];
const PROMO_REDEEM: &[EventType] = &[EventType::PromoRedeem];
const PASSWORD_RESET: &[EventType] = &[EventType::PasswordReset];

/// How far from its time-zone city a login may be placed: the map knows cities, not where
/// in the country an address is, so this much is taken off every distance.
pub const TRAVEL_SLACK_KM: f64 = 500.0;
/// Logins closer together than this are measured as this far apart, so that two requests a
/// second apart do not make a rounding error of the map look like supersonic travel.
const TRAVEL_MIN_ELAPSED_MS: i64 = 60_000;

/// Every rule, in the order checks are reported.
pub fn catalog() -> &'static [RuleDef] {
    CATALOG
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The verdict of a count rule: `stored` earlier ones plus this event, against `limit`.
fn over_limit(stored: u32, limit: u32, noun: (&str, &str), scope: &str) -> Verdict {
    within(stored.saturating_add(1), limit, noun, scope)
}

/// The verdict of a velocity count, which already includes this event, against `limit`.
fn within(count: u32, limit: u32, (one, many): (&str, &str), scope: &str) -> Verdict {
    verdict(count > limit, format!("{} {scope} (limit {limit})", plural(count, one, many)))
}

/// IP rules have nothing to count without an IP.
fn with_ip(ctx: &RuleContext, rule: impl FnOnce() -> Verdict) -> Verdict {
    if ctx.signals.ip.address.is_none() {
        return verdict(false, "no IP address given");
    }
    rule()
}

/// A yes/no signal with a fixed reason either way.
fn flag(fired: bool, when_fired: &str, when_passed: &str) -> Verdict {
    verdict(fired, if fired { when_fired } else { when_passed })
}

/// Fires when a detector found reasons, and lists them.
fn on_reasons(reasons: &[String], clean: &str, found: &str) -> Verdict {
    if reasons.is_empty() {
        verdict(false, clean)
    } else {
        verdict(true, format!("{found}: {}", reasons.join(", ")))
    }
}

const ACCOUNTS: (&str, &str) = ("account", "accounts");
const SIGNUPS: (&str, &str) = ("signup", "signups");
const SMS_CODES: (&str, &str) = ("SMS code", "SMS codes");
const RESETS: (&str, &str) = ("password reset", "password resets");
const IPS: (&str, &str) = ("IP address", "IP addresses");
const COUNTRIES: (&str, &str) = ("country", "countries");
const DEVICES: (&str, &str) = ("device", "devices");
const EVENTS: (&str, &str) = ("event", "events");

/// Whether the event names the user it is about (see the store's user key).
fn has_user(ctx: &RuleContext) -> bool {
    ctx.req.external_user_id.as_deref().is_some_and(|id| !id.trim().is_empty())
        || ctx.signals.email.normalized.is_some()
}

fn with_user(ctx: &RuleContext, rule: impl FnOnce() -> Verdict) -> Verdict {
    if !has_user(ctx) {
        return verdict(false, "no user given (externalUserId or email)");
    }
    rule()
}

fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn duration(ms: i64) -> String {
    let minutes = ms / 60_000;
    match minutes {
        0 => format!("{} s", ms / 1000),
        1..=119 => format!("{minutes} min"),
        _ => format!("{} h", minutes / 60),
    }
}

fn impossible_travel(ctx: &RuleContext) -> Verdict {
    let Some(previous) = &ctx.linkage.previous_login else {
        return verdict(false, "no earlier login of this user from a known country");
    };
    let Some(country) = ctx.signals.ip.country.as_deref() else {
        return verdict(false, "country of this IP unknown");
    };
    let Some(distance) = previous.min_distance_km else {
        return verdict(false, format!("{} or {country} is not on the map", previous.country));
    };
    let km = (distance - TRAVEL_SLACK_KM).max(0.0);
    let hours = previous.elapsed_ms.max(TRAVEL_MIN_ELAPSED_MS) as f64 / 3_600_000.0;
    let speed = km / hours;
    let limit = ctx.limits.max_travel_kmh;
    let trip = format!(
        "{} to {country} (at least {} km) in {}",
        previous.country,
        thousands(km),
        duration(previous.elapsed_ms)
    );
    if speed > f64::from(limit) {
        verdict(true, format!("{trip}: {} km/h (limit {} km/h)", thousands(speed), thousands(limit.into())))
    } else {
        verdict(false, trip)
    }
}

fn credential_stuffing(ctx: &RuleContext) -> Verdict {
    let (l, limits) = (ctx.linkage, ctx.limits);
    let users_on_device = l.other_login_users_on_device_1h.saturating_add(1);
    let users_on_ip = l.other_login_users_on_ip_1h.saturating_add(1);
    let failed = l.failed_logins_on_device_1h.max(l.failed_logins_on_ip_1h);
    let has_ip = ctx.signals.ip.address.is_some();
    let mut reasons = Vec::new();
    if users_on_device > limits.login_users_per_device_per_hour {
        reasons.push(format!(
            "{} logged in on this device in the last hour (limit {})",
            plural(users_on_device, "user", "users"),
            limits.login_users_per_device_per_hour
        ));
    }
    if has_ip && users_on_ip > limits.login_users_per_ip_per_hour {
        reasons.push(format!(
            "{} logged in from this IP in the last hour (limit {})",
            plural(users_on_ip, "user", "users"),
            limits.login_users_per_ip_per_hour
        ));
    }
    if failed > limits.failed_logins_per_hour {
        reasons.push(format!(
            "{} on this device or IP in the last hour (limit {})",
            plural(failed, "failed login", "failed logins"),
            limits.failed_logins_per_hour
        ));
    }
    if reasons.is_empty() {
        verdict(
            false,
            format!(
                "{} on this device, {} failed in the last hour",
                plural(users_on_device, "user", "users"),
                plural(failed, "login", "logins")
            ),
        )
    } else {
        verdict(true, reasons.join("; "))
    }
}

static CATALOG: &[RuleDef] = &[
    RuleDef {
        code: "BOT_DETECTED",
        label: "Automated browser detected",
        default_weight: 120,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            on_reasons(&ctx.signals.device.bot_reasons, "no automation traces", "automation traces")
        },
    },
    RuleDef {
        code: "BROWSER_TAMPERING",
        label: "Browser properties tampered with",
        default_weight: 120,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            on_reasons(
                &ctx.signals.device.tampering_reasons,
                "browser properties consistent",
                "inconsistent or overridden",
            )
        },
    },
    RuleDef {
        code: "MISSING_SIGNALS",
        label: "No device signals",
        default_weight: 50,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            flag(
                !ctx.signals.device.has_any_device_signals,
                "the event carries no device signals",
                "device signals present",
            )
        },
    },
    RuleDef {
        code: "REPLAYED_PAYLOAD",
        label: "Collector payload replayed",
        default_weight: 120,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            flag(
                ctx.linkage.payload_seen_before,
                "this payloadId was already used by an earlier event",
                "payload not seen before",
            )
        },
    },
    RuleDef {
        code: "DEVICE_REUSED",
        label: "Device reused across accounts",
        default_weight: 60,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let users = ctx.linkage.other_users_on_device;
            if has_user(ctx) {
                verdict(
                    users > 0,
                    format!("{} seen on this device", plural(users, "other user", "other users")),
                )
            } else {
                // An event about nobody in particular (an SMS code for a number) shares the
                // device with its one owner: only a second account makes it shared.
                verdict(users > 1, format!("{} seen on this device", plural(users, "user", "users")))
            }
        },
    },
    RuleDef {
        code: "ACCOUNTS_PER_DEVICE",
        label: "Too many accounts on this device",
        default_weight: 120,
        applies_to: Some(SIGNUP),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let l = ctx.linkage;
            over_limit(
                l.other_signup_users_on_device_30d,
                ctx.limits.accounts_per_device,
                ACCOUNTS,
                "on this device in 30 days",
            )
        },
    },
    RuleDef {
        code: "ACCOUNTS_PER_IP",
        label: "Too many accounts from this IP",
        default_weight: 25,
        applies_to: Some(SIGNUP),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let l = ctx.linkage;
            with_ip(ctx, || {
                over_limit(
                    l.other_signup_users_on_ip_30d,
                    ctx.limits.accounts_per_ip,
                    ACCOUNTS,
                    "from this IP in 30 days",
                )
            })
        },
    },
    RuleDef {
        code: "SIGNUP_VELOCITY_IP",
        label: "Rapid signups from this IP",
        default_weight: 40,
        applies_to: Some(SIGNUP),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let l = ctx.linkage;
            with_ip(ctx, || {
                over_limit(
                    l.signups_on_ip_1h,
                    ctx.limits.signups_per_ip_per_hour,
                    SIGNUPS,
                    "from this IP in the last hour",
                )
            })
        },
    },
    RuleDef {
        code: "SIGNUP_VELOCITY_DEVICE",
        label: "Rapid signups from this device",
        default_weight: 50,
        applies_to: Some(SIGNUP),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let l = ctx.linkage;
            over_limit(
                l.signups_on_device_1h,
                ctx.limits.signups_per_device_per_hour,
                SIGNUPS,
                "on this device in the last hour",
            )
        },
    },
    RuleDef {
        code: "EMAIL_ALIAS_REUSED",
        label: "Email alias of an existing account",
        default_weight: 30,
        applies_to: Some(SIGNUP),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let others = ctx.linkage.other_users_with_email;
            match &ctx.signals.email.normalized {
                Some(normalized) if others > 0 => verdict(
                    true,
                    format!(
                        "{normalized} already signed up as {}",
                        plural(others, "other account", "other accounts")
                    ),
                ),
                Some(_) => verdict(false, "no other account with this mailbox"),
                None => verdict(false, "no email given"),
            }
        },
    },
    RuleDef {
        code: "NEW_DEVICE_FOR_USER",
        label: "Login from a device new to this user",
        default_weight: 30,
        applies_to: Some(LOGIN),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let l = ctx.linkage;
            with_user(ctx, || match (l.device_known_for_user, l.other_devices_of_user) {
                (true, _) => verdict(false, "a device this user used before"),
                (false, 0) => verdict(false, "the first device seen for this user"),
                (false, others) => verdict(
                    true,
                    format!(
                        "first time on this device; the user was seen on {}",
                        plural(others, "other device", "other devices")
                    ),
                ),
            })
        },
    },
    RuleDef {
        code: "IMPOSSIBLE_TRAVEL",
        label: "Impossible travel since the last login",
        default_weight: 60,
        applies_to: Some(LOGIN),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| with_user(ctx, || impossible_travel(ctx)),
    },
    RuleDef {
        code: "CREDENTIAL_STUFFING",
        label: "Credential stuffing",
        default_weight: 120,
        applies_to: Some(LOGIN),
        default_mode: RuleMode::Enabled,
        evaluate: credential_stuffing,
    },
    RuleDef {
        code: "SMS_VELOCITY_DEVICE",
        label: "Too many SMS codes for this device",
        default_weight: 120,
        applies_to: Some(SMS_OTP),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            over_limit(
                ctx.linkage.sms_on_device_24h,
                ctx.limits.sms_per_device_per_day,
                SMS_CODES,
                "requested on this device in 24 hours",
            )
        },
    },
    RuleDef {
        code: "SMS_VELOCITY_RANGE",
        label: "Too many SMS codes to one number range",
        default_weight: 80,
        applies_to: Some(SMS_OTP),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| match &ctx.signals.phone.range {
            Some(range) => over_limit(
                ctx.linkage.sms_on_range_1h,
                ctx.limits.sms_per_range_per_hour,
                SMS_CODES,
                &format!("sent to {range}xxxx in the last hour"),
            ),
            None => verdict(false, "no phone number"),
        },
    },
    RuleDef {
        code: "SMS_HIGH_RISK_DESTINATION",
        label: "SMS to a high-risk destination",
        default_weight: 60,
        applies_to: Some(SMS_OTP),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| match &ctx.signals.phone.high_risk_prefix {
            Some(prefix) => verdict(true, format!("{prefix} is on the premium-rate and high-risk list")),
            None => verdict(false, "destination not on the high-risk list"),
        },
    },
    RuleDef {
        code: "TRIAL_REUSED_ON_DEVICE",
        label: "Another trial already started on this device",
        default_weight: 120,
        applies_to: Some(TRIAL_START),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let others = ctx.linkage.other_trial_users_on_device;
            verdict(
                others > 0,
                format!(
                    "{} started a trial on this device",
                    plural(others, "other account", "other accounts")
                ),
            )
        },
    },
    RuleDef {
        code: "SELF_REFERRAL",
        label: "Referrer and referee share a device",
        default_weight: 120,
        applies_to: Some(REFERRAL),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let referrer = ctx.req.referrer_user_id.as_deref().unwrap_or("").trim();
            let same_user = ctx.req.external_user_id.as_deref().map(str::trim) == Some(referrer);
            if same_user {
                verdict(true, "the referee is the referrer")
            } else if ctx.linkage.referrer_seen_on_device {
                verdict(true, format!("the referrer {referrer} used this device"))
            } else {
                verdict(false, "the referrer was never seen on this device")
            }
        },
    },
    RuleDef {
        code: "REFERRAL_DEVICE_REPEAT",
        label: "Device already referred another account",
        default_weight: 60,
        applies_to: Some(REFERRAL),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let others = ctx.linkage.other_referrals_on_device;
            verdict(
                others > 0,
                format!(
                    "{} referred from this device before",
                    plural(others, "other account", "other accounts")
                ),
            )
        },
    },
    RuleDef {
        code: "PROMO_REUSED_ON_DEVICE",
        label: "Promo code already redeemed on this device",
        default_weight: 120,
        applies_to: Some(PROMO_REDEEM),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let others = ctx.linkage.other_promo_users_on_device;
            verdict(
                others > 0,
                format!(
                    "{} redeemed this code on this device",
                    plural(others, "other account", "other accounts")
                ),
            )
        },
    },
    RuleDef {
        code: "RESET_VELOCITY_DEVICE",
        label: "Rapid password resets from this device",
        default_weight: 60,
        applies_to: Some(PASSWORD_RESET),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            over_limit(
                ctx.linkage.resets_on_device_1h,
                ctx.limits.resets_per_device_per_hour,
                RESETS,
                "on this device in the last hour",
            )
        },
    },
    RuleDef {
        code: "RESET_VELOCITY_USER",
        label: "Rapid password resets for this user",
        default_weight: 60,
        applies_to: Some(PASSWORD_RESET),
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            with_user(ctx, || {
                over_limit(
                    ctx.linkage.resets_for_user_1h,
                    ctx.limits.resets_per_user_per_hour,
                    RESETS,
                    "for this user in the last hour",
                )
            })
        },
    },
    RuleDef {
        code: "DEVICE_IP_VELOCITY",
        label: "Device hopping between IP addresses",
        default_weight: 30,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let ips = ctx.linkage.velocity.ips_per_visitor.hour;
            with_ip(ctx, || {
                within(ips, ctx.limits.ips_per_device_per_hour, IPS, "on this device in the last hour")
            })
        },
    },
    RuleDef {
        code: "DEVICE_COUNTRY_VELOCITY",
        label: "Device seen in several countries",
        default_weight: 40,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            if ctx.signals.ip.country.is_none() {
                return verdict(false, "no country for this IP");
            }
            let countries = ctx.linkage.velocity.countries_per_visitor.day;
            within(
                countries,
                ctx.limits.countries_per_device_per_day,
                COUNTRIES,
                "on this device in 24 hours",
            )
        },
    },
    RuleDef {
        code: "IP_DEVICE_VELOCITY",
        label: "Many devices behind one IP",
        default_weight: 30,
        applies_to: None,
        default_mode: RuleMode::Disabled,
        evaluate: |ctx| match ctx.linkage.velocity.visitors_per_ip {
            Some(w) => {
                within(w.hour, ctx.limits.devices_per_ip_per_hour, DEVICES, "from this IP in the last hour")
            }
            None => verdict(false, "no IP address given"),
        },
    },
    RuleDef {
        code: "EMAIL_DOMAIN_DEVICE_VELOCITY",
        label: "Many devices using one email domain",
        default_weight: 30,
        applies_to: None,
        default_mode: RuleMode::Disabled,
        evaluate: |ctx| match ctx.linkage.velocity.visitors_per_email_domain {
            Some(w) => within(
                w.hour,
                ctx.limits.devices_per_email_domain_per_hour,
                DEVICES,
                "with this email domain in the last hour",
            ),
            None => verdict(false, "no email given"),
        },
    },
    RuleDef {
        code: "IP_EVENT_VELOCITY",
        label: "Burst of events from one IP",
        default_weight: 30,
        applies_to: None,
        default_mode: RuleMode::Disabled,
        evaluate: |ctx| match ctx.linkage.velocity.events_per_ip {
            Some(w) => within(
                w.five_minutes,
                ctx.limits.events_per_ip_per_5_minutes,
                EVENTS,
                "from this IP in 5 minutes",
            ),
            None => verdict(false, "no IP address given"),
        },
    },
    RuleDef {
        code: "DISPOSABLE_EMAIL",
        label: "Disposable email",
        default_weight: 30,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let email = &ctx.signals.email;
            match (&email.domain, email.disposable) {
                (Some(domain), true) => verdict(true, format!("{domain} is a disposable email provider")),
                (Some(domain), false) => {
                    verdict(false, format!("{domain} is not a known disposable provider"))
                }
                (None, _) => verdict(false, "no email given"),
            }
        },
    },
    RuleDef {
        code: "RANDOM_EMAIL",
        label: "Random-looking email address",
        default_weight: 15,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let email = &ctx.signals.email;
            match email.normalized {
                Some(_) if email.random_looking => verdict(true, "the mailbox name looks machine-generated"),
                Some(_) => verdict(false, "the mailbox name looks ordinary"),
                None => verdict(false, "no email given"),
            }
        },
    },
    RuleDef {
        code: "TOR_EXIT",
        label: "TOR exit node",
        default_weight: 60,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| flag(ctx.signals.ip.tor_exit, "the IP is a known TOR exit", "not a known TOR exit"),
    },
    RuleDef {
        code: "HIGH_RISK_ASN",
        label: "Hosting or VPN network",
        default_weight: 25,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let ip = &ctx.signals.ip;
            let network = match (ip.asn, &ip.as_organization) {
                (Some(asn), Some(org)) => format!("AS{asn} ({org})"),
                (Some(asn), None) => format!("AS{asn}"),
                (None, _) => return verdict(false, "network unknown"),
            };
            if ip.high_risk_asn {
                verdict(true, format!("{network} is a hosting, cloud or VPN network"))
            } else {
                verdict(false, format!("{network} is not on the high-risk list"))
            }
        },
    },
    RuleDef {
        code: "TIMEZONE_MISMATCH",
        label: "Time zone does not match IP country",
        default_weight: 20,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let country = ctx.signals.ip.country.as_deref().unwrap_or("?");
            let zone = ctx.req.device.as_ref().and_then(|d| d.timezone.as_deref()).unwrap_or("?");
            match ctx.signals.ip.timezone_matches_country {
                Some(false) => verdict(true, format!("browser time zone {zone} is not used in {country}")),
                Some(true) => verdict(false, format!("{zone} is used in {country}")),
                None => verdict(false, "time zone or IP country unknown"),
            }
        },
    },
    RuleDef {
        code: "NO_POINTER_ACTIVITY",
        label: "No pointer or touch activity",
        default_weight: 25,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let b = &ctx.signals.behavior;
            if !b.present {
                return verdict(false, "no behaviour data");
            }
            let touches = b.touch_count.unwrap_or(0);
            if b.pointer_points == 0 && touches == 0 {
                verdict(true, "no pointer movement and no touch on the form")
            } else {
                verdict(false, format!("{} pointer samples, {touches} touches", b.pointer_points))
            }
        },
    },
    RuleDef {
        code: "ROBOTIC_POINTER",
        label: "Machine-like pointer movement",
        default_weight: 40,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let b = &ctx.signals.behavior;
            if b.pointer_points < bt::MIN_POINTS_FOR_SHAPE {
                return verdict(false, format!("{} pointer samples: too few to judge", b.pointer_points));
            }
            let straightness = b.pointer_straightness.unwrap_or(0.0);
            let timing_cv = b.pointer_timing_cv.unwrap_or(1.0);
            if straightness >= bt::ROBOTIC_STRAIGHTNESS {
                verdict(true, format!("pointer path is a straight line (straightness {straightness:.3})"))
            } else if timing_cv < bt::ROBOTIC_TIMING_CV {
                verdict(true, format!("pointer samples evenly timed (variation {timing_cv:.3})"))
            } else {
                verdict(false, format!("straightness {straightness:.2}, timing variation {timing_cv:.2}"))
            }
        },
    },
    RuleDef {
        code: "SCRIPTED_KEYS",
        label: "Keys typed through an automation protocol",
        default_weight: 100,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            on_reasons(
                &ctx.signals.behavior.scripted_keys,
                "keys typed as by the system's keyboard, or too few to judge",
                "key events dispatched by a program",
            )
        },
    },
    RuleDef {
        code: "SCRIPTED_POINTER",
        label: "Pointer driven through an automation protocol",
        default_weight: 100,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            on_reasons(
                &ctx.signals.behavior.scripted_pointer,
                "pointer driven as by the system's mouse, or too little to judge",
                "pointer events dispatched by a program",
            )
        },
    },
    RuleDef {
        code: "NO_TRUSTED_INPUT",
        label: "Submitted without any real input",
        default_weight: 80,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| match ctx.signals.behavior.trusted_inputs {
            Some(0) => verdict(true, "not one key, pointer or touch event from the user"),
            Some(n) => verdict(false, plural(n, "input event", "input events")),
            None => verdict(false, "no input trace"),
        },
    },
    RuleDef {
        code: "NO_KEYSTROKES",
        label: "Form filled without typing",
        // With FAST_COMPLETION, a CHALLENGE: filled at once and without a key is a script.
        default_weight: 40,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let b = &ctx.signals.behavior;
            // Pasting and the browser's autofill are legitimate ways to fill a form.
            let filled_otherwise = b.paste_count.unwrap_or(0) > 0 || b.autofilled == Some(true);
            match b.keystroke_count {
                Some(0) if !filled_otherwise => {
                    verdict(true, "no key was pressed, nothing pasted or autofilled")
                }
                Some(0) => verdict(false, "filled by paste or autofill"),
                Some(n) => verdict(false, plural(n, "keystroke", "keystrokes")),
                None => verdict(false, "no keystroke count"),
            }
        },
    },
    RuleDef {
        code: "UNIFORM_TYPING",
        label: "Machine-like typing rhythm",
        default_weight: 30,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| match ctx.signals.behavior.key_interval_cv {
            Some(cv) if cv < bt::UNIFORM_TYPING_CV => {
                verdict(true, format!("key presses evenly spaced (variation {cv:.3})"))
            }
            Some(cv) => verdict(false, format!("typing rhythm varies like a person's ({cv:.2})")),
            None => verdict(false, "too few key timings to judge"),
        },
    },
    RuleDef {
        code: "FAST_COMPLETION",
        label: "Form completed too fast",
        default_weight: 40,
        applies_to: None,
        default_mode: RuleMode::Enabled,
        evaluate: |ctx| {
            let min = ctx.limits.min_completion_ms;
            match ctx.signals.behavior.completion_ms {
                Some(ms) => verdict(
                    ms < min,
                    format!(
                        "completed in {:.1} s (minimum {:.1} s)",
                        ms as f64 / 1000.0,
                        min as f64 / 1000.0
                    ),
                ),
                None => verdict(false, "no form timing"),
            }
        },
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_weights_positive() {
        let codes: HashSet<_> = catalog().iter().map(|r| r.code).collect();
        assert_eq!(codes.len(), catalog().len());
        assert!(catalog().iter().all(|r| r.default_weight > 0 && !r.label.is_empty()));
    }

    #[test]
    fn numbers_read_like_text() {
        assert_eq!(thousands(5337.4), "5,337");
        assert_eq!(thousands(106_740.0), "106,740");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(duration(3_000), "3 s");
        assert_eq!(duration(180_000), "3 min");
        assert_eq!(duration(5 * 3_600_000), "5 h");
    }

    #[test]
    fn signup_rules_do_not_apply_to_logins() {
        let rule = catalog().iter().find(|r| r.code == "ACCOUNTS_PER_DEVICE").unwrap();
        assert!(rule.applies(EventType::Signup));
        assert!(!rule.applies(EventType::Login));
        assert!(catalog().iter().find(|r| r.code == "DEVICE_REUSED").unwrap().applies(EventType::Login));
    }
}
