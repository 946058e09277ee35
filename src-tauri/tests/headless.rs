//! `wharf --headless` as a user runs it: the real binary, a real SQLite file, real HTTP on
//! 127.0.0.1, a real Quay payload.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

struct Headless {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Headless {
    fn start(data_dir: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_wharf"))
            .args([
                "--headless",
                "--port",
                "0",
                "--bind",
                "127.0.0.1",
                "--data-dir",
            ])
            .arg(data_dir)
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

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a line from wharf --headless")
    }
}

impl Drop for Headless {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/quay")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[tokio::test]
async fn headless_receiver_stores_and_prints_a_quay_push() {
    let dir = std::env::temp_dir().join(format!("wharf-headless-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let app = Headless::start(&dir);

    let banner = app.next_line();
    assert!(
        banner.starts_with("Wharf receiver listening on http://127.0.0.1:"),
        "{banner}"
    );
    let route = app.next_line();
    let url = route
        .split_once(": ")
        .map(|(_, url)| url.to_string())
        .unwrap_or_else(|| panic!("no route URL in {route:?}"));
    assert!(url.contains("/hooks/"), "{url}");

    let answer = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(fixture("repo_push.redhat-docs.json"))
        .send()
        .await
        .expect("receiver reachable");
    assert_eq!(answer.status(), 200);

    let line = app.next_line();
    assert!(line.contains("200 POST /hooks/"), "{line}");
    assert!(line.contains("repo_push"), "{line}");
    assert!(line.contains("push to"), "{line}");

    // Unknown tokens are refused but the attempt is still printed.
    let base = url.split("/hooks/").next().unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{base}/hooks/not-a-route"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    assert!(app.next_line().contains("404 POST /hooks/not-a-route"));

    drop(app);
    assert!(
        dir.join("inbox.sqlite3").is_file(),
        "the database is in --data-dir"
    );

    // A restart reuses the stored route rather than minting a new one (the port is new: port 0).
    let again = Headless::start(&dir);
    again.next_line();
    let token = |u: &str| u.rsplit("/hooks/").next().unwrap().to_string();
    let reused = again.next_line();
    assert_eq!(
        token(reused.split_once(": ").unwrap().1),
        token(&url),
        "{reused}"
    );
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}
