//! State managed by the Tauri app.

use std::path::PathBuf;

use tauri::{Manager, Runtime};

/// Where Wharf keeps its files: the config file in `config_dir`, the inbox database in `data_dir`.
#[derive(Debug, Clone)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
}

impl AppPaths {
    /// The platform directories for this app's identifier (on Linux `$XDG_DATA_HOME/<id>` and
    /// `$XDG_CONFIG_HOME/<id>`).
    pub fn resolve<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<Self> {
        Ok(Self {
            data_dir: app.path().app_data_dir()?,
            config_dir: app.path().app_config_dir()?,
        })
    }

    pub fn create(&self) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.data_dir)?;
        std::fs::create_dir_all(&self.config_dir)
    }
}
