//! The DTR client against the fake DTR (`tests/fakes`, real HTTP on 127.0.0.1) as 2.6 and
//! 2.7: basic auth, bad credentials that fall back to anonymous, paging, and the webhook life
//! cycle. Servers that misbehave in ways the fake does not (a laxer sign-in, a repeated page,
//! nothing listening) are one-off routers here.

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use fakes::dtr::{DtrVersion, FakeDtr};
use registry::dtr::client::{normalize_base_url, DtrClient};
use registry::dtr::validate::{validate_create, validate_test, validate_update};
use registry::dtr::{
    DtrError, DtrMissing, DtrNamespaceType, DtrValidationError, DtrWebhookDraft, DtrWebhookScope,
    DtrWebhookTestDraft, DtrWebhookType, DtrWebhookUpdate,
};
use registry::network::NetworkCause;
use serde_json::json;

const TOKEN: &str = "tok-Secret-123";

/// alice administers `payments` (repositories api and web) and belongs to `qa`; `public-only`
/// is the one public repository anyone sees.
async fn fake_dtr(version: DtrVersion) -> FakeDtr {
    let fake = FakeDtr::start(version).await.unwrap();
    fake.add_user("alice", TOKEN, false);
    fake.add_user("bob", "tok-bob", false);
    fake.add_org("payments", &["alice"], &["bob"]);
    fake.add_org("qa", &["bob"], &["alice"]);
    fake.add_repo("payments", "api", false, &["v2", "v1"]);
    fake.add_repo("payments", "web", false, &[]);
    fake.add_repo("bob", "public-only", true, &[]);
    fake
}

fn client(fake: &FakeDtr, token: &str) -> DtrClient {
    DtrClient::new(fake.base_url(), "alice", token, None).unwrap()
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

#[tokio::test]
async fn verify_returns_the_account_with_basic_auth_and_json_accept() {
    let fake = fake_dtr(DtrVersion::V2_7).await;
    let account = client(&fake, TOKEN).verify().await.unwrap();
    assert_eq!(
        (account.name.as_str(), account.is_admin),
        ("alice", Some(false))
    );
    let log = fake.requests();
    let paths: Vec<_> = log.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/api/v0/accounts/alice/settings", "/enzi/v0/accounts/alice"]
    );
    assert!(log
        .iter()
        .all(|s| s.has_authorization && s.accept.as_deref() == Some("application/json")));
}

#[tokio::test]
async fn bad_token_is_caught_although_public_data_still_flows() {
    let fake = fake_dtr(DtrVersion::V2_7).await;
    let bad = client(&fake, "wrong-token");
    // The trap: the repository list answers 200 with public repositories only.
    let public = bad.repositories(None).await.unwrap();
    let names: Vec<_> = public.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["public-only"]);
    // verify uses a route that is never anonymous.
    let err = bad.verify().await.unwrap_err();
    assert!(matches!(err, DtrError::Unauthenticated { .. }), "{err:?}");
    assert!(!err.to_string().contains("wrong-token"));
    // namespaces() verifies first, so it cannot list anything for bad credentials.
    let err = bad.namespaces().await.unwrap_err();
    assert!(matches!(err, DtrError::Unauthenticated { .. }), "{err:?}");
}

#[tokio::test]
async fn enzi_sign_in_redirect_is_reported_not_followed() {
    // A laxer DTR that lets the settings through anonymously: only eNZi's redirect to its
    // sign-in page betrays the bad credentials.
    let base = serve(Router::new().fallback(|uri: axum::http::Uri| async move {
        if uri.path().starts_with("/enzi/") {
            (
                StatusCode::FOUND,
                [(header::LOCATION, "/api/v0/openid/begin")],
            )
                .into_response()
        } else {
            (
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"ContentCacheUUID":""}"#,
            )
                .into_response()
        }
    }))
    .await;
    let bob = DtrClient::new(&base, "bob", "wrong", None).unwrap();
    assert_eq!(
        bob.verify().await.unwrap_err(),
        DtrError::Redirected { status: 302 }
    );
}

#[tokio::test]
async fn namespaces_follow_enzi_paging() {
    let fake = fake_dtr(DtrVersion::V2_7).await;
    // More organizations than one page of 100.
    for n in 0..120 {
        fake.add_org(&format!("team-{n:03}"), &[], &["alice"]);
    }
    let namespaces = client(&fake, TOKEN).namespaces().await.unwrap();
    assert_eq!(namespaces.len(), 1 + 2 + 120);
    let first: Vec<_> = namespaces
        .iter()
        .take(3)
        .map(|n| (n.name.as_str(), n.namespace_type, n.is_admin))
        .collect();
    assert_eq!(
        first,
        [
            ("alice", DtrNamespaceType::User, true),
            ("payments", DtrNamespaceType::Organization, true),
            ("qa", DtrNamespaceType::Organization, false),
        ]
    );
    let org_queries: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|s| s.path.ends_with("/organizations"))
        .map(|s| s.query)
        .collect();
    assert_eq!(org_queries.len(), 2, "{org_queries:?}");
    assert_eq!(org_queries[0], "limit=100");
    assert!(
        org_queries[1].starts_with("limit=100&start="),
        "{org_queries:?}"
    );
}

