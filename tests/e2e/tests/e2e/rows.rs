//! The rows and forms of notifications and webhooks as the walkthrough found them, in the real
//! window against the fake DTR and fake Quay: webhook types offered per level (#33), the row
//! after a test (#31), a paused webhook's test and steady buttons (#32), the way back from a
//! namespace's webhooks (#34), the delete confirmation on its own line (#27), the team picker
//! (#23), per-event template examples (#20), "never pushed" (#17) and the search across
//! namespaces (#15). Positions are read from the elements' rectangles.

use e2e::webdriver::Session;
use fakes::dtr::{DtrVersion, FakeDtr};
use fakes::quay::{FakeQuay, Scope, TeamRole};
use serde_json::json;

use crate::workflows::{
    acme_notifications, add_connection, click, fill, nav, remove_connection, shot, WAIT,
};

const DTR_TOKEN: &str = "dtrTok-E2E-Rows-3c81f0";
const QUAY_TOKEN: &str = "qTok-E2E-Rows-9d27b4";

/// `[x, y, width, height]` of the first element matching `css`.
async fn rect(session: &Session, css: &str) -> [f64; 4] {
    let v = session
        .execute(
            "const e = document.querySelector(arguments[0]); if (!e) return null; \
             const r = e.getBoundingClientRect(); return [r.x, r.y, r.width, r.height];",
            vec![json!(css)],
        )
        .await;
    let n = |i: usize| {
        v[i].as_f64()
            .unwrap_or_else(|| panic!("no rectangle for {css}: {v}"))
    };
    [n(0), n(1), n(2), n(3)]
}

