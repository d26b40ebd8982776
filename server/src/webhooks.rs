//! Sends the queued webhook deliveries: each signed with its webhook's secret, with a
//! timeout, and retried with growing pauses until delivered or out of attempts.
//!
//! Signature: `Doorman-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`,
//! keyed with the webhook's secret. A receiver recomputes it over the raw body, compares in
//! constant time, and refuses a `t` far from its clock so that a captured request cannot be
//! replayed later.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use doorman_store::webhooks::DueDelivery;
use doorman_store::{ids, now_ms, Store};
use hmac::{Hmac, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::Sha256;
use tokio::task::JoinSet;

use crate::config::WebhookConfig;

/// Attempts before a delivery is given up.
pub const MAX_ATTEMPTS: i32 = 6;
/// Each retry waits this many times longer than the one before.
const BACKOFF_FACTOR: u64 = 6;
/// Deliveries claimed per look.
const BATCH: i64 = 20;

/// The `Doorman-Signature` header value for `body` sent at `unix_secs`.
pub fn signature(secret: &str, unix_secs: i64, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(format!("{unix_secs}.{body}").as_bytes());
    format!("t={unix_secs},v1={}", ids::hex(&mac.finalize().into_bytes()))
}

/// When to try again after `attempts` failed attempts, or `None` to give up.
pub fn retry_at(now: i64, attempts: i32, base_ms: u64) -> Option<i64> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exponent = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0);
    let pause = base_ms.saturating_mul(BACKOFF_FACTOR.saturating_pow(exponent));
    Some(now.saturating_add(i64::try_from(pause).unwrap_or(i64::MAX)))
}

/// Addresses a webhook must not reach unless the operator allows it: this host and the
/// networks behind it.
fn is_internal(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                // 100.64.0.0/10, carrier-grade NAT: shared, not public.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// A webhook host that resolved to an address it must not reach.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves to the internal address {address}")]
struct InternalAddress {
    host: String,
    address: IpAddr,
}

/// The addresses a lookup of `host` gave, unless one of them is internal.
fn admit(
    host: &str,
    addresses: Vec<SocketAddr>,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, InternalAddress> {
    match addresses.iter().find(|a| !allow_private && is_internal(a.ip())) {
        Some(internal) => Err(InternalAddress { host: host.to_string(), address: internal.ip() }),
        None => Ok(addresses),
    }
}

/// The HTTP client's resolver: a host is looked up once per connection and its addresses
/// checked in the same step, so the address checked is the address connected to. A check
/// before the request, with its own lookup, could be answered with a public address and the
/// connection's lookup with an internal one (DNS rebinding).
struct CheckedResolver {
    allow_private: bool,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (host, allow_private) = (name.as_str().to_string(), self.allow_private);
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let admitted = admit(&host, found, allow_private)?;
            Ok(Box::new(admitted.into_iter()) as Addrs)
        })
    }
}

/// Why a delivery failed, and whether trying again could help.
struct Failure {
    status: Option<u16>,
    error: String,
    permanent: bool,
}

pub struct Sender {
    store: Store,
    http: reqwest::Client,
    config: WebhookConfig,
}

