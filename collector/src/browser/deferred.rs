//! Signals the browser gives only through promises: the audio render, the high-entropy client
//! hints, the notification permission's state and the storage quota. They are asked for
//! when the collector starts and given [`LIMIT_MS`] in all; whatever fails or is late is
//! left out, so that `collect()` never waits longer than that.

use alloc::string::String;
use alloc::vec;

use js_sys::{Array, Float32Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use super::device::brands;
use super::js::{
    call, call_global, call_num, construct, get, get_global, items, number_at, once, only_string, promise,
    push_names, set, string,
};
use crate::hash::hash_numbers;
use crate::headless::{notification_permission_mismatch, quota_mb};

const LIMIT_MS: u32 = 1000;

/// The high-entropy client hints that are strings; `fullVersionList` is asked for too.
const HIGH_ENTROPY_STRINGS: [&str; 4] = ["platformVersion", "architecture", "bitness", "model"];

const AUDIO_RATE: u32 = 44_100;
const AUDIO_LENGTH: u32 = 5_000;
/// The samples hashed: the compressor's output has settled by then.
const AUDIO_HASHED_FROM: u32 = 4_500;

/// An oscillator through a dynamics compressor, rendered offline: the floating-point path of
/// each audio stack and CPU leaves its own last bits in the samples. Gives the promise of
/// the rendered buffer, or `undefined` without Web Audio.
fn render_audio() -> JsValue {
    let args = [1.into(), AUDIO_LENGTH.into(), AUDIO_RATE.into()];
    let mut context = construct("OfflineAudioContext", &args);
    if context.is_undefined() {
        context = construct("webkitOfflineAudioContext", &args);
    }
    let oscillator = call(&context, "createOscillator", &[]);
    let compressor = call(&context, "createDynamicsCompressor", &[]);
    if oscillator.is_undefined() || compressor.is_undefined() {
        return JsValue::UNDEFINED;
    }
    let param = |node: &JsValue, name: &str, value: f64| {
        set(&get(node, name), "value", value);
    };
    set(&oscillator, "type", "triangle");
    param(&oscillator, "frequency", 10_000.0);
    for (name, value) in
        [("threshold", -50.0), ("knee", 40.0), ("ratio", 12.0), ("attack", 0.0), ("release", 0.25)]
    {
        param(&compressor, name, value);
    }
    call(&oscillator, "connect", core::slice::from_ref(&compressor));
    call(&compressor, "connect", &[get(&context, "destination")]);
    call_num(&oscillator, "start", 0.0);
    call(&context, "startRendering", &[])
}

fn audio_hash(buffer: &JsValue) -> Option<String> {
    // `new Float32Array(undefined)` is empty, so a failed render hashes nothing.
    let channel = Float32Array::new(&call_num(buffer, "getChannelData", 0.0));
    let tail = channel.subarray(AUDIO_HASHED_FROM, channel.length());
    let mut samples = vec![0f32; tail.length() as usize];
    if samples.is_empty() {
        return None;
    }
    // SAFETY: the view covers `samples` exactly and is used at once, before anything could
    // grow the wasm memory under it. (`to_vec` asserts lengths, and the assertion's message
    // formatting would cost the download more than this.)
    let view = unsafe { Float32Array::view_mut_raw(samples.as_mut_ptr(), samples.len()) };
    call(&view, "set", &[tail.into()]);
    Some(hash_numbers(samples.iter().map(|&s| f64::from(s))))
}

/// The value a promise of `Promise.allSettled` fulfilled with, else `undefined`.
fn fulfilled(results: &JsValue, index: u32) -> JsValue {
    let result = items(results).get(index);
    if string(&get(&result, "status")).as_deref() == Some("fulfilled") {
        get(&result, "value")
    } else {
        JsValue::UNDEFINED
    }
}

/// Asks for every deferred signal and gives a promise that settles, within [`LIMIT_MS`], once
/// those that came are written into `device`.
pub fn start(device: &Object) -> JsValue {
    let navigator = get_global("navigator");
    let limit = promise(|resolve| {
        call_global("setTimeout", &[resolve, LIMIT_MS.into()]);
    });
    let notifications = Object::new();
    set(&notifications, "name", "notifications");
    let hint_names: Array =
        HIGH_ENTROPY_STRINGS.iter().chain(&["fullVersionList"]).map(|h| JsValue::from_str(h)).collect();
    let asked = [
        render_audio(),
        call(&navigator, "userAgentData.getHighEntropyValues", &[hint_names.into()]),
        call(&navigator, "permissions.query", &[notifications.into()]),
        call(&navigator, "storage.estimate", &[]),
    ];
    let promise = get_global("Promise");
    let bounded: Array = asked
        .iter()
        .map(|p| call(&promise, "race", &[[p, &limit].into_iter().collect::<Array>().into()]))
        .collect();

    let device = device.clone();
    let write = once(move |results: JsValue| {
        set(&device, "audioHash", audio_hash(&fulfilled(&results, 0)).map(JsValue::from));

        let values = fulfilled(&results, 1);
        let hints = get(&device, "clientHints");
        if !values.is_undefined() && !hints.is_undefined() {
            let hints: Object = hints.unchecked_into();
            for name in HIGH_ENTROPY_STRINGS {
                set(&hints, name, only_string(get(&values, name)));
            }
            set(&hints, "fullVersionList", brands(&get(&values, "fullVersionList")));
        }

        let permission = string(&get_global("Notification.permission"));
        let state = string(&get(&fulfilled(&results, 2), "state"));
        if notification_permission_mismatch(permission.as_deref(), state.as_deref()) {
            push_names(&get(&device, "automation"), "markers", &["notification_permission_mismatch"]);
        }

        let quota = number_at(&fulfilled(&results, 3), "quota");
        set(&device, "storageQuotaMb", quota.and_then(quota_mb).map(JsValue::from));
    });
    call(&call(&promise, "allSettled", &[bounded.into()]), "then", &[write])
}
