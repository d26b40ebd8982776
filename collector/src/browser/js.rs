//! Small helpers over `Reflect`: one shared getter and setter driven by property names keeps
//! the number of distinct browser imports, and so the bundle, small.

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

pub fn get(target: &JsValue, name: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

pub fn set(target: &Object, name: &str, value: impl Into<JsValue>) {
    let value = value.into();
    if !value.is_undefined() && !value.is_null() {
        let _ = Reflect::set(target, &JsValue::from_str(name), &value);
    }
}

pub fn string(value: &JsValue) -> Option<String> {
    value.as_string()
}

pub fn number(value: &JsValue) -> Option<f64> {
    value.as_f64()
}

/// Calls `target[name](...args)`, or gives `undefined` when that is not a function or throws.
pub fn call(target: &JsValue, name: &str, args: &[JsValue]) -> JsValue {
    let Ok(func) = get(target, name).dyn_into::<js_sys::Function>() else {
        return JsValue::UNDEFINED;
    };
    let array: js_sys::Array = args.iter().collect();
    Reflect::apply(&func, target, &array).unwrap_or(JsValue::UNDEFINED)
}

/// A stable text form of any value, for hashing.
pub fn text(value: &JsValue) -> String {
    value
        .as_string()
        .or_else(|| js_sys::JSON::stringify(value).ok().and_then(|s| s.as_string()))
        .unwrap_or_default()
}

pub fn global() -> JsValue {
    js_sys::global().into()
}

/// Epoch milliseconds.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// `performance.now()`, for intervals.
pub fn perf_now() -> f64 {
    number(&call(&get(&global(), "performance"), "now", &[])).unwrap_or_else(now_ms)
}
