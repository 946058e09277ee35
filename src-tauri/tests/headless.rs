//! `wharf headless` as a user runs it: the real binary, a real SQLite file, real HTTP on
//! 127.0.0.1, a real Quay payload; and the command line on a machine without a display. Also
//! `--forward ROUTE=URL`: a consumer on 127.0.0.1 that is down while deliveries arrive, and a
//! `kill -9` in between.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use inbox::store::Store;

struct Headless {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Headless {
    fn start(data_dir: &std::path::Path) -> Self {
        Self::start_with(data_dir, &[])
    }

    fn start_with(data_dir: &std::path::Path, extra: &[&str]) -> Self {
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
            .args(extra)
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
            .expect("a line from wharf headless")
    }

    /// Reads the banner and the first route line; returns the receiver's base URL.
    fn base_url(&self) -> String {
        let url = self.route_url();
        url.split("/hooks/").next().unwrap().to_owned()
    }

    /// Reads the banner and the first route line; returns the route's URL.
    fn route_url(&self) -> String {
        let banner = self.next_line();
        assert!(
            banner.starts_with("Wharf receiver listening on "),
            "{banner}"
        );
        let route = self.next_line();
        route
            .split_once(": ")
            .map(|(_, url)| url.to_string())
            .unwrap_or_else(|| panic!("no route URL in {route:?}"))
    }
}

impl Headless {
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

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/quay")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs the real binary without a display and returns (exit code, stdout, stderr).
fn without_display(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wharf"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("wharf runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_line_answers_without_a_display() {
    let (code, out, err) = without_display(&["--help"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Usage: wharf"), "{out}");
    assert!(out.contains("headless"), "{out}");

    let (code, out, _) = without_display(&["--version"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), format!("wharf {}", env!("CARGO_PKG_VERSION")));

    let (code, out, _) = without_display(&["headless", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--max-age-days"), "{out}");

    // No window can open: say what to run instead, instead of a GTK panic.
    let (code, _, err) = without_display(&[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("wharf headless"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let (code, _, err) = without_display(&["headless", "--port", "http"]);
    assert_eq!(code, 2);
    assert!(err.contains("--port"), "{err}");
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

/// What one load client saw acknowledged: the delivery id from the 2xx and the body it sent.
type Acked = Vec<(i64, String)>;

/// Posts unique bodies one after another until `stop` is set or a request fails (the process
/// was killed), at most `max` of them. Returns every delivery that got a 2xx.
async fn load(
    url: String,
    client_no: usize,
    max: usize,
    acked_total: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
) -> Acked {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut acked = Vec::new();
    for i in 0..max {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let body = format!(
            r#"{{"repository":"crash/c{client_no}","namespace":"crash","name":"c{client_no}","docker_url":"q/crash/c{client_no}","updated_tags":["n{i}"]}}"#
        );
        let sent = client
            .post(&url)
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let Ok(resp) = sent else { break };
        if !resp.status().is_success() {
            break;
        }
        // The id is in the body; a connection cut before it is read is not an acknowledgement.
        let Ok(ack) = resp.json::<serde_json::Value>().await else {
            break;
        };
        let id = ack["id"].as_i64().expect("a 2xx carries the delivery id");
        acked.push((id, body));
        acked_total.fetch_add(1, Ordering::Relaxed);
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_delivery_survives_sigkill_mid_load() {
    const CLIENTS: usize = 16;
    const KILL_AFTER: usize = 400;
    let dir = std::env::temp_dir().join(format!("wharf-headless-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut app = Headless::start(&dir);
    let url = app.route_url();

    let acked_total = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            tokio::spawn(load(
                url.clone(),
                n,
                5_000,
                acked_total.clone(),
                stop.clone(),
            ))
        })
        .collect();

    // Kill once enough deliveries were acknowledged, with all 16 clients still sending.
    let mut waited = 0;
    while acked_total.load(Ordering::Relaxed) < KILL_AFTER {
        assert!(
            waited < 6_000,
            "the load did not reach {KILL_AFTER} acknowledgements in 60 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
        waited += 1;
    }
    app.child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix
    let status = app.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{status:?}"
    );

    let mut acked: Acked = Vec::new();
    for client in clients {
        acked.extend(client.await.unwrap());
    }
    assert!(acked.len() >= KILL_AFTER, "{}", acked.len());
    drop(app);

    // Restart on the same data directory: the database opens after the crash, the route is
    // the same, and it serves.
    let again = Headless::start(&dir);
    let token = |u: &str| u.rsplit("/hooks/").next().unwrap().to_string();
    let url_again = again.route_url();
    assert_eq!(token(&url_again), token(&url));
    let resp = reqwest::Client::new()
        .post(&url_again)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let after: serde_json::Value = resp.json().await.unwrap();

    // Every acknowledged delivery is in the file, with the body that was sent for it.
    let store = Store::open(dir.join("inbox.sqlite3")).unwrap();
    for (id, body) in &acked {
        let got = store
            .get(*id)
            .unwrap()
            .unwrap_or_else(|| panic!("delivery {id} was acknowledged but is not stored"));
        assert_eq!(got.body, body.as_bytes(), "delivery {id}");
        assert_eq!(got.summary.status, 200);
    }
    // Nothing acknowledged twice, and the restarted receiver numbers on after them.
    let mut ids: Vec<i64> = acked.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), acked.len());
    assert!(after["id"].as_i64().unwrap() > *ids.last().unwrap());
    // Requests in flight at the kill may have been committed without their answer arriving,
    // so the store may hold a few more than were acknowledged (plus the one sent after the
    // restart), never fewer.
    assert!(store.count().unwrap() as usize > acked.len());
    drop(store);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn headless_prunes_to_its_retention_limit() {
    let dir = std::env::temp_dir().join(format!("wharf-headless-prune-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let app = Headless::start(&dir);
    let banner_url = app.route_url();
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for n in 0..5 {
        let resp = client
            .post(&banner_url)
            .body(format!("{{\"n\":{n}}}"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let ack: serde_json::Value = resp.json().await.unwrap();
        ids.push(ack["id"].as_i64().unwrap());
        app.next_line();
    }
    drop(app);

    // Restarted with a lower limit, it prunes at once and says so.
    let again = Headless::start_with(&dir, &["--max-deliveries", "3"]);
    let banner = again.next_line();
    assert!(
        banner.contains("keeping the newest 3 deliveries, up to 30 days old"),
        "{banner}"
    );
    again.next_line(); // the route
    let pruned = again.next_line();
    assert!(pruned.starts_with("(pruned 2 deliveries"), "{pruned}");
    let store = Store::open(dir.join("inbox.sqlite3")).unwrap();
    assert_eq!(store.get(ids[0]).unwrap(), None);
    assert_eq!(store.get(ids[1]).unwrap(), None);
    for id in &ids[2..] {
        assert!(store.get(*id).unwrap().is_some(), "delivery {id} kept");
    }
    drop(store);
    drop(again);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `wharf notifications …` with `env`; returns (exit code, stdout, stderr).
fn notifications(
    args: &[&str],
    env: &[(&str, &std::ffi::OsStr)],
    stdin: Option<&str>,
) -> (i32, String, String) {
    use std::io::Write;
    let mut command = Command::new(env!("CARGO_BIN_EXE_wharf"));
    command
        .arg("notifications")
        .args(args)
        .env_remove("WHARF_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("wharf starts");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn notification_sets_export_plan_and_apply_from_the_command_line() {
    use fakes::quay::{FakeQuay, Scope};
    use registry::connection::{Connection, ConnectionKind, ConnectionsFile};
    use registry::quay::{QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef};

    let mut fakes = Vec::new();
    for _ in 0..2 {
        let fake = FakeQuay::start().await.unwrap();
        fake.add_user("alice");
        fake.add_token("cli-token", "alice", &Scope::ALL);
        fake.add_org("acme", &["alice"], &[]);
        for repo in ["web", "api"] {
            fake.add_repo("acme", repo, false);
        }
        fakes.push(fake);
    }
    let (staging, prod) = (&fakes[0], &fakes[1]);
    let client = registry::quay::client::QuayClient::new(staging.base_url(), "cli-token").unwrap();
    for (repo, event) in [
        ("web", QuayEventSpec::RepoPush),
        (
            "api",
            QuayEventSpec::BuildFailure {
                ref_regex: "refs/heads/main".into(),
            },
        ),
    ] {
        client
            .create_notification(
                &QuayRepoRef::new("acme", repo),
                &QuayNotificationDraft {
                    title: "ci".into(),
                    event,
                    method: QuayMethodSpec::Webhook {
                        url: "https://ci.example/hook".into(),
                        template: String::new(),
                    },
                },
            )
            .await
            .unwrap();
    }

    // The staging Quay is a connection the app saved; its token comes from WHARF_TOKEN (the
    // keyring is replaced by memory, so nothing is found there).
    let home = std::env::temp_dir().join(format!("wharf-cli-sets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let config = home.join("config");
    let connection = Connection::new(
        "staging",
        ConnectionKind::Quay,
        staging.base_url(),
        None,
        registry::tls::TlsOptions::default(),
    )
    .unwrap();
    ConnectionsFile {
        connections: vec![connection],
        ..ConnectionsFile::default()
    }
    .save(&config.join("dev.wharf.desktop/connections.json"))
    .unwrap();
    let token = std::ffi::OsStr::new("cli-token");
    let env = [
        ("XDG_CONFIG_HOME", config.as_os_str()),
        ("XDG_DATA_HOME", home.as_os_str()),
        ("WHARF_SECRET_STORE", std::ffi::OsStr::new("memory")),
    ];
    let with_token = [&env[..], &[("WHARF_TOKEN", token)]].concat();

    let (code, _, err) = notifications(&["export", "--connection", "staging"], &env, None);
    assert_eq!(code, 1, "no token anywhere");
    assert!(err.contains("WHARF_TOKEN"), "{err}");
    let (code, _, err) = notifications(&["export", "--connection", "nope"], &with_token, None);
    assert_eq!(code, 1);
    assert!(err.contains("saved: staging"), "{err}");

    let (code, set, err) = notifications(&["export", "--connection", "staging"], &with_token, None);
    assert_eq!(code, 0, "{err}");
    assert!(
        set.contains("wharf-notification-set/1") && set.contains("refs/heads/main"),
        "{set}"
    );
    assert!(!set.contains("cli-token"));

    // Production is reached by address; the plan has changes (exit 2), apply makes them, and
    // a second plan has none (exit 0).
    let prod_args = |verb: &'static str| ["--url", prod.base_url(), "--kind", "quay", verb];
    let run = |verb: &'static str| {
        let a = prod_args(verb);
        notifications(
            &[a[4], a[0], a[1], a[2], a[3], "-"],
            &with_token,
            Some(&set),
        )
    };
    let (code, out, err) = run("plan");
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.contains("Plan: 2 to create, 0 to delete"), "{out}");
    assert!(
        out.contains("+ create  acme/api  build_failure → Webhook → ci.example/hook"),
        "{out}"
    );
    let (code, out, err) = run("apply");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Applied: 2 created, 0 deleted, 0 failed"),
        "{out}"
    );
    let (code, out, _) = run("plan");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Plan: 0 to create, 0 to delete, 2 unchanged"),
        "{out}"
    );

    // A broken file is an error, not an empty plan.
    let (code, _, err) = notifications(
        &["plan", "--url", prod.base_url(), "--kind", "quay", "-"],
        &with_token,
        Some("{\"format\": \"x\"}"),
    );
    assert_eq!(code, 1);
    assert!(err.contains("not a Wharf notification set"), "{err}");
    let _ = std::fs::remove_dir_all(&home);
}

/// `wharf route new` mints a route for one notification in the same database (the running app
/// picks it up), `respond` changes how it answers, and `headless --respond` answers every route
/// another way while it runs without saving that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routes_from_the_command_line_and_answers_set_by_a_person() {
    let dir = std::env::temp_dir().join(format!("wharf-route-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.to_str().unwrap();
    let (code, out, err) = without_display(&[
        "route",
        "new",
        "--quay",
        "BUILD_FAILURE",
        "--repository",
        "acme/web",
        "--data-dir",
        data,
    ]);
    assert_eq!(code, 0, "{err}");
    let url = out.lines().next().unwrap().to_owned();
    assert!(url.contains("/hooks/"), "{out}");
    assert!(
        out.contains("build_failure on acme/web (answers 200)"),
        "{out}"
    );
    let token = url.rsplit("/hooks/").next().unwrap().to_owned();
    {
        let store = Store::open(dir.join("inbox.sqlite3")).unwrap();
        let route = store.route(&token).expect("stored");
        assert_eq!(route.route.event.as_deref(), Some("build_failure"));
        assert_eq!(route.route.repository.as_deref(), Some("acme/web"));
    }
    let (code, _, err) =
        without_display(&["route", "new", "--quay", "repo_renamed", "--data-dir", data]);
    assert_eq!(code, 2, "an event Quay does not have");
    assert!(err.contains("Quay has no event"), "{err}");

    let (code, out, err) =
        without_display(&["route", "respond", &token, "503:0.2", "--data-dir", data]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("answers 503 after 0.2 s"), "{out}");

    // The headless receiver serves the route with its saved answer…
    let app = Headless::start(&dir);
    let base = app.base_url();
    let client = reqwest::Client::new();
    let post = || {
        client
            .post(format!("{base}/hooks/{token}"))
            .body("{}")
            .send()
    };
    let started = std::time::Instant::now();
    assert_eq!(post().await.unwrap().status(), 503);
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "answered after the delay"
    );
    drop(app);
    // …and with --respond, every route answers the given way, while the saved answer stays.
    let app = Headless::start_with(&dir, &["--respond", "418"]);
    let base = app.base_url();
    let answer = client
        .post(format!("{base}/hooks/{token}"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 418);
    drop(app);
    let store = Store::open(dir.join("inbox.sqlite3")).unwrap();
    assert_eq!(store.route(&token).unwrap().route.response.status, 503);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn samples_are_printed_or_sent_with_the_registrys_headers() {
    let dir = std::env::temp_dir().join(format!("wharf-sample-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let app = Headless::start(&dir);
    let url = app.route_url();

    let (code, out, err) = without_display(&[
        "sample",
        "quay",
        "repo_push",
        "--variant",
        "quayio",
        "--to",
        &url,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("sent repo_push (quayio) to "), "{out}");
    assert!(out.contains(": 200 in "), "{out}");
    let line = app.next_line();
    assert!(line.contains("200 POST /hooks/"), "{line}");
    assert!(line.contains("repo_push"), "{line}");
    assert!(line.contains("mynamespace/repository"), "{line}");

    let (code, out, err) = without_display(&["sample", "dtr", "tag_push", "--to", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("sent TAG_PUSH to "), "{out}");
    let line = app.next_line();
    assert!(line.contains("TAG_PUSH"), "{line}");
    assert!(line.contains("payments/api"), "{line}");
    drop(app);

    // Stored as the registry sends it: Quay's headers, the quay.io body (tags as a map).
    let store = Store::open(dir.join("inbox.sqlite3")).unwrap();
    let rows = store.list(&inbox::store::Query::default()).unwrap();
    assert_eq!(rows.len(), 2);
    let push = store.get(rows[1].id).unwrap().unwrap();
    let agent = push
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned());
    assert_eq!(agent.as_deref(), Some(inbox::samples::QUAY_USER_AGENT));
    let body: serde_json::Value = serde_json::from_slice(&push.body).unwrap();
    assert!(body["updated_tags"].is_object(), "{body}");
    drop(store);

    // Without --to, the body is printed; it is the one that was sent.
    let (code, out, err) = without_display(&["sample", "quay", "repo_push"]);
    assert_eq!(code, 0, "{err}");
    let printed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        printed["updated_tags"].is_array(),
        "Red Hat's variant by default"
    );
    let (code, out, _) = without_display(&["sample", "dtr", "SCAN_FAILED"]);
    assert_eq!(code, 0);
    let printed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(printed["type"], "SCAN_FAILED");

    // Names the registry does not have, and a receiver that is not there.
    let (code, _, err) = without_display(&["sample", "quay", "tag_push"]);
    assert_eq!(code, 2);
    assert!(err.contains("Quay has no event"), "{err}");
    let (code, _, err) = without_display(&["sample", "quay", "repo_push", "--variant", "v2"]);
    assert_eq!(code, 2);
    assert!(err.contains("redhat or quayio"), "{err}");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let (code, _, err) = without_display(&[
        "sample",
        "dtr",
        "TAG_PUSH",
        "--to",
        &format!("http://127.0.0.1:{port}/hooks/x"),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("TAG_PUSH not sent"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_forward_delivers_each_of_500_exactly_once_in_order_across_a_kill_9_at_once() {
    let dir = std::env::temp_dir().join(format!("wharf-headless-forward-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The consumer is down: its port is reserved, then let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let forward = format!("headless=http://127.0.0.1:{port}/webhook");

    let app = Headless::start_with(&dir, &["--forward", &forward]);
    let url = app.route_url();
    let client = reqwest::Client::new();
    let want: Vec<String> = (0..500).map(|i| format!("delivery {i}")).collect();
    for body in &want {
        let answer = client.post(&url).body(body.clone()).send().await.unwrap();
        assert_eq!(answer.status(), 200, "stored before the kill");
    }
    app.kill_9();
    // The killed process's lease would stay valid for an hour: the next one takes it over
    // because the OS let go of the killed one's forward lock, not because it went stale.
    let leases = rusqlite::Connection::open(dir.join("inbox.sqlite3"))
        .unwrap()
        .execute(
            "UPDATE forward_lease SET expires_at = expires_at + 3600000",
            [],
        )
        .unwrap();
    assert_eq!(leases, 1, "the killed process held the lease");

    let bodies = common::consumer(port).bodies;
    let again = Headless::start_with(&dir, &["--forward", &forward]);
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
