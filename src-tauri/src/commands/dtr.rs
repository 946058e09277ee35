//! DTR webhooks: list per repository or namespace, create, test, pause/resume, delete.

use registry::dtr::{
    validate_create, validate_test, validate_update, DtrWebhook, DtrWebhookDraft,
    DtrWebhookTestDraft, DtrWebhookUpdate,
};
use tauri::State;
use uuid::Uuid;

use crate::error::CommandResult;
use crate::registry_state::RegistryState;

/// The webhooks of a repository, or of a namespace when `repository` is `None`.
#[tauri::command]
pub async fn dtr_webhooks(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    namespace: String,
    repository: Option<String>,
) -> CommandResult<Vec<DtrWebhook>> {
    let client = registry.dtr(connection_id).await?;
    Ok(match repository {
        Some(repository) => client.repository_webhooks(&namespace, &repository).await?,
        None => client.namespace_webhooks(&namespace).await?,
    })
}

#[tauri::command]
pub async fn dtr_webhook_create(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    draft: DtrWebhookDraft,
) -> CommandResult<DtrWebhook> {
    let client = registry.dtr(connection_id).await?;
    // Global-scope webhooks are admin-only; DTR says so with an opaque 403, so ask first.
    let is_admin = client.verify().await?.is_admin.unwrap_or(false);
    let request = validate_create(&draft, is_admin)?;
    Ok(client.create_webhook(&request).await?)
}

#[tauri::command]
pub async fn dtr_webhook_test(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    draft: DtrWebhookTestDraft,
) -> CommandResult<()> {
    let request = validate_test(&draft)?;
    Ok(registry
        .dtr(connection_id)
        .await?
        .test_webhook(&request)
        .await?)
}

#[tauri::command]
pub async fn dtr_webhook_update(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    update: DtrWebhookUpdate,
    endpoint: String,
) -> CommandResult<DtrWebhook> {
    // DTR refuses to keep an http:// endpoint without skipTLSVerification, so the check needs it.
    let request = validate_update(&update, &endpoint)?;
    Ok(registry
        .dtr(connection_id)
        .await?
        .update_webhook(&request)
        .await?)
}

#[tauri::command]
pub async fn dtr_webhook_delete(
    registry: State<'_, RegistryState>,
    connection_id: Uuid,
    id: String,
) -> CommandResult<()> {
    Ok(registry
        .dtr(connection_id)
        .await?
        .delete_webhook(&id)
        .await?)
}
