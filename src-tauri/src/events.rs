//! Events the app pushes to the webview: every stored delivery, on the channel the webview
//! subscribed with, in batches of what arrived within [`BATCH_WINDOW`] (each channel message
//! is a script evaluation on the window's thread, so a flood sent one by one froze the UI).

use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::broadcast::{self, error::RecvError};

use inbox::store::DeliverySummary;
use inbox::toast::ToastOpens;
use inbox::Inbox;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{Manager, Runtime};
use ts_rs::TS;

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

/// What the webview is asked to show because a toast was clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "camelCase")]
pub struct OpenRequest {
    /// The delivery to open in the Inbox; `null` opens the Inbox itself.
    #[ts(type = "number | null")]
    pub delivery: Option<i64>,
}

/// Managed state: where clicked toasts are announced to the webview (replaced on every
/// subscribe, like [`LiveFeed`]).
#[derive(Default)]
pub struct OpenRequests {
    channel: Mutex<Option<Channel<OpenRequest>>>,
}

impl OpenRequests {
    /// Sends open requests to `channel` from now on.
    pub fn subscribe(&self, channel: Channel<OpenRequest>) {
        *self.channel.lock().expect("open requests lock") = Some(channel);
    }
}

/// A toast was clicked: brings the window forward and asks the webview to open what the toast
/// was about.
pub fn open_from_toast<R: Runtime>(app: &tauri::AppHandle<R>, opens: ToastOpens) {
    if let Some(window) = app.get_webview_window("main") {
        // Each may fail on a platform without the notion; the request is sent all the same.
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    let request = OpenRequest {
        delivery: match opens {
            ToastOpens::Delivery(id) => Some(id),
            ToastOpens::Inbox => None,
        },
    };
    let requests = app.state::<OpenRequests>();
    let channel = requests.channel.lock().expect("open requests lock");
    match channel.as_ref().map(|c| c.send(request)) {
        Some(Ok(())) => {}
        Some(Err(e)) => tracing::warn!(error = %e, "could not ask the UI to open a delivery"),
        None => tracing::warn!("a toast was clicked before the UI listened"),
    }
}

/// Forwards every delivery the inbox stores to the webview's live feed, for as long as the app
/// runs.
pub fn forward_deliveries<R: Runtime>(app: &tauri::AppHandle<R>, inbox: &Inbox) {
    let mut deliveries = inbox.subscribe();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        while let Some(batch) = next_batch(&mut deliveries, BATCH_WINDOW, MAX_BATCH).await {
            handle.state::<LiveFeed>().send(batch);
        }
    });
}

/// Waits for a delivery, then takes what else arrives within `window` of it (at most `max`
/// in all); `None` once the feed has closed with nothing left.
async fn next_batch<T: Clone>(
    deliveries: &mut broadcast::Receiver<T>,
    window: Duration,
    max: usize,
) -> Option<Vec<T>> {
    let first = loop {
        match deliveries.recv().await {
            Ok(delivery) => break delivery,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!("the UI's live feed missed {n} deliveries");
            }
            Err(RecvError::Closed) => return None,
        }
    };
    let mut batch = vec![first];
    let window = tokio::time::sleep(window);
    tokio::pin!(window);
    while batch.len() < max {
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
    Some(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn deliveries_within_the_window_go_together_and_a_burst_is_cut_at_the_maximum() {
        let (tx, mut rx) = broadcast::channel(1024);
        for n in 0..3 {
            tx.send(n).unwrap();
        }
        let window = Duration::from_millis(100);
        assert_eq!(next_batch(&mut rx, window, 500).await, Some(vec![0, 1, 2]));
        // One now, one after the window has passed: two batches.
        tx.send(3).unwrap();
        let late = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            late.send(4).unwrap();
        });
        assert_eq!(next_batch(&mut rx, window, 500).await, Some(vec![3]));
        assert_eq!(next_batch(&mut rx, window, 500).await, Some(vec![4]));
        for n in 0..7 {
            tx.send(n).unwrap();
        }
        assert_eq!(
            next_batch(&mut rx, window, 5).await,
            Some(vec![0, 1, 2, 3, 4])
        );
        assert_eq!(next_batch(&mut rx, window, 5).await, Some(vec![5, 6]));
        drop(tx);
        assert_eq!(next_batch(&mut rx, window, 5).await, None);
    }
}
