//! Whether what a browser says about itself hangs together: its user agent against
//! `navigator.platform`, the client hints, the WebGL renderer, the installed fonts and the
//! JavaScript engine. Anti-detect tools and automation rewrite the user agent and forget the
//! rest. Each finding is a stable name; the engine judges them from the signals the collector
//! sends, among the BROWSER_TAMPERING reasons.

use alloc::string::String;
use alloc::vec::Vec;

use crate::text::contains;

/// Operating-system families, as far as a browser can be told apart by them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Windows,
    Mac,
    Linux,
    Android,
    Ios,
}

/// The family a user agent, a `navigator.platform` or a client-hints platform names.
pub fn os_family(text: &str) -> Option<Os> {
    let t = text.to_ascii_lowercase();
    if t.contains("android") {
        Some(Os::Android)
    } else if t.contains("iphone") || t.contains("ipad") || t.contains("ipod") || t == "ios" {
        Some(Os::Ios)
    } else if t.contains("win") {
        Some(Os::Windows)
    } else if t.contains("mac") {
        Some(Os::Mac)
    } else if t.contains("linux") || t.contains("x11") || t.contains("cros") || t.contains("chrome os") {
        Some(Os::Linux)
    } else {
        None
    }
}

/// Android reports a Linux platform and asks for desktop sites with a Linux user agent;
/// iPads report "MacIntel" and ask for desktop sites with a Mac one. Neither is a lie.
fn compatible(a: Os, b: Os) -> bool {
    use Os::*;
    a == b || matches!((a, b), (Android, Linux) | (Linux, Android) | (Ios, Mac) | (Mac, Ios))
}

fn mismatch(a: Option<Os>, b: Option<Os>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if !compatible(a, b))
}

/// The family only one system's graphics stack names: Direct3D is Windows' alone, Metal and
/// Safari's "Apple GPU" Apple's alone. Other renderers run on several systems.
fn renderer_os(renderer: &str) -> Option<Os> {
    let r = renderer.to_ascii_lowercase();
    if r.contains("direct3d") {
        Some(Os::Windows)
    } else if r.contains("metal renderer") || r == "apple gpu" {
        Some(Os::Mac)
    } else {
        None
    }
}

/// Chromium-based browsers (Chrome, Edge, Opera, Brave, headless Chrome) all say `Chrome/`.
pub fn is_chromium(user_agent: &str) -> bool {
    contains(user_agent, "Chrome/")
}

pub fn is_desktop_chromium(user_agent: &str) -> bool {
    is_chromium(user_agent) && !contains(user_agent, "Android") && !contains(user_agent, "Mobile")
}

/// Graphics rendered on the CPU: headless browsers, virtual machines and remote desktops
/// without a GPU. Real people use those too, so this is a hint, not proof.
pub fn is_software_renderer(renderer: &str) -> bool {
    let r = renderer.to_ascii_lowercase();
    ["swiftshader", "llvmpipe", "softpipe", "microsoft basic render driver"].iter().any(|s| contains(&r, s))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Engine {
    /// V8 and JavaScriptCore: `eval.toString()` is 33 characters long.
    BlinkOrWebKit,
    /// SpiderMonkey: 37 characters.
    Gecko,
}

fn ua_engine(user_agent: &str) -> Option<Engine> {
    // Chromium and Safari say "like Gecko)"; only Gecko itself says "Gecko/".
    if user_agent.contains("Gecko/") {
        Some(Engine::Gecko)
    } else if user_agent.contains("AppleWebKit/") {
        Some(Engine::BlinkOrWebKit)
    } else {
        None
    }
}

fn eval_engine(eval_length: u32) -> Option<Engine> {
    match eval_length {
        33 => Some(Engine::BlinkOrWebKit),
        37 => Some(Engine::Gecko),
        _ => None,
    }
}

/// The major version after `Chrome/` in a user agent.
fn chrome_major(user_agent: &str) -> Option<&str> {
    let (_, rest) = user_agent.split_once("Chrome/")?;
    let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    rest.get(..end).filter(|v| !v.is_empty())
}

/// `navigator.userAgentData` as the page read it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hints<'a> {
    pub platform: Option<&'a str>,
    /// The version of the `Chromium` brand.
    pub chromium_version: Option<&'a str>,
}

/// What the browser said about itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Observed<'a> {
    pub user_agent: &'a str,
    pub platform: Option<&'a str>,
    /// `None` when the browser has no client hints (all but Chromium's, and insecure pages).
    pub hints: Option<Hints<'a>>,
    pub webgl_renderer: Option<&'a str>,
    /// Fonts the probe found installed.
    pub fonts: &'a [String],
    /// `eval.toString().length`.
    pub eval_length: Option<u32>,
}

