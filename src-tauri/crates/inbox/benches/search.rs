//! Search benchmark: a real SQLite store filled with 1,000,000 deliveries through the store's
//! own writer (so the full-text index is built as the receiver builds it), then the inbox's
//! queries timed on it: opening the store and reading the first page, text searches and
//! filters, each answering the first page as the UI asks for it (500 rows, newest first).
//!
//! `cargo bench -p wharf-inbox --bench search` prints Markdown for docs/benchmarks.md: median
//! and p95 of each query. Nothing is asserted.
//!
//! The deliveries are the registries' documented payloads (tests/fixtures: every Quay event and
//! every DTR type) made distinct: namespace, repository, tag, digest and commit vary per
//! delivery, headers are what each registry sends plus a unique request id, and about one in
//! a thousand is refused (404, an unknown route). The filled file is kept between runs under
//! `target/tmp/search-1m/` (about 2 GB); `-- refill` starts it again.

// The allocator the app's binary uses (src-tauri/src/main.rs).
#[global_allocator]
static ALLOCATOR: inbox::allocator::Allocator = inbox::allocator::Allocator;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use inbox::recognize::{recognize, RouteHint, Source};
use inbox::store::{NewDelivery, NewHookRoute, Query, Store};
use serde_json::Value;

const DELIVERIES: u64 = 1_000_000;
/// Inserts in flight while filling: enough for the writer's batches to fill up.
const IN_FLIGHT: usize = 1024;
/// The inbox list's page (ui/src/features/inbox/inbox-list.svelte.ts, `PAGE`).
const PAGE: usize = 500;
const REPEATS: usize = 25;
/// Runs of each count: a count reads every match, seconds for a common text.
const COUNT_REPEATS: usize = 5;
/// Deliveries from this many namespaces × repositories.
const NAMESPACES: u64 = 40;
const REPOSITORIES: u64 = 500;

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("search: a benchmark; run it with `cargo bench -p wharf-inbox --bench search`");
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("search-1m");
    let db = dir.join("inbox.sqlite");
    if std::env::args().any(|a| a == "refill") {
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir).unwrap();
    let fixtures = fixtures();
    let filled = Store::open(&db).unwrap().count().unwrap();
    if filled < DELIVERIES {
        fill(&db, &fixtures, filled);
    }

    println!("## Search over {DELIVERIES} deliveries\n");
    println!(
        "File: {:.0} MiB. Each row: median and p95 of {REPEATS} runs; the first page is {PAGE} rows, newest first.\n",
        file_mib(&db)
    );
    open_then_first_page(&db);
    queries(&db);
    counts(&db);
    upgrade(&dir, &fixtures);
}

/// A file from before the index (schema 3) with 100,000 deliveries, opened by this version:
/// how long the open takes (the upgrade's own transaction, during which nothing is received)
/// and how long the background indexing of the older rows runs.
fn upgrade(dir: &Path, fixtures: &[Fixture]) {
    const ROWS: u64 = 100_000;
    let db = dir.join("upgrade.sqlite");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    fill_n(&db, fixtures, ROWS);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER deliveries_text_delete; DROP TABLE deliveries_text_terms; DROP TABLE deliveries_text; \
         DROP TABLE text_indexed; DROP TABLE text_chars; DROP INDEX deliveries_status; DROP TABLE forward_attempts; \
         DROP TABLE forward_queue; DROP TABLE route_forwards; DROP TABLE delivery_forward; \
         DROP TABLE forward_lease; PRAGMA user_version = 3; VACUUM;",
    )
    .unwrap();
    drop(conn);
    let started = Instant::now();
    let store = Store::open(&db).unwrap();
    let opened = started.elapsed();
    wait_indexed(&store);
    let indexed = started.elapsed();
    println!(
        "\nUpgrade of a schema-3 file with {ROWS} deliveries: `Store::open` (schema change and status index, before the receiver starts) {:.0} ms; older rows indexed in the background in {:.1} s.",
        opened.as_secs_f64() * 1000.0,
        indexed.as_secs_f64()
    );
}

