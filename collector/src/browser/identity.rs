//! The first-party device token and random ids.

use alloc::string::{String, ToString};

use wasm_bindgen::JsValue;

use super::js::{call, call_str, get, get_global, set, string};
use crate::text::{concat, cookie_value};

const TOKEN_NAME: &str = "doorman_dt";
const TOKEN_MAX_AGE_SECS: &str = "63072000";

/// 16 random bytes from `crypto.getRandomValues`, as 32 hex digits.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let crypto = get_global("crypto");
    // SAFETY: the view covers `bytes` exactly and is filled at once, before anything could
    // grow the wasm memory under it. (A JS array copied out with `to_vec` would assert
    // lengths, and the assertion's message formatting costs the download more.)
    let view = unsafe { js_sys::Uint8Array::view_mut_raw(bytes.as_mut_ptr(), bytes.len()) };
    call(&crypto, "getRandomValues", &[view.into()]);
    let mut out = String::with_capacity(32);
    for b in bytes {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn valid(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The device token kept in localStorage and a first-party cookie; whichever survives is
/// used and both are written back, so clearing one of them does not lose the device.
pub fn device_token() -> Option<String> {
    let storage = get_global("localStorage");
    let document = get_global("document");
    let from_storage = string(&call_str(&storage, "getItem", TOKEN_NAME)).filter(|t| valid(t));
    let from_cookie = string(&get(&document, "cookie"))
        .and_then(|cookies| cookie_value(&cookies, TOKEN_NAME).filter(|t| valid(t)).map(ToString::to_string));
    let token = from_storage.or(from_cookie).unwrap_or_else(random_id);
    call(&storage, "setItem", &[JsValue::from_str(TOKEN_NAME), JsValue::from_str(&token)]);
    let cookie =
        concat(&[TOKEN_NAME, "=", &token, "; path=/; max-age=", TOKEN_MAX_AGE_SECS, "; SameSite=Lax"]);
    set(&document, "cookie", cookie);
    valid(&token).then_some(token)
}
