//! The inbox as the app runs it: the store, the receiver, and the UI subscriber it feeds.

use std::path::Path;
use std::sync::{Arc, Mutex};

use inbox::receiver::{Receiver, ReceiverConfig, ReconfigureError};
use inbox::retention::{self, spawn_pruner, Pruner, RetentionPolicy};
use inbox::store::{DeliverySummary, Store};
use inbox::toast::{DesktopToaster, Toaster};
use inbox::toast_policy::{spawn_toaster, ToastRules, DEFAULT_WINDOW};
use serde::Serialize;
use tauri::ipc::Channel;
use tokio::sync::broadcast;
use ts_rs::TS;

use crate::settings::Settings;
use crate::state::database_path;

/// Whether the receiver is listening, and where, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct ReceiverStatus {
    /// `http://address:port` when listening.
    pub base_url: Option<String>,
    /// Why it is not listening (port taken, database unreadable...).
    pub error: Option<String>,
    /// The notification daemon's first error, if toasts failed (shown once; the inbox goes on).
    pub toast_error: Option<String>,
}

/// Managed state: the open store, the running receiver and the current UI subscriber.
pub struct InboxState {
    pub store: Option<Store>,
    /// Where the receiver listens, or why it does not.
    status: Mutex<ReceiverStatus>,
    /// Why the saved receiver settings are not the ones in force, after a save that could not
    /// move the receiver (the address was taken).
    move_error: Mutex<Option<String>>,
    toast_error: Arc<Mutex<Option<String>>>,
    /// Toast rules in force; Settings sends new ones here.
    rules: Option<tokio::sync::watch::Sender<ToastRules>>,
    /// The configured public base URL, if any (else the listening address is used).
    public_base: Mutex<Option<String>>,
    /// Retention in force; Settings sends new limits here.
    retention: Option<tokio::sync::watch::Sender<RetentionPolicy>>,
    /// Prunes the store in the background for as long as the app runs.
    _pruner: Option<Pruner>,
    /// Every stored delivery, whichever receiver stored it: it outlives a receiver moved to a
    /// new address, so the UI feed and the toasts keep their subscriptions.
    feed: broadcast::Sender<DeliverySummary>,
    /// The running receiver; replaced when Settings moves it. An async lock because moving
    /// waits for the new listener.
    receiver: tokio::sync::Mutex<Option<Receiver>>,
    /// The live feed of the webview; replaced on every subscribe (a reload drops the old one).
    pub subscriber: Mutex<Option<Channel<DeliverySummary>>>,
}

impl InboxState {
    /// Opens the store in `data_dir` and starts the receiver on the current tokio runtime.
    /// Failures are kept in the status for the UI rather than stopping the app.
    pub async fn start(data_dir: &Path, settings: &Settings) -> Self {
        let feed = Receiver::feed();
        let public_base = Mutex::new(settings.public_base_url());
        let db = database_path(data_dir);
        let store = match Store::open(&db) {
            Ok(store) => store,
            Err(e) => {
                return Self {
                    store: None,
                    status: Mutex::new(not_listening(format!("cannot open {}: {e}", db.display()))),
                    move_error: Mutex::new(None),
                    toast_error: Arc::new(Mutex::new(None)),
                    rules: None,
                    public_base,
                    retention: None,
                    _pruner: None,
                    feed,
                    receiver: tokio::sync::Mutex::new(None),
                    subscriber: Mutex::new(None),
                };
            }
        };
        let (retention, policy) = tokio::sync::watch::channel(settings.retention());
        let pruner = spawn_pruner(store.clone(), policy, retention::DEFAULT_INTERVAL);
        let toast_error = Arc::new(Mutex::new(None));
        let (rules, rules_rx) = tokio::sync::watch::channel(settings.toast_rules.clone());
        let toaster: Arc<dyn Toaster> = Arc::new(DesktopToaster::new("Wharf"));
        let sink = toast_error.clone();
        spawn_toaster(
            feed.subscribe(),
            toaster,
            rules_rx,
            DEFAULT_WINDOW,
            move |e| {
                tracing::warn!(error = %e, "desktop notification failed");
                *sink.lock().expect("toast error lock") = Some(e.to_string());
            },
        );
        let (receiver, status) = match receiver_config(settings) {
            Ok(config) => {
                let addr = config.addr;
                match Receiver::start_with_feed(config, store.clone(), feed.clone()).await {
                    Ok(receiver) => {
                        let status = listening(&receiver);
                        (Some(receiver), status)
                    }
                    Err(e) => (None, not_listening(format!("cannot listen on {addr}: {e}"))),
                }
            }
            Err(e) => (None, not_listening(e)),
        };
        Self {
            store: Some(store),
            status: Mutex::new(status),
            move_error: Mutex::new(None),
            toast_error,
            rules: Some(rules),
            public_base,
            retention: Some(retention),
            _pruner: Some(pruner),
            feed,
            receiver: tokio::sync::Mutex::new(receiver),
            subscriber: Mutex::new(None),
        }
    }

