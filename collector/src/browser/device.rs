//! Device signals, gathered once when the collector loads.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

use super::js::{call, get, global, items, number, push_names, set, string, text};
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
    let math = get(&global(), "Math");
    let result = |name: &str, args: &[JsValue]| number(&call(&math, name, args)).unwrap_or(f64::NAN);
    hash_numbers(
        MATH.iter()
            .map(|(name, x)| result(name, &[(*x).into()]))
            .chain([result("pow", &[core::f64::consts::PI.into(), (-100.0).into()])]),
    )
}

/// `eval.toString().length`, which names the JavaScript engine whatever the user agent says.
fn eval_length() -> Option<u32> {
    let eval = get(&global(), "eval");
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
    set(&object, "platform", string(&get(&data, "platform")).map(JsValue::from));
    Some(object)
}

/// Copies of `{brand, version}` entries, their strings only.
pub fn brands(list: &JsValue) -> Array {
    items(list)
        .iter()
        .map(|entry| {
            let brand = Object::new();
            for field in ["brand", "version"] {
                set(&brand, field, string(&get(&entry, field)).map(JsValue::from));
            }
            JsValue::from(brand)
        })
        .collect()
}

fn create_canvas(document: &JsValue, width: u32, height: u32) -> JsValue {
    let canvas = call(document, "createElement", &["canvas".into()]);
    let _ = js_sys::Reflect::set(&canvas, &"width".into(), &width.into());
    let _ = js_sys::Reflect::set(&canvas, &"height".into(), &height.into());
    canvas
}

fn put(target: &JsValue, name: &str, value: &str) {
    let _ = js_sys::Reflect::set(target, &name.into(), &value.into());
}

/// Hash of a 2D drawing: text in several fonts, emoji, curves and blending render slightly
/// differently on each GPU, driver, font set and anti-aliasing setting.
fn canvas_hash(document: &JsValue) -> Option<String> {
    let canvas = create_canvas(document, 240, 60);
    let ctx = call(&canvas, "getContext", &["2d".into()]);
    if ctx.is_undefined() || ctx.is_null() {
        return None;
    }
    put(&ctx, "textBaseline", "alphabetic");
    put(&ctx, "fillStyle", "#f60");
    call(&ctx, "fillRect", &[125.into(), 1.into(), 62.into(), 20.into()]);
    put(&ctx, "fillStyle", "#069");
    put(&ctx, "font", "11pt \"Times New Roman\"");
    call(&ctx, "fillText", &["Cwm fjordbank gly \u{1F603}".into(), 2.into(), 15.into()]);
    put(&ctx, "fillStyle", "rgba(102, 204, 0, 0.2)");
    put(&ctx, "font", "18pt Arial");
    call(&ctx, "fillText", &["Doorman <canvas> 1.0".into(), 4.into(), 45.into()]);
    put(&ctx, "globalCompositeOperation", "multiply");
    for (x, color) in [(40, "#f2f"), (80, "#2ff"), (60, "#ff2")] {
        put(&ctx, "fillStyle", color);
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
    let mut gl = call(&canvas, "getContext", &["webgl".into()]);
    if gl.is_null() || gl.is_undefined() {
        gl = call(&canvas, "getContext", &["experimental-webgl".into()]);
    }
    if gl.is_null() || gl.is_undefined() {
        return WebGl { vendor: None, renderer: None, hash: None };
    }
    let param = |p: u32| call(&gl, "getParameter", &[p.into()]);
    let debug = call(&gl, "getExtension", &["WEBGL_debug_renderer_info".into()]);
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
    let ctx = call(&canvas, "getContext", &["2d".into()]);
    if ctx.is_undefined() || ctx.is_null() {
        return Vec::new();
    }
    let width = |font: &str| {
        put(&ctx, "font", font);
        number(&get(&call(&ctx, "measureText", &[PROBE_TEXT.into()]), "width")).unwrap_or(0.0)
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
    let format = js_sys::Intl::DateTimeFormat::new(&Array::new(), &Object::new());
    string(&get(&format.resolved_options(), "timeZone"))
}

/// Everything about the device, including the `fingerprint` over its stable parts. The
/// user agent is left out of the fingerprint: it changes with every browser update.
pub fn collect(automation: Object) -> Object {
    let window = global();
    let navigator = get(&window, "navigator");
    let document = get(&window, "document");
    let screen_js = get(&window, "screen");

    let screen = Object::new();
    for name in ["width", "height", "availWidth", "availHeight", "colorDepth"] {
        set(&screen, name, get(&screen_js, name));
    }
    set(&screen, "pixelRatio", get(&window, "devicePixelRatio"));

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
    set(&device, "timezoneOffset", js_sys::Date::new_0().get_timezone_offset());
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
        set(&device, field, !get(&window, name).is_undefined());
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
