//! Fleet work against the fake Quay and fake DTR: the overview scan, bulk actions read back,
//! plans with apply and undo, notification sets moved between registries, and safe edit, with
//! faults injected mid-run.

use fakes::dtr::{DtrVersion, FakeDtr};
use fakes::quay::{FakeQuay, Scope};
use fakes::Fault;
use registry::client::Client;
use registry::connection::{Connection, ConnectionKind};
use registry::dtr::DtrWebhookType;
use registry::fleet::actions::{act, act_all, ActionItem, BulkAction};
use registry::fleet::edit::{delete_old, replace, EditOutcome};
use registry::fleet::plan::{apply, plan, retry, undo, Change, Wanted};
use registry::fleet::scan::{scan, ScanEvent};
use registry::fleet::set::{export, NotificationSet};
use registry::fleet::spec::DtrWebhookSpec;
use registry::fleet::{FleetRow, FleetState, NotificationSpec, Source, Target};
use registry::listing::Cancel;
use registry::quay::{QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef};
use registry::tls::TlsOptions;
use registry::RegistryError;

type NoCheck = fn(String) -> std::future::Ready<Result<String, String>>;

/// A port nothing listens on: deliveries there fail.
const DEAD_URL: &str = "http://127.0.0.9:9/hooks/dead";

async fn quay_fleet(repos: &[&str]) -> (FakeQuay, Source) {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token("q-token", "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    for repo in repos {
        fake.add_repo("acme", repo, false);
    }
    let source = source(ConnectionKind::Quay, fake.base_url(), None, "q-token");
    (fake, source)
}

fn source(kind: ConnectionKind, base: &str, user: Option<&str>, token: &str) -> Source {
    let connection = Connection::new("fleet", kind, base, user, TlsOptions::default()).unwrap();
    Source {
        connection_id: connection.id,
        connection: format!("{kind:?} at {base}"),
        client: Client::new(&connection, token).unwrap(),
    }
}

fn quay_client(source: &Source) -> &registry::quay::client::QuayClient {
    match &source.client {
        Client::Quay(q) => q,
        Client::Dtr(_) => panic!("a Quay source"),
    }
}

fn hook(event: QuayEventSpec, url: &str) -> QuayNotificationDraft {
    QuayNotificationDraft {
        title: String::new(),
        event,
        method: QuayMethodSpec::Webhook {
            url: url.into(),
            template: String::new(),
        },
    }
}

fn build_failure(url: &str) -> NotificationSpec {
    NotificationSpec::Quay(hook(
        QuayEventSpec::BuildFailure {
            ref_regex: String::new(),
        },
        url,
    ))
}

/// One build_failure webhook to `url` wanted on each of `targets`.
fn build_failure_on(targets: &[Target], url: &str) -> Vec<Wanted> {
    targets
        .iter()
        .map(|t| Wanted {
            target: t.clone(),
            notifications: vec![Ok(build_failure(url))],
        })
        .collect()
}

async fn create(source: &Source, repo: &str, draft: &QuayNotificationDraft) -> String {
    quay_client(source)
        .create_notification(&QuayRepoRef::new("acme", repo), draft)
        .await
        .unwrap()
        .uuid
}

fn repo(name: &str) -> Target {
    Target::repository("acme", name)
}

/// Fails a notification's deliveries until Quay disables it.
async fn disable(fake: &FakeQuay, source: &Source, repo_name: &str, uuid: &str) {
    fake.set_delivery_retries(0);
    for _ in 0..3 {
        quay_client(source)
            .test_notification(&QuayRepoRef::new("acme", repo_name), uuid)
            .await
            .unwrap();
        fake.wait_for_deliveries().await;
    }
}

