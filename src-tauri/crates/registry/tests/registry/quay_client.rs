//! The Quay client against the fake Quay (`tests/fakes`, real HTTP on 127.0.0.1): the headers
//! it sends, a dropped token told apart from a missing scope, paging, the notification life
//! cycle with Quay's verbs and status codes, e-mail authorization and teams. Servers that
//! misbehave in ways the fake does not (redirects, a repeated page, nothing listening) are
//! one-off routers here.

use axum::http::{header, StatusCode};
use axum::Router;
use fakes::quay::{FakeQuay, FakeTag, Scope, TeamRole};
use registry::quay::client::{normalize_base_url, QuayClient};
use registry::quay::{
    QuayError, QuayEventSpec, QuayMethod, QuayMethodSpec, QuayNamespaceKind, QuayNotificationDraft,
    QuayOperation, QuayRepoRef, QuaySeverity, QuayTeamRole, QuayValidationError,
};
use serde_json::json;
use std::sync::{Arc, Mutex};

const TOKEN: &str = "qTok-Secret-0123456789abcdef";
const NO_USER_READ_TOKEN: &str = "qTok-NoUserRead-0123456789";
const SLACK_URL: &str = "https://hooks.slack.com/services/T0AAA/B0BBB/cccccccccccccccc";

/// alice administers `acme` (repositories web, api, worker; teams owners, ops, builders) and is
/// a member of `beta`; bob runs `gamma`, which alice is not part of.
async fn fake_quay() -> FakeQuay {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_user("bob");
    fake.add_user("carol");
    fake.add_token(TOKEN, "alice", &Scope::ALL);
    fake.add_token(NO_USER_READ_TOKEN, "alice", &[Scope::RepoAdmin]);
    fake.add_org("acme", &["alice"], &["bob", "carol"]);
    fake.add_org("beta", &["bob"], &["alice"]);
    fake.add_org("gamma", &["bob"], &[]);
    for name in ["web", "api", "worker"] {
        fake.add_repo("acme", name, false);
    }
    fake.add_repo("beta", "tools", false);
    fake.add_tag("acme", "web", FakeTag::new("v1", 1_700_000_000))
        .unwrap();
    fake.add_tag("acme", "web", FakeTag::new("v2", 1_700_000_100))
        .unwrap();
    fake.add_tag(
        "acme",
        "web",
        FakeTag::new("gone", 1_600_000_000).ended_at(1_600_000_500),
    )
    .unwrap();
    fake.add_team("acme", "ops", TeamRole::Member, &["bob", "carol"])
        .unwrap();
    fake.add_team("acme", "builders", TeamRole::Creator, &[])
        .unwrap();
    fake
}

fn client(fake: &FakeQuay, token: &str) -> QuayClient {
    QuayClient::new(fake.base_url(), token).unwrap()
}

fn web() -> QuayRepoRef {
    QuayRepoRef::new("acme", "web")
}

fn slack_draft(title: &str) -> QuayNotificationDraft {
    QuayNotificationDraft {
        title: title.into(),
        event: QuayEventSpec::VulnerabilityFound {
            level: QuaySeverity::High,
        },
        method: QuayMethodSpec::Slack {
            url: SLACK_URL.into(),
        },
    }
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test]
async fn verify_sends_the_token_and_xhr_and_returns_the_user() {
    let fake = fake_quay().await;
    let user = client(&fake, TOKEN).verify().await.unwrap();
    assert_eq!(user.username, "alice");
    let seen = &fake.requests()[0];
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", "/api/v1/user/")
    );
    assert!(seen.has_authorization);
    assert_eq!(seen.requested_with.as_deref(), Some("XMLHttpRequest"));
}

#[tokio::test]
async fn a_dropped_token_is_reported_as_rejected_without_quoting_it() {
    let fake = fake_quay().await;
    let bad = client(&fake, "qTok-Wrong-000");
    let errors = [
        bad.verify().await.unwrap_err(),
        bad.notifications(&web()).await.unwrap_err(),
        bad.create_notification(&web(), &slack_draft("x"))
            .await
            .unwrap_err(),
        bad.delete_notification(&web(), "0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10")
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert_eq!(err, QuayError::TokenRejected);
        let message = err.to_string();
        assert!(!message.contains("qTok-Wrong-000"), "{message}");
    }
    assert!(!format!("{bad:?}").contains("qTok"), "{bad:?}");
}

