//! A repository's lifecycle through the one `Client`, against the fake Quay and the fake DTR
//! (2.6 and 2.7): create, read back, change, tags a page at a time, what a delete takes, delete;
//! every error as a sentence; and a registry that answers success without doing anything is
//! caught by the read-back.

use fakes::dtr::{DtrVersion, FakeDtr};
use fakes::quay::{FakeQuay, FakeTag, Scope};
use registry::client::Client;
use registry::connection::{Connection, ConnectionKind};
use registry::dtr::{DtrError, DtrValidationError};
use registry::quay::{
    QuayError, QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef,
};
use registry::repos::{RepositoryChange, RepositoryDraft, TAG_PAGE_SIZE};
use registry::tls::TlsOptions;
use registry::RegistryError;

const QUAY_TOKEN: &str = "q-Secret-token";
const DTR_TOKEN: &str = "d-Secret-token";

fn client(kind: ConnectionKind, base: &str, username: Option<&str>, token: &str) -> Client {
    let connection = Connection::new("test", kind, base, username, TlsOptions::default()).unwrap();
    Client::new(&connection, token).unwrap()
}

/// alice owns `acme` and is a plain member of `other`; one token with every scope, one without
/// `repo:create`.
async fn fake_quay() -> FakeQuay {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_user("bob");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_token(
        "q-no-create",
        "alice",
        &[
            Scope::RepoRead,
            Scope::RepoWrite,
            Scope::RepoAdmin,
            Scope::UserRead,
        ],
    );
    fake.add_org("acme", &["alice"], &[]);
    fake.add_org("other", &["bob"], &["alice"]);
    fake
}

/// alice administers `payments` and is a plain member of `qa`.
async fn fake_dtr(version: DtrVersion) -> FakeDtr {
    let fake = FakeDtr::start(version).await.unwrap();
    fake.add_user("alice", DTR_TOKEN, false);
    fake.add_user("bob", "tok-bob", false);
    fake.add_org("payments", &["alice"], &[]);
    fake.add_org("qa", &["bob"], &["alice"]);
    fake
}

fn draft(namespace: &str, name: &str, public: bool, description: &str) -> RepositoryDraft {
    RepositoryDraft {
        namespace: namespace.into(),
        name: name.into(),
        is_public: public,
        description: description.into(),
        long_description: String::new(),
        scan_on_push: false,
        immutable_tags: false,
    }
}

fn webhook_draft() -> QuayNotificationDraft {
    QuayNotificationDraft {
        title: "builds".into(),
        event: QuayEventSpec::BuildFailure {
            ref_regex: String::new(),
        },
        method: QuayMethodSpec::Webhook {
            url: "http://127.0.0.2:1/hooks/t".into(),
            template: String::new(),
        },
    }
}

