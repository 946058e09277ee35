//! The Connections screen in the real window: the form opens ready to type, says which token
//! works, refuses a bad token or a dead address at save time (at the field, with "Save
//! anyway"), edits in place, and each row keeps its health across leaving the screen.

use std::time::Duration;

use e2e::webdriver::Session;
use fakes::quay::{FakeQuay, Scope};

use crate::workflows::{click, click_in, fill, nav, remove_connection, shot, WAIT};

const TOKEN: &str = "qTok-E2E-Health-7c31d0aa";

/// The `data-state` of the health badge of the row called `name`.
async fn health_of(session: &Session, name: &str) -> String {
    let row = session
        .find_containing("[data-testid=connection-row]", name, WAIT)
        .await;
    let badge = session
        .find_in(&row, "[data-testid=connection-health]")
        .await
        .expect("a health badge");
    session
        .attribute(&badge, "data-state")
        .await
        .unwrap_or_default()
}

/// Waits until the row called `name` shows `text` on its result line; returns the line.
async fn row_line(session: &Session, name: &str, text: &str) -> String {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let row = session
            .find_containing("[data-testid=connection-row]", name, WAIT)
            .await;
        if let Some(line) = session
            .find_in(&row, "[data-testid=connection-verify-result]")
            .await
        {
            let seen = session.text(&line).await;
            if seen.contains(text) {
                return seen;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{name}: never showed {text:?}; last: {seen:?}"
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn add_connection_is_ready_to_type_and_says_which_token_works() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    nav(&session, "connections").await;
    click(&session, "connection-add").await;
    session.find("[data-testid=connection-name]", WAIT).await;
    // No click: the keys go wherever the focus is.
    session.type_into_focus("Typed first").await;
    let name = session.find("[data-testid=connection-name]", WAIT).await;
    assert_eq!(session.value(&name).await, "Typed first");

    let hint = session
        .wait_text("[data-testid=connection-token-which]", WAIT, |t| {
            t.contains("repo:admin")
        })
        .await;
    assert!(hint.contains("Robot"), "{hint}");
    session
        .select("[data-testid=connection-kind]", "dtr", WAIT)
        .await;
    session
        .wait_text("[data-testid=connection-token-which]", WAIT, |t| {
            t.contains("Access tokens")
        })
        .await;
    let placeholder = session
        .execute(
            "return document.querySelector('[data-testid=connection-name]').placeholder;",
            vec![],
        )
        .await;
    assert_eq!(placeholder, serde_json::json!("Production DTR"));
    session.screenshot(&shot("connection-form-dtr")).await;
    click(&session, "connection-cancel").await;
    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn save_verifies_and_each_row_keeps_its_health() {
    let fake = FakeQuay::start().await.unwrap();
    fake.add_user("alice");
    fake.add_token(TOKEN, "alice", &Scope::ALL);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_at = closed.local_addr().unwrap();
    drop(closed);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    nav(&session, "connections").await;

    // A wrong token: refused at save, under the token field, with "Save anyway".
    click(&session, "connection-add").await;
    fill(&session, "connection-name", "Bad token").await;
    fill(&session, "connection-url", fake.base_url()).await;
    fill(&session, "connection-token", "wrong-token").await;
    click(&session, "connection-save").await;
    let token_field = session
        .find_containing(
            "[data-testid=connection-form] label.field",
            "OAuth access token",
            WAIT,
        )
        .await;
    let deadline = std::time::Instant::now() + WAIT;
    let error = loop {
        if let Some(e) = session.find_in(&token_field, ".field-error").await {
            let text = session.text(&e).await;
            if !text.is_empty() {
                break text;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no error at the token"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(error.contains("did not accept the token"), "{error}");
    assert!(
        !session
            .has_containing("[data-testid=connection-row]", "Bad token")
            .await,
        "nothing saved"
    );
    session.screenshot(&shot("connection-bad-token-save")).await;
    click(&session, "connection-save-anyway").await;
    let failing = row_line(&session, "Bad token", "did not accept the token").await;
    assert!(failing.contains("checked just now"), "{failing}");
    assert_eq!(health_of(&session, "Bad token").await, "failing");

    // A good one is verified on save.
    click(&session, "connection-add").await;
    fill(&session, "connection-name", "Good Quay").await;
    fill(&session, "connection-url", fake.base_url()).await;
    fill(&session, "connection-token", TOKEN).await;
    click(&session, "connection-save").await;
    row_line(&session, "Good Quay", "Signed in as alice").await;
    assert_eq!(health_of(&session, "Good Quay").await, "verified");

    // Leave and come back: both results are still there. The token is revoked meanwhile, so
    // "verified" can only be the kept result (a fresh one is not checked again on opening).
    fake.add_token(TOKEN, "alice", &[]);
    nav(&session, "repositories").await;
    session
        .wait_text("main h1", WAIT, |t| t == "Repositories")
        .await;
    nav(&session, "connections").await;
    row_line(&session, "Good Quay", "Signed in as alice").await;
    assert_eq!(health_of(&session, "Good Quay").await, "verified");
    row_line(&session, "Bad token", "did not accept the token").await;
    assert_eq!(health_of(&session, "Bad token").await, "failing");
    session.screenshot(&shot("connection-health-kept")).await;

    // Edit in place: the form replaces the row, the kind is locked, and a dead address is
    // refused at the address in plain words with the transport's text behind "details".
    let row = session
        .find_containing("[data-testid=connection-row]", "Bad token", WAIT)
        .await;
    click_in(&session, &row, "connection-edit").await;
    let editing = session.find("[data-testid=connection-editing]", WAIT).await;
    let kind = session
        .find_in(&editing, "[data-testid=connection-kind]")
        .await
        .unwrap();
    assert_eq!(
        session.property(&kind, "disabled").await,
        serde_json::json!(true),
        "the registry kind is locked"
    );
    fill(&session, "connection-url", &format!("http://{closed_at}")).await;
    fill(&session, "connection-token", TOKEN).await;
    click(&session, "connection-save").await;
    let url_field = session
        .find_containing(
            "[data-testid=connection-form] label.field",
            "Server address",
            WAIT,
        )
        .await;
    let deadline = std::time::Instant::now() + WAIT;
    let error = loop {
        // The error's line is always there (reserved, so nothing moves); wait for its words.
        if let Some(e) = session.find_in(&url_field, ".field-error").await {
            let text = session.text(&e).await;
            if !text.is_empty() {
                break text;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no error at the address"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        error.starts_with(&format!("Nothing is listening at {closed_at}.")),
        "{error}"
    );
    let detail = session
        .find("[data-testid=connection-url-detail]", WAIT)
        .await;
    let detail_text = session.property(&detail, "textContent").await;
    let detail_text = detail_text.as_str().unwrap_or_default();
    assert!(
        detail_text.to_lowercase().contains("refused"),
        "{detail_text}"
    );
    assert!(!detail_text.contains(TOKEN));
    session.screenshot(&shot("connection-dead-address")).await;
    // Saved anyway, the row shows the new failure, never the old token error.
    click(&session, "connection-save-anyway").await;
    let moved = row_line(&session, "Bad token", "Nothing is listening").await;
    assert!(!moved.contains("did not accept the token"), "{moved}");

    remove_connection(&session, "Bad token").await;
    remove_connection(&session, "Good Quay").await;
    session.quit().await;
}