#[tokio::test]
async fn a_valid_token_without_user_read_is_told_apart_by_the_probe() {
    let fake = fake_quay().await;
    assert_eq!(
        client(&fake, NO_USER_READ_TOKEN)
            .verify()
            .await
            .unwrap_err(),
        QuayError::NoUserReadScope
    );
    let seen = fake.requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].method, "POST");
    assert_eq!(
        seen[1].path,
        "/api/v1/repository/wharf-token-check/none/notification/00000000-0000-0000-0000-000000000000"
    );
}

#[tokio::test]
async fn namespaces_repositories_and_tags_follow_every_page() {
    let fake = fake_quay().await;
    fake.set_repo_page_size(2);
    let client = QuayClient::new(&format!("{}/api/v1/", fake.base_url()), TOKEN).unwrap();
    let namespaces = client.namespaces().await.unwrap();
    let names: Vec<_> = namespaces
        .iter()
        .map(|n| (n.name.as_str(), n.kind, n.is_admin))
        .collect();
    assert_eq!(
        names,
        [
            ("alice", QuayNamespaceKind::User, true),
            ("acme", QuayNamespaceKind::Organization, true),
            ("beta", QuayNamespaceKind::Organization, false)
        ]
    );

    let repos = client.repositories("acme").await.unwrap();
    let names: Vec<_> = repos.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["web", "api", "worker"]);
    assert!(client.repository(&web()).await.unwrap().can_admin);
    let tags = client.tags(&web()).await.unwrap();
    let names: Vec<_> = tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["v2", "v1"], "expired tags are left out");

    let queries: Vec<(String, String)> = fake
        .requests()
        .into_iter()
        .map(|r| (r.path, r.query))
        .collect();
    let asked = |path: &str, query: &str| queries.contains(&(path.into(), query.into()));
    assert!(asked(
        "/api/v1/repository",
        "namespace=acme&last_modified=true"
    ));
    assert!(
        queries
            .iter()
            .any(|(p, q)| p == "/api/v1/repository" && q.contains("&next_page=")),
        "{queries:?}"
    );
    assert!(asked(
        "/api/v1/repository/acme/web",
        "includeTags=false&includeStats=false"
    ));
    assert!(asked(
        "/api/v1/repository/acme/web/tag/",
        "onlyActiveTags=true&page=1&limit=100"
    ));
}

#[tokio::test]
async fn a_server_repeating_a_page_stops_the_listing() {
    let base = serve(Router::new().fallback(|| async {
        (
            [(header::CONTENT_TYPE, "application/json")],
            json!({"repositories": [{"namespace": "acme", "name": "web", "is_public": false,
                   "kind": "image"}], "next_page": "same"})
            .to_string(),
        )
    }))
    .await;
    assert_eq!(
        QuayClient::new(&base, TOKEN)
            .unwrap()
            .repositories("acme")
            .await
            .unwrap_err(),
        QuayError::PagingLoop {
            what: "repositories"
        }
    );
}

