//! Namespaces and repositories of a connection, in one shape for Quay and DTR: browsing, and a
//! repository's lifecycle (create, change, tags, delete).

use registry::client::{Client, ManyRepositories, Namespace, Notification, Repository};
use registry::listing::{Progress, DEFAULT_CONCURRENCY};
use registry::repos::{DeleteImpact, RepositoryChange, RepositoryDetail, RepositoryDraft, TagPage};
use registry::saved::SavedConnections;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};
use uuid::Uuid;

use crate::error::{CommandError, CommandResult};

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

/// Every repository of every namespace the token can browse, for the Repositories screen's
/// search across a connection; `on_progress` counts the namespaces listed.
pub async fn registry_repository_list_all(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    on_progress: Channel<Progress>,
) -> CommandResult<ManyRepositories> {
    let client = client(app, connection_id).await?;
    let namespaces = client.namespaces().await?;
    let names = namespaces.into_iter().map(|n| n.name).collect();
    let progress = |p: Progress| {
        let _ = on_progress.send(p);
    };
    Ok(client
        .repositories_of(names, DEFAULT_CONCURRENCY, progress)
        .await)
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

/// One repository, for its panel.
pub async fn registry_repository_get(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
) -> CommandResult<RepositoryDetail> {
    let client = client(app, connection_id).await?;
    Ok(client.repository(&namespace, &name).await?)
}

/// Creates a repository; the answer is the repository as read back.
pub async fn registry_repository_create(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    draft: RepositoryDraft,
) -> CommandResult<RepositoryDetail> {
    let client = client(app, connection_id).await?;
    client
        .create_repository(&draft)
        .await
        .map_err(|e| draft_field(e.into()))
}

/// Names the draft's field for errors the registries word in their own terms: the name is
/// `repository` to Quay and part of the webhook `scope` to DTR's checks.
fn draft_field(e: CommandError) -> CommandError {
    let field = match e.field.as_deref() {
        Some("repository" | "scope" | "namespace") => Some("name"),
        Some("shortDescription") => Some("description"),
        other => other,
    };
    CommandError {
        field: field.map(str::to_owned),
        ..e
    }
}

/// Changes visibility or descriptions; the answer is the repository as read back.
pub async fn registry_repository_change(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    change: RepositoryChange,
) -> CommandResult<RepositoryDetail> {
    let client = client(app, connection_id).await?;
    Ok(client.change_repository(&namespace, &name, &change).await?)
}

/// One page of a repository's tags.
pub async fn registry_repository_tags(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    cursor: Option<String>,
) -> CommandResult<TagPage> {
    let client = client(app, connection_id).await?;
    Ok(client
        .tags_page(&namespace, &name, cursor.as_deref())
        .await?)
}

/// What deleting the repository would take with it.
pub async fn registry_repository_delete_impact(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
) -> CommandResult<DeleteImpact> {
    let client = client(app, connection_id).await?;
    Ok(client.delete_impact(&namespace, &name).await?)
}

/// Deletes a repository. `typed_name` is what the person typed to confirm; it must be the
/// repository's name, so no other caller can delete by mistake either.
pub async fn registry_repository_delete(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    typed_name: String,
) -> CommandResult<()> {
    if typed_name.trim() != name {
        return Err(CommandError::invalid_field(
            "typedName",
            format!("Type the repository name, {name}, to confirm the deletion."),
        ));
    }
    let client = client(app, connection_id).await?;
    Ok(client.delete_repository(&namespace, &name).await?)
}

async fn client(app: &AppHandle<impl Runtime>, connection_id: Uuid) -> CommandResult<Client> {
    Ok(app
        .state::<SavedConnections>()
        .client(connection_id)
        .await?)
}
