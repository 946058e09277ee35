//! The fake DTR over real HTTP, with reqwest and with Wharf's own `DtrClient`: the 2.6 vs 2.7
//! answers, anonymous fallback, paging, the webhook routes, test delivery and faults.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Router;
use fakes::dtr::{DtrVersion, FakeDtr, DELIVERY_USER_AGENT, NEVER};
use fakes::Fault;
use registry::dtr::client::DtrClient;
use registry::dtr::{
    validate_create, validate_test, validate_update, DtrError, DtrWebhookDraft, DtrWebhookScope,
    DtrWebhookTestDraft, DtrWebhookType, DtrWebhookUpdate,
};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TOKEN: &str = "dtrTok-alice-0123456789";

async fn seeded(version: DtrVersion) -> FakeDtr {
    let fake = FakeDtr::start(version).await.unwrap();
    fake.add_user("alice", TOKEN, false);
    fake.add_user("bob", "dtrTok-bob", false);
    fake.add_user("root", "dtrTok-root", true);
    fake.add_org("payments", &["alice"], &["bob"]);
    fake.add_repo("payments", "api", false, &["v3", "v2", "v1"]);
    fake.add_repo("payments", "web", true, &["latest"]);
    fake.add_repo("alice", "scratch", false, &[]);
    fake
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn client(fake: &FakeDtr, user: &str, token: &str) -> DtrClient {
    DtrClient::new(fake.base_url(), user, token, None).unwrap()
}

type Hits = Arc<Mutex<Vec<(HeaderMap, Value)>>>;

/// A receiver on 127.0.0.2 answering `status`.
async fn receiver(status: StatusCode) -> (String, Hits) {
    async fn hook(
        State((hits, status)): State<(Hits, StatusCode)>,
        headers: HeaderMap,
        body: Bytes,
    ) -> StatusCode {
        let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
        hits.lock().unwrap().push((headers, body));
        status
    }
    let hits: Hits = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = Router::new()
        .fallback(hook)
        .with_state((hits.clone(), status));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{addr}/dtr"), hits)
}

fn draft(endpoint: &str) -> DtrWebhookDraft {
    DtrWebhookDraft {
        webhook_type: DtrWebhookType::TagPush,
        scope: DtrWebhookScope::Repository {
            namespace: "payments".into(),
            repository: "api".into(),
        },
        endpoint: endpoint.into(),
        tls_cert: String::new(),
        skip_tls_verification: true,
    }
}

fn form(endpoint: &str) -> Value {
    json!({"type": "TAG_PUSH", "key": "payments/api", "endpoint": endpoint,
        "tlsCert": "", "skipTLSVerification": true})
}

#[tokio::test]
async fn create_and_delete_answer_per_version() {
    for (version, create_status, delete_status) in
        [(DtrVersion::V2_6, 200, 200), (DtrVersion::V2_7, 201, 204)]
    {
        let fake = seeded(version).await;
        let base = fake.base_url();
        let created = http()
            .post(format!("{base}/api/v0/webhooks"))
            .basic_auth("alice", Some(TOKEN))
            .json(&form("http://127.0.0.2:9/x"))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), create_status, "{version:?}");
        let body: Value = created.json().await.unwrap();
        let webhook = match version {
            DtrVersion::V2_6 => {
                assert_eq!(body.as_array().unwrap().len(), 1);
                body[0].clone()
            }
            DtrVersion::V2_7 => body,
        };
        assert_eq!(webhook["id"].as_str().unwrap().len(), 64);
        assert_eq!(webhook["lastSuccessfulAt"], NEVER);
        let id = webhook["id"].as_str().unwrap();
        let delete = || {
            http()
                .delete(format!("{base}/api/v0/webhooks/{id}"))
                .basic_auth("alice", Some(TOKEN))
                .send()
        };
        assert_eq!(delete().await.unwrap().status(), delete_status);
        let again = delete().await.unwrap();
        assert_eq!(again.status(), 404);
        let body: Value = again.json().await.unwrap();
        assert_eq!(body["errors"][0]["code"], "NO_SUCH_WEBHOOK");

        // The real client copes with both.
        let client = client(&fake, "alice", TOKEN);
        let request = validate_create(&draft("http://127.0.0.2:9/y"), false).unwrap();
        let made = client.create_webhook(&request).await.unwrap();
        assert_eq!(made.endpoint, "http://127.0.0.2:9/y");
        client.delete_webhook(&made.id).await.unwrap();
        assert!(fake.webhooks().is_empty());
    }
}

