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

const BOB: (&str, &str) = ("bob", "dtrTok-bob");
const ALICE: (&str, &str) = ("alice", TOKEN);
const ROOT: (&str, &str) = ("root", "dtrTok-root");

/// Sends `method` with optional basic auth and a raw body; the status and the body as JSON
/// (`null` when empty).
async fn send(
    fake: &FakeDtr,
    method: reqwest::Method,
    path: &str,
    auth: Option<(&str, &str)>,
    body: Option<String>,
) -> (u16, Value) {
    let mut request = http().request(method, format!("{}{path}", fake.base_url()));
    if let Some((user, token)) = auth {
        request = request.basic_auth(user, Some(token));
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
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

async fn create_in(
    fake: &FakeDtr,
    namespace: &str,
    auth: Option<(&str, &str)>,
    form: Value,
) -> (u16, Value) {
    send(
        fake,
        reqwest::Method::POST,
        &format!("/api/v0/repositories/{namespace}"),
        auth,
        Some(form.to_string()),
    )
    .await
}

async fn patch(
    fake: &FakeDtr,
    repo: &str,
    auth: Option<(&str, &str)>,
    form: Value,
) -> (u16, Value) {
    send(
        fake,
        reqwest::Method::PATCH,
        &format!("/api/v0/repositories/{repo}"),
        auth,
        Some(form.to_string()),
    )
    .await
}

async fn delete_repo(fake: &FakeDtr, repo: &str, auth: Option<(&str, &str)>) -> (u16, Value) {
    send(
        fake,
        reqwest::Method::DELETE,
        &format!("/api/v0/repositories/{repo}"),
        auth,
        None,
    )
    .await
}

async fn get(fake: &FakeDtr, path: &str, auth: Option<(&str, &str)>) -> (u16, Value) {
    send(fake, reqwest::Method::GET, path, auth, None).await
}

/// The error's status, code and message, and its detail (`null` when none).
fn error_of(answer: &(u16, Value)) -> (u16, &str, &str, &Value) {
    let error = &answer.1["errors"][0];
    (
        answer.0,
        error["code"]
            .as_str()
            .unwrap_or_else(|| panic!("{}", answer.1)),
        error["message"].as_str().unwrap(),
        &error["detail"],
    )
}

fn code_of(answer: &(u16, Value)) -> (u16, &str) {
    let (status, code, _, _) = error_of(answer);
    (status, code)
}

/// The names `GET /repositories/{ns}` lists to alice, and whether any carries
/// `longDescription`.
async fn names_in(fake: &FakeDtr, namespace: &str) -> (Vec<String>, bool) {
    let (status, body) = get(
        fake,
        &format!("/api/v0/repositories/{namespace}?pageSize=100"),
        Some(ALICE),
    )
    .await;
    assert_eq!(status, 200);
    let list = body["repositories"].as_array().unwrap();
    (
        list.iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect(),
        list.iter().any(|r| r.get("longDescription").is_some()),
    )
}

#[tokio::test]
async fn a_created_repository_answers_201_with_the_repository() {
    for version in [DtrVersion::V2_6, DtrVersion::V2_7] {
        let fake = seeded(version).await;
        let made = create_in(
            &fake,
            "payments",
            Some(ALICE),
            json!({"name": "billing", "visibility": "public", "shortDescription": "Billing",
                "longDescription": "# Billing", "scanOnPush": true, "immutableTags": true,
                "enableManifestLists": true, "tagLimit": 5, "unknown": 1}),
        )
        .await;
        assert_eq!(made.0, 201, "{version:?}: {}", made.1);
        let mut expected = made.1.clone();
        assert!(expected["id"].as_str().is_some_and(|id| !id.is_empty()));
        expected["id"] = json!("ID");
        assert_eq!(
            expected,
            json!({"id": "ID", "namespace": "payments", "namespaceType": "organization",
                "name": "billing", "shortDescription": "Billing", "longDescription": "# Billing",
                "visibility": "public", "scanOnPush": true, "immutableTags": true,
                "enableManifestLists": true, "pulls": 0, "pushes": 0, "tagLimit": 5})
        );
        let (status, single) = get(&fake, "/api/v0/repositories/payments/billing", None).await;
        assert_eq!((status, &single), (200, &made.1));
        assert_eq!(fake.repository("payments", "billing"), Some(made.1.clone()));
        // Lists leave the long description out.
        let (names, long) = names_in(&fake, "payments").await;
        assert_eq!(names, ["api", "web", "billing"]);
        assert!(!long);
        let tags = http()
            .get(format!(
                "{}/api/v0/repositories/payments/billing/tags",
                fake.base_url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(tags.status(), 200);
        assert!(tags.headers().get("x-next-page-start").is_none());
        assert_eq!(tags.json::<Value>().await.unwrap(), json!([]));

        // In one's own namespace; no visibility (or an empty one) means private, as in DTR.
        for (name, form) in [
            ("notes", json!({"name": "notes"})),
            ("drafts", json!({"name": "drafts", "visibility": ""})),
        ] {
            let made = create_in(&fake, "alice", Some(ALICE), form).await;
            assert_eq!(made.0, 201);
            assert_eq!(made.1["visibility"], "private");
            assert_eq!(made.1["namespaceType"], "user");
            assert_eq!(made.1["longDescription"], "");
            assert_eq!(made.1["tagLimit"], 0);
            assert_eq!(made.1["name"], name);
        }
        // A DTR admin creates anywhere.
        assert_eq!(
            create_in(&fake, "payments", Some(ROOT), json!({"name": "ops"}))
                .await
                .0,
            201
        );
        // The real client lists them.
        let listed = client(&fake, "alice", TOKEN)
            .repositories(Some("alice"))
            .await
            .unwrap();
        assert_eq!(listed.len(), 3);
    }
}

#[tokio::test]
async fn repository_create_fails_with_dtrs_codes() {
    let fake = seeded(DtrVersion::V2_7).await;
    let form = |name: &str| json!({"name": name, "visibility": "private"});

    let anonymous = create_in(&fake, "payments", None, form("x")).await;
    assert_eq!(
        error_of(&anonymous),
        (
            401,
            "NOT_AUTHENTICATED",
            "The client is not authenticated.",
            &Value::Null
        )
    );
    // A failed login is anonymous.
    let wrong = create_in(&fake, "payments", Some(("alice", "wrong")), form("x")).await;
    assert_eq!(code_of(&wrong), (401, "NOT_AUTHENTICATED"));
    assert_eq!(
        code_of(&create_in(&fake, "nope", None, form("x")).await),
        (401, "NOT_AUTHENTICATED")
    );
    let unknown = create_in(&fake, "nope", Some(ALICE), form("x")).await;
    assert_eq!(
        error_of(&unknown),
        (
            404,
            "NO_SUCH_ACCOUNT",
            "An account with the given name does not exist.",
            &json!("Account name: \"nope\".")
        )
    );
    // A member of the organization, someone else's namespace: not an admin.
    for namespace in ["payments", "alice"] {
        let answer = create_in(&fake, namespace, Some(BOB), form("x")).await;
        assert_eq!(
            error_of(&answer),
            (
                403,
                "NOT_AUTHORIZED",
                "The client is not authorized.",
                &Value::Null
            )
        );
    }
    // The role is checked before the body.
    assert_eq!(
        code_of(
            &send(
                &fake,
                reqwest::Method::POST,
                "/api/v0/repositories/payments",
                Some(BOB),
                Some("{".into())
            )
            .await
        ),
        (403, "NOT_AUTHORIZED")
    );

    let raw = |body: &str| {
        send(
            &fake,
            reqwest::Method::POST,
            "/api/v0/repositories/payments",
            Some(ALICE),
            Some(body.to_owned()),
        )
    };
    for (body, detail) in [
        ("{nope", None),
        ("", Some("EOF")),
        ("[]", Some("json: cannot unmarshal array into Go value of type forms.CreateRepo")),
        (r#"{"name": 5}"#,
            Some("json: cannot unmarshal number into Go struct field CreateRepo.name of type string")),
        (r#"{"name": "x", "scanOnPush": "yes"}"#,
            Some("json: cannot unmarshal string into Go struct field CreateRepo.scanOnPush of type bool")),
        (r#"{"name": "x", "tagLimit": -1}"#,
            Some("json: cannot unmarshal number -1 into Go struct field CreateRepo.tagLimit of type uint")),
    ] {
        let answer = raw(body).await;
        let (status, code, _, got) = error_of(&answer);
        assert_eq!((status, code), (400, "INVALID_JSON"), "{body}");
        if let Some(detail) = detail {
            assert_eq!(got, detail, "{body}");
        }
    }

    let too_long = "a".repeat(247);
    for name in [
        "",
        "Api",
        "-api",
        "api-",
        "a..b",
        "a/b",
        "a b",
        too_long.as_str(),
    ] {
        let answer = create_in(&fake, "payments", Some(ALICE), form(name)).await;
        assert_eq!(
            error_of(&answer),
            (
                400,
                "INVALID_REPOSITORY_NAME",
                "The given repository name is either too long or contains illegal characters.",
                &Value::Null
            ),
            "{name:?}"
        );
    }
    // A missing name is an empty one.
    let nameless = create_in(
        &fake,
        "payments",
        Some(ALICE),
        json!({"visibility": "public"}),
    )
    .await;
    assert_eq!(code_of(&nameless), (400, "INVALID_REPOSITORY_NAME"));
    // `payments/` and 246 characters make 255, the longest.
    assert_eq!(
        create_in(&fake, "payments", Some(ALICE), form(&"a".repeat(246)))
            .await
            .0,
        201
    );

    for visibility in ["internal", "Public", "PRIVATE"] {
        let answer = create_in(
            &fake,
            "payments",
            Some(ALICE),
            json!({"name": "x", "visibility": visibility}),
        )
        .await;
        assert_eq!(
            error_of(&answer),
            (
                400,
                "INVALID_REPOSITORY_VISIBILITY",
                "The visibility value of the repository is invalid.",
                &Value::Null
            ),
            "{visibility}"
        );
    }

    // 140 bytes at most, as Go counts them: 47 three-byte characters are 141.
    for short in ["x".repeat(141), "倉".repeat(47)] {
        let answer = create_in(
            &fake,
            "payments",
            Some(ALICE),
            json!({"name": "x", "shortDescription": short}),
        )
        .await;
        assert_eq!(
            error_of(&answer),
            (
                400,
                "INVALID_REPOSITORY_SHORT_DESCRIPTION",
                "The short description of the repository is invalid.",
                &json!("The maximum length is 140")
            )
        );
    }
    let answer = create_in(
        &fake,
        "payments",
        Some(ALICE),
        json!({"name": "x140", "shortDescription": "x".repeat(140)}),
    )
    .await;
    assert_eq!(answer.0, 201);

    // DTR's order: name, short description, visibility, then whether it is taken.
    let answer = create_in(
        &fake,
        "payments",
        Some(ALICE),
        json!({"name": "Bad", "shortDescription": "x".repeat(141), "visibility": "no"}),
    )
    .await;
    assert_eq!(code_of(&answer), (400, "INVALID_REPOSITORY_NAME"));
    let answer = create_in(
        &fake,
        "payments",
        Some(ALICE),
        json!({"name": "api", "shortDescription": "x".repeat(141), "visibility": "no"}),
    )
    .await;
    assert_eq!(
        code_of(&answer),
        (400, "INVALID_REPOSITORY_SHORT_DESCRIPTION")
    );
    let answer = create_in(
        &fake,
        "payments",
        Some(ALICE),
        json!({"name": "api", "visibility": "no"}),
    )
    .await;
    assert_eq!(code_of(&answer), (400, "INVALID_REPOSITORY_VISIBILITY"));
    let taken = create_in(&fake, "payments", Some(ALICE), form("api")).await;
    assert_eq!(
        error_of(&taken),
        (
            400,
            "REPOSITORY_EXISTS",
            "A repository with the same name already exists.",
            &Value::Null
        )
    );
    // Nothing refused was made.
    let (names, _) = names_in(&fake, "payments").await;
    assert_eq!(names.len(), 4, "{names:?}");
}

#[tokio::test]
async fn a_patched_repository_reads_back() {
    let fake = seeded(DtrVersion::V2_7).await;
    let answer = patch(
        &fake,
        "payments/api",
        Some(ALICE),
        json!({"visibility": "public", "shortDescription": "Payments API",
            "longDescription": "Long", "name": "renamed", "scanOnPush": true, "tagLimit": 10}),
    )
    .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["name"], "api");
    assert_eq!(answer.1["pushes"], 3);
    let (status, single) = get(&fake, "/api/v0/repositories/payments/api", None).await;
    assert_eq!((status, &single), (200, &answer.1));
    assert_eq!(
        (
            &single["visibility"],
            &single["shortDescription"],
            &single["longDescription"],
            &single["scanOnPush"],
            &single["immutableTags"],
            &single["tagLimit"]
        ),
        (
            &json!("public"),
            &json!("Payments API"),
            &json!("Long"),
            &json!(true),
            &json!(false),
            &json!(10)
        )
    );
    assert_eq!(
        get(&fake, "/api/v0/repositories/payments/renamed", Some(ALICE))
            .await
            .0,
        404
    );
    // Fields left out stay; `null` is left out.
    let answer = patch(
        &fake,
        "payments/api",
        Some(ALICE),
        json!({"immutableTags": true, "shortDescription": null}),
    )
    .await;
    assert_eq!(answer.0, 200);
    assert_eq!(
        (
            &answer.1["shortDescription"],
            &answer.1["immutableTags"],
            &answer.1["visibility"]
        ),
        (&json!("Payments API"), &json!(true), &json!("public"))
    );
    assert_eq!(
        patch(&fake, "payments/api", Some(ALICE), json!({})).await.1,
        answer.1
    );

    assert_eq!(
        code_of(&patch(&fake, "payments/api", None, json!({})).await),
        (401, "NOT_AUTHENTICATED")
    );
    assert_eq!(
        code_of(&patch(&fake, "nope/api", Some(ALICE), json!({})).await),
        (404, "NO_SUCH_ACCOUNT")
    );
    let missing = patch(&fake, "payments/nope", Some(ALICE), json!({})).await;
    assert_eq!(
        error_of(&missing),
        (
            404,
            "NO_SUCH_REPOSITORY",
            "A repository with the given name does not exist.",
            &json!("Repository name: \"payments/nope\".")
        )
    );
    // Bob reads payments' repositories but administers none; alice's private one he cannot see.
    assert_eq!(
        code_of(&patch(&fake, "payments/web", Some(BOB), json!({})).await),
        (403, "NOT_AUTHORIZED")
    );
    assert_eq!(
        code_of(&patch(&fake, "alice/scratch", Some(BOB), json!({})).await),
        (404, "NO_SUCH_REPOSITORY")
    );

    // Checked like a create, and a refused update changes nothing.
    let before = fake.repository("payments", "api").unwrap();
    for (form, code) in [
        (json!({"visibility": ""}), "INVALID_REPOSITORY_VISIBILITY"),
        (
            json!({"shortDescription": "ok", "visibility": "everyone"}),
            "INVALID_REPOSITORY_VISIBILITY",
        ),
        (
            json!({"shortDescription": "x".repeat(141)}),
            "INVALID_REPOSITORY_SHORT_DESCRIPTION",
        ),
        (json!({"scanOnPush": "yes"}), "INVALID_JSON"),
    ] {
        let answer = patch(&fake, "payments/api", Some(ALICE), form.clone()).await;
        assert_eq!(code_of(&answer), (400, code), "{form}");
    }
    let answer = patch(&fake, "payments/api", Some(ALICE), json!({"scanOnPush": 1})).await;
    assert_eq!(
        error_of(&answer).3,
        "json: cannot unmarshal number into Go struct field UpdateRepo.scanOnPush of type bool"
    );
    assert_eq!(fake.repository("payments", "api").unwrap(), before);
}

#[tokio::test]
async fn a_deleted_repository_goes_with_its_tags_and_webhooks() {
    for version in [DtrVersion::V2_6, DtrVersion::V2_7] {
        let fake = seeded(version).await;
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
        assert_eq!(fake.webhooks().len(), 2);

        assert_eq!(
            code_of(&delete_repo(&fake, "payments/api", None).await),
            (401, "NOT_AUTHENTICATED")
        );
        assert_eq!(
            code_of(&delete_repo(&fake, "nope/api", Some(ALICE)).await),
            (404, "NO_SUCH_ACCOUNT")
        );
        assert_eq!(
            code_of(&delete_repo(&fake, "payments/web", Some(BOB)).await),
            (403, "NOT_AUTHORIZED")
        );
        assert!(fake.repository("payments", "web").is_some());

        assert_eq!(
            delete_repo(&fake, "payments/api", Some(ALICE)).await,
            (204, Value::Null),
            "{version:?}"
        );
        assert_eq!(fake.repository("payments", "api"), None);
        for path in [
            "/api/v0/repositories/payments/api",
            "/api/v0/repositories/payments/api/tags",
        ] {
            assert_eq!(
                code_of(&get(&fake, path, Some(ALICE)).await),
                (404, "NO_SUCH_REPOSITORY")
            );
        }
        assert_eq!(names_in(&fake, "payments").await.0, ["web"]);
        let keys: Vec<Value> = fake.webhooks().iter().map(|w| w["key"].clone()).collect();
        assert_eq!(keys, [json!("payments")]);

        // A repository that is not there: 204 all the same.
        assert_eq!(
            delete_repo(&fake, "payments/api", Some(ALICE)).await,
            (204, Value::Null)
        );
        assert_eq!(
            delete_repo(&fake, "alice/never", Some(ALICE)).await,
            (204, Value::Null)
        );

        // Made again, it has no tags.
        let made = create_in(&fake, "payments", Some(ALICE), json!({"name": "api"})).await;
        assert_eq!((made.0, &made.1["pushes"]), (201, &json!(0)));
        assert_eq!(
            get(&fake, "/api/v0/repositories/payments/api/tags", Some(ALICE)).await,
            (200, json!([]))
        );
    }
}

#[tokio::test]
async fn ignored_repository_writes_answer_as_on_success_and_change_nothing() {
    let fake = seeded(DtrVersion::V2_7).await;
    fake.ignore_repository_writes(true);
    let made = create_in(
        &fake,
        "payments",
        Some(ALICE),
        json!({"name": "ghost", "visibility": "public"}),
    )
    .await;
    assert_eq!(
        (made.0, &made.1["name"], &made.1["visibility"]),
        (201, &json!("ghost"), &json!("public"))
    );
    assert_eq!(fake.repository("payments", "ghost"), None);
    assert_eq!(
        code_of(&get(&fake, "/api/v0/repositories/payments/ghost", Some(ALICE)).await),
        (404, "NO_SUCH_REPOSITORY")
    );
    // Refusals still come.
    assert_eq!(
        code_of(&create_in(&fake, "payments", Some(ALICE), json!({"name": "api"})).await),
        (400, "REPOSITORY_EXISTS")
    );

    let before = fake.repository("payments", "api").unwrap();
    let answer = patch(
        &fake,
        "payments/api",
        Some(ALICE),
        json!({"visibility": "public"}),
    )
    .await;
    assert_eq!((answer.0, &answer.1["visibility"]), (200, &json!("public")));
    assert_eq!(
        delete_repo(&fake, "payments/api", Some(ALICE)).await,
        (204, Value::Null)
    );
    assert_eq!(fake.repository("payments", "api"), Some(before));

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
    assert_eq!(delete_repo(&fake, "payments/api", Some(ALICE)).await.0, 204);
    assert_eq!(fake.repository("payments", "api"), None);
}