impl Sender {
    pub fn new(store: Store, config: WebhookConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs.max(1)))
            // Each redirect would be resolved and checked too, but a receiver has no reason
            // to send one.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(CheckedResolver { allow_private: config.allow_private }))
            .user_agent(concat!("Doorman-Webhook/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds with static settings");
        Self { store, http, config }
    }

    /// Refuses what never reaches the resolver: a URL that does not parse, and an address
    /// given literally.
    fn check_destination(&self, url: &str) -> Result<(), Failure> {
        let permanent = |error: String| Failure { status: None, error, permanent: true };
        let parsed = reqwest::Url::parse(url).map_err(|e| permanent(format!("invalid URL: {e}")))?;
        let host = parsed.host_str().ok_or_else(|| permanent("URL has no host".into()))?;
        let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>();
        match literal {
            Ok(address) if !self.config.allow_private && is_internal(address) => {
                Err(permanent(format!("{host} is the internal address {address}")))
            }
            _ => Ok(()),
        }
    }

    async fn send(&self, delivery: &DueDelivery) -> Result<u16, Failure> {
        self.check_destination(&delivery.url)?;
        let signed = signature(&delivery.secret, now_ms() / 1000, &delivery.payload);
        let response = self
            .http
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header("doorman-signature", signed)
            .header("doorman-delivery", &delivery.id)
            .header("doorman-event", &delivery.event_id)
            .body(delivery.payload.clone())
            .send()
            .await
            .map_err(request_failure)?;
        let status = response.status();
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err(Failure {
                status: Some(status.as_u16()),
                error: format!("answered {status}"),
                permanent: false,
            })
        }
    }

    async fn deliver(&self, delivery: DueDelivery) {
        let result = self.send(&delivery).await;
        let now = now_ms();
        let recorded = match result {
            Ok(status) => self.store.delivery_succeeded(&delivery.tenant_id, &delivery.id, status, now).await,
            Err(failure) => {
                let attempts = delivery.attempts + 1;
                let retry =
                    if failure.permanent { None } else { retry_at(now, attempts, self.config.retry_base_ms) };
                tracing::warn!(
                    delivery = %delivery.id,
                    attempts,
                    retry = retry.is_some(),
                    error = %failure.error,
                    "webhook delivery failed"
                );
                self.store
                    .delivery_failed(&delivery.tenant_id, &delivery.id, failure.status, &failure.error, retry)
                    .await
            }
        };
        if let Err(err) = recorded {
            tracing::error!(delivery = %delivery.id, error = %err, "webhook delivery outcome not recorded");
        }
    }

    /// Sends what is due now; gives how many deliveries were attempted.
    pub async fn run_once(self: &std::sync::Arc<Self>) -> usize {
        // The lease outlasts a request that runs into its timeout, so no second sender
        // takes a delivery still in flight.
        let lease_ms = (self.config.timeout_secs.max(1) * 1000 + 5000) as i64;
        let due = match self.store.claim_due_deliveries(now_ms(), BATCH, lease_ms).await {
            Ok(due) => due,
            Err(err) => {
                tracing::error!(error = %err, "cannot read due webhook deliveries");
                return 0;
            }
        };
        let count = due.len();
        let mut sending = JoinSet::new();
        for delivery in due {
            let sender = self.clone();
            sending.spawn(async move { sender.deliver(delivery).await });
        }
        while sending.join_next().await.is_some() {}
        count
    }
}

/// A request that got no answer: permanent when its host resolved to an internal address.
fn request_failure(err: reqwest::Error) -> Failure {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(cause) = source {
        if let Some(internal) = cause.downcast_ref::<InternalAddress>() {
            return Failure { status: None, error: internal.to_string(), permanent: true };
        }
        source = cause.source();
    }
    Failure { status: None, error: format!("request failed: {err}"), permanent: false }
}

/// Sends due deliveries every `poll_ms` for as long as the process lives; nothing when it
/// is 0.
pub fn spawn(store: Store, config: WebhookConfig) -> Option<tokio::task::JoinHandle<()>> {
    if config.poll_ms == 0 {
        return None;
    }
    let every = Duration::from_millis(config.poll_ms);
    let sender = std::sync::Arc::new(Sender::new(store, config));
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // A full batch means more may be waiting: go on without a pause.
            while sender.run_once().await as i64 >= BATCH {}
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_over_time_and_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        let sig = signature("whsec_test", 1_700_000_000, r#"{"a":1}"#);
        assert_eq!(sig, "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789");
        assert_ne!(sig, signature("whsec_other", 1_700_000_000, r#"{"a":1}"#));
        assert_ne!(sig, signature("whsec_test", 1_700_000_001, r#"{"a":1}"#));
    }

    #[test]
    fn retries_wait_longer_each_time_then_give_up() {
        assert_eq!(retry_at(0, 1, 10_000), Some(10_000));
        assert_eq!(retry_at(0, 2, 10_000), Some(60_000));
        assert_eq!(retry_at(0, 5, 10_000), Some(12_960_000));
        assert_eq!(retry_at(0, 6, 10_000), None);
    }

    #[test]
    fn a_lookup_with_any_internal_address_is_refused_whole() {
        let at = |ip: &str| SocketAddr::new(ip.parse().unwrap(), 0);
        let public = vec![at("93.184.215.14"), at("2606:2800:21f:cb07:6820:80da:af6b:8b2c")];
        assert_eq!(admit("example.com", public.clone(), false).unwrap(), public);
        // A rebinding answer mixes a public and an internal address: none is used.
        let mixed = vec![at("93.184.215.14"), at("127.0.0.1")];
        let refused = admit("rebind.example", mixed.clone(), false).unwrap_err();
        assert_eq!(refused.to_string(), "rebind.example resolves to the internal address 127.0.0.1");
        assert_eq!(admit("rebind.example", mixed.clone(), true).unwrap(), mixed);
    }

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "0.0.0.0",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["203.0.113.9", "8.8.8.8", "2001:db8::1", "100.128.0.1"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }
}