#[tokio::test]
async fn bad_credentials_act_as_anonymous() {
    let fake = seeded(DtrVersion::V2_7).await;
    let base = fake.base_url();
    let repos: Value = http()
        .get(format!("{base}/api/v0/repositories"))
        .basic_auth("alice", Some("wrong"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = repos["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["web"]);
    let settings = http()
        .get(format!("{base}/api/v0/accounts/alice/settings"))
        .basic_auth("alice", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(settings.status(), 401);
    let body: Value = settings.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "NOT_AUTHENTICATED");
    let enzi = http()
        .get(format!("{base}/enzi/v0/accounts/alice"))
        .send()
        .await
        .unwrap();
    assert_eq!(enzi.status(), 302);

    assert!(matches!(
        client(&fake, "alice", "wrong").verify().await.unwrap_err(),
        DtrError::Unauthenticated { .. }
    ));
    assert_eq!(
        client(&fake, "alice", TOKEN).verify().await.unwrap().name,
        "alice"
    );
    let namespaces = client(&fake, "alice", TOKEN).namespaces().await.unwrap();
    let names: Vec<&str> = namespaces.iter().map(|n| n.name.as_str()).collect();
    assert!(
        names.contains(&"alice") && names.contains(&"payments"),
        "{names:?}"
    );

    let recorded = serde_json::to_string(&fake.requests()).unwrap();
    assert!(
        !recorded.contains(TOKEN) && !recorded.contains("wrong"),
        "{recorded}"
    );
}

#[tokio::test]
async fn lists_page_with_x_next_page_start() {
    let fake = seeded(DtrVersion::V2_7).await;
    for i in 0..4 {
        fake.add_repo("payments", &format!("r{i}"), false, &[]);
    }
    let base = fake.base_url();
    let first = http()
        .get(format!("{base}/api/v0/repositories/payments?pageSize=4"))
        .basic_auth("alice", Some(TOKEN))
        .send()
        .await
        .unwrap();
    let next = first.headers()["x-next-page-start"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["repositories"].as_array().unwrap().len(), 4);
    let last = http()
        .get(format!(
            "{base}/api/v0/repositories/payments?pageSize=4&pageStart={next}"
        ))
        .basic_auth("alice", Some(TOKEN))
        .send()
        .await
        .unwrap();
    assert!(last.headers().get("x-next-page-start").is_none());
    let body: Value = last.json().await.unwrap();
    assert_eq!(body["repositories"].as_array().unwrap().len(), 2);

    let client = client(&fake, "alice", TOKEN);
    assert_eq!(
        client.repositories(Some("payments")).await.unwrap().len(),
        6
    );
    assert_eq!(client.repositories(None).await.unwrap().len(), 7);
    let tags: Vec<String> = client
        .tags("payments", "api")
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(tags, ["v3", "v2", "v1"]);

    let missing = http()
        .get(format!("{base}/api/v0/repositories/nobody"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "NO_SUCH_ACCOUNT");
}

#[tokio::test]
async fn webhook_lists_are_per_repo_namespace_and_caller() {
    let fake = seeded(DtrVersion::V2_7).await;
    let alice = client(&fake, "alice", TOKEN);
    alice
        .create_webhook(&validate_create(&draft("https://hooks.example.net/a"), false).unwrap())
        .await
        .unwrap();
    let mut ns_draft = draft("https://hooks.example.net/ns");
    ns_draft.webhook_type = DtrWebhookType::RepoEvent;
    ns_draft.scope = DtrWebhookScope::Namespace {
        namespace: "payments".into(),
    };
    alice
        .create_webhook(&validate_create(&ns_draft, false).unwrap())
        .await
        .unwrap();

    assert_eq!(
        alice
            .repository_webhooks("payments", "api")
            .await
            .unwrap()
            .len(),
        1
    );
    let ns = alice.namespace_webhooks("payments").await.unwrap();
    assert_eq!(ns.len(), 1);
    assert_eq!(ns[0].webhook_type, DtrWebhookType::RepoEvent);
    assert_eq!(alice.webhooks().await.unwrap().len(), 2);
    // bob only reads the org: he sees none of his own and may not list the repo's.
    let bob = client(&fake, "bob", "dtrTok-bob");
    assert!(bob.webhooks().await.unwrap().is_empty());
    assert!(matches!(
        bob.repository_webhooks("payments", "api")
            .await
            .unwrap_err(),
        DtrError::Forbidden { .. }
    ));
    assert_eq!(
        client(&fake, "root", "dtrTok-root")
            .webhooks()
            .await
            .unwrap()
            .len(),
        2
    );

    // The documented namespace path reads as a repository named `webhooks`.
    let wrong = http()
        .get(format!(
            "{}/api/v0/repositories/payments/webhooks",
            fake.base_url()
        ))
        .basic_auth("alice", Some(TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 404);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "NO_SUCH_REPOSITORY");

    // bob may not create on a repo he only reads.
    let denied = http()
        .post(format!("{}/api/v0/webhooks", fake.base_url()))
        .basic_auth("bob", Some("dtrTok-bob"))
        .json(&form("https://hooks.example.net/b"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);
}

#[tokio::test]
async fn test_update_and_simulate_deliver_the_fixture_wrapper() {
    let fake = seeded(DtrVersion::V2_6).await;
    let (url, hits) = receiver(StatusCode::OK).await;
    let alice = client(&fake, "alice", TOKEN);
    let test = validate_test(&DtrWebhookTestDraft {
        webhook_type: DtrWebhookType::TagPush,
        endpoint: url.clone(),
        tls_cert: String::new(),
        skip_tls_verification: true,
    })
    .unwrap();
    alice.test_webhook(&test).await.unwrap();
    let expected: Value =
        serde_json::from_str(include_str!("../../../fixtures/dtr/TAG_PUSH.json")).unwrap();
    {
        let hits = hits.lock().unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].1, expected);
        assert_eq!(hits[0].0["content-type"], "application/json");
        assert_eq!(hits[0].0["user-agent"], DELIVERY_USER_AGENT);
    }

    let webhook = alice
        .create_webhook(&validate_create(&draft(&url), false).unwrap())
        .await
        .unwrap();
    let sent = fake
        .simulate_event("payments", "api", "TAG_PUSH")
        .await
        .unwrap();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].succeeded());
    let body = hits.lock().unwrap()[1].1.clone();
    assert_eq!(body["contents"]["namespace"], "payments");
    assert_eq!(body["contents"]["repository"], "api");
    assert_eq!(body["contents"]["tag"], expected["contents"]["tag"]);
    assert!(fake.webhooks()[0]["lastSuccessfulAt"] != NEVER);
    // Other repositories and types do not fire it.
    assert!(fake
        .simulate_event("payments", "web", "TAG_PUSH")
        .await
        .unwrap()
        .is_empty());
    assert!(fake
        .simulate_event("payments", "api", "TAG_DELETE")
        .await
        .unwrap()
        .is_empty());

    // Paused through update (which answers an array), it stays quiet.
    let mut update = DtrWebhookUpdate::from_webhook(&webhook);
    update.inactive = true;
    let updated = alice
        .update_webhook(&validate_update(&update, &webhook.endpoint).unwrap())
        .await
        .unwrap();
    assert!(updated.inactive);
    assert!(fake
        .simulate_event("payments", "api", "TAG_PUSH")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(hits.lock().unwrap().len(), 2);

    // A failing receiver is recorded as a failed delivery.
    let (bad_url, _) = receiver(StatusCode::INTERNAL_SERVER_ERROR).await;
    alice
        .create_webhook(&validate_create(&draft(&bad_url), false).unwrap())
        .await
        .unwrap();
    let sent = fake
        .simulate_event("payments", "api", "TAG_PUSH")
        .await
        .unwrap();
    assert_eq!(sent[0].status, Some(500));
    assert!(!sent[0].succeeded());
}

#[tokio::test]
async fn injected_faults_are_observable() {
    let fake = seeded(DtrVersion::V2_7).await;
    let alice = client(&fake, "alice", TOKEN);
    fake.inject(Fault::Status { status: 500 }, 1);
    assert!(matches!(
        alice.repositories(None).await.unwrap_err(),
        DtrError::Server { .. }
    ));
    fake.inject(Fault::TruncatedJson, 1);
    assert!(matches!(
        alice.repositories(None).await.unwrap_err(),
        DtrError::Decode { .. }
    ));
    let url = format!("{}/api/v0/repositories", fake.base_url());
    fake.inject(Fault::WrongContentType, 1);
    let answer = http().get(&url).send().await.unwrap();
    assert!(answer.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    fake.inject(Fault::Hang, 1);
    let hung = http()
        .get(&url)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(hung.unwrap_err().is_timeout());
    fake.set_latency(Duration::from_millis(200));
    let started = std::time::Instant::now();
    assert_eq!(http().get(&url).send().await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn the_binary_prints_its_base_url_and_serves_the_demo_seed() {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fake-dtr"))
        .args([
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--version",
            "2.6",
            "--token",
            "bin-token",
        ])
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
        let base = line.trim().to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{base}");
        let client = DtrClient::new(&base, "alice", "bin-token", None).unwrap();
        assert_eq!(client.verify().await.unwrap().name, "alice");
        let created = http()
            .post(format!("{base}/api/v0/webhooks"))
            .basic_auth("alice", Some("bin-token"))
            .json(&form("https://hooks.example.net/x"))
            .send()
            .await
            .unwrap();
        (
            client.repositories(None).await.unwrap().len(),
            created.status(),
        )
    };
    let outcome = tokio::time::timeout(Duration::from_secs(30), result).await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(outcome.unwrap(), (2, reqwest::StatusCode::OK));
}
