//! The database's forward lock: a file beside it that the forwarding process holds an OS lock
//! on (`flock`) for as long as it forwards. The OS lets go of it when the process ends, however
//! it ends (`kill -9` included), so a process that gets the lock knows that the lease's last
//! holder is gone and takes the lease over at once instead of waiting for it to go stale
//! ([`crate::store::Store::hold_forward_lease`]).

use std::fs::{File, TryLockError};
use std::path::PathBuf;

pub(super) struct ForwardLock {
    path: PathBuf,
    held: Option<File>,
    warned: bool,
}

/// Whether this process holds the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lock {
    Held,
    /// Another live process holds it: that one forwards.
    Busy,
    /// The lock file cannot be made (a read-only folder): the lease alone decides.
    Unavailable,
}

impl ForwardLock {
    pub(super) fn new(path: PathBuf) -> Self {
        ForwardLock {
            path,
            held: None,
            warned: false,
        }
    }

    /// Takes the lock when it is free; keeps it once held.
    pub(super) fn hold(&mut self) -> Lock {
        if self.held.is_some() {
            return Lock::Held;
        }
        let file = match crate::private::create(&self.path) {
            Ok(file) => file,
            Err(e) => return self.unavailable(e),
        };
        match file.try_lock() {
            Ok(()) => {
                self.held = Some(file);
                Lock::Held
            }
            Err(TryLockError::WouldBlock) => Lock::Busy,
            Err(TryLockError::Error(e)) => self.unavailable(e),
        }
    }

    fn unavailable(&mut self, e: std::io::Error) -> Lock {
        if !std::mem::replace(&mut self.warned, true) {
            tracing::warn!(
                "forwarding: no lock file at {} ({e}); after a crash another process waits for \
                 the lease to go stale",
                self.path.display()
            );
        }
        Lock::Unavailable
    }
}
