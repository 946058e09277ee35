//! Fleet work in the real window, against two fake Quays: a notification whose Wharf route
//! answers 500 is disabled by Quay, the background re-scan raises a toast, the Overview shows it
//! disabled and a bulk reset re-enables it; build_failure is applied to three repositories (then
//! planned again: all skipped); the staging set is exported and imported into production; a safe
//! edit changes a notification's URL and the old one is gone.

use std::time::Duration;

use e2e::webdriver::Session;
use fakes::quay::{FakeQuay, Scope};
use serde_json::{json, Value};

use crate::workflows::{
    acme_notifications, add_connection, click, click_in, fake_quay_api, nav, remove_connection,
    shot, WAIT,
};

const TOKEN: &str = "qTok-E2E-Fleet-7c3e91d2";
const REPOS: [&str; 4] = ["web", "api", "db", "ops"];
/// The background re-scan interval run.sh gives the app (WHARF_FLEET_RESCAN_SECONDS).
const RESCAN: Duration = Duration::from_secs(3);

async fn fake_quay() -> FakeQuay {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    for repo in REPOS {
        fake.add_repo("acme", repo, false);
    }
    fake.set_delivery_retries(0);
    fake
}

async fn quay_api(
    fake: &FakeQuay,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    fake_quay_api(fake, TOKEN, method, path, body).await
}

async fn notifications(fake: &FakeQuay, repo: &str) -> Vec<Value> {
    acme_notifications(fake, TOKEN, repo).await
}

async fn create(fake: &FakeQuay, repo: &str, event: &str, url: &str, title: &str) -> String {
    let created = quay_api(
        fake,
        reqwest::Method::POST,
        &format!("/repository/acme/{repo}/notification/"),
        Some(
            json!({"event": event, "method": "webhook", "config": {"url": url},
                     "eventConfig": {}, "title": title}),
        ),
    )
    .await;
    created["uuid"].as_str().expect("created").to_owned()
}

pub(crate) async fn scan(session: &Session) {
    nav(session, "overview").await;
    click(session, "overview-scan").await;
    session
        .wait_text("[data-testid=overview-age]", WAIT, |t| {
            t.contains("Scanned")
        })
        .await;
}

/// The overview row of notification `id`.
async fn row(session: &Session, id: &str) -> e2e::webdriver::Element {
    session
        .find(
            &format!("[data-testid=overview-row][data-id=\"{id}\"]"),
            WAIT,
        )
        .await
}

