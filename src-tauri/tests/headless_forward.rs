//! `wharf headless --forward ROUTE=URL` as a user runs it: the real binary, a real SQLite file,
//! a consumer on 127.0.0.1 that is down while deliveries arrive, and a `kill -9` in between.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::consumer;

struct Headless {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Headless {
    fn start(data_dir: &std::path::Path, forward: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wharf"))
            .args([
                "headless",
                "--port",
                "0",
                "--bind",
                "127.0.0.1",
                "--data-dir",
            ])
            .arg(data_dir)
            .args(["--forward", forward])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("wharf starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Self { child, lines }
    }

    /// Reads the banner and the route line; returns the route's URL.
    fn route_url(&self) -> String {
        let next = || {
            self.lines
                .recv_timeout(Duration::from_secs(30))
                .expect("a line from wharf headless")
        };
        let banner = next();
        assert!(
            banner.starts_with("Wharf receiver listening on "),
            "{banner}"
        );
        let route = next();
        route
            .split_once(": ")
            .map(|(_, url)| url.to_owned())
            .unwrap_or_else(|| panic!("no route URL in {route:?}"))
    }

    /// `kill -9`: no shutdown, no flush, whatever was in flight is cut.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Headless {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_forward_delivers_each_of_500_exactly_once_in_order_across_a_kill_9() {
    let dir = std::env::temp_dir().join(format!("wharf-headless-forward-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The consumer is down: its port is reserved, then let go.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let forward = format!("headless=http://127.0.0.1:{port}/webhook");

    let app = Headless::start(&dir, &forward);
    let url = app.route_url();
    let client = reqwest::Client::new();
    let want: Vec<String> = (0..500).map(|i| format!("delivery {i}")).collect();
    for body in &want {
        let answer = client.post(&url).body(body.clone()).send().await.unwrap();
        assert_eq!(answer.status(), 200, "stored before the kill");
    }
    app.kill_9();

    let bodies = consumer(port).bodies;
    let again = Headless::start(&dir, &forward);
    again.route_url();
    let deadline = Instant::now() + Duration::from_secs(180);
    while bodies.lock().unwrap().len() < want.len() {
        assert!(
            Instant::now() < deadline,
            "only {} of {} forwarded",
            bodies.lock().unwrap().len(),
            want.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing more follows: each was sent once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = bodies.lock().unwrap().clone();
    assert_eq!(got.len(), want.len(), "duplicates were forwarded");
    assert_eq!(got, want, "forwarded out of order");
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}
