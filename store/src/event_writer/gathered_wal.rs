//! SQLite's WAL written with one system call per commit instead of two per page. SQLite
//! writes each WAL frame as two writes, its 24-byte header and its page: a batch's commit
//! writes hundreds of frames at a million events, and those `pwrite` calls took a fifth of
//! the event writer's time (`perf`, 2026-12-07).
//!
//! The event writer's connection opens the database through the VFS registered here, which
//! is the system's own (SQLite's "unix") except for the WAL: the frames a transaction
//! appends to it are gathered in memory and written at once with the transaction's commit
//! frame. SQLite publishes a commit to other connections (in the WAL index) only after that
//! write returned, so a committed transaction's frames are in the operating system's hands
//! before anyone can read them or the commit returns, as before; a failed write fails the
//! commit. Any other use of the WAL file (a read, a sync, its size, a truncation, a write
//! elsewhere) first writes what is gathered, and so does the database file's shared-memory
//! barrier, which SQLite calls to publish a commit.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::mem::size_of;
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::OnceLock;

use rusqlite::ffi;

use crate::Result;

const VFS_NAME: &CStr = c"doorman-gathered-wal";
/// A WAL frame's header: page number, then the database's size in pages for the frame that
/// commits a transaction, zero for the others.
const FRAME_HEADER: usize = 24;
/// Gathered bytes are written once there are this many, commit or not.
const MAX_GATHERED: usize = 8 << 20;
/// The most the system VFS writes in one call: it takes a length of 17 bits (and fails
/// a longer write as a full disk).
const MAX_WRITE: usize = 64 << 10;

/// The name of the VFS to open the event writer's connection with; registers it first.
pub(super) fn vfs_name() -> Result<&'static str> {
    static REGISTERED: OnceLock<c_int> = OnceLock::new();
    let rc = *REGISTERED.get_or_init(|| {
        // SAFETY: the system VFS lives as long as the process; the copy registered here is
        // leaked, so it does too, and differs only in its name, the size of its files and
        // how it opens them.
        unsafe {
            let system = ffi::sqlite3_vfs_find(ptr::null());
            if system.is_null() {
                return ffi::SQLITE_ERROR;
            }
            SYSTEM.store(system, Ordering::Release);
            let mut vfs = *system;
            vfs.szOsFile = (SYSTEM_FILE_AT + (*system).szOsFile as usize) as c_int;
            vfs.zName = VFS_NAME.as_ptr();
            vfs.pNext = ptr::null_mut();
            vfs.xOpen = Some(open);
            ffi::sqlite3_vfs_register(Box::leak(Box::new(vfs)), 0)
        }
    });
    match rc {
        ffi::SQLITE_OK => Ok(VFS_NAME.to_str().expect("the name is ASCII")),
        code => Err(rusqlite::Error::SqliteFailure(ffi::Error::new(code), None).into()),
    }
}

/// The frames appended to a WAL and not yet written to its file.
#[derive(Debug, Default)]
struct Gathered {
    /// Where in the file `bytes` go.
    start: i64,
    bytes: Vec<u8>,
    /// Where the last write to the file ended, gathered or not: a write there is an append.
    end: Option<i64>,
    /// The last write was a commit frame's header, so the next is the transaction's last page.
    after_commit_header: bool,
}

impl Gathered {
    /// Takes SQLite's write of `data` at `offset`. `write` writes to the file.
    fn write(&mut self, data: &[u8], offset: i64, write: &mut impl FnMut(&[u8], i64) -> c_int) -> c_int {
        let commit_header = data.len() == FRAME_HEADER && data[4..8] != [0; 4];
        let ends_commit = std::mem::replace(&mut self.after_commit_header, commit_header);
        if self.end != Some(offset) {
            // Not an append (the WAL's header, a frame written again): in order, at once.
            let rc = match self.flush(write) {
                ffi::SQLITE_OK => write(data, offset),
                failed => failed,
            };
            self.end = (rc == ffi::SQLITE_OK).then_some(offset + data.len() as i64);
            return rc;
        }
        if self.bytes.is_empty() {
            self.start = offset;
        }
        self.bytes.extend_from_slice(data);
        self.end = Some(offset + data.len() as i64);
        if (ends_commit && !commit_header) || self.bytes.len() >= MAX_GATHERED {
            return self.flush(write);
        }
        ffi::SQLITE_OK
    }