#[tokio::test]
async fn notification_lifecycle_uses_quays_verbs_and_status_codes() {
    let fake = fake_quay().await;
    let client = client(&fake, TOKEN);

    let created = client
        .create_notification(&web(), &slack_draft(""))
        .await
        .unwrap();
    assert_eq!(created.title, None);
    assert_eq!(created.number_of_failures, 0);
    // What reached Quay: the event options in both keys Quay reads, the Slack URL as config.
    let stored = fake.notification(&created.uuid).unwrap();
    assert_eq!(
        stored["event_config"],
        json!({"level": "1", "vulnerability": {"priority": "High"}})
    );
    assert_eq!(stored["config"], json!({"url": SLACK_URL}));
    let post = fake.requests().last().unwrap().clone();
    assert_eq!(post.path, "/api/v1/repository/acme/web/notification/");
    assert!(post
        .content_type
        .is_some_and(|c| c.starts_with("application/json")));

    let listed = client.notifications(&web()).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&created));
    let uuid = created.uuid.as_str();
    assert_eq!(client.notification(&web(), uuid).await.unwrap(), created);

    // The fake delivers nothing outside loopback, so the test counts a failure.
    fake.set_delivery_retries(0);
    client.test_notification(&web(), uuid).await.unwrap();
    fake.wait_for_deliveries().await;
    let tested = client.notification(&web(), uuid).await.unwrap();
    assert_eq!(tested.number_of_failures, 1);
    client
        .reset_notification_failures(&web(), uuid)
        .await
        .unwrap();
    let reset = client.notification(&web(), uuid).await.unwrap();
    assert_eq!((reset.number_of_failures, reset.disabled), (0, false));

    client.delete_notification(&web(), uuid).await.unwrap();
    for gone in [
        client.notification(&web(), uuid).await.map(|_| ()),
        client.delete_notification(&web(), uuid).await,
        client.test_notification(&web(), uuid).await,
    ] {
        assert_eq!(gone.unwrap_err(), QuayError::NotificationNotFound);
    }

    let verbs: Vec<_> = fake
        .requests()
        .iter()
        .map(|s| format!("{} {}", s.method, s.path.replace(uuid, "{uuid}")))
        .filter(|v| v.contains("{uuid}") && !v.starts_with("GET"))
        .collect();
    assert_eq!(
        verbs[..3],
        [
            "POST /api/v1/repository/acme/web/notification/{uuid}/test",
            "POST /api/v1/repository/acme/web/notification/{uuid}",
            "DELETE /api/v1/repository/acme/web/notification/{uuid}",
        ]
    );
}

#[tokio::test]
async fn forbidden_repository_names_the_scope_and_invalid_drafts_are_never_sent() {
    let fake = fake_quay().await;
    let client = client(&fake, TOKEN);
    let err = client
        .notifications(&QuayRepoRef::new("beta", "tools"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        QuayError::Forbidden {
            operation: Some(QuayOperation::ListNotifications)
        }
    );
    assert!(err.to_string().contains("repo:admin"));

    let before = fake.requests().len();
    let bad = QuayNotificationDraft {
        method: QuayMethodSpec::Webhook {
            url: "http://localhost:8080/hook".into(),
            template: String::new(),
        },
        ..slack_draft("x")
    };
    assert_eq!(
        client.create_notification(&web(), &bad).await.unwrap_err(),
        QuayError::Invalid(QuayValidationError::LoopbackUrl)
    );
    assert_eq!(
        client
            .delete_notification(&web(), "not-a-uuid")
            .await
            .unwrap_err(),
        QuayError::Invalid(QuayValidationError::InvalidUuid)
    );
    assert_eq!(fake.requests().len(), before, "nothing was sent");
}

#[tokio::test]
async fn email_authorization_reads_missing_pending_and_confirmed() {
    let fake = fake_quay().await;
    let client = client(&fake, TOKEN);
    let email = "ops+quay@example.com";
    assert_eq!(client.authorized_email(&web(), email).await.unwrap(), None);
    let pending = client.authorize_email(&web(), email).await.unwrap();
    assert!(!pending.confirmed);
    assert_eq!(
        fake.requests()[1].path,
        "/api/v1/repository/acme/web/authorizedemail/ops%2Bquay%40example.com"
    );
    let still = client.authorized_email(&web(), email).await.unwrap();
    assert!(!still.unwrap().confirmed);
    // The recipient clicks the link.
    fake.authorize_email("acme", "web", email);
    let confirmed = client.authorized_email(&web(), email).await.unwrap();
    assert!(confirmed.unwrap().confirmed);
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let hits = Arc::new(Mutex::new(0));
    let counter = hits.clone();
    let target = serve(Router::new().fallback(move || {
        *counter.lock().unwrap() += 1;
        async { "followed" }
    }))
    .await;
    let redirecting = serve(Router::new().fallback(move || {
        let location = format!("{target}/elsewhere");
        async move { (StatusCode::FOUND, [(header::LOCATION, location)]) }
    }))
    .await;
    let client = QuayClient::new(&redirecting, TOKEN).unwrap();
    assert_eq!(
        client.notifications(&web()).await.unwrap_err(),
        QuayError::Redirected { status: 302 }
    );
    assert_eq!(*hits.lock().unwrap(), 0, "the token went nowhere else");
}

#[tokio::test]
async fn an_unreachable_server_is_a_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let client = QuayClient::new(&format!("http://{address}"), TOKEN).unwrap();
    let err = client.verify().await.unwrap_err();
    let QuayError::Network(failure) = &err else {
        panic!("expected Network, got {err:?}")
    };
    // Plain words first; the transport's jargon stays in the detail.
    assert_eq!(
        err.to_string(),
        format!("Nothing is listening at {address}. Check the server address and port, and that Quay is running there.")
    );
    assert_eq!(failure.cause, registry::network::NetworkCause::Refused);
    assert!(
        failure.detail.to_lowercase().contains("refused"),
        "{}",
        failure.detail
    );
    assert!(!failure.detail.contains(TOKEN));
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn a_server_that_hangs_up_without_answering_is_named_as_such() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            drop(stream);
        }
    });
    let client = QuayClient::new(&format!("http://{address}"), TOKEN).unwrap();
    let err = client.verify().await.unwrap_err();
    let QuayError::Network(failure) = &err else {
        panic!("expected Network, got {err:?}")
    };
    assert_eq!(
        failure.cause,
        registry::network::NetworkCause::Closed,
        "{failure:?}"
    );
    assert!(
        err.to_string().starts_with(&format!(
            "The connection at {address} closed before Quay answered."
        )),
        "{err}"
    );
    assert!(!failure.detail.contains(TOKEN));
}

