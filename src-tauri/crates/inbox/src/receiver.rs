//! The local HTTP receiver: accepts webhooks on `/hooks/{token}` (any method, any sub-path),
//! stores every delivery before acknowledging it, and publishes each stored delivery to
//! subscribers.
//!
//! Order of work for one request: look up the token, check the declared size, read the body
//! (bounded in size and time), recognise it, commit it to the [`Store`], publish it, wait the
//! route's delay, answer. A 2xx therefore always means "on disk"; when the store fails the sender
//! gets a 503 and retries instead of the delivery being silently lost.
//!
//! Connections are served by hyper's HTTP/1 server directly (not `axum::serve`, which sets no
//! timer) so every limit is bounded in time: request headers must arrive within
//! [`ReceiverConfig::header_timeout`] (which also closes idle keep-alive connections), bodies
//! within [`ReceiverConfig::read_timeout`], route delays are capped at [`MAX_DELAY`]. A request
//! whose head hyper refuses (more than [`MAX_HEADERS`] fields or about 400 KiB of headers: 431;
//! a request target that is too long: 414; a malformed request line or header: 400) is recorded
//! in the store as a rejected delivery too, with the reason.

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;

use crate::recognize::{recognize_on_route, Recognized};
use body::{declared_length, read_body, ReadError};
use gave_up::WaitingSender;

mod body;
mod gave_up;
mod limits;
mod rate;
mod unknown;
use crate::store::{now_ms, DeliverySummary, HookRoute, NewDelivery, RouteResponse, Store};
pub use limits::{raise_open_file_limit, MAX_CONNECTIONS, MAX_PER_SOURCE};
pub use rate::RateLimit;
use unknown::UnknownSenders;

/// Default port; fixed so receiver URLs registered in Quay/DTR stay valid across restarts.
pub const DEFAULT_PORT: u16 = 47_820;
/// Default body limit: 10 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 10 * 1024 * 1024;
/// Default time allowed for reading a body.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Default time allowed for a request's headers to arrive.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// hyper's limit on header fields per request (its default, stated here because the receiver
/// relies on it): a request with more is answered 431 and recorded as rejected.
pub const MAX_HEADERS: usize = 100;
/// How much of a request line outside `/hooks/` is kept to show.
pub const SHOWN_PATH: usize = 200;

/// Per-route response delays are capped here so one route cannot hold connections forever.
pub const MAX_DELAY: Duration = Duration::from_secs(30);
/// Connections the kernel may queue before they are accepted (capped by `net.core.somaxconn`).
/// tokio's default of 1024 made a burst of 2,000 simultaneous senders overflow the queue, and
/// the overflowing ones then waited for TCP retransmission backoff: tens of seconds, sometimes
/// past their own timeouts.
const LISTEN_BACKLOG: u32 = 4096;
/// Bodies up to this size are recognised on the async worker that read them (cheaper than a hop
/// to the blocking pool); larger ones on the blocking pool.
const INLINE_RECOGNITION: usize = 64 * 1024;
/// How many published deliveries a slow subscriber may lag behind before it misses some.
const CHANNEL_CAPACITY: usize = 1024;

/// Receiver settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverConfig {
    /// Where to listen; 127.0.0.1 by default. Port 0 picks a free port.
    pub addr: SocketAddr,
    /// Bodies larger than this are answered 413 without being read further.
    pub body_limit: usize,
    /// The whole body must arrive within this time, else 408 (stops slow-loris senders).
    pub read_timeout: Duration,
    /// The request line and headers must arrive within this time of the connection being ready
    /// for a request, else the connection is closed without an answer (stops senders that
    /// dribble headers). Also how long an idle keep-alive connection stays open.
    pub header_timeout: Duration,
    /// Also store requests to paths outside `/hooks/` (answered 200) instead of answering 404.
    pub catch_all: bool,
    /// The host name of the public base URL, the one name (besides IP addresses and
    /// `localhost`) a `Host` header may carry; see [`host_allowed`].
    pub public_host: Option<String>,
    /// Deliveries are answered 507 while the database's disk has less than this free.
    pub min_free_bytes: u64,
    /// Answer every known route this way instead of with its own response (`wharf headless
    /// --respond`); not saved with the routes.
    pub respond: Option<RouteResponse>,
    /// Connections held at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Connections held at once from one address.
    pub max_per_source: usize,
    /// Requests per second per sender address; over it, 429.
    pub rate_limit: RateLimit,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT)),
            body_limit: DEFAULT_BODY_LIMIT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            catch_all: false,
            public_host: None,
            min_free_bytes: crate::disk::DEFAULT_MIN_FREE,
            respond: None,
            max_connections: MAX_CONNECTIONS,
            max_per_source: MAX_PER_SOURCE,
            rate_limit: RateLimit::default(),
        }
    }
}

