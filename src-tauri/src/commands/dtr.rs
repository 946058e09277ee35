//! DTR webhooks: list per repository or namespace, create, test, pause/resume, delete.

use registry::dtr::{
    validate_create, validate_test, validate_update, DtrWebhook, DtrWebhookDraft,
    DtrWebhookTestDraft, DtrWebhookUpdate,
};
use tauri::{AppHandle, Manager, Runtime};
use uuid::Uuid;

use crate::error::CommandResult;
use crate::registry_state::RegistryState;

/// The webhooks of a repository, or of a namespace when `repository` is `None`.
pub async fn dtr_webhook_list(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    repository: Option<String>,
) -> CommandResult<Vec<DtrWebhook>> {
    let registry = app.state::<RegistryState>();
    let client = registry.dtr(connection_id).await?;
    Ok(match repository {
        Some(repository) => client.repository_webhooks(&namespace, &repository).await?,
        None => client.namespace_webhooks(&namespace).await?,
    })
}

pub async fn dtr_webhook_create(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    draft: DtrWebhookDraft,
) -> CommandResult<DtrWebhook> {
    let registry = app.state::<RegistryState>();
    let client = registry.dtr(connection_id).await?;
    // Global-scope webhooks are admin-only; DTR says so with an opaque 403, so ask first.
    let is_admin = client.verify().await?.is_admin.unwrap_or(false);
    let request = validate_create(&draft, is_admin)?;
    Ok(client.create_webhook(&request).await?)
}

pub async fn dtr_webhook_test(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    draft: DtrWebhookTestDraft,
) -> CommandResult<()> {
    let registry = app.state::<RegistryState>();
    let request = validate_test(&draft)?;
    Ok(registry
        .dtr(connection_id)
        .await?
        .test_webhook(&request)
        .await?)
}

pub async fn dtr_webhook_update(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    update: DtrWebhookUpdate,
    endpoint: String,
) -> CommandResult<DtrWebhook> {
    let registry = app.state::<RegistryState>();
    // DTR refuses to keep an http:// endpoint without skipTLSVerification, so the check needs it.
    let request = validate_update(&update, &endpoint)?;
    Ok(registry
        .dtr(connection_id)
        .await?
        .update_webhook(&request)
        .await?)
}

pub async fn dtr_webhook_delete(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    id: String,
) -> CommandResult<()> {
    let registry = app.state::<RegistryState>();
    Ok(registry
        .dtr(connection_id)
        .await?
        .delete_webhook(&id)
        .await?)
}