    /// Writes what is gathered. After a failure the gathered frames are dropped: SQLite
    /// failed the transaction, and its next one writes there again.
    fn flush(&mut self, write: &mut impl FnMut(&[u8], i64) -> c_int) -> c_int {
        if self.bytes.is_empty() {
            return ffi::SQLITE_OK;
        }
        let rc = write(&self.bytes, self.start);
        self.bytes.clear();
        if rc != ffi::SQLITE_OK {
            self.end = None;
        }
        rc
    }
}

/// The system's VFS, which this one wraps.
static SYSTEM: AtomicPtr<ffi::sqlite3_vfs> = AtomicPtr::new(ptr::null_mut());

/// A file opened through this VFS: SQLite's file object, then this module's state, then, at
/// [`SYSTEM_FILE_AT`], the system VFS's file object for the same file.
#[repr(C)]
struct File {
    base: ffi::sqlite3_file,
    /// A WAL's gathered frames; `None` for other files.
    gathered: Option<Box<Gathered>>,
    /// A database file's WAL, while both are open.
    wal: *mut File,
    /// A WAL's database file, while both are open.
    db: *mut File,
}

const SYSTEM_FILE_AT: usize = size_of::<File>().next_multiple_of(16);

/// The system VFS's file object within `file`.
///
/// # Safety
/// `file` is a file of this VFS.
unsafe fn system_file(file: *mut ffi::sqlite3_file) -> *mut ffi::sqlite3_file {
    file.cast::<u8>().add(SYSTEM_FILE_AT).cast()
}

/// The system VFS's methods for `file`.
///
/// # Safety
/// `file` is an open file of this VFS.
unsafe fn system_methods(file: *mut ffi::sqlite3_file) -> &'static ffi::sqlite3_io_methods {
    &*(*system_file(file)).pMethods
}

/// Writes `data` at `offset` through the system VFS, [`MAX_WRITE`] bytes at a time.
///
/// # Safety
/// `file` is an open file of this VFS.
unsafe fn system_write(file: *mut ffi::sqlite3_file, data: &[u8], offset: i64) -> c_int {
    let Some(write) = system_methods(file).xWrite else { return ffi::SQLITE_IOERR_WRITE };
    let mut at = offset;
    for part in data.chunks(MAX_WRITE) {
        match write(system_file(file), part.as_ptr().cast(), part.len() as c_int, at) {
            ffi::SQLITE_OK => at += part.len() as i64,
            failed => return failed,
        }
    }
    ffi::SQLITE_OK
}

/// Writes what a WAL has gathered; nothing for other files.
///
/// # Safety
/// `file` is an open file of this VFS.
unsafe fn flush(file: *mut ffi::sqlite3_file) -> c_int {
    match (*file.cast::<File>()).gathered.as_mut() {
        Some(gathered) => gathered.flush(&mut |data, offset| system_write(file, data, offset)),
        None => ffi::SQLITE_OK,
    }
}

unsafe extern "C" fn open(
    _vfs: *mut ffi::sqlite3_vfs,
    name: *const c_char,
    file: *mut ffi::sqlite3_file,
    flags: c_int,
    out_flags: *mut c_int,
) -> c_int {
    let system = SYSTEM.load(Ordering::Acquire);
    let this = file.cast::<File>();
    ptr::write(
        this,
        File {
            base: ffi::sqlite3_file { pMethods: ptr::null() },
            gathered: None,
            wal: ptr::null_mut(),
            db: ptr::null_mut(),
        },
    );
    let Some(system_open) = (*system).xOpen else { return ffi::SQLITE_ERROR };
    let rc = system_open(system, name, system_file(file), flags, out_flags);
    // SQLite closes a file whose methods are set, even when opening it failed.
    if (*system_file(file)).pMethods.is_null() {
        return rc;
    }
    if flags & ffi::SQLITE_OPEN_WAL != 0 {
        (*this).gathered = Some(Box::default());
        let db = ffi::sqlite3_database_file_object(name);
        if !db.is_null() && ptr::eq((*db).pMethods, &METHODS) {
            (*this).db = db.cast();
            (*db.cast::<File>()).wal = this;
        }
    }
    (*this).base.pMethods = &METHODS;
    rc
}