/// What outlives one receiver and is handed on when it moves: the broadcast of every stored
/// delivery, and the count of requests refused because a browser sent them.
#[derive(Clone)]
pub struct Outlets {
    deliveries: broadcast::Sender<DeliverySummary>,
    refused_from_browsers: Arc<AtomicU64>,
    unknown_routes: Arc<AtomicU64>,
    refused_low_disk: Arc<AtomicU64>,
    rate_limited: Arc<AtomicU64>,
    outside_hooks: Arc<AtomicU64>,
    /// The method and path of the latest request outside `/hooks/`, in memory only.
    last_outside_hooks: Arc<std::sync::Mutex<Option<String>>>,
}

impl Outlets {
    /// New outlets, with the capacity [`Receiver::start`] uses.
    pub fn new() -> Self {
        Self {
            deliveries: broadcast::channel(CHANNEL_CAPACITY).0,
            refused_from_browsers: Arc::new(AtomicU64::new(0)),
            unknown_routes: Arc::new(AtomicU64::new(0)),
            refused_low_disk: Arc::new(AtomicU64::new(0)),
            rate_limited: Arc::new(AtomicU64::new(0)),
            outside_hooks: Arc::new(AtomicU64::new(0)),
            last_outside_hooks: Arc::default(),
        }
    }

    /// Requests so far to paths outside `/hooks/` (answered 404, never read or stored).
    pub fn outside_hooks(&self) -> u64 {
        self.outside_hooks.load(Ordering::Relaxed)
    }

    /// The method and path of the latest request outside `/hooks/` (a mistyped URL shows up
    /// here), cut to [`SHOWN_PATH`] characters.
    pub fn last_outside_hooks(&self) -> Option<String> {
        crate::store::lock(&self.last_outside_hooks).clone()
    }

    fn count_outside_hooks(&self, method: &str, path: &str) {
        self.outside_hooks.fetch_add(1, Ordering::Relaxed);
        let line: String = format!("{method} {path}")
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .take(SHOWN_PATH)
            .collect();
        *crate::store::lock(&self.last_outside_hooks) = Some(line);
    }

    /// Requests refused so far because their sender went over the rate limit.
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }

    /// Requests refused so far because the disk was almost full.
    pub fn refused_low_disk(&self) -> u64 {
        self.refused_low_disk.load(Ordering::Relaxed)
    }

    /// Requests so far to route tokens this inbox does not have (their bodies are never read).
    pub fn unknown_routes(&self) -> u64 {
        self.unknown_routes.load(Ordering::Relaxed)
    }

    /// Every delivery stored from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<DeliverySummary> {
        self.deliveries.subscribe()
    }

    /// Requests refused so far because a browser sent them (see [`from_a_browser`]) or they
    /// named another host (see [`host_allowed`]).
    pub fn refused_from_browsers(&self) -> u64 {
        self.refused_from_browsers.load(Ordering::Relaxed)
    }
}

impl Default for Outlets {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Clone)]
struct AppState {
    store: Store,
    config: ReceiverConfig,
    events: Outlets,
    unknown: Arc<UnknownSenders>,
    disk: Arc<crate::disk::DiskWatch>,
    rate: Arc<rate::Buckets>,
}

/// A running receiver. Dropping it stops the server too, like [`Receiver::shutdown`] without
/// waiting.
pub struct Receiver {
    local_addr: SocketAddr,
    config: ReceiverConfig,
    store: Store,
    events: Outlets,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Why [`Receiver::reconfigure`] failed, with the receiver that still serves the old
/// configuration when there is one.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ReconfigureError {
    /// Why the new configuration could not be served (typically the address is taken).
    pub error: std::io::Error,
    /// The receiver, still on its old configuration; `None` when it had to stop first.
    pub unchanged: Option<Receiver>,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("local_addr", &self.local_addr)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// Binds `config.addr` and starts serving on the current tokio runtime.
    pub async fn start(config: ReceiverConfig, store: Store) -> std::io::Result<Receiver> {
        Self::start_with_feed(config, store, Outlets::new()).await
    }