#[test]
fn server_address_and_token_are_checked() {
    assert_eq!(
        normalize_base_url("https://quay.io").unwrap(),
        "https://quay.io"
    );
    assert_eq!(
        normalize_base_url(" https://quay.io/ ").unwrap(),
        "https://quay.io"
    );
    assert_eq!(
        normalize_base_url("https://quay.io/api/v1/").unwrap(),
        "https://quay.io"
    );
    assert_eq!(
        normalize_base_url("https://h.example.com/quay").unwrap(),
        "https://h.example.com/quay"
    );
    for (bad, reason) in [
        ("quay.io", "it is not a URL"),
        ("ftp://quay.io", "it must start with https:// or http://"),
        (
            "https://alice:tok@quay.io",
            "leave the user name and token out of the address",
        ),
        ("https://quay.io/?x=1", "remove the ? or # part"),
    ] {
        assert_eq!(
            normalize_base_url(bad),
            Err(QuayValidationError::InvalidServerUrl(reason)),
            "{bad}"
        );
    }
    assert_eq!(
        QuayClient::new("https://quay.io", "  ").unwrap_err(),
        QuayError::Invalid(QuayValidationError::MissingToken)
    );
    for bad in ["two words", "line\nbreak"] {
        assert_eq!(
            QuayClient::new("https://quay.io", bad).unwrap_err(),
            QuayError::Invalid(QuayValidationError::MalformedToken)
        );
    }
}

#[tokio::test]
async fn teams_come_in_quays_order_and_a_user_namespace_is_not_found() {
    let fake = fake_quay().await;
    let client = client(&fake, TOKEN);
    let teams = client.teams("acme").await.unwrap();
    let listed: Vec<_> = teams
        .iter()
        .map(|t| (t.name.as_str(), t.role.clone(), t.member_count))
        .collect();
    assert_eq!(
        listed,
        [
            ("owners", QuayTeamRole::Admin, 1),
            ("ops", QuayTeamRole::Member, 2),
            ("builders", QuayTeamRole::Creator, 0),
        ]
    );
    assert!(teams[1].can_view);

    assert!(
        client.teams("gamma").await.unwrap().is_empty(),
        "only members see teams"
    );
    let missing = client.teams("alice").await.unwrap_err();
    assert_eq!(
        missing,
        QuayError::NotFound {
            what: "organization"
        }
    );
    assert!(
        missing.to_string().contains("no such organization"),
        "{missing}"
    );

    let before = fake.requests().len();
    assert!(matches!(
        client.teams("acme/web").await.unwrap_err(),
        QuayError::Invalid(QuayValidationError::InvalidNamespace { .. })
    ));
    let seen = fake.requests();
    assert_eq!(seen.len(), before, "an invalid name is never sent");
    let paths: Vec<_> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/organization/acme",
            "/api/v1/organization/gamma",
            // No team visible: the token is checked before "no teams" is believed.
            "/api/v1/user/",
            "/api/v1/organization/alice"
        ]
    );
    assert!(seen
        .iter()
        .all(|s| s.requested_with.as_deref() == Some("XMLHttpRequest") && s.method == "GET"));
}

