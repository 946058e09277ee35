//! The real Wharf window, driven through tauri-driver + WebKitWebDriver.
//! Run through `tests/e2e/run.sh` (`make e2e`); plain `cargo test` lists these as ignored.

use std::time::Duration;

use e2e::webdriver::Session;

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn navigation_renders_and_about_shows_the_cargo_version() {
    // A first launch, whatever connections a failed test left behind.
    let connections = e2e::aside::app_dir("XDG_CONFIG_HOME").join("connections.json");
    let _aside = e2e::aside::SetAside::new(vec![connections]);
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;

    // The inbox is left out here: other tests in this run fill it.
    for (nav, heading) in [
        ("connections", "Connections"),
        ("repositories", "Repositories"),
    ] {
        let button = session.find(&format!("#nav-{nav}"), WAIT).await;
        session.click(&button).await;
        session.wait_text("main h1", WAIT, |t| t == heading).await;
        let empty = session.find("[data-testid=empty-state] h2", WAIT).await;
        assert!(
            !session.text(&empty).await.is_empty(),
            "{nav} has an empty state"
        );
        if nav == "connections" {
            // First launch: the inbox already listens, and the screen says where.
            session
                .wait_text("[data-testid=getting-started-inbox]", WAIT, |t| {
                    t.contains("already listening at http://127.0.0.2:")
                })
                .await;
            let steps = session
                .wait_text("[data-testid=getting-started] ol", WAIT, |t| !t.is_empty())
                .await;
            assert!(steps.contains("See it in the Inbox"), "{steps}");
        }
        session
            .screenshot(&e2e::screenshot_path(&format!("{nav}-empty")))
            .await;
    }

    let settings = session.find("#nav-settings", WAIT).await;
    session.click(&settings).await;
    session
        .wait_text("main h1", WAIT, |t| t == "Settings")
        .await;
    session
        .wait_text("[data-testid=settings-listening]", WAIT, |t| {
            t.contains("127.0.0.2")
        })
        .await;
    // run.sh sets WHARF_RECEIVER_BIND for the app: the screen says the variable decides it.
    session
        .wait_text("[data-testid=settings-override-bind]", WAIT, |t| {
            t.starts_with("WHARF_RECEIVER_BIND=127.0.0.2 decides this for this run")
        })
        .await;
    session.screenshot(&e2e::screenshot_path("settings")).await;

    let inbox = session.find("#nav-inbox", WAIT).await;
    session.click(&inbox).await;
    session.wait_text("main h1", WAIT, |t| t == "Inbox").await;
    session
        .wait_text("#inbox-receiver", WAIT, |t| {
            t.contains("Receiver listening on http://")
        })
        .await;

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
    session.screenshot(&e2e::screenshot_path("about")).await;

    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn the_web_process_paints_on_the_cpu() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    session.find("#nav-connections", WAIT).await;
    let tree = e2e::process_tree(&e2e::app_binary(), &e2e::processes());
    let web: Vec<u32> = tree
        .iter()
        .filter(|p| p.name.starts_with("WebKitWebProces"))
        .map(|p| p.pid)
        .collect();
    assert!(!web.is_empty(), "no web process below the app");
    for pid in web {
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
        assert!(
            environ
                .split(|&b| b == 0)
                .any(|v| v == b"WEBKIT_SKIA_ENABLE_CPU_RENDERING=1"),
            "web process {pid} was not told to paint on the CPU"
        );
    }
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

/// In both themes a placeholder reads as a hint: its contrast with the field's background is
/// well below that of a typed value (WCAG contrast ratios from the computed colours; WebKit does
/// not compute `::placeholder` styles, so its colour is read from the rule's variable).
#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn placeholders_are_clearly_dimmer_than_values_in_both_themes() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    crate::workflows::nav(&session, "connections").await;
    crate::workflows::click(&session, "connection-add").await;
    session.find("[data-testid=connection-name]", WAIT).await;
    for theme in ["light", "dark"] {
        let ratios = session
            .execute(
                "document.documentElement.dataset.theme = arguments[0];\
                 const input = document.querySelector('[data-testid=connection-name]');\
                 const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);\
                 const lum = c => { const [r, g, b] = rgb(c).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };\
                 const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };\
                 let bg = getComputedStyle(input).backgroundColor;\
                 if (bg === 'rgba(0, 0, 0, 0)') bg = getComputedStyle(document.body).backgroundColor;\
                 const hex = v => { const h = v.trim().replace('#', ''); return `rgb(${parseInt(h.slice(0, 2), 16)}, ${parseInt(h.slice(2, 4), 16)}, ${parseInt(h.slice(4, 6), 16)})`; };\
                 const rule = Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules)).find(r => r.selectorText === '::placeholder');\
                 if (!rule || !rule.style.color.includes('--placeholder')) return 'no ::placeholder rule';\
                 const placeholder = hex(getComputedStyle(document.documentElement).getPropertyValue('--placeholder'));\
                 return [ratio(getComputedStyle(input).color, bg), ratio(placeholder, bg)];",
                vec![serde_json::json!(theme)],
            )
            .await;
        let (value, placeholder) = (ratios[0].as_f64().unwrap(), ratios[1].as_f64().unwrap());
        assert!(
            value >= 7.0,
            "{theme}: values are easy to read ({value:.1})"
        );
        assert!(
            placeholder < value / 2.0 && placeholder >= 2.0,
            "{theme}: placeholder {placeholder:.1} against value {value:.1}"
        );
    }
    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn a_hostile_delivery_arrives_live_and_is_shown_as_text() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    open_inbox(&session).await;

    let hostile = "<img src=x onerror=window.__pwned=1><script>window.__pwned=2</script>";
    let payload = serde_json::json!({
        "repository": format!("ns/{hostile}"),
        "namespace": "ns",
        "name": hostile,
        "docker_url": "quay.example/ns/x",
        "homepage": "javascript:window.__pwned=3",
        "updated_tags": ["latest"],
    });
    let route = e2e::mint_route(&session, "hostile", 200).await;
    let answer = reqwest::Client::new()
        .post(&route)
        .json(&payload)
        .send()
        .await
        .expect("the app's receiver answers");
    assert_eq!(answer.status(), 200, "stored on its route");

    let list = session
        .wait_text("#inbox-list", WAIT, |t| t.contains("<img src=x onerror="))
        .await;
    assert!(
        list.contains("<script>"),
        "the payload text is shown literally: {list}"
    );
    assert!(
        session.try_find("#inbox-list img").await.is_none(),
        "markup from the payload was rendered"
    );
    assert!(session.try_find("#inbox-list script").await.is_none());
    let pwned = session
        .execute("return window.__pwned === undefined;", vec![])
        .await;
    assert_eq!(pwned, serde_json::json!(true), "payload script ran");
    session
        .screenshot(&e2e::screenshot_path("inbox-hostile"))
        .await;
    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn a_burst_of_deliveries_raises_few_coalesced_toasts_in_dunst() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    open_inbox(&session).await;

    let route = e2e::mint_route(&session, "burst", 200).await;
    let marker = format!("burst{}", std::process::id());
    assert_eq!(e2e::toasts_mentioning(&marker), 0);
    let client = reqwest::Client::new();
    let payload = serde_json::json!({
        "repository": format!("{marker}/app"), "namespace": marker, "name": "app",
        "docker_url": "quay.example/x/app", "homepage": "https://quay.example/x/app",
        "updated_tags": ["latest"],
    });
    for _ in 0..200 {
        let answer = client.post(&route).json(&payload).send().await.unwrap();
        assert_eq!(answer.status(), 200);
    }
    // The policy's window is 2 s: the first toast is immediate, the summary follows it.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let toasts = e2e::toasts_mentioning(&marker);
    assert!(
        (1..=3).contains(&toasts),
        "200 deliveries should raise 1 to 3 toasts in dunst, got {toasts}"
    );
    session.quit().await;
}

/// Opens the Inbox and waits until it shows the receiver listening.
async fn open_inbox(session: &Session) {
    let inbox = session.find("#nav-inbox", WAIT).await;
    session.click(&inbox).await;
    session
        .wait_text("#inbox-base-url", WAIT, |t| t.starts_with("http://"))
        .await;
}
