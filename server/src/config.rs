//! Every setting of Doorman, read in one place: command-line flags with `DOORMAN_*`
//! environment fallbacks (and `DATABASE_URL`), defaulting to what works on a laptop.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "doorman", version, about = "Self-hosted fraud detection for signup and login flows")]
pub struct Cli {
    #[command(flatten)]
    pub db: DbConfig,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct DbConfig {
    /// `sqlite:PATH` (created when missing) or `postgres://...`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite:doorman.db", global = true)]
    pub database_url: String,
    /// Most connections to the database. On PostgreSQL half serve the two reads every event
    /// makes, the rest (at least two) everything else.
    #[arg(long, env = "DOORMAN_DB_MAX_CONNECTIONS", default_value_t = 16, global = true)]
    pub db_max_connections: u32,
    /// What a commit to SQLite survives: `normal`, a crash of the process; `full`, a power
    /// loss too, at the cost of a disk flush per batch of events.
    #[arg(long, env = "DOORMAN_SQLITE_SYNCHRONOUS", default_value = "normal", global = true)]
    pub sqlite_synchronous: doorman_store::SqliteSync,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the dashboard and the API (the default).
    Serve(Box<ServeConfig>),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Dashboard accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Tenants (client products).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Tenant API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Global reputation lists.
    #[command(subcommand)]
    Reputation(ReputationCommand),
    /// Rule settings: global defaults and tenant overrides.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// A tenant's allow and block lists.
    #[command(subcommand)]
    List(ListCommand),
    /// Write a consistent copy of the SQLite database to FILE while the server runs.
    Backup { file: PathBuf },
    /// Replace the SQLite database with a backup. Stop the server first.
    Restore { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Print the settings as JSON: a tenant's effective ones, or the global defaults.
    Show {
        /// Tenant slug.
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Replace a tenant's overrides with a JSON file (allowMax, monitorMax, accountsPerDevice,
    /// accountsPerIp, signupsPerIpPerHour, signupsPerDevicePerHour, minCompletionMs, and
    /// rules: {CODE: {weight, enabled, shadow}}), or without --tenant the global defaults (a full
    /// configuration as `rules show` prints it).
    Set {
        /// Tenant slug.
        #[arg(long)]
        tenant: Option<String>,
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// Allow or block a value for good, or for `--hours`.
    Add {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        /// `allow` or `block`.
        #[arg(long)]
        action: String,
        /// `email`, `email_domain`, `visitor`, `ip`, `cidr`, `asn` or `country`.
        #[arg(long)]
        kind: String,
        value: String,
        #[arg(long, default_value = "")]
        reason: String,
        /// Hours until the entry stops matching (at most a year); without it, for good.
        #[arg(long)]
        hours: Option<u32>,
    },
    /// Remove an entry.
    Remove {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        kind: String,
        value: String,
    },
    /// Print the newest entries, tab-separated: action, kind, value, until (or -), reason.
    Show {
        #[arg(long)]
        tenant: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a dashboard account; the password is read from standard input. Without
    /// `--tenant` the account is a super admin, with it a client admin of that tenant.
    Create {
        #[arg(long)]
        email: String,
        /// Slug of the tenant a client admin belongs to.
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a tenant.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
    /// List tenants.
    List,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key for a tenant and print it (it is shown only this once).
    Create {
        /// Tenant slug.
        #[arg(long)]
        tenant: String,
        #[arg(long, default_value = "default")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReputationCommand {
    /// Add the entries of a file (one per line, `#` comments) to a list.
    Import {
        /// disposable-domains, high-risk-asns, tor-exits or sms-high-risk-prefixes
        #[arg(long)]
        list: String,
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// Address the HTTP server binds.
    #[arg(long, env = "DOORMAN_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Folder with the built dashboard assets (`pkg/`) and public files.
    #[arg(long, env = "DOORMAN_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// Folder with the bundled reputation data loaded on first start.
    #[arg(long, env = "DOORMAN_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// IP → country database: a MaxMind-format `.mmdb` (ip-location-db, GeoLite2, DB-IP) or
    /// a `first,last,CC` CSV.
    #[arg(long, env = "DOORMAN_COUNTRY_DB", default_value = "data/country.mmdb")]
    pub country_db: PathBuf,
    /// IP → AS number database: one `.mmdb` (GeoLite2-ASN format) or comma-separated
    /// `first,last,asn,organisation` CSV files.
    #[arg(
        long,
        env = "DOORMAN_ASN_DB",
        value_delimiter = ',',
        default_value = "data/asn-ipv4.csv,data/asn-ipv6.csv"
    )]
    pub asn_db: Vec<PathBuf>,
    /// Serve the demo client at /demo, with a demo tenant and key. Off unless asked for: a
    /// production server serves nothing demo-only (`scripts/run.sh` turns it on).
    #[arg(long, env = "DOORMAN_DEMO", default_value_t = false, action = clap::ArgAction::Set)]
    pub demo: bool,
    /// Largest accepted API request body, in bytes.
    #[arg(long, env = "DOORMAN_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
    /// Reverse proxies (CIDRs, comma-separated) whose `X-Forwarded-For` names the client, for
    /// the sign-in throttle and the demo; from any other peer the header is ignored.
    #[arg(long, env = "DOORMAN_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<crate::client_ip::Cidr>,
    /// The dashboard's origin as browsers see it (e.g. `https://doorman.example.com`), against
    /// which state-changing requests' `Origin` is checked; unset, the request's `Host` is.
    /// Set it behind a reverse proxy that rewrites `Host`.
    #[arg(long, env = "DOORMAN_PUBLIC_ORIGIN")]
    pub public_origin: Option<String>,
    /// A bearer token `/metrics` requires (`Authorization: Bearer …`); unset, it is open, as
    /// it counts every tenant's traffic, only behind a network that keeps it private.
    #[arg(long, env = "DOORMAN_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Minutes a dashboard session lasts without use.
    #[arg(long, env = "DOORMAN_SESSION_IDLE_MINUTES", default_value_t = 120, value_parser = clap::value_parser!(u32).range(1..))]
    pub session_idle_minutes: u32,
    /// Hours a dashboard session lasts at most, used or not.
    #[arg(long, env = "DOORMAN_SESSION_MAX_HOURS", default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..))]
    pub session_max_hours: u32,
    /// Mark session cookies `Secure` (set when served over HTTPS).
    #[arg(long, env = "DOORMAN_SECURE_COOKIES", default_value_t = false, action = clap::ArgAction::Set)]
    pub secure_cookies: bool,
    /// Ingest requests a second allowed per API key (0: no limit); over it, 429.
    #[arg(long, env = "DOORMAN_RATE_LIMIT", default_value_t = 1000)]
    pub rate_limit: u32,
    /// Requests an API key may send at once above its rate before being limited.
    #[arg(long, env = "DOORMAN_RATE_LIMIT_BURST", default_value_t = 2000)]
    pub rate_limit_burst: u32,
    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "DOORMAN_REQUEST_TIMEOUT_SECS", default_value_t = 10)]
    pub request_timeout_secs: u64,
    /// Seconds between retention purges of expired events (0 = never purge).
    #[arg(long, env = "DOORMAN_RETENTION_INTERVAL_SECS", default_value_t = 3600)]
    pub retention_interval_secs: u64,
    /// Milliseconds between looks for changes of the reputation lists made elsewhere (the
    /// dashboard, the CLI, another server); 0 reads them at start only.
    #[arg(long, env = "DOORMAN_REPUTATION_REFRESH_MS", default_value_t = 5000)]
    pub reputation_refresh_ms: u64,
    /// Dashboard pages that may follow the live feed (`/live`) at once; more are answered 503.
    #[arg(long, env = "DOORMAN_LIVE_MAX_SUBSCRIBERS", default_value_t = 200)]
    pub live_max_subscribers: usize,
    /// Updates kept for a live page that has not read them yet; a page further behind is
    /// told it missed some, and ingest never waits for it.
    #[arg(long, env = "DOORMAN_LIVE_BUFFER", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub live_buffer: u32,
    #[command(flatten)]
    pub webhooks: WebhookConfig,
}

/// How webhook deliveries are sent.
#[derive(Debug, Clone, Args)]
pub struct WebhookConfig {
    /// Milliseconds between looks for due deliveries (0: send none from this server).
    #[arg(long = "webhook-poll-ms", env = "DOORMAN_WEBHOOK_POLL_MS", default_value_t = 1000)]
    pub poll_ms: u64,
    /// Pause before the first retry, in milliseconds; each later one is six times longer
    /// (10 s, 1 min, 6 min, 36 min, 3.6 h by default), and the sixth failure gives up.
    #[arg(long = "webhook-retry-base-ms", env = "DOORMAN_WEBHOOK_RETRY_BASE_MS", default_value_t = 10_000)]
    pub retry_base_ms: u64,
    /// Seconds a receiver has to answer.
    #[arg(long = "webhook-timeout-secs", env = "DOORMAN_WEBHOOK_TIMEOUT_SECS", default_value_t = 10)]
    pub timeout_secs: u64,
    /// Allow webhooks to loopback, private and link-local addresses. Off, a tenant cannot
    /// make this server call into the network it runs in.
    #[arg(long = "webhook-allow-private", env = "DOORMAN_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub allow_private: bool,
}

impl ServeConfig {
    pub fn session_lifetimes(&self) -> doorman_store::admins::SessionLifetimes {
        doorman_store::admins::SessionLifetimes {
            idle_ms: i64::from(self.session_idle_minutes) * 60_000,
            max_ms: i64::from(self.session_max_hours) * 3_600_000,
        }
    }

    /// The serve settings from the environment and defaults alone, for a bare `doorman`.
    pub fn from_env() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeConfig,
        }
        Only::parse_from(["doorman"]).serve
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_demo_only_is_served_unless_asked_for() {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeConfig,
        }
        // Given on the command line, so that the test's environment does not decide.
        assert!(!Only::parse_from(["doorman"]).serve.demo || std::env::var_os("DOORMAN_DEMO").is_some());
        assert!(Only::parse_from(["doorman", "--demo", "true"]).serve.demo);
        assert!(!Only::parse_from(["doorman", "--demo", "false"]).serve.demo);
    }
}
