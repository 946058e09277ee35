//! The fake Quay over real HTTP, with reqwest and with Wharf's own `QuayClient`: status codes,
//! error shapes, paging, webhook delivery and failure counting, and injected faults.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Router;
use fakes::quay::{FakeQuay, FakeTag, Scope, DELIVERY_USER_AGENT};
use fakes::Fault;
use registry::quay::client::QuayClient;
use registry::quay::{
    QuayError, QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef,
};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "qTok-Admin-0123456789abcdef";
const READ_TOKEN: &str = "qTok-ReadOnly-0123456789";
const NO_USER_READ: &str = "qTok-NoUserRead-01234567";

async fn seeded() -> FakeQuay {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_user("bob");
    fake.add_token(TOKEN, "alice", &Scope::ALL);
    fake.add_token(READ_TOKEN, "alice", &[Scope::RepoRead, Scope::UserRead]);
    fake.add_token(NO_USER_READ, "alice", &[Scope::RepoAdmin]);
    fake.add_org("acme", &["alice"], &["bob"]);
    fake.add_org("beta", &["bob"], &["alice"]);
    fake.add_repo("acme", "web", false);
    fake.add_repo("acme", "api", true);
    fake.add_tag("acme", "web", FakeTag::new("v1", 1_700_000_000))
        .unwrap();
    fake.add_tag("acme", "web", FakeTag::new("v2", 1_700_000_100))
        .unwrap();
    fake.add_tag(
        "acme",
        "web",
        FakeTag::new("old", 1_600_000_000).ended_at(1_600_000_500),
    )
    .unwrap();
    fake
}

fn http() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn web() -> QuayRepoRef {
    QuayRepoRef::new("acme", "web")
}

#[derive(Debug, Clone)]
struct Hit {
    headers: HeaderMap,
    body: Value,
}

/// A webhook receiver on 127.0.0.2 (Quay refuses only `localhost` and `127.0.0.1`) that
/// answers with a settable status.
struct Receiver {
    url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
    status: Arc<AtomicU16>,
}

async fn receiver() -> Receiver {
    type Shared = (Arc<Mutex<Vec<Hit>>>, Arc<AtomicU16>);
    async fn hook(
        State((hits, status)): State<Shared>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        hits.lock().unwrap().push(Hit { headers, body });
        StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap()
    }
    let hits = Arc::new(Mutex::new(Vec::new()));
    let status = Arc::new(AtomicU16::new(200));
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new()
        .fallback(hook)
        .with_state((hits.clone(), status.clone()));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Receiver {
        url: format!("http://{addr}/hook"),
        hits,
        status,
    }
}

fn webhook_draft(url: &str, event: QuayEventSpec) -> QuayNotificationDraft {
    QuayNotificationDraft {
        title: "CI hook".into(),
        event,
        method: QuayMethodSpec::Webhook {
            url: url.into(),
            template: String::new(),
        },
    }
}

