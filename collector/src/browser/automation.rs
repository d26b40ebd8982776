//! Traces of automation, and browser properties that lie.

use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

use super::js::{get, global, set, string};
use crate::sampling::{is_chromedriver_key, AUTOMATION_GLOBALS};

/// `navigator` properties that anti-detect tools and stealth plugins override.
const NAVIGATOR_GETTERS: [&str; 9] = [
    "webdriver",
    "userAgent",
    "platform",
    "hardwareConcurrency",
    "deviceMemory",
    "languages",
    "plugins",
    "vendor",
    "maxTouchPoints",
];

fn is_native(function: &JsValue) -> bool {
    function
        .dyn_ref::<js_sys::Function>()
        .is_some_and(|f| String::from(f.to_string()).contains("[native code]"))
}

fn markers(window: &JsValue, navigator: &JsValue) -> Array {
    let found = Array::new();
    if string(&get(navigator, "userAgent")).is_some_and(|ua| ua.contains("HeadlessChrome")) {
        found.push(&"headless_user_agent".into());
    }
    // Automation that rewrites the user agent often forgets the client hints.
    let brands = Array::from(&get(&get(navigator, "userAgentData"), "brands"));
    if brands.iter().any(|b| string(&get(&b, "brand")).is_some_and(|name| name.contains("Headless"))) {
        found.push(&"headless_client_hints".into());
    }
    for name in AUTOMATION_GLOBALS {
        if Reflect::has(window, &JsValue::from_str(name)).unwrap_or(false) {
            found.push(&["global:", name].concat().into());
        }
    }
    let document = get(window, "document");
    if Object::keys(document.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .any(|k| is_chromedriver_key(&k))
    {
        found.push(&"chromedriver".into());
    }
    found
}

fn tampered(navigator: &JsValue) -> Array {
    let found = Array::new();
    let proto = get(&get(&global(), "Navigator"), "prototype");
    if let Some(proto) = proto.dyn_ref::<Object>() {
        for name in NAVIGATOR_GETTERS {
            let descriptor = Object::get_own_property_descriptor(proto, &JsValue::from_str(name));
            let getter = get(&descriptor, "get");
            if !descriptor.is_undefined() && !is_native(&getter) {
                found.push(&["navigator.", name].concat().into());
            }
        }
    }
    // A real navigator keeps every property on its prototype.
    if let Some(navigator) = navigator.dyn_ref::<Object>() {
        for own in Object::get_own_property_names(navigator).iter().filter_map(|n| n.as_string()) {
            found.push(&["navigator.own.", &own].concat().into());
        }
    }
    let to_string = get(&get(&get(&global(), "Function"), "prototype"), "toString");
    if !is_native(&to_string) {
        found.push(&"Function.prototype.toString".into());
    }
    found
}

pub fn collect() -> Object {
    let window = global();
    let navigator = get(&window, "navigator");
    let automation = Object::new();
    set(&automation, "webdriver", get(&navigator, "webdriver"));
    set(&automation, "markers", markers(&window, &navigator));
    set(&automation, "tampered", tampered(&navigator));
    automation
}
