//! What a registry admin does, in the real window: connect to a (fake) Quay or DTR with the
//! token going to the real gnome-keyring, browse to a repository, create a notification or
//! webhook that points at Wharf's own receiver, press Test, see the delivery arrive in the row,
//! in the inbox and as a dunst toast, then delete it. Finally no token is in any file.
//! Run through `tests/e2e/run.sh` (`make e2e`), which binds the receiver to 127.0.0.2.

use std::path::PathBuf;
use std::time::Duration;

use e2e::webdriver::Session;
use fakes::dtr::{DtrVersion, FakeDtr};
use fakes::quay::{FakeQuay, Scope};

pub(crate) const WAIT: Duration = Duration::from_secs(20);
const QUAY_TOKEN: &str = "qTok-E2E-Secret-4d1c9a7e";
const DTR_TOKEN: &str = "dtrTok-E2E-Secret-8b2f0c55";

pub(crate) fn shot(name: &str) -> PathBuf {
    e2e::screenshot_path(name)
}

pub(crate) async fn nav(session: &Session, view: &str) {
    let button = session.find(&format!("#nav-{view}"), WAIT).await;
    session.click(&button).await;
}

pub(crate) async fn fill(session: &Session, testid: &str, text: &str) {
    let field = session.find(&format!("[data-testid={testid}]"), WAIT).await;
    session.type_text(&field, text).await;
}

pub(crate) async fn click(session: &Session, testid: &str) {
    let button = session.find(&format!("[data-testid={testid}]"), WAIT).await;
    session.click(&button).await;
}

/// Waits for the screen titled `title` and checks that keyboard focus is on its heading (so
/// Tab goes on from the screen, not from the sidebar).
pub(crate) async fn assert_heading_focused(session: &Session, title: &str) {
    session.wait_text("main h1", WAIT, |t| t == title).await;
    let focused = session
        .execute(
            "return document.activeElement.tagName + ' ' + document.activeElement.textContent;",
            vec![],
        )
        .await;
    assert_eq!(focused, format!("H1 {title}"));
}

