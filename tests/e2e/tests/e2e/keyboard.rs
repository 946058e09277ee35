//! Keyboard only (walkthrough #54-#56): Ctrl+K to a repository, a notification created with
//! Send to Wharf and tested, without the mouse. Focus follows each step: the palette's choice
//! lands on the repository's panel, the opened form on its first field.

use std::time::Duration;

use e2e::webdriver::Session;

use crate::workflows::{
    acme_notifications, acme_quay, add_connection, assert_heading_focused, remove_connection, WAIT,
};

const TOKEN: &str = "qTok-E2E-Keys-6d0f31";
const CONTROL: &str = "\u{E009}";
const TAB: &str = "\u{E004}";
const ENTER: &str = "\u{E007}";

/// Presses Tab until the focused element is `testid` (within a reasonable number of stops).
async fn tab_to(session: &Session, testid: &str) {
    for _ in 0..40 {
        if session.focused_testid().await == testid {
            return;
        }
        session.type_into_focus(TAB).await;
    }
    panic!(
        "Tab never reached {testid}; focus is on {:?}",
        session.focused_testid().await
    );
}

/// Waits until focus is on `testid` (it moves there once what opened has loaded).
async fn focus_reaches(session: &Session, testid: &str) {
    let deadline = std::time::Instant::now() + WAIT;
    while session.focused_testid().await != testid {
        assert!(
            std::time::Instant::now() < deadline,
            "focus never reached {testid}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn a_notification_is_made_and_tested_from_the_keyboard() {
    let fake = acme_quay(TOKEN, &["keys"]).await;
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    add_connection(
        &session,
        "Quay (keys)",
        "quay",
        fake.base_url(),
        None,
        TOKEN,
    )
    .await;

    // Ctrl+K to a screen: focus lands on its heading, so Tab goes on from there (#55).
    session.chord(CONTROL, "k").await;
    session.find("[data-testid=palette-input]", WAIT).await;
    session.type_into_focus("Settings").await;
    session
        .find_containing("[data-testid=palette-item]", "Settings", WAIT)
        .await;
    session.type_into_focus(ENTER).await;
    assert_heading_focused(&session, "Settings").await;

    // Ctrl+K, the repository's name, Enter: focus lands on the repository's panel.
    session.chord(CONTROL, "k").await;
    session.find("[data-testid=palette-input]", WAIT).await;
    let shortcuts = session
        .wait_text("[data-testid=palette-shortcuts]", WAIT, |_| true)
        .await;
    assert!(shortcuts.contains("Ctrl+K"), "{shortcuts}");
    session.type_into_focus("acme/keys").await;
    session
        .find_containing("[data-testid=palette-item]", "acme/keys", WAIT)
        .await;
    session.type_into_focus(ENTER).await;
    focus_reaches(&session, "repo-panel-name").await;

    // New notification: the form opens with focus in its first field.
    tab_to(&session, "notification-create").await;
    session.type_into_focus(ENTER).await;
    focus_reaches(&session, "notification-title").await;
    session.type_into_focus("Typed hook").await;
    tab_to(&session, "send-to-wharf").await;
    session.type_into_focus(ENTER).await;
    let url = session.find("[data-testid=notification-url]", WAIT).await;
    let deadline = std::time::Instant::now() + WAIT;
    while session.value(&url).await.is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "Send to Wharf filled nothing"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tab_to(&session, "notification-submit").await;
    session.type_into_focus(ENTER).await;
    let row = session
        .find_containing("[data-testid=notification-row]", "Typed hook", WAIT)
        .await;
    assert_eq!(acme_notifications(&fake, TOKEN, "keys").await.len(), 1);

    // Test, from the keyboard, and the delivery arrives.
    tab_to(&session, "notification-test").await;
    session.type_into_focus(ENTER).await;
    let deadline = std::time::Instant::now() + WAIT * 2;
    loop {
        let text = session.text(&row).await;
        if text.contains("delivered in") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no delivery: {text}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    remove_connection(&session, "Quay (keys)").await;
    session.quit().await;
}