/// Fonts every Windows since Vista has; Office brings Calibri and Consolas to Macs too, which
/// is harmless here.
const WINDOWS_FONTS: [&str; 3] = ["Segoe UI", "Calibri", "Consolas"];
/// Fonts every macOS has.
const MAC_FONTS: [&str; 3] = ["Helvetica Neue", "Menlo", "Monaco"];
/// Fonts of Linux desktops that Windows and macOS do not ship.
const LINUX_FONTS: [&str; 4] = ["Ubuntu", "DejaVu Sans", "Liberation Sans", "Cantarell"];

/// A Windows or Mac user agent on a machine that has Linux's fonts and none of its own
/// system's. An empty probe (blocked, or a privacy mode) decides nothing.
fn fonts_contradict(ua: Option<Os>, fonts: &[String]) -> bool {
    let has = |names: &[&str]| fonts.iter().any(|f| names.contains(&f.as_str()));
    let own: &[&str] = match ua {
        Some(Os::Windows) => &WINDOWS_FONTS,
        Some(Os::Mac) => &MAC_FONTS,
        _ => return false,
    };
    has(&LINUX_FONTS) && !has(own)
}

/// The names of the contradictions found.
pub fn mismatches(o: &Observed) -> Vec<&'static str> {
    let mut found = Vec::new();
    let ua = os_family(o.user_agent);
    if mismatch(ua, o.platform.and_then(os_family)) {
        found.push("user_agent_platform_mismatch");
    }
    if let Some(hints) = o.hints {
        let version_differs = matches!(
            (chrome_major(o.user_agent), hints.chromium_version),
            (Some(ua_version), Some(hint_version)) if ua_version != hint_version
        );
        // Only Chromium has client hints: any other user agent is a disguise.
        if !is_chromium(o.user_agent) || version_differs || mismatch(ua, hints.platform.and_then(os_family)) {
            found.push("ua_client_hints_mismatch");
        }
    }
    if mismatch(ua, o.webgl_renderer.and_then(renderer_os)) {
        found.push("ua_renderer_mismatch");
    }
    if fonts_contradict(ua, o.fonts) {
        found.push("ua_fonts_mismatch");
    }
    if let (Some(named), Some(running)) = (ua_engine(o.user_agent), o.eval_length.and_then(eval_engine)) {
        if named != running {
            found.push("ua_engine_mismatch");
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHROME_WIN: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                              Chrome/131.0.0.0 Safari/537.36";
    const CHROME_MAC: &str =
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) \
                              Chrome/131.0.0.0 Safari/537.36";
    const CHROME_ANDROID: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) \
                                  Chrome/131.0.0.0 Mobile Safari/537.36";
    const FIREFOX_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    const SAFARI_IPAD_DESKTOP: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 \
                                       (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

    fn fonts(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    fn chrome_windows() -> Observed<'static> {
        Observed {
            user_agent: CHROME_WIN,
            platform: Some("Win32"),
            hints: Some(Hints { platform: Some("Windows"), chromium_version: Some("131") }),
            webgl_renderer: Some("ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)"),
            fonts: &[],
            eval_length: Some(33),
        }
    }

    #[test]
    fn os_families() {
        assert_eq!(os_family(CHROME_WIN), Some(Os::Windows));
        assert_eq!(os_family(CHROME_ANDROID), Some(Os::Android));
        assert_eq!(os_family("Linux armv8l"), Some(Os::Linux));
        assert_eq!(os_family("MacIntel"), Some(Os::Mac));
        assert_eq!(os_family("macOS"), Some(Os::Mac));
        assert_eq!(os_family("Chrome OS"), Some(Os::Linux));
        assert_eq!(os_family("iPhone"), Some(Os::Ios));
        assert_eq!(os_family(""), None);
    }

    #[test]
    fn real_browsers_are_consistent() {
        let win_fonts = fonts(&["Arial", "Calibri", "Segoe UI", "DejaVu Sans"]);
        assert!(mismatches(&Observed { fonts: &win_fonts, ..chrome_windows() }).is_empty());
        let mac_fonts = fonts(&["Helvetica Neue", "Menlo"]);
        let mac = Observed {
            user_agent: CHROME_MAC,
            platform: Some("MacIntel"),
            hints: Some(Hints { platform: Some("macOS"), chromium_version: Some("131") }),
            webgl_renderer: Some("ANGLE (Apple, ANGLE Metal Renderer: Apple M1, Unspecified Version)"),
            fonts: &mac_fonts,
            eval_length: Some(33),
        };
        assert!(mismatches(&mac).is_empty());
        let android = Observed {
            user_agent: CHROME_ANDROID,
            platform: Some("Linux armv8l"),
            hints: Some(Hints { platform: Some("Android"), chromium_version: Some("131") }),
            webgl_renderer: Some("Adreno (TM) 640"),
            ..Default::default()
        };
        assert!(mismatches(&android).is_empty());
        // Chrome on Android asking for the desktop site.
        let desktop_mode = Observed {
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            ..android
        };
        assert!(mismatches(&desktop_mode).is_empty());
        let linux_fonts = fonts(&["DejaVu Sans", "Ubuntu"]);
        let firefox = Observed {
            user_agent: FIREFOX_LINUX,
            platform: Some("Linux x86_64"),
            webgl_renderer: Some("Mesa Intel(R) UHD Graphics 620 (KBL GT2)"),
            fonts: &linux_fonts,
            eval_length: Some(37),
            ..Default::default()
        };
        assert!(mismatches(&firefox).is_empty());
        let ipad = Observed {
            user_agent: SAFARI_IPAD_DESKTOP,
            platform: Some("MacIntel"),
            webgl_renderer: Some("Apple GPU"),
            eval_length: Some(33),
            ..Default::default()
        };
        assert!(mismatches(&ipad).is_empty());
    }

    #[test]
    fn a_windows_user_agent_on_linux() {
        let linux_fonts = fonts(&["Arial", "DejaVu Sans", "Ubuntu"]);
        let spoofed = Observed {
            platform: Some("Linux x86_64"),
            hints: Some(Hints { platform: Some("Linux"), chromium_version: Some("131") }),
            webgl_renderer: Some("ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)"),
            fonts: &linux_fonts,
            ..chrome_windows()
        };
        assert_eq!(
            mismatches(&spoofed),
            ["user_agent_platform_mismatch", "ua_client_hints_mismatch", "ua_fonts_mismatch"]
        );
        // An empty font probe decides nothing.
        assert!(mismatches(&Observed { fonts: &[], ..spoofed }).len() == 2);
    }

    #[test]
    fn a_mac_user_agent_on_windows_graphics() {
        let spoofed = Observed {
            user_agent: CHROME_MAC,
            platform: Some("MacIntel"),
            hints: Some(Hints { platform: Some("macOS"), chromium_version: Some("131") }),
            ..chrome_windows()
        };
        assert_eq!(mismatches(&spoofed), ["ua_renderer_mismatch"]);
        let windows_on_metal = Observed {
            webgl_renderer: Some("ANGLE (Apple, ANGLE Metal Renderer: Apple M2, Unspecified Version)"),
            ..chrome_windows()
        };
        assert_eq!(mismatches(&windows_on_metal), ["ua_renderer_mismatch"]);
    }

    #[test]
    fn client_hints_betray_a_rewritten_user_agent() {
        let old_version = Observed {
            user_agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            ..chrome_windows()
        };
        assert_eq!(mismatches(&old_version), ["ua_client_hints_mismatch"]);
        let as_safari = Observed {
            user_agent: SAFARI_IPAD_DESKTOP,
            platform: Some("MacIntel"),
            hints: Some(Hints { platform: Some("macOS"), chromium_version: Some("131") }),
            webgl_renderer: None,
            ..chrome_windows()
        };
        assert_eq!(mismatches(&as_safari), ["ua_client_hints_mismatch"]);
    }

    #[test]
    fn the_engine_betrays_a_borrowed_user_agent() {
        let chrome_as_firefox = Observed {
            user_agent: FIREFOX_LINUX,
            platform: Some("Linux x86_64"),
            eval_length: Some(33),
            ..Default::default()
        };
        assert_eq!(mismatches(&chrome_as_firefox), ["ua_engine_mismatch"]);
        let firefox_as_chrome = Observed { hints: None, eval_length: Some(37), ..chrome_windows() };
        assert_eq!(mismatches(&firefox_as_chrome), ["ua_engine_mismatch"]);
        let unknown_length = Observed { eval_length: Some(40), ..chrome_windows() };
        assert!(mismatches(&unknown_length).is_empty());
    }

    #[test]
    fn chrome_versions_and_families() {
        assert_eq!(chrome_major(CHROME_WIN), Some("131"));
        assert_eq!(chrome_major("Chrome/"), None);
        assert_eq!(chrome_major(FIREFOX_LINUX), None);
        assert!(is_desktop_chromium(CHROME_WIN));
        assert!(is_chromium(CHROME_ANDROID) && !is_desktop_chromium(CHROME_ANDROID));
        assert!(!is_chromium(SAFARI_IPAD_DESKTOP));
    }

    #[test]
    fn software_renderers() {
        assert!(is_software_renderer(
            "ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)"
        ));
        assert!(is_software_renderer("Google SwiftShader"));
        assert!(is_software_renderer("llvmpipe (LLVM 15.0.6, 256 bits)"));
        assert!(is_software_renderer(
            "ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0)"
        ));
        assert!(!is_software_renderer("ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)"));
    }
}
