//! The store's side of forwarding: each route's settings (saved, or given for one run), the
//! forward queue the writer fills, and the attempts the forwarder records.

use std::collections::HashMap;

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};

use super::rows::{forward_again_sql, forward_from_row};
use super::{read, write, Query, Result, Store};
use crate::forward::{ForwardAttempt, ForwardPhase, ForwardQueueInfo, ForwardSettings};

/// Queues a delivery (`?1`, on route `?2`) unless it is in a queue already.
const QUEUE_UNLESS_QUEUED: &str = "INSERT INTO forward_queue (delivery_id, route_token) \
     SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM forward_queue WHERE delivery_id = ?1)";

/// A route's queue is counted up to this many entries and one more: "10,000+" says enough,
/// and counting a backlog of millions on every refresh of the Routes screen would not be cheap.
pub const QUEUE_COUNT_CAP: u64 = 10_000;

/// Ends the lease owner's name of a forwarder that holds the database's forward lock.
pub const LOCKED_OWNER: &str = "+locked";

/// Deliveries queued again per transaction by [`Store::forward_again_matching`].
const REQUEUE_STEP: usize = 2_000;

/// Every route's forwarding: what is saved, and what `wharf headless --forward` set for this
/// run only (it wins over the saved one).
#[derive(Default)]
pub(super) struct Forwards {
    saved: HashMap<String, ForwardSettings>,
    run_only: HashMap<String, ForwardSettings>,
}

impl Forwards {
    pub(super) fn read(conn: &Connection) -> Result<Forwards> {
        Ok(Forwards {
            saved: Forwards::read_saved(conn)?,
            run_only: HashMap::new(),
        })
    }

