//! The saved connections as an app runs them: the connections file, the tokens in the secret
//! store, and clients built from both.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::client::Client;
use crate::connection::{Connection, ConnectionKind, ConnectionsFile};
use crate::dtr::client::DtrClient;
use crate::error::RegistryError;
use crate::health::ConnectionHealth;
use crate::quay::client::QuayClient;
use crate::secrets::{self, FallbackStore, SecretStore};
use crate::tls::TlsOptions;

/// The saved connections and anything the user should know about where tokens live.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct ConnectionsOverview {
    /// In display order.
    pub connections: Vec<Connection>,
    /// Plain sentences: no keyring (tokens in memory only), unreadable config file.
    pub notices: Vec<String>,
}

/// A connection as the form sends it. A blank `token` keeps the stored one.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct ConnectionInput {
    /// Set when editing; `None` creates a new connection.
    pub id: Option<Uuid>,
    /// Display name.
    pub name: String,
    /// Quay or DTR.
    pub kind: ConnectionKind,
    /// `https://registry.example.com`.
    pub base_url: String,
    /// DTR user name.
    pub username: Option<String>,
    /// Certificate checking.
    pub tls: TlsOptions,
    /// The OAuth (Quay) or access (DTR) token; goes to the secret store only.
    pub token: Option<String>,
}

/// How [`SavedConnections::save_verified`] ended.
#[derive(Debug)]
pub enum SaveVerdict {
    /// Saved, with its health.
    Saved(Connection),
    /// The registry did not accept the connection as typed; nothing was saved.
    NotVerified(RegistryError),
}

/// The connections file and the store its tokens live in.
pub struct SavedConnections {
    path: PathBuf,
    file: Mutex<ConnectionsFile>,
    /// Why the file could not be read; the app starts empty rather than overwrite it.
    load_error: Option<String>,
    secrets: Arc<FallbackStore>,
}

impl SavedConnections {
    /// Loads the connections file at `path`, with tokens in `keyring` (or in memory for this
    /// session when the keyring turns out to be unavailable).
    pub fn open(path: PathBuf, keyring: Arc<dyn SecretStore>) -> Self {
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

    /// The saved connections in display order, and what the user should know about them.
    pub fn overview(&self) -> ConnectionsOverview {
        let mut notices: Vec<String> = self.load_error.iter().cloned().collect();
        if let Some(why) = self.secrets.fallback_reason() {
            notices.push(format!(
                "No system keyring is available ({why}). Tokens are kept in memory until Wharf quits."
            ));
        }
        ConnectionsOverview {
            connections: self.file().connections.clone(),
            notices,
        }
    }

    /// The connection with this id.
    pub fn get(&self, id: Uuid) -> Result<Connection, RegistryError> {
        self.file()
            .get(id)
            .cloned()
            .ok_or(RegistryError::NoSuchConnection)
    }

    /// Creates (no id) or updates a connection from the form, without asking the registry. The
    /// token, when given, goes to the secret store first, so a saved connection never lacks
    /// the token the user typed; a new connection needs one. An edit that changes where or how
    /// the connection reaches its server drops the last verification, which was about the old
    /// one.
    pub async fn save(&self, input: ConnectionInput) -> Result<Connection, RegistryError> {
        let (mut connection, previous, token) = self.prepare(input)?;
        connection.health = previous
            .filter(|p| token.is_none() && p.reaches_like(&connection))
            .and_then(|p| p.health);
        self.store(connection, token).await
    }

    /// Like [`SavedConnections::save`], after verifying the connection with the registry when
    /// it is new or its address, TLS, user or token changes. A failed verification saves
    /// nothing and is answered with [`SaveVerdict::NotVerified`], unless `anyway`: then the
    /// connection is saved with the failure as its health.
    pub async fn save_verified(
        &self,
        input: ConnectionInput,
        anyway: bool,
    ) -> Result<SaveVerdict, RegistryError> {
        let (mut connection, previous, token) = self.prepare(input)?;
        let unchanged = previous
            .as_ref()
            .filter(|p| token.is_none() && p.reaches_like(&connection));
        connection.health = match unchanged {
            Some(p) => p.health.clone(),
            None => {
                let checked = match &token {
                    Some(token) => verify_with(&connection, token).await,
                    None => match self.token(&connection).await {
                        Ok(stored) => verify_with(&connection, &stored).await,
                        Err(e) => Err(e),
                    },
                };
                match checked {
                    Ok(health) => Some(health),
                    Err(e) if !anyway => return Ok(SaveVerdict::NotVerified(e)),
                    Err(e) => Some(ConnectionHealth::failing(&e)),
                }
            }
        };
        self.store(connection, token).await.map(SaveVerdict::Saved)
    }

    /// Verifies connection `id` with its stored token and keeps the result as its health. A
    /// refused token or an unreachable server is a result, not an error; errors are only for
    /// a connection that no longer exists or a file that cannot be written.
    pub async fn verify(&self, id: Uuid) -> Result<ConnectionHealth, RegistryError> {
        let connection = self.get(id)?;
        let checked = match self.token(&connection).await {
            Ok(token) => verify_with(&connection, &token).await,
            Err(e) => Err(e),
        };
        let health = checked.unwrap_or_else(|e| ConnectionHealth::failing(&e));
        self.record(&connection, health.clone())?;
        Ok(health)
    }

    /// Keeps `health` for the connection as `verified` saw it, unless it was edited to reach
    /// its server differently meanwhile (the result would describe the old server).
    fn record(&self, verified: &Connection, health: ConnectionHealth) -> Result<(), RegistryError> {
        if self.load_error.is_some() {
            return Err(RegistryError::FileUnreadable);
        }
        let mut file = self.file();
        let mut next = file.clone();
        let Some(current) = next.connections.iter_mut().find(|c| c.id == verified.id) else {
            return Err(RegistryError::NoSuchConnection);
        };
        if !current.reaches_like(verified) {
            return Ok(());
        }
        current.health = Some(health);
        next.save(&self.path)?;
        *file = next;
        Ok(())
    }

    /// The connection the form describes, the one it replaces and the token typed, after the
    /// checks every save makes.
    fn prepare(
        &self,
        input: ConnectionInput,
    ) -> Result<(Connection, Option<Connection>, Option<String>), RegistryError> {
        let mut connection = Connection::new(
            &input.name,
            input.kind,
            &input.base_url,
            input.username.as_deref(),
            input.tls,
        )?;
        let previous = match input.id {
            Some(id) => {
                connection.id = id;
                Some(self.get(id)?)
            }
            None => None,
        };
        let token = input
            .token
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty());
        if input.id.is_none() && token.is_none() {
            return Err(RegistryError::MissingToken);
        }
        // Every notification, webhook and route made through it speaks that registry's API.
        if previous.as_ref().is_some_and(|p| p.kind != connection.kind) {
            return Err(RegistryError::KindLocked);
        }
        // The stored token was given for one server and one way of trusting it; it is never
        // sent to another, nor over weaker trust, without the user typing it again.
        if previous
            .as_ref()
            .is_some_and(|p| !same_trust(p, &connection))
            && token.is_none()
        {
            return Err(RegistryError::TokenForNewServer);
        }
        if self.load_error.is_some() {
            return Err(RegistryError::FileUnreadable);
        }
        Ok((connection, previous, token))
    }

