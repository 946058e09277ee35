//! Settings forms that stay still and keep work (walkthrough #9, #10, #50, #51): a refused
//! save focuses the invalid field and shows its error once, under it, in a line that was
//! already there, so nothing below moves; the error goes as soon as the field is fixed; edits
//! not saved survive leaving the screen, marked in the sidebar, until saved or discarded.

use e2e::webdriver::Session;
use serde_json::{json, Value};

use crate::workflows::{click, fill, nav, WAIT};

/// Where `css` is relative to `anchor` (x, y) and its size (width, height): what a pending
/// click aims at, whatever scrolling happened meanwhile.
pub(crate) async fn offset(session: &Session, css: &str, anchor: &str) -> Vec<f64> {
    // Both may still be on their way (the settings form comes once the settings are read).
    session.find(css, WAIT).await;
    session.find(anchor, WAIT).await;
    let r: Value = session
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect();\
             const a = document.querySelector(arguments[1]).getBoundingClientRect();\
             return [r.x - a.x, r.y - a.y, r.width, r.height];",
            vec![json!(css), json!(anchor)],
        )
        .await;
    r.as_array()
        .unwrap_or_else(|| panic!("no {css} or {anchor}: {r}"))
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

async fn field_error_under(session: &Session, testid: &str) -> String {
    session
        .execute(
            "return document.querySelector(`[data-testid=${arguments[0]}]`).closest('.field').querySelector('.field-error').textContent;",
            vec![json!(testid)],
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn settings_errors_stay_put_and_unsaved_edits_survive_leaving() {
    // What is saved here goes with the test, also when it fails.
    let _settings = e2e::aside::SetAside::settings();
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    nav(&session, "settings").await;
    // Measured from the form's top: the refused save scrolls the form to the invalid field.
    let below = "[data-testid=settings-public-url]";
    let form = "[data-testid=settings-form]";
    let before = offset(&session, below, form).await;

    // A bad port: Save refuses, focuses Port, and says why once, under it; nothing moved.
    fill(&session, "settings-port", "port 80").await;
    click(&session, "settings-save").await;
    session
        .wait_text("[data-testid=settings-form]", WAIT, |_| true)
        .await;
    let error = field_error_under(&session, "settings-port").await;
    assert!(!error.is_empty(), "the port's error shows under it");
    assert_eq!(session.focused_testid().await, "settings-port");
    assert!(
        session
            .try_find("[data-testid=settings-error]")
            .await
            .is_none(),
        "no form-level copy of a field's error"
    );
    assert_eq!(
        offset(&session, below, form).await,
        before,
        "the error line was reserved"
    );

    // Fixed: the error goes at once, and still nothing moved.
    fill(&session, "settings-port", "47840").await;
    assert_eq!(field_error_under(&session, "settings-port").await, "");
    assert_eq!(offset(&session, below, form).await, before);

    // An edit left unsaved survives leaving, marked in the sidebar, until discarded.
    fill(&session, "settings-body-limit", "20").await;
    nav(&session, "connections").await;
    session
        .find("[data-testid=nav-settings-unsaved]", WAIT)
        .await;
    nav(&session, "settings").await;
    let limit = session
        .find("[data-testid=settings-body-limit]", WAIT)
        .await;
    assert_eq!(session.value(&limit).await, "20");
    session.find("[data-testid=settings-unsaved]", WAIT).await;
    click(&session, "settings-discard").await;
    assert_eq!(session.value(&limit).await, "10");
    assert!(session
        .try_find("[data-testid=nav-settings-unsaved]")
        .await
        .is_none());
    session.quit().await;
}
