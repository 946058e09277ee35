//! The durable delivery store: one SQLite file in WAL mode.
//!
//! Deliveries are written by one writer thread that batches whatever is queued into a single
//! transaction (group commit) and answers each waiter only after `COMMIT` returned, so the
//! receiver can acknowledge a webhook knowing the row is on disk. Reads for the UI go through a
//! connection of their own (a newer [`Store::search`] interrupts an older one still running);
//! route changes, pruning and clearing through a third. WAL lets them read while the writer
//! writes, and `busy_timeout` serialises the rare concurrent writes.
//!
//! Routes are held in memory, so the receiver routes a request without touching SQLite. Changes
//! made through this store apply at once; changes made by another process sharing the file are
//! picked up within [`ROUTE_REFRESH`] by a background thread.
//!
//! Bodies and headers are stored as raw bytes (BLOBs; the headers of a delivery in one,
//! see [`header_blob`]), so non-UTF-8 content and repeated headers survive exactly as they
//! arrived.

mod borrowed_blob;
mod forward;
mod reserve;
mod rows;
mod schema;
mod text_index;
mod types;
mod writer;

pub use forward::{
    AfterAttempt, DeliveryForward, QueueEntry, Requeued, LOCKED_OWNER, QUEUE_COUNT_CAP,
};
pub use text_index::{BODY_PREFIX, MIN_INDEXED_CHARS};
pub use types::*;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::Duration;

use rusqlite::{params, params_from_iter, Connection, OptionalExtension};
use tokio::sync::oneshot;

use crate::header_blob;
use rows::{
    count_sql, list_sql, route_from_row, source_name, summary_from_row, uses_index, TextPlan,
    ROUTE_COLS, SUMMARY_COLS, SUMMARY_FROM,
};
use schema::migrate;
use writer::{writer_loop, Job};

/// The schema version this code writes, kept in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i32 = 7;
/// [`Query::limit`] is capped at this many rows.
pub const MAX_LIST: usize = 1000;
/// How often the routes are read again from the file, for changes made by another process
/// sharing it (changes made through this store apply at once).
pub const ROUTE_REFRESH: Duration = Duration::from_secs(1);
/// A search checks this often (in SQLite virtual-machine steps) whether a newer one replaced it.
const SEARCH_CHECK_STEPS: i32 = 10_000;
/// A text search reads this many ids per statement (see [`Store::search`]).
const SEARCH_WINDOW: i64 = 5_000;
/// A delivery `d` that is in no forward queue.
const NOT_QUEUED: &str = "NOT EXISTS (SELECT 1 FROM forward_queue q WHERE q.delivery_id = d.id)";
/// A text shorter than a trigram is first looked for in this many of the newest rows, read
/// directly (see `Store::find_short`).
const SHORT_SCAN: i64 = 20_000;
/// The write-ahead log is copied into the database once it holds this many pages (SQLite's
/// default is 1000). The commit that crosses it does the copy while every waiting delivery
/// waits with it, so smaller steps keep the slowest acknowledgements down: p99 10.7 ms against
/// 15.9 ms at the same throughput (docs/benchmarks.md, 2026-12-01).
pub const WAL_CHECKPOINT_PAGES: u32 = 250;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file was written by a newer Wharf with a schema this version does not know.
    #[error("database schema version {0} is newer than supported ({SCHEMA_VERSION})")]
    NewerSchema(i32),
    /// The group commit failed, so no delivery of that batch was stored.
    #[error("commit failed: {0}")]
    Commit(String),
    /// A file could not be prepared, or the writer thread could not be started.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A stored delivery could not be read back (the file was altered or corrupted).
    #[error("delivery {0}: {1}")]
    Damaged(i64, header_blob::Damaged),
    /// The writer thread has stopped; nothing more can be inserted.
    #[error("the store's writer has stopped")]
    Closed,
    /// A newer [`Store::search`] started, so this one was stopped before it finished.
    #[error("a newer search replaced this one")]
    Superseded,
    /// A search text or repository filter held NUL, which no stored text can be searched for
    /// (SQLite compares text up to its first NUL, FTS5 reads a query up to one).
    #[error("a search cannot hold the NUL character (U+0000)")]
    NulInSearch,
}

/// Store result.
pub type Result<T> = std::result::Result<T, StoreError>;

