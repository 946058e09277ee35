//! The forwarder: a task per forwarding route sends that route's queue in order, one request
//! in flight, and a supervising task starts one for each route that forwards. The queue is
//! read from SQLite a few entries at a time, so a dead target holds a backlog on disk, not in
//! memory; nothing here runs on the receiver's path. One process sharing the database forwards
//! at a time: the supervisor holds the store's forward lease, renewing it every `HEARTBEAT`,
//! and runs no route while another process holds it. It also holds the database's forward
//! lock (`forward::lock`), so after a crash the next process takes over at once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::lock::{ForwardLock, Lock};
use super::{request, ForwardAttempt, ForwardSettings, ForwardTiming};
use crate::replay;
use crate::store::{now_ms, AfterAttempt, Delivery, Store, LOCKED_OWNER};

/// Queue entries read per query.
const BATCH: usize = 32;
/// How often an idle route looks again without being woken: entries queued by another process
/// sharing the file (its writer wakes only its own forwarder), a database error gone. Settings
/// another process changes arrive through the store's refresh, which wakes the forwarder.
const IDLE_CHECK: Duration = Duration::from_secs(1);
/// How often the supervisor renews its lease (or, without it, tries to take it).
const HEARTBEAT: Duration = Duration::from_secs(1);
/// A lease not renewed for this long is taken over: its process is gone or stuck.
const LEASE_TTL: Duration = Duration::from_secs(10);

/// The running forwarder. Dropping it stops every route's task and gives the lease up; an
/// attempt in flight is then not recorded and is made again on the next start.
pub struct Forwarder {
    supervisor: JoinHandle<()>,
    store: Store,
    owner: Option<String>,
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.supervisor.abort();
        if let Some(owner) = self.owner.take() {
            // Off the async caller: the release waits for the database like any write.
            let store = self.store.clone();
            let _ = std::thread::Builder::new()
                .name("inbox-forward-release".into())
                .spawn(move || release(&store, &owner));
        }
    }
}

impl Forwarder {
    /// Stops forwarding (see [`Forwarder`]); another process may take over at once.
    pub async fn stop(mut self) {
        self.supervisor.abort();
        let _ = (&mut self.supervisor).await;
        if let Some(owner) = self.owner.take() {
            let store = self.store.clone();
            let _ = tokio::task::spawn_blocking(move || release(&store, &owner)).await;
        }
    }
}

fn release(store: &Store, owner: &str) {
    if let Err(e) = store.release_forward_lease(owner) {
        tracing::warn!("forwarding: giving the lease up failed: {e}");
    }
}

/// Starts forwarding the queues of `store` on the current tokio runtime.
pub fn spawn_forwarder(store: Store, timing: ForwardTiming) -> Forwarder {
    let owner = uuid::Uuid::new_v4().simple().to_string();
    Forwarder {
        supervisor: tokio::spawn(supervise(store.clone(), timing, owner.clone())),
        store,
        owner: Some(owner),
    }
}

/// The route tasks, aborted with the supervisor.
struct Routes(HashMap<String, JoinHandle<()>>);

impl Routes {
    fn stop_all(&mut self) {
        for (_, task) in self.0.drain() {
            task.abort();
        }
    }
}

impl Drop for Routes {
    fn drop(&mut self) {
        self.stop_all();
    }
}

async fn supervise(store: Store, timing: ForwardTiming, owner: String) {
    let mut signal = store.forward_settings_signal();
    let mut routes = Routes(HashMap::new());
    let mut renewed: Option<Instant> = None;
    let mut lock = ForwardLock::new(store.forward_lock_path());
    loop {
        signal.borrow_and_update();
        if renewed.is_none_or(|at| at.elapsed() >= HEARTBEAT) {
            let owner = match lock.hold() {
                Lock::Held => format!("{owner}{LOCKED_OWNER}"),
                Lock::Unavailable => owner.clone(),
                Lock::Busy => {
                    // A live process forwards this database.
                    routes.stop_all();
                    renewed = None;
                    changed_or(&mut signal, HEARTBEAT).await;
                    continue;
                }
            };
            match blocking(&store, move |s| s.hold_forward_lease(&owner, LEASE_TTL)).await {
                Ok(true) => renewed = Some(Instant::now()),
                Ok(false) => {
                    // Another process forwards this database.
                    routes.stop_all();
                    renewed = None;
                }
                Err(e) => {
                    tracing::warn!("forwarding: renewing the lease failed: {e}");
                    routes.stop_all();
                    renewed = None;
                }
            }
        }
        if renewed.is_some() {
            routes.0.retain(|_, task| !task.is_finished());
            for token in store.forwarding_routes() {
                if let std::collections::hash_map::Entry::Vacant(slot) = routes.0.entry(token) {
                    let task = tokio::spawn(run_route(store.clone(), slot.key().clone(), timing));
                    slot.insert(task);
                }
            }
        }
        changed_or(&mut signal, HEARTBEAT).await;
    }
}

/// Waits until `signal` moves or `at_most` passed.
async fn changed_or(signal: &mut watch::Receiver<u64>, at_most: Duration) {
    let _ = tokio::time::timeout(at_most, signal.changed()).await;
}