/// Quota events are repository events (Quay 3.x creates, tests and delivers them); `/config`
/// tells which events can never fire on this server, and the client says which and why.
#[tokio::test]
async fn quota_events_are_created_and_features_that_are_off_are_named() {
    let fake = fake_quay().await;
    let quay = client(&fake, TOKEN);
    assert!(quay.features().await.unwrap().unavailable_events.is_empty());

    for (title, event) in [
        ("quota warn", QuayEventSpec::QuotaWarning),
        ("quota full", QuayEventSpec::QuotaError),
    ] {
        let draft = QuayNotificationDraft {
            title: title.into(),
            event,
            method: QuayMethodSpec::Webhook {
                url: "http://127.0.0.2:1/hooks/q".into(),
                template: String::new(),
            },
        };
        let created = quay.create_notification(&web(), &draft).await.unwrap();
        assert_eq!(created.event, draft.event.event());
        assert_eq!(created.event_config, json!({}));
    }

    fake.set_feature("QUOTA_MANAGEMENT", false);
    fake.set_feature("MAILING", false);
    let features = quay.features().await.unwrap();
    let off: Vec<&str> = features
        .unavailable_events
        .iter()
        .map(|u| u.value.as_str())
        .collect();
    assert_eq!(off, ["quota_warning", "quota_error"]);
    assert!(features.unavailable_events[0]
        .reason
        .contains("Quota management is off"));
    assert_eq!(features.unavailable_methods[0].value, QuayMethod::Email);
}

/// Quay finds a notification by UUID alone for a test, whatever repository the path names: a
/// UUID of acme/web sent under acme/api would test web's notification and be reported as api's.
/// Wharf acts only on UUIDs listed under the repository it names.
#[tokio::test]
async fn a_uuid_of_another_repository_is_never_tested_reset_or_deleted() {
    let fake = fake_quay().await;
    let quay = client(&fake, TOKEN);
    let on_web = quay
        .create_notification(&web(), &slack_draft("web only"))
        .await
        .unwrap();
    let api = QuayRepoRef::new("acme", "api");

    // The fake, like Quay, would accept the test through the wrong path.
    let raw = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/repository/acme/api/notification/{}/test",
            fake.base_url(),
            on_web.uuid
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200, "Quay's lookup ignores the path");

    for result in [
        quay.test_notification(&api, &on_web.uuid).await,
        quay.reset_notification_failures(&api, &on_web.uuid).await,
        quay.delete_notification(&api, &on_web.uuid).await,
    ] {
        assert_eq!(result, Err(QuayError::NotificationNotFound));
    }
    assert!(fake.notification(&on_web.uuid).is_some(), "not deleted");
    quay.test_notification(&web(), &on_web.uuid).await.unwrap();
}

/// A revoked token reads the repository list and an organization as anonymous, with 200 and
/// nothing private in them: Wharf says the token is the problem instead of "0 repositories".
#[tokio::test]
async fn empty_reads_of_a_dropped_token_are_reported_as_a_token_problem() {
    let fake = fake_quay().await;
    let revoked = client(&fake, "qTok-revoked-yesterday");
    let raw = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/repository?namespace=acme",
            fake.base_url()
        ))
        .bearer_auth("qTok-revoked-yesterday")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 200, "Quay answers the list anonymously");
    assert_eq!(
        revoked.repositories("acme").await,
        Err(QuayError::TokenRejected)
    );
    assert_eq!(revoked.teams("acme").await, Err(QuayError::TokenRejected));
    // A good token that sees no teams (not a member) or no repository gets an empty answer.
    let quay = client(&fake, TOKEN);
    assert_eq!(quay.teams("gamma").await, Ok(Vec::new()));
    fake.add_org("empty", &["alice"], &[]);
    assert_eq!(quay.repositories("empty").await, Ok(Vec::new()));
    // The same with a good token lacking user:read: the probe tells it from a dropped one.
    let narrow = client(&fake, NO_USER_READ_TOKEN);
    assert_eq!(narrow.repositories("empty").await, Ok(Vec::new()));
}

