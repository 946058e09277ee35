//! State managed by the Tauri app.

use std::path::{Path, PathBuf};

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

/// The bundle identifier from tauri.conf.json; also the name of the data and config folders.
pub const IDENTIFIER: &str = "dev.wharf.desktop";

/// The inbox database inside a data folder (shared by the app and `--headless`).
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("inbox.sqlite3")
}

#[cfg(test)]
mod tests {
    #[test]
    fn identifier_matches_the_tauri_config() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], super::IDENTIFIER);
    }
}
