//! Fleet benchmark: the overview scan, a rollout to 1,000 repositories and plan computation,
//! against the fake Quay with injected latency.
//!
//! `cargo bench -p wharf-registry --bench fleet` prints Markdown for docs/benchmarks.md. Each
//! timed row is compared with what perfect bounded concurrency would take (every request costs
//! the injected latency, `concurrency` in flight) and with a same-run sleep baseline running that
//! ideal schedule over bare sleeps, so the last column is Wharf's and HTTP's own cost.

use std::time::{Duration, Instant};

use fakes::quay::{FakeQuay, Scope};
use registry::client::Client;
use registry::connection::{Connection, ConnectionKind};
use registry::fleet::plan::{apply, plan_copy, plan_target, Change, Wanted};
use registry::fleet::scan::{scan, ScanEvent};
use registry::fleet::{NotificationSpec, Source, Target};
use registry::listing::{self, Cancel};
use registry::quay::client::QuayClient;
use registry::quay::{QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef};
use registry::tls::TlsOptions;

mod support;
use support::{memory, row};

const LATENCY: Duration = Duration::from_millis(50);
const REPOSITORIES: usize = 1_000;
const BIG: usize = 10_000;
const CONCURRENCY: usize = 8;
const TOKEN: &str = "qTok-Bench-fleet-0123456789";

/// `sequential` requests one after another, then `fanned` items of `per_item` requests each
/// with `concurrency` items at a time.
fn ideal(sequential: usize, fanned: usize, per_item: u32, concurrency: usize) -> Duration {
    LATENCY * sequential as u32 + LATENCY * per_item * fanned.div_ceil(concurrency) as u32
}

/// The ideal schedule run over bare sleeps.
async fn baseline(sequential: usize, fanned: usize, per_item: u32, concurrency: usize) -> Duration {
    let started = Instant::now();
    for _ in 0..sequential {
        tokio::time::sleep(LATENCY).await;
    }
    listing::bounded(
        (0..fanned).collect(),
        concurrency,
        |_| async move {
            tokio::time::sleep(LATENCY * per_item).await;
            Ok::<_, ()>(())
        },
        |_| {},
    )
    .await;
    started.elapsed()
}

fn hook(url: &str, event: QuayEventSpec) -> QuayNotificationDraft {
    QuayNotificationDraft {
        title: String::new(),
        event,
        method: QuayMethodSpec::Webhook {
            url: url.into(),
            template: String::new(),
        },
    }
}

async fn fleet(repositories: usize, notifications_each: usize) -> (FakeQuay, Source, Vec<Target>) {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    let mut targets = Vec::new();
    for i in 0..repositories {
        let name = format!("svc-{i:05}");
        fake.add_repo("acme", &name, false);
        for n in 0..notifications_each {
            client
                .create_notification(
                    &QuayRepoRef::new("acme", &name),
                    &hook(
                        &format!("http://127.0.0.2:9/hooks/{name}-{n}"),
                        QuayEventSpec::RepoPush,
                    ),
                )
                .await
                .unwrap();
        }
        targets.push(Target::repository("acme", name));
    }
    let connection = Connection::new(
        "bench",
        ConnectionKind::Quay,
        fake.base_url(),
        None,
        TlsOptions::default(),
    )
    .unwrap();
    let source = Source {
        connection_id: connection.id,
        connection: "bench".into(),
        client: Client::new(&connection, TOKEN).unwrap(),
    };
    (fake, source, targets)
}

async fn overview_scan() -> String {
    let (fake, source, _) = fleet(REPOSITORIES, 1).await;
    fake.set_latency(LATENCY);
    let pages = REPOSITORIES.div_ceil(100);
    let base = baseline(pages, REPOSITORIES, 1, CONCURRENCY).await;
    let started = Instant::now();
    let (mut targets_at, mut first_rows_at) = (None, None);
    let summary = scan(
        &[source],
        Some("acme"),
        CONCURRENCY,
        &Cancel::default(),
        |e| match e {
            ScanEvent::Targets { .. } => targets_at = Some(Instant::now()),
            ScanEvent::Rows { .. } if first_rows_at.is_none() => {
                first_rows_at = Some(Instant::now())
            }
            _ => {}
        },
    )
    .await;
    let took = started.elapsed();
    assert_eq!((summary.rows, summary.problems), (REPOSITORIES as u32, 0));
    row(
        &format!("Overview scan: {REPOSITORIES} repositories ({pages} pages, then notifications), concurrency {CONCURRENCY}"),
        took,
        ideal(pages, REPOSITORIES, 1, CONCURRENCY),
        base,
    );
    let first = first_rows_at.unwrap() - targets_at.unwrap();
    format!(
        "First row: {:.0} ms after the repository list was complete, i.e. {:.1} ms after its own answer (one request takes {} ms).\n",
        first.as_secs_f64() * 1000.0,
        (first.saturating_sub(LATENCY)).as_secs_f64() * 1000.0,
        LATENCY.as_millis()
    )
}

