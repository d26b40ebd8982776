//! The simulated population and the events it sends: many devices, most used by one person
//! each; a farm share of devices that sign up account after account; a bot share driven by
//! automation; people coming back to log in on the device they signed up with.

use doorman_collector::payload::{AutomationSignals, BehaviorSignals, DeviceSignals, MousePoint, Screen};
use doorman_engine::input::{EventType, IngestRequest};

pub struct Mix {
    /// Share of events sent by automated browsers.
    pub bots: f64,
    /// Share of devices that are account farms.
    pub farms: f64,
    /// Share of events that are logins of an earlier signup.
    pub logins: f64,
}

const USER_AGENTS: [(&str, &str); 4] = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Win32",
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
        "MacIntel",
    ),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Linux x86_64"),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Linux armv8l",
    ),
];
const ZONES: [&str; 5] =
    ["Europe/Paris", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Sao_Paulo"];
const DOMAINS: [&str; 5] = ["gmail.com", "outlook.com", "example.org", "proton.me", "mailinator.com"];

/// One worker's generator; `worker` keeps ids of parallel workers apart.
pub struct Traffic {
    rng: fastrand::Rng,
    worker: u32,
    devices: u32,
    run: u64,
    mix: Mix,
    sequence: u64,
}

impl Traffic {
    pub fn new(worker: u32, devices: u32, run: u64, mix: Mix) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(run ^ ((worker as u64) << 32)),
            worker,
            devices,
            run,
            mix,
            sequence: 0,
        }
    }

    /// The next event and the index of the API key (tenant) it is sent with.
    pub fn next(&mut self, tenants: usize) -> (usize, IngestRequest) {
        self.sequence += 1;
        let device = self.rng.u32(0..self.devices.max(1));
        // A device belongs to one tenant's users: the same person does not sign up everywhere.
        let tenant = device as usize % tenants.max(1);
        let bot = self.rng.f64() < self.mix.bots;
        let farm = (device as f64 / self.devices as f64) < self.mix.farms;
        let login = !farm && !bot && self.rng.f64() < self.mix.logins;
        let user = if login || !farm {
            // The device's owner.
            format!("d{device}")
        } else {
            format!("r{}w{}s{}", self.run, self.worker, self.sequence)
        };
        let domain = if farm { DOMAINS[4] } else { DOMAINS[device as usize % 4] };
        let request = IngestRequest {
            event_type: if login { EventType::Login } else { EventType::Signup },
            email: Some(format!("{user}@{domain}")),
            external_user_id: Some(user),
            ip: Some(self.ip(device, farm)),
            device: Some(self.device(device, bot)),
            behavior: Some(self.behavior(bot)),
            phone: None,
            referrer_user_id: None,
            promo_code: None,
        };
        (tenant, request)
    }

    /// Home broadband for people (a stable address per device), a few hosting addresses
    /// shared by the farms.
    fn ip(&mut self, device: u32, farm: bool) -> String {
        if farm {
            format!("198.51.100.{}", self.rng.u8(1..20))
        } else {
            format!("81.{}.{}.{}", (device >> 16) & 0xff, (device >> 8) & 0xff, device & 0xff)
        }
    }

    fn device(&mut self, device: u32, bot: bool) -> DeviceSignals {
        let (ua, platform) = USER_AGENTS[device as usize % USER_AGENTS.len()];
        let user_agent = if bot { ua.replace("Chrome/", "HeadlessChrome/") } else { ua.to_string() };
        DeviceSignals {
            user_agent: Some(user_agent),
            platform: Some(platform.into()),
            screen: Some(Screen {
                width: Some([1920, 1440, 2560, 412][device as usize % 4]),
                height: Some([1080, 900, 1440, 915][device as usize % 4]),
                pixel_ratio: Some(1.0),
                color_depth: Some(24),
                ..Default::default()
            }),
            timezone: Some(ZONES[device as usize % ZONES.len()].into()),
            language: Some("en-US".into()),
            languages: vec!["en-US".into(), "en".into()],
            hardware_concurrency: Some(4 << (device % 3)),
            device_memory: Some(8.0),
            webgl_vendor: Some("Google Inc.".into()),
            webgl_renderer: Some(format!("ANGLE (GPU model {})", device % 97)),
            fingerprint: Some(format!("fp{device:08x}{:08x}", self.run as u32)),
            device_token: Some(format!("tok{device:08x}{:08x}", self.run as u32)),
            payload_id: Some(format!("p{}w{}s{}", self.run, self.worker, self.sequence)),
            canvas_hash: Some(format!("cv{:04x}", device % 4096)),
            automation: bot.then(|| AutomationSignals {
                webdriver: Some(true),
                markers: vec!["cdp".into()],
                tampered: vec![],
            }),
            ..Default::default()
        }
    }

    fn behavior(&mut self, bot: bool) -> BehaviorSignals {
        let started = 1_700_000_000_000 + self.sequence as i64 * 1000;
        if bot {
            return BehaviorSignals {
                form_started_at: Some(started),
                form_submitted_at: Some(started + 400),
                keystroke_count: Some(0),
                ..Default::default()
            };
        }
        let points = self.rng.usize(20..80);
        let mut t = 0.0;
        let mouse_path = (0..points)
            .map(|i| {
                t += 50.0 + self.rng.f64() * 120.0;
                MousePoint {
                    x: 100.0 + i as f64 * 7.0 + self.rng.f64() * 30.0,
                    y: 200.0 + self.rng.f64() * 90.0,
                    t,
                }
            })
            .collect();
        let keys = self.rng.u32(15..40);
        BehaviorSignals {
            form_started_at: Some(started),
            form_submitted_at: Some(started + 6_000 + self.rng.i64(0..20_000)),
            mouse_path,
            keystroke_count: Some(keys),
            key_intervals: (1..keys).map(|_| self.rng.u32(60..400)).collect(),
            paste_count: Some(0),
            focus_changes: Some(3),
            ..Default::default()
        }
    }
}
