//! Command tests on Tauri's mock runtime, with the app's real config and capabilities, so the
//! ACL that guards the real window is the one being exercised.

use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

/// A private XDG home for the whole test process, so tests never touch the real one.
fn isolated_home() -> &'static std::path::Path {
    static HOME: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("wharf-commands-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Set once, before any app exists; later tests only read it.
        std::env::set_var("XDG_DATA_HOME", dir.join("data"));
        std::env::set_var("XDG_CONFIG_HOME", dir.join("config"));
        // Each app in this process gets its own free receiver port.
        std::env::set_var("WHARF_RECEIVER_PORT", "0");
        dir
    })
}

fn app() -> tauri::App<tauri::test::MockRuntime> {
    isolated_home();
    let mut app = wharf_lib::builder(mock_builder())
        .build(tauri::generate_context!(test = true))
        .expect("app builds");
    // Setup (state, directories, the configured "main" window) runs on the first iteration.
    // Deprecated because looping on it busy-waits; one call is exactly what a test needs.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    app
}

fn invoke(
    app: &tauri::App<tauri::test::MockRuntime>,
    window: &str,
    cmd: &str,
) -> Result<serde_json::Value, serde_json::Value> {
    invoke_with(app, window, cmd, serde_json::json!({}))
}

fn invoke_with(
    app: &tauri::App<tauri::test::MockRuntime>,
    window: &str,
    cmd: &str,
    args: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let webview = match tauri::Manager::get_webview_window(app, window) {
        Some(w) => w,
        None => WebviewWindowBuilder::new(app, window, Default::default())
            .build()
            .expect("window builds"),
    };
    let origin = if cfg!(windows) {
        "http://tauri.localhost"
    } else {
        "tauri://localhost"
    };
    get_ipc_response(
        &webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: origin.parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| {
        body.deserialize::<serde_json::Value>()
            .expect("json answer")
    })
}

#[test]
fn app_info_reports_the_cargo_version_and_real_directories() {
    let app = app();
    let info = invoke(&app, "main", "app_info").expect("app_info allowed for main");

    assert_eq!(info["version"], env!("CARGO_PKG_VERSION"));
    for key in ["dataDir", "configDir"] {
        let dir = std::path::PathBuf::from(info[key].as_str().expect("a string"));
        assert!(dir.is_absolute(), "{key} = {dir:?}");
        assert!(dir.ends_with("dev.wharf.desktop"), "{key} = {dir:?}");
        assert!(
            dir.starts_with(isolated_home()),
            "{key} follows XDG: {dir:?}"
        );
        assert!(dir.is_dir(), "{key} was created at start-up: {dir:?}");
    }
}

#[test]
fn commands_are_refused_to_windows_the_capability_does_not_name() {
    let app = app();
    let err = invoke(&app, "intruder", "app_info").expect_err("no capability for this window");
    assert!(
        err.to_string().contains("not allowed"),
        "unexpected error: {err}"
    );
}

#[test]
fn core_plugins_are_not_granted() {
    let app = app();
    let err = invoke(&app, "main", "plugin:event|emit").expect_err("core:event is not granted");
    assert!(err.to_string().contains("not allowed"), "{err}");
}

#[test]
fn the_capability_grants_exactly_the_declared_commands() {
    let capability: serde_json::Value =
        serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
    let mut granted: Vec<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    let mut expected: Vec<String> = wharf_lib::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    granted.sort();
    expected.sort();
    assert_eq!(granted, expected);

    let build_rs = include_str!("../build.rs");
    for cmd in wharf_lib::COMMANDS {
        assert!(
            build_rs.contains(&format!("\"{cmd}\"")),
            "build.rs does not declare {cmd}"
        );
    }
}

#[test]
fn the_receiver_runs_and_its_deliveries_are_listed() {
    let app = app();
    let status = invoke(&app, "main", "inbox_status").expect("inbox_status allowed");
    assert_eq!(status["error"], serde_json::Value::Null, "{status}");
    let base = status["baseUrl"].as_str().expect("listening").to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    // A real HTTP request to the app's receiver; an unknown route is refused but still stored.
    let path = format!("/hooks/unknown-{}", std::process::id());
    let answer = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
            "-d",
            "{}",
        ])
        .arg(format!("{base}{path}"))
        .output()
        .expect("curl runs");
    assert_eq!(String::from_utf8_lossy(&answer.stdout), "404");

    let listed = invoke_with(
        &app,
        "main",
        "inbox_list",
        serde_json::json!({"query": {"text": path.trim_start_matches("/hooks/")}}),
    )
    .expect("inbox_list allowed");
    let rows = listed.as_array().expect("a list");
    assert_eq!(rows.len(), 1, "{listed}");
    assert_eq!(rows[0]["path"], path);
    assert_eq!(rows[0]["status"], 404);
}