#[tokio::test]
async fn repositories_and_tags_are_read_to_the_last_page() {
    let fake = fake_dtr(DtrVersion::V2_7).await;
    for n in 0..130 {
        fake.add_repo("payments", &format!("svc-{n:03}"), false, &[]);
    }
    let c = client(&fake, TOKEN);
    let all = c.repositories(None).await.unwrap();
    assert_eq!(all.len(), 3 + 130);
    let queries: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|s| s.path == "/api/v0/repositories")
        .map(|s| s.query)
        .collect();
    assert_eq!(queries.len(), 2, "{queries:?}");
    assert_eq!(queries[0], "pageSize=100");
    assert!(
        queries[1].starts_with("pageSize=100&pageStart="),
        "{queries:?}"
    );

    let in_ns = c.repositories(Some("payments")).await.unwrap();
    assert_eq!(in_ns[0].full_name(), "payments/api");
    let mut tags: Vec<_> = c
        .tags("payments", "api")
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    tags.sort();
    assert_eq!(tags, ["v1", "v2"]);
}

#[tokio::test]
async fn a_server_repeating_a_page_stops_the_listing() {
    let base = serve(Router::new().fallback(|| async {
        (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::HeaderName::from_static("x-next-page-start"), "same"),
            ],
            "[]",
        )
    }))
    .await;
    let c = DtrClient::new(&base, "alice", TOKEN, None).unwrap();
    assert_eq!(
        c.tags("payments", "api").await.unwrap_err(),
        DtrError::PagingLoop { what: "tags" }
    );
}

#[tokio::test]
async fn invalid_names_never_reach_the_server() {
    let fake = fake_dtr(DtrVersion::V2_7).await;
    let c = client(&fake, TOKEN);
    assert!(matches!(
        c.tags("payments", "Bad Name").await,
        Err(DtrError::Invalid(
            DtrValidationError::InvalidRepository { .. }
        ))
    ));
    assert!(matches!(
        c.namespace_webhooks("a/b").await,
        Err(DtrError::Invalid(_))
    ));
    assert!(matches!(
        c.delete_webhook("../x").await,
        Err(DtrError::Invalid(DtrValidationError::InvalidWebhookId))
    ));
    assert!(fake.requests().is_empty());
}

