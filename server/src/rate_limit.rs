//! Per-API-key rate limiting: a token bucket per key, refilled continuously. A client
//! backend over its budget gets 429 with `Retry-After` instead of slowing every tenant down.
//! Buckets live in this process; behind a load balancer each instance enforces its share.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Buckets untouched this long are full again and can be forgotten.
const IDLE_FORGET: Duration = Duration::from_secs(600);
/// Above this many keys, idle buckets are swept on the next request.
const SWEEP_ABOVE: usize = 10_000;

impl RateLimiter {
    /// `per_second` requests a second per key, bursts up to `burst`; 0 turns limiting off.
    pub fn new(per_second: u32, burst: u32) -> Self {
        Self {
            per_second: per_second as f64,
            burst: burst.max(1).max(per_second) as f64,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s budget, or says how long until one is available.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let mut buckets = match self.buckets.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() > SWEEP_ABOVE {
            buckets.retain(|_, b| now.duration_since(b.updated) < IDLE_FORGET);
        }
        let bucket = match buckets.get_mut(key) {
            Some(bucket) => bucket,
            None => buckets.entry(key.to_string()).or_insert(Bucket { tokens: self.burst, updated: now }),
        };
        let refill = now.saturating_duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(10, 20);
        let start = Instant::now();
        for _ in 0..20 {
            assert!(limiter.check_at("k", start).is_ok());
        }
        let wait = limiter.check_at("k", start).unwrap_err();
        assert!(wait > Duration::from_millis(90) && wait <= Duration::from_millis(100), "{wait:?}");
        // Other keys have their own budget.
        assert!(limiter.check_at("other", start).is_ok());
        // A tenth of a second later one more request fits, not two.
        let later = start + Duration::from_millis(100);
        assert!(limiter.check_at("k", later).is_ok());
        assert!(limiter.check_at("k", later).is_err());
        // Idle for long, the bucket holds the burst and no more.
        let much_later = start + Duration::from_secs(60);
        for _ in 0..20 {
            assert!(limiter.check_at("k", much_later).is_ok());
        }
        assert!(limiter.check_at("k", much_later).is_err());
    }

    #[test]
    fn zero_turns_limiting_off() {
        let limiter = RateLimiter::new(0, 0);
        let now = Instant::now();
        assert!((0..10_000).all(|_| limiter.check_at("k", now).is_ok()));
    }
}
