//! The real Wharf window, driven through tauri-driver + WebKitWebDriver.
//! Run through `tests/e2e/run.sh` (`make e2e`); plain `cargo test` lists these as ignored.

use std::time::Duration;

use e2e::webdriver::Session;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn navigation_renders_and_about_shows_the_cargo_version() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;

    for (nav, heading) in [
        ("connections", "Connections"),
        ("repositories", "Repositories"),
        ("inbox", "Inbox"),
        ("settings", "Settings"),
    ] {
        let button = session.find(&format!("#nav-{nav}"), WAIT).await;
        session.click(&button).await;
        session.wait_text("main h1", WAIT, |t| t == heading).await;
        let empty = session.find("[data-testid=empty-state] h2", WAIT).await;
        assert!(
            !session.text(&empty).await.is_empty(),
            "{nav} has an empty state"
        );
        session
            .screenshot(&e2e::workspace_root().join(format!("docs/screenshots/{nav}-empty.png")))
            .await;
    }

    let about = session.find("#nav-about", WAIT).await;
    session.click(&about).await;
    let version = session
        .wait_text("#about-version", WAIT, |t| !t.is_empty())
        .await;
    assert_eq!(version, e2e::cargo_version());
    let data_dir = session
        .wait_text("#about-data-dir", WAIT, |t| !t.is_empty())
        .await;
    assert!(
        data_dir.ends_with("dev.wharf.desktop"),
        "data dir: {data_dir}"
    );
    session
        .screenshot(&e2e::workspace_root().join("docs/screenshots/about.png"))
        .await;

    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn the_page_runs_under_the_strict_csp_and_frozen_prototype() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    session.find("#nav-connections", WAIT).await;
    let frozen = session
        .execute("return Object.isFrozen(Object.prototype);", vec![])
        .await;
    assert_eq!(frozen, serde_json::json!(true));
    // An inline script injected into the page must not run under the CSP.
    let ran = session
        .execute(
            "window.__inlineRan = false;\
             const s = document.createElement('script');\
             s.textContent = 'window.__inlineRan = true';\
             document.body.appendChild(s);\
             return window.__inlineRan;",
            vec![],
        )
        .await;
    assert_eq!(
        ran,
        serde_json::json!(false),
        "inline script executed despite the CSP"
    );
    session.quit().await;
}
