//! Toast policy: titles and bodies, burst coalescing under a fake clock, rule precedence, error
//! reporting, and the async driver with recording, failing and stuck toasters.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc as std_mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use inbox::recognize::{Alert, Source};
use inbox::store::DeliverySummary;
use inbox::toast::{RecordingToaster, Toast, ToastError, ToastOpens, Toaster};

use crate::common::all_on;
use inbox::toast_policy::{
    is_failure, is_vulnerability, spawn_toaster, ErrorGate, RuleMode, ToastPolicy, ToastRules,
    MAX_BODY, MAX_TITLE,
};
use tokio::sync::{broadcast, watch};

fn delivery(source: Source, event: &str, repo: &str, summary: &str) -> DeliverySummary {
    DeliverySummary {
        id: 1,
        received_at: 0,
        method: "POST".into(),
        path: "/hooks/tok".into(),
        size: 10,
        route_token: Some("tok".into()),
        status: 200,
        source: Some(source),
        event: Some(event.into()),
        repository: Some(repo.into()),
        summary: Some(summary.into()),
        alert: None,
        forward: None,
    }
}

fn push(repo: &str) -> DeliverySummary {
    delivery(
        Source::Quay,
        "repo_push",
        repo,
        &format!("push to {repo}: latest"),
    )
}