async fn attribute(session: &Session, css: &str, name: &str) -> String {
    session
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
            vec![json!(css), json!(name)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Waits until the plan panel's lines are all planned as `change`, and returns how many.
async fn plan_lines(session: &Session, change: &str) -> usize {
    for _ in 0..200 {
        let changes = session
            .execute(
                "return Array.from(document.querySelectorAll('[data-testid=plan-line]')).map(e => e.dataset.change);",
                vec![],
            )
            .await;
        let changes: Vec<&str> = changes
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if !changes.is_empty() && changes.iter().all(|c| *c == change) {
            return changes.len();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the plan never showed only {change} lines");
}

async fn applied_ok(session: &Session, expected: usize) {
    for _ in 0..200 {
        let ok = session
            .execute(
                "return document.querySelectorAll('[data-testid=plan-line][data-result=ok]').length;",
                vec![],
            )
            .await;
        if ok.as_u64() == Some(expected as u64) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = session
        .wait_text("[data-testid=plan]", WAIT, |_| true)
        .await;
    panic!("not {expected} applied lines: {text}");
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn overview_finds_disabled_notifications_and_fixes_them_in_bulk() {
    let staging = fake_quay().await;
    let prod = fake_quay().await;
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    add_connection(&session, "Staging", "quay", staging.base_url(), None, TOKEN).await;
    add_connection(&session, "Production", "quay", prod.base_url(), None, TOKEN).await;

    // A notification to a Wharf route that answers 500, and a CI webhook.
    let route = e2e::mint_route(&session, "answers 500", 500).await;
    let failing = create(&staging, "web", "repo_push", &route, "to Wharf").await;
    let ci = create(
        &staging,
        "web",
        "build_failure",
        "https://ci.example/build",
        "CI",
    )
    .await;
    scan(&session).await;
    assert_eq!(
        attribute(&session, &format!("[data-id=\"{failing}\"]"), "data-state").await,
        "ok"
    );
    // A row that delivers to Wharf names its route.
    let named = session
        .wait_text(
            &format!("[data-id=\"{failing}\"] [data-testid=route-current]"),
            WAIT,
            |t| t.contains("answers 500"),
        )
        .await;
    assert_eq!(named, "Wharf route: answers 500");

    // The background re-scan has its baseline; now Quay's tests fail until it disables it.
    tokio::time::sleep(RESCAN * 2).await;
    for _ in 0..3 {
        quay_api(
            &staging,
            reqwest::Method::POST,
            &format!("/repository/acme/web/notification/{failing}/test"),
            None,
        )
        .await;
        staging.wait_for_deliveries().await;
    }
    assert_eq!(
        staging.notification(&failing).unwrap()["number_of_failures"],
        3
    );
    let mut toasted = 0;
    for _ in 0..20 {
        tokio::time::sleep(RESCAN).await;
        toasted = e2e::toasts_mentioning("Quay disabled 1 notification");
        if toasted > 0 {
            break;
        }
    }
    assert!(toasted >= 1, "the background re-scan raised a toast");

    scan(&session).await;
    let disabled = row(&session, &failing).await;
    assert_eq!(
        attribute(&session, &format!("[data-id=\"{failing}\"]"), "data-state").await,
        "disabled"
    );
    let counts = session
        .wait_text("[data-testid=overview-count-disabled]", WAIT, |t| {
            t.contains('1')
        })
        .await;
    assert!(counts.contains("Disabled by Quay: 1"), "{counts}");
    session.screenshot(&shot("overview")).await;

    // Bulk reset: select, confirm, a result per row, and Quay sends it again.
    click_in(&session, &disabled, "overview-select").await;
    click(&session, "overview-action-reset").await;
    session
        .wait_text("[data-testid=overview-confirm]", WAIT, |t| {
            t.contains("acme/web")
        })
        .await;
    click(&session, "overview-confirm-go").await;
    session
        .wait_text("[data-testid=overview-results]", WAIT, |t| {
            t.contains("1 done")
        })
        .await;
    assert_eq!(
        staging.notification(&failing).unwrap()["number_of_failures"],
        0
    );
    assert_eq!(
        attribute(&session, &format!("[data-id=\"{failing}\"]"), "data-state").await,
        "ok"
    );

    // Apply the CI notification to the three other repositories: three creates, then skips.
    let ci_row = row(&session, &ci).await;
    click_in(&session, &ci_row, "overview-apply").await;
    click(&session, "copy-all").await;
    click(&session, "copy-plan").await;
    assert_eq!(plan_lines(&session, "create").await, 3);
    session.screenshot(&shot("overview-plan")).await;
    click(&session, "plan-apply").await;
    applied_ok(&session, 3).await;
    session.screenshot(&shot("overview-results")).await;
    for repo in ["api", "db", "ops"] {
        let there = notifications(&staging, repo).await;
        assert_eq!(there.len(), 1, "{repo}: {there:?}");
        assert_eq!(there[0]["config"]["url"], "https://ci.example/build");
    }
    click(&session, "plan-close").await;
    scan(&session).await;
    let ci_row = row(&session, &ci).await;
    click_in(&session, &ci_row, "overview-apply").await;
    click(&session, "copy-all").await;
    click(&session, "copy-plan").await;
    assert_eq!(plan_lines(&session, "unchanged").await, 3);
    click(&session, "plan-close").await;

    // The staging set, exported to a file and imported into production: applied, then empty.
    choose_connection(&session, "Staging").await;
    click(&session, "sets-export").await;
    let message = session
        .wait_text("[data-testid=sets-message]", WAIT, |t| {
            t.contains("Exported")
        })
        .await;
    let file = message
        .split(" to ")
        .nth(1)
        .and_then(|rest| rest.split(".json").next())
        .map(|p| format!("{p}.json"))
        .unwrap_or_else(|| panic!("no file in {message}"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("wharf-notification-set/1") && !text.contains(TOKEN),
        "{text}"
    );
    choose_connection(&session, "Production").await;
    let input = session.find("[data-testid=sets-import]", WAIT).await;
    session.press(&input, &file).await;
    // Four repositories with the CI webhook, and web's notification to the Wharf route.
    assert_eq!(plan_lines(&session, "create").await, 5);
    click(&session, "plan-apply").await;
    applied_ok(&session, 5).await;
    click(&session, "plan-close").await;
    // The same file again: clear the picker first, or choosing it changes nothing.
    session
        .execute(
            "document.querySelector('[data-testid=sets-import]').value = '';",
            vec![],
        )
        .await;
    let input = session.find("[data-testid=sets-import]", WAIT).await;
    session.press(&input, &file).await;
    assert_eq!(plan_lines(&session, "unchanged").await, 5);
    let apply = session.find("[data-testid=plan-apply]", WAIT).await;
    assert_eq!(session.text(&apply).await, "Nothing to apply");
    click(&session, "plan-close").await;

    // Safe edit of the CI notification's URL: the new one exists, the old one is gone.
    scan(&session).await;
    let ci_row = row(&session, &ci).await;
    click_in(&session, &ci_row, "overview-edit").await;
    let url = session.find("[data-testid=edit-url]", WAIT).await;
    for _ in 0..100 {
        if !session.value(&url).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    session.type_text(&url, "https://ci.example/build-v2").await;
    click(&session, "edit-test").await; // not a Wharf route: no delivery to wait for
    click(&session, "edit-save").await;
    session
        .wait_text("[data-testid=edit-outcome]", WAIT, |t| {
            t.contains("Replaced")
        })
        .await;
    let web = notifications(&staging, "web").await;
    assert!(
        web.iter().all(|n| n["uuid"] != ci.as_str()),
        "the old one is gone: {web:?}"
    );
    assert!(
        web.iter()
            .any(|n| n["config"]["url"] == "https://ci.example/build-v2"),
        "{web:?}"
    );
    // A notification to a route token this inbox never had (a deleted route, another
    // machine's) says so.
    let (base, _) = route.rsplit_once('/').unwrap();
    let gone = create(
        &staging,
        "web",
        "repo_mirror_sync_started",
        &format!("{base}/0123456789abcdef0123456789abcdef"),
        "to a gone route",
    )
    .await;
    scan(&session).await;
    session
        .wait_text(
            &format!("[data-id=\"{gone}\"] [data-testid=route-unknown]"),
            WAIT,
            |t| t.contains("Not a route of this inbox"),
        )
        .await;

    // Later tests in this run start from no connections.
    remove_connection(&session, "Staging").await;
    remove_connection(&session, "Production").await;
    session.quit().await;
}

/// Picks connection `name` in the sets picker, as choosing it from the list does (the list is
/// below the fold, where WebKitWebDriver will not click an option).
async fn choose_connection(session: &Session, name: &str) {
    let chosen = session
        .execute(
            "const s = document.querySelector('[data-testid=sets-connection]');\
             const o = Array.from(s.options).find(o => o.textContent.includes(arguments[0]));\
             if (!o) return false; s.value = o.value;\
             s.dispatchEvent(new Event('change', {bubbles: true})); return true;",
            vec![json!(name)],
        )
        .await;
    assert_eq!(
        chosen,
        json!(true),
        "no connection {name} in the sets picker"
    );
}