/// A payload template per fixture, with the route hint the registry's notification would carry.
struct Fixture {
    source: Source,
    event: String,
    payload: Value,
}

fn fixtures() -> Vec<Fixture> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/fixtures");
    let mut out = Vec::new();
    for (source, folder) in [(Source::Quay, "quay"), (Source::Dtr, "dtr")] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        files.sort();
        for file in files {
            let name = file.file_stem().unwrap().to_string_lossy().into_owned();
            let event = name.split('.').next().unwrap().to_owned();
            let payload = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
            out.push(Fixture {
                source,
                event,
                payload,
            });
        }
    }
    out
}

/// A distinct, reproducible hex string for `n`.
fn hex(n: u64, len: usize) -> String {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut s = String::with_capacity(len);
    while s.len() < len {
        x ^= x >> 31;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        s.push_str(&format!("{x:016x}"));
    }
    s.truncate(len);
    s
}

fn set(v: &mut Value, pointer: &str, to: Value) {
    if let Some(slot) = v.pointer_mut(pointer) {
        *slot = to;
    }
}

/// Delivery `n`: fixture `n % len`, with its names, tag, digest and commit made its own.
fn delivery(n: u64, fixtures: &[Fixture], routes: &[String]) -> NewDelivery {
    let which = (n % fixtures.len() as u64) as usize;
    let f = &fixtures[which];
    let ns = format!("team{}", n % NAMESPACES);
    let repo = format!("service{}", (n / NAMESPACES) % REPOSITORIES);
    let tag = format!("v{}.{}.{}", n / 10_000, (n / 100) % 100, n % 100);
    let digest = format!("sha256:{}", hex(n, 64));
    let mut p = f.payload.clone();
    match f.source {
        Source::Quay => {
            let full = format!("{ns}/{repo}");
            set(&mut p, "/repository", Value::String(full.clone()));
            set(&mut p, "/namespace", Value::String(ns.clone()));
            set(&mut p, "/name", Value::String(repo.clone()));
            set(&mut p, "/docker_url", format!("quay.io/{full}").into());
            set(
                &mut p,
                "/homepage",
                format!("https://quay.io/repository/{full}").into(),
            );
            set(
                &mut p,
                "/docker_tags",
                serde_json::json!([tag.clone(), "latest"]),
            );
            set(&mut p, "/build_id", Value::String(hex(n + 7, 32)));
            set(
                &mut p,
                "/trigger_metadata/commit",
                Value::String(hex(n + 11, 40)),
            );
            match p.get("updated_tags") {
                Some(Value::Array(_)) => set(&mut p, "/updated_tags", serde_json::json!([tag])),
                Some(Value::Object(_)) => set(
                    &mut p,
                    "/updated_tags",
                    serde_json::json!({ tag.clone(): hex(n, 64) }),
                ),
                _ => {}
            }
        }
        _ => {
            set(&mut p, "/contents/namespace", Value::String(ns.clone()));
            set(&mut p, "/contents/repository", Value::String(repo.clone()));
            set(&mut p, "/contents/tag", Value::String(tag.clone()));
            set(&mut p, "/contents/digest", Value::String(digest.clone()));
            set(
                &mut p,
                "/contents/imageName",
                format!("dtr.example.com/{ns}/{repo}:{tag}").into(),
            );
            set(
                &mut p,
                "/location",
                format!("/repositories/{ns}/{repo}/tags/{tag}").into(),
            );
        }
    }
    let body = serde_json::to_vec(&p).unwrap();
    let agent: &[u8] = match f.source {
        Source::Quay => b"python-requests/2.31.0",
        _ => b"Go-http-client/1.1",
    };
    let mut headers = vec![
        ("host".to_owned(), b"wharf.local:8787".to_vec()),
        ("user-agent".to_owned(), agent.to_vec()),
        ("content-type".to_owned(), b"application/json".to_vec()),
        (
            "content-length".to_owned(),
            body.len().to_string().into_bytes(),
        ),
        (
            "x-request-id".to_owned(),
            format!("req-{}", hex(n + 3, 20)).into_bytes(),
        ),
    ];
    // Ten rows, one in 100,000, carry a character found nowhere else.
    if n % 100_000 == 4_321 {
        headers.push(("x-note".to_owned(), b"~".to_vec()));
    }
    // One in 50 of the older half carries a character found nowhere else, before two letters
    // of 676 pairs: common in old deliveries, absent from the newest half, and beginning more
    // trigrams than a short text looks up side by side.
    if n < DELIVERIES / 2 && n % 50 == 7 {
        let letter = |k: u64| char::from(b'a' + (k % 26) as u8);
        let mark = format!("§{}{}", letter(n / 50), letter(n / 1300));
        headers.push(("x-mark".to_owned(), mark.into_bytes()));
    }
    // One in 1,500 of the older half holds two letters of a script, each time before another
    // letter of it: more trigrams begin them than FTS5's vocabulary is asked to list.
    if n < DELIVERIES / 2 && n % 1500 == 11 {
        let third = char::from_u32(0x4e00 + (n / 1500) as u32).unwrap();
        headers.push(("x-note".to_owned(), format!("漢字{third}").into_bytes()));
    }
    // Every row of the oldest 40% holds a header newer ones do not, its value two letters
    // before each of 26 others: lists too long to count within a search's time.
    if n < DELIVERIES * 2 / 5 {
        let legacy: Vec<String> = (b'a'..=b'z').map(|c| format!("qj{}", c as char)).collect();
        headers.push(("x-legacy".to_owned(), legacy.join(" ").into_bytes()));
    }
    // About one in a thousand went to a route that does not exist.
    let refused = n.is_multiple_of(997);
    let token = if refused {
        hex(n, 32)
    } else {
        routes[which].clone()
    };
    let hint = match f.source {
        Source::Quay => RouteHint::quay(f.event.clone()),
        _ => RouteHint::dtr(f.event.clone()),
    };
    NewDelivery {
        // One a second, ending now: a million is eleven and a half days.
        received_at: inbox::store::now_ms() - (DELIVERIES - n) as i64 * 1000,
        method: "POST".into(),
        path: format!("/hooks/{token}"),
        query: None,
        recognized: Some(recognize((!refused).then_some(&hint), &headers, &body)),
        headers,
        remote_addr: Some("10.0.3.17:41234".into()),
        size: body.len() as u64,
        body,
        route_token: Some(token),
        status: if refused { 404 } else { 200 },
        forward: false,
    }
}

