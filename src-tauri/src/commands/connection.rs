//! Saved connections: list, save (token to the keyring), remove, verify.

use registry::connection::{Connection, ConnectionKind};
use registry::tls::TlsOptions;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::CommandResult;
use crate::registry_state::RegistryState;

/// The saved connections and anything the user should know about where tokens live.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "camelCase")]
pub struct ConnectionsOverview {
    /// In display order.
    pub connections: Vec<Connection>,
    /// Plain sentences: no keyring (tokens in memory only), unreadable config file.
    pub notices: Vec<String>,
}

/// A connection as the form sends it. A blank `token` keeps the stored one.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export_to = "shell.ts")]
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
    /// The OAuth (Quay) or access (DTR) token; goes to the keyring only.
    pub token: Option<String>,
}

/// Who a connection's token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    /// The user name the registry knows the token as.
    pub account: String,
    /// One line more: organizations, admin rights.
    pub detail: String,
}

pub async fn connection_list(app: &AppHandle<impl Runtime>) -> CommandResult<ConnectionsOverview> {
    let registry = app.state::<RegistryState>();
    Ok(ConnectionsOverview {
        connections: registry.list(),
        notices: registry.notices(),
    })
}

pub async fn connection_save(
    app: &AppHandle<impl Runtime>,
    input: ConnectionInput,
) -> CommandResult<Connection> {
    let registry = app.state::<RegistryState>();
    let is_new = input.id.is_none();
    let mut connection = Connection::new(
        &input.name,
        input.kind,
        &input.base_url,
        input.username.as_deref(),
        input.tls,
    )?;
    if let Some(id) = input.id {
        registry.get(id)?;
        connection.id = id;
    }
    let token = input.token.filter(|t| !t.trim().is_empty());
    if is_new && token.is_none() {
        return Err(crate::error::CommandError::invalid_field(
            "token",
            "Enter the token for this connection.",
        ));
    }
    registry.save(connection.clone(), token).await?;
    Ok(connection)
}

pub async fn connection_remove(app: &AppHandle<impl Runtime>, id: Uuid) -> CommandResult<()> {
    let registry = app.state::<RegistryState>();
    registry.remove(id).await
}

pub async fn connection_verify(app: &AppHandle<impl Runtime>, id: Uuid) -> CommandResult<Verified> {
    let registry = app.state::<RegistryState>();
    match registry.get(id)?.kind {
        ConnectionKind::Quay => {
            let user = registry.quay(id).await?.verify().await?;
            let orgs: Vec<&str> = user.organizations.iter().map(|o| o.name.as_str()).collect();
            Ok(Verified {
                detail: if orgs.is_empty() {
                    "no organizations".into()
                } else {
                    format!("organizations: {}", orgs.join(", "))
                },
                account: user.username,
            })
        }
        ConnectionKind::Dtr => {
            let account = registry.dtr(id).await?.verify().await?;
            Ok(Verified {
                detail: if account.is_admin == Some(true) {
                    "DTR administrator".into()
                } else {
                    "regular user".into()
                },
                account: account.name,
            })
        }
    }
}