/// Handle to the store; cheap to clone, shareable between threads.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    /// Reads for the UI: lists, searches, single deliveries.
    reads: Mutex<Connection>,
    /// Counts of matching deliveries (the Inbox's export label): a count reads every match,
    /// seconds at a million for a common text, and must not hold up the reads meanwhile.
    counts: Mutex<Connection>,
    /// Route changes, pruning and clearing.
    changes: Mutex<Connection>,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    routes: RwLock<Routes>,
    /// The filters of the newest [`Store::search`] ([`Query::filters_hash`]); searches for
    /// other filters still running stop.
    newest_search: Arc<AtomicU64>,
    /// How many [`Store::count_search`] calls began; a count stops when a newer one begins.
    newest_count: AtomicU64,
    /// Every route's forwarding settings, read by the receiver for each delivery.
    forwards: RwLock<forward::Forwards>,
    /// Wakes the forwarder when deliveries are queued or forwarding settings change.
    wakeups: Arc<forward::Wakeups>,
    /// The folder holding the database, whose free space the receiver watches.
    dir: PathBuf,
    /// The database file's name in `dir`.
    file_name: std::ffi::OsString,
    reserve: reserve::Reserve,
}

/// Every route by token. `generation` moves on every change made through this store, so a
/// refresh from the file that raced with such a change is not applied over it.
#[derive(Default)]
struct Routes {
    generation: u64,
    by_token: HashMap<String, HookRoute>,
}