async fn rollout() {
    let (fake, source, targets) = fleet(REPOSITORIES, 0).await;
    let first = QuayRepoRef::new("acme", "svc-00000");
    QuayClient::new(fake.base_url(), TOKEN)
        .unwrap()
        .create_notification(
            &first,
            &hook(
                "https://ci.example/build-failed",
                QuayEventSpec::BuildFailure {
                    ref_regex: String::new(),
                },
            ),
        )
        .await
        .unwrap();
    fake.set_latency(LATENCY);
    let others = REPOSITORIES - 1;
    let started = Instant::now();
    let plan = plan_copy(
        &source,
        &targets[0],
        None,
        targets.clone(),
        CONCURRENCY,
        |_| {},
    )
    .await
    .unwrap();
    let planned = started.elapsed();
    assert_eq!(plan.count(Change::Create), others);
    row(
        &format!("Plan: one notification onto {others} repositories (list each)"),
        planned,
        ideal(1, others, 1, CONCURRENCY),
        baseline(1, others, 1, CONCURRENCY).await,
    );
    let started = Instant::now();
    let applied = apply(&source, plan.items, CONCURRENCY, |_| {}).await;
    let took = started.elapsed();
    assert!(applied.iter().all(|a| a.ok));
    row(
        &format!("Apply: create on {others} repositories, each read back (2 requests each)"),
        took,
        ideal(0, others, 2, CONCURRENCY),
        baseline(0, others, 2, CONCURRENCY).await,
    );
}

async fn plan_computation() {
    let (_fake, source, targets) = fleet(REPOSITORIES, 5).await;
    let mut listed = Vec::new();
    for t in &targets {
        listed.push(source.list(t).await.unwrap());
    }
    // The set asks for the same 5 (skipped) plus 5 others (created) on every repository.
    let wanted: Vec<Wanted> = targets
        .iter()
        .zip(&listed)
        .map(|(t, found)| Wanted {
            target: t.clone(),
            notifications: found
                .iter()
                .map(|f| f.spec.clone())
                .chain((0..5).map(|n| {
                    Ok(NotificationSpec::Quay(hook(
                        &format!("https://ci.example/{n}"),
                        QuayEventSpec::BuildFailure {
                            ref_regex: String::new(),
                        },
                    )))
                }))
                .collect(),
        })
        .collect();
    let started = Instant::now();
    let mut lines = 0;
    for (w, found) in wanted.iter().zip(&listed) {
        lines += plan_target(&source, w, Ok(found), true).len();
    }
    let took = started.elapsed();
    assert_eq!(lines, REPOSITORIES * 10);
    println!(
        "Plan computation after the listing: {REPOSITORIES} repositories × 5 existing × 10 wanted = {lines} lines in {:.1} ms (goal < 200 ms).\n",
        took.as_secs_f64() * 1000.0
    );
}

async fn memory_of_a_big_overview() {
    let (rss_empty, _) = memory();
    let (fake, source, _) = fleet(BIG, 1).await;
    fake.set_latency(Duration::from_millis(2));
    let (rss_before, _) = memory();
    let mut rows = Vec::new();
    let started = Instant::now();
    scan(&[source], Some("acme"), 32, &Cancel::default(), |e| {
        if let ScanEvent::Rows { rows: found, .. } = e {
            rows.extend(found);
        }
    })
    .await;
    let took = started.elapsed();
    let (rss_after, peak) = memory();
    assert_eq!(rows.len(), BIG);
    println!(
        "Memory of a {BIG}-repository overview (2 ms latency, concurrency 32, {:.1} s): RSS {rss_empty:.1} MiB at start, {rss_before:.1} MiB with the fake holding {BIG} repositories and notifications, {rss_after:.1} MiB with all {BIG} rows held (peak {peak:.1} MiB): {:.1} MiB for the rows and the scan.",
        took.as_secs_f64(),
        rss_after - rss_before
    );
}

#[tokio::main]
async fn main() {
    println!("| fleet (50 ms latency per request) | took | ideal | ratio to ideal | ratio to sleep baseline |");
    println!("|---|---|---|---|---|");
    let first_row = overview_scan().await;
    rollout().await;
    println!("\n{first_row}");
    plan_computation().await;
    memory_of_a_big_overview().await;
}
