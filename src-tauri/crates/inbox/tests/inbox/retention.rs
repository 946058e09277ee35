//! The background pruner on a real SQLite file: age and count limits, policy changes, a large
//! backlog removed in steps, and `Store::prune_some` itself.

use std::time::Duration;

use inbox::retention::{spawn_pruner, PruneReport, RetentionPolicy, PRUNE_STEP};
use inbox::store::{now_ms, NewDelivery, Store};
use tokio::sync::watch;

const DAY_MS: i64 = 24 * 3600 * 1000;
const THIRTY_DAYS: Duration = Duration::from_secs(30 * 24 * 3600);

use crate::common::TempDir;

fn delivery(received_at: i64, n: usize) -> NewDelivery {
    let body = format!("{{\"n\":{n}}}").into_bytes();
    NewDelivery {
        received_at,
        method: "POST".into(),
        path: "/hooks/t".into(),
        headers: vec![
            ("content-type".into(), b"application/json".to_vec()),
            ("x-n".into(), n.to_string().into_bytes()),
        ],
        size: body.len() as u64,
        body,
        status: 200,
        ..NewDelivery::default()
    }
}

/// Inserts `count` deliveries received at `received_at`, concurrently so they share commits;
/// returns their ids in ascending order.
async fn insert_many(store: &Store, received_at: i64, count: usize) -> Vec<i64> {
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..count {
        let store = store.clone();
        tasks.spawn(async move { store.insert_async(delivery(received_at, n)).await.unwrap() });
    }
    let mut ids = tasks.join_all().await;
    ids.sort_unstable();
    ids
}

/// Waits until the pruner has finished at least `runs` runs (bounded: 10 s) and returns the
/// report.
async fn after_runs(reports: &mut watch::Receiver<PruneReport>, runs: u64) -> PruneReport {
    let report = tokio::time::timeout(
        Duration::from_secs(10),
        reports.wait_for(|r| r.runs >= runs),
    )
    .await
    .unwrap_or_else(|_| panic!("the pruner did not finish {runs} run(s) within 10 s"))
    .expect("the pruner is running")
    .clone();
    report
}

#[tokio::test]
async fn old_deliveries_are_pruned_on_the_interval_and_new_ones_kept() {
    let dir = TempDir::new("age");
    let store = Store::open(dir.db()).unwrap();
    let old = insert_many(&store, now_ms() - 40 * DAY_MS, 30).await;
    let fresh = insert_many(&store, now_ms() - DAY_MS, 10).await;
    let (_policy_tx, policy) = watch::channel(RetentionPolicy {
        max_count: None,
        max_age: Some(THIRTY_DAYS),
        max_bytes: None,
    });
    let pruner = spawn_pruner(store.clone(), policy, Duration::from_millis(50));
    let mut reports = pruner.reports();
    let first = after_runs(&mut reports, 1).await;
    assert_eq!(first.total_removed, 30, "{first:?}");
    assert_eq!(first.last_error, None);

    // Old enough since: arrives while the pruner runs, goes on a later tick.
    let late = insert_many(&store, now_ms() - 31 * DAY_MS, 5).await;
    let mut waited = 0;
    while store.count().unwrap() > fresh.len() as u64 {
        assert!(waited < 200, "late old deliveries still there after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }

    for id in old.iter().chain(&late) {
        assert_eq!(store.get(*id).unwrap(), None, "delivery {id}");
    }
    for (n, id) in fresh.iter().enumerate() {
        let kept = store.get(*id).unwrap().expect("recent delivery kept");
        assert_eq!(kept.headers.len(), 2);
        assert!(kept.summary.received_at > now_ms() - 2 * DAY_MS, "{n}");
    }
    // The rows go before the run's report is sent: wait for the report, then check its total.
    let total = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let total = reports.borrow_and_update().total_removed;
            if total >= 35 {
                return total;
            }
            reports.changed().await.expect("the pruner reports");
        }
    })
    .await
    .expect("the late deliveries' run is reported");
    assert_eq!(total, 35);
    tokio::time::timeout(Duration::from_secs(10), pruner.stop())
        .await
        .expect("the pruner stops");
}

