//! Small helpers over property access: one shared getter, setter and caller driven by property
//! names keeps the number of distinct browser imports, and so the bundle, small. The access
//! itself is in JS (collector/js/access.js), where a property name needs no JS string of its
//! own and an exception no trip through the wasm's memory.

use alloc::string::String;

use js_sys::{Array, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

/// A `path` is property names joined by dots, read in one call: "navigator.userAgentData".
/// `call`, `call_global` and `construct` have one binding for each number of arguments that
/// the collector passes: the JS function takes them as they come, so none is added to a call.
#[wasm_bindgen(module = "/js/access.js")]
extern "C" {
    /// `target.path`, or `undefined` when a step of it throws.
    pub fn get(target: &JsValue, path: &str) -> JsValue;
    /// `get`, if that gives a number.
    #[wasm_bindgen(js_name = getNumber)]
    pub fn number_at(target: &JsValue, path: &str) -> Option<f64>;
    /// `globalThis.path`, as `get`.
    #[wasm_bindgen(js_name = getGlobal)]
    pub fn get_global(path: &str) -> JsValue;
    #[wasm_bindgen(js_name = set)]
    fn set_value(target: &JsValue, name: &str, value: JsValue);
    /// `call` with one string argument, which goes over as bytes rather than as a JS string.
    #[wasm_bindgen(js_name = call)]
    pub fn call_str(target: &JsValue, path: &str, a: &str) -> JsValue;
    /// `call` with one number argument, which goes over as it is rather than as a JS number.
    #[wasm_bindgen(js_name = call)]
    pub fn call_num(target: &JsValue, path: &str, a: f64) -> JsValue;
    #[wasm_bindgen(js_name = call)]
    fn call0(target: &JsValue, path: &str) -> JsValue;
    #[wasm_bindgen(js_name = call)]
    fn call1(target: &JsValue, path: &str, a: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = call)]
    fn call2(target: &JsValue, path: &str, a: &JsValue, b: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = call)]
    fn call3(target: &JsValue, path: &str, a: &JsValue, b: &JsValue, c: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = call)]
    fn call4(target: &JsValue, path: &str, a: &JsValue, b: &JsValue, c: &JsValue, d: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = call)]
    fn call6(
        target: &JsValue,
        path: &str,
        a: &JsValue,
        b: &JsValue,
        c: &JsValue,
        d: &JsValue,
        e: &JsValue,
        f: &JsValue,
    ) -> JsValue;
    #[wasm_bindgen(js_name = callGlobal)]
    fn call_global0(path: &str) -> JsValue;
    #[wasm_bindgen(js_name = callGlobal)]
    fn call_global1(path: &str, a: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = callGlobal)]
    fn call_global2(path: &str, a: &JsValue, b: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = callGlobal)]
    fn call_global3(path: &str, a: &JsValue, b: &JsValue, c: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = construct)]
    fn construct0(path: &str) -> JsValue;
    #[wasm_bindgen(js_name = construct)]
    fn construct1(path: &str, a: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = construct)]
    fn construct3(path: &str, a: &JsValue, b: &JsValue, c: &JsValue) -> JsValue;
}

/// Sets `target[name]`, unless `value` is `undefined` or `null`: the payload has no empty fields.
pub fn set(target: &JsValue, name: &str, value: impl Into<JsValue>) {
    set_value(target, name, value.into());
}

pub fn string(value: &JsValue) -> Option<String> {
    value.as_string()
}

/// `value` if it is a string, else `undefined`: a string passed on as it is needs no copy
/// into the wasm memory and back.
pub fn only_string(value: JsValue) -> JsValue {
    if value.is_string() {
        value
    } else {
        JsValue::UNDEFINED
    }
}

pub fn number(value: &JsValue) -> Option<f64> {
    value.as_f64()
}

/// Calls `target.path(...args)`, or gives `undefined` when that is not a function or throws.
pub fn call(target: &JsValue, path: &str, args: &[JsValue]) -> JsValue {
    match args {
        [] => call0(target, path),
        [a] => call1(target, path, a),
        [a, b] => call2(target, path, a, b),
        [a, b, c] => call3(target, path, a, b, c),
        [a, b, c, d] => call4(target, path, a, b, c, d),
        [a, b, c, d, e, f] => call6(target, path, a, b, c, d, e, f),
        // No call passes another number of arguments (a binding above would be added for
        // one that did); a trap, unlike `unreachable!`, brings no panic message along.
        _ => core::arch::wasm32::unreachable(),
    }
}

/// `call` on `globalThis`: `call_global("Object.keys", &[value])`.
pub fn call_global(path: &str, args: &[JsValue]) -> JsValue {
    match args {
        [] => call_global0(path),
        [a] => call_global1(path, a),
        [a, b] => call_global2(path, a, b),
        [a, b, c] => call_global3(path, a, b, c),
        _ => core::arch::wasm32::unreachable(),
    }
}

/// `new globalThis.path(...args)`, or `undefined` when there is no such constructor or it throws.
pub fn construct(path: &str, args: &[JsValue]) -> JsValue {
    match args {
        [] => construct0(path),
        [a] => construct1(path, a),
        [a, b, c] => construct3(path, a, b, c),
        _ => core::arch::wasm32::unreachable(),
    }
}

/// `value` if it is an array, else an empty one: `Array.from` throws on `undefined`, which
/// is what browsers without an API give.
pub fn items(value: &JsValue) -> Array {
    if Array::is_array(value) {
        value.clone().unchecked_into()
    } else {
        Array::new()
    }
}

/// Appends `names` to the array `target[field]` that the collector made.
pub fn push_names(target: &JsValue, field: &str, names: &[&str]) {
    let list = items(&get(target, field));
    names.iter().for_each(|name| {
        list.push(&JsValue::from_str(name));
    });
}

/// A JS function that runs `f`. Every closure of the collector has this one signature, so
/// wasm-bindgen's glue for it is in the bundle once.
pub fn function(f: impl FnMut(JsValue) + 'static) -> JsValue {
    // Freed by the JS GC once nothing holds the function.
    Closure::<dyn FnMut(JsValue)>::new(f).into_js_value()
}

/// A JS function that runs `f` on its first call.
pub fn once(f: impl FnOnce(JsValue) + 'static) -> JsValue {
    let mut f = Some(f);
    function(move |value: JsValue| {
        if let Some(f) = f.take() {
            f(value);
        }
    })
}

/// `new Promise(executor)` with `executor(resolve)`: through `once`, whose closure glue the
/// collector has anyway, rather than js-sys's `Promise::new` and its own.
pub fn promise(executor: impl FnOnce(JsValue) + 'static) -> Promise {
    construct("Promise", &[once(executor)]).unchecked_into()
}

/// A stable text form of any value, for hashing.
pub fn text(value: &JsValue) -> String {
    value
        .as_string()
        .or_else(|| call_global("JSON.stringify", core::slice::from_ref(value)).as_string())
        .unwrap_or_default()
}

/// `globalThis`, which every browser that runs the collector's wasm has. (`js_sys::global`
/// also looks for `self`, `window` and `global`: four imports and their fallbacks.) Read as
/// the global object's own `globalThis`, as the identifier is.
pub fn global() -> JsValue {
    get_global("globalThis")
}

/// Epoch milliseconds.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// `performance.now()`, for intervals.
pub fn perf_now() -> f64 {
    number(&call_global("performance.now", &[])).unwrap_or_else(now_ms)
}
