//! Saved connections as the app runs them: the config file, the token store, and clients built
//! from both.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use registry::connection::{Connection, ConnectionKind, ConnectionsFile};
use registry::dtr::client::DtrClient;
use registry::quay::client::QuayClient;
use registry::secrets::{self, FallbackStore, KeyringStore, MemoryStore, SecretStore};
use uuid::Uuid;

use crate::error::{CommandError, CommandResult, ErrorKind};

/// `WHARF_SECRET_STORE=memory` keeps tokens in memory only (tests that must not touch the
/// developer's keyring); anything else uses the OS keyring.
pub const SECRET_STORE_ENV: &str = "WHARF_SECRET_STORE";

/// The connections file inside a config folder.
pub fn connections_path(config_dir: &Path) -> PathBuf {
    config_dir.join("connections.json")
}

/// Managed state: the connections file and the store their tokens live in.
pub struct RegistryState {
    path: PathBuf,
    file: Mutex<ConnectionsFile>,
    /// Why the file could not be read; the app starts empty rather than overwrite it.
    load_error: Option<String>,
    secrets: Arc<FallbackStore>,
}

impl RegistryState {
    /// Loads `connections.json` from `config_dir`, with tokens in the keyring (or memory).
    pub fn open(config_dir: &Path) -> Self {
        let keyring: Arc<dyn SecretStore> = match std::env::var(SECRET_STORE_ENV).as_deref() {
            Ok("memory") => Arc::new(MemoryStore::new()),
            _ => Arc::new(KeyringStore::new(secrets::SERVICE)),
        };
        let path = connections_path(config_dir);
        let (file, load_error) = match ConnectionsFile::load(&path) {
            Ok(file) => (file, None),
            Err(e) => {
                tracing::error!(error = %e, "connections file unreadable");
                (ConnectionsFile::default(), Some(e.to_string()))
            }
        };
        Self {
            path,
            file: Mutex::new(file),
            load_error,
            secrets: Arc::new(FallbackStore::new(keyring)),
        }
    }

    fn file(&self) -> MutexGuard<'_, ConnectionsFile> {
        self.file.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The saved connections, in display order.
    pub fn list(&self) -> Vec<Connection> {
        self.file().connections.clone()
    }

    /// Why tokens are kept in memory only, or why the connections file was not read.
    pub fn notices(&self) -> Vec<String> {
        let mut notices: Vec<String> = self.load_error.iter().cloned().collect();
        if let Some(why) = self.secrets.fallback_reason() {
            notices.push(format!(
                "No system keyring is available ({why}). Tokens are kept in memory until Wharf quits."
            ));
        }
        notices
    }

    /// The connection with this id.
    pub fn get(&self, id: Uuid) -> CommandResult<Connection> {
        self.file().get(id).cloned().ok_or_else(|| {
            CommandError::new(ErrorKind::NotFound, "That connection no longer exists.")
        })
    }

    /// Adds or replaces `connection` and writes the file; `token`, when given, goes to the
    /// secret store first so a saved connection never lacks the token the user typed.
    pub async fn save(&self, connection: Connection, token: Option<String>) -> CommandResult<()> {
        connection.validate().map_err(CommandError::from)?;
        if self.load_error.is_some() {
            return Err(CommandError::new(
                ErrorKind::Storage,
                "The connections file could not be read, so Wharf will not overwrite it. Fix or remove it and restart.",
            ));
        }
        if let Some(token) = token.filter(|t| !t.trim().is_empty()) {
            secrets::set_secret(
                self.secrets.clone(),
                connection.account(),
                token.trim().to_owned(),
                secrets::DEFAULT_TIMEOUT,
            )
            .await?;
        }
        let mut file = self.file();
        let mut next = file.clone();
        match next.connections.iter_mut().find(|c| c.id == connection.id) {
            Some(existing) => *existing = connection,
            None => next.add(connection)?,
        }
        next.save(&self.path)?;
        *file = next;
        Ok(())
    }

    /// Removes a connection and its token.
    pub async fn remove(&self, id: Uuid) -> CommandResult<()> {
        {
            let mut file = self.file();
            let mut next = file.clone();
            if next.remove(id).is_none() {
                return Ok(());
            }
            next.save(&self.path)?;
            *file = next;
        }
        secrets::delete_secret(
            self.secrets.clone(),
            id.to_string(),
            secrets::DEFAULT_TIMEOUT,
        )
        .await?;
        Ok(())
    }

    async fn token(&self, connection: &Connection) -> CommandResult<String> {
        secrets::get_secret(
            self.secrets.clone(),
            connection.account(),
            secrets::DEFAULT_TIMEOUT,
        )
        .await?
        .ok_or_else(|| {
            CommandError::new(
                ErrorKind::Unauthorized,
                format!(
                    "No token is stored for “{}”. Edit the connection and enter its token.",
                    connection.name
                ),
            )
        })
    }

    /// A Quay client for connection `id`.
    pub async fn quay(&self, id: Uuid) -> CommandResult<QuayClient> {
        let connection = self.get(id)?;
        if connection.kind != ConnectionKind::Quay {
            return Err(wrong_kind(&connection, "Quay"));
        }
        let token = self.token(&connection).await?;
        Ok(QuayClient::with_tls(
            &connection.base_url,
            &token,
            &connection.tls,
        )?)
    }

    /// A DTR client for connection `id`.
    pub async fn dtr(&self, id: Uuid) -> CommandResult<DtrClient> {
        let connection = self.get(id)?;
        if connection.kind != ConnectionKind::Dtr {
            return Err(wrong_kind(&connection, "DTR"));
        }
        let token = self.token(&connection).await?;
        let username = connection.username.clone().unwrap_or_default();
        Ok(DtrClient::with_tls(
            &connection.base_url,
            &username,
            &token,
            &connection.tls,
        )?)
    }
}

fn wrong_kind(connection: &Connection, wanted: &str) -> CommandError {
    CommandError::new(
        ErrorKind::Invalid,
        format!("“{}” is not a {wanted} connection.", connection.name),
    )
}
