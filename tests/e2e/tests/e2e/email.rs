//! The e-mail method in the real window (walkthrough #21): Quay refuses an e-mail notification
//! until the recipient confirmed the address for the repository. Create asks Quay to mail the
//! confirmation link, the form waits, and once the (fake) recipient clicks it the notification
//! is created without another click.

use e2e::webdriver::Session;

use crate::settings::offset;
use crate::workflows::{
    acme_notifications, acme_quay, add_connection, assert_heading_focused, click, fill,
    open_repository, remove_connection, shot, WAIT,
};

const TOKEN: &str = "qTok-E2E-Email-0be41c";
const ADDRESS: &str = "ops@example.com";

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn an_email_notification_is_created_once_its_address_is_confirmed() {
    let fake = acme_quay(TOKEN, &["web"]).await;
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    add_connection(
        &session,
        "Quay (e-mail)",
        "quay",
        fake.base_url(),
        None,
        TOKEN,
    )
    .await;
    open_repository(&session, "Quay (e-mail)", "acme", "web").await;

    click(&session, "notification-create").await;
    fill(&session, "notification-title", "Mail ops").await;
    // Choosing an event with options (a build's ref filter) moves nothing below it (#10).
    // (Measured from the form's top: the repository's tags load above it meanwhile.)
    let method = "[data-testid=notification-method]";
    let form = "[data-testid=notification-form]";
    let before = offset(&session, method, form).await;
    session
        .select("[data-testid=notification-event]", "build_failure", WAIT)
        .await;
    session
        .find("[data-testid=notification-ref-regex]", WAIT)
        .await;
    assert_eq!(offset(&session, method, form).await, before);
    session
        .select("[data-testid=notification-event]", "repo_push", WAIT)
        .await;
    session
        .select("[data-testid=notification-method]", "email", WAIT)
        .await;
    fill(&session, "notification-email", ADDRESS).await;
    session
        .wait_text("[data-testid=email-confirmation]", WAIT, |t| {
            t.contains("has not been asked")
        })
        .await;

    // Create: Quay mails the link, nothing is created yet, and the form says it is waiting.
    click(&session, "notification-submit").await;
    let waiting = session
        .wait_text("[data-testid=email-confirmation]", WAIT, |t| {
            t.contains("Waiting for the recipient")
        })
        .await;
    assert!(waiting.contains("created as soon as"), "{waiting}");
    assert_eq!(
        fake.confirmation_mails(),
        [("acme".into(), "web".into(), ADDRESS.into())],
        "one confirmation mail"
    );
    assert!(acme_notifications(&fake, TOKEN, "web").await.is_empty());
    session.screenshot(&shot("email-waiting")).await;

    // The recipient clicks the link: the notification appears without another click.
    fake.authorize_email("acme", "web", ADDRESS);
    session
        .find_containing("[data-testid=notification-row]", "Mail ops", WAIT)
        .await;
    let created = acme_notifications(&fake, TOKEN, "web").await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(created[0]["method"], "email");
    assert_eq!(created[0]["config"]["email"], ADDRESS);
    assert_eq!(fake.confirmation_mails().len(), 1, "no second mail");

    // Send to Wharf on a loopback receiver warns, and its link opens the receiver's settings
    // with focus on the screen's heading (#29, #55).
    click(&session, "notification-create").await;
    session
        .select("[data-testid=notification-method]", "webhook", WAIT)
        .await;
    click(&session, "send-to-wharf").await;
    let warning = session
        .wait_text("[data-testid=send-to-wharf-warning]", WAIT, |t| {
            t.contains("only reachable from this machine")
        })
        .await;
    assert!(warning.contains("Receiver settings"), "{warning}");
    click(&session, "send-to-wharf-settings").await;
    assert_heading_focused(&session, "Settings").await;
    remove_connection(&session, "Quay (e-mail)").await;
    session.quit().await;
}
