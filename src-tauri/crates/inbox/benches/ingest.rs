//! Ingest benchmark: the real receiver with a real store against a bare axum "200 OK" server,
//! both on 127.0.0.1, driven by `wrk`; then search over 100,000 stored deliveries.
//!
//! `cargo bench -p wharf-inbox --bench ingest` prints Markdown for docs/benchmarks.md. Needs
//! `wrk` on the PATH (Debian: `apt-get install wrk`). Every figure is compared with a baseline
//! measured in the same run; nothing here is asserted.
//!
//! Phases:
//! 1. Two rounds of: bare axum server, then the receiver (SQLite in WAL mode, synchronous=FULL,
//!    group commit), each for 10 s of POSTs of a 1 KiB Quay `build_success` payload over 64
//!    keep-alive connections.
//! 2. One long run against the receiver towards 1,000,000 requests (at most 180 s), with this
//!    process's RSS before and after.
//! 3. `Store::list` over 100,000 varied deliveries: no filter (baseline), a text filter that
//!    matches often, one that matches one row, one that matches none.
//! 4. The receiver on that store while a text search over all 100,000 deliveries runs in a loop
//!    (as a person typing would cause), against the same receiver with no search running.
//!
//! `-- rounds` runs phase 1 only; `-- search` runs phases 3 and 4 only.

// The allocator the app's binary uses (src-tauri/src/main.rs), for both servers alike.
#[global_allocator]
static ALLOCATOR: inbox::allocator::Allocator = inbox::allocator::Allocator;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use inbox::receiver::{Receiver, ReceiverConfig};
use inbox::recognize::{recognize, RouteHint, Source};
use inbox::store::{now_ms, NewDelivery, NewHookRoute, Query, Store};

const CONNECTIONS: u32 = 64;
const THREADS: u32 = 2;
const ROUND: Duration = Duration::from_secs(10);
const LONG_TARGET: u64 = 1_000_000;
const LONG_MAX: Duration = Duration::from_secs(180);
const SEARCH_ROWS: usize = 100_000;
const SEARCH_REPEATS: usize = 15;

/// One wrk run's figures.
#[derive(Debug, Clone, Copy)]
struct Wrk {
    requests: u64,
    seconds: f64,
    errors: u64,
    p50_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

impl Wrk {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("ingest: a benchmark; run it with `cargo bench -p wharf-inbox --bench ingest`");
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("ingest: `wrk` is not installed (Debian: apt-get install wrk)");
        std::process::exit(1);
    }
    // `-- rounds`: only phase 1, for trying a change quickly; `-- search`: phases 3 and 4.
    let rounds_only = std::env::args().any(|a| a == "rounds");
    let search_only = std::env::args().any(|a| a == "search");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let work = scratch_dir();
    let body = quay_build_1kib();
    let script = work.join("post.lua");
    std::fs::write(&script, lua_script(&body)).unwrap();
    if search_only {
        search(&runtime, &work, &script);
        let _ = std::fs::remove_dir_all(&work);
        return;
    }

    // The two servers live for the whole run; each only gets traffic in its own turn.
    let bare = runtime.block_on(bare_server());
    let db = work.join("ingest.sqlite");
    let store = Store::open(&db).unwrap();
    let (receiver, receiver_url, token) = receiver_on(&runtime, &store);
    let bare_url = format!("http://{bare}/hooks/{token}");