/// Clicks the button `testid` inside `row`, once it is there (parts of a row, such as a route's
/// answer, appear when their own lookup returns).
pub(crate) async fn click_in(session: &Session, row: &e2e::webdriver::Element, testid: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    let button = loop {
        if let Some(button) = session
            .find_in(row, &format!("[data-testid={testid}]"))
            .await
        {
            break button;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {testid} in the row"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    session.click(&button).await;
}

/// Presses the row's Test button and returns the row's "delivered in …" line once the
/// delivery has reached Wharf.
async fn test_and_wait(session: &Session, row: &e2e::webdriver::Element, testid: &str) -> String {
    click_in(session, row, testid).await;
    session
        .wait_text("[data-testid=delivery-arrived]", WAIT, |t| {
            t.contains("delivered in")
        })
        .await
}

/// The value of the field `testid` once something (Send to Wharf) has filled it.
async fn filled_value(session: &Session, testid: &str) -> String {
    let css = format!("[data-testid={testid}]");
    let field = session.find(&css, WAIT).await;
    session
        .wait_true(
            "return (document.querySelector(arguments[0])?.value ?? '') !== '';",
            vec![css.into()],
            WAIT,
            &format!("{testid} filled"),
        )
        .await;
    session.value(&field).await
}

/// Adds a connection through the form and verifies it; returns when "Signed in as" shows.
pub(crate) async fn add_connection(
    session: &Session,
    name: &str,
    kind: &str,
    url: &str,
    username: Option<&str>,
    token: &str,
) {
    nav(session, "connections").await;
    click(session, "connection-add").await;
    fill(session, "connection-name", name).await;
    session
        .select("[data-testid=connection-kind]", kind, WAIT)
        .await;
    fill(session, "connection-url", url).await;
    if let Some(user) = username {
        fill(session, "connection-username", user).await;
    }
    fill(session, "connection-token", token).await;
    click(session, "connection-save").await;
    let row = session
        .find_containing("[data-testid=connection-row]", name, WAIT)
        .await;
    click_in(session, &row, "connection-verify").await;
    // This row's result: rows other tests left behind have their own.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        if let Some(result) = session
            .find_in(&row, "[data-testid=connection-verify-result]")
            .await
        {
            if session.text(&result).await.contains("alice") {
                return;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{name} was not verified as alice"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn remove_connection(session: &Session, name: &str) {
    nav(session, "connections").await;
    let row = session
        .find_containing("[data-testid=connection-row]", name, WAIT)
        .await;
    click_in(session, &row, "connection-remove").await;
    click(session, "connection-remove-confirm").await;
    for _ in 0..100 {
        if !session
            .has_containing("[data-testid=connection-row]", name)
            .await
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("connection {name} still listed after Remove");
}

/// Opens `namespace/name` on the Repositories screen for the connection called `connection`.
pub(crate) async fn open_repository(
    session: &Session,
    connection: &str,
    namespace: &str,
    name: &str,
) {
    nav(session, "repositories").await;
    let option = session
        .find_containing("[data-testid=repo-connection] option", connection, WAIT)
        .await;
    session.click(&option).await;
    let ns = session
        .find_containing("[data-testid=namespace-item]", namespace, WAIT)
        .await;
    session.click(&ns).await;
    let repo = session
        .find_containing(
            "[data-testid=repo-row]",
            &format!("{namespace}/{name}"),
            WAIT,
        )
        .await;
    session.click(&repo).await;
    repository_shown(session).await;
}

/// Waits until the opened repository is loaded (or why it is not is shown): its settings show
/// the repository as listed, read-only, until then.
pub(crate) async fn repository_shown(session: &Session) {
    session
        .find(
            "[data-testid=repo-settings][aria-busy=false], [data-testid=repo-detail-error]",
            WAIT,
        )
        .await;
}

/// A fake Quay where alice (`token`, every scope) administers the organization acme, which has
/// `repos`.
pub(crate) async fn acme_quay(token: &str, repos: &[&str]) -> FakeQuay {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(token, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    for repo in repos {
        fake.add_repo("acme", repo, false);
    }
    fake
}

/// Calls the fake Quay's API with `token`, as a script would; the answer's JSON (null if none).
pub(crate) async fn fake_quay_api(
    fake: &FakeQuay,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}/api/v1{path}", fake.base_url()))
        .bearer_auth(token)
        .header("X-Requested-With", "XMLHttpRequest");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.unwrap();
    answer.json().await.unwrap_or(serde_json::Value::Null)
}

/// The notifications of `acme/{repo}` on the fake Quay.
pub(crate) async fn acme_notifications(
    fake: &FakeQuay,
    token: &str,
    repo: &str,
) -> Vec<serde_json::Value> {
    let answer = fake_quay_api(
        fake,
        token,
        reqwest::Method::GET,
        &format!("/repository/acme/{repo}/notification/"),
        None,
    )
    .await;
    answer["notifications"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no notification list for acme/{repo}: {answer}"))
}

/// Every file of the run: the app's XDG config, data and cache folders and the logs of the app,
/// tauri-driver and dunst, read as bytes.
fn app_files() -> Vec<(PathBuf, Vec<u8>)> {
    let work = PathBuf::from(std::env::var("WHARF_E2E_WORK").expect("set by run.sh"));
    let mut out = Vec::new();
    let mut stack = vec![work];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // The keyring's own file is where the token belongs; it is encrypted.
            if path.ends_with("keyrings") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if path.is_file() {
                // Sockets and pipes of the session (bus, keyring) are not files to read.
                if let Ok(bytes) = std::fs::read(&path) {
                    out.push((path, bytes));
                }
            }
        }
    }
    out
}

fn assert_no_file_holds(secret: &str) {
    let files = app_files();
    for expected in ["connections.json", "inbox.sqlite3", "tauri-driver.log"] {
        assert!(
            files.iter().any(|(p, _)| p.ends_with(expected)),
            "{expected} was read: {:?}",
            files.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
    }
    for (path, bytes) in files {
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the token is in {}",
            path.display()
        );
    }
}

fn keyring_holds(secret: &str) -> bool {
    let out = std::process::Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "--unlock",
            "service",
            "dev.wharf.desktop",
        ])
        .output()
        .expect("secret-tool runs");
    String::from_utf8_lossy(&out.stdout).contains(secret)
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn quay_build_failure_notification_sent_to_wharf_arrives_and_is_deleted() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.add_repo("acme", "payments", false);
    fake.add_repo("acme", "billing", false);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;

    add_connection(
        &session,
        "Fake Quay",
        "quay",
        fake.base_url(),
        None,
        QUAY_TOKEN,
    )
    .await;
    assert!(keyring_holds(QUAY_TOKEN), "the token went to gnome-keyring");
    assert_no_file_holds(QUAY_TOKEN);
    session.screenshot(&shot("connections")).await;

    open_repository(&session, "Fake Quay", "acme", "payments").await;
    session
        .find("[data-testid=notifications-panel]", WAIT)
        .await;
    click(&session, "notification-create").await;
    fill(&session, "notification-title", "CI failures").await;
    session
        .select("[data-testid=notification-event]", "build_failure", WAIT)
        .await;
    session
        .select("[data-testid=notification-method]", "webhook", WAIT)
        .await;
    click(&session, "send-to-wharf").await;
    let url = filled_value(&session, "notification-url").await;
    assert!(
        url.starts_with("http://127.0.0.2:"),
        "receiver route URL: {url}"
    );
    session.screenshot(&shot("notification-form")).await;
    click(&session, "notification-submit").await;
    let row = session
        .find_containing("[data-testid=notification-row]", "CI failures", WAIT)
        .await;

    let arrived = test_and_wait(&session, &row, "notification-test").await;
    assert!(
        arrived.contains("build some-fake-build failed on acme/payments"),
        "{arrived}"
    );
    assert!(arrived.contains("build_failure"), "{arrived}");
    session.screenshot(&shot("notifications")).await;
    assert!(
        e2e::toasts_mentioning("acme/payments") >= 1,
        "dunst got a toast for the delivery"
    );

    // The Test result opens its delivery in the Inbox.
    click_in(&session, &row, "delivery-open").await;
    session.wait_text("main h1", WAIT, |t| t == "Inbox").await;
    let detail = session
        .wait_text("[data-testid=inbox-detail]", WAIT, |t| {
            t.contains("build some-fake-build failed on acme/payments")
        })
        .await;
    assert!(detail.contains("build_failure"), "{detail}");
    open_repository(&session, "Fake Quay", "acme", "payments").await;
    let row = session
        .find_containing("[data-testid=notification-row]", "CI failures", WAIT)
        .await;

    // Apply to…: the new notification onto the namespace's other repository, with a plan.
    click_in(&session, &row, "notification-apply").await;
    let billing = session
        .find(
            "[data-testid=copy-target][data-target=\"acme/billing\"]",
            WAIT,
        )
        .await;
    session.click(&billing).await;
    click(&session, "copy-plan").await;
    session
        .wait_text("[data-testid=plan-counts]", WAIT, |t| {
            t.starts_with("1 to create")
        })
        .await;
    click(&session, "plan-apply").await;
    session
        .find("[data-testid=plan-line][data-result=ok]", WAIT)
        .await;
    let on_billing = acme_notifications(&fake, QUAY_TOKEN, "billing").await;
    assert_eq!(on_billing[0]["event"], "build_failure");
    click(&session, "plan-close").await;

    click_in(&session, &row, "notification-delete").await;
    click(&session, "notification-delete-confirm").await;
    session
        .find("[data-testid=notifications-empty]", WAIT)
        .await;
    let left = acme_notifications(&fake, QUAY_TOKEN, "payments").await;
    assert_eq!(left, Vec::<serde_json::Value>::new(), "gone from the fake");

    // Ctrl+K, type the repository, Enter: the palette opens it again from another screen.
    nav(&session, "connections").await;
    session
        .execute(
            "window.dispatchEvent(new KeyboardEvent('keydown', {key: 'k', ctrlKey: true, bubbles: true}));",
            vec![],
        )
        .await;
    let palette = session.find("[data-testid=palette-input]", WAIT).await;
    session.type_text(&palette, "acme/payments").await;
    session
        .find_containing("[data-testid=palette-item]", "acme/payments", WAIT)
        .await;
    session.press(&palette, "\u{E007}").await;
    session
        .wait_text("[data-testid=repo-panel-name]", WAIT, |t| {
            t.contains("acme/payments")
        })
        .await;

    nav(&session, "inbox").await;
    let list = session
        .wait_text("#inbox-list", WAIT, |t| t.contains("acme/payments"))
        .await;
    assert!(list.contains("build some-fake-build failed"), "{list}");
    session.screenshot(&shot("inbox")).await;

    remove_connection(&session, "Fake Quay").await;
    assert!(
        !keyring_holds(QUAY_TOKEN),
        "Remove deleted the token from the keyring"
    );
    assert_no_file_holds(QUAY_TOKEN);
    session.quit().await;
}

/// Creates a webhook of `webhook_type` in the open webhooks panel, tests it and deletes it.
async fn webhook_round_trip(session: &Session, webhook_type: &str, expect_summary: &str) {
    session.find("[data-testid=webhooks-panel]", WAIT).await;
    click(session, "webhook-create").await;
    session
        .select("[data-testid=webhook-type]", webhook_type, WAIT)
        .await;
    click(session, "send-to-wharf").await;
    let endpoint = filled_value(session, "webhook-endpoint").await;
    assert!(endpoint.starts_with("http://127.0.0.2:"), "{endpoint}");
    click(session, "webhook-submit").await;
    let row = session
        .find_containing("[data-testid=webhook-row]", webhook_type, WAIT)
        .await;
    let arrived = test_and_wait(session, &row, "webhook-test").await;
    assert!(arrived.contains(webhook_type), "{arrived}");
    assert!(arrived.contains(expect_summary), "{arrived}");
    click_in(session, &row, "webhook-delete").await;
    click(session, "webhook-delete-confirm").await;
    session.find("[data-testid=webhooks-empty]", WAIT).await;
}

async fn dtr_flow(version: DtrVersion, label: &str) {
    let fake = FakeDtr::start(version).await.unwrap();
    fake.add_user("alice", DTR_TOKEN, false);
    fake.add_org("payments", &["alice"], &[]);
    fake.add_repo("payments", "api", false, &["v1"]);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    let name = format!("Fake DTR {label}");
    add_connection(
        &session,
        &name,
        "dtr",
        fake.base_url(),
        Some("alice"),
        DTR_TOKEN,
    )
    .await;
    assert_no_file_holds(DTR_TOKEN);

    open_repository(&session, &name, "payments", "api").await;
    webhook_round_trip(&session, "TAG_PUSH", "payments/api").await;
    session
        .screenshot(&shot(&format!("webhooks-{label}")))
        .await;
    assert!(fake.webhooks().is_empty(), "deleted on the fake");

    let namespace = session.find_containing("li", "payments", WAIT).await;
    click_in(&session, &namespace, "namespace-webhooks").await;
    webhook_round_trip(&session, "REPO_EVENT", "payments").await;
    assert!(fake.webhooks().is_empty(), "deleted on the fake");

    remove_connection(&session, &name).await;
    assert_no_file_holds(DTR_TOKEN);
    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn dtr_2_7_tag_push_and_namespace_repo_event_webhooks() {
    dtr_flow(DtrVersion::V2_7, "2.7").await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn dtr_2_6_tag_push_and_namespace_repo_event_webhooks() {
    dtr_flow(DtrVersion::V2_6, "2.6").await;
}
