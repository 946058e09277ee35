//! Saved registry connections and the JSON config file that holds them.
//!
//! A [`Connection`] names a Quay or DTR server, how to reach it and its TLS settings. Its token
//! is deliberately not part of it: the token lives in a [`SecretStore`] under the account name
//! [`Connection::account`] (the connection id), so it can never end up in the config file.

use crate::health::ConnectionHealth;
use crate::secrets::{SecretError, SecretStore};
use crate::tls::{parse_ca_bundle, TlsOptions};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;
use uuid::Uuid;

/// The config file format this build reads and writes.
pub const CONNECTIONS_FILE_VERSION: u32 = 1;

/// Which API a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub enum ConnectionKind {
    /// Quay or quay.io, API v1, with an OAuth token.
    Quay,
    /// Docker Trusted Registry / Mirantis Secure Registry, API v0, with username and token.
    Dtr,
}

/// One saved registry connection. Holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct Connection {
    /// Stable id; also the account name of the token in the secret store.
    pub id: Uuid,
    /// The name shown in the UI.
    pub name: String,
    /// Quay or DTR.
    pub kind: ConnectionKind,
    /// Server address, such as `https://quay.io` (no trailing slash).
    pub base_url: String,
    /// The DTR user the token belongs to; unused for Quay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub username: Option<String>,
    /// How the server's certificate is checked.
    #[serde(default)]
    pub tls: TlsOptions,
    /// How the last verification went; `None` until one ran, and again after an edit that
    /// changes where or how the connection reaches its server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub health: Option<ConnectionHealth>,
}

/// Why a connection or the config file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectionError {
    /// The display name is blank.
    #[error("Enter a name for the connection.")]
    EmptyName,
    /// The base URL is not a usable http(s) address.
    #[error("The server address must look like https://registry.example.com: {0}.")]
    InvalidBaseUrl(&'static str),
    /// A DTR connection without a username.
    #[error("Enter the DTR user name the access token belongs to.")]
    MissingUsername,
    /// The custom CA does not parse.
    #[error("{0}")]
    InvalidCa(String),
    /// Another connection already has this id.
    #[error("A connection with id {0} already exists.")]
    DuplicateId(Uuid),
    /// Reading or writing the config file failed.
    #[error("Could not {action} the connections file {path}: {reason}.")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        reason: String,
    },
    /// The config file is not valid JSON of the expected shape.
    #[error("The connections file {path} is damaged ({reason}); fix or remove it.")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's complaint.
        reason: String,
    },
    /// The config file comes from a newer Wharf.
    #[error("The connections file has format version {0}, which this Wharf does not know; update Wharf.")]
    UnsupportedVersion(u32),
}

impl ConnectionError {
    /// The connection field this is about, by its name in the form the UI sends; `None` when it
    /// is about the file, not an input.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            ConnectionError::EmptyName => Some("name"),
            ConnectionError::InvalidBaseUrl(_) => Some("baseUrl"),
            ConnectionError::MissingUsername => Some("username"),
            ConnectionError::InvalidCa(_) => Some("tls.caPem"),
            _ => None,
        }
    }
}

