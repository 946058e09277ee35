//! The Routes screen in the real window: a route named by a person, a sample build failure sent
//! to it through the app's own receiver (stored, listed under the route's name in the Inbox, a
//! toast in dunst), and the route deleted with its deliveries kept. Run through
//! `tests/e2e/run.sh`.

use std::time::{Duration, Instant};

use e2e::webdriver::Session;

use crate::workflows::{nav, shot, WAIT};

/// What Red Hat Quay's documented build failure says; the toast carries it.
const FAILURE_TEXT: &str = "Could not find or parse Dockerfile";

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn a_named_route_gets_a_sample_build_failure_listed_under_its_name_with_a_toast() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    let url = e2e::mint_route(&session, "routes e2e", 200).await;
    let token = url.rsplit("/hooks/").next().unwrap().to_owned();
    let name = format!("prod Quay → CI failures {}", std::process::id());
    let card = format!("[data-testid=route-card][data-token=\"{token}\"]");

    nav(&session, "routes").await;
    session.wait_text("main h1", WAIT, |t| t == "Routes").await;
    let field = session
        .find(&format!("{card} [data-testid=route-name]"), WAIT)
        .await;
    assert_eq!(session.value(&field).await, "routes e2e");
    session.type_text(&field, &name).await;
    let save = session
        .find(&format!("{card} [data-testid=route-name-save]"), WAIT)
        .await;
    session.click(&save).await;
    session
        .wait_text(
            &format!("{card} [data-testid=route-name-saved]"),
            WAIT,
            |t| t == "Saved.",
        )
        .await;
    // Its URL on the address the receiver is bound to, to copy.
    let local = session
        .wait_text(
            &format!("{card} [data-testid=route-url-local]"),
            WAIT,
            |t| t.ends_with(&format!("/hooks/{token}")),
        )
        .await;
    assert!(local.starts_with("http://127.0.0.2:"), "{local}");

    let toasts_before = e2e::toasts_mentioning(FAILURE_TEXT);
    session
        .select(
            &format!("{card} [data-testid=route-sample-event]"),
            "quay:build_failure:redhat",
            WAIT,
        )
        .await;
    let send = session
        .find(&format!("{card} [data-testid=route-sample-send]"), WAIT)
        .await;
    session.click(&send).await;
    session
        .wait_text(
            &format!("{card} [data-testid=route-sample-result]"),
            WAIT,
            |t| t.contains("Wharf answered 200"),
        )
        .await;
    session
        .wait_text(&format!("{card} [data-testid=route-activity]"), WAIT, |t| {
            t.starts_with("1 delivery, last ")
        })
        .await;
    // The receiver's toast, as for a delivery from Quay.
    let deadline = Instant::now() + WAIT;
    while e2e::toasts_mentioning(FAILURE_TEXT) <= toasts_before {
        assert!(
            Instant::now() < deadline,
            "no toast for the sample in dunst"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    session.screenshot(&shot("routes")).await;

    // Listed in the Inbox under the route's name: the route filter offers it by that name.
    let show = session
        .find(&format!("{card} [data-testid=route-show-deliveries]"), WAIT)
        .await;
    session.click(&show).await;
    session.wait_text("main h1", WAIT, |t| t == "Inbox").await;
    let chosen = session
        .find(
            &format!("[data-testid=inbox-filter-route] option[value=\"{token}\"]"),
            WAIT,
        )
        .await;
    assert_eq!(session.text(&chosen).await, name);
    assert_eq!(
        session.property(&chosen, "selected").await,
        serde_json::json!(true)
    );
    let row = session
        .find_containing("[data-testid=inbox-row]", "build_failure", WAIT)
        .await;
    let rows = session
        .execute(
            "return document.querySelectorAll('[data-testid=inbox-row]').length;",
            vec![],
        )
        .await;
    assert_eq!(rows, serde_json::json!(1), "only the route's delivery");
    let text = session.property(&row, "textContent").await;
    assert!(
        text.as_str().is_some_and(|t| t.contains("dgangaia/test")),
        "{text}"
    );
    session.click(&row).await;
    session
        .wait_text("[data-testid=inbox-detail-route]", WAIT, |t| t == name)
        .await;

    // Deleted: the delivery stays, marked as from a deleted route.
    nav(&session, "routes").await;
    let delete = session
        .find(&format!("{card} [data-testid=route-delete]"), WAIT)
        .await;
    session.click(&delete).await;
    let confirm = session
        .find(&format!("{card} [data-testid=route-delete-confirm]"), WAIT)
        .await;
    session.click(&confirm).await;
    session
        .wait_text("[data-testid=routes-notice]", WAIT, |t| {
            t.contains(&name) && t.contains("deliveries stay")
        })
        .await;
    assert!(session.try_find(&card).await.is_none());
    let answer = reqwest::Client::new()
        .post(&url)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404, "the deleted route's URL");
    nav(&session, "inbox").await;
    let row = session
        .find_containing("[data-testid=inbox-row]", "build_failure", WAIT)
        .await;
    session.click(&row).await;
    session
        .wait_text("[data-testid=inbox-detail-route]", WAIT, |t| {
            t.starts_with("deleted route (")
        })
        .await;
    session.quit().await;
}
