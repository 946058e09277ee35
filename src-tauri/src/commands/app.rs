//! Facts about the running app, for the About panel.

use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;

use crate::error::CommandResult;
use crate::state::AppPaths;

/// What the About panel shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The version from Cargo.toml.
    pub version: String,
    /// Where the inbox database and other data live.
    pub data_dir: String,
    /// Where the connections config file lives.
    pub config_dir: String,
}

pub async fn app_info(app: &AppHandle<impl Runtime>) -> CommandResult<AppInfo> {
    let paths = app.state::<AppPaths>();
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        data_dir: paths.data_dir.display().to_string(),
        config_dir: paths.config_dir.display().to_string(),
    })
}
