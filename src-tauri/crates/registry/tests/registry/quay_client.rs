//! The Quay client against a small fake Quay (axum on 127.0.0.1, port 0) that behaves like the
//! real one where it matters: a bad token is dropped (401 on protected reads, CSRF 403 on
//! writes), `/user/` needs `user:read`, unknown UUIDs answer 404 on GET but 400 elsewhere,
//! create answers 201, test 200 `{}`, reset and delete 204.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use registry::quay::client::{normalize_base_url, QuayClient};
use registry::quay::{
    QuayError, QuayEventSpec, QuayMethodSpec, QuayNamespaceKind, QuayNotificationDraft,
    QuayOperation, QuayRepoRef, QuaySeverity, QuayTeamRole, QuayValidationError,
};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const TOKEN: &str = "qTok-Secret-0123456789abcdef";
const NO_USER_READ_TOKEN: &str = "qTok-NoUserRead-0123456789";
const SLACK_URL: &str = "https://hooks.slack.com/services/T0AAA/B0BBB/cccccccccccccccc";

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: String,
    body: String,
    authorization: String,
    xhr: String,
    content_type: String,
}

#[derive(Default)]
struct Fake {
    seen: Mutex<Vec<Seen>>,
    notifications: Mutex<Vec<Value>>,
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn api_error(status: StatusCode, error_type: &str, detail: &str) -> Response {
    json_response(
        status,
        json!({"detail": detail, "error_message": detail, "error_type": error_type,
               "title": error_type, "type": format!("http://fake/api/v1/error/{error_type}"),
               "status": status.as_u16()}),
    )
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}

fn repo_json(name: &str) -> Value {
    json!({"namespace": "acme", "name": name, "description": null, "is_public": false,
           "kind": "image", "state": "NORMAL", "is_starred": false, "last_modified": 1718012345})
}

async fn handle(
    State(fake): State<Arc<Fake>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header_text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    fake.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        body: String::from_utf8_lossy(&body).into_owned(),
        authorization: header_text("authorization"),
        xhr: header_text("x-requested-with"),
        content_type: header_text("content-type"),
    });

    let authorization = header_text("authorization");
    let valid = [
        format!("Bearer {TOKEN}"),
        format!("Bearer {NO_USER_READ_TOKEN}"),
    ];
    // `/user/` answers anonymous callers and callers without user:read alike.
    let user_401 = || {
        json_response(
            StatusCode::UNAUTHORIZED,
            json!({"detail": "Requires authentication", "error_message": "Requires authentication",
                   "error_type": "invalid_token", "title": "invalid_token", "status": 401,
                   "session_required": false}),
        )
    };
    if path == "/api/v1/user/" && !authorization.ends_with(TOKEN) {
        return user_401();
    }
    if !valid.contains(&authorization) {
        // Quay drops a bad token: writes fail the CSRF check, protected reads need auth.
        return if method == Method::GET {
            api_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "Requires authentication",
            )
        } else {
            json_response(
                StatusCode::FORBIDDEN,
                json!({"error": "CSRF token was invalid or missing."}),
            )
        };
    }
    if method == Method::GET && header_text("x-requested-with") != "XMLHttpRequest" {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"error": "API calls must be invoked with an X-Requested-With header if called from a browser"}),
        );
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return (
            StatusCode::NOT_FOUND,
            "<html><title>404 Not Found</title></html>",
        )
            .into_response();
    };

    if rest == "user/" {
        return json_response(
            StatusCode::OK,
            json!({"anonymous": false, "username": "alice", "organizations": [
                {"name": "acme", "is_org_admin": true}, {"name": "beta", "is_org_admin": false}]}),
        );
    }
    if rest == "repository" {
        return match (
            query_param(&query, "namespace"),
            query_param(&query, "next_page"),
        ) {
            (Some("acme"), None) => json_response(
                StatusCode::OK,
                json!({"repositories": [repo_json("web"), repo_json("api")], "next_page": "cur1"}),
            ),
            (Some("acme"), Some("cur1")) => json_response(
                StatusCode::OK,
                json!({"repositories": [repo_json("worker")]}),
            ),
            // A cursor Quay no longer accepts restarts at page 1 with the same cursor.
            (Some("loop"), _) => json_response(
                StatusCode::OK,
                json!({"repositories": [repo_json("web")], "next_page": "again"}),
            ),
            _ => json_response(
                StatusCode::BAD_REQUEST,
                json!({"message": "namespace, starred or public are required for this API call"}),
            ),
        };
    }
    if let Some(org) = rest.strip_prefix("organization/") {
        let team = |name: &str, role: &str, members: u32| {
            json!({"name": name, "description": "", "role": role,
                   "avatar": {"name": name, "hash": "0f", "color": "#9edae5", "kind": "team"},
                   "can_view": true, "repo_count": 0, "member_count": members, "is_synced": false})
        };
        return match org {
            // Quay orders teams by creation, not by name.
            "acme" => json_response(
                StatusCode::OK,
                json!({"name": "acme", "is_admin": true, "is_member": true,
                       "teams": {"owners": team("owners", "admin", 1), "ops": team("ops", "member", 2),
                                 "builders": team("builders", "creator", 0),
                                 "legacy": team("legacy", "superhero", 0)},
                       "ordered_teams": ["owners", "ops", "builders"]}),
            ),
            // Not a member: no teams at all.
            "beta" => json_response(
                StatusCode::OK,
                json!({"name": "beta", "email": "", "is_admin": false, "is_member": false}),
            ),
            _ => api_error(StatusCode::NOT_FOUND, "not_found", "Not Found"),
        };
    }
    let Some(repo_rest) = rest.strip_prefix("repository/") else {
        return json_response(
            StatusCode::NOT_FOUND,
            json!({"message": "The requested URL was not found"}),
        );
    };
    if !repo_rest.starts_with("acme/web") {
        // No such repository, or no admin rights: Quay does not say which.
        return api_error(StatusCode::FORBIDDEN, "insufficient_scope", "Unauthorized");
    }
    let sub = &repo_rest["acme/web".len()..];
    match (method.as_str(), sub) {
        ("GET", "") => json_response(
            StatusCode::OK,
            json!({"namespace": "acme", "name": "web", "kind": "image", "description": null,
                   "is_public": false, "is_organization": true, "is_starred": false,
                   "state": "NORMAL", "can_write": true, "can_admin": true}),
        ),
        ("GET", "/tag/") => {
            let page: u32 = query_param(&query, "page").unwrap().parse().unwrap();
            let tags = match page {
                1 => {
                    json!([{"name": "v2", "manifest_digest": "sha256:b", "is_manifest_list": false}])
                }
                _ => {
                    json!([{"name": "v1", "manifest_digest": "sha256:a", "is_manifest_list": false}])
                }
            };
            json_response(
                StatusCode::OK,
                json!({"tags": tags, "page": page, "has_additional": page == 1}),
            )
        }
        ("GET", "/notification/") => json_response(
            StatusCode::OK,
            json!({"notifications": fake.notifications.lock().unwrap().clone()}),
        ),
        ("POST", "/notification/") => {
            if !header_text("content-type").starts_with("application/json") {
                return json_response(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    json!({"message": "Unsupported Media Type"}),
                );
            }
            let request: Value = serde_json::from_slice(&body).unwrap();
            if request.get("eventConfig").is_none() {
                return api_error(StatusCode::BAD_REQUEST, "invalid_request", "'eventConfig' is a required property\n\nFailed validating 'required' in schema:");
            }
            if request.get("title") == Some(&Value::Null) {
                return api_error(StatusCode::BAD_REQUEST, "invalid_request", "None is not of type 'string'\n\nFailed validating 'type' in schema['properties']['title']:\n\nOn instance['title']:\n    None");
            }
            let created = json!({
                "uuid": uuid::Uuid::new_v4().to_string(),
                "title": request.get("title").cloned().unwrap_or(Value::Null),
                "event": request["event"], "method": request["method"],
                "config": request["config"], "event_config": request["eventConfig"],
                "number_of_failures": 3,
            });
            fake.notifications.lock().unwrap().push(created.clone());
            json_response(StatusCode::CREATED, created)
        }
        (verb, sub) if sub.starts_with("/notification/") => {
            let tail = &sub["/notification/".len()..];
            let (uuid, test) = match tail.strip_suffix("/test") {
                Some(uuid) => (uuid, true),
                None => (tail, false),
            };
            let mut list = fake.notifications.lock().unwrap();
            let index = list.iter().position(|n| n["uuid"] == uuid);
            let not_found = || {
                api_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    &format!("No repository notification found for: acme, web, {uuid}"),
                )
            };
            match (verb, test, index) {
                ("GET", false, Some(i)) => json_response(StatusCode::OK, list[i].clone()),
                ("GET", false, None) => api_error(StatusCode::NOT_FOUND, "not_found", "Not Found"),
                ("POST", true, Some(_)) => json_response(StatusCode::OK, json!({})),
                ("POST", false, Some(i)) => {
                    list[i]["number_of_failures"] = 0.into();
                    StatusCode::NO_CONTENT.into_response()
                }
                ("DELETE", false, Some(i)) => {
                    list.remove(i);
                    StatusCode::NO_CONTENT.into_response()
                }
                _ => not_found(),
            }
        }
        ("GET", sub) if sub.starts_with("/authorizedemail/") => {
            api_error(StatusCode::NOT_FOUND, "not_found", "Not Found")
        }
        ("POST", sub) if sub.starts_with("/authorizedemail/") => json_response(
            StatusCode::OK,
            json!({"email": "ops+quay@example.com", "repository": "web", "namespace": "acme", "confirmed": false}),
        ),
        _ => json_response(
            StatusCode::NOT_FOUND,
            json!({"message": "The requested URL was not found"}),
        ),
    }
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

