//! How the page's input was driven: by the operating system, as a person's keyboard and mouse
//! drive it, or by an automation protocol (DevTools' `Input.dispatch*Event`, WebDriver
//! actions). Both give trusted events, so nothing here reads a flag a framework could hide;
//! it keeps what the events' own timing and coordinates say, and the engine judges it.
//!
//! Pure, so that it is tested natively; the browser listeners feed it.

use alloc::vec::Vec;

/// Most key holds and key gaps kept: a few dozen keys tell the rhythm.
pub const MAX_KEY_TIMINGS: usize = 64;

/// The tenths of a millisecond a timestamp's phase can take: the length of a clock histogram.
pub const CLOCK_PHASES: usize = 10;

/// The sub-millisecond phase of an event's `timeStamp`, in tenths (0–9). Browsers round
/// timestamps to 0.1 ms; where the platform stamps input in whole milliseconds (X11), every
/// OS event of a page has the same phase, while a protocol's events are stamped when they
/// arrive and spread over all ten.
pub fn clock_phase(timestamp: f64) -> usize {
    let tenths = (timestamp * 10.0 + 0.5) as i64;
    tenths.rem_euclid(CLOCK_PHASES as i64) as usize
}

/// Whether a pointer coordinate in CSS pixels lands between the device's pixels: an OS mouse
/// reports whole device pixels, a protocol click at an element's centre often half ones.
pub fn between_pixels(css: f64, pixel_ratio: f64) -> bool {
    let device = css * pixel_ratio;
    let rest = device - (device + 0.5) as i64 as f64;
    rest.abs() > 0.02
}

/// A capital Latin letter typed with neither Shift nor Caps Lock: what `keyboard.type("A")`
/// dispatches, and no physical keyboard can.
pub fn shiftless_capital(key: &str, shift: bool, caps_lock: bool) -> bool {
    matches!(key.as_bytes(), [b'A'..=b'Z']) && !shift && !caps_lock
}

/// Whether a key's `key` is one character: what typing is made of. Modifiers, Enter, Tab,
/// and what input methods and on-screen keyboards send ("Process", "Unidentified") have
/// names, and their timing is not the fingers' rhythm.
fn is_character(key: &str) -> bool {
    // By the UTF-8 width of its first byte: `chars()` would bring a decoder into the wasm.
    let bytes = key.as_bytes();
    let width = match bytes.first() {
        None => return false,
        Some(0..0x80) => 1,
        Some(0xF0..) => 4,
        Some(0xE0..) => 3,
        Some(_) => 2,
    };
    bytes.len() == width
}

/// One input event as the trace needs it.
pub enum Input<'a> {
    /// `key_code` pairs a release with its press.
    KeyDown {
        key: &'a str,
        key_code: u32,
        shift: bool,
        caps_lock: bool,
        repeat: bool,
    },
    KeyUp {
        key_code: u32,
    },
    /// A move of the mouse: only its time is judged.
    MouseMove,
    /// A press of the mouse, where it landed in CSS pixels.
    MousePress {
        x: f64,
        y: f64,
        pixel_ratio: f64,
    },
    /// Touch or pen: counted as input, not judged.
    Touch,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct InputTrace {
    /// Histogram of [`clock_phase`] over trusted key events.
    pub key_clock: [u32; CLOCK_PHASES],
    /// The same over trusted mouse moves and presses.
    pub pointer_clock: [u32; CLOCK_PHASES],
    /// Milliseconds each key was held, press to release.
    pub key_holds: Vec<f64>,
    /// Milliseconds from a key's release to the next key's press; negative when the next was
    /// pressed while the previous was still down (minus the time since that one's press).
    pub key_gaps: Vec<f64>,
    pub shiftless_capitals: u32,
    /// Mouse presses, and those of them between device pixels.
    pub presses: u32,
    pub fractional_presses: u32,
    pub trusted: u32,
    pub untrusted: u32,
    /// Character keys down now (key code, press time); and the last release.
    held: Vec<(u32, f64)>,
    last_release: Option<f64>,
}