#[tokio::test]
async fn the_count_limit_keeps_the_newest() {
    let dir = TempDir::new("count");
    let store = Store::open(dir.db()).unwrap();
    let ids = insert_many(&store, now_ms(), 50).await;
    let (_policy_tx, policy) = watch::channel(RetentionPolicy {
        max_count: Some(20),
        max_age: None,
        max_bytes: None,
    });
    let pruner = spawn_pruner(store.clone(), policy, Duration::from_secs(3600));
    let report = after_runs(&mut pruner.reports(), 1).await;
    assert_eq!(report.last_removed, 30);
    let mut left: Vec<i64> = store
        .list(&inbox::store::Query {
            limit: Some(100),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    left.sort_unstable();
    assert_eq!(left, ids[30..]);
}

#[tokio::test]
async fn unlimited_deletes_nothing_and_a_policy_change_applies_at_once() {
    let dir = TempDir::new("change");
    let store = Store::open(dir.db()).unwrap();
    let old = insert_many(&store, now_ms() - 40 * DAY_MS, 12).await;
    let fresh = insert_many(&store, now_ms(), 3).await;
    let (policy_tx, policy) = watch::channel(RetentionPolicy::UNLIMITED);
    // An hour between ticks: only the first run and policy changes can prune in this test.
    let pruner = spawn_pruner(store.clone(), policy, Duration::from_secs(3600));
    let mut reports = pruner.reports();
    let first = after_runs(&mut reports, 1).await;
    assert_eq!(first.last_removed, 0);
    assert_eq!(store.count().unwrap(), 15);

    policy_tx
        .send(RetentionPolicy {
            max_count: Some(1_000),
            max_age: Some(THIRTY_DAYS),
            max_bytes: None,
        })
        .unwrap();
    let second = after_runs(&mut reports, 2).await;
    assert_eq!(second.last_removed, 12);
    for id in &old {
        assert_eq!(store.get(*id).unwrap(), None);
    }
    for id in &fresh {
        assert!(store.get(*id).unwrap().is_some());
    }

    // With its sender gone the last policy stays in force and the pruner keeps running.
    drop(policy_tx);
    assert_eq!(store.count().unwrap(), 3);
    drop(pruner);
}

#[tokio::test]
async fn a_large_backlog_goes_in_steps_within_one_run() {
    let backlog = PRUNE_STEP * 5 + 7;
    let dir = TempDir::new("backlog");
    let store = Store::open(dir.db()).unwrap();
    insert_many(&store, now_ms() - 90 * DAY_MS, backlog).await;
    let fresh = insert_many(&store, now_ms(), 4).await;
    let (_policy_tx, policy) = watch::channel(RetentionPolicy::default());
    let pruner = spawn_pruner(store.clone(), policy, Duration::from_secs(3600));
    let report = after_runs(&mut pruner.reports(), 1).await;
    assert_eq!(report.runs, 1);
    assert_eq!(report.last_removed, backlog as u64);
    assert_eq!(store.count().unwrap(), 4);
    for id in fresh {
        assert!(store.get(id).unwrap().is_some());
    }
}

#[tokio::test]
async fn prune_some_deletes_at_most_the_limit_oldest_first() {
    let dir = TempDir::new("some");
    let store = Store::open(dir.db()).unwrap();
    let old = insert_many(&store, now_ms() - 40 * DAY_MS, 10).await;
    let fresh = insert_many(&store, now_ms(), 10).await;

    // Age: 4, then 4, then the last 2 (fewer than the limit: done).
    let s = store.clone();
    let steps = tokio::task::spawn_blocking(move || {
        (0..4)
            .map(|_| s.prune(None, Some(THIRTY_DAYS), 4).unwrap())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert_eq!(steps, [4, 4, 2, 0]);
    for id in &old {
        assert_eq!(store.get(*id).unwrap(), None);
    }

    // Count: keep the newest 3 of the 10 left, 5 per step, oldest first.
    let s = store.clone();
    let first = tokio::task::spawn_blocking(move || s.prune(Some(3), None, 5).unwrap())
        .await
        .unwrap();
    assert_eq!(first, 5);
    assert!(store.get(fresh[4]).unwrap().is_none());
    assert!(store.get(fresh[5]).unwrap().is_some());
    let s = store.clone();
    let rest = tokio::task::spawn_blocking(move || {
        [
            s.prune(Some(3), None, 5).unwrap(),
            s.prune(Some(3), None, 5).unwrap(),
        ]
    })
    .await
    .unwrap();
    assert_eq!(rest, [2, 0]);
    let mut left: Vec<i64> = store
        .list(&Default::default())
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    left.sort_unstable();
    assert_eq!(left, fresh[7..]);
}

#[tokio::test]
async fn a_byte_budget_deletes_refused_deliveries_first_and_the_file_shrinks() {
    use inbox::store::NewDelivery;
    let dir = TempDir::new("bytes");
    let store = Store::open(dir.db()).unwrap();
    let big = vec![b'g'; 64 * 1024];
    let mut genuine = Vec::new();
    let mut refused = Vec::new();
    for i in 0..60 {
        let status = if i % 2 == 0 { 200 } else { 404 };
        let id = store
            .insert_async(NewDelivery {
                received_at: now_ms(),
                method: "POST".into(),
                path: "/hooks/t".into(),
                body: big.clone(),
                size: big.len() as u64,
                status,
                ..NewDelivery::default()
            })
            .await
            .unwrap();
        if status == 200 {
            genuine.push(id)
        } else {
            refused.push(id)
        }
    }
    let file = || std::fs::metadata(dir.db()).unwrap().len();
    let checkpointed = |s: &Store| s.size_bytes().unwrap();
    let before = checkpointed(&store);
    assert!(before > 3 * 1024 * 1024, "{before}");
    // A budget that half of it fits: the 30 refused deliveries go, every genuine one stays.
    let budget = before / 2 + 256 * 1024;
    let (_tx, policy) = watch::channel(RetentionPolicy {
        max_count: None,
        max_age: None,
        max_bytes: Some(budget),
    });
    let pruner = spawn_pruner(store.clone(), policy, Duration::from_secs(3600));
    let report = after_runs(&mut pruner.reports(), 1).await;
    assert_eq!(report.last_error, None);
    assert!(store.size_bytes().unwrap() <= budget);
    for id in &genuine {
        assert!(
            store.get(*id).unwrap().is_some(),
            "genuine delivery {id} kept"
        );
    }
    assert!(refused.iter().all(|id| store.get(*id).unwrap().is_none()));
    // Incremental vacuum gave every freed page back: the file itself is within the budget.
    assert!(file() <= budget, "file {} bytes, budget {budget}", file());
}