    println!(
        "## wrk: {THREADS} threads, {CONNECTIONS} connections, {} s, 1 KiB JSON POST\n",
        ROUND.as_secs()
    );
    println!("| round | bare axum req/s | receiver req/s | ratio | bare p99 | receiver p50 | receiver p99 | receiver max | errors | text index caught up after the round |");
    println!("|---|---|---|---|---|---|---|---|---|---|");
    // Warm-up: connections, page cache, the SQLite file's first pages.
    wrk(&script, &bare_url, Duration::from_secs(2));
    wrk(&script, &receiver_url, Duration::from_secs(2));
    wait_indexed(&store);
    for round in 1..=2 {
        let b = wrk(&script, &bare_url, ROUND);
        let r = wrk(&script, &receiver_url, ROUND);
        // The writer indexes what the round stored once deliveries stop; the next bare round
        // starts after that, on an idle machine as before the index.
        let indexing = wait_indexed(&store);
        println!(
            "| {round} | {:.0} | {:.0} | **{:.2}** | {:.2} ms | {:.2} ms | **{:.2} ms** | {:.1} ms | {} / {} | {:.1} s |",
            b.rps(),
            r.rps(),
            r.rps() / b.rps(),
            b.p99_ms,
            r.p50_ms,
            r.p99_ms,
            r.max_ms,
            b.errors,
            r.errors,
            indexing.as_secs_f64(),
        );
    }

    if !rounds_only {
        long_run(&store, &script, &receiver_url, &db);
    }
    runtime.block_on(receiver.shutdown()).unwrap();
    store.close();
    drop(store);
    let _ = std::fs::remove_file(&db);
    let _ = std::fs::remove_file(db.with_extension("sqlite-wal"));
    let _ = std::fs::remove_file(db.with_extension("sqlite-shm"));

