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

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use ts_rs::TS;

use crate::header_blob;
use crate::recognize::{Alert, Recognized, RouteHint, Source};

/// The schema version this code writes, kept in `PRAGMA user_version`.
pub const SCHEMA_VERSION: i32 = 3;
/// [`Query::limit`] is capped at this many rows.
pub const MAX_LIST: usize = 1000;
/// At most this many queued inserts share one transaction.
const MAX_BATCH: usize = 256;
/// How often the routes are read again from the file, for changes made by another process
/// sharing it (changes made through this store apply at once).
pub const ROUTE_REFRESH: Duration = Duration::from_secs(1);
/// A search checks this often (in SQLite virtual-machine steps) whether a newer one replaced it.
const SEARCH_CHECK_STEPS: i32 = 10_000;
/// A text search reads this many ids per statement (see [`Store::search`]).
const SEARCH_WINDOW: i64 = 5_000;
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
    /// The writer thread could not be started.
    #[error("starting the writer thread: {0}")]
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
}

/// Store result.
pub type Result<T> = std::result::Result<T, StoreError>;

/// One request header: name and the value's raw bytes.
pub type Header = (String, Vec<u8>);

/// A delivery to insert, as the receiver captured it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewDelivery {
    /// When it arrived, unix milliseconds.
    pub received_at: i64,
    /// HTTP method.
    pub method: String,
    /// Request path, without the query.
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// All headers in arrival order, repeated ones kept.
    pub headers: Vec<Header>,
    /// Peer address, `ip:port`.
    pub remote_addr: Option<String>,
    /// The body exactly as received (empty when rejected before reading it).
    pub body: Vec<u8>,
    /// Body size in bytes; may exceed `body.len()` when the body was refused as too large.
    pub size: u64,
    /// The `/hooks/{token}` token, if the path had one (known or not).
    pub route_token: Option<String>,
    /// The HTTP status the receiver answers with (404 for unknown tokens, 413 for too large).
    pub status: u16,
    /// Recognition result, stored in columns so the list can be searched.
    pub recognized: Option<Recognized>,
}

/// A stored delivery with everything that was captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Row id; grows with insertion order.
    pub id: i64,
    /// Columns shared with the list.
    #[serde(flatten)]
    pub summary: DeliverySummary,
    /// Raw query string.
    pub query: Option<String>,
    /// All headers in arrival order, repeated ones kept, values as raw bytes.
    pub headers: Vec<Header>,
    /// Peer address.
    pub remote_addr: Option<String>,
    /// Raw body bytes.
    pub body: Vec<u8>,
}

/// A delivery as the list and live events show it (no headers, no body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct DeliverySummary {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub received_at: i64,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// Body size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// Route token from the path, if any.
    pub route_token: Option<String>,
    /// Status the receiver answered with.
    pub status: u16,
    /// Recognised registry, if recognition ran.
    pub source: Option<Source>,
    /// Event wire name (`repo_push`, `TAG_PUSH`, ...).
    pub event: Option<String>,
    /// `namespace/name`.
    pub repository: Option<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// What it warns about, if anything (what toast rules read).
    pub alert: Option<Alert>,
}

/// Filters for [`Store::list`] and [`Store::search`]; all set fields must match. The UI sends
/// it as it is, so the list, its search and its export filter the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase", default)]
pub struct Query {
    /// Case-insensitive substring of summary, path, query, repository, event or body.
    pub text: Option<String>,
    /// Recognised registry.
    pub source: Option<Source>,
    /// Event wire name, exact (ASCII case ignored).
    pub event: Option<String>,
    /// Repository, exact.
    pub repository: Option<String>,
    /// Route token, exact.
    pub route: Option<String>,
    /// Response status, exact.
    pub status: Option<u16>,
    /// At most this many rows (default 100, capped at [`MAX_LIST`]).
    #[ts(type = "number | null")]
    pub limit: Option<usize>,
    /// Only rows with an id below this one (paging newest first).
    #[ts(type = "number | null")]
    pub before: Option<i64>,
}

impl Query {
    /// A hash of the filters, leaving out the page (`limit`, `before`).
    pub fn filters_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            &self.text,
            self.source,
            &self.event,
            &self.repository,
            &self.route,
            self.status,
        )
            .hash(&mut h);
        h.finish()
    }
}

/// How a route answers deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct RouteResponse {
    /// HTTP status sent after the delivery is stored.
    pub status: u16,
    /// Response body; `None` sends a small JSON acknowledgement.
    pub body: Option<String>,
    /// Wait this long after storing before answering (to test the sender's timeouts).
    #[ts(type = "number")]
    pub delay_ms: u64,
}

