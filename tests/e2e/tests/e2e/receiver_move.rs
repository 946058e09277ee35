//! Moving the receiver in the real window: Settings lists the notifications that deliver to
//! this inbox before the move, and "Move and update" points them at the new address, after which
//! they deliver. run.sh pins the bind address and port through the environment (which Settings
//! then cannot change), so the address moves the way a tunnel user moves it: the public base URL
//! goes from one tunnel to another, and the old tunnel is closed.

use std::net::SocketAddr;

use e2e::webdriver::Session;
use fakes::quay::FakeQuay;
use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};

use crate::workflows::{
    acme_notifications, acme_quay, add_connection, click, fake_quay_api, fill, nav,
    remove_connection, shot, WAIT,
};

const TOKEN: &str = "qTok-E2E-Move-52be0a";

/// A tunnel: every connection to `listen_ip:<free port>` is relayed to `to`. Aborting the
/// returned task closes it.
async fn tunnel(listen_ip: &str, to: SocketAddr) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind((listen_ip, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut relays = tokio::task::JoinSet::new();
        while let Ok((mut inbound, _)) = listener.accept().await {
            relays.spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (addr, task)
}

async fn invoke(session: &Session, cmd: &str, args: Value) -> Value {
    session
        .execute(
            "return window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]);",
            vec![json!(cmd), args],
        )
        .await
}

async fn create(fake: &FakeQuay, repo: &str, url: &str) -> String {
    let created = fake_quay_api(
        fake,
        TOKEN,
        reqwest::Method::POST,
        &format!("/repository/acme/{repo}/notification/"),
        Some(
            json!({"event": "repo_push", "method": "webhook", "config": {"url": url},
                    "eventConfig": {}, "title": format!("{repo} to Wharf")}),
        ),
    )
    .await;
    created["uuid"].as_str().expect("created").to_owned()
}

/// Sets the public base URL in Settings and presses Save; the move panel opens.
async fn save_public_base(session: &Session, base: &str) {
    nav(session, "settings").await;
    fill(session, "settings-public-url", base).await;
    click(session, "settings-save").await;
    session.find("[data-testid=receiver-move]", WAIT).await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn moving_the_receiver_offers_to_update_the_notifications_that_use_it() {
    // The public base URL set here goes with the test, also when it fails: later tests
    // start from the run's settings.
    let _settings = e2e::aside::SetAside::settings();
    let fake = acme_quay(TOKEN, &["web", "api"]).await;
    fake.set_delivery_retries(0);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    add_connection(
        &session,
        "Quay (move)",
        "quay",
        fake.base_url(),
        None,
        TOKEN,
    )
    .await;

    let status = invoke(&session, "inbox_status", json!({})).await;
    let receiver: SocketAddr = status["baseUrl"]
        .as_str()
        .and_then(|u| u.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no receiver: {status}"))
        .parse()
        .unwrap();
    let (old, old_tunnel) = tunnel("127.0.0.3", receiver).await;
    let (new, _new_tunnel) = tunnel("127.0.0.4", receiver).await;

    // First tunnel: nothing delivers to the inbox yet, so the move is simply confirmed.
    save_public_base(&session, &format!("http://{old}")).await;
    click(&session, "receiver-move-only").await;
    session.find("[data-testid=settings-saved]", WAIT).await;

    // Two notifications made with Send to Wharf URLs (through the first tunnel), and one elsewhere.
    let mut tokens = Vec::new();
    for repo in ["web", "api"] {
        let url = e2e::mint_route(&session, &format!("acme/{repo} repo_push"), 200).await;
        assert!(url.starts_with(&format!("http://{old}/hooks/")), "{url}");
        tokens.push(url.rsplit('/').next().unwrap().to_owned());
        create(&fake, repo, &url).await;
    }
    create(&fake, "web", "https://ci.example/hook").await;

    // The second tunnel: Settings finds the two (reading every notification first) and offers.
    save_public_base(&session, &format!("http://{new}")).await;
    click(&session, "receiver-move-scan").await;
    let count = session
        .wait_text("[data-testid=receiver-move-count]", WAIT, |t| {
            t.starts_with("2 notifications")
        })
        .await;
    assert!(count.contains("stop working"), "{count}");
    let listed = session
        .wait_text("[data-testid=receiver-move-list]", WAIT, |_| true)
        .await;
    assert!(
        listed.contains("web to Wharf") && listed.contains("api to Wharf"),
        "{listed}"
    );
    session.screenshot(&shot("receiver-move")).await;
    click(&session, "receiver-move-update").await;
    let done = session
        .wait_text("[data-testid=receiver-repointed]", WAIT, |t| {
            t.matches('✓').count() == 2
        })
        .await;
    assert!(
        done.contains(&format!("Now delivers to http://{new}")),
        "{done}"
    );
    assert!(
        !done.contains(&tokens[0]),
        "a route's token is not shown: {done}"
    );

    // The old tunnel closes; Quay's tests now reach the inbox only through the new address.
    old_tunnel.abort();
    for (repo, token) in ["web", "api"].iter().zip(&tokens) {
        let hooks = acme_notifications(&fake, TOKEN, repo).await;
        let ours: Vec<&Value> = hooks
            .iter()
            .filter(|n| {
                n["config"]["url"]
                    .as_str()
                    .is_some_and(|u| u.contains(token))
            })
            .collect();
        assert_eq!(ours.len(), 1, "replaced, not duplicated: {hooks:?}");
        let url = ours[0]["config"]["url"].as_str().unwrap();
        assert_eq!(url, format!("http://{new}/hooks/{token}"));
        let uuid = ours[0]["uuid"].as_str().unwrap();
        fake_quay_api(
            &fake,
            TOKEN,
            reqwest::Method::POST,
            &format!("/repository/acme/{repo}/notification/{uuid}/test"),
            None,
        )
        .await;
        fake.wait_for_deliveries().await;
        assert_eq!(
            fake.notification(uuid).unwrap()["number_of_failures"],
            0,
            "delivered through the new address"
        );
        let stored = invoke(&session, "inbox_list", json!({"query": {"text": token}})).await;
        assert_eq!(
            stored.as_array().map(Vec::len),
            Some(1),
            "the inbox has acme/{repo}'s test: {stored}"
        );
    }
    assert_eq!(acme_notifications(&fake, TOKEN, "web").await.len(), 2);

    // One left at the old address (made elsewhere, say): the Overview tells it from the others.
    let stale = create(&fake, "api", &format!("http://{old}/hooks/{}", tokens[1])).await;
    crate::fleet::scan(&session).await;
    session
        .wait_text(
            &format!("[data-id=\"{stale}\"] [data-testid=route-moved]"),
            WAIT,
            |t| t == "Old Wharf address",
        )
        .await;
    let web = acme_notifications(&fake, TOKEN, "web").await;
    let updated = web
        .iter()
        .find(|n| {
            n["config"]["url"]
                .as_str()
                .is_some_and(|u| u.contains(&tokens[0]))
        })
        .and_then(|n| n["uuid"].as_str())
        .expect("web's notification to Wharf");
    session
        .wait_text(
            &format!("[data-id=\"{updated}\"] [data-testid=route-current]"),
            WAIT,
            |t| t == "Wharf route: acme/web repo_push",
        )
        .await;
    // Later tests share this run's settings: back to no public base URL.
    save_public_base(&session, " ").await; // blank: WebDriver cannot type nothing
    click(&session, "receiver-move-only").await;
    session.find("[data-testid=settings-saved]", WAIT).await;
    remove_connection(&session, "Quay (move)").await;
    session.quit().await;
}