    if !rounds_only {
        search(&runtime, &work, &script);
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// Waits until the writer has indexed every stored delivery; returns how long that took.
fn wait_indexed(store: &Store) -> Duration {
    let started = Instant::now();
    while !store.text_index_ready().unwrap() {
        std::thread::sleep(Duration::from_millis(10));
    }
    started.elapsed()
}

/// A receiver on `store` at 127.0.0.1 with a Quay `build_success` route: the receiver, the
/// route's URL and its token.
fn receiver_on(runtime: &tokio::runtime::Runtime, store: &Store) -> (Receiver, String, String) {
    let token = store
        .create_route(&NewHookRoute {
            source: Some(Source::Quay),
            event: Some("build_success".into()),
            label: "bench".into(),
            ..NewHookRoute::default()
        })
        .unwrap()
        .token;
    let receiver = runtime
        .block_on(Receiver::start(
            ReceiverConfig {
                addr: "127.0.0.1:0".parse().unwrap(),
                ..ReceiverConfig::default()
            },
            store.clone(),
        ))
        .unwrap();
    let url = format!("http://{}/hooks/{token}", receiver.local_addr());
    (receiver, url, token)
}

fn long_run(store: &Store, script: &Path, receiver_url: &str, db: &Path) {
    // Long run: as many requests as LONG_MAX allows, up to about LONG_TARGET.
    let stored_before = store.count().unwrap();
    let (rss_before, _) = memory();
    let probe = wrk(script, receiver_url, Duration::from_secs(5));
    let seconds = ((LONG_TARGET as f64 / probe.rps()).ceil() as u64).clamp(10, LONG_MAX.as_secs());
    let long = wrk(script, receiver_url, Duration::from_secs(seconds));
    let (rss_after, hwm) = memory();
    let stored = store.count().unwrap();
    println!("\n## Long run against the receiver\n");
    println!(
        "- {} requests in {:.0} s ({:.0} req/s, p99 {:.2} ms, {} errors), plus {} before it in this run",
        long.requests,
        long.seconds,
        long.rps(),
        long.p99_ms,
        long.errors,
        stored_before + probe.requests,
    );
    println!(
        "- process RSS {:.1} MiB before the long run, {:.1} MiB after it (peak {:.1} MiB); {} deliveries stored, database {:.0} MiB",
        rss_before,
        rss_after,
        hwm,
        stored,
        file_mib(db)
    );
}

fn scratch_dir() -> PathBuf {
    // CARGO_TARGET_TMPDIR is under target/, on the same disk as a user's data folder would be
    // (not a tmpfs), so commits pay for real fsyncs.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ingest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Quay's documented `build_success` payload (tests/fixtures), compact, with its commit message
/// lengthened so the body is exactly 1,024 bytes: a realistic webhook of that size.
fn quay_build_1kib() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../tests/fixtures/quay/build_success.quayio-docs.json");
    let mut payload: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let compact_len = serde_json::to_string(&payload).unwrap().len();
    assert!(compact_len <= 1024, "{compact_len}");
    let message = &mut payload["trigger_metadata"]["commit_info"]["message"];
    let longer = format!(
        "{}{}",
        message.as_str().unwrap(),
        "x".repeat(1024 - compact_len)
    );
    *message = serde_json::Value::String(longer);
    let body = serde_json::to_string(&payload).unwrap();
    assert_eq!(body.len(), 1024, "{body}");
    body
}

fn lua_script(body: &str) -> String {
    format!(
        r#"wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [==[{body}]==]
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.0f %.0f %.0f\n",
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"#
    )
}

fn wrk(script: &Path, url: &str, duration: Duration) -> Wrk {
    let out = Command::new("wrk")
        .args([
            "-t",
            &THREADS.to_string(),
            "-c",
            &CONNECTIONS.to_string(),
            "-d",
            &format!("{}s", duration.as_secs()),
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(url)
        .output()
        .expect("wrk runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "no RESULT line from wrk: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let f: Vec<f64> = line
        .split_whitespace()
        .map(|v| v.parse().unwrap())
        .collect();
    Wrk {
        requests: f[0] as u64,
        seconds: f[1] / 1e6,
        errors: f[2] as u64,
        p50_ms: f[3] / 1e3,
        p99_ms: f[4] / 1e3,
        max_ms: f[5] / 1e3,
    }
}

/// A bare axum server answering "200 OK" after reading the body (so both sides read 1 KiB).
async fn bare_server() -> std::net::SocketAddr {
    use axum::body::Bytes;
    let app = axum::Router::new().fallback(|_body: Bytes| async { "OK" });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Resident and peak memory of this process, MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn file_mib(path: &Path) -> f64 {
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    (size(path) + size(&path.with_extension("sqlite-wal"))) as f64 / (1024.0 * 1024.0)
}

/// `Store::list` over 100,000 varied deliveries, median of SEARCH_REPEATS runs each; then the
/// receiver's latency while searches run.
fn search(runtime: &tokio::runtime::Runtime, work: &Path, script: &Path) {
    let db = work.join("search.sqlite");
    let store = Store::open(&db).unwrap();
    let hint = RouteHint {
        source: Some(Source::Quay),
        event: Some("repo_push".into()),
    };
    let started = Instant::now();
    runtime.block_on(async {
        for chunk in 0..SEARCH_ROWS / 1000 {
            let mut tasks = tokio::task::JoinSet::new();
            for i in chunk * 1000..(chunk + 1) * 1000 {
                let store = store.clone();
                let hint = hint.clone();
                tasks.spawn(async move {
                    let (ns, repo) = (i % 50, i % 2000);
                    let body = format!(
                        r#"{{"repository":"ns{ns}/repo{repo}","namespace":"ns{ns}","name":"repo{repo}","docker_url":"quay.example.com/ns{ns}/repo{repo}","homepage":"https://quay.example.com/repository/ns{ns}/repo{repo}","updated_tags":["v{i}","latest","sha-{:08x}"]}}"#,
                        i.wrapping_mul(2_654_435_761)
                    )
                    .into_bytes();
                    let headers = vec![
                        ("content-type".to_owned(), b"application/json".to_vec()),
                        ("user-agent".to_owned(), b"python-requests/2.31".to_vec()),
                    ];
                    let recognized = recognize(Some(&hint), &headers, &body);
                    store
                        .insert_async(NewDelivery {
                            received_at: now_ms(),
                            method: "POST".into(),
                            path: "/hooks/bench".into(),
                            headers,
                            size: body.len() as u64,
                            body,
                            route_token: Some("bench".into()),
                            status: 200,
                            recognized: Some(recognized),
                            ..NewDelivery::default()
                        })
                        .await
                        .unwrap()
                });
            }
            tasks.join_all().await;
        }
    });
    let filled = started.elapsed();
    assert_eq!(store.count().unwrap(), SEARCH_ROWS as u64);

    let time = |q: &Query| -> (f64, usize) {
        let mut runs: Vec<f64> = (0..SEARCH_REPEATS)
            .map(|_| {
                let t = Instant::now();
                let rows = store.list(q).unwrap();
                std::hint::black_box(rows.len());
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        runs.sort_by(f64::total_cmp);
        (runs[runs.len() / 2], store.list(q).unwrap().len())
    };
    let text = |t: &str| Query {
        text: Some(t.into()),
        ..Query::default()
    };
    let (baseline, base_rows) = time(&Query::default());
    println!(
        "\n## Search over {SEARCH_ROWS} stored deliveries (filled in {:.1} s, database {:.0} MiB)\n",
        filled.as_secs_f64(),
        file_mib(&db)
    );
    println!("| `Store::list` (newest first, limit 100) | rows | median of {SEARCH_REPEATS} | ratio to no filter |");
    println!("|---|---|---|---|");
    println!("| no filter (baseline) | {base_rows} | {baseline:.2} ms | 1.00 |");
    for (what, q) in [
        ("text `ns7/repo` (10% of rows match)", text("ns7/repo")),
        ("text `v77777` (1 row matches: full scan)", text("v77777")),
        (
            "text `no-such-text` (none match: full scan)",
            text("no-such-text"),
        ),
        (
            "repository = `ns7/repo7` (exact column)",
            Query {
                repository: Some("ns7/repo7".into()),
                ..Query::default()
            },
        ),
    ] {
        let (ms, rows) = time(&q);
        println!("| {what} | {rows} | {ms:.2} ms | {:.1} |", ms / baseline);
    }
    receiver_while_searching(runtime, &store, script);
}

/// The receiver on the 100,000-delivery store, for one round without and one with a search
/// (text matching nothing, so a full scan) running back to back on another thread.
fn receiver_while_searching(runtime: &tokio::runtime::Runtime, store: &Store, script: &Path) {
    let (receiver, url, _) = receiver_on(runtime, store);
    wrk(script, &url, Duration::from_secs(2));
    let quiet = wrk(script, &url, ROUND);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let searcher = std::thread::spawn({
        let (store, stop) = (store.clone(), stop.clone());
        move || {
            let q = Query {
                text: Some("no-such-text".into()),
                ..Query::default()
            };
            let mut took = Vec::new();
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                std::hint::black_box(store.search(&q).unwrap().len());
                took.push(t.elapsed().as_secs_f64() * 1e3);
            }
            took
        }
    });
    let busy = wrk(script, &url, ROUND);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut took = searcher.join().unwrap();
    took.sort_by(f64::total_cmp);
    runtime.block_on(receiver.shutdown()).unwrap();

    println!("\n## The receiver while a full-text search loops over {SEARCH_ROWS} deliveries\n");
    println!(
        "| receiver, {} s | req/s | p50 | p99 | max | errors |",
        ROUND.as_secs()
    );
    println!("|---|---|---|---|---|---|");
    for (what, w) in [
        ("no search running (baseline)", quiet),
        ("searching in a loop", busy),
    ] {
        println!(
            "| {what} | {:.0} | {:.2} ms | **{:.2} ms** | {:.1} ms | {} |",
            w.rps(),
            w.p50_ms,
            w.p99_ms,
            w.max_ms,
            w.errors
        );
    }
    println!(
        "\n{} searches ran meanwhile, median {:.0} ms each; p99 ratio {:.2} to the baseline.",
        took.len(),
        took.get(took.len() / 2).copied().unwrap_or(f64::NAN),
        busy.p99_ms / quiet.p99_ms
    );
}
