//! What the app keeps for its lifetime besides the inbox: where its files live, the settings and
//! the saved connections.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use inbox::settings::{SaveError, Settings};
use registry::saved::SavedConnections;
use registry::secrets::{self, KeyringStore, MemoryStore, SecretStore};

/// The bundle identifier from tauri.conf.json; also the name of the data and config folders.
pub const IDENTIFIER: &str = "dev.wharf.desktop";

/// Where Wharf keeps its files: the config files in `config_dir`, the inbox database in
/// `data_dir`.
#[derive(Debug, Clone)]
pub struct AppPaths {
    pub data_dir: PathBuf,
    pub config_dir: PathBuf,
}

impl AppPaths {
    /// The platform folders for this app's identifier, as Tauri names them (on Linux
    /// `$XDG_DATA_HOME/<id>` and `$XDG_CONFIG_HOME/<id>`); the app and `wharf headless` share
    /// them. `data_dir` replaces the data folder when given.
    pub fn for_user(data_dir: Option<PathBuf>) -> Result<Self, String> {
        let data_dir = match data_dir {
            Some(dir) => dir,
            None => dirs::data_dir()
                .ok_or("no data folder for this user")?
                .join(IDENTIFIER),
        };
        let config_dir = dirs::config_dir()
            .ok_or("no config folder for this user")?
            .join(IDENTIFIER);
        Ok(Self {
            data_dir,
            config_dir,
        })
    }

    /// Creates both folders.
    pub fn create(&self) -> Result<(), String> {
        for dir in [&self.data_dir, &self.config_dir] {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        Ok(())
    }

    /// The inbox database.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join(inbox::runtime::DATABASE_FILE)
    }
}

/// `WHARF_SECRET_STORE=memory` keeps tokens in memory only (tests that must not touch the
/// developer's keyring); anything else uses the OS keyring.
pub const SECRET_STORE_ENV: &str = "WHARF_SECRET_STORE";

/// The saved connections in `config_dir/connections.json`, with tokens in the OS keyring (or
/// in memory, see [`SECRET_STORE_ENV`]).
pub fn saved_connections(config_dir: &Path) -> SavedConnections {
    let keyring: Arc<dyn SecretStore> = match std::env::var(SECRET_STORE_ENV).as_deref() {
        Ok("memory") => Arc::new(MemoryStore::new()),
        _ => Arc::new(KeyringStore::new(secrets::SERVICE)),
    };
    SavedConnections::open(config_dir.join("connections.json"), keyring)
}

/// Managed state: the settings on disk.
pub struct SettingsState {
    config_dir: PathBuf,
    current: Mutex<Settings>,
    load_error: Option<String>,
}

impl SettingsState {
    /// Loads `settings.json` from `config_dir` (defaults when missing or damaged).
    pub fn load(config_dir: &Path) -> Self {
        let (settings, load_error) = match Settings::load(config_dir) {
            Ok(s) => (s, None),
            Err(e) => {
                tracing::warn!(error = %e, "settings not loaded");
                (Settings::default(), Some(e))
            }
        };
        Self {
            config_dir: config_dir.to_owned(),
            current: Mutex::new(settings),
            load_error,
        }
    }

    /// The settings in force now.
    pub fn current(&self) -> Settings {
        self.current.lock().expect("settings lock").clone()
    }

    /// Why the file was not used, if it was not.
    pub fn load_error(&self) -> Option<String> {
        self.load_error.clone()
    }

    /// Validates and saves `next`, then makes it current.
    pub fn save(&self, next: Settings) -> Result<(), SaveError> {
        next.save(&self.config_dir)?;
        *self.current.lock().expect("settings lock") = next;
        Ok(())
    }
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
