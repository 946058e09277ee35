//! Listing benchmark: Wharf's clients against the fakes with injected latency.
//!
//! `cargo bench -p wharf-fakes --bench listing` prints a Markdown table for docs/benchmarks.md.
//! Each row compares the measured time with what perfect bounded concurrency would take
//! (`ceil(repositories / concurrency) × latency`), and with a same-run baseline that runs the
//! same fan-out over a bare 50 ms sleep instead of HTTP, so the ratio shows Wharf's own cost.

use fakes::dtr::{DtrVersion, FakeDtr};
use fakes::quay::{FakeQuay, Scope};
use registry::dtr::client::DtrClient;
use registry::listing;
use registry::quay::client::QuayClient;
use registry::quay::{QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef};
use std::time::{Duration, Instant};

mod support;
use support::{memory, row};

const LATENCY: Duration = Duration::from_millis(50);
const REPOSITORIES: usize = 1_000;
const PAGED_REPOSITORIES: usize = 10_000;
const QUAY_TOKEN: &str = "qTok-Bench-0123456789abcdef";
const DTR_TOKEN: &str = "dtrTok-bench-0123456789";

fn ideal(items: usize, concurrency: usize) -> Duration {
    LATENCY * items.div_ceil(concurrency) as u32
}

async fn sleep_baseline(items: usize, concurrency: usize) -> Duration {
    let started = Instant::now();
    listing::bounded(
        (0..items).collect(),
        concurrency,
        |_| async {
            tokio::time::sleep(LATENCY).await;
            Ok::<_, ()>(())
        },
        |_| {},
    )
    .await;
    started.elapsed()
}

async fn quay() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.add_org("big", &["alice"], &[]);
    let client = QuayClient::new(fake.base_url(), QUAY_TOKEN).unwrap();
    let repos: Vec<QuayRepoRef> = (0..REPOSITORIES)
        .map(|i| QuayRepoRef::new("acme", format!("svc-{i:04}")))
        .collect();
    for repo in &repos {
        fake.add_repo(&repo.namespace, &repo.name, false);
        let draft = QuayNotificationDraft {
            title: format!("{} pushes", repo.name),
            event: QuayEventSpec::RepoPush,
            method: QuayMethodSpec::Webhook {
                url: format!("http://127.0.0.2:9/hooks/{}", repo.name),
                template: String::new(),
            },
        };
        client.create_notification(repo, &draft).await.unwrap();
    }
    for i in 0..PAGED_REPOSITORIES {
        fake.add_repo("big", &format!("r{i:05}"), false);
    }
    fake.set_latency(LATENCY);

    for concurrency in [8, 16, 32] {
        let baseline = sleep_baseline(REPOSITORIES, concurrency).await;
        let started = Instant::now();
        let results = client
            .notifications_of(repos.clone(), concurrency, |_| {})
            .await;
        let took = started.elapsed();
        assert!(results
            .iter()
            .all(|(_, r)| r.as_ref().is_ok_and(|n| n.len() == 1)));
        row(
            &format!(
                "Quay: notifications of {REPOSITORIES} repositories, concurrency {concurrency}"
            ),
            took,
            ideal(REPOSITORIES, concurrency),
            baseline,
        );
    }

    let (rss_before, _) = memory();
    let started = Instant::now();
    let mut pages = 0;
    let all = client
        .repositories_with_progress("big", |_| pages += 1)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(all.len(), PAGED_REPOSITORIES);
    let baseline = sleep_baseline(pages, 1).await;
    row(
        &format!("Quay: {PAGED_REPOSITORIES} repositories in {pages} pages (sequential cursor)"),
        took,
        ideal(pages, 1),
        baseline,
    );
    let (rss_after, peak) = memory();
    println!(
        "\nQuay memory: RSS {rss_before:.1} MiB before the 10,000-repository listing, {rss_after:.1} MiB after, peak {peak:.1} MiB (client and fake in one process)\n"
    );
}

async fn dtr() {
    let fake = FakeDtr::start(DtrVersion::V2_7).await.unwrap();
    fake.add_user("alice", DTR_TOKEN, false);
    fake.add_org("payments", &["alice"], &[]);
    let repos: Vec<(String, String)> = (0..REPOSITORIES)
        .map(|i| ("payments".to_owned(), format!("svc-{i:04}")))
        .collect();
    for (namespace, name) in &repos {
        fake.add_repo(namespace, name, false, &[]);
    }
    let client = DtrClient::new(fake.base_url(), "alice", DTR_TOKEN, None).unwrap();
    fake.set_latency(LATENCY);
    for concurrency in [8, 16] {
        let baseline = sleep_baseline(REPOSITORIES, concurrency).await;
        let started = Instant::now();
        let results = client.webhooks_of(repos.clone(), concurrency, |_| {}).await;
        let took = started.elapsed();
        assert!(results.iter().all(|(_, r)| r.is_ok()));
        row(
            &format!("DTR: webhooks of {REPOSITORIES} repositories, concurrency {concurrency}"),
            took,
            ideal(REPOSITORIES, concurrency),
            baseline,
        );
    }
    let started = Instant::now();
    let mut pages = 0;
    let all = client
        .repositories_with_progress(Some("payments"), |_| pages += 1)
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(all.len(), REPOSITORIES);
    let baseline = sleep_baseline(pages, 1).await;
    row(
        &format!("DTR: {REPOSITORIES} repositories in {pages} pages (sequential cursor)"),
        took,
        ideal(pages, 1),
        baseline,
    );
}

#[tokio::main]
async fn main() {
    println!("| listing (50 ms latency per request) | took | ideal | ratio to ideal | ratio to sleep baseline |");
    println!("|---|---|---|---|---|");
    quay().await;
    dtr().await;
}
