//! Whether the form was driven by the operating system's input or by an automation protocol,
//! judged from what the collector saw of the events' timing and coordinates. Automation can
//! hide its flags and imitate a person's path and rhythm, but it dispatches its events
//! through the protocol: they arrive stamped by the browser's clock, land where its script
//! aimed, and keep the framework's fixed key timing.

use doorman_collector::driving::CLOCK_PHASES;
use doorman_collector::payload::InputSignals;

/// Where driving turns suspicious: every threshold, in one place.
pub mod thresholds {
    /// Fewer key holds or gaps than this say too little about the rhythm.
    pub const MIN_TIMED_KEYS: usize = 5;
    /// A key held, or the next pressed after a release, within this many ms: no finger is
    /// that quick, a protocol's `keyboard.type` always is.
    pub const INSTANT_MS: f64 = 8.0;
    /// Share of instant holds or gaps from which the typing is a protocol's.
    pub const INSTANT_SHARE: f64 = 0.6;
    /// Fewer events than this on one clock say too little about it.
    pub const MIN_CLOCK_EVENTS: u32 = 12;
    /// Share of events in the two most common adjacent tenths of a millisecond below which
    /// they were not stamped by the OS's millisecond clock.
    pub const OS_CLOCK_SHARE: f64 = 0.75;
}

use thresholds::*;

/// What the platform says about its input, from the operating system the user agent names
/// (as `user_agent::parse` reads it: "Linux", "Windows 10", "Android 14", "iPad 17.5", …).
#[derive(Debug, Clone, Copy, Default)]
pub struct Platform {
    /// Desktop Linux, where the OS stamps input in whole milliseconds.
    pub millisecond_input_clock: bool,
    /// Phones and tablets, whose on-screen keyboards have their own key timing.
    pub touch_keyboard: bool,
    /// Windows and desktop Linux, whose mice report whole device pixels; on Linux only
    /// under X11, which the input clock tells (Wayland's compositors place the pointer
    /// between pixels).
    pub whole_pixel_mouse: bool,
}

impl Platform {
    pub fn of(os: Option<&str>) -> Platform {
        let os = os.unwrap_or_default();
        let desktop_linux = os == "Linux";
        Platform {
            millisecond_input_clock: desktop_linux,
            touch_keyboard: ["Android", "iPhone", "iPad", "iPod"].iter().any(|m| os.starts_with(m)),
            whole_pixel_mouse: desktop_linux || (os.starts_with("Windows") && !os.contains("Phone")),
        }
    }
}

/// Share of values within `0..INSTANT_MS`, when there are enough of them.
fn instant_share(values: &[f64]) -> Option<f64> {
    (values.len() >= MIN_TIMED_KEYS).then(|| {
        let instant = values.iter().filter(|&&v| (0.0..INSTANT_MS).contains(&v)).count();
        instant as f64 / values.len() as f64
    })
}

/// Share of the events in the two most common adjacent phases, when there are enough.
fn os_clock_share(clock: &[u32]) -> Option<f64> {
    let total: u32 = clock.iter().sum();
    if clock.len() != CLOCK_PHASES || total < MIN_CLOCK_EVENTS {
        return None;
    }
    let best = (0..CLOCK_PHASES).map(|i| clock[i] + clock[(i + 1) % CLOCK_PHASES]).max().unwrap_or(0);
    Some(f64::from(best) / f64::from(total))
}

/// Whether `clock` shows events stamped off the OS's millisecond clock: `Some(share)` when it
/// does, `None` when it does not or cannot tell.
fn off_clock(clock: &[u32], platform: Platform) -> Option<f64> {
    if !platform.millisecond_input_clock {
        return None;
    }
    os_clock_share(clock).filter(|&share| share < OS_CLOCK_SHARE)
}

fn clock_reason(what: &str, share: f64) -> String {
    format!(
        "{what} not stamped by the system's input clock ({:.0} % on one millisecond phase)",
        share * 100.0
    )
}

/// Why the keys look typed by a protocol; empty when they do not.
pub fn scripted_keys(input: &InputSignals, platform: Platform, touched: bool) -> Vec<String> {
    let mut reasons = Vec::new();
    if !platform.touch_keyboard && !touched {
        if let Some(share) = instant_share(&input.key_holds).filter(|&s| s >= INSTANT_SHARE) {
            reasons.push(format!("{:.0} % of keys released within {INSTANT_MS} ms", share * 100.0));
        }
        if let Some(share) = instant_share(&input.key_gaps).filter(|&s| s >= INSTANT_SHARE) {
            reasons.push(format!(
                "{:.0} % of keys pressed within {INSTANT_MS} ms of the previous release",
                share * 100.0
            ));
        }
        if input.shiftless_capitals > 0 {
            reasons.push(format!("{} capital letters typed without Shift", input.shiftless_capitals));
        }
    }
    if let Some(share) = off_clock(&input.key_clock, platform) {
        reasons.push(clock_reason("key events", share));
    }
    reasons
}