fn build_failure(repo: &str) -> DeliverySummary {
    DeliverySummary {
        alert: Some(Alert::Failure),
        ..delivery(
            Source::Quay,
            "build_failure",
            repo,
            &format!("build failed for {repo}"),
        )
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// How many deliveries a toast stands for: `N more ...` summaries count N, others one.
fn count_of(t: &Toast) -> u64 {
    match t.title.split_once(" more ") {
        Some((n, _)) => n.parse().expect("summary count"),
        None => 1,
    }
}

#[test]
fn single_delivery_toasts_once_with_title_and_body_from_the_summary() {
    let t0 = Instant::now();
    let mut p = ToastPolicy::new(all_on(), ms(2000));
    let toast = p
        .offer(&push("payments/api"), t0)
        .expect("first delivery toasts");
    assert_eq!(toast.title, "Quay: push");
    assert_eq!(toast.body, "push to payments/api: latest");
    // Clicked, it opens its delivery.
    assert_eq!(
        toast.opens,
        Some(ToastOpens::Delivery(push("payments/api").id))
    );
    assert_eq!(p.flush(t0 + ms(2500)), None, "nothing was held");
    assert_eq!(p.deadline(), None, "quiet again");
    // Quiet again: the next delivery toasts at once.
    assert!(p.offer(&push("payments/api"), t0 + ms(3000)).is_some());
}

#[test]
fn untrusted_text_is_capped_and_cleaned() {
    let long = "x".repeat(5000);
    let d = delivery(Source::Dtr, "TAG_PUSH", &long, &format!("a\u{7}b\n{long}"));
    let mut p = ToastPolicy::new(all_on(), ms(1000));
    let t = p.offer(&d, Instant::now()).expect("toast");
    assert!(t.title.chars().count() <= MAX_TITLE, "{}", t.title);
    assert!(t.body.chars().count() <= MAX_BODY);
    assert!(t.body.starts_with("a b x"), "{}", t.body);
    let refused = DeliverySummary { status: 404, ..d };
    let t = p.offer(&refused, Instant::now() + ms(5000)).expect("toast");
    assert!(t.title.contains("rejected delivery (404)"), "{}", t.title);
}

#[test]
fn ten_thousand_in_one_second_give_at_most_three_toasts_with_exact_counts() {
    for window in [ms(1000), ms(2000)] {
        let t0 = Instant::now();
        let mut p = ToastPolicy::new(all_on(), window);
        let mut toasts = Vec::new();
        for i in 0..10_000u64 {
            // Spread evenly over [0 s, 1 s], both ends included.
            let now = t0 + Duration::from_micros(i * 1_000_000 / 9_999);
            toasts.extend(p.flush(now));
            let d = if i % 10 < 7 {
                push("payments/api")
            } else {
                build_failure("payments/web")
            };
            toasts.extend(p.offer(&d, now));
        }
        for step in 1..=10 {
            toasts.extend(p.flush(t0 + ms(1000) + window * step));
        }
        assert!(toasts.len() <= 3, "{window:?}: {toasts:#?}");
        assert_eq!(toasts.iter().map(count_of).sum::<u64>(), 10_000);
        assert_eq!(p.held(), 0);
        if window == ms(2000) {
            assert_eq!(toasts.len(), 2);
            assert_eq!(toasts[1].title, "9999 more deliveries");
            assert_eq!(toasts[1].body, "6999 pushes, 3000 build failures");
        }
    }
}

#[test]
fn a_burst_of_one_kind_names_the_kind_and_the_repositories() {
    let t0 = Instant::now();
    let mut p = ToastPolicy::new(all_on(), ms(1000));
    assert!(p.offer(&push("a/one"), t0).is_some());
    for (i, repo) in ["a/one", "a/two", "a/three", "a/four"].iter().enumerate() {
        assert_eq!(p.offer(&push(repo), t0 + ms(10 * i as u64 + 10)), None);
    }
    assert_eq!(p.flush(t0 + ms(999)), None, "window still open");
    let t = p.flush(t0 + ms(1000)).expect("summary at the window end");
    assert_eq!(t.title, "4 more pushes");
    assert_eq!(t.body, "in a/four, a/one, a/three and 1 more");
    // A summary of several opens the Inbox.
    assert_eq!(t.opens, Some(ToastOpens::Inbox));
    // A delivery right after the summary is still coalesced (new window) ...
    assert_eq!(p.offer(&push("a/one"), t0 + ms(1100)), None);
    let t = p.flush(t0 + ms(2000)).expect("second summary");
    assert_eq!(t.title, "1 more push");
    // ... and after an empty window the policy is quiet again.
    assert_eq!(p.flush(t0 + ms(3000)), None);
    assert!(p.offer(&push("a/one"), t0 + ms(3001)).is_some());
}

#[test]
fn rules_on_off_and_failures_only_with_precedence() {
    let mut rules = ToastRules {
        default: RuleMode::Off,
        ..ToastRules::default()
    };
    rules.per_event.insert("BUILD_FAILURE".into(), RuleMode::On);
    rules
        .per_event
        .insert("repo_push".into(), RuleMode::FailuresAndVulnerabilities);
    rules
        .per_repository
        .insert("team/quiet".into(), RuleMode::Off);
    rules
        .per_repository
        .insert("team/loud".into(), RuleMode::On);
    rules
        .per_repository
        .insert("team/careful".into(), RuleMode::FailuresAndVulnerabilities);

    // Default off.
    let pull = delivery(Source::Dtr, "TAG_PULL", "team/x", "pull of team/x:1");
    assert_eq!(rules.mode_for(&pull), RuleMode::Off);
    assert!(!rules.allows(&pull));
    // Event rule (case ignored) over the default.
    assert!(rules.allows(&build_failure("team/x")));
    // Event rule failures-only: a push is neither.
    assert_eq!(
        rules.mode_for(&push("team/x")),
        RuleMode::FailuresAndVulnerabilities
    );
    assert!(!rules.allows(&push("team/x")));
    // Repository rule over the event rule, both ways.
    assert!(!rules.allows(&build_failure("team/quiet")));
    assert!(rules.allows(&push("team/loud")));
    assert!(rules.allows(&pull_in("team/loud")));
    // Repository failures-only: failures and vulnerabilities pass, the rest does not.
    assert!(rules.allows(&build_failure("team/careful")));
    assert!(!rules.allows(&pull_in("team/careful")));
    let vuln = DeliverySummary {
        alert: Some(Alert::Vulnerability),
        ..delivery(
            Source::Quay,
            "vulnerability_found",
            "team/careful",
            "vulnerability in team/careful",
        )
    };
    assert!(rules.allows(&vuln));

    // And the policy applies them.
    let mut p = ToastPolicy::new(rules, ms(1000));
    let t0 = Instant::now();
    assert_eq!(p.offer(&push("team/quiet"), t0), None);
    assert_eq!(p.deadline(), None, "a rejected delivery opens no window");
    assert!(p.offer(&build_failure("team/x"), t0).is_some());
}

fn pull_in(repo: &str) -> DeliverySummary {
    delivery(Source::Dtr, "TAG_PULL", repo, &format!("pull of {repo}:1"))
}

#[test]
fn failures_and_vulnerabilities_come_from_the_recognised_alert_not_the_words() {
    let mut scan = delivery(
        Source::Dtr,
        "SCAN_COMPLETED",
        "a/b",
        "scan completed on a/b:1: 3 critical, 0 major, 0 minor",
    );
    assert!(!is_vulnerability(&scan), "a summary's words decide nothing");
    scan.alert = Some(Alert::Vulnerability);
    scan.summary = Some("reworded".into());
    assert!(is_vulnerability(&scan));
    assert!(!is_failure(&scan));

    let mut update = delivery(
        Source::Dtr,
        "SCANNER_UPDATE_COMPLETED",
        "",
        "scanner database update failed",
    );
    assert!(!is_failure(&update));
    update.alert = Some(Alert::Failure);
    assert!(is_failure(&update));
    assert!(is_failure(&build_failure("a/b")));

    let mut rejected = push("a/b");
    rejected.status = 404;
    assert!(is_failure(&rejected));
    rejected.status = 500; // a configured reply, not a failure
    assert!(!is_failure(&rejected));
    assert!(!is_failure(&push("a/b")));
}

#[test]
fn rules_round_trip_through_json() {
    let json = r#"{"default":"failuresAndVulnerabilities","perEvent":{"repo_push":"off"}}"#;
    let rules: ToastRules = serde_json::from_str(json).expect("partial rules parse");
    assert_eq!(rules.default, RuleMode::FailuresAndVulnerabilities);
    assert_eq!(rules.per_event["repo_push"], RuleMode::Off);
    assert!(rules.per_repository.is_empty());
    let back: ToastRules = serde_json::from_str(&serde_json::to_string(&rules).unwrap()).unwrap();
    assert_eq!(back, rules);
}

#[test]
fn error_gate_reports_once_until_a_success() {
    let mut gate = ErrorGate::new();
    let err = || Err(ToastError("no daemon".into()));
    assert!(gate.record(err()).is_some());
    assert!(gate.record(err()).is_none());
    assert!(gate.record(err()).is_none());
    assert!(gate.record(Err(ToastError("other".into()))).is_some());
    assert!(gate.record(Ok(1)).is_none());
    assert!(gate.record(err()).is_some(), "a success resets the gate");
}

async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out: {what}"
        );
        tokio::time::sleep(ms(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn driver_shows_first_delivery_then_one_summary() {
    let (tx, rx) = broadcast::channel(16_384);
    let (_rules_tx, rules_rx) = watch::channel(all_on());
    let rec = RecordingToaster::new();
    let errors = Arc::new(AtomicUsize::new(0));
    let e = Arc::clone(&errors);
    let handle = spawn_toaster(rx, Arc::new(rec.clone()), rules_rx, ms(300), move |_| {
        e.fetch_add(1, Ordering::SeqCst);
    });
    tx.send(push("a/b")).unwrap();
    wait_for("first toast", || rec.shown().len() == 1).await;
    assert_eq!(rec.shown()[0].title, "Quay: push");
    for _ in 0..1000 {
        tx.send(push("a/b")).unwrap();
    }
    wait_for("summary", || rec.shown().len() == 2).await;
    assert_eq!(rec.shown()[1].title, "1000 more pushes");
    drop(tx);
    tokio::time::timeout(Duration::from_secs(5), handle)
        .await
        .expect("driver ends when the broadcast closes")
        .unwrap();
    assert_eq!(rec.shown().len(), 2);
    assert_eq!(errors.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn driver_picks_up_rule_changes() {
    let (tx, rx) = broadcast::channel(64);
    let (rules_tx, rules_rx) = watch::channel(ToastRules {
        default: RuleMode::Off,
        ..ToastRules::default()
    });
    let rec = RecordingToaster::new();
    let handle = spawn_toaster(rx, Arc::new(rec.clone()), rules_rx, ms(50), |_| {});
    tx.send(push("a/b")).unwrap();
    tokio::time::sleep(ms(200)).await;
    assert!(rec.shown().is_empty(), "rules say off");
    rules_tx.send(all_on()).unwrap();
    tx.send(push("a/b")).unwrap();
    wait_for("toast after rules changed", || rec.shown().len() == 1).await;
    drop(tx);
    handle.await.unwrap();
}

/// Fails every call after an optional delay, counting calls.
struct FailingToaster {
    calls: AtomicUsize,
    delay: Duration,
}

impl Toaster for FailingToaster {
    fn show(&self, _: &Toast) -> Result<u32, ToastError> {
        std::thread::sleep(self.delay);
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(ToastError(
            "org.freedesktop.Notifications not provided".into(),
        ))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_daemon_is_reported_once_and_never_slows_the_sender() {
    let (tx, rx) = broadcast::channel(16_384);
    let (_rules_tx, rules_rx) = watch::channel(all_on());
    let toaster = Arc::new(FailingToaster {
        calls: AtomicUsize::new(0),
        delay: ms(100),
    });
    let errors = Arc::new(Mutex::new(Vec::new()));
    let errs = Arc::clone(&errors);
    let handle = spawn_toaster(rx, toaster.clone(), rules_rx, ms(50), move |e| {
        errs.lock().unwrap().push(e);
    });
    let mut slowest = Duration::ZERO;
    for round in 0..4 {
        for i in 0..2_500 {
            let start = Instant::now();
            tx.send(if i % 2 == 0 {
                push("a/b")
            } else {
                build_failure("a/b")
            })
            .unwrap();
            slowest = slowest.max(start.elapsed());
        }
        if round < 3 {
            tokio::time::sleep(ms(150)).await;
        }
    }
    assert!(slowest < ms(50), "a send took {slowest:?}");
    drop(tx);
    tokio::time::timeout(Duration::from_secs(10), handle)
        .await
        .expect("driver ends")
        .unwrap();
    assert!(
        toaster.calls.load(Ordering::SeqCst) >= 3,
        "several toasts were tried"
    );
    let errors = errors.lock().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].0.contains("Notifications"));
}

/// Blocks in `show` until released, recording what it shows.
struct StuckToaster {
    release: Mutex<std_mpsc::Receiver<()>>,
    inner: RecordingToaster,
}

impl Toaster for StuckToaster {
    fn show(&self, toast: &Toast) -> Result<u32, ToastError> {
        let _ = self
            .release
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(20));
        self.inner.show(toast)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_daemon_does_not_stop_the_driver_reading_deliveries() {
    // A tiny broadcast: if the driver waited for the daemon it would lag and lose deliveries.
    let (tx, rx) = broadcast::channel(8);
    let (_rules_tx, rules_rx) = watch::channel(all_on());
    let (release_tx, release_rx) = std_mpsc::channel();
    let rec = RecordingToaster::new();
    let toaster = Arc::new(StuckToaster {
        release: Mutex::new(release_rx),
        inner: rec.clone(),
    });
    let handle = spawn_toaster(rx, toaster, rules_rx, ms(100), |_| {});
    tx.send(push("a/b")).unwrap();
    tokio::time::sleep(ms(50)).await; // the first toast is now stuck in the daemon
    for _ in 0..50 {
        for _ in 0..4 {
            tx.send(push("a/b")).unwrap();
        }
        tokio::time::sleep(ms(5)).await;
    }
    drop(tx);
    for _ in 0..20 {
        let _ = release_tx.send(());
    }
    tokio::time::timeout(Duration::from_secs(10), handle)
        .await
        .expect("driver ends")
        .unwrap();
    let shown = rec.shown();
    assert!(shown.len() >= 2, "{shown:#?}");
    assert!(
        shown.iter().all(|t| !t.title.contains("missed")),
        "the driver lagged: {shown:#?}"
    );
    assert_eq!(shown.iter().map(count_of).sum::<u64>(), 201, "{shown:#?}");
}

#[test]
fn refused_deliveries_toast_without_the_senders_text_and_markup_is_escaped() {
    let refused = DeliverySummary {
        status: 413,
        id: 42,
        ..delivery(
            Source::Quay,
            "repo_push",
            "ns/<a href=http://evil/>click</a>",
            "push to ns/<img src=http://evil/x.png>",
        )
    };
    let toast = inbox::toast_policy::toast_for(&refused);
    assert_eq!(
        toast.body,
        "Delivery #42 was refused with status 413; see the Inbox."
    );
    assert!(!toast.title.contains("evil"), "{}", toast.title);
    assert_eq!(
        inbox::toast::markup_escaped("<b>x</b> & \"y\" 'z'"),
        "&lt;b&gt;x&lt;/b&gt; &amp; &quot;y&quot; &#39;z&#39;"
    );
}
