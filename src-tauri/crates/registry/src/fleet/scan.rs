//! The overview scan: every notification of every target of the chosen connections, with
//! bounded concurrency, handed over as each target answers so rows appear while the rest load.

use serde::Serialize;
use ts_rs::TS;

use super::source::{FleetProblem, FleetRow, Source};
use super::target::Target;
use crate::listing::{self, Cancel, Progress};

/// What a scan reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export_to = "registry.ts")]
pub enum ScanEvent {
    /// The targets are known; their notifications come next.
    Targets {
        /// How many repositories and namespaces will be read.
        total: u32,
    },
    /// One target's notifications (possibly none).
    Rows {
        /// The connection.
        connection_id: uuid::Uuid,
        /// The target.
        target: Target,
        /// Its notifications.
        rows: Vec<FleetRow>,
    },
    /// A connection, namespace or repository could not be read; the scan goes on.
    Problem(FleetProblem),
    /// Targets read so far.
    Progress(Progress),
}

/// How a scan ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct ScanSummary {
    /// Targets read (with or without notifications).
    pub targets: u32,
    /// Notifications found.
    pub rows: u32,
    /// Connections, namespaces or repositories that failed.
    pub problems: u32,
    /// Stopped before the end.
    pub cancelled: bool,
}

/// Scans `sources` (one namespace of each when `namespace` is given), at most `concurrency`
/// requests at a time, reporting on `on` as it goes.
pub async fn scan(
    sources: &[Source],
    namespace: Option<&str>,
    concurrency: usize,
    cancel: &Cancel,
    mut on: impl FnMut(ScanEvent),
) -> ScanSummary {
    let mut summary = ScanSummary {
        targets: 0,
        rows: 0,
        problems: 0,
        cancelled: false,
    };
    let mut work: Vec<(usize, Target)> = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        let mut report = |p: FleetProblem| {
            summary.problems += 1;
            on(ScanEvent::Problem(p));
        };
        let listed = tokio::select! {
            listed = source.targets(namespace, &mut report) => listed,
            () = cancel.cancelled() => break,
        };
        match listed {
            Ok(targets) => work.extend(targets.into_iter().map(|t| (index, t))),
            Err(e) => report(source.problem(None, &e)),
        }
    }
    if cancel.is_cancelled() {
        summary.cancelled = true;
        return summary;
    }
    on(ScanEvent::Targets {
        total: u32::try_from(work.len()).unwrap_or(u32::MAX),
    });
    let finished = listing::each(
        work,
        concurrency,
        |(index, target)| async move { sources[index].list(&target).await },
        |(index, target), result, progress| {
            let source = &sources[index];
            summary.targets += 1;
            match result {
                Ok(found) => {
                    summary.rows += u32::try_from(found.len()).unwrap_or(u32::MAX);
                    on(ScanEvent::Rows {
                        connection_id: source.connection_id,
                        target,
                        rows: found.into_iter().map(|f| f.row).collect(),
                    });
                }
                Err(e) => {
                    summary.problems += 1;
                    on(ScanEvent::Problem(source.problem(Some(target), &e)));
                }
            }
            on(ScanEvent::Progress(progress));
        },
        cancel,
    )
    .await;
    summary.cancelled = !finished;
    summary
}