fn routes(store: &Store, fixtures: &[Fixture]) -> Vec<String> {
    let existing = store.list_routes();
    if existing.len() == fixtures.len() {
        return existing.into_iter().map(|r| r.token).collect();
    }
    fixtures
        .iter()
        .map(|f| {
            store
                .create_route(&NewHookRoute {
                    source: Some(f.source),
                    event: Some(f.event.clone()),
                    label: format!("bench {}", f.event),
                    ..NewHookRoute::default()
                })
                .unwrap()
                .token
        })
        .collect()
}

fn fill(db: &Path, fixtures: &[Fixture], from: u64) {
    let started = Instant::now();
    let indexing = fill_range(db, fixtures, from, DELIVERIES);
    let took = started.elapsed();
    println!(
        "Filled {} deliveries through the store's writer in {:.0} s ({:.0} per second); the writer indexed them in the {:.0} s after (it indexes when no delivery waits).\n",
        DELIVERIES - from,
        (took - indexing).as_secs_f64(),
        (DELIVERIES - from) as f64 / (took - indexing).as_secs_f64(),
        indexing.as_secs_f64()
    );
}

/// Waits until the writer has indexed every delivery.
fn wait_indexed(store: &Store) {
    while !store.text_index_ready().unwrap() {
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn fill_n(db: &Path, fixtures: &[Fixture], rows: u64) {
    fill_range(db, fixtures, 0, rows);
}

/// Stores deliveries `from..to`, then waits for the index; returns how long that wait took.
fn fill_range(db: &Path, fixtures: &[Fixture], from: u64, to: u64) -> Duration {
    let store = Store::open(db).unwrap();
    let routes = routes(&store, fixtures);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let started = Instant::now();
    runtime.block_on(async {
        let mut in_flight: tokio::task::JoinSet<inbox::store::Result<i64>> =
            tokio::task::JoinSet::new();
        for n in from..to {
            if in_flight.len() >= IN_FLIGHT {
                in_flight.join_next().await.unwrap().unwrap().unwrap();
            }
            let d = delivery(n, fixtures, &routes);
            let store = store.clone();
            in_flight.spawn(async move { store.insert_async(d).await });
            if n % 100_000 == 99_999 {
                eprintln!("filled {} in {:.0?}", n + 1, started.elapsed());
            }
        }
        while let Some(done) = in_flight.join_next().await {
            done.unwrap().unwrap();
        }
    });
    let stored = Instant::now();
    wait_indexed(&store);
    stored.elapsed()
}

fn file_mib(db: &Path) -> f64 {
    std::fs::metadata(db).map_or(0.0, |m| m.len() as f64 / (1024.0 * 1024.0))
}

/// Median and p95 in milliseconds.
fn stats(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p95 = ((times.len() as f64 * 0.95).ceil() as usize).clamp(1, times.len()) - 1;
    (ms(times[times.len() / 2]), ms(times[p95]))
}

/// The inbox opening: the store opened (as the app does at start) and its first page read.
fn open_then_first_page(db: &Path) {
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..REPEATS {
        let started = Instant::now();
        let store = Store::open(db).unwrap();
        rows = store
            .search(&Query {
                limit: Some(PAGE),
                ..Query::default()
            })
            .unwrap()
            .len();
        times.push(started.elapsed());
        drop(store);
    }
    let (median, p95) = stats(times);
    println!("| query | rows | median | p95 |");
    println!("|---|---|---|---|");
    println!("| open the store + first page, no filter | {rows} | {median:.2} ms | {p95:.2} ms |");
}

fn queries(db: &Path) {
    let store = Store::open(db).unwrap();
    let route = store
        .list_routes()
        .into_iter()
        .find(|r| r.route.event.as_deref() == Some("TAG_PUSH"))
        .unwrap()
        .token;
    let newest = DELIVERIES - 1;
    let q = |f: &dyn Fn(&mut Query)| {
        let mut q = Query {
            limit: Some(PAGE),
            ..Query::default()
        };
        f(&mut q);
        q
    };
    let text = |t: &str| {
        let t = t.to_owned();
        q(&move |q: &mut Query| q.text = Some(t.clone()))
    };
    let cases: Vec<(String, Query)> = vec![
        ("no filter (the list's first page)".into(), q(&|_| {})),
        ("text `service7` (common: 1 in 45)".into(), text("service7")),
        (
            "text `team3/service123` (1 in 20,000)".into(),
            text("team3/service123"),
        ),
        (
            format!(
                "text of one tag `v{}.{}.{}` (newest row)",
                newest / 10_000,
                (newest / 100) % 100,
                newest % 100
            ),
            text(&format!(
                "v{}.{}.{}",
                newest / 10_000,
                (newest / 100) % 100,
                newest % 100
            )),
        ),
        (
            "text of one tag `v12.34.56` (one row, 12% down)".into(),
            text("v12.34.56"),
        ),
        (
            "text of one header value (x-request-id of row 500,000)".into(),
            text(&format!("req-{}", hex(500_000 + 3, 20))),
        ),
        (
            "text: part of one digest (a DTR push, row 19)".into(),
            text(&hex(19, 64)[..24]),
        ),
        (
            "text `no-such-text` (nothing matches)".into(),
            text("no-such-text"),
        ),
        (
            "text `zq` (2 characters, 15 rows: old `x-mark` headers)".into(),
            text("zq"),
        ),
        (
            "text `~` (1 character, 10 rows: one in 100,000)".into(),
            text("~"),
        ),
        ("text `e` (1 character, in every row)".into(), text("e")),
        (
            "text `É` (1 character outside ASCII, nothing matches)".into(),
            text("É"),
        ),
        (
            "text `§` (1 character, 1 in 50 of the older half, none newer)".into(),
            text("§"),
        ),
        ("text `7/` (2 characters, 1 in 40)".into(), text("7/")),
        (
            "text `漢字` (2 characters, 333 rows of the older half, each before another letter)"
                .into(),
            text("漢字"),
        ),
        (
            "text `qj` (2 characters, in every row of the oldest 40%, none newer)".into(),
            text("qj"),
        ),
        (
            "event = `TAG_PUSH`".into(),
            q(&|q| q.event = Some("TAG_PUSH".into())),
        ),
        (
            "event = `build_failure`".into(),
            q(&|q| q.event = Some("build_failure".into())),
        ),
        ("source = DTR".into(), q(&|q| q.source = Some(Source::Dtr))),
        (
            "status = 404 (1 in 997)".into(),
            q(&|q| q.status = Some(404)),
        ),
        (
            "route = the TAG_PUSH route".into(),
            q({
                let route = route.clone();
                &move |q: &mut Query| q.route = Some(route.clone())
            }),
        ),
        (
            "repository part `team7/` (1 in 40)".into(),
            q(&|q| q.repository = Some("team7/".into())),
        ),
        (
            "repository part `team7/service42` (11 repositories: 1 in 1,800)".into(),
            q(&|q| q.repository = Some("team7/service42".into())),
        ),
        (
            "text `sha256` + event `TAG_PUSH` + status 404".into(),
            q(&|q| {
                q.text = Some("sha256".into());
                q.event = Some("TAG_PUSH".into());
                q.status = Some(404);
            }),
        ),
        (
            "text `latest` + repository `team7/service42`".into(),
            q(&|q| {
                q.text = Some("latest".into());
                q.repository = Some("team7/service42".into());
            }),
        ),
        (
            "second page of text `service7` (before the first page's last id)".into(),
            {
                let first = store.search(&text("service7")).unwrap();
                let mut q = text("service7");
                q.before = first.last().map(|d| d.id);
                q
            },
        ),
    ];
    for (name, query) in cases {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..REPEATS {
            let started = Instant::now();
            rows = store.search(&query).unwrap().len();
            times.push(started.elapsed());
        }
        let (median, p95) = stats(times);
        println!("| {name} | {rows} | {median:.2} ms | {p95:.2} ms |");
    }
}

/// The Inbox's export label counts what its filters match, after each search: how long each
/// count takes, and how long a delivery's detail (a row clicked meanwhile) takes to read while
/// the longest of them runs.
fn counts(db: &Path) {
    let store = Store::open(db).unwrap();
    let text = |t: &str| Query {
        text: Some(t.into()),
        ..Query::default()
    };
    println!("\n| count (the export label) | deliveries | median | p95 |");
    println!("|---|---|---|---|");
    for (name, query) in [
        ("no filter", Query::default()),
        ("text `service7`", text("service7")),
        ("text `latest`", text("latest")),
        ("text `e`", text("e")),
        ("text `qj`", text("qj")),
    ] {
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..COUNT_REPEATS {
            let started = Instant::now();
            n = store.count_matching(&query).unwrap();
            times.push(started.elapsed());
        }
        let (median, p95) = stats(times);
        println!("| {name} | {n} | {median:.2} ms | {p95:.2} ms |");
    }
    let mut times = Vec::new();
    for _ in 0..COUNT_REPEATS {
        let counting = std::thread::spawn({
            let (store, query) = (store.clone(), text("qj"));
            move || store.count_matching(&query).unwrap()
        });
        std::thread::sleep(Duration::from_millis(100));
        let started = Instant::now();
        store.get(DELIVERIES as i64 / 2).unwrap().unwrap();
        times.push(started.elapsed());
        counting.join().unwrap();
    }
    let (median, p95) = stats(times);
    println!(
        "\nA delivery's detail read 100 ms into a count of `qj`: median {median:.2} ms, p95 {p95:.2} ms."
    );
}