    /// Like [`Receiver::start`], publishing to `feed`: subscribers made before the receiver
    /// exists (or while it could not listen) get its deliveries, and its counts add up there.
    pub async fn start_with_feed(
        config: ReceiverConfig,
        store: Store,
        feed: Outlets,
    ) -> std::io::Result<Receiver> {
        let listener = bind(config.addr)?;
        Self::serve_with(listener, config, store, feed)
    }

    fn serve_with(
        listener: TcpListener,
        config: ReceiverConfig,
        store: Store,
        events: Outlets,
    ) -> std::io::Result<Receiver> {
        let local_addr = listener.local_addr()?;
        let state = AppState {
            store: store.clone(),
            config: config.clone(),
            events: events.clone(),
            unknown: Arc::default(),
            disk: Arc::default(),
            rate: Arc::default(),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(accept_loop(listener, state, stopped));
        Ok(Receiver {
            local_addr,
            config,
            store,
            events,
            stop: Some(stop),
            task,
        })
    }

    /// Serves `config` from now on, with the same store and the same subscribers. A new address
    /// is bound before the old listener closes, so a port that is taken leaves the receiver
    /// where it was. On the same address (the same port, even when port 0 was configured) the
    /// old listener has to close first; should the address then be lost to another process,
    /// there is no receiver left (`unchanged` is `None`). Requests in flight on the old
    /// listener finish under the old configuration.
    pub async fn reconfigure(self, config: ReceiverConfig) -> Result<Receiver, ReconfigureError> {
        if config == self.config {
            return Ok(self);
        }
        let store = self.store.clone();
        let events = self.events.clone();
        let listener = if config.addr == self.config.addr {
            // The address actually bound: with port 0 configured, the receiver keeps its port.
            let addr = self.local_addr;
            // Dropping stops accepting at once; connections in flight finish on their own.
            drop(self);
            bind_when_free(addr)
                .await
                .map_err(|error| ReconfigureError {
                    error,
                    unchanged: None,
                })?
        } else {
            match bind(config.addr) {
                Ok(listener) => {
                    drop(self);
                    listener
                }
                Err(error) => {
                    return Err(ReconfigureError {
                        error,
                        unchanged: Some(self),
                    })
                }
            }
        };
        Self::serve_with(listener, config, store, events).map_err(|error| ReconfigureError {
            error,
            unchanged: None,
        })
    }

    /// The configuration this receiver serves.
    pub fn config(&self) -> &ReceiverConfig {
        &self.config
    }

    /// Its outlets: the delivery broadcast and the refusal counts.
    pub fn feed(&self) -> &Outlets {
        &self.events
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A stream of every delivery stored from now on, rejected ones included (see
    /// [`DeliverySummary::status`]).
    pub fn subscribe(&self) -> broadcast::Receiver<DeliverySummary> {
        self.events.subscribe()
    }

    /// Stops accepting connections and waits for requests in flight to finish.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.map_err(std::io::Error::other)?
    }
}

fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // What std's bind does on Unix: a restarted receiver can rebind its fixed port while
    // connections of the previous run sit in TIME_WAIT. (On Windows the flag would let
    // another process take the port, so it is left off there, as std does.)
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Binds `addr` once the listener just told to stop has let go of it (its accept loop drops
/// it as soon as it runs again).
async fn bind_when_free(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let mut attempts = 0;
    loop {
        match bind(addr) {
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && attempts < 100 => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            bound => return bound,
        }
    }
}

/// Accepts connections until `stop` fires (or its sender is dropped), then asks every open
/// connection to finish its request in flight and waits for all of them.
async fn accept_loop(
    listener: TcpListener,
    state: AppState,
    stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    // Connections watch `shutdown` and hold a clone of `open`; `open_tx.closed()` resolves
    // once the last one has finished.
    let (shutdown_tx, shutdown) = watch::channel(false);
    let (open_tx, open) = watch::channel(());
    let mut stop = pin!(stop);
    let connections = Arc::new(limits::Connections::default());
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, remote)) => {
                // Over a cap the socket is closed at once: it costs nothing more, and the
                // sender (a registry retries) can try again.
                let Some(place) = connections.admit(
                    remote.ip(),
                    state.config.max_connections,
                    state.config.max_per_source,
                ) else {
                    drop(stream);
                    continue;
                };
                let conn = serve_connection(stream, remote, state.clone(), shutdown.clone());
                let open = open.clone();
                tokio::spawn(async move {
                    conn.await;
                    drop(place);
                    drop(open);
                });
            }
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                // Typically EMFILE: out of file descriptors. Accepting again at once would spin,
                // so pause briefly (still listening for stop) and let connections close.
                tracing::error!("inbox receiver: accept failed: {e}");
                tokio::select! {
                    _ = &mut stop => break,
                    _ = tokio::time::sleep(Duration::from_millis(100)) => {}
                }
            }
        }
    }
    drop(listener);
    let _ = shutdown_tx.send(true);
    drop(open);
    open_tx.closed().await;
    Ok(())
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Serves one connection until the peer closes it, a timeout cuts it off, or shutdown has let
/// its request in flight finish.
async fn serve_connection(
    stream: TcpStream,
    remote: SocketAddr,
    state: AppState,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let header_timeout = state.config.header_timeout;
    let service_state = state.clone();
    let service = service_fn(move |req: hyper::Request<Incoming>| {
        let state = service_state.clone();
        async move { Ok::<_, Infallible>(handle(state, remote, req.map(Body::new)).await) }
    });
    let mut conn = pin!(http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), service));
    let result = tokio::select! {
        result = conn.as_mut() => result,
        // Changed (shutdown asked) or closed (the accept loop is gone, which only happens after
        // asking): stop taking requests and let the one in flight finish.
        _ = shutdown.changed() => {
            conn.as_mut().graceful_shutdown();
            conn.as_mut().await
        }
    };
    let Err(e) = result else { return };
    if let Some((status, why)) = refused_head(&e) {
        tracing::warn!("inbox receiver: refused a request from {remote}: {why}");
        record_refused_head(&state, remote, status, why).await;
    } else if e.is_timeout() {
        tracing::info!(
            "inbox receiver: closed the connection from {remote}: no complete request headers \
             within {header_timeout:?}"
        );
    } else {
        tracing::debug!("inbox receiver: connection from {remote} ended: {e}");
    }
}

