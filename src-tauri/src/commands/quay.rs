//! Quay repository notifications: list, create, test, reset failures, delete.

use registry::quay::client::QuayClient;
use registry::quay::{QuayNotificationDraft, QuayNotificationView, QuayRepoRef, QuayTeam};
use registry::saved::SavedConnections;
use tauri::{AppHandle, Manager, Runtime};
use uuid::Uuid;

use crate::error::CommandResult;

async fn quay(app: &AppHandle<impl Runtime>, connection_id: Uuid) -> CommandResult<QuayClient> {
    Ok(app.state::<SavedConnections>().quay(connection_id).await?)
}

pub async fn quay_notification_create(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    draft: QuayNotificationDraft,
) -> CommandResult<QuayNotificationView> {
    let repo = QuayRepoRef::new(namespace, name);
    let created = quay(app, connection_id)
        .await?
        .create_notification(&repo, &draft)
        .await?;
    Ok(QuayNotificationView::from(&created))
}

pub async fn quay_notification_test(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    uuid: String,
) -> CommandResult<()> {
    let repo = QuayRepoRef::new(namespace, name);
    Ok(quay(app, connection_id)
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
    let repo = QuayRepoRef::new(namespace, name);
    Ok(quay(app, connection_id)
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
    let repo = QuayRepoRef::new(namespace, name);
    Ok(quay(app, connection_id)
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
    Ok(quay(app, connection_id).await?.teams(&org).await?)
}