impl Default for RouteResponse {
    fn default() -> Self {
        Self {
            status: 200,
            body: None,
            delay_ms: 0,
        }
    }
}

/// What a route token stands for, when creating it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct NewHookRoute {
    /// The app's registry connection id.
    pub connection_id: Option<String>,
    /// `namespace/name`.
    pub repository: Option<String>,
    /// The registry's notification/webhook id.
    pub notification_id: Option<String>,
    /// Registry the notification belongs to.
    pub source: Option<Source>,
    /// Event or webhook type as the registry spells it.
    pub event: Option<String>,
    /// Free label shown in the UI.
    pub label: String,
    /// How deliveries are answered.
    pub response: RouteResponse,
}

/// A stored route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct HookRoute {
    /// The random token in `/hooks/{token}`.
    pub token: String,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// What it stands for and how it answers.
    #[serde(flatten)]
    pub route: NewHookRoute,
}

impl HookRoute {
    /// The hint given to [`crate::recognize::recognize`] for deliveries on this route.
    pub fn hint(&self) -> RouteHint {
        RouteHint {
            source: self.route.source,
            event: self.route.event.clone(),
        }
    }
}

/// Current time in unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

struct Job {
    delivery: NewDelivery,
    reply: oneshot::Sender<Result<i64>>,
    /// The runtime of an async caller, to answer the batch from (see [`answer`]).
    runtime: Option<tokio::runtime::Handle>,
}

