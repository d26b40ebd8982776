//! The signals a client page hands its own backend, and the backend forwards to
//! `POST /api/v1/events/ingest` as `device` and `behavior`.
//!
//! The field names are those of seed 003's JavaScript snippet, so that a client which follows
//! that document works unchanged; everything our collector adds is optional on top.

use serde::{Deserialize, Serialize};

/// Device and browser signals. Every field is optional: a client using only seed 003's
/// snippet sends the first ten, our collector sends all of them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceSignals {
    pub user_agent: Option<String>,
    pub screen: Option<Screen>,
    pub timezone: Option<String>,
    pub language: Option<String>,
    pub webgl_vendor: Option<String>,
    pub webgl_renderer: Option<String>,
    pub hardware_concurrency: Option<u32>,
    pub device_memory: Option<f64>,
    pub platform: Option<String>,
    /// FingerprintJS's `visitorId`, when the client uses seed 003's snippet.
    pub client_fingerprint: Option<String>,

    /// Hash of the stable components, computed by our collector.
    pub fingerprint: Option<String>,
    /// Random first-party id the collector keeps in localStorage and a cookie.
    pub device_token: Option<String>,
    /// Random id of this one collection; a second use of it is a replay.
    pub payload_id: Option<String>,
    /// Epoch milliseconds at which the collection was made.
    pub collected_at: Option<i64>,
    pub collector_version: Option<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    /// Minutes, as `Date.prototype.getTimezoneOffset` returns them.
    pub timezone_offset: Option<i32>,
    pub max_touch_points: Option<u32>,
    pub vendor: Option<String>,
    pub canvas_hash: Option<String>,
    pub webgl_hash: Option<String>,
    pub audio_hash: Option<String>,
    #[serde(default)]
    pub fonts: Vec<String>,
    pub cookies_enabled: Option<bool>,
    pub local_storage: Option<bool>,
    pub automation: Option<AutomationSignals>,
    /// Hash of `Math` results on fixed inputs: they differ in the last bits between JavaScript
    /// engines, their versions and CPUs.
    pub math_hash: Option<String>,
    /// `eval.toString().length`: 33 in V8 and JavaScriptCore, 37 in SpiderMonkey.
    pub eval_length: Option<u32>,
    pub client_hints: Option<ClientHints>,
    pub session_storage: Option<bool>,
    pub indexed_db: Option<bool>,
    /// Web SQL, which Chromium dropped in version 119 and other browsers never had.
    pub open_database: Option<bool>,
    /// `navigator.storage.estimate()`'s quota in MB: Chromium's private windows get a small
    /// fixed one (about 100 MB), normal profiles a share of the disk.
    pub storage_quota_mb: Option<u32>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Screen {
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub pixel_ratio: Option<f64>,
    pub avail_width: Option<u32>,
    pub avail_height: Option<u32>,
    pub color_depth: Option<u32>,
}

/// What the collector saw of automation frameworks and tampering in the page.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomationSignals {
    /// `navigator.webdriver` as the page read it.
    pub webdriver: Option<bool>,
    /// Names of markers found: automation globals, headless traits, DevTools-protocol traces.
    #[serde(default)]
    pub markers: Vec<String>,
    /// Names of browser properties that were found overridden or inconsistent.
    #[serde(default)]
    pub tampered: Vec<String>,
}

/// `navigator.userAgentData` (Chromium's user-agent client hints). The first three are
/// given at once; the others are high-entropy values the browser gives asynchronously.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientHints {
    #[serde(default)]
    pub brands: Vec<Brand>,
    pub mobile: Option<bool>,
    pub platform: Option<String>,
    pub platform_version: Option<String>,
    pub architecture: Option<String>,
    pub bitness: Option<String>,
    pub model: Option<String>,
    /// Like `brands`, with full versions.
    #[serde(default)]
    pub full_version_list: Vec<Brand>,
}

/// A browser brand of the client hints, e.g. `{"brand":"Chromium","version":"131"}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Brand {
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub version: String,
}