/// Why the pointer looks driven by a protocol; empty when it does not.
pub fn scripted_pointer(input: &InputSignals, platform: Platform) -> Vec<String> {
    let mut reasons = Vec::new();
    let off = off_clock(&input.pointer_clock, platform);
    // On Linux, presses between pixels are X11's tell only: with the OS's clock shown, the
    // pointer may be Wayland's.
    let clock_shown_os =
        platform.millisecond_input_clock && off.is_none() && os_clock_share(&input.pointer_clock).is_some();
    if input.fractional_presses > 0 && platform.whole_pixel_mouse && !clock_shown_os {
        reasons.push(format!(
            "{} of {} mouse presses between device pixels",
            input.fractional_presses, input.presses
        ));
    }
    if let Some(share) = off {
        reasons.push(clock_reason("pointer events", share));
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform(ua: &str) -> Platform {
        Platform::of(crate::derive::user_agent::parse(ua).os.as_deref())
    }

    const LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    const WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";

    /// Measured in Chromium 156 under Xvfb: a person typing through the X server, and
    /// patchright's `keyboard.type(text, { delay: 100 })`.
    fn person() -> InputSignals {
        InputSignals {
            key_clock: vec![0, 0, 0, 0, 0, 0, 0, 86, 0, 0],
            pointer_clock: vec![0, 0, 0, 0, 0, 0, 0, 166, 1, 0],
            key_holds: vec![139.0, 76.0, 81.0, 87.0, 123.0, 167.0, 81.0, 103.0, 93.0, 120.0],
            key_gaps: vec![164.0, 157.0, 250.0, 139.0, 74.0, -80.0, 217.0, 223.0, 188.0, 68.0],
            presses: 3,
            trusted: 260,
            ..Default::default()
        }
    }

    fn patchright() -> InputSignals {
        InputSignals {
            key_clock: vec![7, 8, 9, 6, 8, 7, 8, 7, 7, 7],
            pointer_clock: vec![6, 5, 6, 5, 5, 6, 5, 6, 5, 6],
            key_holds: vec![103.4, 111.6, 108.3, 106.9, 107.6, 108.3, 104.4, 106.6],
            key_gaps: vec![1.3, 1.4, 1.4, 1.5, 1.3, 1.7, 5.9, 1.0],
            shiftless_capitals: 1,
            presses: 3,
            fractional_presses: 3,
            trusted: 190,
            ..Default::default()
        }
    }

    #[test]
    fn a_person_on_linux_is_not_flagged() {
        let linux = platform(LINUX);
        assert!(scripted_keys(&person(), linux, false).is_empty());
        assert!(scripted_pointer(&person(), linux).is_empty());
    }

    #[test]
    fn a_protocols_input_is_flagged_on_every_count() {
        let linux = platform(LINUX);
        let keys = scripted_keys(&patchright(), linux, false);
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert!(keys[0].contains("pressed within 8 ms"), "{keys:?}");
        assert!(keys[1].contains("without Shift"));
        assert!(keys[2].starts_with("key events not stamped"));
        let pointer = scripted_pointer(&patchright(), linux);
        assert_eq!(
            pointer,
            [
                "3 of 3 mouse presses between device pixels",
                "pointer events not stamped by the system's input clock (22 % on one millisecond phase)",
            ]
        );
    }

    #[test]
    fn the_clock_is_judged_only_where_the_os_stamps_milliseconds() {
        let windows = platform(WINDOWS);
        assert!(!windows.millisecond_input_clock);
        let keys = scripted_keys(&patchright(), windows, false);
        assert!(keys.iter().all(|r| !r.contains("clock")), "{keys:?}");
        assert_eq!(scripted_pointer(&patchright(), windows).len(), 1);
        let mac = platform("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)");
        assert!(scripted_pointer(&patchright(), mac).is_empty());
    }

    #[test]
    fn presses_between_pixels_under_the_systems_clock_are_a_wayland_pointer() {
        let linux = platform(LINUX);
        let wayland = InputSignals { fractional_presses: 2, presses: 2, ..person() };
        assert!(scripted_pointer(&wayland, linux).is_empty());
        // Too few pointer events to show the clock: the presses alone tell.
        let brief = InputSignals { pointer_clock: vec![1, 0, 0, 1, 0, 0, 0, 0, 1, 0], ..wayland };
        assert_eq!(scripted_pointer(&brief, linux), ["2 of 2 mouse presses between device pixels"]);
    }

    #[test]
    fn touch_keyboards_are_not_judged_by_key_timing() {
        let android = platform(ANDROID);
        assert!(android.touch_keyboard && !android.millisecond_input_clock);
        assert!(scripted_keys(&patchright(), android, false).is_empty());
        let linux = platform(LINUX);
        assert_eq!(scripted_keys(&patchright(), linux, true).len(), 1);
    }

    #[test]
    fn too_few_events_say_nothing() {
        let linux = platform(LINUX);
        let few = InputSignals {
            key_clock: vec![1, 1, 1, 1, 1, 1, 1, 1, 1, 0],
            key_holds: vec![0.5; 4],
            key_gaps: vec![0.5; 4],
            ..Default::default()
        };
        assert!(scripted_keys(&few, linux, false).is_empty());
        // A clock of the wrong length is ignored, not indexed past its end.
        let odd = InputSignals { pointer_clock: vec![20, 20], ..Default::default() };
        assert!(scripted_pointer(&odd, linux).is_empty());
    }
}