    /// The receiver's state, with the toast error if one happened.
    pub fn status(&self) -> ReceiverStatus {
        ReceiverStatus {
            toast_error: self.toast_error.lock().expect("toast error lock").clone(),
            ..self.status.lock().expect("status lock").clone()
        }
    }

    /// Why the receiver is not where the saved settings say, if a save could not move it.
    pub fn move_error(&self) -> Option<String> {
        self.move_error.lock().expect("move error lock").clone()
    }

    /// The base URL a registry should deliver to: the configured public base URL (a tunnel or
    /// proxy in front of the receiver) or the address the receiver listens on.
    pub fn public_base_url(&self) -> Option<String> {
        self.public_base
            .lock()
            .expect("public base lock")
            .clone()
            .or_else(|| self.status.lock().expect("status lock").base_url.clone())
    }

    /// Applies saved settings: toast rules, retention and the public base URL at once, and moves
    /// the receiver to a new address, port or body limit. A new address is bound before the
    /// old one closes, so if it is taken the receiver keeps listening where it was and
    /// [`InboxState::move_error`] says why.
    pub async fn apply(&self, settings: &Settings) {
        *self.public_base.lock().expect("public base lock") = settings.public_base_url();
        if let Some(rules) = &self.rules {
            rules.send_replace(settings.toast_rules.clone());
        }
        if let Some(retention) = &self.retention {
            retention.send_replace(settings.retention());
        }
        let Some(store) = &self.store else { return };
        let config = match receiver_config(settings) {
            Ok(config) => config,
            Err(e) => return self.set_move_error(Some(e)),
        };
        let addr = config.addr;
        let mut slot = self.receiver.lock().await;
        let moved = match slot.take() {
            Some(receiver) => receiver.reconfigure(config).await,
            None => Receiver::start_with_feed(config, store.clone(), self.feed.clone())
                .await
                .map_err(|error| ReconfigureError {
                    error,
                    unchanged: None,
                }),
        };
        let (receiver, problem) = match moved {
            Ok(receiver) => (Some(receiver), None),
            Err(ReconfigureError { error, unchanged }) => {
                let why = format!("cannot listen on {addr}: {error}");
                tracing::error!(%why, "inbox receiver not moved");
                (unchanged, Some(why))
            }
        };
        *self.status.lock().expect("status lock") = match (&receiver, &problem) {
            (Some(receiver), _) => listening(receiver),
            (None, why) => not_listening(why.clone().unwrap_or_default()),
        };
        *slot = receiver;
        self.set_move_error(problem);
    }

    fn set_move_error(&self, problem: Option<String>) {
        *self.move_error.lock().expect("move error lock") = problem;
    }

    /// The open store, or why there is none, for commands that need it.
    pub fn open_store(&self) -> crate::error::CommandResult<&Store> {
        self.store.as_ref().ok_or_else(|| {
            crate::error::CommandError::new("unavailable", self.unavailable_reason())
        })
    }

    /// Why the inbox cannot be used, for commands that need the store.
    pub fn unavailable_reason(&self) -> String {
        self.status()
            .error
            .unwrap_or_else(|| "the inbox database is not open".into())
    }

    /// Deliveries stored from now on, by this receiver or the one it is moved to.
    pub fn subscribe(&self) -> Option<broadcast::Receiver<DeliverySummary>> {
        self.store.as_ref().map(|_| self.feed.subscribe())
    }

    /// Sends `delivery` to the webview's feed, if one is subscribed.
    pub fn forward(&self, delivery: DeliverySummary) {
        let subscriber = self.subscriber.lock().expect("subscriber lock");
        if let Some(channel) = subscriber.as_ref() {
            if let Err(e) = channel.send(delivery) {
                tracing::warn!(error = %e, "could not forward a delivery to the UI");
            }
        }
    }
}

fn receiver_config(settings: &Settings) -> Result<ReceiverConfig, String> {
    Ok(ReceiverConfig {
        addr: settings.receiver_addr()?,
        body_limit: settings.body_limit_mib as usize * 1024 * 1024,
        ..ReceiverConfig::default()
    })
}

fn listening(receiver: &Receiver) -> ReceiverStatus {
    ReceiverStatus {
        base_url: Some(format!("http://{}", receiver.local_addr())),
        error: None,
        toast_error: None,
    }
}

fn not_listening(error: String) -> ReceiverStatus {
    tracing::error!(%error, "inbox receiver not running");
    ReceiverStatus {
        base_url: None,
        error: Some(error),
        toast_error: None,
    }
}