/// The status hyper answered a request head it could not take, and why in words; `None` when
/// it answered nothing (an HTTP/2 preface, a closed connection, a timeout).
fn refused_head(e: &hyper::Error) -> Option<(StatusCode, String)> {
    if e.is_parse_too_large() {
        // hyper says which of its two size limits was hit only in its message.
        return Some(if e.to_string().contains("URI too long") {
            (
                StatusCode::URI_TOO_LONG,
                "the request target (path and query) is too long (414)".into(),
            )
        } else {
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                format!(
                    "more than {MAX_HEADERS} header fields or an oversized header section (431)"
                ),
            )
        });
    }
    if e.is_parse() && !e.is_parse_version_h2() && !e.is_parse_status() {
        return Some((
            StatusCode::BAD_REQUEST,
            format!("not a valid HTTP/1.1 request head: {e} (400)"),
        ));
    }
    None
}

/// hyper answered before the request reached [`handle`], so method, path and headers are
/// unknown; the attempt is still stored (and published) so the user sees that a sender was
/// refused and why.
async fn record_refused_head(
    state: &AppState,
    remote: SocketAddr,
    status: StatusCode,
    why: String,
) {
    let delivery = NewDelivery {
        received_at: now_ms(),
        remote_addr: Some(remote.to_string()),
        status: status.as_u16(),
        recognized: Some(Recognized::unknown(format!(
            "refused before reading: {why}; method and path unknown"
        ))),
        ..NewDelivery::default()
    };
    record_refused(state, delivery).await;
}

/// Stores a request the receiver refused (it has no body) and publishes it. A failure is only
/// logged: the sender has its answer already.
async fn record_refused(state: &AppState, delivery: NewDelivery) {
    let summary = summary_of(&delivery);
    match state.store.insert_async(delivery).await {
        Ok(id) => {
            let _ = state
                .events
                .deliveries
                .send(DeliverySummary { id, ..summary });
        }
        Err(e) => tracing::error!("inbox receiver: recording a refused request failed: {e}"),
    }
}

/// What the path says about the route, before looking it up.
enum Target {
    /// `/hooks/{token}...`
    Hook(String),
    /// Any other path.
    Other,
}

fn target(path: &str) -> Target {
    match path.strip_prefix("/hooks/") {
        Some(rest) => {
            let token = rest.split('/').next().unwrap_or_default();
            if token.is_empty() {
                Target::Other
            } else {
                Target::Hook(token.to_owned())
            }
        }
        None => Target::Other,
    }
}