impl InputTrace {
    /// Records one event; `timestamp` is its `timeStamp`.
    pub fn record(&mut self, trusted: bool, timestamp: f64, input: Input) {
        if !trusted {
            // Made by the page's own script (dispatchEvent): not input at all.
            self.untrusted = self.untrusted.saturating_add(1);
            return;
        }
        self.trusted = self.trusted.saturating_add(1);
        match input {
            Input::KeyDown { key, key_code, shift, caps_lock, repeat } => {
                tally(&mut self.key_clock, timestamp);
                if repeat || !is_character(key) {
                    return;
                }
                if shiftless_capital(key, shift, caps_lock) {
                    self.shiftless_capitals = self.shiftless_capitals.saturating_add(1);
                }
                let gap = match (self.held.last(), self.last_release) {
                    (Some(&(_, pressed)), _) => Some(-(timestamp - pressed).max(0.1)),
                    (None, Some(released)) => Some(timestamp - released),
                    _ => None,
                };
                if let Some(gap) = gap {
                    push_timing(&mut self.key_gaps, gap);
                }
                if self.held.len() < 8 {
                    self.held.push((key_code, timestamp));
                }
            }
            Input::KeyUp { key_code } => {
                tally(&mut self.key_clock, timestamp);
                // `retain`, not `remove`: no panic path, whose message formatting would
                // bring core's formatting into the wasm.
                let mut pressed = None;
                self.held.retain(|&(held, at)| {
                    let this = held == key_code && pressed.is_none();
                    if this {
                        pressed = Some(at);
                    }
                    !this
                });
                if let Some(pressed) = pressed {
                    push_timing(&mut self.key_holds, timestamp - pressed);
                    self.last_release = Some(timestamp);
                }
            }
            Input::MouseMove => tally(&mut self.pointer_clock, timestamp),
            Input::MousePress { x, y, pixel_ratio } => {
                tally(&mut self.pointer_clock, timestamp);
                self.presses = self.presses.saturating_add(1);
                if between_pixels(x, pixel_ratio) || between_pixels(y, pixel_ratio) {
                    self.fractional_presses = self.fractional_presses.saturating_add(1);
                }
            }
            Input::Touch => {}
        }
    }
}

fn tally(clock: &mut [u32; CLOCK_PHASES], timestamp: f64) {
    if let Some(count) = clock.get_mut(clock_phase(timestamp)) {
        *count = count.saturating_add(1);
    }
}

