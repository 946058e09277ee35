//! DTR webhooks: list per repository or namespace, create, test, pause/resume, delete.

use registry::dtr::{
    validate_create, validate_test, validate_update, DtrWebhook, DtrWebhookDraft,
    DtrWebhookTestDraft, DtrWebhookUpdate,
};
use tauri::{AppHandle, Manager, Runtime};
use uuid::Uuid;

use crate::error::CommandResult;

async fn dtr(app: &AppHandle<impl Runtime>, connection_id: Uuid) -> CommandResult<DtrClient> {
    Ok(app.state::<SavedConnections>().dtr(connection_id).await?)
}
use registry::dtr::client::DtrClient;
use registry::saved::SavedConnections;

pub async fn dtr_webhook_create(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    draft: DtrWebhookDraft,
) -> CommandResult<DtrWebhook> {
    let client = dtr(app, connection_id).await?;
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
    let request = validate_test(&draft)?;
    Ok(dtr(app, connection_id)
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
    // DTR refuses to keep an http:// endpoint without skipTLSVerification, so the check needs it.
    let request = validate_update(&update, &endpoint)?;
    Ok(dtr(app, connection_id)
        .await?
        .update_webhook(&request)
        .await?)
}

pub async fn dtr_webhook_delete(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    id: String,
) -> CommandResult<()> {
    Ok(dtr(app, connection_id).await?.delete_webhook(&id).await?)
}
