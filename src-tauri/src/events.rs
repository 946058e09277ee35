//! Events the app pushes to the webview: every stored delivery, on the channel the webview
//! subscribed with.

use std::sync::Mutex;

use inbox::store::DeliverySummary;
use inbox::Inbox;
use tauri::ipc::Channel;
use tauri::{Manager, Runtime};

/// Managed state: the webview's live feed; replaced on every subscribe (a reload drops the old
/// one).
#[derive(Default)]
pub struct LiveFeed {
    channel: Mutex<Option<Channel<DeliverySummary>>>,
}

impl LiveFeed {
    /// Sends deliveries to `channel` from now on.
    pub fn subscribe(&self, channel: Channel<DeliverySummary>) {
        *self.channel.lock().expect("live feed lock") = Some(channel);
    }

    fn send(&self, delivery: DeliverySummary) {
        if let Some(channel) = self.channel.lock().expect("live feed lock").as_ref() {
            if let Err(e) = channel.send(delivery) {
                tracing::warn!(error = %e, "could not forward a delivery to the UI");
            }
        }
    }
}

/// Forwards every delivery the inbox stores to the webview's live feed, for as long as the app
/// runs.
pub fn forward_deliveries<R: Runtime>(app: &tauri::AppHandle<R>, inbox: &Inbox) {
    let mut deliveries = inbox.subscribe();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match deliveries.recv().await {
                Ok(delivery) => handle.state::<LiveFeed>().send(delivery),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("the UI's live feed missed {n} deliveries");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
}