async fn fake_quay() -> (String, Arc<Fake>) {
    let fake = Arc::new(Fake::default());
    let router = Router::new().fallback(handle).with_state(fake.clone());
    (serve(router).await, fake)
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

#[tokio::test]
async fn verify_sends_bearer_and_xhr_and_returns_the_user() {
    let (base, fake) = fake_quay().await;
    let client = QuayClient::new(&base, TOKEN).unwrap();
    let user = client.verify().await.unwrap();
    assert_eq!(user.username, "alice");
    let seen = fake.seen.lock().unwrap()[0].clone();
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", "/api/v1/user/")
    );
    assert_eq!(seen.authorization, format!("Bearer {TOKEN}"));
    assert_eq!(seen.xhr, "XMLHttpRequest");
}

#[tokio::test]
async fn a_dropped_token_is_reported_as_rejected_without_quoting_it() {
    let (base, _fake) = fake_quay().await;
    let client = QuayClient::new(&base, "qTok-Wrong-000").unwrap();
    let errors = [
        client.verify().await.unwrap_err(),
        client.notifications(&web()).await.unwrap_err(),
        client
            .create_notification(&web(), &slack_draft("x"))
            .await
            .unwrap_err(),
        client
            .delete_notification(&web(), "0b6f3c1e-2d4a-4f7e-9a51-7c2e8d3b4f10")
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert_eq!(err, QuayError::TokenRejected);
        let message = err.to_string();
        assert!(!message.contains("qTok-Wrong-000"), "{message}");
    }
    assert!(!format!("{client:?}").contains("qTok"), "{client:?}");
}

