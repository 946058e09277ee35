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
}

/// Starts the desktop app.
pub fn run() {
    init_tracing();
    paint_on_the_cpu();
    builder(tauri::Builder::default())
        .run(tauri::generate_context!())
        .expect("error while running the Wharf application");
}

/// WebKitGTK (2.46 on) paints a page's layers with Skia on the GPU; where there is no usable GPU
/// driver (many VMs and remote desktops) that is Mesa's software rasteriser, whose GL buffers
/// and Skia's GPU caches took about 40 MB of the web process for Wharf's window of lists and
/// forms (docs/benchmarks.md, "Memory"). Painting on the CPU leaves compositing on, so
/// scrolling and WebDriver's snapshots work as before. A value the user set is kept:
/// `WEBKIT_SKIA_ENABLE_CPU_RENDERING=0 wharf` paints on the GPU again.
fn paint_on_the_cpu() {
    const VAR: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
    // Before GTK or any other thread starts: WebKit reads it once, and its web process inherits
    // the environment.
    if cfg!(target_os = "linux") && std::env::var_os(VAR).is_none() {
        std::env::set_var(VAR, "1");
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WHARF_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}
