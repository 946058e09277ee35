//! The DTR client against a small fake DTR (axum on 127.0.0.1, port 0) that answers like
//! 2.6 or 2.7, falls back to anonymous on bad credentials and redirects anonymous eNZi calls.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use registry::dtr::client::{normalize_base_url, DtrClient};
use registry::dtr::validate::{validate_create, validate_test, validate_update};
use registry::dtr::{
    DtrError, DtrMissing, DtrNamespaceType, DtrValidationError, DtrWebhookDraft, DtrWebhookScope,
    DtrWebhookTestDraft, DtrWebhookType, DtrWebhookUpdate,
};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "tok-Secret-123";
/// base64("alice:tok-Secret-123")
const GOOD_AUTH: &str = "Basic YWxpY2U6dG9rLVNlY3JldC0xMjM=";

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    body: String,
    accept: String,
}

#[derive(Default)]
struct Fake {
    v27: bool,
    seen: Mutex<Vec<Seen>>,
    webhooks: Mutex<Vec<Value>>,
}

fn json_response(status: StatusCode, body: Value, next: Option<&str>) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let Some(next) = next {
        response
            .headers_mut()
            .insert("X-Next-Page-Start", next.parse().unwrap());
    }
    response
}

fn dtr_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        json!({"errors":[{"code":code,"message":message}]}),
        None,
    )
}

fn repo(name: &str, visibility: &str) -> Value {
    json!({"id":format!("id-{name}"),"namespace":"payments","namespaceType":"organization","name":name,
           "shortDescription":"","visibility":visibility,"scanOnPush":false,"immutableTags":false,
           "enableManifestLists":false,"pulls":0,"pushes":0,"tagLimit":0})
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

async fn handle(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    let body = String::from_utf8(body.to_vec()).unwrap();
    fake.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        body: body.clone(),
        accept: headers
            .get(header::ACCEPT)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default(),
    });
    // Like DTR: failed basic auth is not an error, the caller is just anonymous.
    let signed_in = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v == GOOD_AUTH);
    let page = query_param(&query, "pageStart");
    match (method.as_str(), path.as_str()) {
        ("GET", "/api/v0/accounts/alice/settings") if signed_in => {
            json_response(StatusCode::OK, json!({"ContentCacheUUID":""}), None)
        }
        ("GET", "/api/v0/accounts/bob/settings") => json_response(StatusCode::OK, json!({}), None),
        ("GET", "/api/v0/accounts/alice/settings") => {
            dtr_error(StatusCode::FORBIDDEN, "NOT_AUTHORIZED", "Not authorized.")
        }
        ("GET", "/enzi/v0/accounts/alice") if signed_in => json_response(
            StatusCode::OK,
            json!({"name":"alice","id":"u1","fullName":"Alice","isOrg":false,"isAdmin":false,"isActive":true}),
            None,
        ),
        ("GET", p) if p.starts_with("/enzi/") && !signed_in => (
            StatusCode::FOUND,
            [(header::LOCATION, "/api/v0/openid/begin")],
            "",
        )
            .into_response(),
        ("GET", "/api/v0/openid/begin") => (StatusCode::OK, "<html>sign in</html>").into_response(),
        ("GET", "/enzi/v0/accounts/alice/organizations") => {
            let member = |name: &str, admin: bool| json!({"org":{"name":name,"id":name,"isOrg":true},"isAdmin":admin,"isPublic":false});
            match query_param(&query, "start") {
                None => json_response(
                    StatusCode::OK,
                    json!({"memberOrgs":[member("payments", true)]}),
                    Some("payments"),
                ),
                // Newer eNZi: the cursor only in the body.
                Some("payments") => json_response(
                    StatusCode::OK,
                    json!({"memberOrgs":[member("qa", false)],"nextPageStart":"qa"}),
                    None,
                ),
                Some(_) => json_response(
                    StatusCode::OK,
                    json!({"memberOrgs":[],"nextPageStart":""}),
                    None,
                ),
            }
        }
        ("GET", "/api/v0/repositories") if !signed_in => json_response(
            StatusCode::OK,
            json!({"repositories":[repo("public-only", "public")]}),
            None,
        ),
        ("GET", "/api/v0/repositories") => match page {
            None => json_response(
                StatusCode::OK,
                json!({"repositories":[repo("a", "private")]}),
                Some("t2"),
            ),
            Some("t2") => json_response(
                StatusCode::OK,
                json!({"repositories":[repo("b", "private")]}),
                Some("t3"),
            ),
            Some(_) => json_response(
                StatusCode::OK,
                json!({"repositories":[repo("c", "public")]}),
                Some(""),
            ),
        },
        ("GET", "/api/v0/repositories/payments") => json_response(
            StatusCode::OK,
            json!({"repositories":[repo("api", "private")]}),
            None,
        ),
        ("GET", "/api/v0/repositories/payments/api/tags") => match page {
            None => json_response(
                StatusCode::OK,
                json!([{"name":"v2","digest":"sha256:2"}]),
                Some("v1"),
            ),
            Some(_) => json_response(
                StatusCode::OK,
                json!([{"name":"v1","digest":"sha256:1"}]),
                None,
            ),
        },
        ("GET", "/api/v0/repositories/loop/api/tags") => {
            json_response(StatusCode::OK, json!([]), Some("same"))
        }
        ("GET", "/api/v0/webhooks") => json_response(
            StatusCode::OK,
            Value::Array(fake.webhooks.lock().unwrap().clone()),
            None,
        ),
        ("GET", "/api/v0/repositories/payments/api/webhooks") => {
            let list: Vec<Value> = fake
                .webhooks
                .lock()
                .unwrap()
                .iter()
                .filter(|w| w["key"] == "payments/api")
                .cloned()
                .collect();
            json_response(StatusCode::OK, Value::Array(list), None)
        }
        ("GET", "/api/v0/accounts/payments/webhooks") => {
            let list: Vec<Value> = fake
                .webhooks
                .lock()
                .unwrap()
                .iter()
                .filter(|w| w["key"] == "payments")
                .cloned()
                .collect();
            json_response(StatusCode::OK, Value::Array(list), None)
        }
        ("POST", "/api/v0/webhooks") => {
            let form: Value = serde_json::from_str(&body).unwrap();
            let mut webhooks = fake.webhooks.lock().unwrap();
            let created = json!({
                "id": format!("wh-{}", webhooks.len() + 1), "type": form["type"],
                "key": form.get("key").cloned().unwrap_or(json!("")), "endpoint": form["endpoint"],
                "authorID": "u1", "createdAt": "2024-03-11T09:14:27.118302554Z",
                "lastSuccessfulAt": "0001-01-01T00:00:00Z", "inactive": false,
                "tlsCert": form["tlsCert"], "skipTLSVerification": form["skipTLSVerification"]
            });
            webhooks.push(created.clone());
            if fake.v27 {
                json_response(StatusCode::CREATED, created, None)
            } else {
                json_response(StatusCode::OK, json!([created]), None)
            }
        }
        ("POST", "/api/v0/webhooks/test") => StatusCode::OK.into_response(),
        ("POST", "/api/v0/webhooks/update") => {
            let form: Value = serde_json::from_str(&body).unwrap();
            let mut webhooks = fake.webhooks.lock().unwrap();
            let Some(w) = webhooks.iter_mut().find(|w| w["id"] == form["id"]) else {
                return dtr_error(StatusCode::NOT_FOUND, "NO_SUCH_WEBHOOK", "No such webhook.");
            };
            for field in ["inactive", "tlsCert", "skipTLSVerification"] {
                w[field] = form[field].clone();
            }
            json_response(StatusCode::OK, Value::Array(webhooks.clone()), None)
        }
        ("DELETE", p) if p.starts_with("/api/v0/webhooks/") => {
            let id = &p["/api/v0/webhooks/".len()..];
            let mut webhooks = fake.webhooks.lock().unwrap();
            let before = webhooks.len();
            webhooks.retain(|w| w["id"] != id);
            if webhooks.len() == before {
                dtr_error(StatusCode::NOT_FOUND, "NO_SUCH_WEBHOOK", "No such webhook.")
            } else if fake.v27 {
                StatusCode::NO_CONTENT.into_response()
            } else {
                StatusCode::OK.into_response()
            }
        }
        _ => (
            StatusCode::NOT_FOUND,
            [(header::CONTENT_TYPE, "text/plain")],
            "404 page not found",
        )
            .into_response(),
    }
}