/// Behaviour on the form between the collector's attach and the submit. Never field values.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BehaviorSignals {
    /// Epoch milliseconds.
    pub form_started_at: Option<i64>,
    /// Epoch milliseconds.
    pub form_submitted_at: Option<i64>,
    #[serde(default)]
    pub mouse_path: Vec<MousePoint>,
    pub keystroke_count: Option<u32>,
    /// Milliseconds between consecutive key presses.
    #[serde(default)]
    pub key_intervals: Vec<u32>,
    pub paste_count: Option<u32>,
    pub focus_changes: Option<u32>,
    pub touch_count: Option<u32>,
    pub autofilled: Option<bool>,
    /// How the input was driven, from our collector; seed 003's snippet has none.
    pub input: Option<InputSignals>,
}

/// What the events' own timing and coordinates say of who drove them (see `driving`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InputSignals {
    /// Trusted key events by the tenth of a millisecond their `timeStamp` ends in.
    pub key_clock: Vec<u32>,
    /// The same for the mouse's pointer events.
    pub pointer_clock: Vec<u32>,
    /// Milliseconds each key was held.
    pub key_holds: Vec<f64>,
    /// Milliseconds from a key's release to the next key's press (negative: rollover).
    pub key_gaps: Vec<f64>,
    /// Capital letters typed with neither Shift nor Caps Lock.
    pub shiftless_capitals: u32,
    /// Mouse presses, and those between device pixels.
    pub presses: u32,
    pub fractional_presses: u32,
    /// Key, pointer and touch events the browser marked trusted, and those it did not.
    pub trusted: u32,
    pub untrusted: u32,
}

/// One sample of the pointer path: page coordinates and a `performance.now()` time in ms.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MousePoint {
    pub x: f64,
    pub y: f64,
    pub t: f64,
}

