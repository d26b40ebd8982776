use doorman_collector::payload::BehaviorSignals;
use serde::{Deserialize, Serialize};

use super::driving::{self, Platform};

/// Where behaviour turns suspicious: every threshold the behaviour rules use, in one place.
pub mod thresholds {
    /// Fewer pointer samples than this say too little about the path's shape.
    pub const MIN_POINTS_FOR_SHAPE: u32 = 10;
    /// Straight-line distance over path length at or above which a path is machine-drawn.
    pub const ROBOTIC_STRAIGHTNESS: f64 = 0.99;
    /// Coefficient of variation of sample spacing below which the timing is a timer's.
    pub const ROBOTIC_TIMING_CV: f64 = 0.02;
    /// Fewer key intervals than this say too little about the rhythm.
    pub const MIN_KEY_INTERVALS: usize = 8;
    /// Coefficient of variation of key intervals below which typing is a script's.
    pub const UNIFORM_TYPING_CV: f64 = 0.1;
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BehaviorDerived {
    /// The event carries a behaviour section at all.
    pub present: bool,
    /// Milliseconds from the form's start to its submit.
    pub completion_ms: Option<i64>,
    pub pointer_points: u32,
    /// Pixels travelled by the pointer.
    pub pointer_path_length: f64,
    /// Distance from first to last sample over the path's length: 1.0 is a straight line.
    pub pointer_straightness: Option<f64>,
    /// Coefficient of variation of the time between pointer samples.
    pub pointer_timing_cv: Option<f64>,
    pub touch_count: Option<u32>,
    pub keystroke_count: Option<u32>,
    /// Coefficient of variation of the time between key presses.
    pub key_interval_cv: Option<f64>,
    pub paste_count: Option<u32>,
    pub autofilled: Option<bool>,
    /// Trusted key, pointer and touch events; `None` without our collector's input trace.
    pub trusted_inputs: Option<u32>,
    /// Why the keys look typed through an automation protocol (empty: they do not).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scripted_keys: Vec<String>,
    /// Why the pointer looks driven through an automation protocol.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scripted_pointer: Vec<String>,
}

/// Standard deviation over mean, or `None` for fewer than two values or a zero mean.
fn coefficient_of_variation(values: impl Iterator<Item = f64> + Clone) -> Option<f64> {
    let n = values.clone().count();
    if n < 2 {
        return None;
    }
    let mean = values.clone().sum::<f64>() / n as f64;
    if mean <= 0.0 {
        return None;
    }
    let variance = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
    Some(variance.sqrt() / mean)
}

/// `os`, as the device's user agent names it, tells which of the input's tells its platform
/// can show.
pub(super) fn derive(behavior: Option<&BehaviorSignals>, os: Option<&str>) -> BehaviorDerived {
    let Some(b) = behavior else {
        return BehaviorDerived::default();
    };
    let completion_ms = match (b.form_started_at, b.form_submitted_at) {
        (Some(start), Some(end)) if end >= start => Some(end - start),
        _ => None,
    };
    let platform = Platform::of(os);
    let path = &b.mouse_path;
    let steps = path.windows(2).map(|w| ((w[1].x - w[0].x).hypot(w[1].y - w[0].y), w[1].t - w[0].t));
    let pointer_path_length: f64 = steps.clone().map(|(d, _)| d).sum();
    let pointer_straightness = match (path.first(), path.last()) {
        (Some(a), Some(z)) if pointer_path_length > 0.0 => {
            Some((z.x - a.x).hypot(z.y - a.y) / pointer_path_length)
        }
        _ => None,
    };
    BehaviorDerived {
        present: true,
        completion_ms,
        pointer_points: u32::try_from(path.len()).unwrap_or(u32::MAX),
        pointer_path_length,
        pointer_straightness,
        pointer_timing_cv: coefficient_of_variation(steps.map(|(_, dt)| dt)),
        touch_count: b.touch_count,
        keystroke_count: b.keystroke_count,
        key_interval_cv: coefficient_of_variation(b.key_intervals.iter().map(|&i| f64::from(i)))
            .filter(|_| b.key_intervals.len() >= thresholds::MIN_KEY_INTERVALS),
        paste_count: b.paste_count,
        autofilled: b.autofilled,
        trusted_inputs: b.input.as_ref().map(|i| i.trusted),
        scripted_keys: b
            .input
            .as_ref()
            .map_or_else(Vec::new, |i| driving::scripted_keys(i, platform, b.touch_count.unwrap_or(0) > 0)),
        scripted_pointer: b.input.as_ref().map_or_else(Vec::new, |i| driving::scripted_pointer(i, platform)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use doorman_collector::payload::MousePoint;

    fn derive_any(b: Option<&BehaviorSignals>) -> BehaviorDerived {
        derive(b, None)
    }

    fn point(x: f64, y: f64, t: f64) -> MousePoint {
        MousePoint { x, y, t }
    }

    #[test]
    fn completion_time_needs_both_ends_in_order() {
        let b = BehaviorSignals {
            form_started_at: Some(1000),
            form_submitted_at: Some(4500),
            ..Default::default()
        };
        assert_eq!(derive_any(Some(&b)).completion_ms, Some(3500));
        let b = BehaviorSignals {
            form_started_at: Some(5000),
            form_submitted_at: Some(4500),
            ..Default::default()
        };
        assert_eq!(derive_any(Some(&b)).completion_ms, None);
        assert_eq!(derive_any(None), BehaviorDerived::default());
        assert!(derive_any(Some(&BehaviorSignals::default())).present);
    }

    #[test]
    fn pointer_shape_and_timing() {
        let straight: Vec<_> =
            (0..12).map(|i| point(f64::from(i) * 10.0, 5.0, f64::from(i) * 50.0)).collect();
        let d = derive_any(Some(&BehaviorSignals { mouse_path: straight, ..Default::default() }));
        assert_eq!(d.pointer_points, 12);
        assert!((d.pointer_path_length - 110.0).abs() < 1e-9);
        assert!((d.pointer_straightness.unwrap() - 1.0).abs() < 1e-9);
        assert!(d.pointer_timing_cv.unwrap() < 1e-9);

        let wandering = vec![
            point(0.0, 0.0, 0.0),
            point(100.0, 0.0, 60.0),
            point(100.0, 100.0, 180.0),
            point(0.0, 100.0, 230.0),
        ];
        let d = derive_any(Some(&BehaviorSignals { mouse_path: wandering, ..Default::default() }));
        assert!((d.pointer_straightness.unwrap() - 100.0 / 300.0).abs() < 1e-9);
        assert!(d.pointer_timing_cv.unwrap() > 0.3);
    }

    #[test]
    fn typing_rhythm_needs_enough_intervals() {
        let even = BehaviorSignals { key_intervals: vec![100; 10], ..Default::default() };
        assert_eq!(derive_any(Some(&even)).key_interval_cv, Some(0.0));
        let short = BehaviorSignals { key_intervals: vec![100; 5], ..Default::default() };
        assert_eq!(derive_any(Some(&short)).key_interval_cv, None);
        let human = BehaviorSignals {
            key_intervals: vec![80, 210, 95, 160, 300, 120, 90, 250, 140],
            ..Default::default()
        };
        assert!(derive_any(Some(&human)).key_interval_cv.unwrap() > 0.3);
    }
}
