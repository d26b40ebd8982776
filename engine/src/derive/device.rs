use doorman_collector::consistency::{self, Hints, Observed};
use doorman_collector::payload::DeviceSignals;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::user_agent;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DeviceDerived {
    /// Our collector's fingerprint, else FingerprintJS's `clientFingerprint` as `fpjs:…`.
    pub fingerprint: Option<String>,
    pub device_token: Option<String>,
    /// Hash of the hardware components and the locale, for matching a device whose
    /// fingerprint changed.
    pub hardware_key: Option<String>,
    pub browser: Option<String>,
    pub os: Option<String>,
    pub bot: bool,
    pub bot_reasons: Vec<String>,
    pub tampering: bool,
    pub tampering_reasons: Vec<String>,
    /// The event carries identifiers from our collector.
    pub has_collector: bool,
    /// The event carries any device signal at all.
    pub has_any_device_signals: bool,
}

/// Fewer hardware components than this make a key too common to identify a device.
const MIN_HARDWARE_COMPONENTS: usize = 4;

pub(super) fn derive(device: Option<&DeviceSignals>) -> DeviceDerived {
    let Some(d) = device else {
        return DeviceDerived::default();
    };
    let fingerprint = non_empty(&d.fingerprint)
        .map(str::to_string)
        .or_else(|| non_empty(&d.client_fingerprint).map(|fp| format!("fpjs:{fp}")));
    let device_token = non_empty(&d.device_token).map(str::to_string);
    let ua = d.user_agent.as_deref().unwrap_or("");
    let parsed = user_agent::parse(ua);
    let mut bot_reasons = bot_reasons(d, ua);
    if parsed.crawler {
        bot_reasons.insert(0, "crawler_user_agent".into());
    }
    let tampering_reasons = tampering_reasons(d, ua);
    DeviceDerived {
        has_collector: d.fingerprint.is_some() || device_token.is_some(),
        has_any_device_signals: !ua.is_empty()
            || d.screen.is_some()
            || fingerprint.is_some()
            || device_token.is_some(),
        hardware_key: hardware_key(d),
        browser: parsed.browser,
        os: parsed.os,
        fingerprint,
        device_token,
        bot: !bot_reasons.is_empty(),
        bot_reasons,
        tampering: !tampering_reasons.is_empty(),
        tampering_reasons,
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Without a canvas render hash, identical machines of one model (a company's laptops) would
/// share a key and be taken for one device, so there is no key without it. The locale (time
/// zone and language) is part of the key but not of the hardware that must be present: the
/// same machine set up for another country is another visitor, as for the fingerprint, and a
/// fraudster who moves the time zone to match each proxy is caught by the checks on the time
/// zone against the IP's country instead.
pub fn hardware_key(d: &DeviceSignals) -> Option<String> {
    non_empty(&d.canvas_hash)?;
    let screen = d.screen.as_ref();
    let hardware: [(&str, Option<String>); 10] = [
        ("glv", d.webgl_vendor.clone()),
        ("glr", d.webgl_renderer.clone()),
        ("sw", screen.and_then(|s| s.width).map(|v| v.to_string())),
        ("sh", screen.and_then(|s| s.height).map(|v| v.to_string())),
        ("pr", screen.and_then(|s| s.pixel_ratio).map(|v| v.to_string())),
        ("cd", screen.and_then(|s| s.color_depth).map(|v| v.to_string())),
        ("hc", d.hardware_concurrency.map(|v| v.to_string())),
        ("dm", d.device_memory.map(|v| v.to_string())),
        ("pl", d.platform.clone()),
        ("cv", d.canvas_hash.clone()),
    ];
    let present: Vec<(&str, String)> = hardware.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
    if present.len() < MIN_HARDWARE_COMPONENTS {
        return None;
    }
    let language = non_empty(&d.language).or_else(|| d.languages.first().map(String::as_str));
    let locale = [("tz", non_empty(&d.timezone)), ("lg", language)];
    let mut hasher = Sha256::new();
    let parts = present
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(locale.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
    for (key, value) in parts {
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    Some(digest[..16].iter().map(|b| format!("{b:02x}")).collect())
}

/// Markers of automation in the user agent; the collector's own markers are added to them.
const BOT_USER_AGENT_MARKERS: [(&str, &str); 4] = [
    ("HeadlessChrome", "headless_user_agent"),
    ("PhantomJS", "phantomjs_user_agent"),
    ("Electron/", "electron_user_agent"),
    ("puppeteer", "puppeteer_user_agent"),
];

/// Collector markers that people's browsers show too: listed beside other traces of
/// automation, never a bot by themselves. A software renderer is a virtual machine, a remote
/// desktop or a machine without a GPU; no plugins is Chrome with its PDF viewer turned off by
/// policy; the DevTools-protocol trace is a developer with DevTools open; a zero outer size
/// is a prerendered page; no languages is a privacy setting.
const HINT_MARKERS: [&str; 5] =
    ["software_renderer", "no_plugins", "cdp_runtime", "zero_outer_size", "empty_languages"];

fn bot_reasons(d: &DeviceSignals, ua: &str) -> Vec<String> {
    let mut reasons: Vec<String> = BOT_USER_AGENT_MARKERS
        .iter()
        .filter(|(needle, _)| ua.contains(needle))
        .map(|(_, reason)| reason.to_string())
        .collect();
    if let Some(automation) = &d.automation {
        if automation.webdriver == Some(true) {
            reasons.push("webdriver".into());
        }
        let (hints, traces): (Vec<&String>, Vec<&String>) =
            automation.markers.iter().partition(|m| HINT_MARKERS.contains(&m.as_str()));
        reasons.extend(traces.into_iter().map(|m| format!("marker:{m}")));
        if !reasons.is_empty() {
            reasons.extend(hints.into_iter().map(|m| format!("marker:{m}")));
        }
    }
    reasons
}

/// What the collector found overridden, and what the signals say that does not hang
/// together (the user agent against the platform, client hints, renderer, fonts and engine),
/// judged here from what was sent, so that a rewritten collector cannot leave it out.
fn tampering_reasons(d: &DeviceSignals, ua: &str) -> Vec<String> {
    let mut reasons: Vec<String> =
        d.automation.iter().flat_map(|a| a.tampered.iter().map(|t| format!("tampered:{t}"))).collect();
    let hints = d.client_hints.as_ref().map(|h| Hints {
        platform: h.platform.as_deref(),
        chromium_version: h
            .brands
            .iter()
            .find(|b| b.brand == "Chromium")
            .map(|b| b.version.as_str())
            .filter(|v| !v.is_empty()),
    });
    let observed = Observed {
        user_agent: ua,
        platform: d.platform.as_deref(),
        hints,
        webgl_renderer: d.webgl_renderer.as_deref(),
        fonts: &d.fonts,
        eval_length: d.eval_length,
    };
    reasons.extend(consistency::mismatches(&observed).into_iter().map(String::from));
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorman_collector::payload::{AutomationSignals, Screen};

    const CHROME_WIN: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    fn device() -> DeviceSignals {
        DeviceSignals {
            user_agent: Some(CHROME_WIN.into()),
            platform: Some("Win32".into()),
            screen: Some(Screen {
                width: Some(1920),
                height: Some(1080),
                pixel_ratio: Some(1.0),
                ..Default::default()
            }),
            hardware_concurrency: Some(8),
            client_fingerprint: Some("abc".into()),
            canvas_hash: Some("c4nv45".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_plain_browser_is_neither_bot_nor_tampered() {
        let d = derive(Some(&device()));
        assert!(!d.bot && !d.tampering, "{d:?}");
        assert_eq!(d.fingerprint.as_deref(), Some("fpjs:abc"));
        assert_eq!(d.browser.as_deref(), Some("Chrome 131"));
        assert_eq!(d.os.as_deref(), Some("Windows 10"));
        assert!(!d.has_collector && d.has_any_device_signals);
    }

    #[test]
    fn automation_is_reported_with_reasons() {
        let mut dev = device();
        dev.user_agent = Some(CHROME_WIN.replace("Chrome/", "HeadlessChrome/"));
        dev.automation =
            Some(AutomationSignals { webdriver: Some(true), markers: vec!["cdp".into()], tampered: vec![] });
        let d = derive(Some(&dev));
        assert_eq!(d.bot_reasons, vec!["headless_user_agent", "webdriver", "marker:cdp"]);
    }

    #[test]
    fn collector_markers_are_automation_and_hints_only_beside_them() {
        let mut dev = device();
        let markers = |names: &[&str]| {
            Some(AutomationSignals {
                markers: names.iter().map(|n| n.to_string()).collect(),
                ..Default::default()
            })
        };
        dev.automation = markers(&["missing_window_chrome"]);
        assert_eq!(derive(Some(&dev)).bot_reasons, vec!["marker:missing_window_chrome"]);
        for hint in HINT_MARKERS {
            dev.automation = markers(&[hint]);
            assert!(!derive(Some(&dev)).bot, "{hint} alone is not a bot");
        }
        dev.automation = markers(&["no_plugins", "software_renderer", "cdp_runtime"]);
        assert!(!derive(Some(&dev)).bot, "a GPU-less desktop without a PDF viewer and DevTools open");
        dev.automation = markers(&["software_renderer", "webdriver_deleted"]);
        assert_eq!(
            derive(Some(&dev)).bot_reasons,
            vec!["marker:webdriver_deleted", "marker:software_renderer"]
        );
    }

    #[test]
    fn a_crawler_user_agent_is_a_bot() {
        let mut dev = device();
        dev.user_agent =
            Some("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)".into());
        assert_eq!(derive(Some(&dev)).bot_reasons, vec!["crawler_user_agent"]);
    }

    #[test]
    fn lies_between_user_agent_and_platform_are_tampering() {
        let mut dev = device();
        dev.platform = Some("MacIntel".into());
        assert_eq!(derive(Some(&dev)).tampering_reasons, vec!["user_agent_platform_mismatch"]);
        let android = DeviceSignals {
            user_agent: Some("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/131.0.0.0 Mobile".into()),
            platform: Some("Linux armv8l".into()),
            ..Default::default()
        };
        assert!(!derive(Some(&android)).tampering);
        dev.platform = Some("Win32".into());
        dev.automation =
            Some(AutomationSignals { tampered: vec!["navigator.webdriver".into()], ..Default::default() });
        assert_eq!(derive(Some(&dev)).tampering_reasons, vec!["tampered:navigator.webdriver"]);
    }

    #[test]
    fn hardware_key_needs_enough_components_and_ignores_identity() {
        let a = derive(Some(&device())).hardware_key.expect("key");
        let mut other_id = device();
        other_id.client_fingerprint = Some("different".into());
        other_id.device_token = Some("token".into());
        assert_eq!(derive(Some(&other_id)).hardware_key.as_deref(), Some(a.as_str()));
        let mut other_hw = device();
        other_hw.hardware_concurrency = Some(4);
        assert_ne!(derive(Some(&other_hw)).hardware_key.as_deref(), Some(a.as_str()));
        for (timezone, language) in [("Europe/Berlin", "en-US"), ("America/New_York", "de-DE")] {
            let mut elsewhere = device();
            elsewhere.timezone = Some(timezone.into());
            elsewhere.language = Some(language.into());
            let mut here = device();
            here.timezone = Some("America/New_York".into());
            here.language = Some("en-US".into());
            assert_ne!(derive(Some(&elsewhere)).hardware_key, derive(Some(&here)).hardware_key);
        }
        // The locale alone does not make a key.
        let locale_only = DeviceSignals {
            platform: Some("Win32".into()),
            canvas_hash: Some("c".into()),
            timezone: Some("UTC".into()),
            language: Some("en-US".into()),
            languages: vec!["en-US".into()],
            ..Default::default()
        };
        assert_eq!(derive(Some(&locale_only)).hardware_key, None);
        let sparse = DeviceSignals {
            platform: Some("Win32".into()),
            canvas_hash: Some("c".into()),
            ..Default::default()
        };
        assert_eq!(derive(Some(&sparse)).hardware_key, None);
        let mut no_canvas = device();
        no_canvas.canvas_hash = None;
        assert_eq!(derive(Some(&no_canvas)).hardware_key, None);
    }

    #[test]
    fn our_collector_wins_over_fingerprintjs() {
        let mut dev = device();
        dev.fingerprint = Some("ours".into());
        let d = derive(Some(&dev));
        assert_eq!(d.fingerprint.as_deref(), Some("ours"));
        assert!(d.has_collector);
    }
}