/// Handle to the store; cheap to clone, shareable between threads.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    /// Reads for the UI: lists, searches, single deliveries.
    reads: Mutex<Connection>,
    /// Route changes, pruning and clearing.
    changes: Mutex<Connection>,
    writer: Mutex<Option<mpsc::Sender<Job>>>,
    routes: RwLock<Routes>,
    /// The filters of the newest [`Store::search`] ([`Query::filters_hash`]); searches for
    /// other filters still running stop.
    newest_search: Arc<AtomicU64>,
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
        let changes = connect(path)?;
        migrate(&changes)?;
        let routes = read_routes(&changes)?;
        let reads = connect(path)?;
        let writer = connect(path)?;
        let refresher = connect(path)?;
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("inbox-store-writer".into())
            .spawn(move || writer_loop(writer, rx))?;
        let inner = Arc::new(Inner {
            reads: Mutex::new(reads),
            changes: Mutex::new(changes),
            writer: Mutex::new(Some(tx)),
            routes: RwLock::new(Routes {
                generation: 0,
                by_token: routes,
            }),
            newest_search: Arc::new(AtomicU64::new(0)),
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

    fn reads(&self) -> MutexGuard<'_, Connection> {
        lock(&self.inner.reads)
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
                    "SELECT {SUMMARY_COLS}, query, remote_addr, body, headers FROM deliveries \
                     WHERE id = ?1"
                ),
                [id],
                |r| {
                    let headers: Vec<u8> = r.get(15)?;
                    Ok((
                        summary_from_row(r)?,
                        r.get(12)?,
                        r.get(13)?,
                        r.get(14)?,
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
        let (sql, args) = list_sql(q, None);
        let conn = self.reads();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt
            .query_map(params_from_iter(args), summary_from_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Like [`Store::list`], for a person typing a search: a search for other filters stops
    /// this one if it is still running ([`StoreError::Superseded`]), so a text search over a
    /// large store never keeps the answer to the latest keystroke waiting. Pages of the same
    /// filters (other `limit` or `before`) do not stop each other.
    pub fn search(&self, q: &Query) -> Result<Vec<DeliverySummary>> {
        let mine = q.filters_hash();
        self.inner.newest_search.store(mine, Ordering::SeqCst);
        let newest = Arc::clone(&self.inner.newest_search);
        let superseded = move || newest.load(Ordering::SeqCst) != mine;
        let limit = q.limit.unwrap_or(100).min(MAX_LIST);
        if q.text.as_deref().is_none_or(str::is_empty) {
            // Without text the indexes answer at once.
            return self.search_window(q, None, limit, &superseded);
        }
        // A text search scans rows; it goes window by window, newest first, each window its own
        // short read, so the write-ahead log can be checkpointed between windows and a search
        // held against a busy receiver does not make every commit slower.
        let (first, last): (Option<i64>, Option<i64>) =
            self.reads()
                .query_row("SELECT min(id), max(id) FROM deliveries", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        let (Some(first), Some(last)) = (first, last) else {
            return Ok(Vec::new());
        };
        let mut below = q.before.unwrap_or(i64::MAX).min(last.saturating_add(1));
        let mut rows = Vec::new();
        while rows.len() < limit && below > first {
            let window = Query {
                before: Some(below),
                ..q.clone()
            };
            let lowest = below.saturating_sub(SEARCH_WINDOW);
            rows.extend(self.search_window(
                &window,
                Some(lowest),
                limit - rows.len(),
                &superseded,
            )?);
            below = lowest;
        }
        Ok(rows)
    }

    /// One statement of [`Store::search`]: rows of `q` with an id of at least `lowest`.
    fn search_window(
        &self,
        q: &Query,
        lowest: Option<i64>,
        limit: usize,
        superseded: &(impl Fn() -> bool + Clone + Send + 'static),
    ) -> Result<Vec<DeliverySummary>> {
        let (sql, args) = list_sql(
            &Query {
                limit: Some(limit),
                ..q.clone()
            },
            lowest,
        );
        let mut conn = self.reads();
        if superseded() {
            return Err(StoreError::Superseded);
        }
        conn.progress_handler(SEARCH_CHECK_STEPS, Some(superseded.clone()))?;
        let rows = conn.prepare_cached(&sql).and_then(|mut stmt| {
            stmt.query_map(params_from_iter(args), summary_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()
        });
        conn.progress_handler(SEARCH_CHECK_STEPS, None::<fn() -> bool>)?;
        match rows {
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted) => {
                Err(StoreError::Superseded)
            }
            rows => Ok(rows?),
        }
    }

    /// Number of stored deliveries.
    pub fn count(&self) -> Result<u64> {
        let n: i64 = self
            .reads()
            .query_row("SELECT COUNT(*) FROM deliveries", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Deletes deliveries older than `max_age` and all but the newest `max_count`, at most
    /// `limit` of them (the oldest matching ones) in one short transaction, so a large backlog
    /// is removed in steps without holding the database (and the receiver's commits behind it)
    /// for long. Returns how many were deleted; fewer than `limit` means nothing more matches.
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
                "DELETE FROM deliveries WHERE id IN \
                 (SELECT id FROM deliveries WHERE received_at < ?1 ORDER BY id LIMIT ?2)",
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
                    "DELETE FROM deliveries WHERE id IN \
                     (SELECT id FROM deliveries WHERE id <= ?1 ORDER BY id LIMIT ?2)",
                    params![first_gone, limit - deleted],
                )? as i64;
            }
        }
        tx.commit()?;
        Ok(deleted as u64)
    }

    /// Deletes every delivery (routes are kept).
    pub fn clear(&self) -> Result<u64> {
        Ok(self.changes().execute("DELETE FROM deliveries", [])? as u64)
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

    /// Deletes the route; returns whether it existed. Its deliveries stay.
    pub fn delete_route(&self, token: &str) -> Result<bool> {
        let conn = self.changes();
        let deleted = conn.execute("DELETE FROM routes WHERE token = ?1", [token])?;
        let mut routes = write(&self.inner.routes);
        routes.generation += 1;
        routes.by_token.remove(token);
        Ok(deleted > 0)
    }
}

/// Reads the routes table again every [`ROUTE_REFRESH`] for changes another process made,
/// until the store is gone. A refresh that raced with a change made through this store is
/// dropped; the next one sees both.
fn refresh_routes(conn: Connection, inner: Weak<Inner>, path: PathBuf) {
    loop {
        std::thread::sleep(ROUTE_REFRESH);
        let Some(inner) = inner.upgrade() else { return };
        let generation = read(&inner.routes).generation;
        match read_routes(&conn) {
            Ok(by_token) => {
                let mut routes = write(&inner.routes);
                if routes.generation == generation {
                    routes.by_token = by_token;
                }
            }
            Err(e) => tracing::warn!("inbox store {}: reading routes failed: {e}", path.display()),
        }
    }
}

fn read_routes(conn: &Connection) -> Result<HashMap<String, HookRoute>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {ROUTE_COLS} FROM routes"))?;
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

/// A poisoned mutex only means another thread panicked mid-call; the connection is still
/// usable (SQLite rolls back unfinished transactions), so carry on.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
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
    Ok(conn)
}

fn migrate(conn: &Connection) -> Result<()> {
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema(version));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    // IMMEDIATE takes the write lock up front (waiting out busy_timeout), so two processes
    // opening the same file do not both start a read transaction and then fail to upgrade it;
    // the second one finds the work done and stops.
    conn.execute_batch("BEGIN IMMEDIATE;")?;
    let upgraded = (|| {
        let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        match version {
            0 => conn.execute_batch(SCHEMA)?,
            1 => {
                move_headers_into_deliveries(conn)?;
                add_alerts(conn)?;
            }
            2 => add_alerts(conn)?,
            _ => return Ok(()),
        }
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(())
    })();
    match upgraded {
        Ok(()) => conn.execute_batch("COMMIT;")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK;");
            return Err(e);
        }
    }
    Ok(())
}

/// The current schema, for a new file.
const SCHEMA: &str = "CREATE TABLE deliveries (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         received_at INTEGER NOT NULL,
         method TEXT NOT NULL,
         path TEXT NOT NULL,
         query TEXT,
         remote_addr TEXT,
         body BLOB NOT NULL,
         size INTEGER NOT NULL,
         route_token TEXT,
         status INTEGER NOT NULL,
         source TEXT,
         event TEXT,
         repository TEXT,
         summary TEXT,
         headers BLOB NOT NULL DEFAULT x'',
         alert TEXT
     );
     CREATE INDEX deliveries_received_at ON deliveries(received_at);
     CREATE INDEX deliveries_route ON deliveries(route_token);
     CREATE TABLE routes (
         token TEXT PRIMARY KEY,
         created_at INTEGER NOT NULL,
         connection_id TEXT,
         repository TEXT,
         notification_id TEXT,
         source TEXT,
         event TEXT,
         label TEXT NOT NULL,
         response_status INTEGER NOT NULL,
         response_body TEXT,
         response_delay_ms INTEGER NOT NULL
     );";

/// Schema 1 kept a row per header in a `headers` table; schema 2 keeps them in the delivery's
/// row ([`header_blob`]), which made ingest cheaper. Runs inside the caller's transaction.
fn move_headers_into_deliveries(conn: &Connection) -> Result<()> {
    conn.execute_batch("ALTER TABLE deliveries ADD COLUMN headers BLOB NOT NULL DEFAULT x'';")?;
    let mut read =
        conn.prepare("SELECT delivery_id, name, value FROM headers ORDER BY delivery_id, pos")?;
    let mut write = conn.prepare("UPDATE deliveries SET headers = ?2 WHERE id = ?1")?;
    let mut rows = read.query([])?;
    let mut current: Option<(i64, Vec<Header>)> = None;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let header: Header = (row.get(1)?, row.get(2)?);
        match current.as_mut() {
            Some((at, headers)) if *at == id => headers.push(header),
            _ => {
                if let Some((at, headers)) = current.replace((id, vec![header])) {
                    write.execute(params![at, header_blob::encode(&headers)])?;
                }
            }
        }
    }
    if let Some((at, headers)) = current {
        write.execute(params![at, header_blob::encode(&headers)])?;
    }
    drop(rows);
    drop(read);
    conn.execute_batch("DROP TABLE headers;")?;
    Ok(())
}

