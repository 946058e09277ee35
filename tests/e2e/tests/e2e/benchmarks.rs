//! Benchmarks in the real window. They print figures for docs/benchmarks.md and assert only
//! that they measured something; `tests/e2e/run.sh` leaves `bench_*` out unless named.
//!
//! - `bench_memory_beside_a_hello_window`: Wharf's memory beside a hello-world Tauri 2 window, on
//!   one display in one run: the PSS of each app's whole process tree (the app, WebKit's web and
//!   network processes, their sandbox helpers). `tests/memory/measure.sh` runs it on release
//!   builds. The hello window comes from the template in `tests/memory/hello-window`. Wharf is
//!   measured as the issue describes it: a store pre-filled with `WHARF_MEMORY_STORED`
//!   deliveries (1,000,000), connected to a registry, one delivery opened in the Inbox, then a
//!   flood of `WHARF_MEMORY_FLOOD` deliveries (10,000) shown live, then idle.
//! - `bench_input_to_paint_while_flooding`: keystrokes into the Inbox's search field, from the
//!   WebDriver key action to the frame that shows them, idle and while deliveries pour in.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use e2e::webdriver::Session;
use inbox::recognize::{recognize, RouteHint};
use inbox::store::{NewDelivery, NewHookRoute, Store};

use crate::workflows::{acme_quay, add_connection, click, nav, open_repository, WAIT};

const IDENTIFIER: &str = "dev.wharf.desktop";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
        })
        .unwrap_or(default)
}

fn xdg(var: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(var).unwrap_or_else(|| panic!("{var} is set by run.sh")))
}

/// PSS and USS (private pages) of one process in KiB (0 when it is gone). PSS splits each
/// shared page between the processes that map it, so it depends on what else runs; USS does not.
fn pss_uss_kib(pid: u32) -> (u64, u64) {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let field = |name: &str| -> u64 {
        rollup
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            .unwrap_or(0)
    };
    (
        field("Pss:"),
        field("Private_Clean:") + field("Private_Dirty:"),
    )
}

/// The running process started from `exe`, and every process below it, PSS summed by kind:
/// `main`, `web` (WebKitWebProcess), `network` (WebKitNetworkProcess) and `other`.
fn tree_pss(exe: &Path) -> HashMap<&'static str, u64> {
    let all = e2e::processes();
    let tree = e2e::process_tree(exe, &all);
    let root = tree[0].pid;
    let mut kinds = HashMap::new();
    for process in &tree {
        let (pid, name) = (process.pid, process.name.as_str());
        let kind = if pid == root {
            "main"
        } else if name.starts_with("WebKitWebProces") {
            "web"
        } else if name.starts_with("WebKitNetworkPr") {
            "network"
        } else {
            "other"
        };
        let (pss, uss) = pss_uss_kib(pid);
        *kinds.entry(kind).or_insert(0) += pss;
        *kinds.entry("uss").or_insert(0) += uss;
    }
    let others = all
        .iter()
        .filter(|p| p.name.starts_with("WebKitWebProces") && !tree.iter().any(|t| t.pid == p.pid))
        .count();
    if others > 0 {
        println!(
            "MEMORY warning: {others} other WebKit web processes were running; they share libraries with this one, which lowers its PSS"
        );
    }
    kinds
}

/// Prints one tree's figures; returns its total PSS and USS in MB.
fn report(label: &str, kinds: &HashMap<&'static str, u64>) -> (f64, f64) {
    let mib = |k: &str| kinds.get(k).copied().unwrap_or(0) as f64 / 1024.0;
    let total = ["main", "web", "network", "other"]
        .iter()
        .map(|k| mib(k))
        .sum::<f64>();
    println!(
        "MEMORY {label}: total {total:.0} MB PSS (main {:.0}, web {:.0}, network {:.0}, other {:.0}); USS {:.0} MB",
        mib("main"),
        mib("web"),
        mib("network"),
        mib("other"),
        mib("uss")
    );
    (total, mib("uss"))
}

