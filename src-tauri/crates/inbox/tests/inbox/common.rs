//! What the inbox's test files share: a temporary folder for a real SQLite file, and a real
//! receiver on 127.0.0.1 (port 0) storing into it.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use inbox::receiver::{Receiver, ReceiverConfig};
use inbox::recognize::{recognize, RouteHint, Source};
use inbox::store::{
    now_ms, DeliverySummary, NewDelivery, NewHookRoute, Query, RouteResponse, Store,
};
use inbox::toast_policy::ToastRules;

/// A Quay `repo_push` body for `payments/api`, tag `v1.4.2`.
pub const QUAY_PUSH: &str = r#"{"repository":"payments/api","namespace":"payments","name":"api","docker_url":"quay.example/payments/api","homepage":"https://quay.example/repository/payments/api","updated_tags":["v1.4.2"]}"#;

/// A POST to `path` from 127.0.0.1, answered 200 and recognised as the receiver would with
/// `hint`, ready for [`Store::insert`].
pub fn delivery_of(
    path: &str,
    headers: Vec<(String, Vec<u8>)>,
    body: &[u8],
    hint: Option<&RouteHint>,
) -> NewDelivery {
    NewDelivery {
        received_at: now_ms(),
        method: "POST".into(),
        path: path.into(),
        query: None,
        recognized: Some(recognize(hint, &headers, body)),
        headers,
        remote_addr: Some("127.0.0.1:5555".into()),
        body: body.to_vec(),
        size: body.len() as u64,
        route_token: None,
        status: 200,
        forward: false,
    }
}

/// The deliveries stored for route `token`, newest first.
pub fn rows_of(store: &Store, token: &str) -> Vec<DeliverySummary> {
    store
        .list(&Query {
            route: Some(token.to_owned()),
            ..Query::default()
        })
        .unwrap()
}

/// Creates a route for Quay `repo_push` deliveries of `payments/api` answering with `response`;
/// returns its token.
pub fn quay_route(store: &Store, response: RouteResponse) -> String {
    route(
        store,
        NewHookRoute {
            source: Some(Source::Quay),
            event: Some("repo_push".into()),
            repository: Some("payments/api".into()),
            response,
            ..NewHookRoute::default()
        },
    )
}

/// Creates `new` (labelled "test" when it has no label); returns its token.
pub fn route(store: &Store, mut new: NewHookRoute) -> String {
    if new.label.is_empty() {
        new.label = "test".into();
    }
    store.create_route(&new).unwrap().token
}

/// Rules under which every delivery toasts (the default rules).
pub fn all_on() -> ToastRules {
    ToastRules::default()
}

/// A fresh folder under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `tag` names the test in the folder's name.
    pub fn new(tag: &str) -> Self {
        // Tests of every module share one process: the counter keeps equal tags apart.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "wharf-inbox-{tag}-{}-{n}-{}",
            std::process::id(),
            now_ms()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// The database file inside.
    pub fn db(&self) -> PathBuf {
        self.0.join("inbox.sqlite")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running receiver with its store and folder.
pub struct Fixture {
    pub _dir: TempDir,
    pub store: Store,
    pub receiver: Receiver,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Fixture {
    /// Where the receiver listens.
    pub fn addr(&self) -> SocketAddr {
        self.receiver.local_addr()
    }
}

/// Opens a store in a new folder and starts a receiver on it; `tweak` adjusts the config.
pub async fn start_receiver(tag: &str, tweak: impl FnOnce(&mut ReceiverConfig)) -> Fixture {
    let dir = TempDir::new(tag);
    let store = Store::open(dir.db()).unwrap();
    let mut config = ReceiverConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..ReceiverConfig::default()
    };
    tweak(&mut config);
    let receiver = Receiver::start(config, store.clone()).await.unwrap();
    let base = format!("http://{}", receiver.local_addr());
    Fixture {
        _dir: dir,
        store,
        receiver,
        base,
    }
}
