//! Device signals, gathered once when the collector loads.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use super::js::{
    call, call_num, call_str, construct, get, get_global, items, number, number_at, only_string, push_names,
    set, string, text,
};
use crate::consistency::is_software_renderer;
use crate::hash::{hash_numbers, hash_parts};
use crate::text::{concat, join};

const UNMASKED_VENDOR_WEBGL: u32 = 0x9245;
const UNMASKED_RENDERER_WEBGL: u32 = 0x9246;
const VENDOR: u32 = 0x1F00;
const RENDERER: u32 = 0x1F01;
/// WebGL parameters that differ between GPUs and drivers.
const WEBGL_PARAMETERS: [u32; 12] =
    [0x0D33, 0x0D3A, 0x84E8, 0x8869, 0x8DFB, 0x8DFD, 0x8872, 0x846E, 0x846D, 0x8B8C, 0x1F02, 0x8B4D];
/// Fonts probed by measuring text; present ones change the width against the fallback.
const FONTS: [&str; 24] = [
    "Arial",
    "Arial Black",
    "Calibri",
    "Cambria",
    "Comic Sans MS",
    "Consolas",
    "Courier New",
    "DejaVu Sans",
    "Georgia",
    "Helvetica",
    "Helvetica Neue",
    "Liberation Sans",
    "Lucida Console",
    "Menlo",
    "Monaco",
    "Noto Sans",
    "Roboto",
    "Segoe UI",
    "Tahoma",
    "Times New Roman",
    "Trebuchet MS",
    "Ubuntu",
    "Verdana",
    "Cantarell",
];
const FALLBACKS: [&str; 3] = ["monospace", "sans-serif", "serif"];
const PROBE_TEXT: &str = "mmmmmmmmmmlli WwQq@#";

/// `Math` functions and inputs whose last bits differ between JavaScript engines, their
/// versions and the CPUs under them.
const MATH: [(&str, f64); 14] = [
    ("tan", -1e300),
    ("sin", -1e300),
    ("cos", 10.000000000123),
    ("sinh", 1.0),
    ("cosh", 1.0),
    ("tanh", 1.0),
    ("expm1", 1.0),
    ("log1p", 10.0),
    ("cbrt", 100.0),
    ("acosh", 1e308),
    ("asinh", 1.0),
    ("atanh", 0.5),
    ("atan", 0.5),
    ("exp", 10.0),
];

/// The page's own `Math` must be asked: Rust's would give the same answer everywhere.
fn math_hash() -> String {
    let math = get_global("Math");
    let result = |value: JsValue| number(&value).unwrap_or(f64::NAN);
    let pow = result(call(&math, "pow", &[core::f64::consts::PI.into(), (-100.0).into()]));
    hash_numbers(MATH.iter().map(|(name, x)| result(call_num(&math, name, *x))).chain([pow]))
}

/// `eval.toString().length`, which names the JavaScript engine whatever the user agent says.
fn eval_length() -> Option<u32> {
    let eval = get_global("eval");
    let eval = eval.dyn_ref::<js_sys::Function>()?;
    Some(String::from(eval.to_string()).len() as u32)
}

/// The low-entropy client hints, which the browser gives at once; the high-entropy ones are
/// added to the same object when they come (see `deferred`).
fn client_hints(navigator: &JsValue) -> Option<Object> {
    let data = get(navigator, "userAgentData");
    if data.is_undefined() || data.is_null() {
        return None;
    }
    let object = Object::new();
    set(&object, "brands", brands(&get(&data, "brands")));
    set(&object, "mobile", get(&data, "mobile").as_bool().map(JsValue::from));
    set(&object, "platform", only_string(get(&data, "platform")));
    Some(object)
}

/// Copies of `{brand, version}` entries, their strings only.
pub fn brands(list: &JsValue) -> Array {
    items(list)
        .iter()
        .map(|entry| {
            let brand = Object::new();
            for field in ["brand", "version"] {
                set(&brand, field, only_string(get(&entry, field)));
            }
            JsValue::from(brand)
        })
        .collect()
}

