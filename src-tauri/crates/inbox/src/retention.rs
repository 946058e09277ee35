//! Background retention: prunes the [`Store`] on an interval so a receiver left running for
//! months stays bounded in size, without the user clearing it by hand.
//!
//! [`spawn_pruner`] runs one prune at start, then one per interval and one whenever the policy
//! changes. Each run deletes in steps of [`PRUNE_STEP`] deliveries on tokio's blocking pool, so
//! neither the async threads nor the store's writer (and so the receiver's acknowledgements)
//! wait behind one long delete.

use std::time::Duration;

use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use crate::store::Store;

/// Default cap on stored deliveries.
pub const DEFAULT_MAX_COUNT: u64 = 100_000;
/// Default cap on a delivery's age.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(30 * 24 * 3600);
/// Default cap on the database's size: 1 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 1024 * 1024 * 1024;
/// Default time between prune runs.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(10 * 60);
/// Deliveries deleted per transaction within one run.
pub const PRUNE_STEP: usize = 1_000;
/// Steps per run at most (so a run deletes at most a million deliveries; the rest waits for
/// the next run).
const MAX_STEPS: usize = 1_000;

/// What to keep. `None` means no limit of that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Keep at most this many deliveries, the newest.
    pub max_count: Option<u64>,
    /// Delete deliveries received longer ago than this.
    pub max_age: Option<Duration>,
    /// Keep the database under this many bytes, deleting refused deliveries first, then the
    /// oldest.
    pub max_bytes: Option<u64>,
}

impl Default for RetentionPolicy {
    /// 100,000 deliveries, 30 days and 1 GiB.
    fn default() -> Self {
        Self {
            max_count: Some(DEFAULT_MAX_COUNT),
            max_age: Some(DEFAULT_MAX_AGE),
            max_bytes: Some(DEFAULT_MAX_BYTES),
        }
    }
}

impl RetentionPolicy {
    /// Keeps everything.
    pub const UNLIMITED: RetentionPolicy = RetentionPolicy {
        max_count: None,
        max_age: None,
        max_bytes: None,
    };

    /// Whether this policy never deletes anything.
    pub fn is_unlimited(&self) -> bool {
        self.max_count.is_none() && self.max_age.is_none() && self.max_bytes.is_none()
    }
}

/// What the pruner has done so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// Runs finished since the pruner started (including runs with nothing to delete).
    pub runs: u64,
    /// Deliveries deleted by the last run.
    pub last_removed: u64,
    /// Deliveries deleted since the pruner started.
    pub total_removed: u64,
    /// The last run's error, if it failed.
    pub last_error: Option<String>,
}

/// A running pruner. Dropping it stops it after the run in progress, if any.
pub struct Pruner {
    reports: watch::Receiver<PruneReport>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Pruner {
    /// Follows the pruner's progress; the value changes after every run.
    pub fn reports(&self) -> watch::Receiver<PruneReport> {
        self.reports.clone()
    }

    /// Stops the pruner and waits for the run in progress, if any, to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

/// Starts pruning `store` on the current tokio runtime: once now, then every `interval`
/// (at least 1 ms), and at once whenever `policy` changes. If the policy's sender is dropped
/// the last policy stays in force.
pub fn spawn_pruner(
    store: Store,
    policy: watch::Receiver<RetentionPolicy>,
    interval: Duration,
) -> Pruner {
    let (report_tx, reports) = watch::channel(PruneReport::default());
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(run(
        store,
        policy,
        interval.max(Duration::from_millis(1)),
        report_tx,
        stopped,
    ));
    Pruner {
        reports,
        stop: Some(stop),
        task,
    }
}

async fn run(
    store: Store,
    mut policy: watch::Receiver<RetentionPolicy>,
    interval: Duration,
    reports: watch::Sender<PruneReport>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut policy_open = true;
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            _ = tick.tick() => {}
            changed = policy.changed(), if policy_open => {
                if changed.is_err() {
                    policy_open = false;
                    continue;
                }
            }
        }
        let current = *policy.borrow_and_update();
        let outcome = if current.is_unlimited() {
            Ok(0)
        } else {
            let store = store.clone();
            tokio::task::spawn_blocking(move || prune_in_steps(&store, current))
                .await
                .unwrap_or_else(|e| Err(format!("the prune task panicked: {e}")))
        };
        match &outcome {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                "inbox retention: removed {n} deliveries (keeping {})",
                describe(&current)
            ),
            Err(e) => tracing::error!("inbox retention: pruning failed: {e}"),
        }
        reports.send_modify(|r| {
            r.runs += 1;
            match outcome {
                Ok(n) => {
                    r.last_removed = n;
                    r.total_removed += n;
                    r.last_error = None;
                }
                Err(e) => {
                    r.last_removed = 0;
                    r.last_error = Some(e);
                }
            }
        });
    }
}

/// Deletes what `policy` no longer keeps, [`PRUNE_STEP`] deliveries per transaction.
fn prune_in_steps(store: &Store, policy: RetentionPolicy) -> Result<u64, String> {
    let mut removed = 0;
    for _ in 0..MAX_STEPS {
        let n = store
            .prune(policy.max_count, policy.max_age, PRUNE_STEP)
            .map_err(|e| e.to_string())?;
        removed += n;
        if n < PRUNE_STEP as u64 {
            break;
        }
    }
    if let Some(max_bytes) = policy.max_bytes {
        for _ in 0..MAX_STEPS {
            let n = store
                .prune_to_size(max_bytes, PRUNE_STEP)
                .map_err(|e| e.to_string())?;
            removed += n;
            if n == 0 {
                break;
            }
        }
    }
    if removed > 0 {
        // Gives freed pages back to the file system (files created since auto_vacuum was set).
        store.release_free_pages().map_err(|e| e.to_string())?;
    }
    Ok(removed)
}

/// "the newest 100000 deliveries, up to 30 days old", for messages.
pub fn describe(policy: &RetentionPolicy) -> String {
    let count = policy
        .max_count
        .map(|n| format!("the newest {n} deliveries"));
    let age = policy.max_age.map(|age| {
        let secs = age.as_secs();
        if secs >= 86_400 && secs % 86_400 == 0 {
            format!("up to {} days old", secs / 86_400)
        } else {
            format!("up to {age:?} old")
        }
    });
    let described = match (count, age) {
        (Some(c), Some(a)) => format!("{c}, {a}"),
        (Some(c), None) => c,
        (None, Some(a)) => format!("deliveries {a}"),
        (None, None) => "every delivery".to_owned(),
    };
    match policy.max_bytes {
        Some(bytes) => format!("{described}, at most {} MiB", bytes / (1024 * 1024)),
        None => described,
    }
}
