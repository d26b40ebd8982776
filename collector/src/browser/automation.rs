//! Traces of automation, and browser properties that lie.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;

use js_sys::{Array, Object};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::js::{call_global, call_str, construct, get, get_global, global, items, number_at, set, string};
use crate::headless::{self, Page};
use crate::sampling::{is_chromedriver_key, AUTOMATION_GLOBALS};
use crate::text::{concat, contains};

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
        .is_some_and(|f| contains(&String::from(f.to_string()), "[native code]"))
}

/// Whether a DevTools-protocol client with the Runtime domain enabled (Puppeteer, Playwright,
/// Selenium 4, an open DevTools) is attached: it serialises console arguments at once and so
/// reads an error's `stack`, which a plain page leaves unread until someone looks. Chromium
/// 156 no longer reads it (tried here); the older builds that automation pins still do.
fn cdp_runtime() -> bool {
    let read = Rc::new(Cell::new(false));
    let seen = read.clone();
    // DevTools opened later reads the logged error again, after this returns: the getter
    // lives as long as the error, not just this call.
    let getter = Closure::<dyn FnMut(JsValue)>::new(move |_| seen.set(true)).into_js_value();
    let error = construct("Error", &[]);
    let descriptor = Object::new();
    set(&descriptor, "get", getter);
    call_global("Object.defineProperty", &[error.clone(), "stack".into(), descriptor.into()]);
    // `debug` is the level DevTools hides by default, so people's consoles stay quiet.
    call_global("console.debug", &[error]);
    read.get()
}

/// The property descriptor of `object`'s own `name`, or `undefined` (also when `object` is not
/// an object: the call throws).
fn own_property(object: &JsValue, name: &str) -> JsValue {
    call_global("Object.getOwnPropertyDescriptor", &[object.clone(), name.into()])
}

fn media_matches(window: &JsValue, query: &str) -> bool {
    get(&call_str(window, "matchMedia", query), "matches").as_bool().unwrap_or(false)
}

fn page_traits(window: &JsValue, navigator: &JsValue, user_agent: &str) -> Vec<&'static str> {
    let proto = get(window, "Navigator.prototype");
    let webdriver_on_prototype = !own_property(&proto, "webdriver").is_undefined();
    let count = |path: &str| number_at(navigator, path).map(|n| n as u32);
    headless::markers(&Page {
        user_agent,
        plugins: count("plugins.length"),
        window_chrome: !get(window, "chrome").is_undefined(),
        outer_width: number_at(window, "outerWidth"),
        outer_height: number_at(window, "outerHeight"),
        inner_width: number_at(window, "innerWidth"),
        inner_height: number_at(window, "innerHeight"),
        screen_height: number_at(window, "screen.height"),
        in_browser_tab: media_matches(window, "(display-mode: browser)"),
        languages: count("languages.length"),
        webdriver_on_prototype,
    })
}

fn markers(window: &JsValue, navigator: &JsValue) -> Array {
    let found = Array::new();
    let user_agent = string(&get(navigator, "userAgent")).unwrap_or_default();
    if contains(&user_agent, "HeadlessChrome") {
        found.push(&"headless_user_agent".into());
    }
    // Automation that rewrites the user agent often forgets the client hints.
    let brands = items(&get(navigator, "userAgentData.brands"));
    if brands.iter().any(|b| string(&get(&b, "brand")).is_some_and(|name| contains(&name, "Headless"))) {
        found.push(&"headless_client_hints".into());
    }
    for name in AUTOMATION_GLOBALS {
        if call_global("Reflect.has", &[window.clone(), (*name).into()]).as_bool() == Some(true) {
            found.push(&concat(&["global:", name]).into());
        }
    }
    let document = get(window, "document");
    if items(&call_global("Object.keys", &[document]))
        .iter()
        .filter_map(|k| k.as_string())
        .any(|k| is_chromedriver_key(&k))
    {
        found.push(&"chromedriver".into());
    }
    if cdp_runtime() {
        found.push(&"cdp_runtime".into());
    }
    for name in page_traits(window, navigator, &user_agent) {
        found.push(&name.into());
    }
    found
}

fn tampered(navigator: &JsValue) -> Array {
    let found = Array::new();
    let proto = get_global("Navigator.prototype");
    for name in NAVIGATOR_GETTERS {
        let descriptor = own_property(&proto, name);
        let getter = get(&descriptor, "get");
        if !descriptor.is_undefined() && !is_native(&getter) {
            found.push(&concat(&["navigator.", name]).into());
        }
    }
    // A real navigator keeps every property on its prototype.
    let own_names = items(&call_global("Object.getOwnPropertyNames", core::slice::from_ref(navigator)));
    for own in own_names.iter().filter_map(|n| n.as_string()) {
        found.push(&concat(&["navigator.own.", &own]).into());
    }
    let to_string = get_global("Function.prototype.toString");
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