    /// Writes the token (when typed) and then the connection.
    async fn store(
        &self,
        connection: Connection,
        token: Option<String>,
    ) -> Result<Connection, RegistryError> {
        if let Some(token) = token {
            secrets::set_secret(
                self.secrets.clone(),
                connection.account(),
                token,
                secrets::DEFAULT_TIMEOUT,
            )
            .await?;
        }
        let mut file = self.file();
        let mut next = file.clone();
        match next.connections.iter_mut().find(|c| c.id == connection.id) {
            Some(existing) => *existing = connection.clone(),
            None => next.add(connection.clone())?,
        }
        next.save(&self.path)?;
        *file = next;
        Ok(connection)
    }

    /// Removes a connection and its token.
    pub async fn remove(&self, id: Uuid) -> Result<(), RegistryError> {
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

    async fn token(&self, connection: &Connection) -> Result<String, RegistryError> {
        secrets::get_secret(
            self.secrets.clone(),
            connection.account(),
            secrets::DEFAULT_TIMEOUT,
        )
        .await?
        .ok_or_else(|| RegistryError::NoToken(connection.name.clone()))
    }

    /// A client for connection `id`, whichever registry it is.
    pub async fn client(&self, id: Uuid) -> Result<Client, RegistryError> {
        let connection = self.get(id)?;
        let token = self.token(&connection).await?;
        Client::new(&connection, &token)
    }

    /// A Quay client for connection `id`.
    pub async fn quay(&self, id: Uuid) -> Result<QuayClient, RegistryError> {
        let (connection, token) = self.of_kind(id, ConnectionKind::Quay, "Quay").await?;
        Ok(QuayClient::for_connection(&connection, &token)?)
    }

    /// A DTR client for connection `id`.
    pub async fn dtr(&self, id: Uuid) -> Result<DtrClient, RegistryError> {
        let (connection, token) = self.of_kind(id, ConnectionKind::Dtr, "DTR").await?;
        Ok(DtrClient::for_connection(&connection, &token)?)
    }

    /// The connection and its token, after checking its kind (so a wrong kind does not cost a
    /// keyring prompt).
    async fn of_kind(
        &self,
        id: Uuid,
        kind: ConnectionKind,
        wanted: &'static str,
    ) -> Result<(Connection, String), RegistryError> {
        let connection = self.get(id)?;
        if connection.kind != kind {
            return Err(RegistryError::WrongKind {
                name: connection.name,
                wanted,
            });
        }
        let token = self.token(&connection).await?;
        Ok((connection, token))
    }
}

/// Verifies `connection` with `token` against its registry.
async fn verify_with(
    connection: &Connection,
    token: &str,
) -> Result<ConnectionHealth, RegistryError> {
    let account = Client::new(connection, token)?.verify().await?;
    Ok(ConnectionHealth::verified(account))
}

/// Whether a stored token may follow an edit: same scheme, host and port, and the same TLS
/// trust (CA bundle and certificate checking).
fn same_trust(before: &Connection, after: &Connection) -> bool {
    let origin = |c: &Connection| {
        reqwest::Url::parse(&c.base_url).ok().map(|u| {
            (
                u.scheme().to_owned(),
                u.host_str().map(str::to_ascii_lowercase),
                u.port_or_known_default(),
            )
        })
    };
    origin(before).is_some() && origin(before) == origin(after) && before.tls == after.tls
}
