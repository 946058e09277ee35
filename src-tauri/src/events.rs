//! Events the app pushes to the webview: every stored delivery, on the channel the webview
//! subscribed with, in batches at least [`BATCH_WINDOW`] apart (each channel message is a
//! script evaluation on the window's thread, so a flood sent one by one froze the UI).

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

/// The webview gets at most one message this often: deliveries stored within it go together,
/// however many (10,000 a second make 1,000 a message).
pub const BATCH_WINDOW: Duration = Duration::from_millis(100);

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
    let deliveries = inbox.subscribe();
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        in_batches(deliveries, BATCH_WINDOW, |batch| {
            handle.state::<LiveFeed>().send(batch)
        })
        .await;
    });
}

/// Hands everything from `deliveries` to `send`, in order, in batches at least `window` apart:
/// a batch starts with the first delivery after the last one went out, and goes out `window`
/// after it or `window` after the last one, whichever is later. Returns once the feed closed.
async fn in_batches<T: Clone>(
    mut deliveries: broadcast::Receiver<T>,
    window: Duration,
    mut send: impl FnMut(Vec<T>),
) {
    let mut last_sent: Option<tokio::time::Instant> = None;
    loop {
        let not_before = last_sent.map(|at| at + window);
        let Some(batch) = next_batch(&mut deliveries, window, not_before).await else {
            return;
        };
        send(batch);
        last_sent = Some(tokio::time::Instant::now());
    }
}

/// Waits for a delivery, then takes what else arrives until `window` after it, and not before
/// `not_before`; `None` once the feed has closed with nothing left.
async fn next_batch<T: Clone>(
    deliveries: &mut broadcast::Receiver<T>,
    window: Duration,
    not_before: Option<tokio::time::Instant>,
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
    let until = (tokio::time::Instant::now() + window)
        .max(not_before.unwrap_or_else(tokio::time::Instant::now));
    let window = tokio::time::sleep_until(until);
    tokio::pin!(window);
    loop {
        tokio::select! {
            () = &mut window => break,
            next = deliveries.recv() => match next {
                Ok(delivery) => batch.push(delivery),
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!("the UI's live feed missed {n} deliveries");
                }
                Err(RecvError::Closed) => {
                    // The last batch keeps the spacing too.
                    (&mut window).await;
                    break;
                }
            },
        }
    }
    Some(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::sync::{Arc, Mutex};

    /// A message to the webview: when it went out, and the deliveries in it.
    type Sent = (tokio::time::Instant, Vec<usize>);

    #[tokio::test]
    async fn deliveries_within_the_window_go_together() {
        let (tx, mut rx) = broadcast::channel(1024);
        for n in 0..3 {
            tx.send(n).unwrap();
        }
        let window = Duration::from_millis(100);
        assert_eq!(next_batch(&mut rx, window, None).await, Some(vec![0, 1, 2]));
        // One now, one after the window has passed: two batches.
        tx.send(3).unwrap();
        let late = tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            late.send(4).unwrap();
        });
        assert_eq!(next_batch(&mut rx, window, None).await, Some(vec![3]));
        assert_eq!(next_batch(&mut rx, window, None).await, Some(vec![4]));
        drop(tx);
        assert_eq!(next_batch(&mut rx, window, None).await, None);
    }

    /// A burst of 10,000 deliveries over about half a second, as a flood of 20,000 a second
    /// would bring them: every one arrives, in order, in a few messages at least a window apart.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_arrives_whole_in_order_in_few_messages_a_window_apart() {
        const BURST: usize = 10_000;
        let window = Duration::from_millis(50);
        let (tx, rx) = broadcast::channel(1024);
        let messages: Arc<Mutex<Vec<Sent>>> = Arc::default();
        let forwarder = tokio::spawn({
            let messages = Arc::clone(&messages);
            in_batches(rx, window, move |batch| {
                messages
                    .lock()
                    .unwrap()
                    .push((tokio::time::Instant::now(), batch));
            })
        });
        let started = tokio::time::Instant::now();
        for chunk in (0..BURST).collect::<Vec<_>>().chunks(100) {
            for &n in chunk {
                tx.send(n).unwrap();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let took = started.elapsed();
        drop(tx);
        forwarder.await.unwrap();

        let messages = messages.lock().unwrap();
        let all: Vec<usize> = messages.iter().flat_map(|(_, b)| b.clone()).collect();
        assert_eq!(
            all,
            (0..BURST).collect::<Vec<_>>(),
            "none lost, none repeated"
        );
        for pair in messages.windows(2) {
            let apart = pair[1].0 - pair[0].0;
            assert!(apart >= window, "two messages {apart:?} apart");
        }
        // At most one message per window the burst lasted, and one for its tail.
        let most = (took.as_millis() / window.as_millis()) as usize + 2;
        assert!(
            messages.len() <= most,
            "{} messages for a burst of {took:?}",
            messages.len()
        );
    }
}