/// Whether a browser sent the request: registries never send `Origin` or `Sec-Fetch-*`, and a
/// web page the user opens can POST to the receiver (even on 127.0.0.1) without reading the
/// answer, to fill the inbox or raise toasts.
pub fn from_a_browser(headers: &HeaderMap) -> bool {
    headers.contains_key(header::ORIGIN)
        || headers
            .keys()
            .any(|name| name.as_str().starts_with("sec-fetch-"))
}

/// Whether the `Host` header names this receiver: an IP address (registries are given IP-based
/// URLs), `localhost`, or the public base URL's host. Any other name means a web page reached
/// the receiver through DNS rebinding (a domain of the attacker's pointed at this machine).
pub fn host_allowed(headers: &HeaderMap, public_host: Option<&str>) -> bool {
    let Some(host) = headers.get(header::HOST) else {
        return true; // HTTP/1.0 senders may leave it out
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => {
            return v6
                .split(']')
                .next()
                .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
        }
        None => host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        }),
    };
    name.parse::<std::net::IpAddr>().is_ok()
        || name.eq_ignore_ascii_case("localhost")
        || public_host.is_some_and(|p| name.eq_ignore_ascii_case(p))
}

async fn handle(state: AppState, remote: SocketAddr, req: Request) -> Response {
    let received_at = now_ms();
    if from_a_browser(req.headers())
        || !host_allowed(req.headers(), state.config.public_host.as_deref())
    {
        // Refused before any lookup or body read; counted, not stored.
        state
            .events
            .refused_from_browsers
            .fetch_add(1, Ordering::Relaxed);
        return StatusCode::FORBIDDEN.into_response();
    }
    if !state.rate.allow(remote.ip(), &state.config.rate_limit) {
        state.events.rate_limited.fetch_add(1, Ordering::Relaxed);
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")]).into_response();
    }
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_owned();

    let (route_token, route) = match target(&path) {
        Target::Hook(token) => {
            let route = state.store.route(&token);
            (Some(token), route)
        }
        Target::Other if state.config.catch_all => (None, None),
        Target::Other => {
            // Counted so a mistyped URL leaves a trace, but never read or stored: anyone who
            // can reach the receiver can send these.
            state
                .events
                .count_outside_hooks(parts.method.as_str(), &path);
            return StatusCode::NOT_FOUND.into_response();
        }
    };
    if state.disk.is_low(&state.store, state.config.min_free_bytes) {
        state
            .events
            .refused_low_disk
            .fetch_add(1, Ordering::Relaxed);
        return (
            StatusCode::INSUFFICIENT_STORAGE,
            [(header::RETRY_AFTER, "60")],
            "the receiver's disk is almost full; retry later",
        )
            .into_response();
    }
    if route_token.is_some() && route.is_none() {
        return unknown_route(&state, remote, received_at, &parts, route_token).await;
    }

    let mut delivery = NewDelivery {
        received_at,
        method: parts.method.to_string(),
        path,
        query: parts.uri.query().map(str::to_owned),
        headers: raw_headers(&parts.headers),
        remote_addr: Some(remote.to_string()),
        route_token: route_token.clone(),
        ..NewDelivery::default()
    };

    let response = route
        .as_ref()
        .map(|r| state.config.respond.as_ref().unwrap_or(&r.route.response));
    let (status, reply_body, delay) = match response {
        Some(answer) => (
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK),
            answer.body.clone(),
            Duration::from_millis(answer.delay_ms).min(MAX_DELAY),
        ),
        None => (StatusCode::OK, None, Duration::ZERO),
    };

    let limit = state.config.body_limit;
    let declared = declared_length(&parts.headers);
    let read = match declared {
        // Refuse before reading a byte when the sender already says it is too large.
        Some(n) if n > limit as u64 => Err(ReadError::TooLarge(n)),
        _ => tokio::time::timeout(state.config.read_timeout, read_body(body, limit, declared))
            .await
            .unwrap_or(Err(ReadError::Timeout)),
    };
    let status = match read {
        Ok(bytes) => {
            delivery.size = bytes.len() as u64;
            delivery.body = bytes;
            status
        }
        Err(ReadError::TooLarge(seen)) => {
            delivery.size = declared.unwrap_or(seen).max(seen);
            StatusCode::PAYLOAD_TOO_LARGE
        }
        // Nothing useful to keep: the client is gone or too slow; it will not see a reply.
        Err(ReadError::Timeout) => return StatusCode::REQUEST_TIMEOUT.into_response(),
        Err(ReadError::Broken) => return StatusCode::BAD_REQUEST.into_response(),
    };
    delivery.status = status.as_u16();
    delivery.forward = crate::forward::forwardable(route_token.as_deref(), status.as_u16())
        && route.is_some()
        && route_token
            .as_deref()
            .is_some_and(|t| state.store.forwards(t));
    let hint = route.as_ref().map(HookRoute::hint);
    let repository = route.as_ref().and_then(|r| r.route.repository.clone());
    if delivery.body.len() <= INLINE_RECOGNITION {
        delivery.recognized = Some(recognize_on_route(
            hint.as_ref(),
            repository.as_deref(),
            &delivery.headers,
            &delivery.body,
        ));
    } else {
        // Parsing a large body takes milliseconds of CPU: off the async workers, so two large
        // requests cannot stall every other connection on a 2-core machine.
        let (headers, body) = (
            std::mem::take(&mut delivery.headers),
            std::mem::take(&mut delivery.body),
        );
        let (headers, body, recognized) = tokio::task::spawn_blocking(move || {
            let recognized =
                recognize_on_route(hint.as_ref(), repository.as_deref(), &headers, &body);
            (headers, body, recognized)
        })
        .await
        .expect("recognition does not panic");
        (delivery.headers, delivery.body, delivery.recognized) = (headers, body, Some(recognized));
    }

    let summary = summary_of(&delivery);
    if let Some(recognized) = delivery.recognized.as_mut() {
        // Not stored; freed here rather than on the store's writer thread.
        recognized.tags = Vec::new();
    }
    let id = match state.store.insert_async(delivery).await {
        Ok(id) => id,
        Err(e) => {
            tracing::error!("inbox receiver: storing a delivery failed: {e}");
            return unavailable();
        }
    };
    // No subscribers is normal (UI closed), so a send error is ignored.
    let _ = state
        .events
        .deliveries
        .send(DeliverySummary { id, ..summary });

    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return status.into_response();
    }
    if !delay.is_zero() {
        let waiting = WaitingSender::new(state.store.clone(), id, status.as_u16());
        tokio::time::sleep(delay).await;
        waiting.answered();
    }
    match reply_body {
        Some(text) => (status, text).into_response(),
        None => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            format!("{{\"id\":{id}}}"),
        )
            .into_response(),
    }
}

