//! A sender that stops waiting for a delayed answer (Quay gives up after 10 s and counts a
//! failure) never sees the status Wharf would have sent; the stored delivery says so. hyper
//! drops the request's future when its connection closes, so a guard held across the delay
//! notices: dropped before it was disarmed means the sender left.

use std::time::Instant;

use crate::store::Store;

pub(super) struct WaitingSender {
    store: Store,
    id: i64,
    since: Instant,
    status: u16,
    answered: bool,
}

impl WaitingSender {
    /// Watches delivery `id`, about to be answered `status` after a delay.
    pub fn new(store: Store, id: i64, status: u16) -> Self {
        Self {
            store,
            id,
            since: Instant::now(),
            status,
            answered: false,
        }
    }

    /// The answer is going out: the sender waited for it.
    pub fn answered(mut self) {
        self.answered = true;
    }
}

impl Drop for WaitingSender {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        let note = format!(
            "(sender gave up after {:.1} s, before the {} answer; it counts this as a failure)",
            self.since.elapsed().as_secs_f64(),
            self.status
        );
        let (store, id) = (self.store.clone(), self.id);
        // Off the async workers: a drop cannot wait, and the note is one short UPDATE.
        std::thread::spawn(move || {
            if let Err(e) = store.append_to_summary(id, &note) {
                tracing::warn!("inbox receiver: noting a sender that gave up failed: {e}");
            }
        });
    }
}