#[tokio::test]
async fn the_scan_reads_quay_and_dtr_together_and_a_refused_repository_keeps_the_rest() {
    let (quay, qsource) = quay_fleet(&["web", "api", "db"]).await;
    quay.add_org("other", &["bob"], &["alice"]);
    quay.add_repo("other", "secret", false);
    let ok = create(
        &qsource,
        "web",
        &hook(QuayEventSpec::RepoPush, "https://ci.example/h"),
    )
    .await;
    let dead = create(&qsource, "api", &hook(QuayEventSpec::RepoPush, DEAD_URL)).await;
    disable(&quay, &qsource, "api", &dead).await;

    let dtr = FakeDtr::start(DtrVersion::V2_7).await.unwrap();
    dtr.add_user("alice", "d-token", false);
    dtr.add_org("payments", &["alice"], &[]);
    dtr.add_repo("payments", "billing", false, &[]);
    let dsource = source(
        ConnectionKind::Dtr,
        dtr.base_url(),
        Some("alice"),
        "d-token",
    );
    let Client::Dtr(d) = &dsource.client else {
        unreachable!()
    };
    for (scope, t) in [
        (
            registry::dtr::DtrWebhookScope::Repository {
                namespace: "payments".into(),
                repository: "billing".into(),
            },
            DtrWebhookType::TagPush,
        ),
        (
            registry::dtr::DtrWebhookScope::Namespace {
                namespace: "payments".into(),
            },
            DtrWebhookType::RepoEvent,
        ),
    ] {
        let draft = registry::dtr::DtrWebhookDraft {
            webhook_type: t,
            scope,
            endpoint: "http://127.0.0.9:9/hooks/d".into(),
            tls_cert: String::new(),
            skip_tls_verification: true,
        };
        d.create_webhook(&registry::dtr::validate_create(&draft, false).unwrap())
            .await
            .unwrap();
    }

    let mut events = Vec::new();
    let summary = scan(
        &[qsource.clone(), dsource.clone()],
        None,
        4,
        &Cancel::default(),
        |e| events.push(e),
    )
    .await;
    let rows: Vec<FleetRow> = events
        .iter()
        .filter_map(|e| match e {
            ScanEvent::Rows { rows, .. } => Some(rows.clone()),
            _ => None,
        })
        .flatten()
        .collect();
    let problems: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ScanEvent::Problem(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    assert_eq!((summary.rows, summary.problems), (4, 1), "{events:#?}");
    assert!(!summary.cancelled);
    assert_eq!(
        problems[0].target,
        Some(Target::repository("other", "secret"))
    );
    assert!(!problems[0].message.is_empty());
    let by_id = |id: &str| rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(by_id(&ok).state, FleetState::Ok);
    assert_eq!(by_id(&ok).destination, "Webhook → ci.example/h");
    assert_eq!(by_id(&dead).state, FleetState::Disabled);
    assert_eq!(by_id(&dead).failures, Some(3));
    let namespace_hook = rows
        .iter()
        .find(|r| r.registry == ConnectionKind::Dtr && r.target.repository.is_none())
        .expect("DTR namespace webhooks are scanned");
    assert_eq!(namespace_hook.event, "REPO_EVENT");
    assert!(rows
        .iter()
        .any(|r| r.target == Target::repository("payments", "billing") && r.event == "TAG_PUSH"));
    // Rows come target by target, each followed by its progress.
    let total = events.iter().find_map(|e| match e {
        ScanEvent::Targets { total } => Some(*total),
        _ => None,
    });
    assert_eq!(
        total,
        Some(7),
        "4 Quay repositories, 1 DTR repository, 2 DTR namespaces alice administers"
    );
    let last = events.iter().rev().find_map(|e| match e {
        ScanEvent::Progress(p) => Some(*p),
        _ => None,
    });
    assert_eq!(last.map(|p| (p.done, p.total)), Some((7, Some(7))));
}

#[tokio::test]
async fn a_cancelled_scan_stops_sending_requests() {
    let names: Vec<String> = (0..40).map(|i| format!("r{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let (quay, source) = quay_fleet(&refs).await;
    quay.set_latency(std::time::Duration::from_millis(50));
    let cancel = Cancel::default();
    let mut seen = 0;
    let summary = scan(&[source], None, 2, &cancel, |e| {
        if let ScanEvent::Progress(_) = e {
            seen += 1;
            if seen == 3 {
                cancel.cancel();
            }
        }
    })
    .await;
    assert!(summary.cancelled);
    assert!(summary.targets < 10, "{summary:?}");
    let listed = quay
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/notification/"))
        .count();
    assert!(listed < 10, "{listed} notification lists after a cancel");
}

#[tokio::test]
async fn bulk_reset_re_enables_and_delete_is_read_back() {
    let (quay, source) = quay_fleet(&["web", "api"]).await;
    let a = create(&source, "web", &hook(QuayEventSpec::RepoPush, DEAD_URL)).await;
    let b = create(&source, "api", &hook(QuayEventSpec::RepoPush, DEAD_URL)).await;
    disable(&quay, &source, "web", &a).await;
    disable(&quay, &source, "api", &b).await;
    let items = vec![
        ActionItem {
            target: repo("web"),
            id: a.clone(),
        },
        ActionItem {
            target: repo("api"),
            id: b.clone(),
        },
    ];
    let results = act_all(&source, BulkAction::Reset, items.clone(), 4, |_| {}).await;
    assert!(results.iter().all(|r| r.ok), "{results:?}");
    assert_eq!(quay.notification(&a).unwrap()["number_of_failures"], 0);

    // A 500 on one delete fails that row only; the other is deleted and confirmed.
    quay.inject(Fault::Status { status: 500 }, 1);
    let results = act_all(&source, BulkAction::Delete, items, 1, |_| {}).await;
    assert_eq!(results.iter().filter(|r| r.ok).count(), 1, "{results:?}");
    let failed = results.iter().find(|r| !r.ok).unwrap();
    assert!(
        failed.message.contains("500") || failed.message.to_lowercase().contains("server"),
        "{}",
        failed.message
    );
    let gone = results.iter().find(|r| r.ok).unwrap();
    assert_eq!(gone.message, "Deleted.");
    assert!(quay.notification(&gone.item.id).is_none());
    assert!(quay.notification(&failed.item.id).is_some());

    let pause = act(
        &source,
        BulkAction::Deactivate,
        &repo("web"),
        &failed.item.id,
    )
    .await;
    assert!(matches!(pause, Err(RegistryError::Unsupported(_))));
}

/// A fake DTR 2.7 where alice administers payments/billing: the fake, a source on it and
/// the repository as a target.
async fn dtr_billing() -> (FakeDtr, Source, Target) {
    let dtr = FakeDtr::start(DtrVersion::V2_7).await.unwrap();
    dtr.add_user("alice", "d-token", false);
    dtr.add_org("payments", &["alice"], &[]);
    dtr.add_repo("payments", "billing", false, &[]);
    let source = source(
        ConnectionKind::Dtr,
        dtr.base_url(),
        Some("alice"),
        "d-token",
    );
    (dtr, source, Target::repository("payments", "billing"))
}

#[tokio::test]
async fn dtr_webhooks_pause_and_resume_read_back() {
    let (_dtr, source, target) = dtr_billing().await;
    let spec = NotificationSpec::Dtr(DtrWebhookSpec {
        webhook_type: DtrWebhookType::TagPush,
        endpoint: "http://127.0.0.9:9/hooks/d".into(),
        tls_cert: String::new(),
        skip_tls_verification: true,
    });
    let id = registry::fleet::plan::create(&source, &target, &spec)
        .await
        .unwrap();
    let paused = act(&source, BulkAction::Deactivate, &target, &id).await;
    assert_eq!(paused.unwrap(), "Paused.");
    let listed = source.list(&target).await.unwrap();
    assert_eq!(listed[0].row.state, FleetState::Inactive);
    assert_eq!(
        act(&source, BulkAction::Activate, &target, &id)
            .await
            .unwrap(),
        "Resumed."
    );
    assert!(matches!(
        act(&source, BulkAction::Reset, &target, &id).await,
        Err(RegistryError::Unsupported(_))
    ));
    assert!(matches!(
        act(&source, BulkAction::Test, &target, "0000").await,
        Err(RegistryError::Gone)
    ));
}

#[tokio::test]
async fn a_rollout_plans_creates_skips_and_cannots_applies_and_undoes_exactly_its_own() {
    let (quay, source) = quay_fleet(&["web", "api", "db"]).await;
    quay.add_org("other", &["bob"], &["alice"]);
    quay.add_repo("other", "secret", false);
    let url = "https://ci.example/build-failed";
    // `db` already has one with another title: equivalent, so skipped.
    let mut titled = hook(
        QuayEventSpec::BuildFailure {
            ref_regex: String::new(),
        },
        url,
    );
    titled.title = "older".into();
    let existing = create(&source, "db", &titled).await;
    let unrelated = create(&source, "web", &hook(QuayEventSpec::RepoPush, url)).await;

    let wanted = |targets: &[Target]| build_failure_on(targets, url);
    let targets = [
        repo("web"),
        repo("api"),
        repo("db"),
        Target::repository("other", "secret"),
    ];
    let first = plan(&source, wanted(&targets), false, 4, |_| {}).await;
    let changes: Vec<Change> = first.items.iter().map(|i| i.change).collect();
    assert_eq!(
        changes,
        [
            Change::Create,
            Change::Extra,
            Change::Create,
            Change::Unchanged,
            Change::Cannot
        ],
        "{first:#?}"
    );
    assert_eq!(first.items[3].id.as_deref(), Some(existing.as_str()));
    assert_eq!(first.items[1].id.as_deref(), Some(unrelated.as_str()));

    // A 500 on the first create: that line fails, the other goes through; retry the failed.
    quay.inject(Fault::Status { status: 500 }, 1);
    let applied = apply(&source, first.items.clone(), 1, |_| {}).await;
    assert_eq!(applied.len(), 2, "only creates and deletes run");
    assert_eq!(applied.iter().filter(|a| a.ok).count(), 1, "{applied:#?}");
    let failed: Vec<_> = applied
        .iter()
        .filter(|a| !a.ok)
        .map(|a| a.item.clone())
        .collect();
    let retried = retry(&source, failed, 1, |_| {}).await;
    assert!(retried.iter().all(|a| a.ok), "{retried:#?}");

    let second = plan(&source, wanted(&targets[..3]), false, 4, |_| {}).await;
    assert!(!second.has_changes(), "{second:#?}");
    assert_eq!(second.count(Change::Unchanged), 3);

    // Undo removes what the runs created, and nothing else.
    let created: Vec<_> = applied.into_iter().chain(retried).collect();
    let undone = undo(&source, &created, 4, |_| {}).await;
    assert_eq!(undone.len(), 2);
    assert!(undone.iter().all(|r| r.ok), "{undone:?}");
    assert!(quay.notification(&existing).is_some());
    assert!(quay.notification(&unrelated).is_some());
    let third = plan(&source, wanted(&targets[..3]), false, 4, |_| {}).await;
    assert_eq!(third.count(Change::Create), 2);
}

#[tokio::test]
async fn copying_a_repositorys_notifications_plans_them_for_each_other_repository() {
    let (_quay, source) = quay_fleet(&["web", "api", "db"]).await;
    let push = create(
        &source,
        "web",
        &hook(QuayEventSpec::RepoPush, "https://h/push"),
    )
    .await;
    create(
        &source,
        "web",
        &hook(QuayEventSpec::RepoPush, "https://h/other"),
    )
    .await;
    let everywhere = vec![repo("web"), repo("api"), repo("db")];
    let one = registry::fleet::plan::plan_copy(
        &source,
        &repo("web"),
        Some(std::slice::from_ref(&push)),
        everywhere.clone(),
        4,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(
        one.count(Change::Create),
        2,
        "web itself is left out: {one:#?}"
    );
    assert!(one
        .items
        .iter()
        .all(|i| i.summary == "repo_push → Webhook → h/push"));
    let all = registry::fleet::plan::plan_copy(&source, &repo("web"), None, everywhere, 4, |_| {})
        .await
        .unwrap();
    assert_eq!(all.count(Change::Create), 4);
    let missing = registry::fleet::plan::plan_copy(
        &source,
        &repo("web"),
        Some(&["no-such-id".to_owned()]),
        vec![repo("api")],
        4,
        |_| {},
    )
    .await;
    assert!(matches!(missing, Err(RegistryError::Gone)));
}

#[tokio::test]
async fn a_rate_limit_mid_run_fails_only_its_line_and_says_to_slow_down() {
    let (quay, source) = quay_fleet(&["a", "b", "c", "d"]).await;
    let wanted = build_failure_on(&["a", "b", "c", "d"].map(repo), "https://ci.example/x");
    let p = plan(&source, wanted, false, 1, |_| {}).await;
    assert_eq!(p.count(Change::Create), 4);
    // After the first repository is done, Quay (nginx in front of it) answers 429 once.
    let applied = apply(&source, p.items, 1, |progress| {
        if progress.done == 1 {
            quay.inject(Fault::Status { status: 429 }, 1);
        }
    })
    .await;
    let failed: Vec<_> = applied.iter().filter(|a| !a.ok).collect();
    assert_eq!(failed.len(), 1, "{applied:#?}");
    assert_eq!(failed[0].item.target, repo("b"));
    assert!(
        failed[0].message.to_lowercase().contains("too many") || failed[0].message.contains("429"),
        "{}",
        failed[0].message
    );
    let retried = apply(&source, vec![failed[0].item.clone()], 1, |_| {}).await;
    assert!(retried[0].ok, "{retried:?}");
    for r in ["a", "b", "c", "d"] {
        assert_eq!(source.list(&repo(r)).await.unwrap().len(), 1, "{r}");
    }
}

#[tokio::test]
async fn a_request_that_never_answers_mid_run_times_out_alone() {
    let (quay, source) = quay_fleet(&["a", "b", "c"]).await;
    let wanted = build_failure_on(&["a", "b", "c"].map(repo), "https://ci.example/x");
    let p = plan(&source, wanted, false, 1, |_| {}).await;
    // After the first repository, Quay stops answering one request (a hung worker).
    let started = std::time::Instant::now();
    let applied = apply(&source, p.items, 1, |progress| {
        if progress.done == 1 {
            quay.inject(Fault::Hang, 1);
        }
    })
    .await;
    let failed: Vec<_> = applied.iter().filter(|a| !a.ok).collect();
    assert_eq!(failed.len(), 1, "{applied:#?}");
    assert!(
        failed[0].message.contains("no answer within 30 seconds"),
        "{}",
        failed[0].message
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    let retried = retry(&source, vec![failed[0].item.clone()], 1, |_| {}).await;
    assert!(retried[0].ok, "{retried:?}");
    for r in ["a", "b", "c"] {
        assert_eq!(
            source.list(&repo(r)).await.unwrap().len(),
            1,
            "{r}: exactly one"
        );
    }
}

#[tokio::test]
async fn a_retry_after_a_lost_answer_does_not_create_twice() {
    let (quay, source) = quay_fleet(&["a"]).await;
    let p = plan(
        &source,
        build_failure_on(&[repo("a")], "https://ci.example/x"),
        false,
        1,
        |_| {},
    )
    .await;
    // Quay creates it, but its answer is cut off on the way: the line reports a failure.
    quay.inject(Fault::TruncatedJson, 1);
    let lost = apply(&source, p.items, 1, |_| {}).await;
    assert!(!lost[0].ok, "{lost:?}");
    assert_eq!(
        source.list(&repo("a")).await.unwrap().len(),
        1,
        "the create happened"
    );
    // Retrying finds it there instead of creating a second one.
    let retried = retry(&source, vec![lost[0].item.clone()], 1, |_| {}).await;
    assert!(
        retried[0].ok && retried[0].message.starts_with("Already there"),
        "{retried:?}"
    );
    assert_eq!(source.list(&repo("a")).await.unwrap().len(), 1);
}

#[tokio::test]
async fn invalid_entries_are_planned_as_invalid_with_the_reason() {
    let (_quay, source) = quay_fleet(&["web"]).await;
    let bad_url = build_failure("http://localhost/hook");
    let dtr_spec = NotificationSpec::Dtr(DtrWebhookSpec {
        webhook_type: DtrWebhookType::TagPush,
        endpoint: "https://h/x".into(),
        tls_cert: String::new(),
        skip_tls_verification: false,
    });
    let p = plan(
        &source,
        vec![Wanted {
            target: repo("web"),
            notifications: vec![Ok(bad_url), Ok(dtr_spec), Err("unreadable entry: x".into())],
        }],
        false,
        1,
        |_| {},
    )
    .await;
    assert!(
        p.items.iter().all(|i| i.change == Change::Invalid),
        "{p:#?}"
    );
    assert!(p.items[0].reason.as_deref().unwrap().contains("localhost"));
    assert!(p.items[1].reason.as_deref().unwrap().contains("DTR"));
    assert_eq!(p.items[2].reason.as_deref(), Some("unreadable entry: x"));
}

/// Plans `set` on `on` (4 requests at a time).
async fn plan_set(on: &Source, set: &NotificationSet, prune: bool) -> registry::fleet::plan::Plan {
    plan(
        on,
        set.wanted(ConnectionKind::Quay).unwrap(),
        prune,
        4,
        |_| {},
    )
    .await
}

#[tokio::test]
async fn a_set_moves_from_one_quay_to_another_and_applying_twice_changes_nothing() {
    let (staging, from) = quay_fleet(&["web", "api", "empty"]).await;
    let (prod, to) = quay_fleet(&["web", "api", "empty"]).await;
    staging.authorize_email("acme", "api", "sec@acme.example");
    create(
        &from,
        "web",
        &hook(QuayEventSpec::RepoPush, "https://ci.example/push"),
    )
    .await;
    create(
        &from,
        "api",
        &QuayNotificationDraft {
            title: "scan".into(),
            event: QuayEventSpec::VulnerabilityFound {
                level: registry::quay::QuaySeverity::High,
            },
            method: QuayMethodSpec::Email {
                email: "sec@acme.example".into(),
            },
        },
    )
    .await;
    create(
        &from,
        "api",
        &QuayNotificationDraft {
            title: String::new(),
            event: QuayEventSpec::RepoPush,
            method: QuayMethodSpec::Slack {
                url: "https://hooks.slack.com/services/T0/B0/very-secret".into(),
            },
        },
    )
    .await;

    let (set, notes) = export(&from, None, None, 4, |_| {}).await.unwrap();
    assert!(
        notes.problems.is_empty() && notes.skipped.is_empty(),
        "{notes:?}"
    );
    let text = set.to_text();
    assert!(!text.contains("very-secret"), "{text}");
    assert!(!text.contains("q-token"));
    assert_eq!(
        set.targets.len(),
        2,
        "repositories without notifications are left out"
    );
    let set = NotificationSet::parse(&text).unwrap();

    // On the source everything is unchanged, the hidden Slack URL included.
    let same = plan_set(&from, &set, false).await;
    assert!(!same.has_changes(), "{same:#?}");
    assert_eq!(same.count(Change::Unchanged), 3);

    // On production: the Slack one cannot be made without its URL, nor the e-mail one before
    // the address is confirmed there.
    let first = plan_set(&to, &set, false).await;
    let counts = |p: &registry::fleet::plan::Plan| {
        [Change::Create, Change::Invalid, Change::Cannot].map(|c| p.count(c))
    };
    assert_eq!(counts(&first), [1, 1, 1], "{first:#?}");
    let cannot = first
        .items
        .iter()
        .find(|i| i.change == Change::Cannot)
        .unwrap();
    assert!(cannot
        .reason
        .as_deref()
        .unwrap()
        .contains("sec@acme.example"));
    prod.authorize_email("acme", "api", "sec@acme.example");
    let first = plan_set(&to, &set, false).await;
    assert_eq!(counts(&first), [2, 1, 0], "{first:#?}");
    let applied = apply(&to, first.items, 4, |_| {}).await;
    assert!(applied.iter().all(|a| a.ok), "{applied:#?}");
    let second = plan_set(&to, &set, false).await;
    assert!(!second.has_changes(), "{second:#?}");

    // Something added by hand on production is kept, and deleted only with prune.
    create(
        &to,
        "web",
        &hook(QuayEventSpec::RepoPush, "https://manual.example/x"),
    )
    .await;
    let kept = plan_set(&to, &set, false).await;
    assert_eq!((kept.count(Change::Extra), kept.has_changes()), (1, false));
    let pruned = plan_set(&to, &set, true).await;
    assert_eq!(pruned.count(Change::Delete), 1);
    let applied = apply(&to, pruned.items, 4, |_| {}).await;
    assert!(applied.iter().all(|a| a.ok), "{applied:#?}");
    let after = plan_set(&to, &set, true).await;
    assert!(!after.has_changes(), "{after:#?}");

    assert!(
        set.wanted(ConnectionKind::Dtr).is_err(),
        "a Quay set does not apply to DTR"
    );
    assert!(NotificationSet::parse(
        "{\"format\": \"other/2\", \"registry\": \"quay\", \"targets\": []}"
    )
    .is_err());
}

#[tokio::test]
async fn safe_edit_creates_then_deletes_and_says_what_exists_when_a_step_fails() {
    let (quay, source) = quay_fleet(&["web"]).await;
    let old = create(
        &source,
        "web",
        &hook(QuayEventSpec::RepoPush, "https://old.example/h"),
    )
    .await;
    let new_spec = NotificationSpec::Quay(hook(QuayEventSpec::RepoPush, "https://new.example/h"));
    let no_check: Option<NoCheck> = None;

    // The create fails: nothing changes.
    quay.inject(Fault::Status { status: 500 }, 1);
    let outcome = replace(&source, &repo("web"), &old, &new_spec, no_check).await;
    assert!(
        matches!(outcome, EditOutcome::NotCreated { .. }),
        "{outcome:?}"
    );
    assert_eq!(source.list(&repo("web")).await.unwrap().len(), 1);

    // The check fails: both exist and the old one is kept.
    let outcome = replace(
        &source,
        &repo("web"),
        &old,
        &new_spec,
        Some(|_id: String| async { Err::<String, _>("no delivery within 30 s".to_owned()) }),
    )
    .await;
    let EditOutcome::CheckFailed { new_id, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(quay.notification(&old).is_some() && quay.notification(&new_id).is_some());
    quay_client(&source)
        .delete_notification(&QuayRepoRef::new("acme", "web"), &new_id)
        .await
        .unwrap();

    // The delete fails (a 500 injected once the new one exists): both exist; retry deletes it.
    let outcome = replace(
        &source,
        &repo("web"),
        &old,
        &new_spec,
        Some(|_id: String| {
            quay.inject(Fault::Status { status: 500 }, 1);
            async { Ok::<_, String>("delivered".to_owned()) }
        }),
    )
    .await;
    let EditOutcome::OldNotDeleted { new_id, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(quay.notification(&old).is_some());
    assert_eq!(
        delete_old(&source, &repo("web"), &old).await.unwrap(),
        "Deleted."
    );
    let left = source.list(&repo("web")).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].row.id, new_id);
    assert_eq!(left[0].row.url.as_deref(), Some("https://new.example/h"));

    // The plain path.
    let newer = NotificationSpec::Quay(hook(QuayEventSpec::RepoPush, "https://newer.example/h"));
    let outcome = replace(&source, &repo("web"), &new_id, &newer, no_check).await;
    assert!(
        matches!(outcome, EditOutcome::Replaced { .. }),
        "{outcome:?}"
    );
    let left = source.list(&repo("web")).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].row.url.as_deref(), Some("https://newer.example/h"));
}

/// After the receiver moved: each notification is given the URL the caller maps its old one to,
/// by safe edit, keeping everything else; one already right, one gone and one the caller refuses
/// each get their own line.
#[tokio::test]
async fn repointing_moves_quay_and_dtr_notifications_to_the_new_address() {
    use registry::fleet::repoint::repoint_all;
    let old_base = "http://192.0.2.2:47840";
    let new_base = "http://192.0.2.2:47842";
    let moved = |url: &str| match url.strip_prefix(old_base) {
        Some(rest) => Ok(format!("{new_base}{rest}")),
        None if url.starts_with(new_base) => Ok(url.to_owned()),
        None => Err("Not a route of this inbox.".to_owned()),
    };

    let (_quay, quay_source) = quay_fleet(&["web", "api"]).await;
    let mut push = hook(QuayEventSpec::RepoPush, &format!("{old_base}/hooks/tokA"));
    push.title = "Deploy hook".into();
    let on_web = create(&quay_source, "web", &push).await;
    let current = create(
        &quay_source,
        "api",
        &hook(QuayEventSpec::RepoPush, &format!("{new_base}/hooks/tokB")),
    )
    .await;
    let elsewhere = create(
        &quay_source,
        "api",
        &hook(QuayEventSpec::RepoPush, "https://ci.example/h"),
    )
    .await;
    let items = vec![
        ActionItem {
            target: repo("web"),
            id: on_web.clone(),
        },
        ActionItem {
            target: repo("api"),
            id: current.clone(),
        },
        ActionItem {
            target: repo("api"),
            id: elsewhere.clone(),
        },
        ActionItem {
            target: repo("api"),
            id: "no-such-uuid".into(),
        },
    ];
    let results = repoint_all(&quay_source, items, moved, 2, |_| {}).await;
    let lines: Vec<(bool, &str)> = results.iter().map(|r| (r.ok, r.message.as_str())).collect();
    assert_eq!(
        lines,
        [
            (true, "Now delivers to http://192.0.2.2:47842."),
            (true, "Already points at the receiver."),
            (false, "Not a route of this inbox."),
            (false, "It is no longer on the registry."),
        ]
    );
    let web = quay_source.list(&repo("web")).await.unwrap();
    assert_eq!(web.len(), 1, "the old one is gone, its replacement stands");
    assert_ne!(web[0].row.id, on_web);
    assert_eq!(
        web[0].row.url.as_deref(),
        Some(&*format!("{new_base}/hooks/tokA"))
    );
    assert_eq!(
        web[0].row.title.as_deref(),
        Some("Deploy hook"),
        "the rest is kept"
    );
    let api = quay_source.list(&repo("api")).await.unwrap();
    let ids: Vec<&str> = api.iter().map(|f| f.row.id.as_str()).collect();
    assert!(
        ids.contains(&current.as_str()) && ids.contains(&elsewhere.as_str()),
        "{ids:?}"
    );

    let (_dtr, source, target) = dtr_billing().await;
    let spec = NotificationSpec::Dtr(DtrWebhookSpec {
        webhook_type: DtrWebhookType::TagPush,
        endpoint: format!("{old_base}/hooks/tokC"),
        tls_cert: String::new(),
        skip_tls_verification: true,
    });
    let id = registry::fleet::plan::create(&source, &target, &spec)
        .await
        .unwrap();
    let results = repoint_all(
        &source,
        vec![ActionItem {
            target: target.clone(),
            id,
        }],
        moved,
        2,
        |_| {},
    )
    .await;
    assert!(results[0].ok, "{results:?}");
    let hooks = source.list(&target).await.unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(
        hooks[0].row.url.as_deref(),
        Some(&*format!("{new_base}/hooks/tokC"))
    );
    assert_eq!(hooks[0].row.event, "TAG_PUSH");
}
