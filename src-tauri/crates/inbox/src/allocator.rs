//! The allocator every Wharf binary runs on, and how it is tuned: one place, so the app, its
//! tests and its benchmarks measure the same thing.
//!
//! mimalloc, because glibc's allocator spent a fifth of the receiver's ingest time in contended
//! arenas and `malloc_consolidate` (bodies are allocated on the HTTP threads and freed on the
//! store's writer thread); mimalloc took throughput up by about a fifth (docs/benchmarks.md).
//!
//! Tuned because a large body is a few large blocks that live for milliseconds on different
//! threads: with mimalloc's defaults the first arena was committed whole as it was touched and
//! freed blocks stayed committed for a second, so four 10 MiB bodies in a row held 50–58 MiB at
//! their peak instead of 23 MiB (`abuse::adversarial_shapes_keep_peak_memory_bounded`).

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, Ordering};

use libmimalloc_sys::{mi_option_set, mi_option_t};
use mimalloc::MiMalloc;

/// mimalloc 3's option numbers (`mi_option_e` in its `mimalloc.h`; the Rust bindings name only
/// version 2's). [`tests::option_numbers_match_the_bundled_mimalloc`] checks them.
const ARENA_EAGER_COMMIT: mi_option_t = 4;
const PURGE_DELAY: mi_option_t = 15;

/// mimalloc, tuned before its first allocation: the first arena is reserved by that allocation
/// and keeps the commit mode it was created with, so tuning in `main` would come too late.
pub struct Allocator;

static TUNED: AtomicBool = AtomicBool::new(false);

/// Commit arena memory as it is used, and return freed memory to the system at once.
fn tune() {
    // SAFETY: setting an option is a plain store that allocates nothing; mimalloc allows it at
    // any time, and a second caller racing the first sets the same values.
    unsafe {
        mi_option_set(ARENA_EAGER_COMMIT, 0);
        mi_option_set(PURGE_DELAY, 0);
    }
}

fn tune_once() {
    if !TUNED.load(Ordering::Relaxed) {
        tune();
        TUNED.store(true, Ordering::Relaxed);
    }
}

// SAFETY: every call is passed to mimalloc unchanged; tuning allocates nothing.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        tune_once();
        MiMalloc.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        tune_once();
        MiMalloc.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        MiMalloc.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        MiMalloc.realloc(ptr, layout, new_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libmimalloc_sys::mi_option_get;

    fn option(option: mi_option_t) -> std::ffi::c_long {
        // SAFETY: reading an option has no preconditions.
        unsafe { mi_option_get(option) }
    }

    /// Before tuning, each number must read its documented default (eager commit 2, purge delay
    /// 1000 ms): a renumbering in a new mimalloc fails here instead of tuning the wrong option.
    /// (This unit-test binary does not run on [`Allocator`], so nothing has tuned yet.)
    #[test]
    fn option_numbers_match_the_bundled_mimalloc() {
        assert_eq!(option(ARENA_EAGER_COMMIT), 2);
        assert_eq!(option(PURGE_DELAY), 1000);
        tune();
        assert_eq!((option(ARENA_EAGER_COMMIT), option(PURGE_DELAY)), (0, 0));
    }
}
