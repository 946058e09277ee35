//! Quay repository notifications: list, create, test, reset failures, delete.

use registry::quay::{QuayNotification, QuayNotificationDraft, QuayRepoRef, QuayTeam};
use tauri::State;
use uuid::Uuid;

use crate::error::CommandResult;
use crate::registry_state::RegistryState;

#[tauri::command]
pub async fn quay_notifications(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    namespace: String,
    name: String,
) -> CommandResult<Vec<QuayNotification>> {
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .notifications(&repo)
        .await?)
}

#[tauri::command]
pub async fn quay_notification_create(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    draft: QuayNotificationDraft,
) -> CommandResult<QuayNotification> {
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .create_notification(&repo, &draft)
        .await?)
}

#[tauri::command]
pub async fn quay_notification_test(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    uuid: String,
) -> CommandResult<()> {
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .test_notification(&repo, &uuid)
        .await?)
}

#[tauri::command]
pub async fn quay_notification_reset(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    uuid: String,
) -> CommandResult<()> {
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .reset_notification_failures(&repo, &uuid)
        .await?)
}

#[tauri::command]
pub async fn quay_notification_delete(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    uuid: String,
) -> CommandResult<()> {
    let repo = QuayRepoRef::new(namespace, name);
    Ok(registry
        .quay(connection_id)
        .await?
        .delete_notification(&repo, &uuid)
        .await?)
}

/// The teams of an organization, for a `quay_notification` team target (empty for non-members).
#[tauri::command]
pub async fn quay_teams(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    org: String,
) -> CommandResult<Vec<QuayTeam>> {
    Ok(registry.quay(connection_id).await?.teams(&org).await?)
}