impl Connection {
    /// A new, validated connection with a fresh id. The name, address and username are trimmed
    /// and a trailing `/` is removed from the address.
    pub fn new(
        name: &str,
        kind: ConnectionKind,
        base_url: &str,
        username: Option<&str>,
        tls: TlsOptions,
    ) -> Result<Self, ConnectionError> {
        let connection = Self {
            id: Uuid::new_v4(),
            name: name.trim().to_owned(),
            kind,
            base_url: base_url.trim().trim_end_matches('/').to_owned(),
            username: username
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_owned),
            tls,
            health: None,
        };
        connection.validate()?;
        Ok(connection)
    }

    /// Checks the name, the address (http or https with a host, no credentials), the DTR
    /// username and the custom CA.
    pub fn validate(&self) -> Result<(), ConnectionError> {
        use ConnectionError::InvalidBaseUrl;
        if self.name.trim().is_empty() {
            return Err(ConnectionError::EmptyName);
        }
        crate::http::check_base_url(&self.base_url).map_err(InvalidBaseUrl)?;
        if self.kind == ConnectionKind::Dtr
            && self.username.as_deref().is_none_or(|u| u.trim().is_empty())
        {
            return Err(ConnectionError::MissingUsername);
        }
        if let Some(pem) = self.tls.ca_bundle() {
            parse_ca_bundle(pem).map_err(|e| ConnectionError::InvalidCa(e.to_string()))?;
        }
        Ok(())
    }

    /// Whether `other` reaches the same server the same way (kind, address, user, TLS), so a
    /// verification of one holds for the other.
    pub fn reaches_like(&self, other: &Connection) -> bool {
        self.kind == other.kind
            && self.base_url == other.base_url
            && self.username == other.username
            && self.tls == other.tls
    }

    /// The secret-store account name of this connection's token: its id.
    pub fn account(&self) -> String {
        self.id.to_string()
    }

    /// Stores this connection's token in `store`.
    pub fn set_token(&self, store: &dyn SecretStore, token: &str) -> Result<(), SecretError> {
        store.set(&self.account(), token)
    }

    /// Reads this connection's token from `store`.
    pub fn token(&self, store: &dyn SecretStore) -> Result<Option<String>, SecretError> {
        store.get(&self.account())
    }
}

/// The connections config file: `{ "version": 1, "connections": [...] }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct ConnectionsFile {
    /// Format version, [`CONNECTIONS_FILE_VERSION`].
    pub version: u32,
    /// The saved connections, in display order.
    pub connections: Vec<Connection>,
}

impl Default for ConnectionsFile {
    fn default() -> Self {
        Self {
            version: CONNECTIONS_FILE_VERSION,
            connections: Vec::new(),
        }
    }
}

impl ConnectionsFile {
    /// Reads the file at `path`; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Self, ConnectionError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(io_error("read", path, &e)),
        };
        let file: Self = serde_json::from_slice(&bytes).map_err(|e| ConnectionError::Parse {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        if file.version > CONNECTIONS_FILE_VERSION {
            return Err(ConnectionError::UnsupportedVersion(file.version));
        }
        Ok(file)
    }

    /// Writes the file atomically: to a temporary file next to `path`, flushed to disk, then
    /// renamed over `path`. Creates the parent directory if needed.
    pub fn save(&self, path: &Path) -> Result<(), ConnectionError> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| io_error("write", path, &e))?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "connections.json".to_owned());
        let temp = dir.join(format!(".{file_name}.{}.tmp", Uuid::new_v4()));
        let json = serde_json::to_vec_pretty(self).map_err(|e| ConnectionError::Parse {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        let written = (|| {
            let mut out = std::fs::File::create(&temp)?;
            out.write_all(&json)?;
            out.write_all(b"\n")?;
            out.sync_all()?;
            std::fs::rename(&temp, path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temp);
            return Err(io_error("write", path, &e));
        }
        Ok(())
    }

    /// Validates `connection` and appends it; ids must be unique.
    pub fn add(&mut self, connection: Connection) -> Result<(), ConnectionError> {
        connection.validate()?;
        if self.get(connection.id).is_some() {
            return Err(ConnectionError::DuplicateId(connection.id));
        }
        self.connections.push(connection);
        Ok(())
    }

    /// The connection with this id.
    pub fn get(&self, id: Uuid) -> Option<&Connection> {
        self.connections.iter().find(|c| c.id == id)
    }

    /// Removes and returns the connection with this id. Its token stays in the secret store;
    /// delete it there under [`Connection::account`].
    pub fn remove(&mut self, id: Uuid) -> Option<Connection> {
        let index = self.connections.iter().position(|c| c.id == id)?;
        Some(self.connections.remove(index))
    }
}

fn io_error(action: &'static str, path: &Path, e: &std::io::Error) -> ConnectionError {
    ConnectionError::Io {
        action,
        path: path.to_owned(),
        reason: e.to_string(),
    }
}