/// A request to a token this inbox does not have: answered 404 without reading its body; the
/// first per sender per minute is recorded without body, the rest only counted.
async fn unknown_route(
    state: &AppState,
    remote: SocketAddr,
    received_at: i64,
    parts: &axum::http::request::Parts,
    route_token: Option<String>,
) -> Response {
    state.events.unknown_routes.fetch_add(1, Ordering::Relaxed);
    if !state.unknown.record(remote.ip(), received_at) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let declared = declared_length(&parts.headers);
    let summary = match declared {
        Some(n) => format!("unknown route: body not read ({n} bytes declared); more from this sender within a minute are only counted"),
        None => "unknown route: body not read; more from this sender within a minute are only counted".to_owned(),
    };
    let delivery = NewDelivery {
        received_at,
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: raw_headers(&parts.headers),
        remote_addr: Some(remote.to_string()),
        route_token,
        size: declared.unwrap_or(0),
        status: StatusCode::NOT_FOUND.as_u16(),
        recognized: Some(Recognized::unknown(summary)),
        ..NewDelivery::default()
    };
    record_refused(state, delivery).await;
    StatusCode::NOT_FOUND.into_response()
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "store unavailable",
    )
        .into_response()
}

/// `HeaderMap::iter` yields repeated headers once per value, in arrival order per name.
fn raw_headers(headers: &HeaderMap) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect()
}

fn summary_of(d: &NewDelivery) -> DeliverySummary {
    let rec = d.recognized.as_ref();
    DeliverySummary {
        id: 0,
        received_at: d.received_at,
        method: d.method.clone(),
        path: d.path.clone(),
        size: d.size,
        route_token: d.route_token.clone(),
        status: d.status,
        source: rec.map(|r| r.source),
        event: rec.and_then(|r| r.kind.wire_name().map(str::to_owned)),
        repository: rec.and_then(|r| r.repository.clone()),
        summary: rec.map(|r| r.summary.clone()),
        alert: rec.and_then(|r| r.alert),
        forward: d.forward.then_some(crate::forward::ForwardState::QUEUED),
    }
}
