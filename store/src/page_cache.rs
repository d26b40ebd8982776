//! SQLite's own page cache, with one call passed over: the truncation at each commit that
//! would find nothing to drop.
//!
//! When an insert splits a B-tree page, SQLite sorts the new pages by number, swapping two of
//! them through the number of the file's lock page (the one at 1 GB, never stored). Its page
//! cache remembers the largest number it ever held, and each commit asks it to drop every page
//! past the end of the database: with the lock page's number remembered, that walks the whole
//! cache, thousands of pages, at nearly every commit of the event writer, a tenth of its time
//! (see docs/performance.md, "A commit's walk of the page cache"). This wrapper keeps its own
//! bound of the numbers held, leaving the lock page's out while a swap has moved a page there
//! and back, and passes a truncation on only when a page could be past the limit.
//!
//! Every other call goes straight to SQLite's cache, which keeps every page and does all the
//! work: the wrapper keeps three numbers per cache.

use std::ffi::{c_int, c_uint, c_void};
use std::sync::OnceLock;

use rusqlite::ffi::{sqlite3_pcache, sqlite3_pcache_methods2, sqlite3_pcache_page};

/// The byte SQLite locks the file at (`PENDING_BYTE`); its page is never stored.
const PENDING_BYTE: c_uint = 0x4000_0000;

/// SQLite's page cache, as it was before the wrapper was installed.
struct Inner(sqlite3_pcache_methods2);

// SAFETY: the methods are C functions and `pArg` is SQLite's own, read only; SQLite calls
// them from any thread.
unsafe impl Send for Inner {}
unsafe impl Sync for Inner {}

static INNER: OnceLock<Inner> = OnceLock::new();

fn inner() -> &'static sqlite3_pcache_methods2 {
    &INNER.get().expect("the page cache wrapper is installed after its inner cache is kept").0
}

/// One cache, of one connection's database or temporary table.
struct Cache {
    inner: *mut sqlite3_pcache,
    /// The number of the file's lock page at this cache's page size.
    lock_page: c_uint,
    /// No page held has a greater number, leaving the lock page's out.
    bound: c_uint,
    /// Pages that may be held under the lock page's number.
    at_lock_page: c_uint,
}

/// Installs the wrapper around SQLite's page cache. SQLite takes it only before it is
/// initialised: gives whether it did.
pub(crate) fn install() -> bool {
    let mut current = std::mem::MaybeUninit::<sqlite3_pcache_methods2>::zeroed();
    // SAFETY: GETPCACHE2 writes the current methods into the struct it is given.
    let got = unsafe {
        rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_GETPCACHE2, current.as_mut_ptr())
    };
    if got != rusqlite::ffi::SQLITE_OK {
        return false;
    }
    // SAFETY: written by SQLite above.
    let current = unsafe { current.assume_init() };
    if INNER.set(Inner(current)).is_err() {
        return false;
    }
    let wrapper = sqlite3_pcache_methods2 {
        iVersion: current.iVersion,
        pArg: current.pArg,
        xInit: Some(init),
        xShutdown: Some(shutdown),
        xCreate: Some(create),
        xCachesize: Some(cachesize),
        xPagecount: Some(pagecount),
        xFetch: Some(fetch),
        xUnpin: Some(unpin),
        xRekey: Some(rekey),
        xTruncate: Some(truncate),
        xDestroy: Some(destroy),
        xShrink: Some(shrink),
    };
    // SAFETY: PCACHE2 copies the struct; SQLite refuses it (SQLITE_MISUSE) once initialised.
    let set = unsafe {
        rusqlite::ffi::sqlite3_config(
            rusqlite::ffi::SQLITE_CONFIG_PCACHE2,
            &wrapper as *const sqlite3_pcache_methods2,
        )
    };
    set == rusqlite::ffi::SQLITE_OK
}

unsafe extern "C" fn init(arg: *mut c_void) -> c_int {
    inner().xInit.map_or(rusqlite::ffi::SQLITE_OK, |f| f(arg))
}

unsafe extern "C" fn shutdown(arg: *mut c_void) {
    if let Some(f) = inner().xShutdown {
        f(arg)
    }
}

unsafe extern "C" fn create(page_size: c_int, extra: c_int, purgeable: c_int) -> *mut sqlite3_pcache {
    let Some(f) = inner().xCreate else { return std::ptr::null_mut() };
    let cache = f(page_size, extra, purgeable);
    if cache.is_null() {
        return cache;
    }
    Box::into_raw(Box::new(Cache::new(cache, page_size))).cast()
}