impl Store {
    /// Opens (creating if needed) the store at `path`, migrating the schema, and starts the
    /// writer thread.
    pub fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        crate::private::file(path, &["-wal", "-shm"])?;
        let changes = connect(path)?;
        migrate(&changes)?;
        let routes = read_routes(&changes)?;
        let forwards = forward::Forwards::read(&changes)?;
        let reads = connect(path)?;
        let counts = connect(path)?;
        let writer = connect(path)?;
        let indexer = connect(path)?;
        // The index can be rebuilt from the rows: a step lost to a power cut is indexed again
        // (the watermark is in the same transaction), so its commits need not wait for the disk.
        indexer.pragma_update(None, "synchronous", "NORMAL")?;
        let refresher = connect(path)?;
        let (tx, rx) = mpsc::channel();
        let wakeups = Arc::new(forward::Wakeups::default());
        let queued = Arc::clone(&wakeups);
        std::thread::Builder::new()
            .name("inbox-store-writer".into())
            .spawn(move || writer_loop(writer, indexer, rx, queued))?;
        let inner = Arc::new(Inner {
            reads: Mutex::new(reads),
            counts: Mutex::new(counts),
            changes: Mutex::new(changes),
            writer: Mutex::new(Some(tx)),
            routes: RwLock::new(Routes {
                generation: 0,
                by_token: routes,
            }),
            newest_search: Arc::new(AtomicU64::new(0)),
            newest_count: AtomicU64::new(0),
            forwards: RwLock::new(forwards),
            wakeups,
            dir: path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_owned(),
            file_name: path.file_name().unwrap_or_default().to_owned(),
            reserve: reserve::Reserve::beside(path),
        });
        let weak = Arc::downgrade(&inner);
        let for_log = path.to_owned();
        std::thread::Builder::new()
            .name("inbox-store-routes".into())
            .spawn(move || refresh_routes(refresher, weak, for_log))?;
        Ok(Store { inner })
    }

    /// Stops the writer thread after it finishes the queued inserts; later inserts fail with
    /// [`StoreError::Closed`]. Dropping every clone of the store does the same.
    pub fn close(&self) {
        lock(&self.inner.writer).take();
    }

    fn submit(&self, delivery: NewDelivery) -> Result<oneshot::Receiver<Result<i64>>> {
        let (reply, rx) = oneshot::channel();
        let sender = lock(&self.inner.writer).clone().ok_or(StoreError::Closed)?;
        sender
            .send(Job {
                delivery,
                reply,
                runtime: tokio::runtime::Handle::try_current().ok(),
            })
            .map_err(|_| StoreError::Closed)?;
        Ok(rx)
    }

    /// Inserts a delivery and returns its id once the row is committed. Blocks the calling
    /// thread; from async code use [`Store::insert_async`].
    ///
    /// # Panics
    /// When called from inside a tokio runtime (tokio forbids blocking there).
    pub fn insert(&self, delivery: &NewDelivery) -> Result<i64> {
        self.submit(delivery.clone())?
            .blocking_recv()
            .map_err(|_| StoreError::Closed)?
    }

    /// Like [`Store::insert`], awaiting the commit without blocking the runtime.
    pub async fn insert_async(&self, delivery: NewDelivery) -> Result<i64> {
        self.submit(delivery)?
            .await
            .map_err(|_| StoreError::Closed)?
    }

    /// Whether `q`'s status and route filters leave so few rows that they are read in one
    /// statement, whatever the text.
    fn narrow(&self, q: &Query) -> Result<bool> {
        let Some((sql, args)) = rows::narrow_sql(q) else {
            return Ok(false);
        };
        let n: i64 = self
            .reads()
            .prepare_cached(&sql)?
            .query_row(params_from_iter(args), |r| r.get(0))?;
        Ok(n <= rows::NARROW)
    }

    /// The highest id up to which every delivery is in the full-text index (see
    /// [`text_index`]); rows above it are read directly.
    fn indexed_upto(&self) -> Result<i64> {
        text_index::watermark(&self.reads())
    }

    /// Whether every stored delivery is in the full-text index. Deliveries are indexed shortly
    /// after they are stored, when the writer is idle; an upgraded file's older ones too.
    /// Searches find the others all the same.
    pub fn text_index_ready(&self) -> Result<bool> {
        text_index::caught_up(&self.reads())
    }

    fn reads(&self) -> MutexGuard<'_, Connection> {
        lock(&self.inner.reads)
    }

    fn counts(&self) -> MutexGuard<'_, Connection> {
        lock(&self.inner.counts)
    }

    fn changes(&self) -> MutexGuard<'_, Connection> {
        lock(&self.inner.changes)
    }

    /// The delivery with `id`, if it exists.
    pub fn get(&self, id: i64) -> Result<Option<Delivery>> {
        let conn = self.reads();
        let row = conn
            .query_row(
                &format!(
                    "SELECT {SUMMARY_COLS}, d.query, d.remote_addr, d.body, d.headers \
                     FROM {SUMMARY_FROM} WHERE d.id = ?1"
                ),
                [id],
                |r| {
                    let headers: Vec<u8> = r.get(19)?;
                    Ok((
                        summary_from_row(r)?,
                        r.get(16)?,
                        r.get(17)?,
                        r.get(18)?,
                        headers,
                    ))
                },
            )
            .optional()?;
        let Some((summary, query, remote_addr, body, headers)) = row else {
            return Ok(None);
        };
        Ok(Some(Delivery {
            id,
            summary,
            query,
            headers: header_blob::decode(&headers).map_err(|e| StoreError::Damaged(id, e))?,
            remote_addr,
            body,
        }))
    }

    /// Deliveries matching `q`, newest first.
    pub fn list(&self, q: &Query) -> Result<Vec<DeliverySummary>> {
        self.find(q, &|| false)
    }

    /// Like [`Store::list`], for a person typing a search: a search for other filters stops
    /// this one if it is still running ([`StoreError::Superseded`]), so a text search over a
    /// large store never keeps the answer to the latest keystroke waiting. Pages of the same
    /// filters (other `limit` or `before`) do not stop each other.
    pub fn search(&self, q: &Query) -> Result<Vec<DeliverySummary>> {
        let mine = q.filters_hash();
        self.inner.newest_search.store(mine, Ordering::SeqCst);
        let newest = Arc::clone(&self.inner.newest_search);
        self.find(q, &move || newest.load(Ordering::SeqCst) != mine)
    }

    fn find(
        &self,
        q: &Query,
        superseded: &(impl Fn() -> bool + Clone + Send + 'static),
    ) -> Result<Vec<DeliverySummary>> {
        refuse_nul(q)?;
        let limit = q.limit.unwrap_or(100).min(MAX_LIST);
        if self.narrow(q)? || (q.text.as_deref().is_none_or(str::is_empty) && !uses_index(q)) {
            // Few rows to read, or no text: B-tree indexes answer at once.
            return self.search_window(q, None, limit, TextPlan::Rows, superseded);
        }
        if !uses_index(q) {
            return self.find_short(q, limit, superseded);
        }
        // Rows not indexed yet are newer than every indexed one: read first, newest first,
        // then the index answers for the rest.
        let upto = self.indexed_upto()?;
        let (mut rows, tail) = self.scan(q, upto + 1, limit, superseded)?;
        if rows.len() < limit {
            // Rows indexed since `upto` was read are newer than it; when some were read above,
            // the index must not hand them out again. When none were, it may: they are
            // deliveries that match, newer than the rest, and were not read twice.
            let before = match (tail, q.before) {
                (true, before) => Some(before.map_or(upto + 1, |b| b.min(upto + 1))),
                (false, before) => before,
            };
            let indexed = Query {
                before,
                ..q.clone()
            };
            rows.extend(self.search_window(
                &indexed,
                None,
                limit - rows.len(),
                TextPlan::Index,
                superseded,
            )?);
        }
        Ok(rows)
    }

    /// A text shorter than a trigram, and no other filter the index narrows down. The newest
    /// [`SHORT_SCAN`] rows (and any not indexed yet) are read first: a common text fills its
    /// page there. The older ones are looked up in the index ([`text_index::short_terms`]).
    fn find_short(
        &self,
        q: &Query,
        limit: usize,
        superseded: &(impl Fn() -> bool + Clone + Send + 'static),
    ) -> Result<Vec<DeliverySummary>> {
        let from = self.short_from(q.before)?;
        let (mut rows, _) = self.scan(q, from, limit, superseded)?;
        if rows.len() == limit || from == 0 {
            return Ok(rows);
        }
        // Every row below `from` is in the index.
        let older = Query {
            before: Some(q.before.map_or(from, |b| b.min(from))),
            ..q.clone()
        };
        let text = q.text.as_deref().unwrap_or_default();
        let terms = text_index::short_terms(&mut self.reads(), text)?;
        rows.extend(match terms {
            Some(terms) if terms.is_empty() => Vec::new(),
            Some(terms) => self.search_window(
                &older,
                None,
                limit - rows.len(),
                TextPlan::Short(&terms),
                superseded,
            )?,
            None => self.scan(&older, 0, limit - rows.len(), superseded)?.0,
        });
        Ok(rows)
    }

    /// The lowest id a search for a short text reads directly below `before`: the newest
    /// [`SHORT_SCAN`] rows, and every row not indexed yet.
    fn short_from(&self, before: Option<i64>) -> Result<i64> {
        let upto = self.indexed_upto()?;
        let newest: i64 = self.reads().query_row(
            "SELECT coalesce(max(id), 0) FROM deliveries WHERE id < ?1",
            [before.unwrap_or(i64::MAX)],
            |r| r.get(0),
        )?;
        Ok((upto + 1).min(newest - SHORT_SCAN + 1).max(0))
    }

    /// Rows of `q` with an id of at least `from`, read row by row rather than through the text
    /// index, and whether any delivery at all had such an id. It goes window by window, newest
    /// first, each window its own short read, so the write-ahead log can be checkpointed
    /// between windows and a search held against a busy receiver does not make every commit
    /// slower.
    fn scan(
        &self,
        q: &Query,
        from: i64,
        limit: usize,
        superseded: &(impl Fn() -> bool + Clone + Send + 'static),
    ) -> Result<(Vec<DeliverySummary>, bool)> {
        let (first, last): (Option<i64>, Option<i64>) = self.reads().query_row(
            "SELECT min(id), max(id) FROM deliveries WHERE id >= ?1",
            [from],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok((Vec::new(), false));
        };
        let mut below = q.before.unwrap_or(i64::MAX).min(last.saturating_add(1));
        let mut rows = Vec::new();
        while rows.len() < limit && below > first {
            let window = Query {
                before: Some(below),
                ..q.clone()
            };
            let lowest = below.saturating_sub(SEARCH_WINDOW).max(first);
            rows.extend(self.search_window(
                &window,
                Some(lowest),
                limit - rows.len(),
                TextPlan::Rows,
                superseded,
            )?);
            below = lowest;
        }
        Ok((rows, true))
    }

    /// One statement of [`Store::search`]: rows of `q` with an id of at least `lowest`.
    fn search_window(
        &self,
        q: &Query,
        lowest: Option<i64>,
        limit: usize,
        plan: TextPlan,
        superseded: &(impl Fn() -> bool + Clone + Send + 'static),
    ) -> Result<Vec<DeliverySummary>> {
        let (sql, args) = list_sql(
            &Query {
                limit: Some(limit),
                ..q.clone()
            },
            lowest,
            plan,
        );
        interruptible(&mut self.reads(), SEARCH_CHECK_STEPS, superseded, |conn| {
            conn.prepare_cached(&sql)?
                .query_map(params_from_iter(args), summary_from_row)?
                .collect()
        })
    }

    /// Number of stored deliveries matching `q`'s filters (its `limit` and `before` ignored),
    /// counted on a connection of its own: a count reads every match, and lists, searches and
    /// single deliveries are read meanwhile.
    pub fn count_matching(&self, q: &Query) -> Result<u64> {
        self.count_where(q, &|| false)
    }

    /// Like [`Store::count_matching`], for the label of what a person's search shows: a newer
    /// count, or a search for other filters begun meanwhile (the person typed on), stops it
    /// ([`StoreError::Superseded`]), so counts for filters no longer shown do not queue up.
    pub fn count_search(&self, q: &Query) -> Result<u64> {
        let mine = self.inner.newest_count.fetch_add(1, Ordering::SeqCst) + 1;
        let searched = self.inner.newest_search.load(Ordering::SeqCst);
        let filters = q.filters_hash();
        let inner = Arc::clone(&self.inner);
        self.count_where(q, &move || {
            let search = inner.newest_search.load(Ordering::SeqCst);
            inner.newest_count.load(Ordering::SeqCst) != mine
                || (search != searched && search != filters)
        })
    }

    fn count_where(
        &self,
        q: &Query,
        superseded: &(impl Fn() -> bool + Clone + Send + 'static),
    ) -> Result<u64> {
        refuse_nul(q)?;
        let count = |plan, lowest, below| -> Result<u64> {
            let (sql, args) = count_sql(q, plan, lowest, below);
            let n: i64 =
                interruptible(&mut self.counts(), SEARCH_CHECK_STEPS, superseded, |conn| {
                    conn.prepare_cached(&sql)?
                        .query_row(params_from_iter(args), |r| r.get(0))
                })?;
            Ok(n as u64)
        };
        if self.narrow(q)? {
            return count(TextPlan::Rows, None, None);
        }
        // Split as the list splits it: rows from `from` on are read, the rest come from the
        // index.
        let (short, from);
        let plan = if uses_index(q) {
            from = self.indexed_upto()? + 1;
            TextPlan::Index
        } else {
            from = self.short_from(None)?;
            if from == 0 {
                // Every row is read directly anyway: no lookup in the index.
                return count(TextPlan::Rows, None, None);
            }
            let text = q.text.as_deref().unwrap_or_default();
            short = text_index::short_terms(&mut self.reads(), text)?;
            match short.as_deref() {
                Some(terms) => TextPlan::Short(terms),
                None => return count(TextPlan::Rows, None, None),
            }
        };
        let indexed = match plan {
            // No indexed row holds the text.
            TextPlan::Short("") => 0,
            plan => count(plan, None, Some(from))?,
        };
        Ok(indexed + count(TextPlan::Rows, Some(from), None)?)
    }

    /// Number of stored deliveries.
    pub fn count(&self) -> Result<u64> {
        let n: i64 = self
            .reads()
            .query_row("SELECT COUNT(*) FROM deliveries", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Bytes free for the database on its file system, `None` where that cannot be told.
    pub fn free_space(&self) -> Option<u64> {
        crate::disk::free_space(&self.inner.dir)
    }

    /// Bytes the database holds in use: its pages minus the free ones (the write-ahead log is
    /// checkpointed into them).
    pub fn size_bytes(&self) -> Result<u64> {
        let conn = self.reads();
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let free: i64 = conn.query_row("PRAGMA freelist_count", [], |r| r.get(0))?;
        let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok(((pages - free).max(0) * size) as u64)
    }

    /// When the database holds more than `max_bytes`, deletes up to `limit` deliveries: refused
    /// ones (status 400 and up) first, oldest first, then the oldest of the rest. Returns how
    /// many; 0 when it is within the budget.
    pub fn prune_to_size(&self, max_bytes: u64, limit: usize) -> Result<u64> {
        if self.size_bytes()? <= max_bytes {
            return Ok(0);
        }
        let mut conn = self.changes();
        let tx = conn.transaction()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut deleted = tx.execute(
            "DELETE FROM deliveries WHERE id IN \
             (SELECT id FROM deliveries WHERE status >= 400 ORDER BY id LIMIT ?1)",
            [limit],
        )? as i64;
        if deleted == 0 {
            deleted = tx.execute(
                "DELETE FROM deliveries WHERE id IN \
                 (SELECT id FROM deliveries ORDER BY id LIMIT ?1)",
                [limit],
            )? as i64;
        }
        tx.commit()?;
        Ok(deleted as u64)
    }

    /// Returns free pages to the file system, so the file shrinks after pruning (for files
    /// created with incremental auto-vacuum; older files keep their size and reuse the pages).
    pub fn release_free_pages(&self) -> Result<()> {
        let conn = self.changes();
        incremental_vacuum(&conn)?;
        // The file is truncated when the log is written back; do it now rather than at the
        // next automatic checkpoint.
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Deletes deliveries older than `max_age` and all but the newest `max_count`, at most
    /// `limit` of them (the oldest matching ones) in one short transaction, so a large backlog
    /// is removed in steps without holding the database (and the receiver's commits behind it)
    /// for long. Returns how many were deleted; fewer than `limit` means nothing more matches.
    /// A delivery still waiting to be forwarded stays until it is sent or its forwarding gives
    /// up, however old: a target down for a day loses nothing. The size budget
    /// ([`Store::prune_to_size`]) still takes it, so a queue cannot fill the disk.
    pub fn prune(
        &self,
        max_count: Option<u64>,
        max_age: Option<Duration>,
        limit: usize,
    ) -> Result<u64> {
        let mut conn = self.changes();
        let tx = conn.transaction()?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut deleted = 0i64;
        if let Some(age) = max_age {
            let cutoff =
                now_ms().saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX));
            // Through the received_at index: cheap when nothing is old enough.
            deleted += tx.execute(
                &format!(
                    "DELETE FROM deliveries WHERE id IN \
                     (SELECT id FROM deliveries d WHERE received_at < ?1 AND {NOT_QUEUED} \
                     ORDER BY id LIMIT ?2)"
                ),
                params![cutoff, limit],
            )? as i64;
        }
        if let Some(max) = max_count.filter(|_| deleted < limit) {
            // The newest `max` stay: the next one down and everything older goes.
            let first_gone: Option<i64> = tx
                .query_row(
                    "SELECT id FROM deliveries ORDER BY id DESC LIMIT 1 OFFSET ?1",
                    [i64::try_from(max).unwrap_or(i64::MAX)],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(first_gone) = first_gone {
                deleted += tx.execute(
                    &format!(
                        "DELETE FROM deliveries WHERE id IN \
                         (SELECT id FROM deliveries d WHERE id <= ?1 AND {NOT_QUEUED} \
                         ORDER BY id LIMIT ?2)"
                    ),
                    params![first_gone, limit - deleted],
                )? as i64;
            }
        }
        tx.commit()?;
        Ok(deleted as u64)
    }

    /// Adds `note` at the end of a delivery's summary (what happened after it was stored).
    pub fn append_to_summary(&self, id: i64, note: &str) -> Result<()> {
        let mut conn = self.changes();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE deliveries SET summary = CASE WHEN summary IS NULL OR summary = '' \
             THEN ?2 ELSE summary || ' ' || ?2 END WHERE id = ?1",
            params![id, note],
        )?;
        text_index::reindex(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes every delivery (routes are kept) and gives the space back: the file and its
    /// write-ahead log shrink to what the routes need. Works on a full disk too, with the space
    /// set aside beside the database for that.
    pub fn clear(&self) -> Result<u64> {
        self.inner.reserve.when_full(|| {
            let conn = self.changes();
            let deleted = delete_every_delivery(&conn)?;
            // A file made before Wharf set incremental auto-vacuum never shrinks by itself;
            // emptied, it converts with a VACUUM of almost nothing.
            let mode: i64 = conn.query_row("PRAGMA auto_vacuum", [], |r| r.get(0))?;
            if mode == AUTO_VACUUM_INCREMENTAL {
                incremental_vacuum(&conn)?;
            } else {
                conn.execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")?;
            }
            // Readers may keep part of the log for now (the answer says so; not an error).
            truncate_log(&conn)?;
            Ok(deleted)
        })
    }

    /// Creates a route with a fresh random token.
    pub fn create_route(&self, route: &NewHookRoute) -> Result<HookRoute> {
        let stored = HookRoute {
            token: uuid::Uuid::new_v4().simple().to_string(),
            created_at: now_ms(),
            route: route.clone(),
        };
        let conn = self.changes();
        conn.execute(
            "INSERT INTO routes (token, created_at, connection_id, repository, notification_id, \
             source, event, label, response_status, response_body, response_delay_ms) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![
                stored.token,
                stored.created_at,
                route.connection_id,
                route.repository,
                route.notification_id,
                route.source.map(source_name),
                route.event,
                route.label,
                route.response.status,
                route.response.body,
                route.response.delay_ms as i64,
            ],
        )?;
        let mut routes = write(&self.inner.routes);
        routes.generation += 1;
        routes.by_token.insert(stored.token.clone(), stored.clone());
        Ok(stored)
    }

    /// The route for `token`, if it exists. Read from memory: it never waits for the database.
    pub fn route(&self, token: &str) -> Option<HookRoute> {
        read(&self.inner.routes).by_token.get(token).cloned()
    }

    /// All routes, oldest first.
    pub fn list_routes(&self) -> Vec<HookRoute> {
        let mut routes: Vec<HookRoute> = read(&self.inner.routes)
            .by_token
            .values()
            .cloned()
            .collect();
        routes.sort_by(|a, b| (a.created_at, &a.token).cmp(&(b.created_at, &b.token)));
        routes
    }

    /// Sets how the route answers; the route as it is now, or `None` if there is no such route.
    /// The caller checks the response first ([`RouteResponse::problem`]).
    pub fn set_route_response(
        &self,
        token: &str,
        response: &RouteResponse,
    ) -> Result<Option<HookRoute>> {
        let conn = self.changes();
        let changed = conn.execute(
            "UPDATE routes SET response_status = ?2, response_body = ?3, response_delay_ms = ?4 \
             WHERE token = ?1",
            params![
                token,
                response.status,
                response.body,
                response.delay_ms as i64
            ],
        )?;
        let mut routes = write(&self.inner.routes);
        routes.generation += 1;
        let Some(route) = routes.by_token.get_mut(token).filter(|_| changed > 0) else {
            return Ok(None);
        };
        route.route.response = response.clone();
        Ok(Some(route.clone()))
    }

    /// Renames the route; the route as it is now, or `None` if there is no such route.
    pub fn set_route_label(&self, token: &str, label: &str) -> Result<Option<HookRoute>> {
        let conn = self.changes();
        let changed = conn.execute(
            "UPDATE routes SET label = ?2 WHERE token = ?1",
            params![token, label],
        )?;
        let mut routes = write(&self.inner.routes);
        routes.generation += 1;
        let Some(route) = routes.by_token.get_mut(token).filter(|_| changed > 0) else {
            return Ok(None);
        };
        route.route.label = label.to_owned();
        Ok(Some(route.clone()))
    }

    /// How many stored deliveries came through route `token` (deleted or not), and when the
    /// newest arrived. Both read the route index only as far as they need.
    pub fn route_activity(&self, token: &str) -> Result<RouteActivity> {
        let conn = self.reads();
        let count: i64 = conn
            .prepare_cached("SELECT COUNT(*) FROM deliveries WHERE route_token = ?1")?
            .query_row([token], |r| r.get(0))?;
        let last: Option<i64> = conn
            .prepare_cached(
                "SELECT received_at FROM deliveries WHERE route_token = ?1 \
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row([token], |r| r.get(0))
            .optional()?;
        Ok(RouteActivity {
            deliveries: count as u64,
            last_received_at: last,
        })
    }

    /// Deletes the route; returns whether it existed. Its deliveries stay; those still queued
    /// for forwarding are taken off the queue, marked as dropped with the route.
    pub fn delete_route(&self, token: &str) -> Result<bool> {
        let mut conn = self.changes();
        let tx = conn.transaction()?;
        let deleted = tx.execute("DELETE FROM routes WHERE token = ?1", [token])?;
        forward::drop_route_queue(&tx, token, crate::forward::ForwardPhase::RouteDeleted)?;
        tx.commit()?;
        drop(conn);
        self.forget_route_forward(token);
        let mut routes = write(&self.inner.routes);
        routes.generation += 1;
        routes.by_token.remove(token);
        Ok(deleted > 0)
    }
}

/// Reads the routes table and their forwarding again every [`ROUTE_REFRESH`] for changes
/// another process made,
/// until the store is gone. A refresh that raced with a change made through this store is
/// dropped; the next one sees both.
fn refresh_routes(conn: Connection, inner: Weak<Inner>, path: PathBuf) {
    loop {
        std::thread::sleep(ROUTE_REFRESH);
        let Some(inner) = inner.upgrade() else { return };
        let generation = read(&inner.routes).generation;
        let from_file = read_routes(&conn)
            .and_then(|routes| Ok((routes, forward::Forwards::read_saved(&conn)?)));
        match from_file {
            Ok((by_token, saved)) => {
                let mut routes = write(&inner.routes);
                if routes.generation == generation {
                    routes.by_token = by_token;
                    // Forwarding turned on, changed or off by another process sharing the file
                    // (`wharf headless`, the app): the forwarder goes by it from now on.
                    if write(&inner.forwards).replace_saved(saved) {
                        inner.wakeups.settings_changed();
                    }
                }
            }
            Err(e) => tracing::warn!("inbox store {}: reading routes failed: {e}", path.display()),
        }
    }
}

// Not `prepare_cached`: with the cached statement the refresher measurably held up WAL
// checkpoints and the ingest p99 rose tenfold (docs/benchmarks.md, 2026-12-02).
fn read_routes(conn: &Connection) -> Result<HashMap<String, HookRoute>> {
    let mut stmt = conn.prepare(&format!("SELECT {ROUTE_COLS} FROM routes"))?;
    let routes = stmt
        .query_map([], route_from_row)?
        .map(|r| r.map(|route| (route.token.clone(), route)))
        .collect::<rusqlite::Result<HashMap<_, _>>>()?;
    Ok(routes)
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// A poisoned mutex only means another thread panicked while holding it; what it guards is
/// still whole (SQLite rolls back a connection's unfinished transaction, and the runtime's
/// values are each written in one assignment), so carry on.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Deletes every delivery and what forwarding keeps about them, in one transaction. The forward
/// tables reference `deliveries`, and with foreign keys checked SQLite deletes a referenced
/// table row by row instead of dropping its pages at once (its truncate optimisation): at a
/// million rows, longer than the writer's busy timeout. So they are emptied first, and the
/// deliveries deleted with the check off on this connection (it cannot change inside a
/// transaction, hence around it).
fn delete_every_delivery(conn: &Connection) -> Result<u64> {
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let deleted = (|| {
        let tx = conn.unchecked_transaction()?;
        // The trigger that keeps the text index in step with deletes would delete its rows one
        // by one (and keep SQLite from truncating the table at once): it is set aside for this
        // transaction and the index emptied whole.
        tx.execute_batch(
            "DELETE FROM forward_attempts; DELETE FROM forward_queue; \
             DELETE FROM delivery_forward;
             DROP TRIGGER deliveries_text_delete;",
        )?;
        tx.execute_batch(text_index::EMPTY_INDEX)?;
        let deleted = tx.execute("DELETE FROM deliveries", [])? as u64;
        tx.execute_batch(text_index::DELETE_TRIGGER)?;
        tx.commit()?;
        Ok(deleted)
    })();
    conn.pragma_update(None, "foreign_keys", "ON")?;
    deleted
}

/// Gives every free page back to the file system, in steps of [`VACUUM_STEP`] pages, each its
/// own transaction: in one transaction every page it frees is changed, more than the page cache
/// holds, so SQLite spilled them all to the write-ahead log, which grew by the size of what was
/// freed (and on a full disk could not). The pragma frees one page per row it answers, so each
/// step is read to the end.
fn incremental_vacuum(conn: &Connection) -> Result<()> {
    let free_pages = || conn.query_row("PRAGMA freelist_count", [], |r| r.get::<_, i64>(0));
    let mut free = free_pages()?;
    while free > 0 {
        let mut step = conn.prepare_cached(&format!("PRAGMA incremental_vacuum({VACUUM_STEP})"))?;
        let mut rows = step.query([])?;
        while rows.next()?.is_some() {}
        let left = free_pages()?;
        if left >= free {
            break;
        }
        free = left;
    }
    Ok(())
}

/// Pages per incremental-vacuum transaction: 1 MiB, well within the default page cache.
const VACUUM_STEP: u32 = 256;

/// `PRAGMA auto_vacuum`'s answer for incremental.
const AUTO_VACUUM_INCREMENTAL: i64 = 2;

/// Refuses a query whose text or repository filter holds NUL ([`StoreError::NulInSearch`]).
fn refuse_nul(q: &Query) -> Result<()> {
    let nul = |t: &Option<String>| t.as_deref().is_some_and(|t| t.contains('\0'));
    if nul(&q.text) || nul(&q.repository) {
        return Err(StoreError::NulInSearch);
    }
    Ok(())
}

/// Runs `read` on `conn`, stopping with [`StoreError::Superseded`] as soon as `superseded`
/// says so (checked every `steps` steps of SQLite's virtual machine).
fn interruptible<T>(
    conn: &mut Connection,
    steps: i32,
    superseded: &(impl Fn() -> bool + Clone + Send + 'static),
    read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T> {
    if superseded() {
        return Err(StoreError::Superseded);
    }
    conn.progress_handler(steps, Some(superseded.clone()))?;
    let conn = Interrupting(conn);
    match read(conn.0) {
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) => {
            Err(StoreError::Superseded)
        }
        read => Ok(read?),
    }
}

/// A connection with a progress handler that stops its reads; the handler goes when this does,
/// even when the read panics (the connection's mutex is then used on, not given up).
struct Interrupting<'a>(&'a mut Connection);

impl Drop for Interrupting<'_> {
    fn drop(&mut self) {
        let _ = self.0.progress_handler(0, None::<fn() -> bool>);
    }
}

/// Writes the log back into the database and truncates it, without waiting: TRUNCATE waits
/// through the busy timeout for readers on an older snapshot (a count reading for a second
/// or more) and holds off every writer meanwhile, the receiver's commits too. Blocked, it
/// writes back what it can at once (as PASSIVE would), and a later one truncates.
fn truncate_log(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::ZERO)?;
    let done = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(done?)
}

/// How long a statement waits for a lock another connection holds.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

fn connect(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Every transaction of the store writes: taking the write lock at its start waits for the
    // other writers (the writer's commits, the indexer's steps) through `busy_timeout`, where a
    // read upgraded to a write after one of them committed would fail at once (BUSY_SNAPSHOT).
    conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
    // Lets pruning shrink the file. It only takes on a new, empty file, and only before the
    // switch to WAL writes its header; on an existing file it changes nothing.
    conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
    // Switching a new file to WAL needs an exclusive lock and SQLite answers BUSY at once,
    // without the busy handler, while another process opens the same file: try again briefly.
    let mut attempts = 0;
    while let Err(e) = conn.pragma_update(None, "journal_mode", "WAL") {
        let busy = e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy);
        attempts += 1;
        if !busy || attempts >= 100 {
            return Err(e.into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // FULL: a committed delivery survives power loss, which is what the 2xx promises.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "wal_autocheckpoint", WAL_CHECKPOINT_PAGES)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    rows::register_functions(&conn)?;
    Ok(conn)
}
