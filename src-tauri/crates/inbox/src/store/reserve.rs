//! A few MiB set aside beside the database, so that a disk filled to the last byte (by another
//! program, or by the inbox itself with the free-space floor at 0) can still be cleared: every
//! SQLite change, a delete included, first appends to the write-ahead log, and a log that cannot
//! grow can only be emptied by a checkpoint, which cannot grow the database either.

use std::path::{Path, PathBuf};

use super::{Result, StoreError};

/// What clearing needs at most: about 1 MiB of free-list pages per GiB of deliveries, as much
/// again of pointer-map pages, and the few pages the routes take.
const RESERVE_BYTES: u64 = 8 * 1024 * 1024;

pub(super) struct Reserve {
    path: PathBuf,
}

impl Reserve {
    /// The reserve of the database at `db`, made if there is room for it.
    pub fn beside(db: &Path) -> Reserve {
        let mut name = db.as_os_str().to_owned();
        name.push(".reserve");
        let reserve = Reserve { path: name.into() };
        reserve.restore();
        reserve
    }

    /// Makes the reserve if it is missing and the disk has room for it twice over (so it never
    /// takes the last bytes itself). Best effort: without it only a full disk's clear fails.
    pub fn restore(&self) {
        if self.path.exists() {
            return;
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
        if crate::disk::free_space(dir).is_some_and(|free| free < 2 * RESERVE_BYTES) {
            return;
        }
        if let Err(e) = allocate(&self.path, RESERVE_BYTES) {
            tracing::warn!("inbox store: could not set disk space aside: {e}");
            let _ = std::fs::remove_file(&self.path);
        }
    }

    /// Gives the space back to the file system; false if there was none to give.
    pub fn release(&self) -> bool {
        std::fs::remove_file(&self.path).is_ok()
    }

    /// Runs `op`; if it failed for lack of disk space, releases the reserve, runs it again, and
    /// sets the reserve aside again from what `op` freed.
    pub fn when_full<T>(&self, op: impl Fn() -> Result<T>) -> Result<T> {
        match op() {
            Err(e) if is_disk_full(&e) && self.release() => {
                tracing::warn!("inbox store: the disk is full; using the reserved space");
                let result = op();
                self.restore();
                result
            }
            other => other,
        }
    }
}

fn is_disk_full(e: &StoreError) -> bool {
    match e {
        StoreError::Sqlite(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull),
        StoreError::Io(e) => e.raw_os_error() == Some(libc::ENOSPC),
        _ => false,
    }
}

/// Real blocks, not a sparse file, so that deleting it frees them.
fn allocate(path: &Path, bytes: u64) -> std::io::Result<()> {
    crate::private::file(path, &[])?;
    let file = std::fs::OpenOptions::new().write(true).open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: the descriptor is open for writing for the whole call.
        let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, bytes as libc::off_t) };
        if rc == 0 {
            return Ok(());
        }
    }
    // Where fallocate is missing or unsupported: write the bytes.
    use std::io::Write;
    let chunk = vec![0u8; 1024 * 1024];
    let mut file = file;
    for _ in 0..bytes.div_ceil(chunk.len() as u64) {
        file.write_all(&chunk)?;
    }
    file.sync_all()
}
