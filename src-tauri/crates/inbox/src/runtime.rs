//! The inbox as an application runs it: the store, the receiver, the pruner, the toasts and the
//! feed of stored deliveries, started together and reconfigured together. The desktop app and
//! `wharf headless` both run this one type.
//!
//! Nothing here blocks an async thread on SQLite: every database call runs on tokio's blocking
//! pool (or the store's own threads), and the receiver routes requests from memory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use tokio::sync::{broadcast, watch};
use ts_rs::TS;

use crate::export::{self, DeliveryDetail, ExportFormat};
use crate::forward::{
    spawn_forwarder, ForwardAttempt, ForwardInput, ForwardSettings, ForwardTiming, Forwarder,
};
use crate::receiver::{Outlets, Receiver, ReceiverConfig, ReconfigureError};
use crate::replay::{replay, ReplayError, ReplayOutcome};
use crate::retention::{self, spawn_pruner, PruneReport, Pruner, RetentionPolicy};
use crate::route_list::RouteForward;
use crate::route_list::{RouteListing, RouteUrls, SampleRequest, SampleSent, MAX_LABEL};
use crate::route_url::MintedRoute;
use crate::store::{
    lock, DeliveryForward, DeliverySummary, HookRoute, NewHookRoute, Query, Requeued,
    RouteResponse, Store, StoreError,
};
use crate::toast::Toaster;
use crate::toast_policy::{spawn_toaster, ToastRules, DEFAULT_WINDOW};

/// The database file inside a data folder.
pub const DATABASE_FILE: &str = "inbox.sqlite3";

/// What the inbox runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxConfig {
    /// Where and how the receiver listens, or why the configuration names no address.
    pub receiver: Result<ReceiverConfig, String>,
    /// Base of route URLs when a tunnel or proxy fronts the receiver; else the listening
    /// address is used.
    pub public_base_url: Option<String>,
    /// What the background pruner keeps.
    pub retention: RetentionPolicy,
    /// Which deliveries raise a desktop notification.
    pub toast_rules: ToastRules,
    /// How long forwarding attempts may take and how far apart retries are.
    pub forward_timing: ForwardTiming,
}

impl Default for InboxConfig {
    fn default() -> Self {
        Self {
            receiver: Ok(ReceiverConfig::default()),
            public_base_url: None,
            retention: RetentionPolicy::default(),
            toast_rules: ToastRules::default(),
            forward_timing: ForwardTiming::default(),
        }
    }
}

/// Whether the receiver is listening, and where, or why not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ReceiverStatus {
    /// `http://address:port` when listening.
    pub base_url: Option<String>,
    /// Why it is not listening (port taken, database unreadable...).
    pub error: Option<String>,
    /// The notification daemon's first error, if toasts failed (shown once; the inbox goes on).
    pub toast_error: Option<String>,
    /// Requests refused because a browser sent them or they named another host (a web page
    /// posting to the receiver, directly or through DNS rebinding).
    #[ts(type = "number")]
    pub refused_from_browsers: u64,
    /// Requests to route tokens this inbox does not have (bodies never read; one per sender per
    /// minute is listed).
    #[ts(type = "number")]
    pub unknown_route_requests: u64,
    /// Deliveries refused (507, retry later) because the disk was almost full.
    #[ts(type = "number")]
    pub refused_low_disk: u64,
    /// Requests refused (429) because their sender went over the per-address rate limit.
    #[ts(type = "number")]
    pub rate_limited: u64,
    /// Requests to paths outside `/hooks/`, answered 404 without being read or stored (a
    /// mistyped receiver URL).
    #[ts(type = "number")]
    pub outside_hooks: u64,
    /// The method and path of the latest of those, kept in memory only.
    pub last_outside_hooks: Option<String>,
}

