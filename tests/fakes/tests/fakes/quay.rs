//! The fake Quay over real HTTP, with reqwest and with Wharf's own `QuayClient`: status codes,
//! error shapes, paging, webhook delivery and failure counting, and injected faults.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Router;
use fakes::quay::{
    FakeQuay, FakeQuayError, FakeTag, Scope, SentEmail, SimulatedEvent, TeamRole,
    DELIVERY_USER_AGENT,
};
use fakes::Fault;
use registry::quay::client::QuayClient;
use registry::quay::{
    QuayError, QuayEventSpec, QuayMethodSpec, QuayNotificationDraft, QuayRepoRef, QuaySeverity,
    QuayTeamRole,
};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "qTok-Admin-0123456789abcdef";
const READ_TOKEN: &str = "qTok-ReadOnly-0123456789";
const NO_USER_READ: &str = "qTok-NoUserRead-01234567";
const CAROL: &str = "qTok-Carol-0123456789abcd";
const DAVE: &str = "qTok-Dave-0123456789abcde";

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
        "../../../fixtures/quay/repo_push.quayio-docs.json"
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

async fn get_json(fake: &FakeQuay, path: &str, token: &str) -> (u16, Value) {
    let answer = http()
        .get(format!("{}{path}", fake.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

/// Creates a notification on acme/web with a raw body; returns its UUID.
async fn create_raw(fake: &FakeQuay, body: Value) -> String {
    let answer = post_json(
        fake,
        "/api/v1/repository/acme/web/notification/",
        TOKEN,
        body,
    )
    .await;
    assert_eq!(answer.status(), 201);
    let created: Value = answer.json().await.unwrap();
    created["uuid"].as_str().unwrap().to_owned()
}

fn failures(fake: &FakeQuay, uuid: &str) -> u64 {
    fake.notification(uuid).unwrap()["number_of_failures"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn organization_lists_teams_to_members_only() {
    let fake = seeded().await;
    for (user, token) in [("carol", CAROL), ("dave", DAVE)] {
        fake.add_user(user);
        fake.add_token(token, user, &Scope::ALL);
    }
    fake.add_team("acme", "ops", TeamRole::Member, &["bob", "carol"])
        .unwrap();
    fake.add_team("acme", "builders", TeamRole::Creator, &[])
        .unwrap();
    assert_eq!(
        fake.add_team("nope", "ops", TeamRole::Member, &[]),
        Err(FakeQuayError::UnknownOrganization("nope".into()))
    );

    let (status, admin) = get_json(&fake, "/api/v1/organization/acme", TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(admin["is_admin"], true);
    // Creation order, `owners` (the admins) first.
    assert_eq!(admin["ordered_teams"], json!(["owners", "ops", "builders"]));
    let ops = &admin["teams"]["ops"];
    assert_eq!(ops["avatar"]["kind"], "team");
    let mut ops = ops.clone();
    ops.as_object_mut().unwrap().remove("avatar");
    assert_eq!(
        ops,
        json!({"name": "ops", "description": "", "role": "member", "can_view": true,
               "repo_count": 0, "member_count": 2, "is_synced": false})
    );
    assert_eq!(admin["teams"]["owners"]["role"], "admin");
    assert_eq!(admin["teams"]["owners"]["member_count"], 1);
    assert_eq!(admin["teams"]["builders"]["role"], "creator");

    // In a team only: a member, who may open their own team alone.
    let (_, carol) = get_json(&fake, "/api/v1/organization/acme", CAROL).await;
    assert_eq!(
        (carol["is_member"].clone(), carol["is_admin"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(carol["teams"]["ops"]["can_view"], true);
    assert_eq!(carol["teams"]["owners"]["can_view"], false);
    let (_, user) = get_json(&fake, "/api/v1/user/", CAROL).await;
    assert_eq!(user["organizations"][0]["name"], "acme");
    // A team grants no repository access by itself.
    let (status, _) = get_json(&fake, "/api/v1/repository/acme/web", CAROL).await;
    assert_eq!(status, 403);

    // Not a member: no teams at all.
    let (_, dave) = get_json(&fake, "/api/v1/organization/acme", DAVE).await;
    assert_eq!(dave["is_member"], false);
    assert!(dave.get("teams").is_none() && dave.get("ordered_teams").is_none());
    // Until in an admin team, which administers every repository.
    fake.add_team("acme", "leads", TeamRole::Admin, &["dave"])
        .unwrap();
    let (status, _) = get_json(&fake, "/api/v1/repository/acme/web/notification/", DAVE).await;
    assert_eq!(status, 200);
    let (_, dave) = get_json(&fake, "/api/v1/organization/acme", DAVE).await;
    assert_eq!(dave["teams"]["ops"]["can_view"], true);

    let (status, missing) = get_json(&fake, "/api/v1/organization/alice", TOKEN).await;
    assert_eq!(status, 404);
    assert_eq!(missing["error_type"], "not_found");
}

#[tokio::test]
async fn team_targets_are_looked_up_in_the_repositorys_namespace() {
    let fake = seeded().await;
    fake.add_team("acme", "ops", TeamRole::Member, &["bob"])
        .unwrap();
    fake.add_team("beta", "qa", TeamRole::Member, &["alice"])
        .unwrap();
    fake.add_repo("alice", "own", false);
    let team = |name: &str| {
        json!({"event": "repo_push", "method": "quay_notification",
               "config": {"target": {"kind": "team", "name": name, "is_robot": false}},
               "eventConfig": {}})
    };
    for (repo, name, expected) in [
        ("acme/web", "ops", None),
        ("acme/web", "owners", None),
        ("acme/web", "qa", Some("Unknown team qa")),
        ("acme/web", "nobody", Some("Unknown team nobody")),
        ("alice/own", "owners", Some("Unknown team owners")),
    ] {
        let path = format!("/api/v1/repository/{repo}/notification/");
        let answer = post_json(&fake, &path, TOKEN, team(name)).await;
        match expected {
            None => assert_eq!(answer.status(), 201, "{repo} {name}"),
            Some(detail) => {
                assert_eq!(answer.status(), 400, "{repo} {name}");
                let body: Value = answer.json().await.unwrap();
                assert_eq!(body["detail"], detail);
            }
        }
    }
}

#[tokio::test]
async fn the_client_reads_teams_from_the_fake() {
    let fake = seeded().await;
    fake.add_user("dave");
    fake.add_token(DAVE, "dave", &Scope::ALL);
    fake.add_team("acme", "ops", TeamRole::Member, &["bob", "alice"])
        .unwrap();
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    let teams = client.teams("acme").await.unwrap();
    let listed: Vec<_> = teams
        .iter()
        .map(|t| (t.name.as_str(), t.role.clone(), t.member_count, t.can_view))
        .collect();
    assert_eq!(
        listed,
        [
            ("owners", QuayTeamRole::Admin, 1, true),
            ("ops", QuayTeamRole::Member, 2, true)
        ]
    );
    assert_eq!(
        client.teams("alice").await.unwrap_err(),
        QuayError::NotFound {
            what: "organization"
        }
    );
    let outsider = QuayClient::new(fake.base_url(), DAVE).unwrap();
    assert!(outsider.teams("acme").await.unwrap().is_empty());
}

#[tokio::test]
async fn build_events_fire_only_when_the_ref_regex_matches() {
    let fake = seeded().await;
    let filtered = receiver().await;
    let every = receiver().await;
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    let main = client
        .create_notification(
            &web(),
            &webhook_draft(
                &filtered.url,
                QuayEventSpec::BuildSuccess {
                    ref_regex: "refs/heads/main".into(),
                },
            ),
        )
        .await
        .unwrap();
    assert_eq!(main.event_config, json!({"ref-regex": "refs/heads/main"}));
    client
        .create_notification(
            &web(),
            &webhook_draft(
                &every.url,
                QuayEventSpec::BuildSuccess {
                    ref_regex: String::new(),
                },
            ),
        )
        .await
        .unwrap();

    let run = |options: SimulatedEvent| {
        let fake = &fake;
        async move {
            fake.simulate_event_with("acme", "web", "build_success", &options)
                .await
                .unwrap()
                .len()
        }
    };
    let with_ref = |r: &str| SimulatedEvent {
        git_ref: Some(r.into()),
        ..SimulatedEvent::default()
    };
    // The sample's ref is refs/heads/somebranch.
    assert_eq!(run(SimulatedEvent::default()).await, 1);
    assert_eq!(run(with_ref("refs/heads/main")).await, 2);
    // Python's re.match: anchored at the start only.
    assert_eq!(run(with_ref("refs/heads/maintenance")).await, 2);
    assert_eq!(run(with_ref("xrefs/heads/main")).await, 1);
    let manual = SimulatedEvent {
        manual_build: true,
        git_ref: Some("refs/heads/main".into()),
        ..SimulatedEvent::default()
    };
    assert_eq!(run(manual).await, 1);
    let hits = filtered.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].body["trigger_metadata"]["ref"], "refs/heads/main");
    assert_eq!(
        hits[1].body["trigger_metadata"]["ref"],
        "refs/heads/maintenance"
    );
    assert_eq!(every.hits.lock().unwrap().len(), 5);

    // Test sends the sample too, so the filter drops it: nothing sent, nothing counted.
    client.test_notification(&web(), &main.uuid).await.unwrap();
    fake.wait_for_deliveries().await;
    assert_eq!(filtered.hits.lock().unwrap().len(), 2);
    assert_eq!(failures(&fake, &main.uuid), 0);

    // The control route takes the ref as well.
    let answer: Value = http()
        .post(format!(
            "{}/__fake/simulate?namespace=acme&repository=web&event=build_success&ref=refs%2Fheads%2Fmain",
            fake.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer.as_array().unwrap().len(), 2);
    assert_eq!(filtered.hits.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn vulnerability_found_fires_at_or_above_the_level() {
    let fake = seeded().await;
    let high = receiver().await;
    let any = receiver().await;
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    let high_id = client
        .create_notification(
            &web(),
            &webhook_draft(
                &high.url,
                QuayEventSpec::VulnerabilityFound {
                    level: QuaySeverity::High,
                },
            ),
        )
        .await
        .unwrap()
        .uuid;
    let any_id = create_raw(
        &fake,
        json!({"event": "vulnerability_found", "method": "webhook",
               "config": {"url": any.url, "template": ""}, "eventConfig": {}}),
    )
    .await;

    let mut sent = Vec::new();
    for priority in ["Critical", "High", "Medium", "Negligible", "Severe"] {
        let options = SimulatedEvent {
            priority: Some(priority.into()),
            ..SimulatedEvent::default()
        };
        let made = fake
            .simulate_event_with("acme", "web", "vulnerability_found", &options)
            .await
            .unwrap();
        sent.push((priority, made.len()));
    }
    assert_eq!(
        sent,
        [
            ("Critical", 2),
            ("High", 2),
            ("Medium", 1),
            ("Negligible", 1),
            // A priority Quay does not know never passes a level.
            ("Severe", 1)
        ]
    );
    let priorities = |r: &Receiver| -> Vec<Value> {
        r.hits
            .lock()
            .unwrap()
            .iter()
            .map(|h| h.body["vulnerability"]["priority"].clone())
            .collect()
    };
    assert_eq!(priorities(&high), [json!("Critical"), json!("High")]);
    assert_eq!(priorities(&any).len(), 5);

    // Test's sample is generated at the notification's level, so it always passes.
    client.test_notification(&web(), &high_id).await.unwrap();
    client.test_notification(&web(), &any_id).await.unwrap();
    fake.wait_for_deliveries().await;
    assert_eq!(priorities(&high)[2], "High");
    assert_eq!(priorities(&any)[5], "Unknown");

    let answer: Value = http()
        .post(format!(
            "{}/__fake/simulate?namespace=acme&repository=web&event=vulnerability_found&priority=Low",
            fake.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn webhook_templates_are_filled_from_the_event() {
    let fake = seeded().await;
    let hook = receiver().await;
    let template = json!({
        "text": "Built ${repository} (${docker_tags}) from ${trigger_metadata.ref}, by ${nobody}",
        "tags": "${docker_tags}",
        "first": "${docker_tags[0]}",
        "missing": "${nobody}",
        "${name}": true,
    })
    .to_string();
    let uuid = create_raw(
        &fake,
        json!({"event": "build_start", "method": "webhook",
               "config": {"url": hook.url, "template": template}, "eventConfig": {}}),
    )
    .await;
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    client.test_notification(&web(), &uuid).await.unwrap();
    fake.wait_for_deliveries().await;
    let options = SimulatedEvent {
        git_ref: Some("refs/tags/v2".into()),
        ..SimulatedEvent::default()
    };
    fake.simulate_event_with("acme", "web", "build_start", &options)
        .await
        .unwrap();
    let hits = hook.hits.lock().unwrap().clone();
    assert_eq!(
        hits[0].body,
        json!({"text": "Built acme/web (latest,foo,bar) from refs/heads/somebranch, by (none)",
               "tags": ["latest", "foo", "bar"], "first": "latest", "missing": null,
               "web": true})
    );
    assert_eq!(
        hits[1].body["text"],
        "Built acme/web (latest,foo,bar) from refs/tags/v2, by (none)"
    );
    assert_eq!(hits.len(), 2);

    // Quay applies a new template to `{}`, which catches an empty expression.
    let answer = post_json(
        &fake,
        "/api/v1/repository/acme/web/notification/",
        TOKEN,
        json!({"event": "repo_push", "method": "webhook",
               "config": {"url": hook.url, "template": "{\"a\": \"${}\"}"}, "eventConfig": {}}),
    )
    .await;
    assert_eq!(answer.status(), 400);
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["detail"], "Empty expression found");
}

#[tokio::test]
async fn other_methods_perform_like_quay_without_leaving_the_machine() {
    let fake = seeded().await;
    fake.add_team("acme", "ops", TeamRole::Member, &["bob", "alice"])
        .unwrap();
    fake.authorize_email("acme", "web", "ops@example.com");
    let hook = receiver().await;
    let note = |method: &str, config: Value| json!({"event": "repo_push", "method": method, "config": config, "eventConfig": {}});
    let target = |kind: &str, name: &str| json!({"target": {"kind": kind, "name": name}});
    let to_bob = create_raw(&fake, note("quay_notification", target("user", "bob"))).await;
    let to_ops = create_raw(&fake, note("quay_notification", target("team", "ops"))).await;
    let to_org = create_raw(&fake, note("quay_notification", target("org", "acme"))).await;
    let slack = create_raw(&fake, note("slack", json!({"url": hook.url}))).await;
    let slack_out = create_raw(
        &fake,
        note(
            "slack",
            json!({"url": "https://hooks.slack.com/services/T0AAA/B0BBB/cccccccccccccccc"}),
        ),
    )
    .await;
    let webhook_out = create_raw(
        &fake,
        note("webhook", json!({"url": "http://192.0.2.10/hook"})),
    )
    .await;
    let hipchat = create_raw(
        &fake,
        note(
            "hipchat",
            json!({"room_id": "123", "notification_token": "hipSecret"}),
        ),
    )
    .await;
    let flowdock = create_raw(
        &fake,
        note("flowdock", json!({"flow_api_token": "flowSecret"})),
    )
    .await;
    let email = create_raw(&fake, note("email", json!({"email": "ops@example.com"}))).await;

    let made = fake
        .simulate_event("acme", "web", "repo_push")
        .await
        .unwrap();
    let attempts = |uuid: &str| made.iter().filter(|d| d.subscription_id == uuid).count();
    // Slack to a loopback URL is the only HTTP that happens.
    assert_eq!(attempts(&slack), 1);
    let hits = hook.hits.lock().unwrap().clone();
    assert_eq!(hits.len(), 1);
    assert_eq!(
        hits[0].body,
        json!({"text": "Repository acme/web updated", "username": "quayiobot",
               "attachments": [{"fallback": "Repository acme/web updated",
                                "text": "Repository acme/web updated", "color": "good",
                                "mrkdwn_in": ["text"]}]})
    );
    // Dead services and hosts off this machine fail every attempt until disabled.
    for uuid in [&slack_out, &webhook_out, &hipchat, &flowdock] {
        assert_eq!(attempts(uuid), 3, "{uuid}");
        assert_eq!(failures(&fake, uuid), 3, "{uuid}");
    }
    assert!(made
        .iter()
        .all(|d| d.subscription_id == slack || d.status.is_none()));
    let hipchat_url = &made
        .iter()
        .find(|d| d.subscription_id == hipchat)
        .unwrap()
        .url;
    assert_eq!(
        hipchat_url,
        "https://api.hipchat.com/v2/room/123/notification?auth_token=<hidden>"
    );
    let recorded = serde_json::to_string(&fake.deliveries()).unwrap();
    assert!(!recorded.contains("Secret"), "{recorded}");
    assert!(made
        .iter()
        .find(|d| d.subscription_id == webhook_out)
        .unwrap()
        .error
        .as_deref()
        .unwrap()
        .contains("127.0.0.0/8"));

    assert_eq!(
        fake.sent_emails(),
        [SentEmail {
            notification: email.clone(),
            to: "ops@example.com".into(),
            subject: "Repository acme/web updated".into(),
        }]
    );
    // bob: his own and his team's; alice: her team's and the organization's (she is its admin).
    let kinds = |user: &str| -> Vec<(String, bool)> {
        fake.user_notifications(user)
            .into_iter()
            .map(|n| (n.target, n.target_is_org))
            .collect()
    };
    assert_eq!(kinds("bob"), [("bob".into(), false), ("bob".into(), false)]);
    assert_eq!(
        kinds("alice"),
        [("alice".into(), false), ("acme".into(), true)]
    );
    let note_for_bob = &fake.user_notifications("bob")[0];
    assert_eq!(note_for_bob.kind, "repo_push");
    assert_eq!(note_for_bob.metadata["repository"], "acme/web");
    for uuid in [&to_bob, &to_ops, &to_org, &slack, &email] {
        assert_eq!(failures(&fake, uuid), 0, "{uuid}");
    }

    // Test takes the same path.
    let client = QuayClient::new(fake.base_url(), TOKEN).unwrap();
    client.test_notification(&web(), &to_bob).await.unwrap();
    fake.wait_for_deliveries().await;
    assert_eq!(fake.user_notifications("bob").len(), 3);

    // Quay has no in-app kind for image expiry: nothing arrives, and nothing is counted.
    let expiry = create_raw(
        &fake,
        json!({"event": "repo_image_expiry", "method": "quay_notification",
               "config": target("user", "bob"), "eventConfig": {"days": 7}}),
    )
    .await;
    fake.simulate_event("acme", "web", "repo_image_expiry")
        .await
        .unwrap();
    assert_eq!(fake.user_notifications("bob").len(), 3);
    assert_eq!(failures(&fake, &expiry), 0);

    let base = fake.base_url();
    let (_, bobs): (u16, Value) = {
        let answer = http()
            .get(format!("{base}/__fake/user-notifications?user=bob"))
            .send()
            .await
            .unwrap();
        (answer.status().as_u16(), answer.json().await.unwrap())
    };
    assert_eq!(bobs.as_array().unwrap().len(), 3);
    let emails: Value = http()
        .get(format!("{base}/__fake/emails"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(emails[0]["subject"], "Repository acme/web updated");
}

#[tokio::test]
async fn redirects_are_followed_only_within_loopback() {
    async fn redirecting(location: String) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = Router::new().fallback(move || {
            let location = location.clone();
            async move { (StatusCode::TEMPORARY_REDIRECT, [("location", location)]) }
        });
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        format!("http://{addr}/hook")
    }
    let fake = seeded().await;
    fake.set_delivery_retries(0);
    let hook = receiver().await;
    let inside = create_raw(
        &fake,
        json!({"event": "repo_push", "method": "webhook",
               "config": {"url": redirecting(hook.url.clone()).await}, "eventConfig": {}}),
    )
    .await;
    let outside = create_raw(
        &fake,
        json!({"event": "repo_push", "method": "webhook",
               "config": {"url": redirecting("http://192.0.2.10/hook".into()).await},
               "eventConfig": {}}),
    )
    .await;
    let made = fake
        .simulate_event("acme", "web", "repo_push")
        .await
        .unwrap();
    let status = |uuid: &str| {
        made.iter()
            .find(|d| d.subscription_id == uuid)
            .unwrap()
            .status
    };
    assert_eq!(status(&inside), Some(200));
    assert_eq!(hook.hits.lock().unwrap().len(), 1);
    // Not followed: the redirect itself is the (failed) answer.
    assert_eq!(status(&outside), Some(307));
    assert_eq!(failures(&fake, &outside), 1);
}

/// Sends `method` to the fake with an optional bearer token and JSON body; the status and the
/// body as JSON (`null` when empty).
async fn call(
    fake: &FakeQuay,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http().request(method, format!("{}{path}", fake.base_url()));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    let bytes = answer.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, body)
}

async fn create_repo(fake: &FakeQuay, token: &str, body: Value) -> (u16, Value) {
    call(
        fake,
        reqwest::Method::POST,
        "/api/v1/repository",
        Some(token),
        Some(body),
    )
    .await
}

/// The `namespace/name`s `GET /repository?namespace=` lists to alice.
async fn listed(fake: &FakeQuay, namespace: &str) -> Vec<String> {
    let (status, body) = get_json(
        fake,
        &format!("/api/v1/repository?namespace={namespace}"),
        TOKEN,
    )
    .await;
    assert_eq!(status, 200);
    body["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["namespace"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            )
        })
        .collect()
}

/// A 400 `invalid_request` whose detail starts with `start`.
fn assert_invalid(answer: &(u16, Value), start: &str) {
    assert_eq!(answer.0, 400, "{}", answer.1);
    assert_eq!(answer.1["error_type"], "invalid_request", "{}", answer.1);
    let detail = answer.1["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(start),
        "{detail:?} should start with {start:?}"
    );
}

/// A 403 `insufficient_scope`.
fn assert_unauthorized(answer: &(u16, Value)) {
    assert_eq!(answer.0, 403, "{}", answer.1);
    assert_eq!(answer.1["error_type"], "insufficient_scope");
    assert_eq!(answer.1["detail"], "Unauthorized");
}

#[tokio::test]
async fn a_created_repository_answers_201_and_is_listed_and_readable() {
    let fake = seeded().await;
    // The namespace defaults to the caller's own.
    let made = create_repo(
        &fake,
        TOKEN,
        json!({"repository": "notes", "visibility": "private", "description": ""}),
    )
    .await;
    assert_eq!(
        made,
        (
            201,
            json!({"namespace": "alice", "name": "notes", "kind": "image"})
        )
    );
    assert_eq!(listed(&fake, "alice").await, ["alice/notes"]);
    let (status, detail) = get_json(&fake, "/api/v1/repository/alice/notes", TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(detail["description"], "");
    assert_eq!(detail["is_public"], false);
    assert_eq!(detail["tags"], json!({}));
    assert_eq!(detail["can_admin"], true);

    // A nested name in an organization, public, with a description.
    let made = create_repo(
        &fake,
        TOKEN,
        json!({"namespace": "acme", "repository": "team/web", "visibility": "public",
            "description": "Frontend", "repo_kind": "image"}),
    )
    .await;
    assert_eq!(
        made,
        (
            201,
            json!({"namespace": "acme", "name": "team/web", "kind": "image"})
        )
    );
    assert!(listed(&fake, "acme")
        .await
        .contains(&"acme/team/web".to_owned()));
    let anonymous = call(
        &fake,
        reqwest::Method::GET,
        "/api/v1/repository/acme/team/web",
        None,
        None,
    )
    .await;
    assert_eq!(anonymous.0, 200);
    assert_eq!(anonymous.1["description"], "Frontend");
    assert_eq!(anonymous.1["is_public"], true);
    let (status, body) = get_json(
        &fake,
        "/api/v1/repository/acme/team/web/notification/",
        TOKEN,
    )
    .await;
    assert_eq!((status, body), (200, json!({"notifications": []})));
    let (status, body) = get_json(&fake, "/api/v1/repository/acme/team/web/tag/", TOKEN).await;
    assert_eq!(status, 200);
    assert_eq!(body["tags"], json!([]));
    let stored = fake.repository("acme", "team/web").unwrap();
    assert_eq!(stored["description"], "Frontend");
    assert_eq!(stored["is_public"], true);
    assert_eq!(fake.repository("acme", "team"), None);

    // A `creator` team may create in the organization and administers what it made; a
    // `member` team may not.
    fake.add_user("carol");
    fake.add_user("dave");
    fake.add_token(CAROL, "carol", &Scope::ALL);
    fake.add_token(DAVE, "dave", &Scope::ALL);
    fake.add_team("acme", "builders", TeamRole::Creator, &["carol"])
        .unwrap();
    fake.add_team("acme", "readers", TeamRole::Member, &["dave"])
        .unwrap();
    let body = json!({"namespace": "acme", "repository": "tools", "visibility": "private",
        "description": "x"});
    assert_eq!(create_repo(&fake, CAROL, body.clone()).await.0, 201);
    let (status, detail) = get_json(&fake, "/api/v1/repository/acme/tools", CAROL).await;
    assert_eq!((status, &detail["can_admin"]), (200, &json!(true)));
    let mut other = body;
    other["repository"] = json!("tools2");
    assert_unauthorized(&create_repo(&fake, DAVE, other).await);
}

#[tokio::test]
async fn repository_create_fails_with_quays_codes_and_texts() {
    let fake = seeded().await;
    let good = json!({"namespace": "acme", "repository": "fresh", "visibility": "private",
        "description": "d"});
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = good.clone();
        body.as_object_mut().unwrap().remove(key);
        body
    };

    // No token or a bad one: the CSRF check refuses every write.
    for token in [None, Some("qTok-Wrong")] {
        let answer = call(
            &fake,
            reqwest::Method::POST,
            "/api/v1/repository",
            token,
            Some(good.clone()),
        )
        .await;
        assert_eq!(
            answer,
            (403, json!({"error": "CSRF token was invalid or missing."}))
        );
    }

    // The schema, checked before anything else.
    let answer = create_repo(&fake, TOKEN, without("description")).await;
    assert_invalid(
        &answer,
        "'description' is a required property\n\nFailed validating 'required' in schema:\n    {'type': 'object', 'description': 'Description of a new repository'",
    );
    assert!(answer.1["detail"]
        .as_str()
        .unwrap()
        .ends_with("\n\nOn instance:\n    {'namespace': 'acme', 'repository': 'fresh', 'visibility': 'private'}"));
    assert_eq!(answer.1["status"], 400);
    assert_invalid(
        &create_repo(&fake, TOKEN, with("visibility", json!("publik"))).await,
        "'publik' is not one of ['public', 'private']\n\nFailed validating 'enum' in schema['properties']['visibility']:",
    );
    assert_invalid(
        &create_repo(&fake, TOKEN, without("repository")).await,
        "'repository' is a required property\n\n",
    );
    assert_invalid(
        &create_repo(&fake, TOKEN, with("description", json!(123))).await,
        "123 is not of type 'string'\n\nFailed validating 'type' in schema['properties']['description']:",
    );
    assert_invalid(
        &create_repo(&fake, TOKEN, with("namespace", Value::Null)).await,
        "None is not of type 'string'",
    );
    // A reader's token still gets the schema error first.
    assert_invalid(
        &create_repo(&fake, READ_TOKEN, without("description")).await,
        "'description' is a required property",
    );
    assert_invalid(
        &create_repo(&fake, TOKEN, Value::Null).await,
        "Missing JSON body",
    );
    let raw = |content_type: Option<&'static str>, body: &'static str| {
        let mut request = http()
            .post(format!("{}/api/v1/repository", fake.base_url()))
            .bearer_auth(TOKEN)
            .body(body);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        request.send()
    };
    let bad_json = raw(Some("application/json"), "{nope").await.unwrap();
    assert_eq!(bad_json.status(), 400);
    let body: Value = bad_json.json().await.unwrap();
    assert_eq!(
        body["message"],
        "The browser (or proxy) sent a request that this server could not understand."
    );
    let no_type = raw(None, r#"{"repository": "x"}"#).await.unwrap();
    assert_eq!(no_type.status(), 415);

    // Where the caller may not create: 403, whatever the name.
    for namespace in ["beta", "bob", "nosuch"] {
        assert_unauthorized(&create_repo(&fake, TOKEN, with("namespace", json!(namespace))).await);
    }
    let mut bad_name_elsewhere = with("namespace", json!("beta"));
    bad_name_elsewhere["repository"] = json!("Bad Name");
    assert_unauthorized(&create_repo(&fake, TOKEN, bad_name_elsewhere).await);
    // Without `repo:create`, not even in the caller's own namespace.
    assert_unauthorized(&create_repo(&fake, NO_USER_READ, without("namespace")).await);

    // Then the name.
    for name in ["Web", "-web", "a//b", "web/", "we b", &"a".repeat(251)] {
        let answer = create_repo(&fake, TOKEN, with("repository", json!(name))).await;
        assert_eq!(
            answer.1["detail"], "Invalid repository name",
            "{name}: {}",
            answer.1
        );
        assert_eq!(answer.0, 400);
    }
    // `acme/` and 250 characters make 255, the longest.
    let longest = "a".repeat(250);
    assert_eq!(
        create_repo(&fake, TOKEN, with("repository", json!(longest)))
            .await
            .0,
        201
    );

    // Then whether it is taken.
    let taken = create_repo(&fake, TOKEN, with("repository", json!("web"))).await;
    assert_invalid(&taken, "Repository already exists");
    assert_eq!(taken.1["detail"], "Repository already exists");
    assert_eq!(create_repo(&fake, TOKEN, good.clone()).await.0, 201);
    assert_invalid(
        &create_repo(&fake, TOKEN, good).await,
        "Repository already exists",
    );
}

#[tokio::test]
async fn visibility_and_description_changes_read_back() {
    let fake = seeded().await;
    let post = |path: &'static str, token: Option<&'static str>, body: Value| {
        call(&fake, reqwest::Method::POST, path, token, Some(body))
    };
    let put = |path: &'static str, token: &'static str, body: Value| {
        call(&fake, reqwest::Method::PUT, path, Some(token), Some(body))
    };
    let visibility = "/api/v1/repository/acme/web/changevisibility";

    assert_eq!(
        post(visibility, Some(TOKEN), json!({"visibility": "public"})).await,
        (200, json!({"success": true}))
    );
    assert_eq!(fake.repository("acme", "web").unwrap()["is_public"], true);
    // Anyone may read it now.
    let (status, _) = call(
        &fake,
        reqwest::Method::GET,
        "/api/v1/repository/acme/web",
        None,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        post(visibility, Some(TOKEN), json!({"visibility": "private"})).await,
        (200, json!({"success": true}))
    );
    let (status, detail) = get_json(&fake, "/api/v1/repository/acme/web", TOKEN).await;
    assert_eq!((status, &detail["is_public"]), (200, &json!(false)));

    assert_invalid(
        &post(visibility, Some(TOKEN), json!({"visibility": "publik"})).await,
        "'publik' is not one of ['public', 'private']\n\nFailed validating 'enum' in schema['properties']['visibility']:",
    );
    assert_invalid(
        &post(visibility, Some(TOKEN), json!({})).await,
        "'visibility' is a required property\n\nFailed validating 'required' in schema:\n    {'type': 'object', 'description': 'Change the visibility for the repository.'",
    );
    // A reader, a missing repository: 403; no token: the CSRF refusal.
    assert_unauthorized(
        &post(
            visibility,
            Some(READ_TOKEN),
            json!({"visibility": "public"}),
        )
        .await,
    );
    assert_unauthorized(
        &post(
            "/api/v1/repository/acme/nope/changevisibility",
            Some(TOKEN),
            json!({"visibility": "public"}),
        )
        .await,
    );
    assert_eq!(
        post(visibility, None, json!({"visibility": "public"}))
            .await
            .0,
        403
    );
    assert_eq!(fake.repository("acme", "web").unwrap()["is_public"], false);
    // Other methods are the detail of a nested `web/changevisibility`, which does not exist.
    assert_unauthorized(&get_json(&fake, visibility, TOKEN).await);
    let (status, _) = call(&fake, reqwest::Method::PATCH, visibility, Some(TOKEN), None).await;
    assert_eq!(status, 405);

    assert_eq!(
        put(
            "/api/v1/repository/acme/web",
            TOKEN,
            json!({"description": "New text"})
        )
        .await,
        (200, json!({"success": true}))
    );
    let (_, detail) = get_json(&fake, "/api/v1/repository/acme/web", TOKEN).await;
    assert_eq!(detail["description"], "New text");
    let (_, list) = get_json(&fake, "/api/v1/repository?namespace=acme", TOKEN).await;
    let web = list["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "web")
        .unwrap()
        .clone();
    assert_eq!(web["description"], "New text");
    assert_invalid(
        &put("/api/v1/repository/acme/web", TOKEN, json!({})).await,
        "'description' is a required property",
    );
    assert_invalid(
        &put(
            "/api/v1/repository/acme/web",
            TOKEN,
            json!({"description": 5}),
        )
        .await,
        "5 is not of type 'string'",
    );
    assert_unauthorized(
        &put(
            "/api/v1/repository/acme/web",
            READ_TOKEN,
            json!({"description": "x"}),
        )
        .await,
    );
    assert_unauthorized(
        &put(
            "/api/v1/repository/acme/nope",
            TOKEN,
            json!({"description": "x"}),
        )
        .await,
    );

    // Quay lets a writer set the description, but only an admin change the visibility.
    const WRITER: &str = "qTok-Writer-0123456789ab";
    fake.add_token(WRITER, "alice", &[Scope::RepoWrite]);
    assert_eq!(
        put(
            "/api/v1/repository/acme/web",
            WRITER,
            json!({"description": "by a writer"})
        )
        .await
        .0,
        200
    );
    assert_unauthorized(&post(visibility, Some(WRITER), json!({"visibility": "public"})).await);
    assert_eq!(
        fake.repository("acme", "web").unwrap()["description"],
        "by a writer"
    );

    // Nested names route everywhere.
    create_repo(
        &fake,
        TOKEN,
        json!({"namespace": "acme", "repository": "team/web", "visibility": "private",
            "description": ""}),
    )
    .await;
    assert_eq!(
        post(
            "/api/v1/repository/acme/team/web/changevisibility",
            Some(TOKEN),
            json!({"visibility": "public"})
        )
        .await
        .0,
        200
    );
    assert_eq!(
        put(
            "/api/v1/repository/acme/team/web",
            TOKEN,
            json!({"description": "nested"})
        )
        .await
        .0,
        200
    );
    let nested = fake.repository("acme", "team/web").unwrap();
    assert_eq!(
        (&nested["is_public"], &nested["description"]),
        (&json!(true), &json!("nested"))
    );
}

#[tokio::test]
async fn a_deleted_repository_goes_with_its_tags_and_notifications() {
    let fake = seeded().await;
    let uuid = create_raw(
        &fake,
        json!({"event": "repo_push", "method": "webhook",
            "config": {"url": "http://127.0.0.2:9/x"}, "eventConfig": {}}),
    )
    .await;
    let delete = |path: &'static str, token: &'static str| {
        call(&fake, reqwest::Method::DELETE, path, Some(token), None)
    };
    // A reader, a missing repository: 403.
    assert_unauthorized(&delete("/api/v1/repository/acme/web", READ_TOKEN).await);
    assert_unauthorized(&delete("/api/v1/repository/acme/nope", TOKEN).await);
    assert!(fake.notification(&uuid).is_some());

    let answer = http()
        .delete(format!("{}/api/v1/repository/acme/web", fake.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 204);
    assert!(answer.bytes().await.unwrap().is_empty());

    assert_unauthorized(&get_json(&fake, "/api/v1/repository/acme/web", TOKEN).await);
    assert_unauthorized(&get_json(&fake, "/api/v1/repository/acme/web/notification/", TOKEN).await);
    assert_eq!(fake.repository("acme", "web"), None);
    assert_eq!(fake.notification(&uuid), None);
    assert_eq!(listed(&fake, "acme").await, ["acme/api"]);
    assert!(fake
        .simulate_event("acme", "web", "repo_push")
        .await
        .is_err());

    // The name is free again, for a repository with no tags and no notifications.
    let made = create_repo(
        &fake,
        TOKEN,
        json!({"namespace": "acme", "repository": "web", "visibility": "private", "description": ""}),
    )
    .await;
    assert_eq!(made.0, 201);
    let (_, tags) = get_json(&fake, "/api/v1/repository/acme/web/tag/", TOKEN).await;
    assert_eq!(tags["tags"], json!([]));
    let (_, list) = get_json(&fake, "/api/v1/repository/acme/web/notification/", TOKEN).await;
    assert_eq!(list, json!({"notifications": []}));
}

#[tokio::test]
async fn ignored_repository_writes_answer_as_on_success_and_change_nothing() {
    let fake = seeded().await;
    fake.ignore_repository_writes(true);
    let body = json!({"namespace": "acme", "repository": "ghost", "visibility": "public",
        "description": "d"});
    assert_eq!(
        create_repo(&fake, TOKEN, body.clone()).await,
        (
            201,
            json!({"namespace": "acme", "name": "ghost", "kind": "image"})
        )
    );
    assert_eq!(fake.repository("acme", "ghost"), None);
    assert_unauthorized(&get_json(&fake, "/api/v1/repository/acme/ghost", TOKEN).await);
    // Refusals still come.
    assert_invalid(
        &create_repo(
            &fake,
            TOKEN,
            json!({"namespace": "acme", "repository": "web",
            "visibility": "public", "description": ""}),
        )
        .await,
        "Repository already exists",
    );
    let answer = call(
        &fake,
        reqwest::Method::POST,
        "/api/v1/repository/acme/web/changevisibility",
        Some(TOKEN),
        Some(json!({"visibility": "public"})),
    )
    .await;
    assert_eq!(answer, (200, json!({"success": true})));
    let answer = call(
        &fake,
        reqwest::Method::PUT,
        "/api/v1/repository/acme/web",
        Some(TOKEN),
        Some(json!({"description": "changed"})),
    )
    .await;
    assert_eq!(answer, (200, json!({"success": true})));
    let answer = call(
        &fake,
        reqwest::Method::DELETE,
        "/api/v1/repository/acme/web",
        Some(TOKEN),
        None,
    )
    .await;
    assert_eq!(answer, (204, Value::Null));
    let web = fake.repository("acme", "web").unwrap();
    assert_eq!(
        (&web["is_public"], &web["description"]),
        (&json!(false), &Value::Null)
    );
    assert_eq!(web["tags"].as_object().unwrap().len(), 2);

    // Over HTTP too, for the binary.
    let off = http()
        .post(format!(
            "{}/__fake/ignore-repository-writes?on=false",
            fake.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 204);
    assert_eq!(create_repo(&fake, TOKEN, body).await.0, 201);
    assert_eq!(
        fake.repository("acme", "ghost").unwrap()["description"],
        "d"
    );
}

#[tokio::test]
async fn faults_apply_to_the_repository_routes() {
    let fake = seeded().await;
    fake.inject(Fault::Status { status: 500 }, 1);
    let body = json!({"repository": "x", "visibility": "private", "description": ""});
    let answer = http()
        .post(format!("{}/api/v1/repository", fake.base_url()))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 500);
    assert_eq!(fake.repository("alice", "x"), None);
    assert_eq!(create_repo(&fake, TOKEN, body).await.0, 201);
    let recorded: Vec<_> = fake
        .requests()
        .into_iter()
        .map(|r| (r.method, r.path))
        .collect();
    assert_eq!(
        recorded,
        vec![("POST".to_owned(), "/api/v1/repository".to_owned()); 2]
    );
}
