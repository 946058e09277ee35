//! The Inbox in the real window: an export through the system's real Save dialog (GTK, driven
//! with xdotool as a person would with the keyboard) into the download folder, "Show in folder"
//! reaching a file manager over D-Bus, the unread badge, filters kept across screens, and a
//! clicked dunst toast opening its delivery. Run through `tests/e2e/run.sh`.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::webdriver::Session;

use crate::workflows::{click, fill, nav, WAIT};

fn downloads() -> PathBuf {
    PathBuf::from(std::env::var("WHARF_E2E_DOWNLOADS").expect("run.sh sets WHARF_E2E_DOWNLOADS"))
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Waits for the Save dialog (a GTK window titled "Export deliveries"), gives it the keyboard
/// and presses `key` in it: Return saves under the suggested name, Escape cancels.
fn answer_save_dialog(key: &str) {
    let deadline = Instant::now() + WAIT;
    let window = loop {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^Export deliveries$"])
            .output()
            .expect("xdotool runs");
        let found = String::from_utf8_lossy(&out.stdout);
        if let Some(id) = found.lines().next() {
            break id.to_owned();
        }
        assert!(Instant::now() < deadline, "no Save dialog appeared");
        std::thread::sleep(Duration::from_millis(200));
    };
    // The dialog fills in its folder and name just after it maps.
    std::thread::sleep(Duration::from_millis(800));
    let focused = Command::new("xdotool")
        .args(["windowfocus", "--sync", &window])
        .status()
        .unwrap();
    assert!(focused.success(), "the dialog took the focus");
    let pressed = Command::new("xdotool")
        .args(["key", "--clearmodifiers", key])
        .status()
        .unwrap();
    assert!(pressed.success());
}

async fn post(url: &str, repository: &str) {
    let (namespace, name) = repository.split_once('/').unwrap();
    let answer = reqwest::Client::new()
        .post(url)
        .json(&serde_json::json!({
            "repository": repository, "namespace": namespace, "name": name,
            "docker_url": format!("quay.example/{repository}"),
            "homepage": format!("https://quay.example/repository/{repository}"),
            "updated_tags": ["latest"],
        }))
        .send()
        .await
        .expect("the app's receiver answers");
    assert_eq!(answer.status(), 200);
}

/// A file manager on the session bus, as a desktop has: it records what it is asked to show.
struct FileManager {
    shown: Arc<Mutex<Vec<Vec<String>>>>,
}

#[zbus::interface(name = "org.freedesktop.FileManager1")]
impl FileManager {
    async fn show_items(&self, uris: Vec<String>, _startup_id: String) {
        self.shown.lock().unwrap().push(uris);
    }
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn the_filtered_deliveries_are_exported_through_the_save_dialog_and_shown_in_their_folder() {
    let shown = Arc::new(Mutex::new(Vec::new()));
    let _file_manager = zbus::connection::Builder::session()
        .unwrap()
        .name("org.freedesktop.FileManager1")
        .unwrap()
        .serve_at(
            "/org/freedesktop/FileManager1",
            FileManager {
                shown: shown.clone(),
            },
        )
        .unwrap()
        .build()
        .await
        .expect("a file manager on the session bus");
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    nav(&session, "inbox").await;
    let marker = format!("exp{}", std::process::id());
    let route = e2e::mint_route(&session, "export e2e", 200).await;
    post(&route, &format!("{marker}/api")).await;
    post(&route, &format!("{marker}/web")).await;
    post(&route, &format!("other{marker}x/db")).await;

    // A namespace finds its repositories; the button says it exports those two only.
    fill(&session, "inbox-filter-repository", &format!("{marker}/")).await;
    let label = session
        .wait_text("[data-testid=inbox-export]", WAIT, |t| {
            t == "Export 2 deliveries (filtered)"
        })
        .await;
    assert_eq!(label, "Export 2 deliveries (filtered)");
    let list = session
        .wait_text("#inbox-list", WAIT, |t| {
            t.contains(&format!("{marker}/api")) && t.contains(&format!("{marker}/web"))
        })
        .await;
    assert!(!list.contains("/db"), "{list}");

    // Cancelling the dialog writes nothing and says nothing.
    let before = files_in(&downloads());
    click(&session, "inbox-export").await;
    answer_save_dialog("Escape");
    session
        .wait_text("[data-testid=inbox-export]", WAIT, |t| {
            t.starts_with("Export 2")
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        files_in(&downloads()),
        before,
        "a cancelled export wrote a file"
    );
    assert!(session
        .try_find("[data-testid=inbox-export-result]")
        .await
        .is_none());

    // Return saves under the suggested name, in the download folder.
    click(&session, "inbox-export").await;
    answer_save_dialog("Return");
    let result = session
        .wait_text("[data-testid=inbox-export-result]", WAIT, |t| {
            t.starts_with("Saved 2 deliveries to")
        })
        .await;
    let added: Vec<String> = files_in(&downloads())
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    assert_eq!(added.len(), 1, "{added:?}");
    let name = &added[0];
    // wharf-inbox-YYYY-MM-DD-HHMM.jsonl (or -2, -3... when one of that minute exists).
    let stamp = name
        .strip_prefix("wharf-inbox-")
        .and_then(|rest| rest.split(".jsonl").next())
        .unwrap_or_else(|| panic!("file name {name}"));
    assert!(
        stamp.len() >= 15
            && stamp[..15]
                .chars()
                .enumerate()
                .all(|(i, c)| if [4, 7, 10].contains(&i) {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }),
        "file name {name}"
    );
    let file = downloads().join(name);
    assert!(result.contains(&file.display().to_string()), "{result}");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains(&format!("{marker}/api")) && text.contains(&format!("{marker}/web")));

    click(&session, "inbox-export-reveal").await;
    let deadline = Instant::now() + WAIT;
    while shown.lock().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the file manager was never asked"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        shown.lock().unwrap()[0],
        vec![format!("file://{}", file.display())]
    );
    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn deliveries_elsewhere_badge_the_inbox_and_a_clicked_toast_opens_its_delivery() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    nav(&session, "inbox").await;
    fill(&session, "inbox-filter-text", "worker").await;
    nav(&session, "connections").await;
    session
        .wait_text("main h1", WAIT, |t| t == "Connections")
        .await;
    assert!(session
        .try_find("[data-testid=nav-inbox-badge]")
        .await
        .is_none());

    let marker = format!("badge{}", std::process::id());
    let route = e2e::mint_route(&session, "badge e2e", 200).await;
    e2e::dunstctl(&["close-all"]);
    post(&route, &format!("{marker}/first")).await;
    session
        .wait_text("[data-testid=nav-inbox-badge]", WAIT, |t| t == "1")
        .await;
    // The toast of that delivery is on screen; activate it as a click on GNOME would.
    let deadline = Instant::now() + WAIT;
    while e2e::dunstctl(&["count", "displayed"]).trim() == "0" {
        assert!(Instant::now() < deadline, "no toast displayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    post(&route, &format!("{marker}/second")).await;
    session
        .wait_text("[data-testid=nav-inbox-badge]", WAIT, |t| t == "2")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    e2e::dunstctl(&["action", "0"]);

    // The Inbox opens with that delivery, its filter as it was left, and no badge.
    session.wait_text("main h1", WAIT, |t| t == "Inbox").await;
    let detail = session
        .wait_text("[data-testid=inbox-detail]", WAIT, |t| {
            t.contains(&format!("{marker}/first"))
        })
        .await;
    assert!(!detail.contains(&format!("{marker}/second")), "{detail}");
    let text = session.find("[data-testid=inbox-filter-text]", WAIT).await;
    assert_eq!(session.value(&text).await, "worker");
    assert!(session
        .try_find("[data-testid=nav-inbox-badge]")
        .await
        .is_none());
    session.quit().await;
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn the_detail_keeps_its_close_button_and_the_list_readable_and_replays_are_coloured() {
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    nav(&session, "inbox").await;
    let base = session
        .wait_text("#inbox-base-url", WAIT, |t| t.starts_with("http://"))
        .await;
    // A mistyped receiver URL leaves a trace: counted and shown, never stored.
    let answer = reqwest::Client::new()
        .post(format!("{base}/some/random/path"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    let marker = format!("detail{}", std::process::id());
    let ok_route = e2e::mint_route(&session, "detail ok", 200).await;
    let failing_route = e2e::mint_route(&session, "detail failing", 500).await;
    post(&ok_route, &format!("{marker}/api")).await;
    // The status is re-read as deliveries arrive.
    session
        .wait_text("[data-testid=inbox-outside-hooks]", WAIT, |t| {
            t.contains("POST /some/random/path")
        })
        .await;

    fill(&session, "inbox-filter-repository", &marker).await;
    // The filter applies after a typing pause; the row is clicked in the filtered list.
    session
        .wait_true(
            "const rows = [...document.querySelectorAll('#inbox-list [data-testid=inbox-row]')];\
             return rows.length === 1 && rows[0].textContent.includes(arguments[0]);",
            vec![serde_json::json!(marker)],
            WAIT,
            "the list filtered to the one delivery",
        )
        .await;
    let row = session
        .find_containing("[data-testid=inbox-row]", &marker, WAIT)
        .await;
    session.click(&row).await;
    session
        .wait_text("[data-testid=inbox-detail]", WAIT, |t| {
            t.contains("Headers")
        })
        .await;
    // Beside the panel every row's event is shown whole, and the panel scrolled to its end
    // still shows its close button.
    let layout = session
        .execute(
            "const cells = Array.from(document.querySelectorAll('#inbox-list [data-testid=inbox-row-event]')).filter(c => c.offsetParent);\
             const clipped = cells.filter(c => c.scrollWidth > c.clientWidth).map(c => c.textContent);\
             const panel = document.querySelector('[data-testid=inbox-detail]');\
             panel.scrollTop = panel.scrollHeight;\
             const p = panel.getBoundingClientRect();\
             const x = document.querySelector('[data-testid=inbox-detail-close]').getBoundingClientRect();\
             return {cells: cells.length, clipped, scrolled: panel.scrollTop > 0, closeInside: x.top >= p.top && x.bottom <= p.bottom};",
            vec![],
        )
        .await;
    assert!(layout["cells"].as_u64().unwrap() >= 1, "{layout}");
    assert_eq!(layout["clipped"], serde_json::json!([]), "{layout}");
    assert_eq!(layout["scrolled"], serde_json::json!(true), "{layout}");
    assert_eq!(layout["closeInside"], serde_json::json!(true), "{layout}");

    // A 2xx answer reads as success, anything else as failure; the target is suggested later.
    fill(&session, "inbox-replay-url", &ok_route).await;
    click(&session, "inbox-replay").await;
    let ok = session
        .find("[data-testid=inbox-replay-result][data-ok=true]", WAIT)
        .await;
    assert!(session.text(&ok).await.starts_with("→ 200"));
    fill(&session, "inbox-replay-url", &failing_route).await;
    click(&session, "inbox-replay").await;
    let failed = session
        .find("[data-testid=inbox-replay-result][data-ok=false]", WAIT)
        .await;
    assert!(session.text(&failed).await.starts_with("→ 500"));
    let suggested = session
        .execute(
            "return Array.from(document.querySelectorAll('#inbox-replay-targets option')).map(o => o.value);",
            vec![],
        )
        .await;
    assert_eq!(
        suggested,
        serde_json::json!([failing_route, ok_route]),
        "newest first"
    );
    session.quit().await;
}
