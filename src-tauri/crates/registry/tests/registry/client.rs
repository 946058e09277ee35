//! "A registry": the one `Client` over Quay and DTR, built from a saved connection, answering
//! in Wharf's types against the fake Quay and fake DTR.

use fakes::dtr::{DtrVersion, FakeDtr};
use fakes::quay::{FakeQuay, Scope};
use registry::client::{Client, Notification};
use registry::connection::{Connection, ConnectionKind};
use registry::quay::{QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef};
use registry::tls::TlsOptions;

fn connection(kind: ConnectionKind, base: &str, username: Option<&str>) -> Connection {
    Connection::new("test", kind, base, username, TlsOptions::default()).unwrap()
}

#[tokio::test]
async fn quay_answers_in_wharfs_types() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token("q-token", "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.add_repo("acme", "web", true);
    let client = Client::new(
        &connection(ConnectionKind::Quay, fake.base_url(), None),
        "q-token",
    )
    .unwrap();

    let account = client.verify().await.unwrap();
    assert_eq!(
        (account.account.as_str(), account.detail.as_str()),
        ("alice", "organizations: acme")
    );
    let namespaces = client.namespaces().await.unwrap();
    assert!(namespaces
        .iter()
        .any(|n| n.name == "acme" && n.organization));
    let repos = client.repositories("acme", |_| {}).await.unwrap();
    assert_eq!(repos.len(), 1);
    assert!(repos[0].is_public);
    assert!(repos[0]
        .last_modified
        .is_none_or(|ms| ms > 1_000_000_000_000));

    let Client::Quay(quay) = &client else {
        panic!("a Quay connection gives a Quay client")
    };
    quay.create_notification(
        &QuayRepoRef::new("acme", "web"),
        &QuayNotificationDraft {
            title: "pushes".into(),
            event: QuayEventSpec::RepoPush,
            method: QuayMethodSpec::Webhook {
                url: "http://127.0.0.2:1/hooks/t".into(),
                template: String::new(),
            },
        },
    )
    .await
    .unwrap();
    let listed = client.notifications("acme", Some("web")).await.unwrap();
    assert!(
        matches!(&listed[..], [Notification::Quay(n)] if n.webhook_url.as_deref() == Some("http://127.0.0.2:1/hooks/t")),
        "{listed:?}"
    );
    assert!(
        client.notifications("acme", None).await.unwrap().is_empty(),
        "Quay keeps notifications per repository"
    );
}

#[tokio::test]
async fn dtr_answers_in_wharfs_types() {
    let fake = FakeDtr::start(DtrVersion::V2_7).await.unwrap();
    fake.add_user("alice", "d-token", true);
    fake.add_org("payments", &["alice"], &[]);
    fake.add_repo("payments", "api", false, &[]);
    let client = Client::new(
        &connection(ConnectionKind::Dtr, fake.base_url(), Some("alice")),
        "d-token",
    )
    .unwrap();
    let account = client.verify().await.unwrap();
    assert_eq!(
        (account.account.as_str(), account.detail.as_str()),
        ("alice", "DTR administrator")
    );
    let repos = client.repositories("payments", |_| {}).await.unwrap();
    assert_eq!(repos[0].name, "api");
    assert!(!repos[0].is_public);
    assert!(client
        .notifications("payments", Some("api"))
        .await
        .unwrap()
        .is_empty());
    assert!(client
        .notifications("payments", None)
        .await
        .unwrap()
        .is_empty());
}

/// A search across a connection lists every namespace's repositories, a few namespaces at a
/// time with the count after each; a namespace that fails is named and the rest still come.
#[tokio::test]
async fn repositories_of_many_namespaces_come_together_and_a_failing_one_is_named() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token("q-token", "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.add_org("beta", &["alice"], &[]);
    fake.add_repo("acme", "web", true);
    fake.add_repo("acme", "api", false);
    fake.add_repo("beta", "payments", false);
    let client = Client::new(
        &connection(ConnectionKind::Quay, fake.base_url(), None),
        "q-token",
    )
    .unwrap();
    let names = || vec!["acme".to_owned(), "beta".to_owned()];

    let mut done = Vec::new();
    let all = client
        .repositories_of(names(), 2, |p| done.push(p.done))
        .await;
    let mut found: Vec<String> = all
        .repositories
        .iter()
        .map(|r| format!("{}/{}", r.namespace, r.name))
        .collect();
    found.sort();
    assert_eq!(found, ["acme/api", "acme/web", "beta/payments"]);
    assert!(all.problems.is_empty(), "{:?}", all.problems);
    assert_eq!(done, [1, 2]);

    // One at a time, the first namespace's listing gets a 403.
    fake.inject(fakes::Fault::Status { status: 403 }, 1);
    let partial = client.repositories_of(names(), 1, |_| {}).await;
    assert_eq!(partial.problems.len(), 1, "{:?}", partial.problems);
    assert_eq!(partial.problems[0].namespace, "acme");
    assert!(!partial.problems[0].message.is_empty());
    let rest: Vec<&str> = partial
        .repositories
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(rest, ["payments"]);
}