/// Waits until either signal moves or `at_most` passed.
async fn either_or(
    one: &mut watch::Receiver<u64>,
    other: &mut watch::Receiver<u64>,
    at_most: Duration,
) {
    let _ = tokio::time::timeout(at_most, async {
        tokio::select! {
            _ = one.changed() => {}
            _ = other.changed() => {}
        }
    })
    .await;
}

/// Runs `work` with the store on the blocking pool.
async fn blocking<T: Send + 'static>(
    store: &Store,
    work: impl FnOnce(&Store) -> crate::store::Result<T> + Send + 'static,
) -> crate::store::Result<T> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || work(&store))
        .await
        .unwrap_or_else(|e| {
            Err(crate::store::StoreError::Commit(format!(
                "a forwarding task panicked: {e}"
            )))
        })
}

/// Sends route `token`'s queue until the route stops forwarding.
async fn run_route(store: Store, token: String, timing: ForwardTiming) {
    // Settings changes wake every route; deliveries queued wake their own route only.
    let mut signal = store.forward_settings_signal();
    let mut queued = store.forward_queue_signal(&token);
    let mut client: Option<(String, reqwest::Client)> = None;
    loop {
        signal.borrow_and_update();
        queued.borrow_and_update();
        if !store.forwards(&token) {
            return;
        }
        let heads = {
            let token = token.clone();
            blocking(&store, move |s| s.forward_heads(&token, BATCH)).await
        };
        let heads = match heads {
            Ok(heads) => heads,
            Err(e) => {
                tracing::warn!("forwarding: reading the queue failed: {e}");
                changed_or(&mut signal, IDLE_CHECK).await;
                continue;
            }
        };
        if heads.is_empty() {
            either_or(&mut signal, &mut queued, IDLE_CHECK).await;
            continue;
        }
        for entry in heads {
            let wait = entry.next_at - now_ms();
            if wait > 0 {
                // The head is being retried and holds up the rest: new deliveries queued behind
                // it do not wake it, new settings (which put the retry time back to now) do.
                changed_or(&mut signal, Duration::from_millis(wait as u64)).await;
                break;
            }
            let Some(settings) = store.route_forward(&token) else {
                return;
            };
            let id = entry.delivery_id;
            let delivery = match blocking(&store, move |s| s.get(id)).await {
                Ok(Some(delivery)) => delivery,
                Ok(None) => {
                    // Pruned or cleared while queued.
                    let _ = blocking(&store, move |s| s.drop_forward_entry(&entry)).await;
                    continue;
                }
                Err(e) => {
                    tracing::warn!("forwarding: reading delivery {id} failed: {e}");
                    changed_or(&mut signal, IDLE_CHECK).await;
                    break;
                }
            };
            let attempt = send(&delivery, &settings, timing, &mut client).await;
            let made = entry.attempts + 1;
            let after = if attempt.succeeded() {
                AfterAttempt::Done
            } else if made >= settings.max_attempts {
                AfterAttempt::GiveUp
            } else {
                let wait = timing.backoff(made);
                AfterAttempt::RetryAt(
                    now_ms().saturating_add(i64::try_from(wait.as_millis()).unwrap_or(i64::MAX)),
                )
            };
            let recorded = {
                let token = token.clone();
                blocking(&store, move |s| {
                    s.record_forward_attempt(&token, &entry, &attempt, after)
                })
                .await
            };
            if let Err(e) = recorded {
                tracing::warn!("forwarding: recording an attempt failed: {e}");
                changed_or(&mut signal, IDLE_CHECK).await;
                break;
            }
            if let AfterAttempt::RetryAt(_) = after {
                break;
            }
        }
    }
}

/// One attempt at sending `delivery` as `settings` say.
async fn send(
    delivery: &Delivery,
    settings: &ForwardSettings,
    timing: ForwardTiming,
    client: &mut Option<(String, reqwest::Client)>,
) -> ForwardAttempt {
    let at = now_ms();
    let started = std::time::Instant::now();
    let failed = |error: String| ForwardAttempt {
        at,
        target: settings.url.clone(),
        status: None,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        answer: None,
        error: Some(error),
    };
    let url = match replay::target_url(&settings.url) {
        Ok(url) => url,
        Err(e) => return failed(e.to_string()),
    };
    let reusable = client.as_ref().is_some_and(|(u, _)| *u == settings.url);
    if !reusable {
        match replay::client_for(&url, timing.timeout) {
            Ok(built) => *client = Some((settings.url.clone(), built)),
            Err(e) => return failed(e.to_string()),
        }
    }
    let Some((_, http)) = client.as_ref() else {
        return failed("no HTTP client".into());
    };
    let headers = request::headers(delivery, settings);
    match replay::send_with(
        http,
        &delivery.summary.method,
        url,
        &headers,
        delivery.body.clone(),
    )
    .await
    {
        Ok(outcome) => ForwardAttempt {
            at,
            target: settings.url.clone(),
            status: Some(outcome.status),
            latency_ms: outcome.elapsed_ms,
            answer: Some(outcome.body_preview),
            error: None,
        },
        Err(replay::ReplayError::Network(e)) => failed(e),
        Err(e) => failed(e.to_string()),
    }
}