/// Quay caps a token's organization role by its scopes: without org:admin (or repo:create) the
/// owner's own token sees the organization as an outsider does, with no teams. Wharf says the
/// token is missing the scope instead of showing an organization without teams.
#[tokio::test]
async fn an_owner_whose_token_lacks_org_admin_is_told_so() {
    let fake = fake_quay().await;
    let owner_without_org_scope = "qTok-OwnerNoOrgAdmin-0123";
    fake.add_token(
        owner_without_org_scope,
        "alice",
        &[Scope::RepoAdmin, Scope::UserRead],
    );
    let quay = client(&fake, owner_without_org_scope);
    let raw: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/organization/acme", fake.base_url()))
        .bearer_auth(owner_without_org_scope)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            raw["is_admin"].clone(),
            raw["is_member"].clone(),
            raw.get("teams")
        ),
        (json!(false), json!(false), None),
        "Quay shows the owner's token acme as to an outsider"
    );

    let err = quay.teams("acme").await.unwrap_err();
    assert_eq!(err, QuayError::OrgScopeMissing { org: "acme".into() });
    let text = err.to_string();
    assert!(
        text.contains("org:admin") && text.contains("acme"),
        "{text}"
    );
    // An organization the user is not in stays a plain empty answer.
    assert_eq!(quay.teams("gamma").await, Ok(Vec::new()));
    // With org:admin the same owner sees the teams.
    assert_eq!(client(&fake, TOKEN).teams("acme").await.unwrap().len(), 3);
}

/// An organization admin creating a notification in a repository that does not exist gets
/// Quay's HTML 500, the same answer as for an event Quay cannot handle; Wharf reads the
/// repository and names the real cause.
#[tokio::test]
async fn a_create_in_a_missing_repository_says_so_instead_of_blaming_the_event() {
    let fake = fake_quay().await;
    let quay = client(&fake, TOKEN);
    let missing = QuayRepoRef::new("acme", "no-such-repo");
    let err = quay
        .create_notification(&missing, &slack_draft("x"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        QuayError::NoSuchRepository {
            repository: "acme/no-such-repo".into()
        }
    );
    assert!(
        err.to_string()
            .contains("There is no repository acme/no-such-repo"),
        "{err}"
    );
    assert!(!err
        .to_string()
        .contains("event or method this Quay version"));
}

/// The body template example the form shows for each event (from the catalog) fills from what
/// that event's delivery carries: Quay's test delivery of it, through the fake's template engine,
/// leaves no path missing (`(none)`).
#[tokio::test]
async fn every_events_template_example_fills_from_its_test_delivery() {
    let fake = fake_quay().await;
    let quay = client(&fake, TOKEN);
    let bodies: Arc<Mutex<Vec<(String, serde_json::Value)>>> = Arc::default();
    let seen = bodies.clone();
    let router = Router::new().route(
        "/hooks/{event}",
        axum::routing::post(
            move |axum::extract::Path(event): axum::extract::Path<String>,
                  body: axum::Json<serde_json::Value>| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push((event, body.0));
                    StatusCode::OK
                }
            },
        ),
    );
    // Quay refuses 127.0.0.1 as a webhook host; 127.0.0.2 is loopback too.
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let receiver = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let events = registry::catalog::catalog().quay_events;
    for choice in &events {
        let event = choice.value.as_str();
        let spec: QuayEventSpec =
            serde_json::from_value(json!({"kind": event, "days": 7, "level": "Unknown"})).unwrap();
        let draft = QuayNotificationDraft {
            title: event.into(),
            event: spec,
            method: QuayMethodSpec::Webhook {
                url: format!("{receiver}/hooks/{event}"),
                template: choice.template_example.clone(),
            },
        };
        let created = quay.create_notification(&web(), &draft).await.unwrap();
        quay.test_notification(&web(), &created.uuid).await.unwrap();
    }
    fake.wait_for_deliveries().await;

    let bodies = bodies.lock().unwrap().clone();
    for choice in &events {
        let event = choice.value.as_str();
        let (_, body) = bodies
            .iter()
            .find(|(e, _)| e == event)
            .unwrap_or_else(|| panic!("no test delivery of {event}: {bodies:?}"));
        let text = body["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{event}: {body}"));
        assert!(!text.contains("(none)"), "{event}: {text}");
        assert!(!text.contains("${"), "{event}: {text}");
        assert!(
            body.as_object().unwrap().values().all(|v| !v.is_null()),
            "{event}: {body}"
        );
    }
}
