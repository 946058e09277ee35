//! The inbox as the app runs it: the store, the receiver, and the UI subscriber it feeds.

use std::path::Path;
use std::sync::{Arc, Mutex};

use inbox::receiver::{Receiver, ReceiverConfig};
use inbox::retention::{self, spawn_pruner, Pruner, RetentionPolicy};
use inbox::store::{DeliverySummary, Store};
use inbox::toast::{DesktopToaster, Toaster};
use inbox::toast_policy::{spawn_toaster, ToastRules, DEFAULT_WINDOW};
use serde::Serialize;
use tauri::ipc::Channel;
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
    status: ReceiverStatus,
    toast_error: Arc<Mutex<Option<String>>>,
    /// Toast rules in force; Settings sends new ones here.
    rules: Option<tokio::sync::watch::Sender<ToastRules>>,
    /// The configured public base URL, if any (else the listening address is used).
    public_base: Mutex<Option<String>>,
    /// Retention in force; Settings sends new limits here.
    retention: Option<tokio::sync::watch::Sender<RetentionPolicy>>,
    /// Prunes the store in the background for as long as the app runs.
    _pruner: Option<Pruner>,
    /// Kept so the server runs as long as the app.
    _receiver: Option<Receiver>,
    /// The live feed of the webview; replaced on every subscribe (a reload drops the old one).
    pub subscriber: Mutex<Option<Channel<DeliverySummary>>>,
}

impl InboxState {
    /// Opens the store in `data_dir` and starts the receiver on the current tokio runtime.
    /// Failures are kept in the status for the UI rather than stopping the app.
    pub async fn start(data_dir: &Path, settings: &Settings) -> Self {
        let db = database_path(data_dir);
        let store = match Store::open(&db) {
            Ok(store) => store,
            Err(e) => {
                let why = format!("cannot open {}: {e}", db.display());
                return Self::failed(None, why, Mutex::new(None));
            }
        };
        let public_base = Mutex::new(settings.public_base_url());
        let (retention, policy) = tokio::sync::watch::channel(settings.retention());
        let pruner = spawn_pruner(store.clone(), policy, retention::DEFAULT_INTERVAL);
        let addr = match settings.receiver_addr() {
            Ok(addr) => addr,
            Err(e) => return Self::failed(Some(store), e, public_base).pruning(retention, pruner),
        };
        let config = ReceiverConfig {
            addr,
            body_limit: settings.body_limit_mib as usize * 1024 * 1024,
            ..ReceiverConfig::default()
        };
        match Receiver::start(config, store.clone()).await {
            Ok(receiver) => {
                let toast_error = Arc::new(Mutex::new(None));
                let (rules, rules_rx) = tokio::sync::watch::channel(settings.toast_rules.clone());
                let toaster: Arc<dyn Toaster> = Arc::new(DesktopToaster::new("Wharf"));
                let sink = toast_error.clone();
                spawn_toaster(
                    receiver.subscribe(),
                    toaster,
                    rules_rx,
                    DEFAULT_WINDOW,
                    move |e| {
                        tracing::warn!(error = %e, "desktop notification failed");
                        *sink.lock().expect("toast error lock") = Some(e.to_string());
                    },
                );
                Self {
                    status: ReceiverStatus {
                        base_url: Some(format!("http://{}", receiver.local_addr())),
                        error: None,
                        toast_error: None,
                    },
                    toast_error,
                    rules: Some(rules),
                    public_base,
                    retention: Some(retention),
                    _pruner: Some(pruner),
                    store: Some(store),
                    _receiver: Some(receiver),
                    subscriber: Mutex::new(None),
                }
            }
            Err(e) => Self::failed(
                Some(store),
                format!("cannot listen on {addr}: {e}"),
                public_base,
            )
            .pruning(retention, pruner),
        }
    }

    fn failed(store: Option<Store>, error: String, public_base: Mutex<Option<String>>) -> Self {
        tracing::error!(%error, "inbox receiver not running");
        Self {
            store,
            status: ReceiverStatus {
                base_url: None,
                error: Some(error),
                toast_error: None,
            },
            toast_error: Arc::new(Mutex::new(None)),
            rules: None,
            public_base,
            retention: None,
            _pruner: None,
            _receiver: None,
            subscriber: Mutex::new(None),
        }
    }

    /// Keeps pruning a store whose receiver could not start: old deliveries still go.
    fn pruning(
        mut self,
        retention: tokio::sync::watch::Sender<RetentionPolicy>,
        pruner: Pruner,
    ) -> Self {
        self.retention = Some(retention);
        self._pruner = Some(pruner);
        self
    }

    /// The receiver's state, with the toast error if one happened.
    pub fn status(&self) -> ReceiverStatus {
        ReceiverStatus {
            toast_error: self.toast_error.lock().expect("toast error lock").clone(),
            ..self.status.clone()
        }
    }

    /// The base URL a registry should deliver to: the configured public base URL (a tunnel or
    /// proxy in front of the receiver) or the address the receiver listens on.
    pub fn public_base_url(&self) -> Option<String> {
        self.public_base
            .lock()
            .expect("public base lock")
            .clone()
            .or_else(|| self.status.base_url.clone())
    }

    /// Applies the settings that take effect at once: toast rules, retention and the public base
    /// URL.
    pub fn apply(&self, settings: &Settings) {
        *self.public_base.lock().expect("public base lock") = settings.public_base_url();
        if let Some(rules) = &self.rules {
            rules.send_replace(settings.toast_rules.clone());
        }
        if let Some(retention) = &self.retention {
            retention.send_replace(settings.retention());
        }
    }

    /// The open store, or why there is none, for commands that need it.
    pub fn open_store(&self) -> crate::error::CommandResult<&Store> {
        self.store.as_ref().ok_or_else(|| {
            crate::error::CommandError::new("unavailable", self.unavailable_reason())
        })
    }

    /// Why the inbox cannot be used, for commands that need the store.
    pub fn unavailable_reason(&self) -> String {
        self.status
            .error
            .clone()
            .unwrap_or_else(|| "the inbox database is not open".into())
    }

    /// Deliveries stored from now on, if the receiver runs.
    pub fn subscribe(&self) -> Option<tokio::sync::broadcast::Receiver<DeliverySummary>> {
        self._receiver.as_ref().map(Receiver::subscribe)
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