static METHODS: ffi::sqlite3_io_methods = ffi::sqlite3_io_methods {
    iVersion: 3,
    xClose: Some(close),
    xRead: Some(read),
    xWrite: Some(write),
    xTruncate: Some(truncate),
    xSync: Some(sync),
    xFileSize: Some(file_size),
    xLock: Some(lock),
    xUnlock: Some(unlock),
    xCheckReservedLock: Some(check_reserved_lock),
    xFileControl: Some(file_control),
    xSectorSize: Some(sector_size),
    xDeviceCharacteristics: Some(device_characteristics),
    xShmMap: Some(shm_map),
    xShmLock: Some(shm_lock),
    xShmBarrier: Some(shm_barrier),
    xShmUnmap: Some(shm_unmap),
    xFetch: Some(fetch),
    xUnfetch: Some(unfetch),
};

/// Calls the system VFS's method `$method` for `$file` with the rest of the arguments, or
/// gives `$missing` when it has none.
macro_rules! system {
    ($file:expr, $method:ident ($($arg:expr),*) or $missing:expr) => {
        match system_methods($file).$method {
            Some(method) => method(system_file($file) $(, $arg)*),
            None => $missing,
        }
    };
}

/// Writes what is gathered, then runs `then`; gives the first failure.
macro_rules! flushed {
    ($file:expr, $then:expr) => {
        match flush($file) {
            ffi::SQLITE_OK => $then,
            failed => failed,
        }
    };
}

unsafe extern "C" fn close(file: *mut ffi::sqlite3_file) -> c_int {
    let this = file.cast::<File>();
    let flushed = flush(file);
    if !(*this).db.is_null() {
        (*(*this).db).wal = ptr::null_mut();
    }
    if !(*this).wal.is_null() {
        (*(*this).wal).db = ptr::null_mut();
    }
    let closed = system!(file, xClose() or ffi::SQLITE_OK);
    drop((*this).gathered.take());
    if flushed == ffi::SQLITE_OK {
        closed
    } else {
        flushed
    }
}

unsafe extern "C" fn read(
    file: *mut ffi::sqlite3_file,
    buf: *mut c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    flushed!(file, system!(file, xRead(buf, amount, offset) or ffi::SQLITE_IOERR_READ))
}

unsafe extern "C" fn write(
    file: *mut ffi::sqlite3_file,
    buf: *const c_void,
    amount: c_int,
    offset: i64,
) -> c_int {
    match (*file.cast::<File>()).gathered.as_mut() {
        Some(gathered) => {
            let data = std::slice::from_raw_parts(buf.cast::<u8>(), amount.max(0) as usize);
            gathered.write(data, offset, &mut |data, offset| system_write(file, data, offset))
        }
        None => system!(file, xWrite(buf, amount, offset) or ffi::SQLITE_IOERR_WRITE),
    }
}

unsafe extern "C" fn truncate(file: *mut ffi::sqlite3_file, size: i64) -> c_int {
    if let Some(gathered) = (*file.cast::<File>()).gathered.as_mut() {
        // What follows a truncation is not an append to what came before.
        gathered.end = None;
    }
    flushed!(file, system!(file, xTruncate(size) or ffi::SQLITE_IOERR_TRUNCATE))
}

unsafe extern "C" fn sync(file: *mut ffi::sqlite3_file, flags: c_int) -> c_int {
    flushed!(file, system!(file, xSync(flags) or ffi::SQLITE_IOERR_FSYNC))
}

unsafe extern "C" fn file_size(file: *mut ffi::sqlite3_file, size: *mut i64) -> c_int {
    flushed!(file, system!(file, xFileSize(size) or ffi::SQLITE_IOERR_FSTAT))
}

unsafe extern "C" fn lock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    system!(file, xLock(level) or ffi::SQLITE_IOERR_LOCK)
}

unsafe extern "C" fn unlock(file: *mut ffi::sqlite3_file, level: c_int) -> c_int {
    system!(file, xUnlock(level) or ffi::SQLITE_IOERR_UNLOCK)
}

unsafe extern "C" fn check_reserved_lock(file: *mut ffi::sqlite3_file, out: *mut c_int) -> c_int {
    system!(file, xCheckReservedLock(out) or ffi::SQLITE_IOERR_CHECKRESERVEDLOCK)
}

unsafe extern "C" fn file_control(file: *mut ffi::sqlite3_file, op: c_int, arg: *mut c_void) -> c_int {
    flushed!(file, system!(file, xFileControl(op, arg) or ffi::SQLITE_NOTFOUND))
}