pub use crate::sampling::{MAX_MOUSE_POINTS, MIN_MOUSE_SPACING_MS};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_003_snippet_payload_parses() {
        let device: DeviceSignals = serde_json::from_str(
            r#"{"userAgent":"Mozilla/5.0","screen":{"width":1920,"height":1080,"pixelRatio":1.25},
                "timezone":"Europe/Paris","language":"fr-FR","hardwareConcurrency":8,
                "deviceMemory":8,"platform":"Win32","clientFingerprint":"abc123"}"#,
        )
        .unwrap();
        assert_eq!(device.client_fingerprint.as_deref(), Some("abc123"));
        assert_eq!(device.screen.unwrap().pixel_ratio, Some(1.25));
        assert!(device.webgl_vendor.is_none());

        let behavior: BehaviorSignals = serde_json::from_str(
            r#"{"formStartedAt":1700000000000,"formSubmittedAt":1700000004000,
                "mousePath":[{"x":10,"y":20,"t":1234}],"keystrokeCount":12}"#,
        )
        .unwrap();
        assert_eq!(behavior.mouse_path.len(), 1);
        assert_eq!(behavior.keystroke_count, Some(12));
    }

    #[test]
    fn collector_signals_parse_and_are_optional() {
        let device: DeviceSignals = serde_json::from_str(
            r#"{"mathHash":"m4th","evalLength":33,"sessionStorage":true,"indexedDb":true,
                "openDatabase":false,"storageQuotaMb":120,"audioHash":"aud10",
                "clientHints":{"brands":[{"brand":"Chromium","version":"131"},{"brand":"Not_A Brand","version":"24"}],
                  "mobile":false,"platform":"Windows","platformVersion":"15.0.0","architecture":"x86",
                  "bitness":"64","model":"","fullVersionList":[{"brand":"Chromium","version":"131.0.6778.86"}]},
                "automation":{"webdriver":false,"markers":["cdp_runtime","software_renderer"],
                  "tampered":["ua_platform_mismatch"]}}"#,
        )
        .unwrap();
        assert_eq!(device.math_hash.as_deref(), Some("m4th"));
        assert_eq!(device.eval_length, Some(33));
        assert_eq!(
            (device.session_storage, device.indexed_db, device.open_database),
            (Some(true), Some(true), Some(false))
        );
        assert_eq!(device.storage_quota_mb, Some(120));
        let hints = device.client_hints.unwrap();
        assert_eq!(hints.brands[0], Brand { brand: "Chromium".into(), version: "131".into() });
        assert_eq!(hints.platform.as_deref(), Some("Windows"));
        assert_eq!(hints.platform_version.as_deref(), Some("15.0.0"));
        assert_eq!(hints.bitness.as_deref(), Some("64"));
        assert_eq!(hints.full_version_list[0].version, "131.0.6778.86");
        assert_eq!(device.automation.unwrap().markers, ["cdp_runtime", "software_renderer"]);

        // Only the low-entropy hints, and nothing else of ours.
        let hints: ClientHints =
            serde_json::from_str(r#"{"brands":[{"brand":"Chromium"}],"mobile":true}"#).unwrap();
        assert_eq!(hints.brands[0].version, "");
        assert!(hints.full_version_list.is_empty() && hints.platform_version.is_none());
        let device: DeviceSignals = serde_json::from_str("{}").unwrap();
        assert_eq!(device, DeviceSignals::default());
        assert!(serde_json::from_str::<DeviceSignals>(r#"{"storageQuotaMb":-1}"#).is_err());
    }

    /// What the collector sent from headless Chromium 156 (Playwright), so that the names the
    /// browser code writes are checked against the ones parsed here.
    const CHROMIUM_156: &str = r#"{"userAgent":"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36","language":"en-US","hardwareConcurrency":2,"deviceMemory":16,"platform":"Linux x86_64","vendor":"Google Inc.","maxTouchPoints":0,"cookiesEnabled":true,"screen":{"width":1280,"height":720,"availWidth":1280,"availHeight":720,"colorDepth":24,"pixelRatio":1},"timezone":"UTC","timezoneOffset":0,"languages":["en-US","en"],"webglVendor":"Google Inc. (Google)","webglRenderer":"ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)","webglHash":"7d663810a9a7180993f3a6f2594d95f6","canvasHash":"8b570d3c74fd8f1b406df7abcf065c1d","fonts":["Arial","Courier New","DejaVu Sans","Helvetica","Liberation Sans","Times New Roman"],"localStorage":true,"sessionStorage":true,"indexedDb":true,"openDatabase":false,"mathHash":"c25f538095bcb7ed450688075a3d1ae7","evalLength":33,"clientHints":{"brands":[{"brand":"Not:A-Brand","version":"8"},{"brand":"Chromium","version":"156"}],"mobile":false,"platform":"Linux","platformVersion":"","architecture":"x86","bitness":"64","model":"","fullVersionList":[{"brand":"Not:A-Brand","version":"8.0.0.0"},{"brand":"Chromium","version":"156.0.8078.79"}]},"fingerprint":"8cadbf1ad799425c67dd077c273a6ea2","deviceToken":"b98ab21f2ea693828af2fd1a0e5bc6e4","collectorVersion":"0.1.0","automation":{"webdriver":true,"markers":["headless_user_agent","software_renderer"],"tampered":[]},"audioHash":"993734bbdbe1630e4eec573db370bc8b","storageQuotaMb":10240,"payloadId":"00945909af7b353a5c3957e802ff8926","collectedAt":1795596278307}"#;

    #[test]
    fn the_collectors_own_output_fills_every_field() {
        let device: DeviceSignals = serde_json::from_str(CHROMIUM_156).unwrap();
        assert!(device.audio_hash.is_some() && device.math_hash.is_some());
        assert_eq!(device.eval_length, Some(33));
        assert_eq!(
            (device.session_storage, device.indexed_db, device.open_database),
            (Some(true), Some(true), Some(false))
        );
        assert_eq!(device.storage_quota_mb, Some(10240));
        let hints = device.client_hints.unwrap();
        assert_eq!(hints.brands.len(), 2);
        assert_eq!(hints.mobile, Some(false));
        assert_eq!(hints.platform.as_deref(), Some("Linux"));
        assert_eq!(hints.platform_version.as_deref(), Some(""));
        assert_eq!((hints.architecture.as_deref(), hints.bitness.as_deref()), (Some("x86"), Some("64")));
        assert_eq!(hints.model.as_deref(), Some(""));
        assert_eq!(hints.full_version_list[1].version, "156.0.8078.79");
        assert_eq!(device.automation.unwrap().markers, ["headless_user_agent", "software_renderer"]);
    }

    #[test]
    fn new_fields_keep_their_wire_names() {
        let device = DeviceSignals {
            indexed_db: Some(true),
            storage_quota_mb: Some(1),
            client_hints: Some(ClientHints { platform_version: Some("1".into()), ..Default::default() }),
            ..Default::default()
        };
        let json = serde_json::to_value(&device).unwrap();
        assert_eq!(json["indexedDb"], true);
        assert_eq!(json["storageQuotaMb"], 1);
        assert_eq!(json["clientHints"]["platformVersion"], "1");
        assert!(json["clientHints"]["fullVersionList"].is_array());
    }
}