fn create_canvas(document: &JsValue, width: u32, height: u32) -> JsValue {
    let canvas = call_str(document, "createElement", "canvas");
    set(&canvas, "width", width);
    set(&canvas, "height", height);
    canvas
}

/// Hash of a 2D drawing: text in several fonts, emoji, curves and blending render slightly
/// differently on each GPU, driver, font set and anti-aliasing setting.
fn canvas_hash(document: &JsValue) -> Option<String> {
    let canvas = create_canvas(document, 240, 60);
    let ctx = call_str(&canvas, "getContext", "2d");
    if ctx.is_undefined() || ctx.is_null() {
        return None;
    }
    set(&ctx, "textBaseline", "alphabetic");
    set(&ctx, "fillStyle", "#f60");
    call(&ctx, "fillRect", &[125.into(), 1.into(), 62.into(), 20.into()]);
    set(&ctx, "fillStyle", "#069");
    set(&ctx, "font", "11pt \"Times New Roman\"");
    call(&ctx, "fillText", &["Cwm fjordbank gly \u{1F603}".into(), 2.into(), 15.into()]);
    set(&ctx, "fillStyle", "rgba(102, 204, 0, 0.2)");
    set(&ctx, "font", "18pt Arial");
    call(&ctx, "fillText", &["Doorman <canvas> 1.0".into(), 4.into(), 45.into()]);
    set(&ctx, "globalCompositeOperation", "multiply");
    for (x, color) in [(40, "#f2f"), (80, "#2ff"), (60, "#ff2")] {
        set(&ctx, "fillStyle", color);
        call(&ctx, "beginPath", &[]);
        call(
            &ctx,
            "arc",
            &[x.into(), 30.into(), 22.into(), 0.into(), (core::f64::consts::PI * 2.0).into(), true.into()],
        );
        call(&ctx, "closePath", &[]);
        call(&ctx, "fill", &[]);
    }
    string(&call(&canvas, "toDataURL", &[])).map(|url| hash_parts([url.as_str()]))
}

struct WebGl {
    vendor: Option<String>,
    renderer: Option<String>,
    hash: Option<String>,
}

fn webgl(document: &JsValue) -> WebGl {
    let canvas = create_canvas(document, 1, 1);
    let mut gl = call_str(&canvas, "getContext", "webgl");
    if gl.is_null() || gl.is_undefined() {
        gl = call_str(&canvas, "getContext", "experimental-webgl");
    }
    if gl.is_null() || gl.is_undefined() {
        return WebGl { vendor: None, renderer: None, hash: None };
    }
    let param = |p: u32| call_num(&gl, "getParameter", p.into());
    let debug = call_str(&gl, "getExtension", "WEBGL_debug_renderer_info");
    let (vendor, renderer) = if debug.is_null() || debug.is_undefined() {
        (string(&param(VENDOR)), string(&param(RENDERER)))
    } else {
        (string(&param(UNMASKED_VENDOR_WEBGL)), string(&param(UNMASKED_RENDERER_WEBGL)))
    };
    let mut parts: Vec<String> = WEBGL_PARAMETERS.iter().map(|p| text(&param(*p))).collect();
    parts.push(text(&call(&gl, "getSupportedExtensions", &[])));
    let hash = Some(hash_parts(parts.iter().map(String::as_str)));
    WebGl { vendor, renderer, hash }
}

/// Fonts whose rendering differs from every generic fallback.
fn fonts(document: &JsValue) -> Vec<String> {
    let canvas = create_canvas(document, 1, 1);
    let ctx = call_str(&canvas, "getContext", "2d");
    if ctx.is_undefined() || ctx.is_null() {
        return Vec::new();
    }
    let width = |font: &str| {
        set(&ctx, "font", font);
        number_at(&call_str(&ctx, "measureText", PROBE_TEXT), "width").unwrap_or(0.0)
    };
    let base: Vec<f64> = FALLBACKS.iter().map(|f| width(&concat(&["72px ", f]))).collect();
    FONTS
        .iter()
        .filter(|font| {
            FALLBACKS
                .iter()
                .zip(&base)
                .any(|(fallback, base)| width(&concat(&["72px \"", font, "\", ", fallback])) != *base)
        })
        .map(|f| f.to_string())
        .collect()
}

