//! Wharf's Tauri shell: wires the core crates (`registry`, `inbox`) to the webview.
//!
//! Everything with real logic lives in those crates; this crate only holds commands, state and
//! events. [`builder`] is shared by [`run`] and the tests, so the tests exercise the same wiring.

pub mod commands;
pub mod error;
pub mod headless;
pub mod inbox_state;
pub mod registry_state;
pub mod settings;
pub mod state;

use tauri::{Manager, Runtime};

/// Every command the webview may call. `build.rs` declares the same list to Tauri's ACL, and
/// `capabilities/default.json` grants exactly these.
pub const COMMANDS: &[&str] = include!("command_names.rs");

/// The application with all state and commands, on any runtime (the real one or the mock).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .setup(|app| {
            let paths = state::AppPaths::resolve(app.handle())?;
            paths.create()?;
            tracing::info!(data = %paths.data_dir.display(), config = %paths.config_dir.display(), "Wharf starting");
            let settings = settings::SettingsState::load(&paths.config_dir);
            let inbox = tauri::async_runtime::block_on(inbox_state::InboxState::start(
                &paths.data_dir,
                &settings.current(),
            ));
            if let Some(mut deliveries) = inbox.subscribe() {
                let handle = app.handle().clone();
                tauri::async_runtime::spawn(async move {
                    while let Ok(delivery) = deliveries.recv().await {
                        handle.state::<inbox_state::InboxState>().forward(delivery);
                    }
                });
            }
            app.manage(inbox);
            app.manage(settings);
            app.manage(registry_state::RegistryState::open(&paths.config_dir));
            app.manage(paths);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::inbox::inbox_status,
            commands::inbox::inbox_list,
            commands::inbox::inbox_subscribe,
            commands::inbox::inbox_route_create,
            commands::inbox::inbox_get,
            commands::inbox::inbox_export,
            commands::inbox::inbox_replay,
            commands::inbox::inbox_clear,
            commands::connections::connections_list,
            commands::connections::connection_save,
            commands::connections::connection_remove,
            commands::connections::connection_verify,
            commands::browse::registry_namespaces,
            commands::browse::registry_repositories,
            commands::quay::quay_notifications,
            commands::quay::quay_notification_create,
            commands::quay::quay_notification_test,
            commands::quay::quay_notification_reset,
            commands::quay::quay_notification_delete,
            commands::quay::quay_teams,
            commands::dtr::dtr_webhooks,
            commands::dtr::dtr_webhook_create,
            commands::dtr::dtr_webhook_test,
            commands::dtr::dtr_webhook_update,
            commands::dtr::dtr_webhook_delete,
            commands::settings::settings_get,
            commands::settings::settings_save,
        ])
}

/// Starts the desktop app.
pub fn run() {
    init_tracing();
    builder(tauri::Builder::default())
        .run(tauri::generate_context!())
        .expect("error while running the Wharf application");
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WHARF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}