#[tokio::test]
async fn a_valid_token_without_user_read_is_told_apart_by_the_probe() {
    let (base, fake) = fake_quay().await;
    let client = QuayClient::new(&base, NO_USER_READ_TOKEN).unwrap();
    assert_eq!(
        client.verify().await.unwrap_err(),
        QuayError::NoUserReadScope
    );
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].method, "POST");
    assert_eq!(
        seen[1].path,
        "/api/v1/repository/wharf-token-check/none/notification/00000000-0000-0000-0000-000000000000"
    );
}

#[tokio::test]
async fn namespaces_repositories_and_tags_follow_every_page() {
    let (base, fake) = fake_quay().await;
    let client = QuayClient::new(&format!("{base}/api/v1/"), TOKEN).unwrap();
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
    assert_eq!(
        client.repositories("loop").await.unwrap_err(),
        QuayError::PagingLoop {
            what: "repositories"
        }
    );

    let detail = client.repository(&web()).await.unwrap();
    assert!(detail.can_admin);
    let tags = client.tags(&web()).await.unwrap();
    let names: Vec<_> = tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["v2", "v1"]);

    let seen = fake.seen.lock().unwrap().clone();
    let queries: Vec<_> = seen
        .iter()
        .map(|s| (s.path.as_str(), s.query.as_str()))
        .collect();
    assert!(queries.contains(&("/api/v1/repository", "namespace=acme&last_modified=true")));
    assert!(queries.contains(&(
        "/api/v1/repository",
        "namespace=acme&last_modified=true&next_page=cur1"
    )));
    assert!(queries.contains(&(
        "/api/v1/repository/acme/web",
        "includeTags=false&includeStats=false"
    )));
    assert!(queries.contains(&(
        "/api/v1/repository/acme/web/tag/",
        "onlyActiveTags=true&page=1&limit=100"
    )));
    assert!(queries.contains(&(
        "/api/v1/repository/acme/web/tag/",
        "onlyActiveTags=true&page=2&limit=100"
    )));
}