    /// The saved settings as the file holds them now. Not `prepare_cached`: the routes'
    /// refresher calls this every second (see `read_routes`).
    pub(super) fn read_saved(conn: &Connection) -> Result<HashMap<String, ForwardSettings>> {
        let mut stmt = conn.prepare(
            "SELECT token, url, headers, strip_credentials, max_attempts FROM route_forwards",
        )?;
        let saved = stmt
            .query_map([], |r| {
                let headers: String = r.get(2)?;
                Ok((
                    r.get::<_, String>(0)?,
                    ForwardSettings {
                        url: r.get(1)?,
                        headers: serde_json::from_str(&headers).unwrap_or_default(),
                        strip_credentials: r.get(3)?,
                        max_attempts: r.get(4)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(saved)
    }

    /// Takes the saved settings read from the file; whether they changed.
    pub(super) fn replace_saved(&mut self, saved: HashMap<String, ForwardSettings>) -> bool {
        let changed = self.saved != saved;
        self.saved = saved;
        changed
    }

    fn get(&self, token: &str) -> Option<&ForwardSettings> {
        self.run_only.get(token).or_else(|| self.saved.get(token))
    }
}

/// What wakes the forwarder: settings changes wake its supervisor and every route; something
/// queued on a route wakes that route only, so a route waiting out a retry's backoff, or idle,
/// sleeps through other routes' deliveries.
#[derive(Default)]
pub(super) struct Wakeups {
    settings: tokio::sync::watch::Sender<u64>,
    queued: std::sync::Mutex<HashMap<String, tokio::sync::watch::Sender<u64>>>,
}

impl Wakeups {
    pub(super) fn settings_changed(&self) {
        self.settings.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Wakes route `token`'s task, if one listens.
    pub(super) fn queued_on(&self, token: &str) {
        if let Some(sender) = super::lock(&self.queued).get(token) {
            sender.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    fn queue_signal(&self, token: &str) -> tokio::sync::watch::Receiver<u64> {
        super::lock(&self.queued)
            .entry(token.to_owned())
            .or_default()
            .subscribe()
    }
}

/// One entry of a route's forward queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueEntry {
    /// Position: the queue is sent in this order.
    pub seq: i64,
    /// The delivery to send.
    pub delivery_id: i64,
    /// Attempts made so far.
    pub attempts: u32,
    /// Not before this, unix milliseconds.
    pub next_at: i64,
}

/// Where one delivery's forwarding stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct DeliveryForward {
    /// The delivery.
    #[ts(type = "number")]
    pub id: i64,
    /// Its forwarding, `null` when it was never queued.
    pub forward: Option<crate::forward::ForwardState>,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterAttempt {
    /// The target took it: off the queue.
    Done,
    /// Again at this time (unix milliseconds).
    RetryAt(i64),
    /// The attempt limit is reached: off the queue, failed.
    GiveUp,
}

/// Whether forward-again found the delivery and could queue it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requeued {
    /// Queued again.
    Queued,
    /// No such delivery.
    Missing,
    /// Its route does not forward (or it came through no route).
    NotForwarding,
    /// Its body was refused as too large and not stored: there is nothing whole to send.
    NotWhole,
    /// It is in its route's queue already (waiting, or its attempts being retried): queued
    /// twice, it would be sent twice.
    AlreadyQueued,
}

impl Store {
    /// How route `token` forwards now, if it does.
    pub fn route_forward(&self, token: &str) -> Option<ForwardSettings> {
        read(&self.inner.forwards).get(token).cloned()
    }

    /// Whether route `token` forwards for this run only (not saved).
    pub fn route_forward_is_run_only(&self, token: &str) -> bool {
        read(&self.inner.forwards).run_only.contains_key(token)
    }

    /// Whether deliveries on route `token` are queued for forwarding. Read from memory: the
    /// receiver asks this for every delivery.
    pub fn forwards(&self, token: &str) -> bool {
        let forwards = read(&self.inner.forwards);
        forwards.run_only.contains_key(token) || forwards.saved.contains_key(token)
    }

    /// The tokens of every route that forwards.
    pub fn forwarding_routes(&self) -> Vec<String> {
        let forwards = read(&self.inner.forwards);
        let mut tokens: Vec<String> = forwards
            .saved
            .keys()
            .chain(forwards.run_only.keys())
            .cloned()
            .collect();
        tokens.sort();
        tokens.dedup();
        tokens
    }

    /// Saves how route `token` forwards. `None` turns it off: what is queued is taken off the
    /// queue, marked [`ForwardPhase::TurnedOff`] (unless `wharf headless --forward` forwards the
    /// route for this run). Otherwise its queue is retried at once with the new settings. Returns false when
    /// there is no such route. The caller checks the settings first
    /// ([`ForwardSettings::problems`]).
    pub fn set_route_forward(
        &self,
        token: &str,
        settings: Option<&ForwardSettings>,
    ) -> Result<bool> {
        if self.route(token).is_none() {
            return Ok(false);
        }
        {
            let mut conn = self.changes();
            let tx = conn.transaction()?;
            match settings {
                Some(s) => {
                    tx.execute(
                        "INSERT INTO route_forwards \
                         (token, url, headers, strip_credentials, max_attempts) \
                         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(token) DO UPDATE SET \
                         url = ?2, headers = ?3, strip_credentials = ?4, max_attempts = ?5",
                        params![
                            token,
                            s.url,
                            serde_json::to_string(&s.headers).unwrap_or_else(|_| "[]".into()),
                            s.strip_credentials,
                            s.max_attempts
                        ],
                    )?;
                }
                None => {
                    tx.execute("DELETE FROM route_forwards WHERE token = ?1", [token])?;
                    if !read(&self.inner.forwards).run_only.contains_key(token) {
                        drop_route_queue(&tx, token, ForwardPhase::TurnedOff)?;
                    }
                }
            }
            tx.execute(
                "UPDATE forward_queue SET next_at = 0 WHERE route_token = ?1",
                [token],
            )?;
            tx.commit()?;
        }
        {
            // A refresh of the file that raced with this change is not applied over it.
            let mut routes = write(&self.inner.routes);
            routes.generation += 1;
            let mut forwards = write(&self.inner.forwards);
            match settings {
                Some(s) => forwards.saved.insert(token.to_owned(), s.clone()),
                None => forwards.saved.remove(token),
            };
        }
        self.wake_forwarder();
        Ok(true)
    }

    /// Forwards route `token` with `settings` for as long as this store is open, without saving
    /// them (`wharf headless --forward`).
    pub fn forward_for_run(&self, token: &str, settings: ForwardSettings) {
        write(&self.inner.forwards)
            .run_only
            .insert(token.to_owned(), settings);
        self.wake_forwarder();
    }

    /// Moves on whenever forwarding settings change (through this store, or in the file by
    /// another process, seen by the routes' refresh).
    pub fn forward_settings_signal(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.wakeups.settings.subscribe()
    }

    /// Moves on whenever something is queued on route `token` through this store.
    pub fn forward_queue_signal(&self, token: &str) -> tokio::sync::watch::Receiver<u64> {
        self.inner.wakeups.queue_signal(token)
    }

    fn wake_forwarder(&self) {
        self.inner.wakeups.settings_changed();
    }

    /// Takes or renews the lease that makes `owner` the one forwarder of this database for
    /// `ttl`: only one process sharing the file sends its queues (the app and `wharf headless`
    /// on one data folder would both send each delivery). A lease not renewed in time is taken
    /// over. An owner whose name ends in [`LOCKED_OWNER`] holds the database's forward lock
    /// (`forward::lock`) while it holds the lease, so when another such owner holds the lock
    /// now, the first one's process is gone: its lease is taken over at once. Whether `owner`
    /// holds it now.
    pub fn hold_forward_lease(&self, owner: &str, ttl: std::time::Duration) -> Result<bool> {
        let now = super::now_ms();
        let until = now.saturating_add(i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX));
        let changed = self
            .changes()
            .prepare_cached(
                "INSERT INTO forward_lease (id, owner, expires_at) VALUES (1, ?1, ?2) \
             ON CONFLICT(id) DO UPDATE SET owner = ?1, expires_at = ?2 \
             WHERE owner = ?1 OR expires_at < ?3 \
                OR (?4 AND substr(owner, -length(?5)) = ?5)",
            )?
            .execute(params![
                owner,
                until,
                now,
                owner.ends_with(LOCKED_OWNER),
                LOCKED_OWNER
            ])?;
        Ok(changed > 0)
    }

    /// Where the forward lock of this database is (`forward::lock`).
    pub(crate) fn forward_lock_path(&self) -> std::path::PathBuf {
        let mut name = self.inner.file_name.clone();
        name.push("-forward.lock");
        self.inner.dir.join(name)
    }

    /// Gives the lease up, if `owner` holds it, so another process takes over at once.
    pub fn release_forward_lease(&self, owner: &str) -> Result<()> {
        self.changes().execute(
            "DELETE FROM forward_lease WHERE owner IN (?1, ?1 || ?2)",
            params![owner, LOCKED_OWNER],
        )?;
        Ok(())
    }

    /// The first `limit` entries of route `token`'s queue, in order.
    pub fn forward_heads(&self, token: &str, limit: usize) -> Result<Vec<QueueEntry>> {
        let conn = self.reads();
        let mut stmt = conn.prepare_cached(
            "SELECT seq, delivery_id, attempts, next_at FROM forward_queue \
             WHERE route_token = ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![token, limit as i64], |r| {
                Ok(QueueEntry {
                    seq: r.get(0)?,
                    delivery_id: r.get(1)?,
                    attempts: r.get(2)?,
                    next_at: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records `attempt` at sending `entry` on route `token` and moves the queue on as `after`
    /// says, in one transaction. A delivery pruned meanwhile is left gone.
    pub fn record_forward_attempt(
        &self,
        token: &str,
        entry: &QueueEntry,
        attempt: &ForwardAttempt,
        after: AfterAttempt,
    ) -> Result<()> {
        let mut conn = self.changes();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO forward_attempts \
             (delivery_id, route_token, at, target, status, latency_ms, answer, error) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS \
             (SELECT 1 FROM deliveries WHERE id = ?1)",
            params![
                entry.delivery_id,
                token,
                attempt.at,
                attempt.target,
                attempt.status,
                i64::try_from(attempt.latency_ms).unwrap_or(i64::MAX),
                attempt.answer,
                attempt.error
            ],
        )?;
        let attempts = entry.attempts + 1;
        let (phase, next_at) = match after {
            AfterAttempt::Done => (ForwardPhase::Done, None),
            AfterAttempt::GiveUp => (ForwardPhase::Failed, None),
            AfterAttempt::RetryAt(at) => (ForwardPhase::Retrying, Some(at)),
        };
        let still_queued = match next_at {
            Some(at) => tx.execute(
                "UPDATE forward_queue SET attempts = ?2, next_at = ?3 WHERE seq = ?1",
                params![entry.seq, attempts, at],
            )?,
            None => tx.execute("DELETE FROM forward_queue WHERE seq = ?1", [entry.seq])?,
        } > 0;
        // Taken off the queue while this attempt was in flight (route deleted, forwarding
        // turned off): it stays as that left it, unless the target took it.
        if !still_queued && after != AfterAttempt::Done {
            tx.commit()?;
            return Ok(());
        }
        tx.execute(
            "UPDATE delivery_forward SET forward_phase = ?2, forward_attempts = ?3, \
             forward_status = ?4, forward_next_at = ?5 WHERE delivery_id = ?1",
            params![
                entry.delivery_id,
                phase.as_str(),
                attempts,
                attempt.status,
                next_at
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Takes `entry` off the queue without an attempt (its delivery is gone).
    pub fn drop_forward_entry(&self, entry: &QueueEntry) -> Result<()> {
        self.changes()
            .execute("DELETE FROM forward_queue WHERE seq = ?1", [entry.seq])?;
        Ok(())
    }

    /// Where the forwarding of each of `ids` stands (at most [`super::MAX_LIST`] of them; ids
    /// of deliveries that are gone are left out).
    pub fn forward_states(&self, ids: &[i64]) -> Result<Vec<DeliveryForward>> {
        let ids = &ids[..ids.len().min(super::MAX_LIST)];
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks = vec!["?"; ids.len()].join(", ");
        let conn = self.reads();
        let mut stmt = conn.prepare(&format!(
            "SELECT id, forward_phase, forward_attempts, forward_status, forward_next_at \
             FROM {} WHERE id IN ({marks})",
            super::rows::SUMMARY_FROM
        ))?;
        let rows = stmt
            .query_map(params_from_iter(ids), |r| {
                Ok(DeliveryForward {
                    id: r.get(0)?,
                    forward: forward_from_row(r, 1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every attempt to forward delivery `id`, oldest first.
    pub fn forward_attempts(&self, id: i64) -> Result<Vec<ForwardAttempt>> {
        let conn = self.reads();
        let mut stmt = conn.prepare_cached(
            "SELECT at, target, status, latency_ms, answer, error FROM forward_attempts \
             WHERE delivery_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([id], attempt_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Queues delivery `id` again at the end of its route's queue; new attempts are appended to
    /// the ones it has.
    pub fn forward_again(&self, id: i64) -> Result<Requeued> {
        let row: Option<(Option<String>, u16)> = self
            .reads()
            .query_row(
                "SELECT route_token, status FROM deliveries WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((token, status)) = row else {
            return Ok(Requeued::Missing);
        };
        if token.is_some() && !crate::forward::forwardable(token.as_deref(), status) {
            return Ok(Requeued::NotWhole);
        }
        let Some(token) = token.filter(|t| self.forwards(t)) else {
            return Ok(Requeued::NotForwarding);
        };
        let mut conn = self.changes();
        let tx = conn.transaction()?;
        if tx
            .prepare_cached(QUEUE_UNLESS_QUEUED)?
            .execute(params![id, token])?
            == 0
        {
            return Ok(Requeued::AlreadyQueued);
        }
        mark_queued(&tx, &[id])?;
        tx.commit()?;
        drop(conn);
        self.inner.wakeups.queued_on(&token);
        Ok(Requeued::Queued)
    }

    /// Queues again, oldest first, every delivery matching `q`'s filters (its page ignored)
    /// whose route forwards and that is not queued already; returns how many. Goes
    /// `REQUEUE_STEP` deliveries per short transaction, so a large selection never holds the
    /// receiver's commits for long.
    pub fn forward_again_matching(&self, q: &Query) -> Result<u64> {
        let tokens = self.forwarding_routes();
        if tokens.is_empty() {
            return Ok(0);
        }
        let last_id: Option<i64> =
            self.reads()
                .query_row("SELECT max(id) FROM deliveries", [], |r| r.get(0))?;
        let Some(last_id) = last_id else {
            return Ok(0);
        };
        let mut after = 0i64;
        let mut queued = 0u64;
        while after < last_id {
            // A text filter scans rows: each read covers one window of ids, so it holds the
            // reads connection (and the UI's searches behind it) only briefly, like `search`.
            let upto = after.saturating_add(super::SEARCH_WINDOW).min(last_id);
            let (select, args) = forward_again_sql(q, &tokens, after, upto, REQUEUE_STEP);
            let step: Vec<(i64, String)> = {
                let conn = self.reads();
                let mut stmt = conn.prepare(&select)?;
                let rows = stmt
                    .query_map(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows
            };
            after = match step.last() {
                Some(&(last, _)) if step.len() == REQUEUE_STEP => last,
                _ => upto,
            };
            if step.is_empty() {
                continue;
            }
            {
                let mut conn = self.changes();
                let tx = conn.transaction()?;
                // The forwarder or a single forward-again may have queued some since the read.
                let mut inserted = Vec::with_capacity(step.len());
                {
                    let mut insert = tx.prepare_cached(QUEUE_UNLESS_QUEUED)?;
                    for (id, token) in &step {
                        if insert.execute(params![id, token])? > 0 {
                            inserted.push(*id);
                        }
                    }
                }
                mark_queued(&tx, &inserted)?;
                tx.commit()?;
                queued += inserted.len() as u64;
            }
            let mut woken: Vec<&str> = step.iter().map(|(_, t)| t.as_str()).collect();
            woken.sort_unstable();
            woken.dedup();
            for token in woken {
                self.inner.wakeups.queued_on(token);
            }
        }
        Ok(queued)
    }

    /// Route `token`'s queue: its length (counted up to [`QUEUE_COUNT_CAP`] and one more), its
    /// latest attempt, and its head's state. Asked for every route on each refresh of the
    /// Routes screen, so nothing here reads a whole queue.
    pub fn forward_queue_info(&self, token: &str) -> Result<ForwardQueueInfo> {
        let conn = self.reads();
        let queued: i64 = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM \
                 (SELECT 1 FROM forward_queue WHERE route_token = ?1 LIMIT ?2)",
            )?
            .query_row(params![token, (QUEUE_COUNT_CAP + 1) as i64], |r| r.get(0))?;
        let last = conn
            .prepare_cached(
                "SELECT at, target, status, latency_ms, answer, error FROM forward_attempts \
                 WHERE route_token = ?1 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([token], attempt_from_row)
            .optional()?;
        // The head only: being retried, it holds up the rest.
        let head = conn
            .prepare_cached(
                "SELECT q.attempts, d.forward_phase, d.forward_attempts, d.forward_status, \
                 d.forward_next_at FROM (SELECT delivery_id, attempts FROM forward_queue \
                 WHERE route_token = ?1 ORDER BY seq LIMIT 1) q \
                 JOIN delivery_forward d ON d.delivery_id = q.delivery_id",
            )?
            .query_row([token], |r| {
                let attempts: i64 = r.get(0)?;
                Ok(if attempts > 0 {
                    forward_from_row(r, 1)?
                } else {
                    None
                })
            })
            .optional()?
            .flatten();
        Ok(ForwardQueueInfo {
            queued: queued as u64,
            last,
            head,
        })
    }

    /// Forgets route `token`'s run-only forwarding and its saved one in memory (the route is
    /// gone; the saved row went with it).
    pub(super) fn forget_route_forward(&self, token: &str) {
        let mut forwards = write(&self.inner.forwards);
        forwards.saved.remove(token);
        forwards.run_only.remove(token);
    }
}

/// Takes route `token`'s queue off unsent, each delivery marked `why`; in the caller's
/// transaction.
pub(super) fn drop_route_queue(conn: &Connection, token: &str, why: ForwardPhase) -> Result<()> {
    conn.execute(
        "UPDATE delivery_forward SET forward_phase = ?2, forward_next_at = NULL \
         WHERE delivery_id IN (SELECT delivery_id FROM forward_queue WHERE route_token = ?1)",
        params![token, why.as_str()],
    )?;
    conn.execute("DELETE FROM forward_queue WHERE route_token = ?1", [token])?;
    Ok(())
}

/// Sets the forwarding state of the deliveries `ids` to just queued.
fn mark_queued(conn: &Connection, ids: &[i64]) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO delivery_forward (delivery_id, forward_phase) \
         SELECT value, 'queued' FROM json_each(?1) WHERE true \
         ON CONFLICT(delivery_id) DO UPDATE SET forward_phase = 'queued', forward_attempts = 0, \
         forward_status = NULL, forward_next_at = NULL",
    )?
    .execute([serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())])?;
    Ok(())
}

fn attempt_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ForwardAttempt> {
    Ok(ForwardAttempt {
        at: r.get(0)?,
        target: r.get(1)?,
        status: r.get(2)?,
        latency_ms: r.get::<_, i64>(3)?.max(0) as u64,
        answer: r.get(4)?,
        error: r.get(5)?,
    })
}
