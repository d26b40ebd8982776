//! Browser, operating system and crawler detection from the `User-Agent` string, by the
//! woothee parser (its project keeps the pattern set shared by many languages up to date).

use std::sync::LazyLock;

use woothee::parser::Parser;

static PARSER: LazyLock<Parser> = LazyLock::new(Parser::new);

#[derive(Debug, Default, PartialEq)]
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
}
