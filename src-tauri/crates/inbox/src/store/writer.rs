//! The writer thread: group commit, and answering each waiter once its row is committed; in
//! between, when no delivery waits, the text index catches up ([`text_index::index_step`]).

use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::rows::source_name;
use super::{borrowed_blob, text_index};
use super::{NewDelivery, Result, StoreError};
use crate::header_blob;
use crate::recognize::Alert;

/// At most this many queued inserts share one transaction.
const MAX_BATCH: usize = 256;

pub(super) struct Job {
    pub(super) delivery: NewDelivery,
    pub(super) reply: oneshot::Sender<Result<i64>>,
    /// The runtime of an async caller, to answer the batch from (see [`answer`]).
    pub(super) runtime: Option<tokio::runtime::Handle>,
}

/// How long no delivery must have arrived before rows are indexed. Under a stream the
/// receiver's clients send their next request within a fraction of this after their answer,
/// so indexing waits for the stream to pause instead of taking a core from it (with 1 ms, the
/// gaps of a loaded 2-core machine let it in, and the receiver's p99 rose: docs/benchmarks.md).
/// Once indexing, it goes on step after step while nothing arrives.
const IDLE_BEFORE_INDEXING: Duration = Duration::from_millis(20);

/// Group commit: block for one job, take whatever else is queued, and commit them together.
/// `index` is a connection of this thread for the text index's own transactions. After a
/// commit that queued deliveries for forwarding, `wakeups` wakes the routes they were queued on
/// (only those).
pub(super) fn writer_loop(
    mut conn: Connection,
    mut index: Connection,
    rx: mpsc::Receiver<Job>,
    wakeups: std::sync::Arc<super::forward::Wakeups>,
) {
    // Rows may wait from before this start: an upgrade, a crash, another process's writes.
    let mut behind = true;
    let mut waiting: Option<Job> = None;
    let mut last_delivery = Instant::now();
    loop {
        let first = match waiting.take() {
            Some(job) => job,
            None if behind => match rx
                .recv_timeout(IDLE_BEFORE_INDEXING.saturating_sub(last_delivery.elapsed()))
            {
                Ok(job) => job,
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {
                    let mut closed = false;
                    let mut yield_now = || match rx.try_recv() {
                        Ok(job) => {
                            waiting = Some(job);
                            true
                        }
                        Err(TryRecvError::Empty) => false,
                        Err(TryRecvError::Disconnected) => {
                            closed = true;
                            true
                        }
                    };
                    behind = match text_index::index_step(&mut index, &mut yield_now) {
                        Ok(true) => true,
                        Ok(false) => {
                            // Caught up, and idle: the log the indexing wrote goes into the
                            // database now rather than in the next delivery's commit.
                            if let Err(e) = super::truncate_log(&index) {
                                tracing::warn!("inbox store: checkpoint after indexing: {e}");
                            }
                            false
                        }
                        Err(e) => {
                            // Tried again after the next delivery; searches read those rows.
                            tracing::warn!("inbox store: indexing deliveries: {e}");
                            false
                        }
                    };
                    if closed {
                        return;
                    }
                    continue;
                }
            },
            None => match rx.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        behind = true;
        last_delivery = Instant::now();
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = match write_batch(&mut conn, &batch) {
            Ok(ids) => ids,
            Err(e) => {
                tracing::error!("inbox store: batch of {} failed: {e}", batch.len());
                let msg = e.to_string();
                batch
                    .iter()
                    .map(|_| Err(StoreError::Commit(msg.clone())))
                    .collect()
            }
        };
        // Copied only for deliveries that were queued: other routes pay nothing here.
        let mut queued_on: Vec<String> = batch
            .iter()
            .zip(&results)
            .filter(|(job, result)| job.delivery.forward && result.is_ok())
            .filter_map(|(job, _)| job.delivery.route_token.clone())
            .collect();
        answer(batch, results);
        queued_on.sort_unstable();
        queued_on.dedup();
        for token in &queued_on {
            wakeups.queued_on(token);
        }
    }
}

/// Hands each job its result. Waking a task from outside its runtime costs a syscall to
/// unpark a worker, once per task; so when the callers are async, one task spawned on their
/// runtime answers the whole batch from inside it, where waking is a queue push.
fn answer(batch: Vec<Job>, results: Vec<Result<i64>>) {
    let runtime = batch.iter().find_map(|job| job.runtime.clone());
    let answers = Answers(
        batch
            .into_iter()
            .map(|job| job.reply)
            .zip(results)
            .collect(),
    );
    match runtime {
        Some(runtime) => drop(runtime.spawn(async move { drop(answers) })),
        None => drop(answers),
    }
}

/// Results not yet handed out. They go out when this is dropped, wherever that happens: in
/// the spawned task, or right away if the runtime is shutting down and drops the task unrun,
/// so a committed row is never reported as lost.
struct Answers(Vec<(oneshot::Sender<Result<i64>>, Result<i64>)>);

impl Drop for Answers {
    fn drop(&mut self) {
        for (reply, result) in self.0.drain(..) {
            let _ = reply.send(result);
        }
    }
}

/// Inserts the batch in one transaction. If a row fails, the batch is redone with each job
/// under its own savepoint so one bad row does not fail its neighbours (savepoints cost two
/// statements per row, so only the rare failing batch pays for them). The outer `Err` means
/// the transaction itself (begin/commit) failed and nothing was stored.
fn write_batch(conn: &mut Connection, batch: &[Job]) -> Result<Vec<Result<i64>>> {
    {
        let tx = conn.transaction()?;
        let ids: Result<Vec<i64>> = batch
            .iter()
            .map(|job| insert_one(&tx, &job.delivery))
            .collect();
        if let Ok(ids) = ids {
            tx.commit()?;
            return Ok(ids.into_iter().map(Ok).collect());
        }
        // Dropping `tx` rolls the partial batch back.
    }
    let mut tx = conn.transaction()?;
    let mut results = Vec::with_capacity(batch.len());
    for job in batch {
        let sp = tx.savepoint()?;
        let result = insert_one(&sp, &job.delivery);
        if result.is_ok() {
            sp.commit()?;
        }
        results.push(result);
    }
    tx.commit()?;
    Ok(results)
}

const INSERT: &str =
    "INSERT INTO deliveries (received_at, method, path, query, remote_addr, body, size, \
     route_token, status, source, event, repository, summary, headers, alert) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";

/// The body's parameter in [`INSERT`].
const BODY_PARAM: usize = 6;

fn insert_one(conn: &Connection, d: &NewDelivery) -> Result<i64> {
    let rec = d.recognized.as_ref();
    let mut insert = conn.prepare_cached(INSERT)?;
    let values: [&dyn rusqlite::ToSql; 15] = [
        &d.received_at,
        &d.method,
        &d.path,
        &d.query,
        &d.remote_addr,
        &rusqlite::types::Null,
        &i64::try_from(d.size).unwrap_or(i64::MAX),
        &d.route_token,
        &d.status,
        &rec.map(|r| source_name(r.source)),
        &rec.and_then(|r| r.kind.wire_name()),
        &rec.and_then(|r| r.repository.as_deref()),
        &rec.map(|r| r.summary.as_str()),
        &header_blob::encode(&d.headers),
        &rec.and_then(|r| r.alert).map(Alert::as_str),
    ];
    for (i, value) in values.into_iter().enumerate() {
        insert.raw_bind_parameter(i + 1, value)?;
    }
    let bound = borrowed_blob::bind(conn, INSERT, BODY_PARAM, &d.body);
    let result = bound.and_then(|()| insert.raw_execute().map_err(Into::into));
    // The statement must not keep a pointer to the body once this returns.
    insert.clear_bindings();
    result?;
    let id = conn.last_insert_rowid();
    if d.forward {
        // In the delivery's own transaction: stored and queued go together.
        conn.prepare_cached(
            "INSERT INTO forward_queue (delivery_id, route_token) VALUES (?1, ?2)",
        )?
        .execute(rusqlite::params![id, d.route_token])?;
        // A narrow row of its own: the delivery's row (with its body) is written once.
        conn.prepare_cached(
            "INSERT INTO delivery_forward (delivery_id, forward_phase) VALUES (?1, 'queued')",
        )?
        .execute([id])?;
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(runtime: Option<tokio::runtime::Handle>) -> (Job, oneshot::Receiver<Result<i64>>) {
        let (reply, rx) = oneshot::channel();
        let job = Job {
            delivery: NewDelivery::default(),
            reply,
            runtime,
        };
        (job, rx)
    }

    #[test]
    fn a_batch_is_answered_even_when_its_runtime_has_shut_down() {
        let gone = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let handle = gone.handle().clone();
        drop(gone);
        // The first job names the dead runtime; the second caller lives elsewhere and must
        // still learn that its row was committed.
        let (first, first_rx) = job(Some(handle));
        let (second, second_rx) = job(None);
        answer(vec![first, second], vec![Ok(7), Err(StoreError::Closed)]);
        assert_eq!(first_rx.blocking_recv().unwrap().unwrap(), 7);
        assert!(matches!(
            second_rx.blocking_recv().unwrap(),
            Err(StoreError::Closed)
        ));
    }

    #[test]
    fn a_batch_is_answered_from_a_live_runtime() {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let (first, first_rx) = job(Some(runtime.handle().clone()));
        let (second, second_rx) = job(Some(runtime.handle().clone()));
        answer(vec![first, second], vec![Ok(1), Ok(2)]);
        let got = runtime.block_on(async { (first_rx.await, second_rx.await) });
        assert_eq!(got.0.unwrap().unwrap(), 1);
        assert_eq!(got.1.unwrap().unwrap(), 2);
    }
}
