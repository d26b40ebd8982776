//! Traits of headless and automated browsers beyond `navigator.webdriver`, decided here so
//! that they are tested natively. Each is a stable name for `automation.markers`.

use alloc::vec::Vec;

use crate::consistency::{is_chromium, is_desktop_chromium};

/// What the page showed of itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Page<'a> {
    pub user_agent: &'a str,
    /// `navigator.plugins.length`.
    pub plugins: Option<u32>,
    /// Whether `window.chrome` exists.
    pub window_chrome: bool,
    pub outer_width: Option<f64>,
    pub outer_height: Option<f64>,
    pub inner_width: Option<f64>,
    pub inner_height: Option<f64>,
    /// `screen.height`.
    pub screen_height: Option<f64>,
    /// Whether the page shows in a browser tab (CSS `display-mode: browser`), not as an
    /// installed app or in full screen.
    pub in_browser_tab: bool,
    /// `navigator.languages.length`.
    pub languages: Option<u32>,
    /// Whether `Navigator.prototype` has its own `webdriver` property.
    pub webdriver_on_prototype: bool,
}

/// The names of the traits found.
pub fn markers(p: &Page) -> Vec<&'static str> {
    let desktop_chrome = is_desktop_chromium(p.user_agent);
    let mut found = Vec::new();
    // Desktop Chrome lists its PDF viewer as plugins; old headless Chrome listed none.
    if desktop_chrome && p.plugins == Some(0) {
        found.push("no_plugins");
    }
    if desktop_chrome && !p.window_chrome {
        found.push("missing_window_chrome");
    }
    // A headless browser has no window around the page.
    if p.outer_width == Some(0.0) && p.outer_height == Some(0.0) {
        found.push("zero_outer_size");
    }
    if desktop_chrome && frameless(p) {
        found.push("frameless_window");
    }
    if p.languages == Some(0) {
        found.push("empty_languages");
    }
    // Chromium defines `webdriver` on the prototype; stealth scripts delete it there so that
    // `"webdriver" in navigator` is false, which no real Chromium shows.
    if is_chromium(p.user_agent) && !p.webdriver_on_prototype {
        found.push("webdriver_deleted");
    }
    found
}

/// A desktop browser tab lies inside a window with tabs and an address bar, so the window
/// is larger than the page. New headless Chrome reports a window exactly the page's size,
/// which neither hiding `navigator.webdriver` nor stealth plugins change. Full screen (the
/// page as tall as the screen) and installed apps have no bars and are left out.
fn frameless(p: &Page) -> bool {
    let (Some(ow), Some(oh), Some(iw), Some(ih)) =
        (p.outer_width, p.outer_height, p.inner_width, p.inner_height)
    else {
        return false;
    };
    let full_screen = p.screen_height.is_none_or(|h| ih >= h);
    p.in_browser_tab && !full_screen && ih > 0.0 && ow == iw && oh == ih
}

/// `Notification.permission` says "denied" while the Permissions API says "prompt": headless
/// Chrome answers both without asking anyone, and disagrees with itself.
pub fn notification_permission_mismatch(permission: Option<&str>, query_state: Option<&str>) -> bool {
    permission == Some("denied") && query_state == Some("prompt")
}

/// A storage quota in bytes as whole megabytes, for `device.storageQuotaMb`.
pub fn quota_mb(bytes: f64) -> Option<u32> {
    // `as` saturates: a quota beyond 4 PB reads as u32::MAX.
    (bytes.is_finite() && bytes >= 0.0).then(|| crate::sampling::round(bytes / 1_048_576.0) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_WIN: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                              Chrome/131.0.0.0 Safari/537.36";
    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) \
                                  Chrome/131.0.0.0 Mobile Safari/537.36";
    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    fn chrome() -> Page<'static> {
        Page {
            user_agent: CHROME_WIN,
            plugins: Some(5),
            window_chrome: true,
            outer_width: Some(1280.0),
            outer_height: Some(800.0),
            inner_width: Some(1272.0),
            inner_height: Some(690.0),
            screen_height: Some(864.0),
            in_browser_tab: true,
            languages: Some(2),
            webdriver_on_prototype: true,
        }
    }

    #[test]
    fn a_real_chrome_shows_none() {
        assert!(markers(&chrome()).is_empty());
    }

    #[test]
    fn old_headless_chrome_shows_them_all() {
        let headless = Page {
            plugins: Some(0),
            window_chrome: false,
            outer_width: Some(0.0),
            outer_height: Some(0.0),
            languages: Some(0),
            webdriver_on_prototype: false,
            ..chrome()
        };
        assert_eq!(
            markers(&headless),
            [
                "no_plugins",
                "missing_window_chrome",
                "zero_outer_size",
                "empty_languages",
                "webdriver_deleted"
            ]
        );
    }

    #[test]
    fn new_headless_chrome_has_no_window_frame() {
        let headless = Page {
            outer_width: Some(1200.0),
            outer_height: Some(700.0),
            inner_width: Some(1200.0),
            inner_height: Some(700.0),
            ..chrome()
        };
        assert_eq!(markers(&headless), ["frameless_window"]);
        // In full screen, or as an installed app, a person's page fills the window too.
        let full_screen = Page { screen_height: Some(700.0), ..headless };
        assert!(markers(&full_screen).is_empty());
        let app = Page { in_browser_tab: false, ..headless };
        assert!(markers(&app).is_empty());
        // Phones show pages without a frame.
        assert!(markers(&Page { user_agent: CHROME_ANDROID, ..headless }).is_empty());
    }

    #[test]
    fn chrome_traits_are_asked_only_of_chrome() {
        // Android Chrome has no plugins, Firefox no `window.chrome`: both are normal.
        let android = Page { user_agent: CHROME_ANDROID, plugins: Some(0), window_chrome: false, ..chrome() };
        assert!(markers(&android).is_empty());
        let firefox = Page { user_agent: FIREFOX, plugins: Some(0), window_chrome: false, ..chrome() };
        assert!(markers(&firefox).is_empty());
        // Unknown values (old browsers) decide nothing.
        let unknown =
            Page { plugins: None, outer_width: None, outer_height: None, languages: None, ..chrome() };
        assert!(markers(&unknown).is_empty());
        // One zero side is a minimised or odd window, not a missing one.
        assert!(markers(&Page { outer_width: Some(0.0), ..chrome() }).is_empty());
    }

    #[test]
    fn notification_permissions() {
        assert!(notification_permission_mismatch(Some("denied"), Some("prompt")));
        assert!(!notification_permission_mismatch(Some("denied"), Some("denied")));
        assert!(!notification_permission_mismatch(Some("default"), Some("prompt")));
        assert!(!notification_permission_mismatch(None, Some("prompt")));
        assert!(!notification_permission_mismatch(Some("denied"), None));
    }

    #[test]
    fn quotas() {
        assert_eq!(quota_mb(0.0), Some(0));
        assert_eq!(quota_mb(120.0 * 1_048_576.0), Some(120));
        assert_eq!(quota_mb(299_977_904_537.0), Some(286_081));
        assert_eq!(quota_mb(1e300), Some(u32::MAX));
        assert_eq!(quota_mb(f64::NAN), None);
        assert_eq!(quota_mb(-1.0), None);
    }
}