#[tokio::test]
async fn quay_create_change_tags_and_delete_are_each_read_back() {
    let fake = fake_quay().await;
    let quay = client(ConnectionKind::Quay, fake.base_url(), None, QUAY_TOKEN);

    let markdown = "# Web\n\nThe <b>shop</b> front end.";
    let created = quay
        .create_repository(&draft("acme", "team/web", false, markdown))
        .await
        .unwrap();
    assert_eq!(
        (
            created.name.as_str(),
            created.is_public,
            created.description.as_str()
        ),
        ("team/web", false, markdown)
    );
    assert!(created.can_admin);
    assert_eq!(created.long_description, None);
    let listed = quay.repositories("acme", |_| {}).await.unwrap();
    assert!(
        listed.iter().any(|r| r.name == "team/web"),
        "listed at once"
    );

    let public = quay
        .change_repository(
            "acme",
            "team/web",
            &RepositoryChange {
                is_public: Some(true),
                ..RepositoryChange::default()
            },
        )
        .await
        .unwrap();
    assert!(public.is_public);
    assert_eq!(
        fake.repository("acme", "team/web").unwrap()["is_public"],
        true
    );
    let described = quay
        .change_repository(
            "acme",
            "team/web",
            &RepositoryChange {
                description: Some(String::new()),
                ..RepositoryChange::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(described.description, "");
    assert!(described.is_public, "the other field is left alone");
    let long = quay
        .change_repository(
            "acme",
            "team/web",
            &RepositoryChange {
                long_description: Some("x".into()),
                ..RepositoryChange::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(long, RegistryError::Unsupported(_)));
    let scan = quay
        .change_repository(
            "acme",
            "team/web",
            &RepositoryChange {
                scan_on_push: Some(true),
                ..RepositoryChange::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(scan, RegistryError::Unsupported(_)));
    assert_eq!(
        (described.scan_on_push, described.immutable_tags),
        (None, None)
    );

    // Tags, a page at a time, newest first; then what a delete takes.
    for i in 0..(TAG_PAGE_SIZE + 7) {
        fake.add_tag(
            "acme",
            "team/web",
            FakeTag::new(&format!("v{i}"), 1_700_000_000 + i64::from(i)),
        )
        .unwrap();
    }
    let first = quay.tags_page("acme", "team/web", None).await.unwrap();
    assert_eq!(first.tags.len(), TAG_PAGE_SIZE as usize);
    assert_eq!(first.tags[0].name, format!("v{}", TAG_PAGE_SIZE + 6));
    assert_eq!(
        first.tags[0].last_modified,
        Some((1_700_000_000 + i64::from(TAG_PAGE_SIZE) + 6) * 1000)
    );
    assert!(first.tags[0]
        .digest
        .as_deref()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(first.tags[0].size, Some(1024));
    let second = quay
        .tags_page("acme", "team/web", first.next.as_deref())
        .await
        .unwrap();
    assert_eq!(second.tags.len(), 7);
    assert_eq!(second.next, None);

    let Client::Quay(raw) = &quay else {
        unreachable!()
    };
    raw.create_notification(&QuayRepoRef::new("acme", "team/web"), &webhook_draft())
        .await
        .unwrap();
    let impact = quay.delete_impact("acme", "team/web").await.unwrap();
    assert_eq!(
        (impact.tags, impact.more_tags, impact.notifications),
        (TAG_PAGE_SIZE + 7, false, 1)
    );

    quay.delete_repository("acme", "team/web").await.unwrap();
    assert!(fake.repository("acme", "team/web").is_none());
    assert!(quay.repositories("acme", |_| {}).await.unwrap().is_empty());
    // Deleting again: Quay will not say whether it exists, so this is its 403, in words.
    let again = quay
        .delete_repository("acme", "team/web")
        .await
        .unwrap_err();
    assert!(
        matches!(again, RegistryError::Quay(QuayError::Forbidden { .. })),
        "{again}"
    );
}

#[tokio::test]
async fn quay_refusals_read_as_instructions() {
    let fake = fake_quay().await;
    let quay = client(ConnectionKind::Quay, fake.base_url(), None, QUAY_TOKEN);
    quay.create_repository(&draft("acme", "web", false, ""))
        .await
        .unwrap();

    let taken = quay
        .create_repository(&draft("acme", "web", true, ""))
        .await
        .unwrap_err();
    assert!(matches!(
        taken,
        RegistryError::Quay(QuayError::RepositoryExists)
    ));
    assert!(taken.to_string().contains("already exists"), "{taken}");

    // Refused before sending: Quay's own rule, with the field named.
    let bad = quay
        .create_repository(&draft("acme", "Web", false, ""))
        .await
        .unwrap_err();
    let RegistryError::Quay(QuayError::Invalid(invalid)) = &bad else {
        panic!("{bad:?}")
    };
    assert_eq!(invalid.field(), "repository");
    assert!(bad.to_string().contains("lower-case"), "{bad}");

    for (token, namespace) in [
        ("q-no-create", "acme"),
        (QUAY_TOKEN, "other"),
        (QUAY_TOKEN, "nobody"),
    ] {
        let quay = client(ConnectionKind::Quay, fake.base_url(), None, token);
        let refused = quay
            .create_repository(&draft(namespace, "new", false, ""))
            .await
            .unwrap_err();
        assert!(
            matches!(refused, RegistryError::Quay(QuayError::Forbidden { .. })),
            "{token} in {namespace}: {refused:?}"
        );
        assert!(refused.to_string().contains("repo:create"), "{refused}");
    }

    // A revoked token is dropped to anonymous: the CSRF 403, read as a token problem.
    let revoked = client(ConnectionKind::Quay, fake.base_url(), None, "q-revoked");
    let err = revoked
        .create_repository(&draft("acme", "x", false, ""))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::Quay(QuayError::TokenRejected)),
        "{err:?}"
    );
    assert!(!err.to_string().contains("q-revoked"));
}

#[tokio::test]
async fn quay_success_answers_without_the_change_are_caught() {
    let fake = fake_quay().await;
    let quay = client(ConnectionKind::Quay, fake.base_url(), None, QUAY_TOKEN);
    quay.create_repository(&draft("acme", "web", false, "old"))
        .await
        .unwrap();
    fake.ignore_repository_writes(true);

    let created = quay
        .create_repository(&draft("acme", "ghost", false, ""))
        .await
        .unwrap_err();
    assert!(
        matches!(created, RegistryError::Unconfirmed(_)),
        "{created:?}"
    );
    assert!(
        created.to_string().contains("no repository acme/ghost"),
        "{created}"
    );
    let changed = quay
        .change_repository(
            "acme",
            "web",
            &RepositoryChange {
                is_public: Some(true),
                description: Some("new".into()),
                ..RepositoryChange::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        changed
            .to_string()
            .contains("acme/web: it is still private, its description is not the one sent"),
        "{changed}"
    );
    let deleted = quay.delete_repository("acme", "web").await.unwrap_err();
    assert!(
        deleted.to_string().contains("acme/web is still there"),
        "{deleted}"
    );
}

async fn dtr_lifecycle(version: DtrVersion) {
    let fake = fake_dtr(version).await;
    let dtr = client(
        ConnectionKind::Dtr,
        fake.base_url(),
        Some("alice"),
        DTR_TOKEN,
    );

    let mut new = draft("payments", "api", false, "Payments API");
    new.long_description = "# API\n<script>x</script>".into();
    new.scan_on_push = true;
    let created = dtr.create_repository(&new).await.unwrap();
    assert_eq!(created.description, "Payments API");
    assert_eq!(
        (created.scan_on_push, created.immutable_tags),
        (Some(true), Some(false))
    );
    assert_eq!(
        created.long_description.as_deref(),
        Some(new.long_description.as_str())
    );
    assert!(!created.is_public);

    let changed = dtr
        .change_repository(
            "payments",
            "api",
            &RepositoryChange {
                is_public: Some(true),
                description: Some("Public API".into()),
                long_description: Some(String::new()),
                scan_on_push: None,
                immutable_tags: Some(true),
            },
        )
        .await
        .unwrap();
    assert!(changed.is_public);
    assert_eq!(
        (changed.scan_on_push, changed.immutable_tags),
        (Some(true), Some(true)),
        "the setting not sent is left as it was"
    );
    assert_eq!(
        fake.repository("payments", "api").unwrap()["immutableTags"],
        true
    );
    assert_eq!(
        (
            changed.description.as_str(),
            changed.long_description.as_deref()
        ),
        ("Public API", Some(""))
    );
    let listed = dtr.repositories("payments", |_| {}).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].is_public);

    let empty = dtr.tags_page("payments", "api", None).await.unwrap();
    assert!(empty.tags.is_empty() && empty.next.is_none());
    let impact = dtr.delete_impact("payments", "api").await.unwrap();
    assert_eq!((impact.tags, impact.notifications), (0, 0));

    dtr.delete_repository("payments", "api").await.unwrap();
    assert!(fake.repository("payments", "api").is_none());
    // DTR answers 204 for a repository that is not there; Wharf says it is not there.
    let again = dtr.delete_repository("payments", "api").await.unwrap_err();
    assert!(
        matches!(again, RegistryError::Dtr(DtrError::NotFound { .. })),
        "{again:?}"
    );

    let taken_first = dtr
        .create_repository(&draft("payments", "web", false, ""))
        .await;
    taken_first.unwrap();
    let taken = dtr
        .create_repository(&draft("payments", "web", false, ""))
        .await
        .unwrap_err();
    assert!(
        taken.to_string().contains("REPOSITORY_EXISTS")
            || taken.to_string().contains("already exists"),
        "{taken}"
    );
    assert!(taken.to_string().contains("Choose another name"), "{taken}");
    let forbidden = dtr
        .create_repository(&draft("qa", "tools", false, ""))
        .await
        .unwrap_err();
    assert!(
        matches!(forbidden, RegistryError::Dtr(DtrError::Forbidden { .. })),
        "{forbidden:?}"
    );
    let long = dtr
        .create_repository(&draft("payments", "long", false, &"x".repeat(141)))
        .await
        .unwrap_err();
    assert!(
        matches!(
            long,
            RegistryError::Dtr(DtrError::Invalid(
                DtrValidationError::ShortDescriptionTooLong(141)
            ))
        ),
        "{long:?}"
    );
    let nested = dtr
        .create_repository(&draft("payments", "team/web", false, ""))
        .await
        .unwrap_err();
    assert!(
        nested.to_string().contains("not a valid repository name"),
        "{nested}"
    );

    fake.ignore_repository_writes(true);
    let ghost = dtr
        .create_repository(&draft("payments", "ghost", false, ""))
        .await
        .unwrap_err();
    assert!(matches!(ghost, RegistryError::Unconfirmed(_)), "{ghost:?}");
    let kept = dtr.delete_repository("payments", "web").await.unwrap_err();
    assert!(
        kept.to_string().contains("payments/web is still there"),
        "{kept}"
    );
}

#[tokio::test]
async fn dtr_27_create_change_and_delete_are_each_read_back() {
    dtr_lifecycle(DtrVersion::V2_7).await;
}

#[tokio::test]
async fn dtr_26_create_change_and_delete_are_each_read_back() {
    dtr_lifecycle(DtrVersion::V2_6).await;
}

#[tokio::test]
async fn dtr_tags_follow_the_page_cursor() {
    let fake = fake_dtr(DtrVersion::V2_7).await;
    let names: Vec<String> = (0..(TAG_PAGE_SIZE + 3))
        .map(|i| format!("t{i:03}"))
        .collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    fake.add_repo("payments", "api", false, &refs);
    let dtr = client(
        ConnectionKind::Dtr,
        fake.base_url(),
        Some("alice"),
        DTR_TOKEN,
    );
    let first = dtr.tags_page("payments", "api", None).await.unwrap();
    assert_eq!(first.tags.len(), TAG_PAGE_SIZE as usize);
    let row = &first.tags[0];
    assert!(row.digest.as_deref().unwrap().starts_with("sha256:"));
    assert_eq!(row.size, Some(1024));
    assert_eq!(row.last_modified, Some(1_710_090_164_010));
    let second = dtr
        .tags_page("payments", "api", first.next.as_deref())
        .await
        .unwrap();
    assert_eq!(second.tags.len(), 3);
    assert_eq!(second.next, None);
    let impact = dtr.delete_impact("payments", "api").await.unwrap();
    assert_eq!((impact.tags, impact.more_tags), (TAG_PAGE_SIZE + 3, false));
}