unsafe extern "C" fn sector_size(file: *mut ffi::sqlite3_file) -> c_int {
    system!(file, xSectorSize() or 4096)
}

unsafe extern "C" fn device_characteristics(file: *mut ffi::sqlite3_file) -> c_int {
    system!(file, xDeviceCharacteristics() or 0)
}

unsafe extern "C" fn shm_map(
    file: *mut ffi::sqlite3_file,
    region: c_int,
    size: c_int,
    extend: c_int,
    out: *mut *mut c_void,
) -> c_int {
    system!(file, xShmMap(region, size, extend, out) or ffi::SQLITE_IOERR_SHMMAP)
}

unsafe extern "C" fn shm_lock(file: *mut ffi::sqlite3_file, offset: c_int, n: c_int, flags: c_int) -> c_int {
    system!(file, xShmLock(offset, n, flags) or ffi::SQLITE_IOERR_SHMLOCK)
}

unsafe extern "C" fn shm_barrier(file: *mut ffi::sqlite3_file) {
    let wal = (*file.cast::<File>()).wal;
    // The commit frame's write already wrote everything; this only guards that rule.
    if !wal.is_null() && flush(wal.cast()) != ffi::SQLITE_OK {
        tracing::error!("writing the WAL's gathered frames failed at a commit");
    }
    system!(file, xShmBarrier() or ())
}

unsafe extern "C" fn shm_unmap(file: *mut ffi::sqlite3_file, delete: c_int) -> c_int {
    system!(file, xShmUnmap(delete) or ffi::SQLITE_OK)
}

unsafe extern "C" fn fetch(
    file: *mut ffi::sqlite3_file,
    offset: i64,
    amount: c_int,
    out: *mut *mut c_void,
) -> c_int {
    if system_methods(file).iVersion < 3 {
        *out = ptr::null_mut();
        return ffi::SQLITE_OK;
    }
    system!(file, xFetch(offset, amount, out) or ffi::SQLITE_OK)
}