/// Prints how many elements the page holds and how many rows the Inbox renders and keeps.
async fn page_size(session: &Session, when: &str) {
    let size = session
        .execute(
            "return [document.getElementsByTagName('*').length,\
                     document.querySelectorAll('[data-testid=inbox-row]').length,\
                     document.querySelector('[data-testid=inbox-count]')?.textContent ?? ''];",
            vec![],
        )
        .await;
    println!("MEMORY page {when}: {size}");
}

/// Leaves the window alone for `idle`, with a WebDriver call every 10 s: the driver ends a
/// session it has not heard from for about a minute.
async fn rest(session: &Session, idle: Duration) {
    let until = Instant::now() + idle;
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(10).min(until - Instant::now())).await;
        session.execute("return 0;", vec![]).await;
    }
}

/// Fills the app's inbox (before it starts) with `count` deliveries: the registries' sample
/// payloads in turn, recognised as the receiver would, on one route. Retention is raised so
/// that they are all kept.
async fn prefill(count: u64) {
    let config = xdg("XDG_CONFIG_HOME").join(IDENTIFIER);
    let data = xdg("XDG_DATA_HOME").join(IDENTIFIER);
    std::fs::create_dir_all(&config).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    let mut settings = inbox::settings::Settings::load(&config).unwrap_or_default();
    settings.retention_max_count = Some(count + 100_000);
    settings.retention_max_mib = None;
    settings.retention_max_days = None;
    settings.save(&config).unwrap();
    let store = Store::open(data.join(inbox::runtime::DATABASE_FILE)).unwrap();
    let already = store.count().unwrap();
    if already >= count {
        return;
    }
    let started = Instant::now();
    let route = store
        .create_route(&NewHookRoute {
            label: "memory pre-fill".into(),
            ..NewHookRoute::default()
        })
        .unwrap();
    let samples = inbox::samples::all();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut in_flight = tokio::task::JoinSet::new();
    for n in already..count {
        let sample = &samples[n as usize % samples.len()];
        let mut headers: Vec<(String, Vec<u8>)> = sample
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into_bytes()))
            .collect();
        headers.push(("x-request-id".into(), format!("prefill-{n}").into_bytes()));
        let hint = RouteHint {
            source: Some(sample.source),
            event: Some(sample.event.clone()),
        };
        let recognized = recognize(Some(&hint), &headers, &sample.body);
        let delivery = NewDelivery {
            received_at: now - (count - n) as i64 * 1000,
            method: "POST".into(),
            path: format!("/hooks/{}", route.token),
            headers,
            remote_addr: Some("127.0.0.1:40000".into()),
            size: sample.body.len() as u64,
            body: sample.body.clone(),
            route_token: Some(route.token.clone()),
            status: 200,
            recognized: Some(recognized),
            ..NewDelivery::default()
        };
        let store = store.clone();
        in_flight.spawn(async move { store.insert_async(delivery).await.unwrap() });
        if in_flight.len() >= 1024 {
            in_flight.join_next().await.unwrap().unwrap();
        }
    }
    while let Some(done) = in_flight.join_next().await {
        done.unwrap();
    }
    store.close();
    println!(
        "MEMORY pre-fill: {} deliveries stored in {:.0} s",
        count - already,
        started.elapsed().as_secs_f64()
    );
}

/// Posts `count` Quay pushes to `url` from 127.0.0.1, `WHARF_FLOOD_IN_FLIGHT` (48) at a time
/// (the receiver takes 64 connections per sender address); all must be stored.
async fn flood(url: &str, count: usize) {
    let in_flight_max = env_number("WHARF_FLOOD_IN_FLIGHT", 48) as usize;
    let sample = inbox::samples::sample(inbox::recognize::Source::Quay, "repo_push", None).unwrap();
    let client = reqwest::Client::new();
    let mut in_flight = tokio::task::JoinSet::new();
    for _ in 0..count {
        let mut request = client.post(url).body(sample.body.clone());
        for (name, value) in &sample.headers {
            request = request.header(name, value);
        }
        in_flight.spawn(async move { request.send().await.map(|r| r.status().as_u16()) });
        if in_flight.len() >= in_flight_max {
            assert_eq!(in_flight.join_next().await.unwrap().unwrap().unwrap(), 200);
        }
    }
    while let Some(done) = in_flight.join_next().await {
        assert_eq!(done.unwrap().unwrap(), 200);
    }
}

