//! Behaviour on the attached form: pointer path, key timing, pastes, focus changes, touches
//! and autofill. Never a field's value.

use alloc::rc::Rc;
use alloc::vec::Vec;
use core::cell::RefCell;

use js_sys::{Array, Object};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsValue;

use super::js::{call, call_str, get, get_global, global, now_ms, number_at, perf_now, set, string};
use crate::driving::{Input, InputTrace};
use crate::sampling::{keep_pointer_sample, key_interval, round};

#[derive(Default)]
pub struct Behavior {
    started_at: Option<f64>,
    points: Vec<(f64, f64, f64)>,
    keystrokes: u32,
    last_key: Option<f64>,
    intervals: Vec<u32>,
    pastes: u32,
    focus_changes: u32,
    touches: u32,
    autofilled: bool,
    trace: InputTrace,
}

pub type Shared = Rc<RefCell<Behavior>>;

fn listen(target: &JsValue, event: &str, state: &Shared, handler: fn(&mut Behavior, &JsValue)) {
    let state = state.clone();
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        if let Ok(mut b) = state.try_borrow_mut() {
            handler(&mut b, &e);
        }
    });
    let options = Object::new();
    set(&options, "passive", true);
    call(target, "addEventListener", &[event.into(), closure.as_ref().clone(), options.into()]);
    // The listeners live as long as the page.
    closure.forget();
}

/// Starts listening on `form` (pointer moves on its whole document); the form's start time
/// is now.
pub fn attach(state: &Shared, form: &JsValue) {
    if let Ok(mut b) = state.try_borrow_mut() {
        b.started_at = Some(now_ms());
    }
    let document = get_global("document");
    listen(&document, "mousemove", state, |b, e| {
        let now = perf_now();
        if keep_pointer_sample(b.points.len(), b.points.last().map(|p| p.2), now) {
            let coord = |name| number_at(e, name).unwrap_or(0.0);
            b.points.push((coord("clientX"), coord("clientY"), round(now)));
        }
        // Every move counts for the input clock; where it lies, only presses tell.
        record(b, e, Input::MouseMove);
    });
    listen(form, "keydown", state, |b, _| {
        let now = perf_now();
        b.keystrokes = b.keystrokes.saturating_add(1);
        if let Some(interval) = key_interval(b.intervals.len(), b.last_key, now) {
            b.intervals.push(interval);
        }
        b.last_key = Some(now);
    });
    // How the input is driven, on the whole document: keys and pointer events.
    listen(&document, "keydown", state, |b, e| {
        let key = string(&get(e, "key")).unwrap_or_default();
        let caps_lock = call_str(e, "getModifierState", "CapsLock").as_bool() == Some(true);
        let input = Input::KeyDown {
            key: &key,
            key_code: key_code(e),
            shift: flag(e, "shiftKey"),
            caps_lock,
            repeat: flag(e, "repeat"),
        };
        record(b, e, input);
    });
    listen(&document, "keyup", state, |b, e| record(b, e, Input::KeyUp { key_code: key_code(e) }));
    // A press's pointer event, unlike its mouse event, keeps the fractions of its position.
    listen(&document, "pointerdown", state, |b, e| record(b, e, press(e)));
    listen(form, "paste", state, |b, _| b.pastes = b.pastes.saturating_add(1));
    listen(form, "focusin", state, |b, _| b.focus_changes = b.focus_changes.saturating_add(1));
    listen(form, "touchstart", state, |b, _| b.touches = b.touches.saturating_add(1));
    listen(form, "input", state, |b, e| {
        // Browser autofill fills fields without key presses: its input events carry no
        // typing input type.
        let kind = string(&get(e, "inputType"));
        if matches!(kind.as_deref(), None | Some("") | Some("insertReplacementText")) {
            b.autofilled = true;
        }
    });
}

fn key_code(e: &JsValue) -> u32 {
    number_at(e, "keyCode").unwrap_or(0.0) as u32
}

fn flag(e: &JsValue, name: &str) -> bool {
    get(e, name).as_bool() == Some(true)
}

fn press(e: &JsValue) -> Input<'static> {
    if string(&get(e, "pointerType")).as_deref() != Some("mouse") {
        return Input::Touch;
    }
    let coord = |name| number_at(e, name).unwrap_or(0.0);
    let pixel_ratio = number_at(&global(), "devicePixelRatio").unwrap_or(1.0);
    Input::MousePress { x: coord("clientX"), y: coord("clientY"), pixel_ratio }
}

fn record(b: &mut Behavior, e: &JsValue, input: Input) {
    let at = number_at(e, "timeStamp").unwrap_or(0.0);
    b.trace.record(flag(e, "isTrusted"), at, input);
}

fn numbers<T: Copy + Into<JsValue>>(values: &[T]) -> Array {
    values.iter().map(|&v| v.into()).collect()
}

fn input_snapshot(t: &InputTrace) -> Object {
    let out = Object::new();
    set(&out, "keyClock", numbers(&t.key_clock));
    set(&out, "pointerClock", numbers(&t.pointer_clock));
    set(&out, "keyHolds", numbers(&t.key_holds));
    set(&out, "keyGaps", numbers(&t.key_gaps));
    set(&out, "shiftlessCapitals", t.shiftless_capitals);
    set(&out, "presses", t.presses);
    set(&out, "fractionalPresses", t.fractional_presses);
    set(&out, "trusted", t.trusted);
    set(&out, "untrusted", t.untrusted);
    out
}

pub fn snapshot(state: &Shared, fallback_start: f64) -> Object {
    let out = Object::new();
    // Never fails: a listener's borrow ends before other code of the page runs. (`borrow`
    // would bring its panic message's formatting into the wasm.)
    let Ok(b) = state.try_borrow() else {
        return out;
    };
    set(&out, "formStartedAt", round(b.started_at.unwrap_or(fallback_start)));
    set(&out, "formSubmittedAt", round(now_ms()));
    let path: Array = b
        .points
        .iter()
        .map(|&(x, y, t)| {
            let point = Object::new();
            set(&point, "x", x);
            set(&point, "y", y);
            set(&point, "t", t);
            JsValue::from(point)
        })
        .collect();
    set(&out, "mousePath", path);
    set(&out, "keystrokeCount", b.keystrokes);
    set(&out, "keyIntervals", numbers(&b.intervals));
    set(&out, "pasteCount", b.pastes);
    set(&out, "focusChanges", b.focus_changes);
    set(&out, "touchCount", b.touches);
    set(&out, "autofilled", b.autofilled);
    set(&out, "input", input_snapshot(&b.trace));
    out
}