/// What an inbox operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// The store could not be opened or the receiver is not running; says why.
    #[error("{0}")]
    Unavailable(String),
    /// No delivery with that id (pruned or cleared).
    #[error("That delivery was pruned or cleared.")]
    NotFound,
    /// No route with that token (deleted in another window or by `wharf route`).
    #[error("That route no longer exists.")]
    NoSuchRoute,
    /// A value the inbox cannot use; says which and why.
    #[error("{0}")]
    Invalid(String),
    /// A field of a form the inbox cannot use: the field's name in the command's arguments,
    /// and why.
    #[error("{message}")]
    InvalidField {
        /// The field (`forwardUrl`, `forwardHeaderName.0`...).
        field: String,
        /// Why.
        message: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A replay got no answer.
    #[error(transparent)]
    Replay(#[from] ReplayError),
    /// Writing an export file failed.
    #[error("Could not write {path}: {error}")]
    Io {
        /// The file.
        path: String,
        /// What the system said.
        error: String,
    },
}

/// A running inbox. Dropping it stops the receiver and the pruner.
pub struct Inbox {
    /// Every stored delivery, whichever receiver stored it: it outlives a receiver moved to a
    /// new address, so subscribers keep their subscriptions.
    feed: Outlets,
    public_base: Mutex<Option<String>>,
    status: Mutex<ReceiverStatus>,
    /// Why the receiver is not where the configuration says, after an [`Inbox::apply`] that
    /// could not move it.
    move_error: Mutex<Option<String>>,
    /// The parts that exist once the store is open, or why it could not be opened.
    running: Result<Running, String>,
}

struct Running {
    store: Store,
    /// Replaced when a new configuration moves it. An async lock: moving waits for the new
    /// listener.
    receiver: tokio::sync::Mutex<Option<Receiver>>,
    rules: watch::Sender<ToastRules>,
    retention: watch::Sender<RetentionPolicy>,
    pruner: Mutex<Option<Pruner>>,
    toast_error: Arc<Mutex<Option<String>>>,
    forwarder: Mutex<Option<Forwarder>>,
}

impl Inbox {
    /// Opens the store at `database` and starts the pruner, the toasts (when a `toaster` is
    /// given) and the receiver on the current tokio runtime. Failures are kept in the status
    /// rather than returned: an app shows them and goes on.
    pub async fn start(
        database: &Path,
        config: InboxConfig,
        toaster: Option<Arc<dyn Toaster>>,
    ) -> Inbox {
        // Every held connection is a descriptor: let the connection caps decide, not the
        // default soft limit of 1,024.
        if let Some(limit) = crate::receiver::raise_open_file_limit() {
            tracing::debug!(limit, "open file limit");
        }
        let feed = Outlets::new();
        let opened = {
            let path = database.to_owned();
            tokio::task::spawn_blocking(move || {
                if let Some(dir) = path.parent() {
                    crate::private::folder(dir)?;
                }
                Store::open(path)
            })
            .await
            .unwrap_or_else(|e| Err(StoreError::Commit(format!("opening panicked: {e}"))))
        };
        let store = match opened {
            Ok(store) => store,
            Err(e) => {
                let why = format!("cannot open {}: {e}", database.display());
                return Inbox {
                    feed,
                    public_base: Mutex::new(config.public_base_url),
                    status: Mutex::new(not_listening(why.clone())),
                    move_error: Mutex::new(None),
                    running: Err(why),
                };
            }
        };
        let (retention, policy) = watch::channel(config.retention);
        let pruner = spawn_pruner(store.clone(), policy, retention::DEFAULT_INTERVAL);
        let forwarder = spawn_forwarder(store.clone(), config.forward_timing);
        let (rules, rules_rx) = watch::channel(config.toast_rules);
        let toast_error = Arc::new(Mutex::new(None));
        if let Some(toaster) = toaster {
            let sink = toast_error.clone();
            spawn_toaster(
                feed.subscribe(),
                toaster,
                rules_rx,
                DEFAULT_WINDOW,
                move |e| *lock(&sink) = Some(e.to_string()),
            );
        }
        let (receiver, status) = match config.receiver {
            Ok(receiver_config) => {
                let addr = receiver_config.addr;
                match Receiver::start_with_feed(receiver_config, store.clone(), feed.clone()).await
                {
                    Ok(receiver) => {
                        let status = listening(&receiver);
                        (Some(receiver), status)
                    }
                    Err(e) => (None, not_listening(format!("cannot listen on {addr}: {e}"))),
                }
            }
            Err(why) => (None, not_listening(why)),
        };
        Inbox {
            feed,
            public_base: Mutex::new(config.public_base_url),
            status: Mutex::new(status),
            move_error: Mutex::new(None),
            running: Ok(Running {
                store,
                receiver: tokio::sync::Mutex::new(receiver),
                rules,
                retention,
                pruner: Mutex::new(Some(pruner)),
                toast_error,
                forwarder: Mutex::new(Some(forwarder)),
            }),
        }
    }

    /// Runs with `config` from now on: toast rules, retention and the public base URL at once;
    /// the receiver moves to a new address, port or body limit. A new address is bound before
    /// the old one closes, so if it is taken the receiver keeps listening where it was and
    /// [`Inbox::move_error`] says why.
    pub async fn apply(&self, config: InboxConfig) {
        *lock(&self.public_base) = config.public_base_url;
        let Ok(running) = &self.running else { return };
        running.rules.send_replace(config.toast_rules);
        running.retention.send_replace(config.retention);
        let receiver_config = match config.receiver {
            Ok(receiver_config) => receiver_config,
            Err(why) => return *lock(&self.move_error) = Some(why),
        };
        let addr = receiver_config.addr;
        let mut slot = running.receiver.lock().await;
        let moved = match slot.take() {
            Some(receiver) => receiver.reconfigure(receiver_config).await,
            None => {
                Receiver::start_with_feed(receiver_config, running.store.clone(), self.feed.clone())
                    .await
                    .map_err(|error| ReconfigureError {
                        error,
                        unchanged: None,
                    })
            }
        };
        let (receiver, problem) = match moved {
            Ok(receiver) => (Some(receiver), None),
            Err(ReconfigureError { error, unchanged }) => {
                let why = format!("cannot listen on {addr}: {error}");
                tracing::error!(%why, "inbox receiver not moved");
                (unchanged, Some(why))
            }
        };
        let status = match (&receiver, &problem) {
            (Some(receiver), _) => listening(receiver),
            (None, why) => not_listening(why.clone().unwrap_or_default()),
        };
        *lock(&self.status) = status;
        *slot = receiver;
        *lock(&self.move_error) = problem;
    }

    /// The receiver's state, with the toast error if one happened.
    pub fn status(&self) -> ReceiverStatus {
        let toast_error = match &self.running {
            Ok(running) => lock(&running.toast_error).clone(),
            Err(_) => None,
        };
        ReceiverStatus {
            toast_error,
            refused_from_browsers: self.feed.refused_from_browsers(),
            unknown_route_requests: self.feed.unknown_routes(),
            refused_low_disk: self.feed.refused_low_disk(),
            rate_limited: self.feed.rate_limited(),
            outside_hooks: self.feed.outside_hooks(),
            last_outside_hooks: self.feed.last_outside_hooks(),
            ..lock(&self.status).clone()
        }
    }

    /// Why the receiver is not where the configuration says, if the last [`Inbox::apply`]
    /// could not move it.
    pub fn move_error(&self) -> Option<String> {
        lock(&self.move_error).clone()
    }

    /// The base URL a registry should deliver to: the configured public base URL (a tunnel or
    /// proxy in front of the receiver) or the address the receiver listens on.
    pub fn public_base_url(&self) -> Option<String> {
        lock(&self.public_base)
            .clone()
            .or_else(|| lock(&self.status).base_url.clone())
    }

    /// Every delivery stored from now on, by this receiver or the one it is moved to.
    pub fn subscribe(&self) -> broadcast::Receiver<DeliverySummary> {
        self.feed.subscribe()
    }

    /// The pruner's progress, when the store is open.
    pub fn prune_reports(&self) -> Option<watch::Receiver<PruneReport>> {
        let running = self.running.as_ref().ok()?;
        let pruner = lock(&running.pruner);
        pruner.as_ref().map(Pruner::reports)
    }

    /// The open store, or why there is none.
    pub fn store(&self) -> Result<&Store, InboxError> {
        self.running
            .as_ref()
            .map(|running| &running.store)
            .map_err(|why| InboxError::Unavailable(why.clone()))
    }

    /// Runs `work` with the store on tokio's blocking pool.
    async fn with_store<T, F>(&self, work: F) -> Result<T, InboxError>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T, InboxError> + Send + 'static,
    {
        let store = self.store()?.clone();
        tokio::task::spawn_blocking(move || work(&store))
            .await
            .unwrap_or_else(|e| {
                Err(InboxError::Store(StoreError::Commit(format!(
                    "the database task panicked: {e}"
                ))))
            })
    }

    /// The deliveries matching `query`, newest first, as a person searches: a newer search
    /// stops this one ([`StoreError::Superseded`]).
    pub async fn search(&self, query: Query) -> Result<Vec<DeliverySummary>, InboxError> {
        self.with_store(move |store| Ok(store.search(&query)?))
            .await
    }

    /// Everything stored for delivery `id`, with a `curl` command aimed at the public base URL.
    pub async fn detail(&self, id: i64) -> Result<DeliveryDetail, InboxError> {
        let base = self.public_base_url().unwrap_or_default();
        self.with_store(move |store| {
            let delivery = store.get(id)?.ok_or(InboxError::NotFound)?;
            // A deleted route's delivery, or one to a token this inbox never had (whose body
            // was not even read), has no route to be forwarded through.
            let route = delivery.summary.route_token.as_deref();
            let routed = route.is_some_and(|token| store.route(token).is_some());
            let mut detail = export::detail(delivery, &base);
            detail.forwardable &= routed;
            Ok(detail)
        })
        .await
    }

    /// How many deliveries match `query`'s filters (what an export of it would write), for the
    /// Inbox's label: a newer count or a search for other filters stops it
    /// ([`crate::store::Store::count_search`]).
    pub async fn count(&self, query: Query) -> Result<u64, InboxError> {
        self.with_store(move |store| Ok(store.count_search(&query)?))
            .await
    }

    /// Writes every delivery matching `query` (oldest first) to `file`, replacing it, and
    /// returns how many were written. Credentials in headers and queries are redacted. The
    /// content goes to a hidden file beside it first, so a failed export leaves no half file,
    /// and deliveries are read and written one at a time, so memory does not grow with them.
    pub async fn export_file(
        &self,
        file: PathBuf,
        query: Query,
        format: ExportFormat,
    ) -> Result<u64, InboxError> {
        let base = self.public_base_url().unwrap_or_default();
        self.with_store(move |store| {
            let io_error = |e: std::io::Error| InboxError::Io {
                path: file.display().to_string(),
                error: e.to_string(),
            };
            let name = file
                .file_name()
                .ok_or_else(|| io_error(std::io::ErrorKind::InvalidInput.into()))?;
            let mut partial = std::ffi::OsString::from(".");
            partial.push(name);
            partial.push(".partial");
            let partial = file.with_file_name(partial);
            let written =
                write_export(store, &query, format, &base, &partial).and_then(|written| {
                    std::fs::rename(&partial, &file).map_err(ExportFailure::Io)?;
                    Ok(written)
                });
            written.map_err(|failure| {
                let _ = std::fs::remove_file(&partial);
                match failure {
                    ExportFailure::Io(e) => io_error(e),
                    ExportFailure::Store(e) => InboxError::Store(e),
                }
            })
        })
        .await
    }

    /// Sends stored delivery `id` again to `url`.
    pub async fn replay(
        &self,
        id: i64,
        url: String,
        keep_credentials: bool,
    ) -> Result<ReplayOutcome, InboxError> {
        let delivery = self
            .with_store(move |store| store.get(id)?.ok_or(InboxError::NotFound))
            .await?;
        Ok(replay(&delivery, &url, keep_credentials).await?)
    }

    /// Deletes every stored delivery (routes stay); returns how many were removed.
    pub async fn clear(&self) -> Result<u64, InboxError> {
        self.with_store(|store| Ok(store.clear()?)).await
    }

    /// Creates a route and the URL to give the registry, with a warning when the registry
    /// may refuse or fail to reach it.
    pub async fn mint_route(&self, route: NewHookRoute) -> Result<MintedRoute, InboxError> {
        let base = self.public_base_url().ok_or_else(|| self.not_running())?;
        let stored = self
            .with_store(move |store| Ok(store.create_route(&route)?))
            .await?;
        Ok(MintedRoute::new(stored, &base))
    }

    /// Sets how a route answers (status, body, delay), checked first; the route as it is now.
    pub async fn set_route_response(
        &self,
        token: String,
        response: RouteResponse,
    ) -> Result<HookRoute, InboxError> {
        if let Some(problem) = response.problem() {
            return Err(InboxError::Invalid(problem));
        }
        self.with_store(move |store| {
            store
                .set_route_response(&token, &response)?
                .ok_or(InboxError::NoSuchRoute)
        })
        .await
    }

    /// What each URL is to this inbox: a current route, one at an old address, an unknown
    /// route, or not a route.
    pub fn check_routes(
        &self,
        urls: &[String],
    ) -> Result<Vec<crate::route_url::RouteCheck>, InboxError> {
        let store = self.store()?;
        let mut current: Vec<String> = self.public_base_url().into_iter().collect();
        current.extend(lock(&self.status).base_url.clone());
        Ok(urls
            .iter()
            .map(|url| crate::route_url::check(url, |t| store.route(t).map(|r| r.route), &current))
            .collect())
    }

    /// Every route, oldest first.
    pub fn routes(&self) -> Result<Vec<HookRoute>, InboxError> {
        Ok(self.store()?.list_routes())
    }

    /// Every route, oldest first, with its URLs and what came through it.
    pub async fn route_list(&self) -> Result<Vec<RouteListing>, InboxError> {
        let bound = self.bound_addr().await;
        let public = lock(&self.public_base).clone();
        let lan = match bound {
            Some(addr) if addr.ip().is_unspecified() => crate::settings::lan_address(),
            _ => None,
        };
        self.with_store(move |store| {
            store
                .list_routes()
                .into_iter()
                .map(|route| {
                    Ok(RouteListing {
                        urls: RouteUrls::new(&route.token, bound, public.as_deref(), lan),
                        activity: store.route_activity(&route.token)?,
                        forward: forward_listing(store, &route.token)?,
                        route,
                    })
                })
                .collect()
        })
        .await
    }

    fn not_running(&self) -> InboxError {
        InboxError::Unavailable(format!(
            "The receiver is not running: {}",
            lock(&self.status)
                .error
                .clone()
                .unwrap_or_else(|| "no address to listen on".into())
        ))
    }

    /// Where the receiver listens now, if it does.
    async fn bound_addr(&self) -> Option<std::net::SocketAddr> {
        let running = self.running.as_ref().ok()?;
        let receiver = running.receiver.lock().await;
        receiver.as_ref().map(Receiver::local_addr)
    }

    /// Renames a route (trimmed; at most [`MAX_LABEL`] characters); the route as it is now.
    pub async fn set_route_label(
        &self,
        token: String,
        label: String,
    ) -> Result<HookRoute, InboxError> {
        let label = label.trim().to_owned();
        if label.chars().count() > MAX_LABEL {
            return Err(InboxError::Invalid(format!(
                "A route's name can be at most {MAX_LABEL} characters."
            )));
        }
        self.with_store(move |store| {
            store
                .set_route_label(&token, &label)?
                .ok_or(InboxError::NoSuchRoute)
        })
        .await
    }

    /// Deletes a route: its URL answers 404 from now on; its deliveries stay.
    pub async fn delete_route(&self, token: String) -> Result<(), InboxError> {
        self.with_store(move |store| match store.delete_route(&token)? {
            true => Ok(()),
            false => Err(InboxError::NoSuchRoute),
        })
        .await
    }

    /// Sends a registry's sample to route `token` through the receiver itself, with the
    /// registry's headers: it is stored, recognised and toasted like a real delivery.
    pub async fn send_sample(
        &self,
        token: String,
        request: SampleRequest,
    ) -> Result<SampleSent, InboxError> {
        let store = self.store()?;
        if store.route(&token).is_none() {
            return Err(InboxError::NoSuchRoute);
        }
        let sample = crate::samples::sample(request.source, &request.event, request.variant)
            .map_err(|e| InboxError::Invalid(e.to_string()))?;
        let url = RouteUrls::new(&token, self.bound_addr().await, None, None)
            .local
            .ok_or_else(|| self.not_running())?;
        let answer = crate::samples::send(&sample, &url).await?;
        Ok(SampleSent::from_answer(answer))
    }

    /// Saves how route `token` forwards (`None` turns forwarding off), checked first; header
    /// values the input leaves `null` keep their saved values (see [`ForwardInput::settings`]). The route's forwarding as it
    /// is now.
    pub async fn set_route_forward(
        &self,
        token: String,
        input: Option<ForwardInput>,
    ) -> Result<Option<RouteForward>, InboxError> {
        self.with_store(move |store| {
            let saved = store.route_forward(&token);
            let settings = input
                .map(|input| input.settings(saved.as_ref()))
                .transpose()
                .map_err(|problem| InboxError::InvalidField {
                    field: problem.field.name(),
                    message: problem.message,
                })?;
            if let Some(problem) = settings
                .as_ref()
                .and_then(|s| s.problems().into_iter().next())
            {
                return Err(InboxError::InvalidField {
                    field: problem.field.name(),
                    message: problem.message,
                });
            }
            if !store.set_route_forward(&token, settings.as_ref())? {
                return Err(InboxError::NoSuchRoute);
            }
            forward_listing(store, &token)
        })
        .await
    }

    /// Forwards the route named `route` (its token, or its name) to `url` while this inbox
    /// runs, without saving it (`wharf headless --forward ROUTE=URL`). The route it found.
    pub fn forward_for_this_run(&self, route: &str, url: &str) -> Result<HookRoute, InboxError> {
        let store = self.store()?;
        let routes = store.list_routes();
        let found = routes
            .iter()
            .find(|r| r.token == route)
            .or_else(|| routes.iter().find(|r| r.route.label == route))
            .ok_or_else(|| {
                InboxError::Invalid(format!(
                    "No route is named {route:?} (give its name or token)."
                ))
            })?;
        let settings = ForwardSettings::to(url.trim());
        if let Some(problem) = settings.problems().into_iter().next() {
            return Err(InboxError::Invalid(problem.message));
        }
        store.forward_for_run(&found.token, settings);
        Ok(found.clone())
    }

    /// Where the forwarding of each of `ids` stands, for list rows still queued or retrying.
    pub async fn forward_states(&self, ids: Vec<i64>) -> Result<Vec<DeliveryForward>, InboxError> {
        self.with_store(move |store| Ok(store.forward_states(&ids)?))
            .await
    }

    /// Every attempt to forward delivery `id`, oldest first.
    pub async fn forward_attempts(&self, id: i64) -> Result<Vec<ForwardAttempt>, InboxError> {
        self.with_store(move |store| Ok(store.forward_attempts(id)?))
            .await
    }

    /// Queues delivery `id` to be forwarded again (its new attempts follow its earlier ones).
    /// False when it was waiting in its queue already: it is sent once, when its turn comes.
    pub async fn forward_again(&self, id: i64) -> Result<bool, InboxError> {
        self.with_store(move |store| match store.forward_again(id)? {
            Requeued::Queued => Ok(true),
            Requeued::AlreadyQueued => Ok(false),
            Requeued::Missing => Err(InboxError::NotFound),
            Requeued::NotForwarding => Err(InboxError::Invalid(
                "This delivery's route does not forward: set a target on the Routes screen first."
                    .into(),
            )),
            Requeued::NotWhole => Err(InboxError::Invalid(
                "This delivery's body was refused as too large and not kept: there is nothing to \
                 forward."
                    .into(),
            )),
        })
        .await
    }

    /// Queues again every delivery matching `query`'s filters whose route forwards; how many.
    pub async fn forward_again_matching(&self, query: Query) -> Result<u64, InboxError> {
        self.with_store(move |store| Ok(store.forward_again_matching(&query)?))
            .await
    }

    /// Stops the receiver (letting requests in flight finish) and the pruner.
    pub async fn shutdown(self) {
        let Ok(running) = self.running else { return };
        if let Some(receiver) = running.receiver.lock().await.take() {
            if let Err(e) = receiver.shutdown().await {
                tracing::warn!("inbox receiver: shutdown: {e}");
            }
        }
        let pruner = lock(&running.pruner).take();
        if let Some(pruner) = pruner {
            pruner.stop().await;
        }
        let forwarder = lock(&running.forwarder).take();
        if let Some(forwarder) = forwarder {
            forwarder.stop().await;
        }
    }
}

/// Route `token`'s forwarding as the Routes screen shows it, `None` when it does not forward
/// and has nothing queued.
fn forward_listing(store: &Store, token: &str) -> Result<Option<RouteForward>, InboxError> {
    let settings = store.route_forward(token);
    let queue = store.forward_queue_info(token)?;
    if settings.is_none() && queue.queued == 0 && queue.last.is_none() {
        return Ok(None);
    }
    Ok(Some(RouteForward {
        settings: settings.map(|s| s.view(store.route_forward_is_run_only(token))),
        queue,
    }))
}

fn listening(receiver: &Receiver) -> ReceiverStatus {
    ReceiverStatus {
        base_url: Some(format!("http://{}", receiver.local_addr())),
        ..ReceiverStatus::default()
    }
}

fn not_listening(error: String) -> ReceiverStatus {
    tracing::error!(%error, "inbox receiver not running");
    ReceiverStatus {
        error: Some(error),
        ..ReceiverStatus::default()
    }
}

/// Why an export stopped: the file, or the store it reads.
enum ExportFailure {
    Io(std::io::Error),
    Store(StoreError),
}

/// Streams the deliveries matching `query` into a new owner-only file at `path`.
fn write_export(
    store: &Store,
    query: &Query,
    format: ExportFormat,
    base_url: &str,
    path: &std::path::Path,
) -> Result<u64, ExportFailure> {
    let ids = export::matching_ids(store, query).map_err(ExportFailure::Store)?;
    let file = crate::private::create(path).map_err(ExportFailure::Io)?;
    let out = std::io::BufWriter::with_capacity(256 * 1024, file);
    let mut writer = export::ExportWriter::new(out, format, base_url).map_err(ExportFailure::Io)?;
    for id in ids {
        // A delivery pruned after the ids were read is simply not exported.
        if let Some(delivery) = store.get(id).map_err(ExportFailure::Store)? {
            writer.push(&delivery).map_err(ExportFailure::Io)?;
        }
    }
    let (out, written) = writer.finish().map_err(ExportFailure::Io)?;
    out.into_inner()
        .map_err(|e| ExportFailure::Io(e.into_error()))?
        .sync_all()
        .map_err(ExportFailure::Io)?;
    Ok(written)
}