fn push_timing(list: &mut Vec<f64>, ms: f64) {
    if list.len() < MAX_KEY_TIMINGS {
        // Tenths of a millisecond, as the browser gives them.
        let tenths = (ms * 10.0 + if ms < 0.0 { -0.5 } else { 0.5 }) as i64;
        list.push(tenths as f64 / 10.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key code for `code` ("KeyA", "ShiftLeft"): one per key, as browsers give them.
    fn key_code(code: &str) -> u32 {
        code.bytes().map(u32::from).sum()
    }

    fn down(t: &mut InputTrace, at: f64, key: &str, code: &str, shift: bool) {
        let input = Input::KeyDown { key, key_code: key_code(code), shift, caps_lock: false, repeat: false };
        t.record(true, at, input);
    }

    fn up(t: &mut InputTrace, at: f64, code: &str) {
        t.record(true, at, Input::KeyUp { key_code: key_code(code) });
    }

    #[test]
    fn phases_are_tenths_of_a_millisecond() {
        assert_eq!(clock_phase(13467.7), 7);
        assert_eq!(clock_phase(13606.7), 7);
        assert_eq!(clock_phase(1930.4), 4);
        assert_eq!(clock_phase(2050.0), 0);
        assert_eq!(clock_phase(2050.96), 0);
    }

    #[test]
    fn device_pixels() {
        assert!(!between_pixels(180.0, 1.0));
        assert!(between_pixels(188.5, 1.0));
        assert!(!between_pixels(188.5, 2.0));
        assert!(between_pixels(130.609375, 1.0));
        // 101 device pixels at 125 %: 80.8 CSS pixels, which the OS can report.
        assert!(!between_pixels(80.8, 1.25));
    }

    #[test]
    fn capitals_need_shift_or_caps_lock() {
        assert!(shiftless_capital("P", false, false));
        assert!(!shiftless_capital("P", true, false));
        assert!(!shiftless_capital("P", false, true));
        assert!(!shiftless_capital("p", false, false));
        assert!(!shiftless_capital("PP", false, false));
        // Not a Latin capital: layouts differ on what needs Shift.
        assert!(!shiftless_capital("@", false, false));
        assert!(!shiftless_capital("É", false, false));
    }

    #[test]
    fn a_protocols_typing_holds_each_key_and_presses_the_next_at_once() {
        let mut t = InputTrace::default();
        let mut at = 1946.6;
        for (key, code) in [("b", "KeyB"), ("o", "KeyO"), ("t", "KeyT"), ("P", "KeyP")] {
            down(&mut t, at, key, code, false);
            up(&mut t, at + 103.4, code);
            at += 104.7;
        }
        assert_eq!(t.key_holds, [103.4; 4]);
        assert_eq!(t.key_gaps, [1.3, 1.3, 1.3]);
        assert_eq!(t.shiftless_capitals, 1);
        assert_eq!(t.trusted, 8);
    }

    #[test]
    fn a_persons_rollover_and_shift_are_kept_apart() {
        let mut t = InputTrace::default();
        down(&mut t, 100.0, "a", "KeyA", false);
        // The next key goes down before the first comes up.
        down(&mut t, 160.0, "s", "KeyS", false);
        up(&mut t, 190.0, "KeyA");
        up(&mut t, 250.0, "KeyS");
        // Shift held for a capital: the modifier is neither a hold nor a gap.
        down(&mut t, 400.0, "Shift", "ShiftLeft", true);
        down(&mut t, 480.0, "D", "KeyD", true);
        up(&mut t, 560.0, "KeyD");
        up(&mut t, 600.0, "ShiftLeft");
        assert_eq!(t.key_holds, [90.0, 90.0, 80.0]);
        assert_eq!(t.key_gaps, [-60.0, 230.0]);
        assert_eq!(t.shiftless_capitals, 0);
        assert_eq!(t.key_clock[0], 8);
    }

    #[test]
    fn untrusted_events_are_counted_apart_and_judged_not_at_all() {
        let mut t = InputTrace::default();
        t.record(false, 10.3, Input::MousePress { x: 1.5, y: 2.0, pixel_ratio: 1.0 });
        t.record(true, 20.3, Input::MousePress { x: 1.5, y: 2.0, pixel_ratio: 1.0 });
        t.record(true, 25.0, Input::MouseMove);
        t.record(true, 26.0, Input::Touch);
        assert_eq!((t.trusted, t.untrusted, t.presses, t.fractional_presses), (3, 1, 1, 1));
        assert_eq!((t.pointer_clock[3], t.pointer_clock[0]), (1, 1));
    }

    #[test]
    fn composed_and_named_keys_are_not_timed() {
        let mut t = InputTrace::default();
        let input =
            Input::KeyDown { key: "Process", key_code: 229, shift: false, caps_lock: false, repeat: false };
        t.record(true, 1.0, input);
        t.record(true, 1.2, Input::KeyUp { key_code: 229 });
        let repeated =
            Input::KeyDown { key: "a", key_code: 65, shift: false, caps_lock: false, repeat: true };
        t.record(true, 5.0, repeated);
        assert!(t.key_holds.is_empty() && t.key_gaps.is_empty());
        assert_eq!(t.trusted, 3);
        assert!(is_character("é") && !is_character("Enter") && !is_character(""));
    }
}
