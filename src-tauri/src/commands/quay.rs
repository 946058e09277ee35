//! Quay repository notifications: list, create, test, reset failures, delete; and what the
//! server has switched off.

use registry::quay::client::QuayClient;
use registry::quay::{
    QuayAuthorizedEmail, QuayFeatures, QuayNotificationDraft, QuayNotificationView, QuayRepoRef,
    QuayTeam,
};
use registry::saved::SavedConnections;
use std::collections::HashMap;
use std::sync::Mutex;
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

/// Whether Quay may e-mail `email` for the repository: `None` when nobody asked yet, else
/// whether the recipient has confirmed.
pub async fn quay_email_status(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    email: String,
) -> CommandResult<Option<QuayAuthorizedEmail>> {
    let repo = QuayRepoRef::new(namespace, name);
    Ok(quay(app, connection_id)
        .await?
        .authorized_email(&repo, &email)
        .await?)
}

/// Has Quay send `email` its confirmation link for the repository (nothing when confirmed).
pub async fn quay_email_confirm(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    name: String,
    email: String,
) -> CommandResult<QuayAuthorizedEmail> {
    let repo = QuayRepoRef::new(namespace, name);
    Ok(quay(app, connection_id)
        .await?
        .authorize_email(&repo, &email)
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

/// What each Quay connection's server has switched off, read once per connection and again after
/// each Verify.
#[derive(Default)]
pub struct FeatureCache(Mutex<HashMap<Uuid, QuayFeatures>>);

impl FeatureCache {
    /// Forgets a connection's features (after Verify, or an edit that may point elsewhere).
    pub fn forget(&self, connection_id: Uuid) {
        lock(&self.0).remove(&connection_id);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The events and methods that can never work on this connection's Quay, with why.
pub async fn quay_features(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
) -> CommandResult<QuayFeatures> {
    let cache = app.state::<FeatureCache>();
    if let Some(known) = lock(&cache.0).get(&connection_id) {
        return Ok(known.clone());
    }
    let features = quay(app, connection_id).await?.features().await?;
    lock(&cache.0).insert(connection_id, features.clone());
    Ok(features)
}