fn strings(value: &JsValue) -> Vec<String> {
    items(value).iter().filter_map(|v| v.as_string()).collect()
}

fn timezone() -> Option<String> {
    // Through `call`, like the rest: js-sys's bindings would be imports of their own.
    let format = construct("Intl.DateTimeFormat", &[]);
    string(&get(&call(&format, "resolvedOptions", &[]), "timeZone"))
}

/// Everything about the device, including the `fingerprint` over its stable parts. The
/// user agent is left out of the fingerprint: it changes with every browser update.
pub fn collect(automation: Object) -> Object {
    let navigator = get_global("navigator");
    let document = get_global("document");
    let screen_js = get_global("screen");

    let screen = Object::new();
    for name in ["width", "height", "availWidth", "availHeight", "colorDepth"] {
        set(&screen, name, get(&screen_js, name));
    }
    set(&screen, "pixelRatio", get_global("devicePixelRatio"));

    let canvas = canvas_hash(&document);
    let gl = webgl(&document);
    let fonts = fonts(&document);
    let hints = client_hints(&navigator);
    let eval_length = eval_length();
    if gl.renderer.as_deref().is_some_and(is_software_renderer) {
        push_names(&automation, "markers", &["software_renderer"]);
    }
    let languages = strings(&get(&navigator, "languages"));
    let tz = timezone();
    let nav = |name: &str| text(&get(&navigator, name));
    let fingerprint = hash_parts([
        canvas.as_deref().unwrap_or(""),
        gl.vendor.as_deref().unwrap_or(""),
        gl.renderer.as_deref().unwrap_or(""),
        gl.hash.as_deref().unwrap_or(""),
        &text(&get(&screen_js, "width")),
        &text(&get(&screen_js, "height")),
        &text(&get(&screen_js, "colorDepth")),
        &nav("hardwareConcurrency"),
        &nav("deviceMemory"),
        &nav("platform"),
        tz.as_deref().unwrap_or(""),
        &join(&languages, ","),
        &join(&fonts, ","),
    ]);

    let device = Object::new();
    for (field, name) in [
        ("userAgent", "userAgent"),
        ("language", "language"),
        ("hardwareConcurrency", "hardwareConcurrency"),
        ("deviceMemory", "deviceMemory"),
        ("platform", "platform"),
        ("vendor", "vendor"),
        ("maxTouchPoints", "maxTouchPoints"),
        ("cookiesEnabled", "cookieEnabled"),
    ] {
        set(&device, field, get(&navigator, name));
    }
    set(&device, "screen", screen);
    set(&device, "timezone", tz.map(JsValue::from));
    set(&device, "timezoneOffset", call(&construct("Date", &[]), "getTimezoneOffset", &[]));
    set(&device, "languages", languages.into_iter().map(JsValue::from).collect::<Array>());
    set(&device, "webglVendor", gl.vendor.map(JsValue::from));
    set(&device, "webglRenderer", gl.renderer.map(JsValue::from));
    set(&device, "webglHash", gl.hash.map(JsValue::from));
    set(&device, "canvasHash", canvas.map(JsValue::from));
    set(&device, "fonts", fonts.into_iter().map(JsValue::from).collect::<Array>());
    for (field, name) in [
        ("localStorage", "localStorage"),
        ("sessionStorage", "sessionStorage"),
        ("indexedDb", "indexedDB"),
        ("openDatabase", "openDatabase"),
    ] {
        // A storage that cookie settings block throws on access and reads as absent.
        set(&device, field, !get_global(name).is_undefined());
    }
    set(&device, "mathHash", math_hash());
    set(&device, "evalLength", eval_length);
    set(&device, "clientHints", hints.map(JsValue::from));
    set(&device, "fingerprint", fingerprint);
    set(&device, "deviceToken", super::identity::device_token().map(JsValue::from));
    set(&device, "collectorVersion", env!("CARGO_PKG_VERSION"));
    set(&device, "automation", automation);
    device
}
