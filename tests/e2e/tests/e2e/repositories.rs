//! A repository's whole life in the real window, as the seed's repository chapter does it with
//! curl: create it in a namespace, make it public, edit its description, give it its first
//! notification (Quay) or webhook (DTR), delete it with the typed-name confirmation, and see it
//! gone from the list and from the Ctrl+K palette. Against the fake Quay and fake DTR 2.7/2.6;
//! every step is checked on the fake's side too.

use e2e::webdriver::Session;
use fakes::dtr::{DtrVersion, FakeDtr};
use fakes::quay::{FakeQuay, Scope};

use crate::workflows::{
    acme_notifications, add_connection, click, fill, nav, remove_connection, shot, WAIT,
};

const QUAY_TOKEN: &str = "qTok-E2E-Repos-71c0d2";
const DTR_TOKEN: &str = "dtrTok-E2E-Repos-5a9e33";

/// Opens the palette from another screen and types `text`.
async fn palette(session: &Session, text: &str) -> e2e::webdriver::Element {
    nav(session, "connections").await;
    session
        .execute(
            "window.dispatchEvent(new KeyboardEvent('keydown', {key: 'k', ctrlKey: true, bubbles: true}));",
            vec![],
        )
        .await;
    let input = session.find("[data-testid=palette-input]", WAIT).await;
    session.type_text(&input, text).await;
    input
}

/// Whether the palette offers `text` (after its namespaces have loaded); closes it.
async fn palette_finds(session: &Session, text: &str) -> bool {
    let input = palette(session, text).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let found = session
        .has_containing("[data-testid=palette-item]", text)
        .await;
    session.press(&input, "\u{E00C}").await; // Escape
    found
}

/// Opens `full_name` through the palette (Enter on its item).
async fn palette_open(session: &Session, full_name: &str) {
    let input = palette(session, full_name).await;
    session
        .find_containing("[data-testid=palette-item]", full_name, WAIT)
        .await;
    session.press(&input, "\u{E007}").await;
    session
        .wait_text("[data-testid=repo-panel-name]", WAIT, |t| {
            t.contains(full_name)
        })
        .await;
}

/// Repositories screen → connection → namespace → New repository → created panel.
async fn create_in_window(session: &Session, connection: &str, namespace: &str, name: &str) {
    nav(session, "repositories").await;
    let option = session
        .find_containing("[data-testid=repo-connection] option", connection, WAIT)
        .await;
    session.click(&option).await;
    let ns = session
        .find_containing("[data-testid=namespace-item]", namespace, WAIT)
        .await;
    session.click(&ns).await;
    click(session, "repo-new").await;
    // An invalid name is refused inline, before any request.
    fill(session, "repo-new-name", "Bad Name").await;
    session
        .wait_text("[data-testid=repo-new-form] .field-error", WAIT, |t| {
            t.contains("lower-case")
        })
        .await;
    fill(session, "repo-new-name", name).await; // typing replaces the field's text
    fill(session, "repo-new-description", "Front end <b>shop</b>").await;
    if session
        .try_find("[data-testid=repo-new-scan]")
        .await
        .is_some()
    {
        click(session, "repo-new-scan").await; // DTR only
    }
    click(session, "repo-new-save").await;
    session
        .wait_text("[data-testid=repo-panel-name]", WAIT, |t| {
            t.contains(&format!("{namespace}/{name}"))
        })
        .await;
    session.find("[data-testid=repo-created]", WAIT).await;
    crate::workflows::repository_shown(session).await;
}

/// Public, a new description, each confirmed by the registry's read-back in the panel.
async fn change_in_window(session: &Session) {
    session
        .wait_text("[data-testid=repo-visibility]", WAIT, |t| t == "private")
        .await;
    click(session, "repo-visibility-toggle").await;
    session
        .wait_text("[data-testid=repo-visibility]", WAIT, |t| t == "public")
        .await;
    let description = session.find("[data-testid=repo-description]", WAIT).await;
    // Typing replaces the field's text.
    session
        .type_text(&description, "Front end <b>shop</b> and more")
        .await;
    click(session, "repo-description-save").await;
    session
        .wait_text("[data-testid=repo-settings-status]", WAIT, |t| {
            t == "Description saved."
        })
        .await;
}

