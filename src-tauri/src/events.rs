//! Events the app pushes to the webview: every stored delivery, on the channel the webview
//! subscribed with, in batches of what arrived within [`BATCH_WINDOW`] (each channel message
//! is a script evaluation on the window's thread, so a flood sent one by one froze the UI).

use std::sync::Mutex;
use std::time::Duration;

use inbox::store::DeliverySummary;
use inbox::Inbox;
use tauri::ipc::Channel;
use tauri::{Manager, Runtime};

/// Managed state: the webview's live feed; replaced on every subscribe (a reload drops the old
/// one).
#[derive(Default)]
pub struct LiveFeed {
    channel: Mutex<Option<Channel<Vec<DeliverySummary>>>>,
}

/// Deliveries stored within this long of the first of a batch go to the webview together.
pub const BATCH_WINDOW: Duration = Duration::from_millis(100);

/// The most deliveries in one message; a longer burst goes out in several.
const MAX_BATCH: usize = 500;

impl LiveFeed {
    /// Sends deliveries to `channel` from now on.
    pub fn subscribe(&self, channel: Channel<Vec<DeliverySummary>>) {
        *self.channel.lock().expect("live feed lock") = Some(channel);
    }

    fn send(&self, deliveries: Vec<DeliverySummary>) {
        if let Some(channel) = self.channel.lock().expect("live feed lock").as_ref() {
            if let Err(e) = channel.send(deliveries) {
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
        use tokio::sync::broadcast::error::RecvError;
        loop {
            let first = match deliveries.recv().await {
                Ok(delivery) => delivery,
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!("the UI's live feed missed {n} deliveries");
                    continue;
                }
                Err(RecvError::Closed) => break,
            };
            let mut batch = vec![first];
            let window = tokio::time::sleep(BATCH_WINDOW);
            tokio::pin!(window);
            while batch.len() < MAX_BATCH {
                tokio::select! {
                    () = &mut window => break,
                    next = deliveries.recv() => match next {
                        Ok(delivery) => batch.push(delivery),
                        Err(RecvError::Lagged(n)) => {
                            tracing::warn!("the UI's live feed missed {n} deliveries");
                        }
                        Err(RecvError::Closed) => break,
                    },
                }
            }
            handle.state::<LiveFeed>().send(batch);
        }
    });
}
