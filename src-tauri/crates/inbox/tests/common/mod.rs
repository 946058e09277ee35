//! What the inbox's test files share: a temporary folder for a real SQLite file, and a real
//! receiver on 127.0.0.1 (port 0) storing into it.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use inbox::receiver::{Receiver, ReceiverConfig};
use inbox::store::{now_ms, Store};

/// A fresh folder under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// `tag` keeps the folders of one test file's tests apart.
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "wharf-inbox-{tag}-{}-{}",
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