/// The SQL and arguments of a [`Query`], limited to ids from `lowest` on when given.
fn list_sql(q: &Query, lowest: Option<i64>) -> (String, Vec<Value>) {
    let mut sql = format!("SELECT {SUMMARY_COLS} FROM deliveries WHERE 1=1");
    let mut args: Vec<Value> = Vec::new();
    if let Some(text) = q.text.as_deref().filter(|t| !t.is_empty()) {
        // LIKE with an escape so `%` and `_` typed by the user match literally.
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        sql.push_str(
            " AND (summary LIKE ?1 ESCAPE '\\' OR path LIKE ?1 ESCAPE '\\' \
             OR query LIKE ?1 ESCAPE '\\' OR repository LIKE ?1 ESCAPE '\\' \
             OR event LIKE ?1 ESCAPE '\\' OR CAST(body AS TEXT) LIKE ?1 ESCAPE '\\')",
        );
        args.push(Value::Text(pattern));
    }
    // `cond` holds `{}` where the parameter goes.
    let mut exact = |cond: &str, v: Value| {
        args.push(v);
        sql.push_str(" AND ");
        sql.push_str(&cond.replace("{}", &format!("?{}", args.len())));
    };
    match q.source {
        // A delivery recognition never ran on counts as unknown.
        Some(Source::Unknown) => exact(
            "coalesce(source, 'unknown') = {}",
            Value::Text(source_name(Source::Unknown).into()),
        ),
        Some(source) => exact("source = {}", Value::Text(source_name(source).into())),
        None => {}
    }
    if let Some(event) = &q.event {
        exact("event = {} COLLATE NOCASE", Value::Text(event.clone()));
    }
    if let Some(repo) = &q.repository {
        exact("repository = {}", Value::Text(repo.clone()));
    }
    if let Some(route) = &q.route {
        exact("route_token = {}", Value::Text(route.clone()));
    }
    if let Some(status) = q.status {
        exact("status = {}", Value::Integer(status.into()));
    }
    if let Some(before) = q.before {
        exact("id < {}", Value::Integer(before));
    }
    if let Some(lowest) = lowest {
        exact("id >= {}", Value::Integer(lowest));
    }
    let limit = q.limit.unwrap_or(100).min(MAX_LIST);
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
    (sql, args)
}

