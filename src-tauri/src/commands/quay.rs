//! Quay repository notifications: list, create, test, reset failures, delete.

use registry::quay::{QuayNotification, QuayNotificationDraft, QuayRepoRef, QuayTeam};
use tauri::{AppHandle, Manager, Runtime};
use uuid::Uuid;

use crate::error::CommandResult;
use crate::registry_state::RegistryState;

pub async fn quay_notification_list(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
) -> CommandResult<Vec<QuayNotification>> {
    let registry = app.state::<RegistryState>();
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .notifications(&repo)
        .await?)
}

pub async fn quay_notification_create(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    draft: QuayNotificationDraft,
) -> CommandResult<QuayNotification> {
    let registry = app.state::<RegistryState>();
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .create_notification(&repo, &draft)
        .await?)
}

pub async fn quay_notification_test(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    uuid: String,
) -> CommandResult<()> {
    let registry = app.state::<RegistryState>();
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .test_notification(&repo, &uuid)
        .await?)
}

pub async fn quay_notification_reset(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    uuid: String,
) -> CommandResult<()> {
    let registry = app.state::<RegistryState>();
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .reset_notification_failures(&repo, &uuid)
        .await?)
}

pub async fn quay_notification_delete(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    uuid: String,
) -> CommandResult<()> {
    let registry = app.state::<RegistryState>();
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .delete_notification(&repo, &uuid)
        .await?)
}

/// The teams of an organization, for a `quay_notification` team target (empty for non-members).
pub async fn quay_team_list(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    org: String,
) -> CommandResult<Vec<QuayTeam>> {
    let registry = app.state::<RegistryState>();
    Ok(registry.quay(connection_id).await?.teams(&org).await?)
}