unsafe extern "C" fn unfetch(file: *mut ffi::sqlite3_file, offset: i64, page: *mut c_void) -> c_int {
    if system_methods(file).iVersion < 3 {
        return ffi::SQLITE_OK;
    }
    system!(file, xUnfetch(offset, page) or ffi::SQLITE_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file in memory that records each write it gets.
    #[derive(Default)]
    struct Disk {
        bytes: Vec<u8>,
        writes: Vec<(i64, usize)>,
    }

    impl Disk {
        fn write(&mut self, data: &[u8], offset: i64) -> c_int {
            let end = offset as usize + data.len();
            if self.bytes.len() < end {
                self.bytes.resize(end, 0);
            }
            self.bytes[offset as usize..end].copy_from_slice(data);
            self.writes.push((offset, data.len()));
            ffi::SQLITE_OK
        }
    }

    fn header(commit: u32) -> Vec<u8> {
        let mut header = vec![7; FRAME_HEADER];
        header[4..8].copy_from_slice(&commit.to_be_bytes());
        header
    }

    /// SQLite's writes of a transaction of `pages` frames from `offset`, the last one
    /// committing.
    fn transaction(gathered: &mut Gathered, disk: &mut Disk, offset: i64, pages: usize) -> i64 {
        let mut at = offset;
        for page in 0..pages {
            let commit = if page + 1 == pages { 9 } else { 0 };
            for data in [header(commit), vec![page as u8; 4096]] {
                let rc = gathered.write(&data, at, &mut |d, o| disk.write(d, o));
                assert_eq!(rc, ffi::SQLITE_OK);
                at += data.len() as i64;
            }
        }
        at
    }

    #[test]
    fn a_transaction_is_one_write_made_with_its_commit_frame() {
        let (mut gathered, mut disk) = (Gathered::default(), Disk::default());
        // The WAL's own header first: not an append, written at once.
        assert_eq!(gathered.write(&[1; 32], 0, &mut |d, o| disk.write(d, o)), ffi::SQLITE_OK);
        let end = transaction(&mut gathered, &mut disk, 32, 3);
        assert_eq!(disk.writes, vec![(0, 32), (32, 3 * (FRAME_HEADER + 4096))]);
        assert_eq!(disk.bytes.len() as i64, end);
        assert!(gathered.bytes.is_empty());

        let end = transaction(&mut gathered, &mut disk, end, 2);
        assert_eq!(disk.writes.len(), 3, "the next transaction appends with one write too");
        assert_eq!(disk.bytes.len() as i64, end);
    }

    #[test]
    fn frames_before_the_commit_wait_and_a_write_elsewhere_goes_after_them() {
        let (mut gathered, mut disk) = (Gathered::default(), Disk::default());
        assert_eq!(gathered.write(&[1; 32], 0, &mut |d, o| disk.write(d, o)), ffi::SQLITE_OK);
        for (data, at) in [(header(0), 32), (vec![5; 4096], 32 + 24)] {
            assert_eq!(gathered.write(&data, at, &mut |d, o| disk.write(d, o)), ffi::SQLITE_OK);
        }
        assert_eq!(disk.writes.len(), 1, "nothing committed, nothing written yet");

        // A page written again within the transaction: what was gathered goes first, so
        // the newer page is the one on disk.
        assert_eq!(gathered.write(&[6; 4096], 32 + 24, &mut |d, o| disk.write(d, o)), ffi::SQLITE_OK);
        assert_eq!(disk.writes, vec![(0, 32), (32, 24 + 4096), (32 + 24, 4096)]);
        assert_eq!(disk.bytes[32 + 24..], [6; 4096]);
    }

    #[test]
    fn a_flush_writes_what_is_gathered_and_a_failed_write_is_reported() {
        let (mut gathered, mut disk) = (Gathered::default(), Disk::default());
        gathered.end = Some(0);
        assert_eq!(gathered.write(&header(0), 0, &mut |d, o| disk.write(d, o)), ffi::SQLITE_OK);
        assert_eq!(gathered.flush(&mut |d, o| disk.write(d, o)), ffi::SQLITE_OK);
        assert_eq!(disk.writes, vec![(0, FRAME_HEADER)]);

        assert_eq!(gathered.write(&header(3), 24, &mut |d, o| disk.write(d, o)), ffi::SQLITE_OK);
        let full = gathered.write(&[0; 4096], 48, &mut |_, _| ffi::SQLITE_FULL);
        assert_eq!(full, ffi::SQLITE_FULL, "the commit frame's write fails the commit");
        assert!(gathered.bytes.is_empty());
        assert_eq!(gathered.end, None, "the next write is not taken for an append");
    }

    #[test]
    fn a_large_transaction_is_written_in_parts() {
        let (mut gathered, mut disk) = (Gathered::default(), Disk::default());
        gathered.end = Some(0);
        let pages = MAX_GATHERED / 4096 + 10;
        let end = transaction(&mut gathered, &mut disk, 0, pages);
        assert_eq!(disk.writes.len(), 2);
        assert_eq!(disk.bytes.len() as i64, end);
    }

    /// The VFS with SQLite itself: what a connection through it committed is in the files
    /// at once, as a copy of them taken without closing it shows (what a killed process
    /// leaves), and other connections read it.
    #[test]
    fn committed_transactions_are_in_the_files_before_the_commit_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let flags = rusqlite::OpenFlags::default();
        let conn = rusqlite::Connection::open_with_flags_and_vfs(&path, flags, vfs_name().unwrap()).unwrap();
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)).unwrap();
        conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        // As the store runs it: no sync at a commit, which would write the frames anyway.
        conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
        conn.execute_batch("CREATE TABLE t (n INTEGER PRIMARY KEY, pad BLOB)").unwrap();
        let other = rusqlite::Connection::open(&path).unwrap();
        let count = |c: &rusqlite::Connection| -> i64 {
            c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).unwrap()
        };
        for round in 0..20 {
            let tx = conn.unchecked_transaction().unwrap();
            for n in 0..50 {
                tx.execute("INSERT INTO t VALUES (?1, randomblob(3000))", [round * 50 + n]).unwrap();
            }
            tx.commit().unwrap();
            assert_eq!(count(&other), (round + 1) * 50);
        }
        let copy = tempfile::tempdir().unwrap();
        for suffix in ["", "-wal"] {
            let name = format!("t.db{suffix}");
            std::fs::copy(dir.path().join(&name), copy.path().join(&name)).unwrap();
        }
        let recovered = rusqlite::Connection::open(copy.path().join("t.db")).unwrap();
        assert_eq!(count(&recovered), 1000);
        let check: String = recovered.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
        // A checkpoint through the VFS reads the WAL back through it too.
        let _: (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap();
        assert_eq!(count(&conn), 1000);
    }
}