#[tokio::test]
#[ignore = "a benchmark: tests/memory/measure.sh runs it on release builds"]
async fn bench_memory_beside_a_hello_window() {
    let hello = PathBuf::from(
        std::env::var_os("WHARF_HELLO_APP")
            .expect("WHARF_HELLO_APP: the hello-window binary (tests/memory/measure.sh builds it)"),
    );
    let stored = env_number("WHARF_MEMORY_STORED", 1_000_000);
    let flooded = env_number("WHARF_MEMORY_FLOOD", 10_000) as usize;
    let idle = Duration::from_secs(env_number("WHARF_MEMORY_IDLE_SECONDS", 30));

    let session = Session::start(&e2e::webdriver_url(), &hello).await;
    session
        .wait_text("h1", WAIT, |t| t == "Welcome to Tauri")
        .await;
    rest(&session, idle).await;
    let compositing = match std::env::var("WEBKIT_DISABLE_COMPOSITING_MODE") {
        Ok(v) if v != "0" => "compositing off",
        _ => "compositing on (WebKit's default)",
    };
    let baseline = report(
        &format!("hello-world Tauri 2 window, {compositing}"),
        &tree_pss(&hello),
    );
    session.quit().await;

    prefill(stored).await;
    let app = e2e::app_binary();
    // A wrapper script that sets WebKit's environment and execs Wharf is measured as Wharf.
    let measured = std::env::var_os("WHARF_MEMORY_EXE").map_or_else(|| app.clone(), PathBuf::from);
    let session = Session::start(&e2e::webdriver_url(), &app).await;
    let _quay = {
        let fake = acme_quay("memory-token", &["api", "web"]).await;
        add_connection(
            &session,
            "memory Quay",
            "quay",
            fake.base_url(),
            None,
            "memory-token",
        )
        .await;
        open_repository(&session, "memory Quay", "acme", "api").await;
        fake
    };
    let url = e2e::mint_route(&session, "memory", 200).await;
    flood(&url, 1).await;
    nav(&session, "inbox").await;
    let row = session.find("[data-testid=inbox-row]", WAIT).await;
    session.click(&row).await;
    session.find("[data-testid=inbox-detail]", WAIT).await;
    click(&session, "inbox-detail-close").await;
    page_size(&session, "before the flood").await;
    let started = Instant::now();
    flood(&url, flooded).await;
    println!(
        "MEMORY flood: {flooded} deliveries stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    rest(&session, idle).await;
    page_size(&session, "after the flood").await;
    let wharf = report(
        &format!(
            "Wharf ({stored} stored, {flooded} flooded, idle {} s)",
            idle.as_secs()
        ),
        &tree_pss(&measured),
    );
    println!(
        "MEMORY ratio: {:.2} × the hello-world window in PSS, {:.2} × in USS",
        wharf.0 / baseline.0,
        wharf.1 / baseline.1
    );
    assert!(baseline.0 > 0.0 && wharf.0 > 0.0);
    session.quit().await;
}

/// Types one key into the focused search field `count` times, `gap` apart, and returns each
/// key's input-to-paint time in ms: from just before the WebDriver key action was sent to the
/// animation frame after the field's `input` event (the frame that paints the character). Both
/// clocks are this machine's wall clock.
async fn keystrokes(session: &Session, count: usize, gap: Duration) -> Vec<f64> {
    session
        .execute(
            "window.__paints = [];\
             const field = document.querySelector('[data-testid=inbox-filter-text]');\
             if (!field.__probed) { field.__probed = true; field.addEventListener('input', () =>\
               requestAnimationFrame(() => window.__paints.push(performance.timeOrigin + performance.now()))); }",
            vec![],
        )
        .await;
    let field = session.find("[data-testid=inbox-filter-text]", WAIT).await;
    session.click(&field).await;
    let mut sent = Vec::new();
    for i in 0..count {
        sent.push(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs_f64()
                * 1000.0,
        );
        session
            .type_into_focus(if i % 2 == 0 { "x" } else { "\u{E003}" })
            .await;
        tokio::time::sleep(gap).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let painted = session.execute("return window.__paints;", vec![]).await;
    let painted: Vec<f64> = serde_json::from_value(painted).unwrap();
    let focus = session
        .execute(
            "return document.activeElement && document.activeElement.dataset.testid;",
            vec![],
        )
        .await;
    assert_eq!(
        painted.len(),
        count,
        "a keystroke was never painted (focus on {focus})"
    );
    painted.iter().zip(&sent).map(|(p, s)| p - s).collect()
}

/// Pours deliveries into `url` for the keystrokes to contend with: with wrk when it is
/// installed (48 connections for 8 s: this test's own debug-built sender tops out near 4,000 a
/// second), else `count` through [`flood`]. Returns the sender and how many were stored.
async fn pour(url: &str, count: usize) -> (&'static str, u64) {
    if std::process::Command::new("wrk")
        .arg("--version")
        .output()
        .is_err()
    {
        flood(url, count).await;
        return ("reqwest", count as u64);
    }
    let sample = inbox::samples::sample(inbox::recognize::Source::Quay, "repo_push", None).unwrap();
    let dir = std::env::temp_dir().join(format!("wharf-pour-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("body.json"), &sample.body).unwrap();
    let mut script = format!(
        "wrk.method = \"POST\"\nwrk.body = io.open(\"{}\"):read(\"*a\")\n",
        dir.join("body.json").display()
    );
    for (name, value) in &sample.headers {
        script.push_str(&format!("wrk.headers[\"{name}\"] = \"{value}\"\n"));
    }
    std::fs::write(dir.join("post.lua"), script).unwrap();
    let (script, url) = (dir.join("post.lua"), url.to_owned());
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("wrk")
            .args(["-t", "1", "-c", "48", "-d", "8s", "-s"])
            .arg(script)
            .arg(url)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !report.contains("Non-2xx"),
        "wrk saw answers other than 2xx: {report}"
    );
    let requests = report
        .lines()
        .find_map(|l| l.trim().split_once(" requests in "))
        .and_then(|(n, _)| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no request count in {report}"));
    ("wrk", requests)
}

fn percentiles(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "PAINT {label}: {} keystrokes, input-to-paint median {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        ms.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
}

#[tokio::test]
#[ignore = "a benchmark: run it by name through tests/e2e/run.sh"]
async fn bench_input_to_paint_while_flooding() {
    let flooded = env_number("WHARF_PAINT_FLOOD", 30_000) as usize;
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    let url = e2e::mint_route(&session, "paint", 200).await;
    nav(&session, "inbox").await;
    session.wait_text("main h1", WAIT, |t| t == "Inbox").await;
    percentiles(
        "idle",
        keystrokes(&session, 20, Duration::from_millis(250)).await,
    );

    let started = Instant::now();
    let pouring = tokio::spawn({
        let url = url.clone();
        async move { pour(&url, flooded).await }
    });
    let during = keystrokes(&session, 20, Duration::from_millis(100)).await;
    let keys_done = started.elapsed();
    let (sender, stored) = pouring.await.unwrap();
    let took = started.elapsed().as_secs_f64();
    println!(
        "PAINT flood ({sender}): {stored} deliveries in {took:.1} s ({:.0} a second); the keystrokes took the first {:.1} s",
        stored as f64 / took,
        keys_done.as_secs_f64()
    );
    percentiles("while flooding", during);
    session.quit().await;
}