/// The values of the options of the `<select>` `testid`.
async fn options(session: &Session, testid: &str) -> Vec<String> {
    session.find(&format!("[data-testid={testid}]"), WAIT).await;
    let v = session
        .execute(
            "return Array.from(document.querySelectorAll(`[data-testid=${arguments[0]}] option`)).map(o => o.value);",
            vec![json!(testid)],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// The `x` of every button of the one webhook row.
async fn button_xs(session: &Session) -> Vec<f64> {
    let v = session
        .execute(
            "return Array.from(document.querySelectorAll('[data-testid=webhook-row] .actions > button'))\
               .map(b => b.getBoundingClientRect().x);",
            vec![],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// Picks `connection` on the Repositories screen.
async fn choose_connection(session: &Session, connection: &str) {
    nav(session, "repositories").await;
    let option = session
        .find_containing("[data-testid=repo-connection] option", connection, WAIT)
        .await;
    session.click(&option).await;
}

async fn open_namespace(session: &Session, namespace: &str) {
    let ns = session
        .find_containing("[data-testid=namespace-item]", namespace, WAIT)
        .await;
    session.click(&ns).await;
}

async fn open_row(session: &Session, full_name: &str) {
    let row = session
        .find_containing("[data-testid=repo-row]", full_name, WAIT)
        .await;
    session.click(&row).await;
    crate::workflows::repository_shown(session).await;
}

/// Opening the inline delete confirmation of the row `row` (a CSS selector) keeps the row's
/// text as wide as it was, puts Cancel where Delete was and the question below the buttons;
/// Cancel closes it again.
async fn delete_confirmation_keeps_the_row_readable(session: &Session, row: &str, testid: &str) {
    let main = format!("{row} .item-main");
    let before_main = rect(session, &main).await;
    let delete_css = format!("{row} [data-testid={testid}]");
    let delete = rect(session, &delete_css).await;
    let button = session.find(&delete_css, WAIT).await;
    session.click(&button).await;
    let cancel_css = format!("{row} [data-testid={testid}-cancel]");
    session.find(&cancel_css, WAIT).await;
    let after_main = rect(session, &main).await;
    let cancel = rect(session, &cancel_css).await;
    let question = rect(session, &format!("{row} [data-testid={testid}-question]")).await;
    session
        .screenshot(&shot(&format!("{testid}-confirm")))
        .await;
    assert!(
        after_main[2] >= before_main[2] - 1.0,
        "the row's text kept its width: {before_main:?} → {after_main:?}"
    );
    assert!(
        (cancel[0] + cancel[2] - (delete[0] + delete[2])).abs() <= 1.0
            && (cancel[1] - delete[1]).abs() <= 1.0,
        "Cancel sits where Delete was: {delete:?} vs {cancel:?}"
    );
    assert!(
        question[1] >= cancel[1] + cancel[3] - 1.0,
        "the question is on a line of its own below the buttons: {cancel:?} vs {question:?}"
    );
    let cancel_button = session.find(&cancel_css, WAIT).await;
    session.click(&cancel_button).await;
    session.find(&delete_css, WAIT).await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn dtr_webhook_rows_offer_their_level_say_what_a_test_did_and_keep_still() {
    let fake = FakeDtr::start(DtrVersion::V2_6).await.unwrap();
    fake.add_user("alice", DTR_TOKEN, false);
    fake.add_org("payments", &["alice"], &[]);
    fake.add_org("tools", &["alice"], &[]);
    fake.add_repo("payments", "api", false, &["v1"]);
    fake.add_repo("tools", "builder", false, &[]);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    add_connection(
        &session,
        "Rows DTR",
        "dtr",
        fake.base_url(),
        Some("alice"),
        DTR_TOKEN,
    )
    .await;

    // #15: a search across every namespace finds tools/builder while no namespace is open.
    choose_connection(&session, "Rows DTR").await;
    session.find("[data-testid=namespace-item]", WAIT).await;
    fill(&session, "repo-search-all", "build").await;
    session
        .wait_text("[data-testid=repo-across-count]", WAIT, |t| {
            t.starts_with("1 repository matches “build” in all")
        })
        .await;
    open_row(&session, "tools/builder").await;
    session
        .wait_text("[data-testid=repo-panel-name]", WAIT, |t| {
            t == "tools/builder"
        })
        .await;

    open_namespace(&session, "payments").await;
    // While the registry takes its time, the settings stand in the place they will keep: the
    // button below them does not move when the answer comes.
    fake.set_latency(std::time::Duration::from_millis(1500));
    let row = session
        .find_containing("[data-testid=repo-row]", "payments/api", WAIT)
        .await;
    session.click(&row).await;
    session
        .find("[data-testid=repo-settings][aria-busy=true]", WAIT)
        .await;
    let loading = rect(&session, "[data-testid=webhook-create]").await;
    crate::workflows::repository_shown(&session).await;
    assert_eq!(
        rect(&session, "[data-testid=webhook-create]").await,
        loading
    );
    fake.clear_faults();
    session.find("[data-testid=webhooks-panel]", WAIT).await;
    click(&session, "webhook-create").await;

    // #33: a repository's form offers repository types only.
    let offered = options(&session, "webhook-type").await;
    assert!(offered.contains(&"TAG_PUSH".to_owned()), "{offered:?}");
    assert!(
        !offered.contains(&"REPO_EVENT".to_owned())
            && !offered.contains(&"SCANNER_UPDATE_COMPLETED".to_owned()),
        "{offered:?}"
    );
    // #35: the checkbox says what it allows.
    session
        .wait_text("[data-testid=webhook-form] .field.check", WAIT, |t| {
            t == "Allow http:// or untrusted certificates"
        })
        .await;
    session
        .select("[data-testid=webhook-type]", "TAG_PUSH", WAIT)
        .await;
    click(&session, "send-to-wharf").await;
    let endpoint = session.find("[data-testid=webhook-endpoint]", WAIT).await;
    let deadline = std::time::Instant::now() + WAIT;
    while session.value(&endpoint).await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "Send to Wharf filled no endpoint"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    session
        .find("[data-testid=webhook-skip-tls-auto]", WAIT)
        .await;
    click(&session, "webhook-submit").await;
    let row = "[data-testid=webhook-row]";
    session.find(row, WAIT).await;
    session
        .wait_text("[data-testid=webhook-row-delivered]", WAIT, |t| {
            t == "no event delivered yet"
        })
        .await;

    // #31: after a test arrived the row does not claim "never delivered".
    click(&session, "webhook-test").await;
    session
        .wait_text("[data-testid=delivery-arrived]", WAIT, |t| {
            t.contains("delivered in")
        })
        .await;
    session
        .wait_text("[data-testid=webhook-row-delivered]", WAIT, |t| {
            t == "no real event delivered yet (DTR does not count tests)"
        })
        .await;
    // A real event reaches Wharf; the next test reloads the row, which now shows it.
    let real = fake
        .simulate_event("payments", "api", "TAG_PUSH")
        .await
        .unwrap();
    assert!(real[0].succeeded(), "{real:?}");
    click(&session, "webhook-test").await;
    session
        .wait_text("[data-testid=webhook-row-delivered]", WAIT, |t| {
            t.starts_with("last event delivered ")
        })
        .await;

    // #32: Pause turns into Resume without moving any button of the row.
    let xs = button_xs(&session).await;
    let toggle = rect(&session, "[data-testid=webhook-toggle]").await;
    click(&session, "webhook-toggle").await;
    session
        .find("[data-testid=webhook-state][data-inactive=true]", WAIT)
        .await;
    session
        .wait_text("[data-testid=webhook-toggle]", WAIT, |t| t == "Resume")
        .await;
    assert_eq!(button_xs(&session).await, xs, "the buttons stayed put");
    assert_eq!(
        rect(&session, "[data-testid=webhook-toggle]").await[2],
        toggle[2]
    );
    assert!(
        session
            .try_find("[data-testid=webhook-paused-note]")
            .await
            .is_none(),
        "no note before a test"
    );
    click(&session, "webhook-test").await;
    session
        .wait_text("[data-testid=webhook-paused-note]", WAIT, |t| {
            t == "Paused: real events are not sent; this test is."
        })
        .await;
    session.screenshot(&shot("webhook-paused-test")).await;

    // #27 on a webhook row, with a long endpoint.
    delete_confirmation_keeps_the_row_readable(&session, row, "webhook-delete").await;
    click(&session, "webhook-delete").await;
    click(&session, "webhook-delete-confirm").await;
    session.find("[data-testid=webhooks-empty]", WAIT).await;

    // #33, #34: the namespace's form offers namespace types; a link leads back to its
    // repositories.
    let namespace = session.find_containing("li", "payments", WAIT).await;
    crate::workflows::click_in(&session, &namespace, "namespace-webhooks").await;
    session
        .find("[data-testid=webhooks-panel][data-scope=namespace]", WAIT)
        .await;
    click(&session, "webhook-create").await;
    assert_eq!(options(&session, "webhook-type").await, ["REPO_EVENT"]);
    click(&session, "webhook-cancel").await;
    session
        .wait_text("[data-testid=namespace-webhooks-back]", WAIT, |t| {
            t == "← Repositories of payments"
        })
        .await;
    click(&session, "namespace-webhooks-back").await;
    session
        .find_containing("[data-testid=repo-row]", "payments/api", WAIT)
        .await;
    assert!(session
        .try_find("[data-testid=webhooks-panel]")
        .await
        .is_none());

    remove_connection(&session, "Rows DTR").await;
    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn quay_team_picker_template_examples_and_a_readable_delete_confirmation() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_user("bob");
    fake.add_user("carol");
    fake.add_token(QUAY_TOKEN, "alice", &Scope::ALL);
    fake.add_org("acme", &["alice"], &[]);
    fake.add_team("acme", "ops", TeamRole::Member, &["bob", "carol"])
        .unwrap();
    fake.add_team("acme", "builders", TeamRole::Creator, &[])
        .unwrap();
    fake.add_repo("acme", "api", false);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    add_connection(
        &session,
        "Rows Quay",
        "quay",
        fake.base_url(),
        None,
        QUAY_TOKEN,
    )
    .await;

    // #17: a repository never pushed says so.
    choose_connection(&session, "Rows Quay").await;
    open_namespace(&session, "acme").await;
    session
        .wait_text("[data-testid=repo-row-pushed]", WAIT, |t| {
            t == "never pushed"
        })
        .await;
    open_row(&session, "acme/api").await;
    session
        .find("[data-testid=notifications-panel]", WAIT)
        .await;
    click(&session, "notification-create").await;

    // #20: the template example follows the event.
    let placeholder = |event: &'static str| {
        let session = &session;
        async move {
            session
                .select("[data-testid=notification-event]", event, WAIT)
                .await;
            session
                .execute(
                    "return document.querySelector('[data-testid=notification-template]').placeholder;",
                    vec![],
                )
                .await
        }
    };
    let failed = placeholder("build_failure").await;
    assert!(
        failed.as_str().unwrap().contains("${error_message}"),
        "{failed}"
    );
    let vulnerable = placeholder("vulnerability_found").await;
    assert!(
        vulnerable
            .as_str()
            .unwrap()
            .contains("${vulnerability.priority}"),
        "{vulnerable}"
    );

    // #23: the teams with their member counts, chosen by mouse, then by keys.
    session
        .select("[data-testid=notification-event]", "repo_push", WAIT)
        .await;
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
    // The team picker's field, not the plain name field it replaces once "team" is applied.
    let name = session
        .find(
            "[data-testid=notification-target-name][role=combobox]",
            WAIT,
        )
        .await;
    session.click(&name).await;
    let ops = session
        .find(
            "[data-testid=notification-team-option][data-team=ops]",
            WAIT,
        )
        .await;
    assert_eq!(
        session
            .text(&ops)
            .await
            .split_whitespace()
            .collect::<Vec<_>>(),
        ["ops", "2", "members"]
    );
    session.click(&ops).await;
    assert_eq!(session.value(&name).await, "ops");
    assert!(
        session
            .try_find("[data-testid=notification-team-options]")
            .await
            .is_none(),
        "the list closes once a team is chosen"
    );

    session.type_text(&name, "own").await;
    session
        .wait_text("[data-testid=notification-team-options]", WAIT, |t| {
            t.starts_with("owners") && !t.contains("ops")
        })
        .await;
    session.press(&name, "\u{E015}").await; // ArrowDown
    session
        .find(
            "[data-testid=notification-team-option][data-team=owners][aria-selected=true]",
            WAIT,
        )
        .await;
    session.press(&name, "\u{E007}").await; // Enter picks, it does not submit
    assert_eq!(session.value(&name).await, "owners");
    assert!(
        acme_notifications(&fake, QUAY_TOKEN, "api")
            .await
            .is_empty(),
        "Enter chose the team without creating the notification"
    );
    // Typing a name stays possible; Escape closes the list over the buttons.
    session.type_text(&name, "builders").await;
    session.press(&name, "\u{E00C}").await;
    assert!(
        session
            .try_find("[data-testid=notification-team-options]")
            .await
            .is_none(),
        "Escape closed the list"
    );
    click(&session, "notification-submit").await;
    session.find("[data-testid=notification-row]", WAIT).await;
    let created = acme_notifications(&fake, QUAY_TOKEN, "api").await;
    assert_eq!(
        created[0]["config"]["target"],
        json!({"kind": "team", "name": "builders"}),
        "{created:?}"
    );

    // #27 on a Slack row with a long URL: the confirmation leaves the row's text its width.
    click(&session, "notification-create").await;
    fill(
        &session,
        "notification-title",
        "Security alerts for the platform team",
    )
    .await;
    session
        .select(
            "[data-testid=notification-event]",
            "vulnerability_found",
            WAIT,
        )
        .await;
    session
        .select("[data-testid=notification-method]", "slack", WAIT)
        .await;
    fill(
        &session,
        "notification-url",
        "https://hooks.slack.com/services/T0AAAAAAAAA/B0BBBBBBBBB/cccccccccccccccccccccccc",
    )
    .await;
    click(&session, "notification-submit").await;
    session
        .find_containing("[data-testid=notification-row]", "Security alerts", WAIT)
        .await;
    let uuid = session
        .execute(
            "return Array.from(document.querySelectorAll('[data-testid=notification-row]'))\
               .find(e => e.textContent.includes(arguments[0])).dataset.uuid;",
            vec![json!("Security alerts")],
        )
        .await;
    let row = format!(
        "[data-testid=notification-row][data-uuid=\"{}\"]",
        uuid.as_str().unwrap()
    );
    delete_confirmation_keeps_the_row_readable(&session, &row, "notification-delete").await;
    // #36: the long target stays on one line.
    let target = rect(
        &session,
        &format!("{row} [data-testid=notification-row-target]"),
    )
    .await;
    let line = session
        .execute(
            "return parseFloat(getComputedStyle(document.querySelector(arguments[0])).lineHeight);",
            vec![json!(format!(
                "{row} [data-testid=notification-row-target]"
            ))],
        )
        .await;
    assert!(
        target[3] <= line.as_f64().unwrap_or(30.0) + 4.0,
        "one line: {target:?}, line height {line}"
    );

    remove_connection(&session, "Rows Quay").await;
    session.quit().await;
}