/// Delete with the typed name; the panel closes and the row is gone.
async fn delete_in_window(session: &Session, name: &str, impact: &str) {
    // The tags load after the panel opens and push the Delete button down: wait for them, so
    // the click lands on the button.
    session.find("[data-testid=repo-tags-empty]", WAIT).await;
    click(session, "repo-delete-start").await;
    session
        .wait_text("[data-testid=repo-delete-impact]", WAIT, |t| {
            t.contains(impact)
        })
        .await;
    fill(session, "repo-delete-name", "wrong").await;
    let disabled = session
        .execute(
            "return document.querySelector('[data-testid=repo-delete-confirm]').disabled;",
            vec![],
        )
        .await;
    assert_eq!(
        disabled,
        serde_json::Value::Bool(true),
        "a wrong name cannot confirm"
    );
    fill(session, "repo-delete-name", name).await;
    click(session, "repo-delete-confirm").await;
    for _ in 0..200 {
        if session.try_find("[data-testid=repo-panel]").await.is_none() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        session.try_find("[data-testid=repo-panel]").await.is_none(),
        "panel closed"
    );
    assert!(
        !session.has_containing("[data-testid=repo-row]", name).await,
        "{name} is gone from the list"
    );
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn quay_repository_created_changed_notified_and_deleted_in_the_window() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.set_feature("QUOTA_MANAGEMENT", false);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    add_connection(
        &session,
        "Repos Quay",
        "quay",
        fake.base_url(),
        None,
        QUAY_TOKEN,
    )
    .await;

    create_in_window(&session, "Repos Quay", "acme", "storefront").await;
    let stored = fake
        .repository("acme", "storefront")
        .expect("created on the fake");
    assert_eq!(stored["description"], "Front end <b>shop</b>");
    // Markdown source is edited as text: the <b> is there to read, not rendered.
    let field = session.find("[data-testid=repo-description]", WAIT).await;
    assert_eq!(session.value(&field).await, "Front end <b>shop</b>");
    assert!(session
        .try_find("[data-testid=repo-panel] b")
        .await
        .is_none());

    // The first notification is offered at once: the form is already open.
    session.find("[data-testid=notification-form]", WAIT).await;
    change_in_window(&session).await;
    let stored = fake.repository("acme", "storefront").unwrap();
    assert_eq!(stored["is_public"], true);
    assert_eq!(stored["description"], "Front end <b>shop</b> and more");

    // Quota management is off on this Quay: its events are offered, marked, and not choosable.
    let mut quota = serde_json::Value::Null;
    for _ in 0..100 {
        quota = session
            .execute(
                "const o = document.querySelector('[data-testid=notification-event] option[value=quota_error]'); return [o.textContent, o.disabled, o.title];",
                vec![],
            )
            .await;
        if quota[1] == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(quota[0], "Quota exceeded (off on this Quay)", "{quota}");
    assert_eq!(quota[1], true, "{quota}");
    assert!(
        quota[2].as_str().unwrap().contains("QUOTA_MANAGEMENT"),
        "{quota}"
    );

    // The owner's token loses org:admin: Quay hides acme's teams from it, and the team field
    // says why instead of offering nothing.
    fake.add_token(QUAY_TOKEN, "alice", &[Scope::RepoAdmin, Scope::UserRead]);
    session
        .select(
            "[data-testid=notification-method]",
            "quay_notification",
            WAIT,
        )
        .await;
    session
        .select("[data-testid=notification-target-kind]", "team", WAIT)
        .await;
    let problem = session
        .find("[data-testid=notification-teams-problem]", WAIT)
        .await;
    let text = session.text(&problem).await;
    assert!(
        text.contains("acme") && text.contains("org:admin"),
        "{text}"
    );
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);

    fill(&session, "notification-title", "Build failures").await;
    session
        .select("[data-testid=notification-event]", "build_failure", WAIT)
        .await;
    session
        .select("[data-testid=notification-method]", "webhook", WAIT)
        .await;
    fill(&session, "notification-url", "https://ci.example.com/quay").await;
    click(&session, "notification-submit").await;
    session
        .find_containing("[data-testid=notification-row]", "Build failures", WAIT)
        .await;
    let row = session
        .find_containing("[data-testid=notification-row]", "Build failures", WAIT)
        .await;
    assert!(
        session
            .find_in(&row, "[data-testid=notification-row-failures]")
            .await
            .is_none(),
        "a healthy notification shows no failure count"
    );
    let notes = acme_notifications(&fake, QUAY_TOKEN, "storefront").await;
    assert_eq!(notes[0]["event"], "build_failure");
    session.screenshot(&shot("repository-panel")).await;

    // The palette knows the new repository at once and opens it from another screen.
    palette_open(&session, "acme/storefront").await;
    delete_in_window(&session, "storefront", "0 tags and 1 notification").await;
    assert!(
        fake.repository("acme", "storefront").is_none(),
        "deleted on the fake"
    );
    assert!(
        !palette_finds(&session, "acme/storefront").await,
        "gone from the palette"
    );

    remove_connection(&session, "Repos Quay").await;
    session.quit().await;
}