async fn start(v27: bool) -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake {
        v27,
        ..Fake::default()
    });
    let app = Router::new().fallback(handle).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/"), fake)
}

fn client(base: &str, token: &str) -> DtrClient {
    DtrClient::new(base, "alice", token, None).unwrap()
}

fn seen(fake: &Fake) -> Vec<Seen> {
    fake.seen.lock().unwrap().clone()
}

#[tokio::test]
async fn verify_returns_the_account_with_basic_auth_and_json_accept() {
    let (base, fake) = start(true).await;
    let account = client(&base, TOKEN).verify().await.unwrap();
    assert_eq!(
        (account.name.as_str(), account.is_admin),
        ("alice", Some(false))
    );
    let log = seen(&fake);
    let paths: Vec<_> = log.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        ["/api/v0/accounts/alice/settings", "/enzi/v0/accounts/alice"]
    );
    assert!(log.iter().all(|s| s.accept == "application/json"));
}

#[tokio::test]
async fn bad_token_is_caught_although_public_data_still_flows() {
    let (base, _) = start(true).await;
    let bad = client(&base, "wrong-token");
    // The trap: the repository list answers 200 with public repositories only.
    let public = bad.repositories(None).await.unwrap();
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].name, "public-only");
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
    let (base, fake) = start(true).await;
    // The fake lets bob's settings through anonymously (as a laxer DTR version might), so
    // only eNZi's redirect betrays the bad credentials.
    let bob = DtrClient::new(&base, "bob", "wrong", None).unwrap();
    assert_eq!(
        bob.verify().await.unwrap_err(),
        DtrError::Redirected { status: 302 }
    );
    let paths: Vec<_> = seen(&fake).into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        ["/api/v0/accounts/bob/settings", "/enzi/v0/accounts/bob"]
    );
}

