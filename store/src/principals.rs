//! API keys read in the last second. Every event presents its key, and reading it was the one
//! read of an event that did not depend on the event: on SQLite a turn of the one writer
//! thread, on PostgreSQL a round trip. A key read here within a second answers from memory
//! instead; so does one that was found not to work, which a backend still sending a revoked
//! key would otherwise have read again with every request.
//!
//! The store's own changes to what a key grants (revoking or rotating it, suspending its
//! tenant, its deadline, saving rule settings) empty the cache, so they take effect at once
//! on the server that made them. Another server sharing the database, or the command line
//! beside a running server, is seen within a second, when the entry is read again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::api_keys::KeyPrincipal;

/// How long a key read from the database is trusted.
const FRESH_MS: i64 = 1_000;
/// Most keys kept: a flood of distinct valid keys empties the cache instead of growing it.
const MAX_KEYS: usize = 10_000;

struct Cached {
    read_at: i64,
    /// When a rotated key stops working, which may come within the second.
    revoked_at: Option<i64>,
    /// `None` for a key that does not work: unknown or revoked.
    principal: Option<KeyPrincipal>,
}

/// Principals by the SHA-256 of their key.
#[derive(Clone, Default)]
pub(crate) struct Principals(Arc<Mutex<Keys>>);

#[derive(Default)]
struct Keys {
    by_hash: HashMap<String, Cached>,
    /// Counts the clears: a read that started before one may have read what it undid.
    generation: u64,
}

/// When a read of a key from the database started, to [keep](Principals::put) what it read
/// only if no change came in between.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadStart(u64);

impl Principals {
    /// If the key with hash `hash` was read within the second, its principal at `now`:
    /// `None` when it does not work.
    pub(crate) fn get(&self, hash: &str, now: i64) -> Option<Option<KeyPrincipal>> {
        let keys = self.0.lock().ok()?;
        let cached = keys.by_hash.get(hash)?;
        // A clock set back makes the entry stale, not fresh for longer.
        if !(0..FRESH_MS).contains(&(now - cached.read_at)) {
            return None;
        }
        let works = cached.revoked_at.is_none_or(|at| at > now);
        Some(cached.principal.clone().filter(|_| works))
    }

    /// Taken before reading a key from the database.
    pub(crate) fn read_start(&self) -> ReadStart {
        ReadStart(self.0.lock().map(|keys| keys.generation).unwrap_or(u64::MAX))
    }

    /// Keeps what the database said of a key at `read_at`: its principal, or `None` when it
    /// did not work. Not when a change cleared the cache since `start`: the read may predate
    /// it, and would keep a revoked key working for a second on the server that revoked it.
    pub(crate) fn put(
        &self,
        start: ReadStart,
        hash: &str,
        read_at: i64,
        revoked_at: Option<i64>,
        principal: Option<KeyPrincipal>,
    ) {
        let Ok(mut keys) = self.0.lock() else { return };
        if keys.generation != start.0 {
            return;
        }
        if keys.by_hash.len() >= MAX_KEYS && !keys.by_hash.contains_key(hash) {
            keys.by_hash.clear();
        }
        keys.by_hash.insert(hash.to_string(), Cached { read_at, revoked_at, principal });
    }

    /// Records that this request records the key's use at `now`, so that the requests after
    /// it within the minute do not.
    pub(crate) fn touched(&self, hash: &str, now: i64) {
        let mut keys = self.0.lock().ok();
        if let Some(principal) = keys.as_mut().and_then(|keys| keys.by_hash.get_mut(hash)?.principal.as_mut())
        {
            principal.last_used_at = Some(now);
        }
    }

    /// Forgets every key: called after a change to what keys grant.
    pub(crate) fn clear(&self) {
        if let Ok(mut keys) = self.0.lock() {
            keys.by_hash.clear();
            keys.generation += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_keys::IngestDeadline;
    use crate::settings::SettingsVersion;

    fn principal() -> KeyPrincipal {
        KeyPrincipal {
            tenant_id: "t".into(),
            tenant_slug: "acme".into(),
            key_id: "key_1".into(),
            tenant_active: true,
            last_used_at: None,
            settings: SettingsVersion::default(),
            deadline: IngestDeadline::default(),
        }
    }

    #[test]
    fn a_key_is_trusted_for_a_second_after_it_was_read() {
        let cache = Principals::default();
        cache.put(cache.read_start(), "h", 10_000, None, Some(principal()));
        assert_eq!(cache.get("h", 10_000), Some(Some(principal())));
        assert_eq!(cache.get("h", 10_999), Some(Some(principal())));
        assert_eq!(cache.get("h", 11_000), None);
        assert_eq!(cache.get("h", 9_999), None, "a clock set back");
        assert_eq!(cache.get("other", 10_000), None);
    }

    #[test]
    fn a_rotated_key_stops_at_its_end_within_the_second() {
        let cache = Principals::default();
        cache.put(cache.read_start(), "h", 10_000, Some(10_500), Some(principal()));
        assert!(cache.get("h", 10_499).unwrap().is_some());
        assert_eq!(cache.get("h", 10_500), Some(None));
    }

    #[test]
    fn a_touch_is_seen_by_the_next_request_and_clear_forgets_everything() {
        let cache = Principals::default();
        cache.put(cache.read_start(), "h", 10_000, None, Some(principal()));
        assert!(cache.get("h", 10_000).flatten().unwrap().needs_touch(10_000));
        cache.touched("h", 10_000);
        assert!(!cache.get("h", 10_001).flatten().unwrap().needs_touch(10_001));
        cache.clear();
        assert_eq!(cache.get("h", 10_001), None);
    }

    #[test]
    fn a_full_cache_starts_over_instead_of_growing() {
        let cache = Principals::default();
        for i in 0..MAX_KEYS {
            cache.put(cache.read_start(), &i.to_string(), 10_000, None, Some(principal()));
        }
        cache.put(cache.read_start(), "one more", 10_000, None, None);
        assert_eq!(cache.0.lock().unwrap().by_hash.len(), 1);
        assert_eq!(cache.get("one more", 10_000), Some(None));
    }

    #[test]
    fn a_key_that_does_not_work_is_remembered_for_the_second_too() {
        let cache = Principals::default();
        cache.put(cache.read_start(), "revoked", 10_000, None, None);
        assert_eq!(cache.get("revoked", 10_500), Some(None));
        cache.touched("revoked", 10_500);
        assert_eq!(cache.get("revoked", 11_000), None);
    }

    #[test]
    fn a_read_that_started_before_a_change_is_not_kept() {
        let cache = Principals::default();
        let start = cache.read_start();
        cache.clear();
        cache.put(start, "h", 10_000, None, Some(principal()));
        assert_eq!(cache.get("h", 10_000), None);
        cache.put(cache.read_start(), "h", 10_000, None, Some(principal()));
        assert!(cache.get("h", 10_000).is_some());
    }
}
