//! `TestApp`: a fresh database, a tenant with an API key, and the real router served on
//! `127.0.0.1:0`.

use std::net::SocketAddr;
use std::path::PathBuf;

use doorman_server::cli::build_state;
use doorman_server::config::{ServeConfig, WebhookConfig};
use doorman_store::testing::{Backend, TestDb};
use doorman_store::Store;
use serde_json::{json, Value};

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub tenant_id: String,
    pub api_key: String,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
    pub db: TestDb,
}

pub struct Options {
    pub backend: Backend,
    pub demo: bool,
    pub max_body_bytes: usize,
    pub rate_limit: u32,
    pub rate_limit_burst: u32,
    pub metrics_token: Option<String>,
    /// Webhooks may reach loopback, where the tests' receivers listen.
    pub webhooks_to_private: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            backend: Backend::Sqlite,
            demo: false,
            max_body_bytes: 64 * 1024,
            rate_limit: 1000,
            rate_limit_burst: 2000,
            metrics_token: None,
            webhooks_to_private: true,
        }
    }
}

fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}

impl TestApp {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    /// The app on a fresh database of `backend`.
    pub async fn on(backend: Backend) -> Self {
        Self::start_with(Options { backend, ..Options::default() }).await
    }

    pub async fn start_with(options: Options) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDb::new(options.backend).await;
        let store = db.store.clone();
        let tenant = store.create_tenant("acme", "Acme").await.unwrap();
        let (_, api_key) = store.create_api_key(&tenant.id, "test").await.unwrap();

        // A small disposable list of our own, so tests do not depend on the npm download; its
        // odd line must be skipped, not stop the start.
        let data_dir = dir.path().join("data");
        std::fs::create_dir(&data_dir).unwrap();
        std::fs::write(
            data_dir.join("disposable-domains.txt"),
            "mailinator.com\nnot a domain\nyopmail.com\n",
        )
        .unwrap();

        // IP data of our own: 81.0.0.0/8 in France on a broadband network, 198.51.100.0/24 a
        // US hosting provider (on the bundled high-risk list, loaded from the repository).
        std::fs::write(
            data_dir.join("country.csv"),
            "81.0.0.0,81.255.255.255,FR\n198.51.100.0,198.51.100.255,US\n",
        )
        .unwrap();
        std::fs::write(
            data_dir.join("asn.csv"),
            "81.0.0.0,81.255.255.255,3215,Orange S.A.\n198.51.100.0,198.51.100.255,14061,\"DigitalOcean, LLC\"\n",
        )
        .unwrap();
        std::fs::copy(repo_path("data/zone-countries.tsv"), data_dir.join("zone-countries.tsv")).unwrap();
        for bundled in ["high-risk-asns.txt", "sms-high-risk-prefixes.txt", "country-places.tsv"] {
            std::fs::copy(repo_path(&format!("data/{bundled}")), data_dir.join(bundled)).unwrap();
        }

        let base = serve(store.clone(), data_dir, &options).await;
        TestApp {
            base,
            store,
            tenant_id: tenant.id,
            api_key,
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            _dir: dir,
            db,
        }
    }

    /// A second server on the same database through a connection pool of its own, as
    /// another `doorman serve` process would be; gives its base URL.
    pub async fn another_instance(&self) -> String {
        let store = Store::connect(&self.db.url, 4).await.unwrap();
        serve(store, self._dir.path().join("data"), &Options::default()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Posts raw bytes to the ingest endpoint with `key`.
    pub async fn ingest_raw(&self, key: Option<&str>, body: impl Into<reqwest::Body>) -> (u16, Value) {
        let mut req = self
            .http
            .post(self.url("/api/v1/events/ingest"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Calls an `/api/v1` route with `key` and an optional JSON body.
    pub async fn api(
        &self,
        key: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path)).header("x-api-key", key);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
    }

    pub async fn ingest(&self, body: &Value) -> (u16, Value) {
        self.ingest_raw(Some(&self.api_key), serde_json::to_vec(body).unwrap()).await
    }
}

/// Serves the real router over `store` on a random loopback port; gives its base URL.
async fn serve(store: Store, data_dir: PathBuf, options: &Options) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let config = ServeConfig {
        addr,
        site_root: repo_path("target/site"),
        country_db: data_dir.join("country.csv"),
        asn_db: vec![data_dir.join("asn.csv")],
        data_dir,
        demo: options.demo,
        max_body_bytes: options.max_body_bytes,
        public_origin: None,
        session_idle_minutes: 120,
        session_max_hours: 12,
        trusted_proxies: Vec::new(),
        metrics_token: options.metrics_token.clone(),
        secure_cookies: false,
        request_timeout_secs: 10,
        rate_limit: options.rate_limit,
        rate_limit_burst: options.rate_limit_burst,
        retention_interval_secs: 0,
        reputation_refresh_ms: 100,
        live_max_subscribers: 4,
        live_buffer: 64,
        // The tests' receivers listen on loopback, and retries come quickly.
        webhooks: WebhookConfig {
            poll_ms: 50,
            retry_base_ms: 200,
            timeout_secs: 2,
            allow_private: options.webhooks_to_private,
        },
    };
    let state = build_state(store, config).await.unwrap();
    doorman_server::webhooks::spawn(state.store.clone(), state.config.webhooks.clone());
    let router = doorman_server::routes::router(state);
    tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap();
    });
    format!("http://{addr}")
}

/// A signup exactly as seed 003's snippet and backend would send it, for a person who took
/// nine seconds on the form.
pub fn seed_003_signup(email: &str, client_fingerprint: &str) -> Value {
    json!({
        "type": "SIGNUP",
        "email": email,
        "externalUserId": email,
        "ip": "203.0.113.7",
        "device": {
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "screen": { "width": 1920, "height": 1080, "pixelRatio": 1 },
            "timezone": "Europe/Paris",
            "language": "fr-FR",
            "webglVendor": "Google Inc. (NVIDIA)",
            "webglRenderer": "ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0, D3D11)",
            "hardwareConcurrency": 8,
            "deviceMemory": 8,
            "platform": "Win32",
            "clientFingerprint": client_fingerprint
        },
        "behavior": {
            "formStartedAt": 1_700_000_000_000i64,
            "formSubmittedAt": 1_700_000_009_000i64,
            "mousePath": [{ "x": 100, "y": 200, "t": 1000 }, { "x": 130, "y": 214, "t": 1090 }, { "x": 171, "y": 240, "t": 1170 }],
            "keystrokeCount": 31
        }
    })
}

pub fn fired(response: &Value) -> Vec<String> {
    response["triggeredRules"]
        .as_array()
        .map(|rules| rules.iter().filter_map(|r| r["code"].as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}
