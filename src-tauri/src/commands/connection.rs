//! Saved connections: list, save (token to the keyring), remove, verify.

use registry::client::Account;
use registry::connection::Connection;
use registry::saved::{ConnectionInput, ConnectionsOverview, SavedConnections};
use tauri::{AppHandle, Manager, Runtime};
use uuid::Uuid;

use crate::error::CommandResult;

pub async fn connection_list(app: &AppHandle<impl Runtime>) -> CommandResult<ConnectionsOverview> {
    Ok(app.state::<SavedConnections>().overview())
}

/// Creates (no id) or updates a connection; a blank token keeps the stored one.
pub async fn connection_save(
    app: &AppHandle<impl Runtime>,
    input: ConnectionInput,
) -> CommandResult<Connection> {
    if let Some(id) = input.id {
        // An edit may point the connection at another server.
        app.state::<crate::commands::quay::FeatureCache>()
            .forget(id);
    }
    Ok(app.state::<SavedConnections>().save(input).await?)
}

pub async fn connection_remove(app: &AppHandle<impl Runtime>, id: Uuid) -> CommandResult<()> {
    Ok(app.state::<SavedConnections>().remove(id).await?)
}

/// Who the connection's token belongs to.
pub async fn connection_verify(app: &AppHandle<impl Runtime>, id: Uuid) -> CommandResult<Account> {
    // The server may have changed its features since they were read.
    app.state::<crate::commands::quay::FeatureCache>()
        .forget(id);
    let client = app.state::<SavedConnections>().client(id).await?;
    Ok(client.verify().await?)
}
