//! Saved connections: list, save (verified first; token to the keyring), remove, verify.

use registry::connection::Connection;
use registry::health::ConnectionHealth;
use registry::saved::{ConnectionInput, ConnectionsOverview, SaveVerdict, SavedConnections};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{CommandError, CommandResult};

/// How a save ended.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(tag = "outcome", rename_all = "camelCase")]
pub enum SaveOutcome {
    /// Saved; its `health` says how verification went (a failure when saved anyway).
    Saved {
        /// The connection as saved.
        connection: Connection,
    },
    /// The registry did not accept the connection as typed, and nothing was saved. `error`
    /// names the field it is about (`token`, `baseUrl`, `tls.caPem`) when there is one; saving
    /// again with `anyway` keeps the connection with this failure as its health.
    NotVerified {
        /// Why, as every command says it.
        error: CommandError,
    },
}

pub async fn connection_list(app: &AppHandle<impl Runtime>) -> CommandResult<ConnectionsOverview> {
    Ok(app.state::<SavedConnections>().overview())
}

/// Creates (no id) or updates a connection; a blank token keeps the stored one. A new
/// connection, or one whose address, TLS, user or token changes, is verified first.
pub async fn connection_save(
    app: &AppHandle<impl Runtime>,
    input: ConnectionInput,
    anyway: bool,
) -> CommandResult<SaveOutcome> {
    if let Some(id) = input.id {
        // An edit may point the connection at another server.
        app.state::<crate::commands::quay::FeatureCache>()
            .forget(id);
    }
    Ok(
        match app
            .state::<SavedConnections>()
            .save_verified(input, anyway)
            .await?
        {
            SaveVerdict::Saved(connection) => SaveOutcome::Saved { connection },
            SaveVerdict::NotVerified(e) => {
                let field = e.field_at_fault();
                SaveOutcome::NotVerified {
                    error: CommandError::from(e).about(field),
                }
            }
        },
    )
}

pub async fn connection_remove(app: &AppHandle<impl Runtime>, id: Uuid) -> CommandResult<()> {
    Ok(app.state::<SavedConnections>().remove(id).await?)
}

/// Verifies the connection with its stored token and keeps the result as its health (a refused
/// token is a result here, not an error).
pub async fn connection_verify(
    app: &AppHandle<impl Runtime>,
    id: Uuid,
) -> CommandResult<ConnectionHealth> {
    // The server may have changed its features since they were read.
    app.state::<crate::commands::quay::FeatureCache>()
        .forget(id);
    Ok(app.state::<SavedConnections>().verify(id).await?)
}
