//! Wharf's Tauri shell: wires the core crates (`registry`, `inbox`) to the webview.
//!
//! Everything with real logic lives in those crates; this crate only holds commands, state and
//! events. [`builder`] is shared by [`run`] and the tests, so the tests exercise the same wiring.

pub mod cli;
pub mod commands;
pub mod error;
pub mod events;
pub mod export_file;
pub mod headless;
pub mod notifications_cli;
pub mod route_cli;
pub mod sample_cli;
pub mod state;
pub mod webkit;

use std::sync::Arc;

use inbox::toast::{DesktopToaster, Toaster};
use inbox::Inbox;
use tauri::{Manager, Runtime};

pub use commands::COMMANDS;

/// The application with all state and commands, on any runtime (the real one or the mock).
pub fn builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        // For the Save dialog Rust opens; the webview's capability grants none of its commands.
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let paths = state::AppPaths::for_user(None)?;
            paths.create()?;
            tracing::info!(data = %paths.data_dir.display(), config = %paths.config_dir.display(), "Wharf starting");
            let settings = state::SettingsState::load(&paths.config_dir);
            let clicked = app.handle().clone();
            let toaster: Arc<dyn Toaster> = Arc::new(
                DesktopToaster::new("Wharf")
                    .on_click(Arc::new(move |opens| events::open_from_toast(&clicked, opens))),
            );
            let inbox = tauri::async_runtime::block_on(Inbox::start(
                &paths.database(),
                settings.current().inbox_config(),
                Some(toaster.clone()),
            ));
            events::forward_deliveries(app.handle(), &inbox);
            app.manage(inbox);
            app.manage(events::LiveFeed::default());
            app.manage(events::OpenRequests::default());
            app.manage(commands::inbox::LastExport::default());
            app.manage(commands::fleet::RunningScan::default());
            app.manage(commands::fleet::FleetWatch::default());
            app.manage(commands::quay::FeatureCache::default());
            app.manage(commands::fleet::FleetToaster(toaster));
            app.manage(settings);
            app.manage(state::saved_connections(&paths.config_dir));
            app.manage(paths);
            commands::fleet::watch_in_background(app.handle());
            Ok(())
        })
        .invoke_handler(commands::handler())
        .on_page_load(webkit::on_page_load)
}

/// Starts the desktop app.
pub fn run() {
    init_tracing();
    webkit::paint_on_the_cpu();
    builder(tauri::Builder::default())
        .run(tauri::generate_context!())
        .expect("error while running the Wharf application");
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WHARF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}
