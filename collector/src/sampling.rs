//! Decisions of the behaviour listeners that need no browser, so they are tested natively.

/// Most pointer samples a collector sends, and the least spacing between two, in ms.
pub const MAX_MOUSE_POINTS: usize = 300;
pub const MIN_MOUSE_SPACING_MS: f64 = 50.0;

/// `x` rounded half up, for the non-negative times and sizes the collector sends (below
/// 2^52); NaN gives 0. `f64::round` is std's, which the wasm build leaves out.
pub fn round(x: f64) -> f64 {
    (x + 0.5) as u64 as f64
}

/// Most inter-key intervals kept.
pub const MAX_KEY_INTERVALS: usize = 1000;

/// Whether a pointer sample at `now` is kept, as seed 003's snippet decides: at most
/// [`MAX_MOUSE_POINTS`], at least [`MIN_MOUSE_SPACING_MS`] apart.
pub fn keep_pointer_sample(points_so_far: usize, last_t: Option<f64>, now: f64) -> bool {
    points_so_far < MAX_MOUSE_POINTS && last_t.is_none_or(|last| now - last >= MIN_MOUSE_SPACING_MS)
}

/// The interval to record for a key press at `now` after one at `last`, if any.
pub fn key_interval(intervals_so_far: usize, last: Option<f64>, now: f64) -> Option<u32> {
    let last = last?;
    (intervals_so_far < MAX_KEY_INTERVALS && now >= last)
        .then(|| round(now - last).min(u32::MAX as f64) as u32)
}

/// Globals that automation frameworks leave in the page.
pub const AUTOMATION_GLOBALS: &[&str] = &[
    "__playwright__binding__",
    "__pwInitScripts",
    "_phantom",
    "callPhantom",
    "__nightmare",
    "domAutomation",
    "domAutomationController",
    "__selenium_unwrapped",
    "__webdriver_evaluate",
    "__driver_evaluate",
    "__webdriver_script_fn",
    "__lastWatirAlert",
    "Cypress",
];

/// Whether an own property name of `document` or `window` is ChromeDriver's marker.
pub fn is_chromedriver_key(name: &str) -> bool {
    name.starts_with("$cdc_") || name.starts_with("cdc_") || name.starts_with("$wdc_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_times_half_up() {
        assert_eq!(round(0.0), 0.0);
        assert_eq!(round(2.4), 2.0);
        assert_eq!(round(2.5), 3.0);
        assert_eq!(round(1_764_600_000_123.6), 1_764_600_000_124.0);
        assert_eq!(round(f64::NAN), 0.0);
    }

    #[test]
    fn pointer_samples_are_spaced_and_capped() {
        assert!(keep_pointer_sample(0, None, 5.0));
        assert!(!keep_pointer_sample(1, Some(100.0), 140.0));
        assert!(keep_pointer_sample(1, Some(100.0), 150.0));
        assert!(!keep_pointer_sample(MAX_MOUSE_POINTS, Some(0.0), 1e6));
    }

    #[test]
    fn key_intervals() {
        assert_eq!(key_interval(0, None, 10.0), None);
        assert_eq!(key_interval(0, Some(10.0), 130.4), Some(120));
        assert_eq!(key_interval(MAX_KEY_INTERVALS, Some(10.0), 20.0), None);
    }

    #[test]
    fn chromedriver_keys() {
        assert!(is_chromedriver_key("$cdc_asdjflasutopfhvcZLmcfl_"));
        assert!(!is_chromedriver_key("cdcPlayer"));
    }
}
