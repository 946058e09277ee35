//! Command tests on Tauri's mock runtime, with the app's real config and capabilities, so the
//! ACL that guards the real window is the one being exercised.

mod common;

use common::{invoke, invoke_with};

fn isolated_home() -> &'static std::path::Path {
    common::isolated_home("commands", &[])
}

fn app() -> tauri::App<tauri::test::MockRuntime> {
    isolated_home();
    common::app()
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

#[test]
fn a_delivery_can_be_read_exported_replayed_and_cleared() {
    let app = app();
    let status = invoke(&app, "main", "inbox_status").unwrap();
    let base = status["baseUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("receiver not running: {status}"))
        .to_string();
    let marker = format!("detail-{}", std::process::id());
    let path = format!("/hooks/{marker}");
    let sent = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-X", "POST"])
        .args(["-H", "Authorization: Bearer never-shown-9f3"])
        .args(["-H", "X-Trace: one", "-H", "X-Trace: two"])
        .args(["--data-binary", r#"{"repository":"ns/app"}"#])
        .arg(format!("{base}{path}"))
        .status()
        .unwrap();
    assert!(sent.success());
    let rows = invoke_with(
        &app,
        "main",
        "inbox_list",
        serde_json::json!({"query": {"text": marker}}),
    )
    .unwrap();
    let id = rows[0]["id"].as_i64().unwrap();

    let detail = invoke_with(&app, "main", "inbox_get", serde_json::json!({"id": id})).unwrap();
    assert_eq!(detail["bodyText"], r#"{"repository":"ns/app"}"#);
    let traces: Vec<&serde_json::Value> = detail["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0] == "x-trace")
        .collect();
    assert_eq!(traces.len(), 2, "{detail}");
    let curl = detail["curl"].as_str().unwrap();
    assert!(
        curl.contains(&path) && !curl.contains("never-shown-9f3"),
        "{curl}"
    );

    let file = invoke_with(
        &app,
        "main",
        "inbox_export",
        serde_json::json!({"query": {"text": marker}, "format": "jsonl"}),
    )
    .unwrap();
    let file = std::path::PathBuf::from(file.as_str().unwrap());
    assert!(file.starts_with(isolated_home()), "{}", file.display());
    let exported = std::fs::read_to_string(&file).unwrap();
    assert_eq!(exported.lines().count(), 1, "{exported}");
    assert!(exported.contains(&marker) && !exported.contains("never-shown-9f3"));

    // Replaying to the app's own receiver stores a second copy of the same request.
    let outcome = invoke_with(
        &app,
        "main",
        "inbox_replay",
        serde_json::json!({"id": id, "url": format!("{base}{path}")}),
    )
    .unwrap();
    assert_eq!(outcome["status"], 404, "unknown route, refused but stored");
    let again = invoke_with(
        &app,
        "main",
        "inbox_list",
        serde_json::json!({"query": {"text": marker}}),
    )
    .unwrap();
    assert_eq!(again.as_array().unwrap().len(), 2);

    let cleared = invoke(&app, "main", "inbox_clear").unwrap();
    assert!(cleared.as_u64().unwrap() >= 2);
    let after = invoke_with(
        &app,
        "main",
        "inbox_list",
        serde_json::json!({"query": {"text": marker}}),
    )
    .unwrap();
    assert_eq!(after, serde_json::json!([]));
}

#[test]
fn settings_are_saved_and_the_public_base_url_applies_at_once() {
    let app = app();
    let view = invoke(&app, "main", "settings_get").unwrap();
    let mut settings = view["settings"].clone();
    assert_eq!(settings["receiverBind"], "127.0.0.1", "{view}");
    assert_eq!(view["restartNeeded"], false);

    settings["publicBaseUrl"] = serde_json::json!("https://hooks.example.com/wharf/");
    settings["theme"] = serde_json::json!("dark");
    settings["receiverPort"] = serde_json::json!(40123);
    let saved = invoke_with(
        &app,
        "main",
        "settings_save",
        serde_json::json!({"next": settings}),
    )
    .unwrap();
    assert_eq!(saved["publicBaseUrl"], "https://hooks.example.com/wharf");
    assert_eq!(saved["restartNeeded"], true, "a new port needs a restart");
    let file = isolated_home().join("config/dev.wharf.desktop/settings.json");
    let on_disk: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(on_disk["theme"], "dark");

    let minted = invoke_with(
        &app,
        "main",
        "inbox_route_create",
        serde_json::json!({"route": {"connectionId": null, "repository": "ns/app",
            "notificationId": null, "source": "quay", "event": "repo_push", "label": "x",
            "response": {"status": 200, "body": null, "delayMs": 0}}}),
    )
    .unwrap();
    let url = minted["url"].as_str().unwrap();
    assert!(
        url.starts_with("https://hooks.example.com/wharf/hooks/"),
        "{url}"
    );
    assert_eq!(minted["warning"], serde_json::Value::Null);

    settings["receiverBind"] = serde_json::json!("my laptop");
    let refused = invoke_with(
        &app,
        "main",
        "settings_save",
        serde_json::json!({"next": settings}),
    )
    .unwrap_err();
    assert_eq!(refused["kind"], "invalid", "{refused}");
}
