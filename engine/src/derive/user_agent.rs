//! Browser, operating system and crawler detection from the `User-Agent` string, by the
//! woothee parser (its project keeps the pattern set shared by many languages up to date).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use woothee::parser::Parser;

static PARSER: LazyLock<Parser> = LazyLock::new(Parser::new);

/// Agents already parsed. A site's traffic comes from a few hundred distinct agents, and
/// parsing one took about as long as the rest of a device's derivation. Emptied when full, so
/// that a flood of made-up agents costs a parse each, not memory.
static PARSED: LazyLock<Mutex<HashMap<String, UserAgent>>> = LazyLock::new(Default::default);
const MAX_PARSED: usize = 4_096;
/// Longer agents are parsed each time rather than kept: no browser's is near this.
const MAX_KEPT_LENGTH: usize = 512;

#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct UserAgent {
    /// Name and major version, e.g. `Chrome 131`.
    pub browser: Option<String>,
    /// Name and version where the agent tells it, e.g. `Windows 10`, `Android 14`.
    pub os: Option<String>,
    /// A search-engine crawler, a feed reader or an HTTP library, not a browser.
    pub crawler: bool,
}

const UNKNOWN: &str = "UNKNOWN";

fn known(value: &str) -> Option<&str> {
    Some(value).filter(|v| !v.is_empty() && *v != UNKNOWN)
}

pub(super) fn parse(ua: &str) -> UserAgent {
    if ua.len() > MAX_KEPT_LENGTH {
        return parse_now(ua);
    }
    // A poisoned lock only means another request panicked mid-insert; the map is still whole.
    let cached = PARSED.lock().unwrap_or_else(|e| e.into_inner()).get(ua).cloned();
    if let Some(parsed) = cached {
        return parsed;
    }
    let parsed = parse_now(ua);
    let mut map = PARSED.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_PARSED {
        map.clear();
    }
    map.insert(ua.to_string(), parsed.clone());
    parsed
}

fn parse_now(ua: &str) -> UserAgent {
    let Some(result) = PARSER.parse(ua) else {
        return UserAgent::default();
    };
    let major = result.version.split('.').next().filter(|v| !v.is_empty() && *v != UNKNOWN);
    let browser = known(result.name).map(|name| match major {
        Some(major) => format!("{name} {major}"),
        None => name.to_string(),
    });
    let os = known(result.os).map(|os| match known(&result.os_version) {
        // Windows' version is already in its name ("Windows 10").
        Some(version)
            if !os.starts_with("Windows") && version.chars().next().is_some_and(|c| c.is_ascii_digit()) =>
        {
            format!("{os} {version}")
        }
        _ => os.to_string(),
    });
    UserAgent { browser, os, crawler: result.category == "crawler" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desktop_and_mobile_browsers() {
        let chrome = parse(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
             Chrome/131.0.0.0 Safari/537.36",
        );
        assert_eq!(chrome.browser.as_deref(), Some("Chrome 131"));
        assert_eq!(chrome.os.as_deref(), Some("Windows 10"));
        assert!(!chrome.crawler);

        let firefox = parse("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0");
        assert_eq!(firefox.browser.as_deref(), Some("Firefox 133"));
        assert_eq!(firefox.os.as_deref(), Some("Linux"));

        let iphone = parse(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) \
             Version/17.5 Mobile/15E148 Safari/604.1",
        );
        assert_eq!(iphone.browser.as_deref(), Some("Safari 17"));
        assert!(iphone.os.as_deref().is_some_and(|os| os.starts_with("iPhone")), "{iphone:?}");
    }

    #[test]
    fn crawlers_are_not_browsers() {
        assert!(parse("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)").crawler);
        assert_eq!(parse(""), UserAgent::default());
        assert_eq!(parse("something odd").browser, None);
    }

    #[test]
    fn a_kept_agent_reads_as_parsed_and_the_kept_ones_stay_bounded() {
        let ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) \
                  Version/17.5 Safari/605.1.15";
        assert_eq!(parse(ua), parse_now(ua));
        assert_eq!(parse(ua), parse_now(ua));
        for i in 0..MAX_PARSED + 10 {
            parse(&format!("Mozilla/5.0 (X11; Linux x86_64; rv:{i}.0) Gecko/20100101 Firefox/{i}.0"));
        }
        assert!(PARSED.lock().unwrap().len() <= MAX_PARSED);
        let long = format!("Mozilla/5.0 {}", "x".repeat(MAX_KEPT_LENGTH));
        parse(&long);
        assert!(!PARSED.lock().unwrap().contains_key(&long));
    }
}