#[tokio::test]
async fn notification_lifecycle_uses_quays_verbs_and_status_codes() {
    let (base, fake) = fake_quay().await;
    let client = QuayClient::new(&base, TOKEN).unwrap();

    let created = client
        .create_notification(&web(), &slack_draft(""))
        .await
        .unwrap();
    assert_eq!(created.title, None);
    assert!(
        created.disabled,
        "the fake starts new notifications at 3 failures"
    );
    let post = fake.seen.lock().unwrap().last().unwrap().clone();
    assert_eq!(post.path, "/api/v1/repository/acme/web/notification/");
    assert!(post.content_type.starts_with("application/json"));
    assert_eq!(
        serde_json::from_str::<Value>(&post.body).unwrap(),
        json!({"event": "vulnerability_found", "method": "slack", "config": {"url": SLACK_URL},
               "eventConfig": {"level": "1", "vulnerability": {"priority": "High"}}})
    );

    let listed = client.notifications(&web()).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&created));
    let uuid = created.uuid.as_str();
    assert_eq!(client.notification(&web(), uuid).await.unwrap(), created);

    client.test_notification(&web(), uuid).await.unwrap();
    client
        .reset_notification_failures(&web(), uuid)
        .await
        .unwrap();
    let reset = client.notification(&web(), uuid).await.unwrap();
    assert_eq!((reset.number_of_failures, reset.disabled), (0, false));

    client.delete_notification(&web(), uuid).await.unwrap();
    assert_eq!(
        client.notification(&web(), uuid).await.unwrap_err(),
        QuayError::NotificationNotFound
    );
    assert_eq!(
        client.delete_notification(&web(), uuid).await.unwrap_err(),
        QuayError::NotificationNotFound
    );
    assert_eq!(
        client.test_notification(&web(), uuid).await.unwrap_err(),
        QuayError::NotificationNotFound
    );

    let verbs: Vec<_> = fake
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| format!("{} {}", s.method, s.path.replace(uuid, "{uuid}")))
        .collect();
    assert_eq!(
        verbs[3..6],
        [
            "POST /api/v1/repository/acme/web/notification/{uuid}/test",
            "POST /api/v1/repository/acme/web/notification/{uuid}",
            "GET /api/v1/repository/acme/web/notification/{uuid}",
        ]
    );
    assert_eq!(
        verbs[6],
        "DELETE /api/v1/repository/acme/web/notification/{uuid}"
    );
}

#[tokio::test]
async fn forbidden_repository_names_the_scope_and_invalid_drafts_are_never_sent() {
    let (base, fake) = fake_quay().await;
    let client = QuayClient::new(&base, TOKEN).unwrap();
    let err = client
        .notifications(&QuayRepoRef::new("acme", "secret"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        QuayError::Forbidden {
            operation: Some(QuayOperation::ListNotifications)
        }
    );
    assert!(err.to_string().contains("repo:admin"));

    let before = fake.seen.lock().unwrap().len();
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
    assert_eq!(fake.seen.lock().unwrap().len(), before, "nothing was sent");
}

#[tokio::test]
async fn email_authorization_reads_missing_and_pending() {
    let (base, fake) = fake_quay().await;
    let client = QuayClient::new(&base, TOKEN).unwrap();
    assert_eq!(
        client
            .authorized_email(&web(), "ops+quay@example.com")
            .await
            .unwrap(),
        None
    );
    let pending = client
        .authorize_email(&web(), "ops+quay@example.com")
        .await
        .unwrap();
    assert!(!pending.confirmed);
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(
        seen[1].path,
        "/api/v1/repository/acme/web/authorizedemail/ops%2Bquay%40example.com"
    );
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
    assert!(matches!(err, QuayError::Network(_)), "{err:?}");
    assert!(!err.to_string().contains(TOKEN));
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
    let (base, fake) = fake_quay().await;
    let client = QuayClient::new(&base, TOKEN).unwrap();
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
            // Left out of ordered_teams: after the others, and an unknown role is kept.
            ("legacy", QuayTeamRole::Other("superhero".into()), 0),
        ]
    );
    assert_eq!(teams[1].avatar.as_ref().unwrap().kind, "team");
    assert!(teams[1].can_view);

    assert!(client.teams("beta").await.unwrap().is_empty());
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

    let before = fake.seen.lock().unwrap().len();
    assert!(matches!(
        client.teams("acme/web").await.unwrap_err(),
        QuayError::Invalid(QuayValidationError::InvalidNamespace { .. })
    ));
    let seen = fake.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), before, "an invalid name is never sent");
    let paths: Vec<_> = seen.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/organization/acme",
            "/api/v1/organization/beta",
            "/api/v1/organization/alice"
        ]
    );
    assert!(seen
        .iter()
        .all(|s| s.xhr == "XMLHttpRequest" && s.method == "GET"));
}
