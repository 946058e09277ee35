//! Namespaces and repositories of a connection, in one shape for Quay and DTR.

use registry::client::{Namespace, Notification, Repository};
use registry::listing::Progress;
use registry::saved::SavedConnections;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};
use uuid::Uuid;

use crate::error::CommandResult;

pub async fn registry_namespace_list(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
) -> CommandResult<Vec<Namespace>> {
    let client = app
        .state::<SavedConnections>()
        .client(connection_id)
        .await?;
    Ok(client.namespaces().await?)
}

/// Every repository of a namespace, all pages, reporting the count so far on `on_progress`.
pub async fn registry_repository_list(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    on_progress: Channel<Progress>,
) -> CommandResult<Vec<Repository>> {
    let client = app
        .state::<SavedConnections>()
        .client(connection_id)
        .await?;
    let progress = |p: Progress| {
        let _ = on_progress.send(p);
    };
    Ok(client.repositories(&namespace, progress).await?)
}

/// The notifications (Quay) or webhooks (DTR) of a repository, or of a namespace (DTR) when
/// `repository` is `None`.
pub async fn registry_notification_list(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    repository: Option<String>,
) -> CommandResult<Vec<Notification>> {
    let client = app
        .state::<SavedConnections>()
        .client(connection_id)
        .await?;
    Ok(client
        .notifications(&namespace, repository.as_deref())
        .await?)
}
