//! String helpers for the collector. `str::contains` brings core's two-way searcher and,
//! through its slicing, the panic messages and formatting code with it: several kilobytes of
//! the wasm download for the few short strings the collector looks into. `concat` and `join`
//! of alloc are a kilobyte each, for joins of a handful of parts.

use alloc::string::String;

/// Whether `needle` occurs in `haystack`, byte for byte.
pub fn contains(haystack: &str, needle: &str) -> bool {
    needle.is_empty() || haystack.as_bytes().windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// `parts` one after the other, with `separator` between two.
pub fn join<S: AsRef<str>>(parts: &[S], separator: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(part.as_ref());
    }
    out
}

pub fn concat(parts: &[&str]) -> String {
    join(parts, "")
}

/// The value of the cookie `name` in a `document.cookie` string. By byte offsets into the
/// string itself: `str::split` and `trim` bring panic formatting into the wasm too, and
/// re-checking bytes with `str::from_utf8` its UTF-8 validator.
pub fn cookie_value<'a>(cookies: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = cookies;
    loop {
        let end = rest.as_bytes().iter().position(|&b| b == b';').unwrap_or(rest.len());
        // ';' and '=' are ASCII, so every offset found is a character boundary.
        if let Some(value) = rest.get(..end).and_then(|pair| pair_value(pair, name)) {
            return Some(value);
        }
        rest = rest.get(end + 1..)?;
    }
}

fn pair_value<'a>(pair: &'a str, name: &str) -> Option<&'a str> {
    let pair = pair.trim_ascii();
    let eq = pair.as_bytes().iter().position(|&b| b == b'=')?;
    if pair.get(..eq)? != name {
        return None;
    }
    pair.get(eq + 1..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_substrings_anywhere() {
        assert!(contains("Mozilla/5.0 HeadlessChrome/156", "HeadlessChrome"));
        assert!(contains("abc", "abc"));
        assert!(contains("abc", "c"));
        assert!(contains("abc", ""));
        assert!(!contains("abc", "abcd"));
        assert!(!contains("", "a"));
        assert!(!contains("Chrome/", "chrome/"));
        assert!(contains("日本 Chrome/1", "Chrome/"));
    }

    #[test]
    fn joins_with_separators_between() {
        assert_eq!(join(&["en-US", "en"], ","), "en-US,en");
        assert_eq!(join(&[String::from("Arial")], ","), "Arial");
        assert_eq!(join::<&str>(&[], ","), "");
        assert_eq!(concat(&["global:", "_phantom"]), "global:_phantom");
    }

    #[test]
    fn reads_a_cookie_among_others() {
        let cookies = "theme=dark; doorman_dt=0123abcd;session=x=y ; doorman_dtx=1";
        assert_eq!(cookie_value(cookies, "doorman_dt"), Some("0123abcd"));
        assert_eq!(cookie_value(cookies, "session"), Some("x=y"));
        assert_eq!(cookie_value(cookies, "theme"), Some("dark"));
        assert_eq!(cookie_value(cookies, "missing"), None);
        assert_eq!(cookie_value("", "doorman_dt"), None);
        assert_eq!(cookie_value("doorman_dt", "doorman_dt"), None);
    }
}