async fn post_json(fake: &FakeQuay, path: &str, token: &str, body: Value) -> reqwest::Response {
    http()
        .post(format!("{}{path}", fake.base_url()))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn user_needs_user_read_and_a_bad_token_is_anonymous() {
    let fake = seeded().await;
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    let user = client.verify().await.unwrap();
    assert_eq!(user.username, "alice");
    let orgs: Vec<_> = user
        .organizations
        .iter()
        .map(|o| (o.name.as_str(), o.is_org_admin))
        .collect();
    assert_eq!(orgs, [("acme", true), ("beta", false)]);

    let bad = QuayClient::new(fake.base_url(), "qTok-Wrong").unwrap();
    assert_eq!(bad.verify().await.unwrap_err(), QuayError::TokenRejected);
    let scoped = QuayClient::new(fake.base_url(), NO_USER_READ).unwrap();
    assert_eq!(
        scoped.verify().await.unwrap_err(),
        QuayError::NoUserReadScope
    );

    let answer = http()
        .get(format!("{}/api/v1/user/", fake.base_url()))
        .bearer_auth("qTok-Wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["error_type"], "invalid_token");
    assert_eq!(body["session_required"], false);

    // A bad token still reads public repositories, as anonymous.
    let answer = http()
        .get(format!("{}/api/v1/repository/acme/api", fake.base_url()))
        .bearer_auth("qTok-Wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let private = http()
        .get(format!("{}/api/v1/repository/acme/web", fake.base_url()))
        .bearer_auth("qTok-Wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(private.status(), 401);

    // Recorded requests say whether a token was sent, never which.
    let recorded = serde_json::to_string(&fake.requests()).unwrap();
    assert!(!recorded.contains("qTok"), "{recorded}");
    assert!(fake.requests().iter().all(|r| r.has_authorization));
}

#[tokio::test]
async fn repositories_page_with_next_page_and_restart_on_a_bad_cursor() {
    let fake = seeded().await;
    for name in ["r1", "r2", "r3"] {
        fake.add_repo("acme", name, false);
    }
    fake.set_repo_page_size(2);
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    let names: Vec<String> = client
        .repositories("acme")
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["web", "api", "r1", "r2", "r3"]);
    let pages = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/repository")
        .count();
    assert_eq!(pages, 3);

    let base = fake.base_url();
    let first: Value = http()
        .get(format!(
            "{base}/api/v1/repository?namespace=acme&next_page=bogus"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first["repositories"][0]["name"], "web");
    assert!(first["next_page"].is_string());

    // Anonymous callers see only public repositories.
    let anonymous: Value = http()
        .get(format!("{base}/api/v1/repository?namespace=acme"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(anonymous["repositories"].as_array().unwrap().len(), 1);

    let missing = http()
        .get(format!("{base}/api/v1/repository"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 400);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(
        body["message"],
        "namespace, starred or public are required for this API call"
    );
}

#[tokio::test]
async fn tags_page_and_hide_history_only_when_asked() {
    let fake = seeded().await;
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    let names: Vec<String> = client
        .tags(&web())
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["v2", "v1"]);

    let base = fake.base_url();
    let page: Value = http()
        .get(format!(
            "{base}/api/v1/repository/acme/web/tag/?limit=1&page=1"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["tags"][0]["name"], "v2");
    assert_eq!(page["has_additional"], true);
    let last: Value = http()
        .get(format!(
            "{base}/api/v1/repository/acme/web/tag/?limit=2&page=2"
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Without onlyActiveTags the deleted `old` is listed too.
    assert_eq!(last["tags"][0]["name"], "old");
    assert_eq!(last["tags"][0]["end_ts"], 1_600_000_500);
    assert_eq!(last["has_additional"], false);
}

#[tokio::test]
async fn notification_lifecycle_answers_with_quays_codes_and_test_delivers_the_sample() {
    let fake = seeded().await;
    let hook = receiver().await;
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    let created = client
        .create_notification(&web(), &webhook_draft(&hook.url, QuayEventSpec::RepoPush))
        .await
        .unwrap();
    assert_eq!(created.number_of_failures, 0);
    assert_eq!(client.notifications(&web()).await.unwrap().len(), 1);
    assert_eq!(
        client
            .notification(&web(), &created.uuid)
            .await
            .unwrap()
            .uuid,
        created.uuid
    );

    let base = fake.base_url();
    let path = format!("/api/v1/repository/acme/web/notification/{}", created.uuid);
    let test = http()
        .post(format!("{base}{path}/test"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(test.status(), 200);
    assert_eq!(test.text().await.unwrap(), "{}");
    fake.wait_for_deliveries().await;

    let hits = hook.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 1);
    let mut expected: Value = serde_json::from_str(include_str!(
        "../../fixtures/quay/repo_push.quayio-docs.json"
    ))
    .unwrap();
    let host = base.trim_start_matches("http://");
    expected["repository"] = json!("acme/web");
    expected["namespace"] = json!("acme");
    expected["name"] = json!("web");
    expected["docker_url"] = json!(format!("{host}/acme/web"));
    expected["homepage"] = json!(format!("{base}/repository/acme/web"));
    assert_eq!(hits[0].body, expected);
    let header = |name: &str| {
        hits[0]
            .headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(header("user-agent").as_deref(), Some(DELIVERY_USER_AGENT));
    assert!(hits[0]
        .headers
        .keys()
        .all(|k| !k.as_str().contains("event")));
    assert_eq!(fake.deliveries().len(), 1);
    assert_eq!(fake.deliveries()[0].status, Some(200));

    client
        .reset_notification_failures(&web(), &created.uuid)
        .await
        .unwrap();
    let reset = http()
        .post(format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    let delete = http()
        .delete(format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 204);
    // Gone: 404 on GET, 400 on delete, reset and test.
    let get = http()
        .get(format!("{base}{path}"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 404);
    for answer in [
        http()
            .delete(format!("{base}{path}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap(),
        http()
            .post(format!("{base}{path}"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap(),
        http()
            .post(format!("{base}{path}/test"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(answer.status(), 400);
        let body: Value = answer.json().await.unwrap();
        let detail = body["detail"].as_str().unwrap();
        assert!(
            detail.starts_with("No repository notification found for: acme, web, "),
            "{detail}"
        );
    }
    assert_eq!(
        client
            .delete_notification(&web(), &created.uuid)
            .await
            .unwrap_err(),
        QuayError::NotificationNotFound
    );
}

#[tokio::test]
async fn a_failing_receiver_disables_the_notification_after_three_failures() {
    let fake = seeded().await;
    fake.set_delivery_retries(4);
    let hook = receiver().await;
    hook.status.store(500, Ordering::SeqCst);
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    let n = client
        .create_notification(&web(), &webhook_draft(&hook.url, QuayEventSpec::RepoPush))
        .await
        .unwrap();
    client.test_notification(&web(), &n.uuid).await.unwrap();
    fake.wait_for_deliveries().await;
    // Five attempts allowed, but the third failure disables it.
    assert_eq!(hook.hits.lock().unwrap().len(), 3);
    assert_eq!(fake.notification(&n.uuid).unwrap()["number_of_failures"], 3);
    assert!(client.notification(&web(), &n.uuid).await.unwrap().disabled);

    // Disabled: test still answers 200 but nothing is sent.
    client.test_notification(&web(), &n.uuid).await.unwrap();
    fake.wait_for_deliveries().await;
    let sent = fake
        .simulate_event("acme", "web", "repo_push")
        .await
        .unwrap();
    assert!(sent.is_empty());
    assert_eq!(hook.hits.lock().unwrap().len(), 3);

    // Reset enables it; a success sets the count back to 0.
    hook.status.store(204, Ordering::SeqCst);
    client
        .reset_notification_failures(&web(), &n.uuid)
        .await
        .unwrap();
    let sent = fake
        .simulate_event("acme", "web", "repo_push")
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status, Some(204));
    assert_eq!(fake.notification(&n.uuid).unwrap()["number_of_failures"], 0);
    assert_eq!(
        fake.deliveries().iter().filter(|d| !d.succeeded()).count(),
        3
    );
}

#[tokio::test]
async fn simulate_delivers_only_to_notifications_for_that_event() {
    let fake = seeded().await;
    let push = receiver().await;
    let vuln = receiver().await;
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    client
        .create_notification(&web(), &webhook_draft(&push.url, QuayEventSpec::RepoPush))
        .await
        .unwrap();
    let body = json!({"event": "vulnerability_found", "method": "webhook",
        "config": {"url": vuln.url, "template": ""}, "eventConfig": {"level": "1"}});
    let created = post_json(
        &fake,
        "/api/v1/repository/acme/web/notification/",
        TOKEN,
        body,
    )
    .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["event_config"], json!({"level": "1"}));
    assert_eq!(created["title"], Value::Null);

    let sent = fake
        .simulate_event("acme", "web", "vulnerability_found")
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert!(push.hits.lock().unwrap().is_empty());
    let hits = vuln.hits.lock().unwrap().clone();
    assert_eq!(hits[0].body["repository"], "acme/web");
    assert!(hits[0].body["vulnerability"].is_object());

    // The same over the control route the binaries use.
    let answer: Value = http()
        .post(format!(
            "{}/__fake/simulate?namespace=acme&repository=web&event=repo_push",
            fake.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer.as_array().unwrap().len(), 1);
    assert_eq!(push.hits.lock().unwrap().len(), 1);
    assert!(fake
        .simulate_event("acme", "nope", "repo_push")
        .await
        .is_err());
    assert!(fake.simulate_event("acme", "web", "nope").await.is_err());
}

#[tokio::test]
async fn create_validates_like_quay() {
    let fake = seeded().await;
    let path = "/api/v1/repository/acme/web/notification/";
    let webhook = |url: &str| json!({"event": "repo_push", "method": "webhook", "config": {"url": url}, "eventConfig": {}});
    for url in [
        "http://localhost:8080/x",
        "http://127.0.0.1/x",
        "ftp://example.com/x",
    ] {
        let answer = post_json(&fake, path, TOKEN, webhook(url)).await;
        assert_eq!(answer.status(), 400, "{url}");
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["detail"], "Invalid webhook URL");
        assert_eq!(body["error_type"], "invalid_request");
    }
    let answer = post_json(&fake, path, TOKEN, webhook("http://127.0.0.2:9/x")).await;
    assert_eq!(answer.status(), 201);

    for body in [
        json!({"event": "repo_pushed", "method": "webhook", "config": {"url": "http://h/x"}, "eventConfig": {}}),
        json!({"event": "repo_push", "method": "pager", "config": {}, "eventConfig": {}}),
    ] {
        let answer = post_json(&fake, path, TOKEN, body).await;
        assert_eq!(answer.status(), 500);
        let content_type = answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/html"), "{content_type}");
    }

    let answer = post_json(&fake, path, TOKEN,
        json!({"event": "repo_push", "method": "webhook", "config": {"url": "http://h/x"}, "event_config": {}})).await;
    assert_eq!(answer.status(), 400);
    let body: Value = answer.json().await.unwrap();
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .starts_with("'eventConfig' is a required property\n"));

    let answer = post_json(&fake, path, TOKEN,
        json!({"event": "repo_push", "method": "slack", "config": {}, "eventConfig": {}, "title": null})).await;
    assert_eq!(answer.status(), 400);
    let body: Value = answer.json().await.unwrap();
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .starts_with("None is not of type 'string'"));

    let answer = post_json(
        &fake,
        path,
        TOKEN,
        json!({"event": "repo_push", "method": "slack", "config": {}, "eventConfig": {}}),
    )
    .await;
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["detail"], "Missing Slack Callback URL");

    let answer = http()
        .post(format!("{}{path}", fake.base_url()))
        .bearer_auth(TOKEN)
        .body(webhook("http://h/x").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 415);
}

#[tokio::test]
async fn permissions_follow_role_and_scope() {
    let fake = seeded().await;
    let base = fake.base_url();
    let list = |token: Option<&'static str>, repo: &'static str| {
        let mut request = http().get(format!(
            "{base}/api/v1/repository/acme/{repo}/notification/"
        ));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_eq!(list(Some(TOKEN), "web").await.unwrap().status(), 200);
    let forbidden = list(Some(READ_TOKEN), "web").await.unwrap();
    assert_eq!(forbidden.status(), 403);
    let body: Value = forbidden.json().await.unwrap();
    assert_eq!(body["error_type"], "insufficient_scope");
    // A missing repository looks the same.
    assert_eq!(list(Some(TOKEN), "missing").await.unwrap().status(), 403);
    assert_eq!(list(None, "web").await.unwrap().status(), 401);

    let csrf = post_json(
        &fake,
        "/api/v1/repository/acme/web/notification/",
        "qTok-Wrong",
        json!({}),
    )
    .await;
    assert_eq!(csrf.status(), 403);
    let body: Value = csrf.json().await.unwrap();
    assert_eq!(body["error"], "CSRF token was invalid or missing.");

    let reader = QuayClient::new(base, READ_TOKEN).unwrap();
    let detail = reader.repository(&web()).await.unwrap();
    assert!(!detail.can_admin);
    assert!(matches!(
        reader.notifications(&web()).await.unwrap_err(),
        QuayError::Forbidden { .. }
    ));
}

#[tokio::test]
async fn injected_faults_are_observable() {
    let fake = seeded().await;
    let url = format!("{}/api/v1/repository/acme/api", fake.base_url());

    fake.inject(Fault::Status { status: 429 }, 2);
    for _ in 0..2 {
        let answer = http().get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 429);
        assert!(answer.text().await.unwrap().contains("<html>"));
    }
    assert_eq!(http().get(&url).send().await.unwrap().status(), 200);

    fake.inject(Fault::Status { status: 500 }, 1);
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    assert!(matches!(
        client
            .repository(&QuayRepoRef::new("acme", "api"))
            .await
            .unwrap_err(),
        QuayError::Server { status: 500, .. }
    ));
    fake.inject(Fault::Status { status: 429 }, 1);
    assert_eq!(
        client
            .repository(&QuayRepoRef::new("acme", "api"))
            .await
            .unwrap_err(),
        QuayError::RateLimited
    );

    fake.inject(Fault::TruncatedJson, 1);
    let text = http().get(&url).send().await.unwrap().text().await.unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    fake.inject(Fault::TruncatedJson, 1);
    assert!(matches!(
        client
            .repository(&QuayRepoRef::new("acme", "api"))
            .await
            .unwrap_err(),
        QuayError::Decode { .. }
    ));

    fake.inject(Fault::WrongContentType, 1);
    let answer = http().get(&url).send().await.unwrap();
    assert!(answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(answer.json::<Value>().await.is_ok());

    fake.inject(Fault::Hang, 1);
    let hung = http()
        .get(&url)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(hung.unwrap_err().is_timeout());
    assert_eq!(http().get(&url).send().await.unwrap().status(), 200);

    fake.set_latency(Duration::from_millis(250));
    let started = Instant::now();
    assert_eq!(http().get(&url).send().await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(250));
    fake.clear_faults();
    let started = Instant::now();
    http().get(&url).send().await.unwrap();
    assert!(started.elapsed() < Duration::from_millis(250));
}

#[tokio::test]
async fn control_routes_inject_faults_over_http() {
    let fake = seeded().await;
    let base = fake.base_url();
    let answer = http()
        .post(format!("{base}/__fake/fault"))
        .json(&json!({"kind": "status", "status": 503, "count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    let url = format!("{base}/api/v1/repository/acme/api");
    assert_eq!(http().get(&url).send().await.unwrap().status(), 503);
    assert_eq!(http().get(&url).send().await.unwrap().status(), 200);
    let requests: Value = http()
        .get(format!("{base}/__fake/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(requests.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_binary_prints_its_base_url_and_serves_the_demo_seed() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fake-quay"))
        .args(["--bind", "127.0.0.1", "--port", "0", "--token", "bin-token"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map(|_| line)
    })
    .await
    .unwrap();
    let result = async {
        let line = line.unwrap();
        let base = line.trim();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let client = QuayClient::new(base, "bin-token").unwrap();
        assert_eq!(client.verify().await.unwrap().username, "alice");
        client.repositories("acme").await.unwrap().len()
    };
    let repos = tokio::time::timeout(Duration::from_secs(30), result).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(repos.unwrap(), 2);
}
