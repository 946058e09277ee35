//! The harness shared by the command tests: the app on Tauri's mock runtime with the real config
//! and capabilities, in a private XDG home, and `invoke` through the real IPC and ACL.

#![allow(dead_code)]

use std::io::{BufRead, Read, Write};

use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindowBuilder;

/// A private XDG home for the whole test process, so tests never touch the real one.
/// `extra_env` is set with it, once per process (each test file is its own process).
pub fn isolated_home(name: &str, extra_env: &[(&str, &str)]) -> &'static std::path::Path {
    static HOME: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    HOME.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("wharf-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Set once, before any app exists; later tests only read it.
        std::env::set_var("XDG_DATA_HOME", dir.join("data"));
        std::env::set_var("XDG_CONFIG_HOME", dir.join("config"));
        // Each app in this process gets its own free receiver port.
        std::env::set_var("WHARF_RECEIVER_PORT", "0");
        for (key, value) in extra_env {
            std::env::set_var(key, value);
        }
        dir
    })
}

/// Every app of a test process shares one data directory, so one inbox database: a test that
/// reads what it stored must not run beside one that clears it. Hold this while doing either.
pub fn inbox_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// The app on the mock runtime, set up; call [`isolated_home`] first.
pub fn app() -> tauri::App<tauri::test::MockRuntime> {
    let mut app = wharf_lib::builder(mock_builder())
        .build(tauri::generate_context!(test = true))
        .expect("app builds");
    // Setup (state, directories, the configured "main" window) runs on the first iteration.
    // Deprecated because looping on it busy-waits; one call is exactly what a test needs.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    app
}

pub fn invoke(
    app: &tauri::App<tauri::test::MockRuntime>,
    window: &str,
    cmd: &str,
) -> Result<serde_json::Value, serde_json::Value> {
    invoke_with(app, window, cmd, serde_json::json!({}))
}

pub fn invoke_with(
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

/// Mints a Quay `repo_push` route for `repository` through `inbox_route_create`; returns the
/// command's answer (`url`, `route`, `warning`).
pub fn mint_push_route(
    app: &tauri::App<tauri::test::MockRuntime>,
    repository: &str,
) -> serde_json::Value {
    invoke_with(
        app,
        "main",
        "inbox_route_create",
        serde_json::json!({"route": {"connectionId": null, "repository": repository,
            "notificationId": null, "source": "quay", "event": "repo_push", "label": "x",
            "response": {"status": 200, "body": null, "delayMs": 0}}}),
    )
    .expect("inbox_route_create")
}

/// Saves `settings` through `settings_save`.
pub fn save_settings(
    app: &tauri::App<tauri::test::MockRuntime>,
    settings: &serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    invoke_with(
        app,
        "main",
        "settings_save",
        serde_json::json!({"next": settings}),
    )
}

/// What a [`consumer`] got: each request's body, and its header lines (as sent).
#[derive(Clone, Default)]
pub struct Consumed {
    pub bodies: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    pub heads: std::sync::Arc<std::sync::Mutex<Vec<Vec<String>>>>,
}

/// A consumer on 127.0.0.1:`port` that records each request and answers 200.
pub fn consumer(port: u16) -> Consumed {
    let listener =
        std::net::TcpListener::bind(("127.0.0.1", port)).expect("the consumer's port is free");
    let consumed = Consumed::default();
    let seen = consumed.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let seen = seen.clone();
            std::thread::spawn(move || serve_consumer(stream, &seen));
        }
    });
    consumed
}

/// Answers every request on one connection (the forwarder keeps it alive).
fn serve_consumer(stream: std::net::TcpStream, seen: &Consumed) {
    let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut length = 0usize;
        let mut line = String::new();
        let mut head = Vec::new();
        let mut first = true;
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            if first {
                first = false;
                continue;
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            head.push(trimmed.to_owned());
            if let Some((name, value)) = trimmed.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        seen.heads.lock().unwrap().push(head);
        seen.bodies
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(&body).into_owned());
        if writer
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
            .is_err()
        {
            return;
        }
    }
}