async fn dtr_repository_flow(version: DtrVersion, label: &str) {
    let fake = FakeDtr::start(version).await.unwrap();
    fake.add_user("alice", DTR_TOKEN, false);
    fake.add_org("payments", &["alice"], &[]);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    let name = format!("Repos DTR {label}");
    add_connection(
        &session,
        &name,
        "dtr",
        fake.base_url(),
        Some("alice"),
        DTR_TOKEN,
    )
    .await;

    create_in_window(&session, &name, "payments", "ledger").await;
    let stored = fake
        .repository("payments", "ledger")
        .expect("created on the fake");
    assert_eq!(stored["shortDescription"], "Front end <b>shop</b>");
    session.find("[data-testid=webhook-form]", WAIT).await;
    change_in_window(&session).await;
    assert_eq!(stored["scanOnPush"], true, "scan on push from the form");
    click(&session, "repo-immutable").await;
    session
        .wait_text("[data-testid=repo-settings-status]", WAIT, |t| {
            t == "Immutable tags saved."
        })
        .await;
    let stored = fake.repository("payments", "ledger").unwrap();
    assert_eq!(stored["immutableTags"], true);
    assert_eq!(stored["visibility"], "public");
    assert_eq!(stored["shortDescription"], "Front end <b>shop</b> and more");
    session
        .screenshot(&shot(&format!("repository-panel-dtr-{label}")))
        .await;

    delete_in_window(&session, "ledger", "0 tags and 0 webhooks").await;
    assert!(
        fake.repository("payments", "ledger").is_none(),
        "deleted on the fake"
    );
    assert!(
        !palette_finds(&session, "payments/ledger").await,
        "gone from the palette"
    );

    remove_connection(&session, &name).await;
    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn dtr_2_7_repository_created_changed_and_deleted_in_the_window() {
    dtr_repository_flow(DtrVersion::V2_7, "2.7").await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn dtr_2_6_repository_created_changed_and_deleted_in_the_window() {
    dtr_repository_flow(DtrVersion::V2_6, "2.6").await;
}

/// A Quay without builds accepts a build notification (and Test still delivers a sample), but
/// it never fires: the row says so, from the server's own feature flags.
#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn a_notification_the_server_can_never_fire_is_flagged() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.add_repo("acme", "builder", false);
    fake.set_feature("BUILD_SUPPORT", false);
    crate::workflows::fake_quay_api(
        &fake,
        QUAY_TOKEN,
        reqwest::Method::POST,
        "/repository/acme/builder/notification/",
        Some(
            serde_json::json!({"event": "build_failure", "method": "webhook",
            "config": {"url": "https://ci.example.com/quay"}, "eventConfig": {},
            "title": "CI failures"}),
        ),
    )
    .await;
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    add_connection(
        &session,
        "No builds",
        "quay",
        fake.base_url(),
        None,
        QUAY_TOKEN,
    )
    .await;
    crate::workflows::open_repository(&session, "No builds", "acme", "builder").await;
    let warning = session
        .wait_text("[data-testid=notification-never-fires]", WAIT, |t| {
            t.contains("Builds are off")
        })
        .await;
    assert!(warning.starts_with("Never delivers here"), "{warning}");
    // Leaving and coming back lands in the same connection and namespace (walkthrough #14).
    nav(&session, "connections").await;
    nav(&session, "repositories").await;
    session
        .find_containing("[data-testid=repo-row]", "acme/builder", WAIT)
        .await;
    remove_connection(&session, "No builds").await;
    session.quit().await;
}

/// A person sets a Send-to-Wharf route to answer 500 and tests the notification three times
/// from the (fake) Quay: each delivery is stored as answered 500, Quay counts the failures and
/// disables the notification, and the row shows it.
#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn a_route_set_to_fail_gets_its_notification_disabled() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.add_repo("acme", "flaky", false);
    fake.set_delivery_retries(0);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    add_connection(
        &session,
        "Failing route",
        "quay",
        fake.base_url(),
        None,
        QUAY_TOKEN,
    )
    .await;
    crate::workflows::open_repository(&session, "Failing route", "acme", "flaky").await;
    click(&session, "notification-create").await;
    fill(&session, "notification-title", "Flaky hook").await;
    session
        .select("[data-testid=notification-method]", "webhook", WAIT)
        .await;
    click(&session, "send-to-wharf").await;
    for _ in 0..100 {
        let field = session.find("[data-testid=notification-url]", WAIT).await;
        if !session.value(&field).await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    click(&session, "notification-submit").await;
    let row = session
        .find_containing("[data-testid=notification-row]", "Flaky hook", WAIT)
        .await;
    crate::workflows::click_in(&session, &row, "route-answer-edit").await;
    fill(&session, "route-answer-input", "500").await;
    click(&session, "route-answer-save").await;
    session
        .wait_text("[data-testid=route-answer-text]", WAIT, |t| {
            t == "Wharf answers 500"
        })
        .await;

    let uuid = crate::workflows::acme_notifications(&fake, QUAY_TOKEN, "flaky").await[0]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    for attempt in 1..=3u64 {
        let row = session
            .find_containing("[data-testid=notification-row]", "Flaky hook", WAIT)
            .await;
        crate::workflows::click_in(&session, &row, "notification-test").await;
        let mut failures = 0;
        for _ in 0..200 {
            failures = fake.notification(&uuid).unwrap()["number_of_failures"]
                .as_u64()
                .unwrap_or(0);
            if failures >= attempt {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(failures, attempt, "Quay counted the 500");
        if attempt == 1 {
            // Arrived, but not a success: the row says what the registry saw.
            let seen = session
                .wait_text("[data-testid=delivery-arrived]", WAIT, |t| {
                    t.contains("answered 500")
                })
                .await;
            assert!(seen.starts_with("✗ arrived"), "{seen}");
        }
    }
    click(&session, "notification-reload").await;
    session
        .find("[data-testid=notification-disabled]", WAIT)
        .await;
    session.screenshot(&shot("route-answers-500")).await;

    // A copy of the URL on another port (as if the receiver had moved since): flagged on its row.
    let url = crate::workflows::acme_notifications(&fake, QUAY_TOKEN, "flaky").await[0]["config"]
        ["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (host, rest) = url.rsplit_once(':').unwrap();
    let (port, path) = rest.split_once('/').unwrap();
    let stale = format!("{host}:{}/{path}", port.parse::<u16>().unwrap() + 1);
    crate::workflows::fake_quay_api(
        &fake,
        QUAY_TOKEN,
        reqwest::Method::POST,
        "/repository/acme/flaky/notification/",
        Some(
            serde_json::json!({"event": "repo_push", "method": "webhook",
            "config": {"url": stale}, "eventConfig": {}, "title": "Stale copy"}),
        ),
    )
    .await;
    click(&session, "notification-reload").await;
    let stale_row = session
        .find_containing("[data-testid=notification-row]", "Stale copy", WAIT)
        .await;
    for _ in 0..100 {
        if session
            .find_in(&stale_row, "[data-testid=route-moved]")
            .await
            .is_some()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let moved = session
        .find_in(&stale_row, "[data-testid=route-moved-text]")
        .await
        .expect("the stale URL is flagged");
    assert!(
        session.text(&moved).await.contains(&url),
        "names the route's current URL"
    );

    nav(&session, "inbox").await;
    let list = session
        .wait_text("#inbox-list", WAIT, |t| t.contains("acme/flaky"))
        .await;
    let answered = session
        .execute(
            "return Array.from(document.querySelectorAll('#inbox-list [data-testid=inbox-row]')).filter(r => r.textContent.includes('acme/flaky') && r.querySelector('.status').textContent.trim() === '500').length;",
            vec![],
        )
        .await;
    assert_eq!(
        answered,
        serde_json::json!(3),
        "three deliveries answered 500: {list}"
    );
    remove_connection(&session, "Failing route").await;
    session.quit().await;
}
