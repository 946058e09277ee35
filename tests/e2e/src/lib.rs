//! Helpers for Wharf's end-to-end tests: a small W3C WebDriver client and the paths of the
//! tools those tests need. The tests run inside `tests/e2e/run.sh`, which starts Xvfb, a D-Bus
//! session, dunst, an unlocked gnome-keyring and tauri-driver first.

pub mod aside;
pub mod webdriver;

use std::path::{Path, PathBuf};

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root exists")
}

/// Where a test saves the screenshot called `name`: `docs/screenshots/` when
/// `WHARF_SCREENSHOTS=docs` (`make screenshots`), else the run's work folder, so an ordinary
/// test run leaves the committed images alone.
pub fn screenshot_path(name: &str) -> PathBuf {
    let dir = match std::env::var("WHARF_SCREENSHOTS").as_deref() {
        Ok("docs") => workspace_root().join("docs/screenshots"),
        _ => std::env::var_os("WHARF_E2E_WORK")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join("screenshots"),
    };
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir.join(format!("{name}.png"))
}

/// The debug app binary the e2e tests drive. Panics (fails the test) when it is missing.
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("WHARF_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace_root().join("target"));
            target.join("debug/wharf")
        });
    assert!(
        path.is_file(),
        "the Wharf binary is missing at {} (build it with `make build-debug`)",
        path.display()
    );
    path
}

/// Where tauri-driver listens; the harness sets it.
pub fn webdriver_url() -> String {
    std::env::var("WHARF_WEBDRIVER_URL").expect(
        "WHARF_WEBDRIVER_URL is not set: run the e2e tests through tests/e2e/run.sh (make e2e)",
    )
}

/// The version in the workspace Cargo.toml, read independently of the app.
pub fn cargo_version() -> String {
    let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
    let in_package = manifest
        .split("[workspace.package]")
        .nth(1)
        .expect("[workspace.package] section");
    in_package
        .lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("version").map(|rest| {
                rest.trim_start_matches([' ', '='])
                    .trim_matches('"')
                    .to_string()
            })
        })
        .expect("version in [workspace.package]")
}

/// Runs `dunstctl` with `args` (it must succeed) and returns what it printed.
pub fn dunstctl(args: &[&str]) -> String {
    let out = std::process::Command::new("dunstctl")
        .args(args)
        .output()
        .expect("dunstctl runs");
    assert!(out.status.success(), "dunstctl {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How many toasts in dunst's history mention `text` in their summary or body. Open toasts are
/// closed first: dunst keeps a toast out of its history until then.
pub fn toasts_mentioning(text: &str) -> usize {
    dunstctl(&["close-all"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    // dunstctl history: {"data": [[{"summary": {"data": ..}, "body": {"data": ..}, ..}, ..]]}
    let history: serde_json::Value =
        serde_json::from_str(&dunstctl(&["history"])).expect("history JSON");
    history["data"][0].as_array().map_or(0, |toasts| {
        toasts
            .iter()
            .filter(|t| format!("{} {}", t["summary"]["data"], t["body"]["data"]).contains(text))
            .count()
    })
}

/// Mints a route in the running app's inbox (as Send to Wharf does) that answers `status`;
/// returns its URL. Only minted routes keep what is sent to them.
pub async fn mint_route(session: &webdriver::Session, label: &str, status: u16) -> String {
    let minted = session
        .execute(
            "return window.__TAURI_INTERNALS__.invoke('inbox_route_create', {route: {\
               connectionId: null, repository: null, notificationId: null, source: null,\
               event: null, label: arguments[0],\
               response: {status: arguments[1], body: null, delayMs: 0}}});",
            vec![serde_json::json!(label), serde_json::json!(status)],
        )
        .await;
    minted["url"]
        .as_str()
        .unwrap_or_else(|| panic!("no route minted: {minted}"))
        .to_owned()
}

/// One running process: its id, its parent's and its short name (`comm`, at most 15 bytes).
#[derive(Clone)]
pub struct Process {
    pub pid: u32,
    pub parent: u32,
    pub name: String,
}

/// Every running process.
pub fn processes() -> Vec<Process> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
            let (head, rest) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1.to_owned();
            let parent = rest.split_whitespace().nth(1)?.parse().ok()?;
            Some(Process { pid, parent, name })
        })
        .collect()
}

/// The newest running process started from `exe`, first, then every process below it
/// (WebKit's web and network processes for the app), out of `all`.
pub fn process_tree(exe: &Path, all: &[Process]) -> Vec<Process> {
    let exe = exe.canonicalize().unwrap();
    let root = all
        .iter()
        .filter(|p| {
            std::fs::read_link(format!("/proc/{}/exe", p.pid)).is_ok_and(|target| target == exe)
        })
        .max_by_key(|p| p.pid)
        .unwrap_or_else(|| panic!("no running process of {}", exe.display()));
    let mut tree = vec![root.clone()];
    // Walking down from the root, so `tree` ends up holding every descendant.
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i].pid;
        tree.extend(all.iter().filter(|p| p.parent == parent).cloned());
        i += 1;
    }
    tree
}
