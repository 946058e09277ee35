//! Listings that fan out over many repositories, with bounded concurrency and progress.
//!
//! A registry admin's "show me every notification" means one request per repository. Sending
//! them one after another takes minutes on a large registry; sending them all at once trips rate
//! limits. [`bounded`] keeps at most `concurrency` requests in flight and reports
//! [`Progress`] after each one, so the UI can show "312 / 1000".

use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;
use ts_rs::TS;

/// Requests in flight at once when the caller does not choose.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// How far a listing has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct Progress {
    /// Items (repositories or pages) finished so far.
    pub done: u32,
    /// How many there are in all, when known (paged listings do not know until the end).
    pub total: Option<u32>,
}

/// Runs `fetch` on a copy of every item with at most `concurrency` (at least 1) running at once, calling
/// `progress` after each finishes. Results come back in the order of `items`, each with its own
/// outcome: one failing repository does not hide the others.
pub async fn bounded<I, T, E, Fut>(
    items: Vec<I>,
    concurrency: usize,
    fetch: impl Fn(I) -> Fut,
    mut progress: impl FnMut(Progress),
) -> Vec<(I, Result<T, E>)>
where
    I: Clone,
    Fut: Future<Output = Result<T, E>>,
{
    let mut results: Vec<Option<Result<T, E>>> = items.iter().map(|_| None).collect();
    let indexed: Vec<(usize, I)> = items.iter().cloned().enumerate().collect();
    each(
        indexed,
        concurrency,
        |(_, item)| fetch(item),
        |(index, _), result, done| {
            results[index] = Some(result);
            progress(done);
        },
        &Cancel::default(),
    )
    .await;
    items
        .into_iter()
        .zip(results)
        .map(|(item, result)| (item, result.expect("every item was fetched")))
        .collect()
}

/// A flag that stops a fan-out: requests not yet sent are never sent, and those in flight are
/// dropped. Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<(AtomicBool, Notify)>);

impl Cancel {
    /// Stops the fan-outs watching this flag.
    pub fn cancel(&self) {
        self.0 .0.store(true, Ordering::SeqCst);
        self.0 .1.notify_waiters();
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0 .0.load(Ordering::SeqCst)
    }

    /// Resolves once [`Cancel::cancel`] is called.
    pub async fn cancelled(&self) {
        loop {
            let woken = self.0 .1.notified();
            if self.is_cancelled() {
                return;
            }
            woken.await;
        }
    }
}

/// Like [`bounded`], but hands each result to `on_result` as soon as it arrives (with the
/// progress so far), so a screen can show rows while the rest are still being fetched. Stops
/// early when `cancel` is set; returns whether every item finished.
pub async fn each<I, T, E, Fut>(
    items: Vec<I>,
    concurrency: usize,
    fetch: impl Fn(I) -> Fut,
    mut on_result: impl FnMut(I, Result<T, E>, Progress),
    cancel: &Cancel,
) -> bool
where
    I: Clone,
    Fut: Future<Output = Result<T, E>>,
{
    let total = u32::try_from(items.len()).ok();
    let mut running = stream::iter(items.into_iter().map(|item| {
        let request = fetch(item.clone());
        async move { (item, request.await) }
    }))
    .buffer_unordered(concurrency.max(1));
    let mut done = 0u32;
    while !cancel.is_cancelled() {
        // Checked between results too, so a cancel does not wait for the slowest request.
        let next = tokio::select! {
            next = running.next() => next,
            () = cancel.cancelled() => None,
        };
        let Some((item, result)) = next else {
            return !cancel.is_cancelled();
        };
        done += 1;
        on_result(item, result, Progress { done, total });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn never_exceeds_the_bound_and_keeps_input_order() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let mut seen = Vec::new();
        let results = bounded(
            (0..40u64).collect(),
            5,
            |n| {
                let (in_flight, peak) = (&in_flight, &peak);
                async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    // Later items finish first, so completion order differs from input order.
                    tokio::time::sleep(Duration::from_millis(40 - n)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    if n % 7 == 3 {
                        Err(format!("repo {n} refused"))
                    } else {
                        Ok(n * 10)
                    }
                }
            },
            |p| seen.push(p),
        )
        .await;
        assert_eq!(peak.load(Ordering::SeqCst), 5);
        assert_eq!(results.len(), 40);
        for (i, (item, result)) in results.iter().enumerate() {
            assert_eq!(*item, i as u64);
            match result {
                Ok(v) => assert_eq!(*v, item * 10),
                Err(e) => assert_eq!(*e, format!("repo {item} refused")),
            }
        }
        assert_eq!(results.iter().filter(|(_, r)| r.is_err()).count(), 6);
        let done: Vec<u32> = seen.iter().map(|p| p.done).collect();
        assert_eq!(done, (1..=40).collect::<Vec<_>>());
        assert!(seen.iter().all(|p| p.total == Some(40)));
    }

    #[tokio::test]
    async fn a_zero_bound_still_makes_progress() {
        let results = bounded(vec![1, 2, 3], 0, |n| async move { Ok::<_, ()>(n) }, |_| {}).await;
        let values: Vec<i32> = results.into_iter().map(|(_, r)| r.unwrap()).collect();
        assert_eq!(values, vec![1, 2, 3]);
    }
}