/// Schema 3 stores what a delivery warns about ([`Alert`]) in a column of its own, so toast
/// rules stop reading summaries. Older rows get it where the event alone decides; the few that
/// need their body (a DTR scan's critical count, a scanner update's success) stay without.
fn add_alerts(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "ALTER TABLE deliveries ADD COLUMN alert TEXT;
         UPDATE deliveries SET alert = 'failure' WHERE
             (source = 'quay' AND event IN ('build_failure', 'repo_mirror_sync_failed', 'quota_error'))
             OR (source = 'dtr' AND event = 'SCAN_FAILED');
         UPDATE deliveries SET alert = 'vulnerability'
             WHERE source = 'quay' AND event = 'vulnerability_found';",
    )?;
    Ok(())
}

const SUMMARY_COLS: &str = "id, received_at, method, path, size, route_token, status, source, \
                            event, repository, summary, alert";

fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<DeliverySummary> {
    Ok(DeliverySummary {
        id: r.get(0)?,
        received_at: r.get(1)?,
        method: r.get(2)?,
        path: r.get(3)?,
        size: r.get::<_, i64>(4)? as u64,
        route_token: r.get(5)?,
        status: r.get(6)?,
        source: r.get::<_, Option<String>>(7)?.as_deref().map(parse_source),
        event: r.get(8)?,
        repository: r.get(9)?,
        summary: r.get(10)?,
        alert: r
            .get::<_, Option<String>>(11)?
            .as_deref()
            .and_then(Alert::parse),
    })
}

const ROUTE_COLS: &str = "token, created_at, connection_id, repository, notification_id, source, \
                          event, label, response_status, response_body, response_delay_ms";

fn route_from_row(r: &Row<'_>) -> rusqlite::Result<HookRoute> {
    Ok(HookRoute {
        token: r.get(0)?,
        created_at: r.get(1)?,
        route: NewHookRoute {
            connection_id: r.get(2)?,
            repository: r.get(3)?,
            notification_id: r.get(4)?,
            source: r.get::<_, Option<String>>(5)?.as_deref().map(parse_source),
            event: r.get(6)?,
            label: r.get(7)?,
            response: RouteResponse {
                status: r.get(8)?,
                body: r.get(9)?,
                delay_ms: r.get::<_, i64>(10)?.max(0) as u64,
            },
        },
    })
}

fn source_name(s: Source) -> &'static str {
    match s {
        Source::Quay => "quay",
        Source::Dtr => "dtr",
        Source::Unknown => "unknown",
    }
}

fn parse_source(s: &str) -> Source {
    match s {
        "quay" => Source::Quay,
        "dtr" => Source::Dtr,
        _ => Source::Unknown,
    }
}

/// Group commit: block for one job, take whatever else is queued, and commit them together.
fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Job>) {
    while let Ok(first) = rx.recv() {
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
        answer(batch, results);
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

fn insert_one(conn: &Connection, d: &NewDelivery) -> Result<i64> {
    let rec = d.recognized.as_ref();
    conn.prepare_cached(
        "INSERT INTO deliveries (received_at, method, path, query, remote_addr, body, size, \
         route_token, status, source, event, repository, summary, headers, alert) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        d.received_at,
        d.method,
        d.path,
        d.query,
        d.remote_addr,
        d.body,
        d.size as i64,
        d.route_token,
        d.status,
        rec.map(|r| source_name(r.source)),
        rec.and_then(|r| r.kind.wire_name()),
        rec.and_then(|r| r.repository.as_deref()),
        rec.map(|r| r.summary.as_str()),
        header_blob::encode(&d.headers),
        rec.and_then(|r| r.alert).map(Alert::as_str),
    ])?;
    Ok(conn.last_insert_rowid())
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
