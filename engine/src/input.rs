//! The body of `POST /api/v1/events/ingest`: seed 003's shape, plus the fields other event
//! types need.

use doorman_collector::payload::Brand;
pub use doorman_collector::payload::{BehaviorSignals, DeviceSignals};
use serde::{Deserialize, Serialize};

use crate::EngineError;

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    Signup,
    Login,
    SmsOtp,
    TrialStart,
    Referral,
    PromoRedeem,
    PasswordReset,
}

impl EventType {
    pub const ALL: [EventType; 7] = [
        EventType::Signup,
        EventType::Login,
        EventType::SmsOtp,
        EventType::TrialStart,
        EventType::Referral,
        EventType::PromoRedeem,
        EventType::PasswordReset,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Signup => "SIGNUP",
            EventType::Login => "LOGIN",
            EventType::SmsOtp => "SMS_OTP",
            EventType::TrialStart => "TRIAL_START",
            EventType::Referral => "REFERRAL",
            EventType::PromoRedeem => "PROMO_REDEEM",
            EventType::PasswordReset => "PASSWORD_RESET",
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestRequest {
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub email: Option<String>,
    pub external_user_id: Option<String>,
    pub ip: Option<String>,
    pub device: Option<DeviceSignals>,
    pub behavior: Option<BehaviorSignals>,
    pub phone: Option<String>,
    pub referrer_user_id: Option<String>,
    pub promo_code: Option<String>,
}

/// Bounds on what one event may carry. Larger inputs are refused rather than truncated, so
/// that a client bug is visible instead of silently scored on partial data.
pub mod limits {
    pub const EMAIL: usize = 254;
    pub const USER_ID: usize = 256;
    pub const USER_AGENT: usize = 1024;
    pub const STRING: usize = 512;
    pub const PHONE: usize = 32;
    pub const MOUSE_POINTS: usize = doorman_collector::payload::MAX_MOUSE_POINTS;
    pub const KEY_INTERVALS: usize = 1000;
    pub const KEY_TIMINGS: usize = doorman_collector::driving::MAX_KEY_TIMINGS;
    pub const CLOCK_PHASES: usize = doorman_collector::driving::CLOCK_PHASES;
    pub const FONTS: usize = 300;
    pub const LANGUAGES: usize = 32;
    pub const MARKERS: usize = 64;
    /// Client-hint brand lists; browsers send three or four.
    pub const BRANDS: usize = 16;
}

fn check_len(field: &str, value: Option<&str>, max: usize) -> Result<(), EngineError> {
    match value {
        Some(v) if v.chars().count() > max => {
            Err(EngineError::invalid(field, format!("longer than {max} characters")))
        }
        _ => Ok(()),
    }
}

fn check_count(field: &str, count: usize, max: usize) -> Result<(), EngineError> {
    if count > max {
        return Err(EngineError::invalid(field, format!("more than {max} items")));
    }
    Ok(())
}

fn check_each(field: &str, items: &[String], max_items: usize) -> Result<(), EngineError> {
    check_count(field, items.len(), max_items)?;
    items.iter().try_for_each(|item| check_len(field, Some(item), limits::STRING))
}

fn check_brands(field: &str, brands: &[Brand]) -> Result<(), EngineError> {
    check_count(field, brands.len(), limits::BRANDS)?;
    brands.iter().try_for_each(|b| {
        check_len(field, Some(&b.brand), limits::STRING)?;
        check_len(field, Some(&b.version), limits::STRING)
    })
}

fn blank(value: Option<&str>) -> bool {
    value.is_none_or(|v| v.trim().is_empty())
}

impl IngestRequest {
    /// The fields an event type is about must be present: an SMS code needs the number it
    /// goes to, a referral its referrer, a redemption its code.
    fn check_required(&self) -> Result<(), EngineError> {
        let required = match self.event_type {
            EventType::SmsOtp => Some(("phone", self.phone.as_deref())),
            EventType::Referral => Some(("referrerUserId", self.referrer_user_id.as_deref())),
            EventType::PromoRedeem => Some(("promoCode", self.promo_code.as_deref())),
            _ => None,
        };
        match required {
            Some((field, value)) if blank(value) => {
                Err(EngineError::invalid(field, format!("required for {} events", self.event_type.as_str())))
            }
            _ => Ok(()),
        }
    }

    /// Checks every bound of [`limits`] and that `ip`, when present, is an IP address.
    pub fn validate(&self) -> Result<(), EngineError> {
        use limits::*;
        check_len("email", self.email.as_deref(), EMAIL)?;
        check_len("externalUserId", self.external_user_id.as_deref(), USER_ID)?;
        check_len("phone", self.phone.as_deref(), PHONE)?;
        check_len("referrerUserId", self.referrer_user_id.as_deref(), USER_ID)?;
        check_len("promoCode", self.promo_code.as_deref(), STRING)?;
        self.check_required()?;
        if let Some(phone) = &self.phone {
            crate::derive::normalize_phone(phone)?;
        }
        if let Some(ip) = &self.ip {
            ip.trim()
                .parse::<std::net::IpAddr>()
                .map_err(|_| EngineError::invalid("ip", format!("{ip:?} is not an IPv4 or IPv6 address")))?;
        }
        if let Some(d) = &self.device {
            check_len("device.userAgent", d.user_agent.as_deref(), USER_AGENT)?;
            for (field, value) in [
                ("device.timezone", &d.timezone),
                ("device.language", &d.language),
                ("device.webglVendor", &d.webgl_vendor),
                ("device.webglRenderer", &d.webgl_renderer),
                ("device.platform", &d.platform),
                ("device.clientFingerprint", &d.client_fingerprint),
                ("device.fingerprint", &d.fingerprint),
                ("device.deviceToken", &d.device_token),
                ("device.payloadId", &d.payload_id),
                ("device.collectorVersion", &d.collector_version),
                ("device.vendor", &d.vendor),
                ("device.canvasHash", &d.canvas_hash),
                ("device.webglHash", &d.webgl_hash),
                ("device.audioHash", &d.audio_hash),
                ("device.mathHash", &d.math_hash),
            ] {
                check_len(field, value.as_deref(), STRING)?;
            }
            if let Some(h) = &d.client_hints {
                for (field, value) in [
                    ("device.clientHints.platform", &h.platform),
                    ("device.clientHints.platformVersion", &h.platform_version),
                    ("device.clientHints.architecture", &h.architecture),
                    ("device.clientHints.bitness", &h.bitness),
                    ("device.clientHints.model", &h.model),
                ] {
                    check_len(field, value.as_deref(), STRING)?;
                }
                check_brands("device.clientHints.brands", &h.brands)?;
                check_brands("device.clientHints.fullVersionList", &h.full_version_list)?;
            }
            check_each("device.languages", &d.languages, LANGUAGES)?;
            check_each("device.fonts", &d.fonts, FONTS)?;
            if let Some(a) = &d.automation {
                check_each("device.automation.markers", &a.markers, MARKERS)?;
                check_each("device.automation.tampered", &a.tampered, MARKERS)?;
            }
        }
        if let Some(b) = &self.behavior {
            check_count("behavior.mousePath", b.mouse_path.len(), MOUSE_POINTS)?;
            check_count("behavior.keyIntervals", b.key_intervals.len(), KEY_INTERVALS)?;
            if let Some(i) = &b.input {
                check_count("behavior.input.keyHolds", i.key_holds.len(), KEY_TIMINGS)?;
                check_count("behavior.input.keyGaps", i.key_gaps.len(), KEY_TIMINGS)?;
                check_count("behavior.input.keyClock", i.key_clock.len(), CLOCK_PHASES)?;
                check_count("behavior.input.pointerClock", i.pointer_clock.len(), CLOCK_PHASES)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorman_collector::payload::{AutomationSignals, ClientHints, InputSignals, MousePoint};

    fn signup() -> IngestRequest {
        serde_json::from_str(r#"{"type":"SIGNUP","email":"a@example.com","ip":"203.0.113.9"}"#).unwrap()
    }

    fn field_of(req: &IngestRequest) -> String {
        match req.validate() {
            Err(EngineError::Invalid { field, .. }) => field,
            Err(other) => panic!("validation gave {other:?}"),
            Ok(()) => String::new(),
        }
    }

    #[test]
    fn event_type_names_are_the_wire_names() {
        for t in EventType::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
            assert_eq!(serde_json::from_value::<EventType>(t.as_str().into()).unwrap(), t);
        }
    }

    #[test]
    fn accepts_a_plain_event_and_both_ip_versions() {
        let mut req = signup();
        assert!(req.validate().is_ok());
        req.ip = Some("2001:db8::1".into());
        assert!(req.validate().is_ok());
    }

    #[test]
    fn names_the_field_that_is_out_of_bounds() {
        let mut req = signup();
        req.ip = Some("999.0.0.1".into());
        assert_eq!(field_of(&req), "ip");

        let mut req = signup();
        req.email = Some(format!("{}@example.com", "a".repeat(250)));
        assert_eq!(field_of(&req), "email");

        let mut req = signup();
        req.behavior =
            Some(BehaviorSignals { mouse_path: vec![MousePoint::default(); 301], ..Default::default() });
        assert_eq!(field_of(&req), "behavior.mousePath");

        // The input trace: as many key timings and clock phases as the collector keeps.
        let trace = |input: InputSignals| {
            let mut req = signup();
            req.behavior = Some(BehaviorSignals { input: Some(input), ..Default::default() });
            field_of(&req)
        };
        let most = InputSignals { key_holds: vec![90.0; 64], key_clock: vec![1; 10], ..Default::default() };
        assert_eq!(trace(most), "");
        assert_eq!(
            trace(InputSignals { key_holds: vec![90.0; 65], ..Default::default() }),
            "behavior.input.keyHolds"
        );
        assert_eq!(
            trace(InputSignals { key_gaps: vec![90.0; 65], ..Default::default() }),
            "behavior.input.keyGaps"
        );
        assert_eq!(
            trace(InputSignals { pointer_clock: vec![1; 11], ..Default::default() }),
            "behavior.input.pointerClock"
        );

        let mut req = signup();
        req.device = Some(DeviceSignals { fonts: vec!["Arial".into(); 301], ..Default::default() });
        assert_eq!(field_of(&req), "device.fonts");

        let mut req = signup();
        req.device = Some(DeviceSignals { user_agent: Some("x".repeat(1025)), ..Default::default() });
        assert_eq!(field_of(&req), "device.userAgent");
    }

    #[test]
    fn bounds_the_collector_signals() {
        let with_device = |device: DeviceSignals| IngestRequest { device: Some(device), ..signup() };
        let hints = |hints: ClientHints| DeviceSignals { client_hints: Some(hints), ..Default::default() };
        let brand = |name: &str| Brand { brand: name.into(), version: "131".into() };

        let real = hints(ClientHints {
            brands: vec![brand("Chromium"), brand("Google Chrome"), brand("Not_A Brand")],
            platform: Some("Windows".into()),
            full_version_list: vec![brand("Chromium")],
            ..Default::default()
        });
        assert_eq!(field_of(&with_device(real)), "");

        let long = "x".repeat(limits::STRING + 1);
        let cases = [
            (DeviceSignals { math_hash: Some(long.clone()), ..Default::default() }, "device.mathHash"),
            (
                hints(ClientHints { model: Some(long.clone()), ..Default::default() }),
                "device.clientHints.model",
            ),
            (
                hints(ClientHints { platform_version: Some(long.clone()), ..Default::default() }),
                "device.clientHints.platformVersion",
            ),
            (
                hints(ClientHints {
                    brands: vec![brand("Chromium"); limits::BRANDS + 1],
                    ..Default::default()
                }),
                "device.clientHints.brands",
            ),
            (
                hints(ClientHints { brands: vec![brand(&long)], ..Default::default() }),
                "device.clientHints.brands",
            ),
            (
                hints(ClientHints {
                    full_version_list: vec![Brand { brand: "Chromium".into(), version: long.clone() }],
                    ..Default::default()
                }),
                "device.clientHints.fullVersionList",
            ),
            (
                DeviceSignals {
                    automation: Some(AutomationSignals {
                        markers: vec!["cdp_runtime".into(); limits::MARKERS + 1],
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                "device.automation.markers",
            ),
        ];
        for (device, field) in cases {
            assert_eq!(field_of(&with_device(device)), field);
        }
    }

    #[test]
    fn hostile_collector_values_are_refused_at_parsing() {
        let parse = |device: &str| {
            serde_json::from_str::<IngestRequest>(&format!(r#"{{"type":"SIGNUP","device":{device}}}"#))
        };
        assert!(parse(r#"{"storageQuotaMb":120,"evalLength":33}"#).is_ok());
        assert!(parse(r#"{"storageQuotaMb":-5}"#).is_err());
        assert!(parse(r#"{"storageQuotaMb":1e30}"#).is_err());
        assert!(parse(r#"{"evalLength":"33"}"#).is_err());
        assert!(parse(r#"{"clientHints":{"brands":"Chromium"}}"#).is_err());
    }

    #[test]
    fn event_types_require_what_they_are_about() {
        let parse = |json: &str| serde_json::from_str::<IngestRequest>(json).unwrap();
        assert_eq!(field_of(&parse(r#"{"type":"SMS_OTP"}"#)), "phone");
        assert_eq!(field_of(&parse(r#"{"type":"SMS_OTP","phone":"0612345678"}"#)), "phone");
        assert_eq!(field_of(&parse(r#"{"type":"SMS_OTP","phone":"+33 6 12 34 56 78"}"#)), "");
        assert_eq!(field_of(&parse(r#"{"type":"REFERRAL","referrerUserId":" "}"#)), "referrerUserId");
        assert_eq!(field_of(&parse(r#"{"type":"PROMO_REDEEM"}"#)), "promoCode");
        assert_eq!(field_of(&parse(r#"{"type":"LOGIN"}"#)), "");
    }

    #[test]
    fn event_types_use_the_api_names() {
        let req: IngestRequest = serde_json::from_str(r#"{"type":"SMS_OTP"}"#).unwrap();
        assert_eq!(req.event_type, EventType::SmsOtp);
        assert_eq!(req.event_type.as_str(), "SMS_OTP");
        assert!(serde_json::from_str::<IngestRequest>(r#"{"type":"SIGNIN"}"#).is_err());
    }
}