#[tokio::test]
async fn namespaces_follow_enzi_paging_from_header_and_body() {
    let (base, fake) = start(true).await;
    let namespaces = client(&base, TOKEN).namespaces().await.unwrap();
    let got: Vec<_> = namespaces
        .iter()
        .map(|n| (n.name.as_str(), n.namespace_type, n.is_admin))
        .collect();
    assert_eq!(
        got,
        [
            ("alice", DtrNamespaceType::User, true),
            ("payments", DtrNamespaceType::Organization, true),
            ("qa", DtrNamespaceType::Organization, false),
        ]
    );
    let org_queries: Vec<_> = seen(&fake)
        .into_iter()
        .filter(|s| s.path.ends_with("/organizations"))
        .map(|s| s.query)
        .collect();
    assert_eq!(
        org_queries,
        [
            "limit=100",
            "limit=100&start=payments",
            "limit=100&start=qa"
        ]
    );
}

#[tokio::test]
async fn repositories_and_tags_are_read_to_the_last_page() {
    let (base, fake) = start(true).await;
    let c = client(&base, TOKEN);
    let names: Vec<_> = c
        .repositories(None)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    let queries: Vec<_> = seen(&fake).into_iter().map(|s| s.query).collect();
    assert_eq!(
        queries,
        [
            "pageSize=100",
            "pageSize=100&pageStart=t2",
            "pageSize=100&pageStart=t3"
        ]
    );

    let in_ns = c.repositories(Some("payments")).await.unwrap();
    assert_eq!(in_ns[0].full_name(), "payments/api");
    let tags: Vec<_> = c
        .tags("payments", "api")
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(tags, ["v2", "v1"]);
    assert_eq!(
        c.tags("loop", "api").await.unwrap_err(),
        DtrError::PagingLoop { what: "tags" }
    );
}

#[tokio::test]
async fn invalid_names_never_reach_the_server() {
    let (base, fake) = start(true).await;
    let c = client(&base, TOKEN);
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
    assert!(seen(&fake).is_empty());
}

async fn webhook_lifecycle(v27: bool) {
    let (base, fake) = start(v27).await;
    let c = client(&base, TOKEN);
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
    assert_eq!(
        (created.id.as_str(), created.key.as_str()),
        ("wh-1", "payments/api")
    );
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

    let bodies: Vec<_> = seen(&fake)
        .into_iter()
        .filter(|s| s.method == "POST")
        .map(|s| s.body)
        .collect();
    assert_eq!(
        bodies,
        [
            r#"{"type":"TAG_PUSH","key":"payments/api","endpoint":"https://hooks.example.net/dtr/7f3c","tlsCert":"","skipTLSVerification":false}"#,
            r#"{"type":"REPO_EVENT","key":"payments","endpoint":"http://hooks.example.net/ns","tlsCert":"","skipTLSVerification":true}"#,
        ]
    );

    assert_eq!(c.webhooks().await.unwrap().len(), 2);
    let repo_list = c.repository_webhooks("payments", "api").await.unwrap();
    assert_eq!(repo_list.len(), 1);
    assert_eq!(repo_list[0].id, "wh-1");
    let ns_list = c.namespace_webhooks("payments").await.unwrap();
    assert_eq!(ns_list.len(), 1);
    assert_eq!(ns_list[0].id, "wh-2");
    assert!(seen(&fake)
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
    assert_eq!(paused.id, "wh-1");
    let last_post = seen(&fake)
        .into_iter()
        .rfind(|s| s.method == "POST")
        .unwrap();
    assert_eq!(last_post.path, "/api/v0/webhooks/update");
    assert_eq!(
        last_post.body,
        r#"{"id":"wh-1","inactive":true,"tlsCert":"","skipTLSVerification":false}"#
    );

    c.delete_webhook("wh-1").await.unwrap();
    c.delete_webhook("wh-2").await.unwrap();
    assert!(c.webhooks().await.unwrap().is_empty());
    let err = c.delete_webhook("wh-1").await.unwrap_err();
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
    webhook_lifecycle(true).await;
}

#[tokio::test]
async fn webhook_lifecycle_on_dtr_26() {
    webhook_lifecycle(false).await;
}

#[tokio::test]
async fn a_server_without_the_api_is_no_such_route() {
    let (base, _) = start(true).await;
    // A server without this route (MSR 4 / Harbor, or an older DTR).
    let harborish = DtrClient::new(&format!("{base}msr4"), "alice", TOKEN, None).unwrap();
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
    let c = client(&format!("http://{addr}"), TOKEN);
    let err = c.webhooks().await.unwrap_err();
    let DtrError::Network(text) = &err else {
        panic!("expected Network, got {err:?}")
    };
    assert!(!text.is_empty());
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
