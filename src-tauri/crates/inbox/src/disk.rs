//! Free disk space: the receiver stops accepting deliveries while the database's file system
//! has less than a floor left, so a flood cannot fill the disk the rest of the machine needs,
//! and a delivery is never half-written into a full one.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use crate::store::{now_ms, Store};

/// Deliveries are refused while less than this is free.
pub const DEFAULT_MIN_FREE: u64 = 256 * 1024 * 1024;

/// How long a free-space reading is trusted (one `statvfs` per second at most).
const RECHECK_MS: i64 = 1_000;

/// Bytes available to this user on the file system holding `dir`.
#[cfg(unix)]
pub fn free_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs writes only into the struct it is given; the path is NUL-terminated.
    unsafe {
        let mut stat: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(path.as_ptr(), &mut stat) != 0 {
            return None;
        }
        #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
        Some(stat.f_bavail as u64 * stat.f_frsize as u64)
    }
}

/// Elsewhere free space is not watched.
#[cfg(not(unix))]
pub fn free_space(_dir: &Path) -> Option<u64> {
    None
}

/// Whether the disk is low, read at most once a second.
#[derive(Debug, Default)]
pub struct DiskWatch {
    checked_at: AtomicI64,
    low: AtomicBool,
}

impl DiskWatch {
    /// Whether `store`'s file system has less than `floor` bytes free.
    pub fn is_low(&self, store: &Store, floor: u64) -> bool {
        let now = now_ms();
        if now - self.checked_at.load(Ordering::Relaxed) >= RECHECK_MS {
            self.checked_at.store(now, Ordering::Relaxed);
            let low = store.free_space().is_some_and(|free| free < floor);
            self.low.store(low, Ordering::Relaxed);
        }
        self.low.load(Ordering::Relaxed)
    }
}
