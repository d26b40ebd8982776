//! Small helpers over `Reflect`: one shared getter and setter driven by property names keeps
//! the number of distinct browser imports, and so the bundle, small.

use alloc::string::String;

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::closure::Closure;
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

/// `new window[name](...args)`, or `undefined` when there is no such constructor or it throws.
pub fn construct(name: &str, args: &[JsValue]) -> JsValue {
    let Ok(class) = get(&global(), name).dyn_into::<js_sys::Function>() else {
        return JsValue::UNDEFINED;
    };
    Reflect::construct(&class, &args.iter().collect()).unwrap_or(JsValue::UNDEFINED)
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

/// A JS function that runs `f` on its first call. Every closure of the collector has this one
/// signature, so wasm-bindgen's glue for it is in the bundle once.
pub fn once(f: impl FnOnce(JsValue) + 'static) -> JsValue {
    let mut f = Some(f);
    // Freed by the JS GC once nothing holds the function.
    Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
        if let Some(f) = f.take() {
            f(value);
        }
    })
    .into_js_value()
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