/// The wrapper's state of `cache`, which `create` made.
///
/// SAFETY: SQLite calls a cache's methods for one connection at a time, never two at once.
unsafe fn state<'a>(cache: *mut sqlite3_pcache) -> &'a mut Cache {
    &mut *cache.cast::<Cache>()
}

unsafe extern "C" fn cachesize(cache: *mut sqlite3_pcache, pages: c_int) {
    if let Some(f) = inner().xCachesize {
        f(state(cache).inner, pages)
    }
}

unsafe extern "C" fn pagecount(cache: *mut sqlite3_pcache) -> c_int {
    inner().xPagecount.map_or(0, |f| f(state(cache).inner))
}

unsafe extern "C" fn fetch(
    cache: *mut sqlite3_pcache,
    key: c_uint,
    create: c_int,
) -> *mut sqlite3_pcache_page {
    let cache = state(cache);
    let Some(f) = inner().xFetch else { return std::ptr::null_mut() };
    let page = f(cache.inner, key, create);
    if !page.is_null() {
        cache.held(key);
    }
    page
}

unsafe extern "C" fn unpin(cache: *mut sqlite3_pcache, page: *mut sqlite3_pcache_page, discard: c_int) {
    if let Some(f) = inner().xUnpin {
        f(state(cache).inner, page, discard)
    }
}

unsafe extern "C" fn rekey(
    cache: *mut sqlite3_pcache,
    page: *mut sqlite3_pcache_page,
    old: c_uint,
    new: c_uint,
) {
    let cache = state(cache);
    if let Some(f) = inner().xRekey {
        f(cache.inner, page, old, new)
    }
    cache.moved(old, new);
}

/// Truncations passed over, for the tests to see that commits' are.
#[cfg(test)]
static PASSED_OVER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

