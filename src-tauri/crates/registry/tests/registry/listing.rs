//! Bounded-concurrency listings through Wharf's clients against the fakes: every repository's
//! notifications or webhooks, in order, with progress, a failing repository kept apart, and
//! repository paging reported page by page.

use fakes::dtr::{DtrVersion, FakeDtr};
use fakes::quay::{FakeQuay, Scope};
use registry::dtr::client::DtrClient;
use registry::dtr::{validate_create, DtrWebhookDraft, DtrWebhookScope, DtrWebhookType};
use registry::listing::Progress;
use registry::quay::client::QuayClient;
use registry::quay::{
    QuayError, QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef,
};
use std::time::Duration;

const QUAY_TOKEN: &str = "qTok-Lister-0123456789abcd";
const DTR_TOKEN: &str = "dtrTok-lister-0123456789";

fn quay_draft(title: &str) -> QuayNotificationDraft {
    QuayNotificationDraft {
        title: title.into(),
        event: QuayEventSpec::RepoPush,
        method: QuayMethodSpec::Webhook {
            url: "http://127.0.0.2:9/hooks/x".into(),
            template: String::new(),
        },
    }
}

#[tokio::test]
async fn quay_notifications_of_many_repositories_in_order_with_progress() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    let names: Vec<String> = (0..30).map(|i| format!("svc-{i:02}")).collect();
    for name in &names {
        fake.add_repo("acme", name, false);
    }
    let client = QuayClient::new(fake.base_url(), QUAY_TOKEN).unwrap();
    for (i, name) in names.iter().enumerate() {
        for n in 0..(i % 3) {
            let repo = QuayRepoRef::new("acme", name.as_str());
            let title = format!("{name} hook {n}");
            client
                .create_notification(&repo, &quay_draft(&title))
                .await
                .unwrap();
        }
    }
    fake.set_latency(Duration::from_millis(20));

    let mut repos: Vec<QuayRepoRef> = names
        .iter()
        .map(|n| QuayRepoRef::new("acme", n.as_str()))
        .collect();
    repos.insert(7, QuayRepoRef::new("acme", "does-not-exist"));
    let mut progress = Vec::new();
    let results = client
        .notifications_of(repos, 4, |p| progress.push(p))
        .await;

    assert_eq!(results.len(), 31);
    assert_eq!(progress.len(), 31);
    assert_eq!(
        progress.last(),
        Some(&Progress {
            done: 31,
            total: Some(31)
        })
    );
    let (missing, outcome) = &results[7];
    assert_eq!(missing.name, "does-not-exist");
    // Quay checks admin permission before existence, so a missing repository is a 403.
    assert!(
        matches!(outcome, Err(QuayError::Forbidden { .. })),
        "{outcome:?}"
    );
    let found: Vec<_> = results
        .iter()
        .filter(|(r, _)| r.name != "does-not-exist")
        .collect();
    for ((repo, outcome), (i, name)) in found.iter().zip(names.iter().enumerate()) {
        assert_eq!(&repo.name, name);
        let titles: Vec<String> = outcome
            .as_ref()
            .unwrap()
            .iter()
            .map(|n| n.title.clone().unwrap_or_default())
            .collect();
        let expected: Vec<String> = (0..(i % 3)).map(|n| format!("{name} hook {n}")).collect();
        assert_eq!(titles, expected, "{name}");
    }
}

#[tokio::test]
async fn quay_repository_paging_reports_each_page() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    for i in 0..25 {
        fake.add_repo("acme", &format!("r{i:02}"), false);
    }
    fake.set_repo_page_size(10);
    let client = QuayClient::new(fake.base_url(), QUAY_TOKEN).unwrap();
    let mut done = Vec::new();
    let repos = client
        .repositories_with_progress("acme", |p| {
            assert_eq!(p.total, None);
            done.push(p.done)
        })
        .await
        .unwrap();
    assert_eq!(repos.len(), 25);
    assert_eq!(done, vec![10, 20, 25]);
}

#[tokio::test]
async fn dtr_webhooks_of_many_repositories_in_order_with_progress() {
    let fake = FakeDtr::start(DtrVersion::V2_7).await.unwrap();
    fake.add_user("alice", DTR_TOKEN, false);
    fake.add_org("payments", &["alice"], &[]);
    let names: Vec<String> = (0..12).map(|i| format!("svc-{i:02}")).collect();
    for name in &names {
        fake.add_repo("payments", name, false, &[]);
    }
    let client = DtrClient::new(fake.base_url(), "alice", DTR_TOKEN, None).unwrap();
    for name in names.iter().step_by(2) {
        let draft = DtrWebhookDraft {
            webhook_type: DtrWebhookType::TagPush,
            scope: DtrWebhookScope::Repository {
                namespace: "payments".into(),
                repository: name.clone(),
            },
            endpoint: format!("http://127.0.0.2:9/hooks/{name}"),
            tls_cert: String::new(),
            skip_tls_verification: true,
        };
        client
            .create_webhook(&validate_create(&draft, false).unwrap())
            .await
            .unwrap();
    }
    fake.set_latency(Duration::from_millis(20));

    let repos: Vec<(String, String)> = names
        .iter()
        .map(|n| ("payments".to_owned(), n.clone()))
        .collect();
    let mut last = None;
    let results = client.webhooks_of(repos, 3, |p| last = Some(p)).await;

    assert_eq!(
        last,
        Some(Progress {
            done: 12,
            total: Some(12)
        })
    );
    for (i, ((_, name), outcome)) in results.iter().enumerate() {
        let hooks = outcome.as_ref().unwrap();
        let expected = if i % 2 == 0 { 1 } else { 0 };
        assert_eq!(hooks.len(), expected, "{name}");
        if let Some(hook) = hooks.first() {
            assert_eq!(hook.endpoint, format!("http://127.0.0.2:9/hooks/{name}"));
        }
    }
}