async fn webhook_lifecycle(version: DtrVersion) {
    let fake = fake_dtr(version).await;
    let c = client(&fake, TOKEN);
    let repo_hook = validate_create(
        &DtrWebhookDraft {
            webhook_type: DtrWebhookType::TagPush,
            scope: DtrWebhookScope::Repository {
                namespace: "payments".into(),
                repository: "api".into(),
            },
            endpoint: "https://hooks.example.net/dtr/7f3c".into(),
            tls_cert: String::new(),
            skip_tls_verification: false,
        },
        false,
    )
    .unwrap();
    let created = c.create_webhook(&repo_hook).await.unwrap();
    assert_eq!(created.key, "payments/api");
    assert_eq!(created.webhook_type, DtrWebhookType::TagPush);
    assert_eq!(created.last_successful_at, None);
    let ns_hook = validate_create(
        &DtrWebhookDraft {
            webhook_type: DtrWebhookType::RepoEvent,
            scope: DtrWebhookScope::Namespace {
                namespace: "payments".into(),
            },
            endpoint: "http://hooks.example.net/ns".into(),
            tls_cert: String::new(),
            skip_tls_verification: true,
        },
        false,
    )
    .unwrap();
    let ns_created = c.create_webhook(&ns_hook).await.unwrap();
    assert_eq!(ns_created.webhook_type, DtrWebhookType::RepoEvent);

    // What reached DTR, as it stored it.
    let stored: Vec<_> = fake
        .webhooks()
        .into_iter()
        .map(|w| {
            (
                w["type"].clone(),
                w["key"].clone(),
                w["endpoint"].clone(),
                w["skipTLSVerification"].clone(),
            )
        })
        .collect();
    assert_eq!(
        stored,
        [
            (
                json!("TAG_PUSH"),
                json!("payments/api"),
                json!("https://hooks.example.net/dtr/7f3c"),
                json!(false)
            ),
            (
                json!("REPO_EVENT"),
                json!("payments"),
                json!("http://hooks.example.net/ns"),
                json!(true)
            ),
        ]
    );

    assert_eq!(c.webhooks().await.unwrap().len(), 2);
    let repo_list = c.repository_webhooks("payments", "api").await.unwrap();
    assert_eq!(repo_list.len(), 1);
    assert_eq!(repo_list[0].id, created.id);
    let ns_list = c.namespace_webhooks("payments").await.unwrap();
    assert_eq!(ns_list.len(), 1);
    assert_eq!(ns_list[0].id, ns_created.id);
    assert!(fake
        .requests()
        .iter()
        .any(|s| s.path == "/api/v0/accounts/payments/webhooks"));

    let test = validate_test(&DtrWebhookTestDraft {
        webhook_type: DtrWebhookType::TagPush,
        endpoint: created.endpoint.clone(),
        tls_cert: String::new(),
        skip_tls_verification: false,
    })
    .unwrap();
    c.test_webhook(&test).await.unwrap();

    let mut pause = DtrWebhookUpdate::from_webhook(&created);
    pause.inactive = true;
    let paused = c
        .update_webhook(&validate_update(&pause, &created.endpoint).unwrap())
        .await
        .unwrap();
    assert!(paused.inactive);
    assert_eq!(paused.id, created.id);
    let last_post = fake
        .requests()
        .into_iter()
        .rfind(|s| s.method == "POST")
        .unwrap();
    assert_eq!(last_post.path, "/api/v0/webhooks/update");
    let stored = fake.webhooks();
    assert_eq!(stored[0]["inactive"], json!(true));
    assert_eq!(stored[1]["inactive"], json!(false));

    c.delete_webhook(&created.id).await.unwrap();
    c.delete_webhook(&ns_created.id).await.unwrap();
    assert!(fake.webhooks().is_empty());
    let err = c.delete_webhook(&created.id).await.unwrap_err();
    assert!(
        matches!(
            err,
            DtrError::NotFound {
                missing: DtrMissing::Webhook,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn webhook_lifecycle_on_dtr_27() {
    webhook_lifecycle(DtrVersion::V2_7).await;
}

#[tokio::test]
async fn webhook_lifecycle_on_dtr_26() {
    webhook_lifecycle(DtrVersion::V2_6).await;
}

#[tokio::test]
async fn a_server_without_the_api_is_no_such_route() {
    let fake = fake_dtr(DtrVersion::V2_7).await;
    // A server without this route (MSR 4 / Harbor, or an older DTR).
    let harborish =
        DtrClient::new(&format!("{}/msr4", fake.base_url()), "alice", TOKEN, None).unwrap();
    assert_eq!(
        harborish.webhooks().await.unwrap_err(),
        DtrError::NoSuchRoute
    );
}

#[tokio::test]
async fn unreachable_server_is_a_network_error_without_the_token() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let c = DtrClient::new(&format!("http://{addr}"), "alice", TOKEN, None).unwrap();
    let err = c.webhooks().await.unwrap_err();
    let DtrError::Network(failure) = &err else {
        panic!("expected Network, got {err:?}")
    };
    assert_eq!(failure.cause, NetworkCause::Refused);
    assert_eq!(
        err.to_string(),
        format!("Nothing is listening at {addr}. Check the server address and port, and that DTR is running there.")
    );
    assert!(!failure.detail.is_empty());
    assert!(!failure.detail.contains(TOKEN));
    assert!(!err.to_string().contains(TOKEN));
    assert!(!format!("{c:?}").contains(TOKEN));
    assert!(format!("{c:?}").contains("<redacted>"));
}

#[test]
fn base_urls_are_normalised_or_refused() {
    assert_eq!(
        normalize_base_url("https://dtr.example.com/").unwrap(),
        "https://dtr.example.com"
    );
    assert_eq!(
        normalize_base_url(" https://dtr.example.com:8443/prefix/ ").unwrap(),
        "https://dtr.example.com:8443/prefix"
    );
    let cases = [
        ("dtr.example.com", "it is not a URL"),
        (
            "ftp://dtr.example.com",
            "it must start with https:// or http://",
        ),
        (
            "https://alice:tok@dtr.example.com",
            "leave the user name and token out of the address",
        ),
        ("https://dtr.example.com/?x=1", "remove the ? or # part"),
    ];
    for (url, reason) in cases {
        let err = normalize_base_url(url).unwrap_err();
        assert_eq!(err, DtrValidationError::InvalidServerUrl(reason), "{url}");
        assert_eq!(
            err.to_string(),
            format!("The DTR address must look like https://dtr.example.com: {reason}.")
        );
    }
    assert!(matches!(
        DtrClient::new("https://dtr.example.com", "alice", TOKEN, Some("not pem")),
        Err(DtrError::Invalid(DtrValidationError::InvalidTlsCert))
    ));
}