unsafe extern "C" fn truncate(cache: *mut sqlite3_pcache, limit: c_uint) {
    let cache = state(cache);
    if cache.must_truncate(limit) {
        if let Some(f) = inner().xTruncate {
            f(cache.inner, limit)
        }
        cache.truncated(limit);
    } else {
        #[cfg(test)]
        PASSED_OVER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

unsafe extern "C" fn destroy(cache: *mut sqlite3_pcache) {
    let wrapped = Box::from_raw(cache.cast::<Cache>());
    if let Some(f) = inner().xDestroy {
        f(wrapped.inner)
    }
}

unsafe extern "C" fn shrink(cache: *mut sqlite3_pcache) {
    if let Some(f) = inner().xShrink {
        f(state(cache).inner)
    }
}

impl Cache {
    /// The wrapper of SQLite's cache `inner` of pages of `page_size` bytes, holding none yet.
    fn new(inner: *mut sqlite3_pcache, page_size: c_int) -> Self {
        let page_size = c_uint::try_from(page_size).unwrap_or(1).max(1);
        Cache { inner, lock_page: PENDING_BYTE / page_size + 1, bound: 0, at_lock_page: 0 }
    }

    /// Notes that a page may now be held under `key`.
    fn held(&mut self, key: c_uint) {
        if key == self.lock_page {
            self.at_lock_page = self.at_lock_page.saturating_add(1);
        } else {
            self.bound = self.bound.max(key);
        }
    }

    /// Notes that a page held under `old` is now under `new`.
    fn moved(&mut self, old: c_uint, new: c_uint) {
        if old == self.lock_page {
            self.at_lock_page = self.at_lock_page.saturating_sub(1);
        }
        self.held(new);
    }

    /// Whether a page numbered `limit` or more may be held.
    fn must_truncate(&self, limit: c_uint) -> bool {
        self.bound >= limit || (self.at_lock_page > 0 && self.lock_page >= limit)
    }

    /// Notes that SQLite's cache dropped every page numbered `limit` or more.
    fn truncated(&mut self, limit: c_uint) {
        self.bound = self.bound.min(limit.saturating_sub(1));
        if limit <= self.lock_page {
            self.at_lock_page = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> Cache {
        Cache::new(std::ptr::null_mut(), 4096)
    }

    #[test]
    fn a_swap_through_the_lock_page_leaves_nothing_to_truncate() {
        let mut c = cache();
        c.held(90);
        c.held(100);
        // As balance_nonroot sorts two pages: 100 -> lock page, 90 -> 100, lock page -> 90.
        c.moved(100, c.lock_page);
        c.moved(90, 100);
        c.moved(c.lock_page, 90);
        assert!(!c.must_truncate(101));
        assert!(c.must_truncate(100));
    }

    #[test]
    fn a_page_left_under_the_lock_page_number_is_truncated() {
        let mut c = cache();
        c.held(10);
        c.moved(10, c.lock_page);
        assert!(c.must_truncate(11));
        assert!(!c.must_truncate(c.lock_page + 1));
        c.truncated(11);
        assert!(!c.must_truncate(11));
    }

    #[test]
    fn a_truncation_lowers_the_bound() {
        let mut c = cache();
        c.held(500);
        assert!(c.must_truncate(300));
        c.truncated(300);
        assert!(!c.must_truncate(300));
        c.held(301);
        assert!(c.must_truncate(300));
    }

    /// The memory of `conn`'s page cache, in bytes.
    fn cache_used(conn: &rusqlite::Connection) -> i32 {
        let (mut used, mut highest) = (0, 0);
        // SAFETY: the handle is open for the call; DBSTATUS writes the two integers.
        let status = unsafe {
            rusqlite::ffi::sqlite3_db_status(
                conn.handle(),
                rusqlite::ffi::SQLITE_DBSTATUS_CACHE_USED,
                &mut used,
                &mut highest,
                0,
            )
        };
        assert_eq!(status, rusqlite::ffi::SQLITE_OK);
        used
    }

    /// Rows whose key is not the one they were written with.
    fn check_keys(conn: &rusqlite::Connection) -> usize {
        let mut rows = conn.prepare("SELECT id, k FROM t").unwrap();
        let rows = rows.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))).unwrap();
        rows.map(Result::unwrap).filter(|(id, k)| *k != key(*id as u64)).count()
    }

    fn key(n: u64) -> String {
        format!("{:016x}-{}", n.wrapping_mul(0x9e37_79b9_7f4a_7c15), "x".repeat(40))
    }

    /// An index of random keys splits its pages at nearly every commit, each split sorting
    /// its new pages through the lock page's number. In WAL mode, as the store writes, and with
    /// a rollback journal, where the pages a rolled back transaction added past the end of the
    /// file leave the cache only when the truncation is passed on.
    #[test]
    fn a_database_written_through_the_wrapper_stays_whole() {
        assert!(
            install(),
            "the wrapper is installed before SQLite is first used (nextest runs each test alone)"
        );
        for journal in ["WAL", "DELETE"] {
            written_and_read_back(journal);
        }
    }

    fn written_and_read_back(journal: &str) {
        use std::sync::atomic::Ordering;

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.sqlite");
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", journal).unwrap();
        conn.pragma_update(None, "cache_size", -65_536).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT NOT NULL); CREATE INDEX t_k ON t (k);",
        )
        .unwrap();
        let insert = |conn: &mut rusqlite::Connection, from: u64, to: u64, commit: bool| {
            let tx = conn.transaction().unwrap();
            for n in from..to {
                tx.execute("INSERT INTO t (id, k) VALUES (?1, ?2)", rusqlite::params![n, key(n)]).unwrap();
            }
            if commit {
                tx.commit().unwrap();
            }
        };
        let passed_over = PASSED_OVER.load(Ordering::Relaxed);
        for batch in 0..400 {
            insert(&mut conn, batch * 50, batch * 50 + 50, true);
        }
        let passed_over = PASSED_OVER.load(Ordering::Relaxed) - passed_over;
        assert!(passed_over > 100, "{journal}: {passed_over} commits' truncations passed over");
        // Grows the file in the cache only: the rollback drops the pages past its end.
        let before = cache_used(&conn);
        insert(&mut conn, 20_000, 40_000, false);
        let after = cache_used(&conn);
        assert!(after < before + 256 * 1024, "{journal}: cache {before} bytes, after a rollback {after}");
        for batch in 0..100 {
            insert(&mut conn, 50_000 + batch * 50, 50_000 + batch * 50 + 50, true);
        }
        // Shrinks the file, then grows it again.
        conn.execute_batch("DELETE FROM t WHERE id % 2 = 1; VACUUM;").unwrap();
        insert(&mut conn, 60_000, 72_500, true);
        let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok", "{journal}");
        drop(conn);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let (rows, keyed): (i64, i64) = conn
            .query_row(
                "SELECT COUNT(*), (SELECT COUNT(*) FROM t INDEXED BY t_k WHERE k > '') FROM t",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((rows, keyed), (25_000, 25_000), "{journal}");
        assert_eq!(check_keys(&conn), 0, "{journal}");
        let rolled_back: i64 = conn
            .query_row("SELECT COUNT(*) FROM t WHERE id >= 20000 AND id < 40000", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rolled_back, 0, "{journal}");
    }
}
