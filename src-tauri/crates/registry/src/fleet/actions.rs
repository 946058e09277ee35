//! Bulk actions on notifications of one connection: reset failures, test, delete, pause and
//! resume, each confirmed by reading the target back.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::source::{Found, Source};
use super::target::Target;
use crate::client::Client;
use crate::dtr::{validate_test, validate_update, DtrWebhookTestDraft, DtrWebhookUpdate};
use crate::error::RegistryError;
use crate::listing::{self, Progress};
use crate::quay::QuayRepoRef;

/// What to do to each selected notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub enum BulkAction {
    /// Quay: set the failure count to 0, which re-enables a disabled notification.
    Reset,
    /// Send a test delivery.
    Test,
    /// Delete it.
    Delete,
    /// DTR: resume deliveries.
    Activate,
    /// DTR: pause deliveries.
    Deactivate,
}

/// One notification to act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct ActionItem {
    /// Its repository or namespace.
    pub target: Target,
    /// Quay's UUID or DTR's webhook id.
    pub id: String,
}

/// How one action went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct ActionResult {
    /// The notification.
    pub item: ActionItem,
    /// Done and confirmed.
    pub ok: bool,
    /// What happened, or what went wrong, in words.
    pub message: String,
}

/// Runs `action` on every item, at most `concurrency` at a time; each gets its own result.
pub async fn act_all(
    source: &Source,
    action: BulkAction,
    items: Vec<ActionItem>,
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Vec<ActionResult> {
    listing::bounded(
        items,
        concurrency,
        |item| async move { act(source, action, &item.target, &item.id).await },
        progress,
    )
    .await
    .into_iter()
    .map(|(item, result)| match result {
        Ok(message) => ActionResult {
            item,
            ok: true,
            message,
        },
        Err(e) => ActionResult {
            item,
            ok: false,
            message: e.to_string(),
        },
    })
    .collect()
}

/// Runs one action and reads the target back to confirm it; returns what happened.
pub async fn act(
    source: &Source,
    action: BulkAction,
    target: &Target,
    id: &str,
) -> Result<String, RegistryError> {
    let unsupported = |what: &str| Err(RegistryError::Unsupported(what.to_owned()));
    match (&source.client, action) {
        (Client::Quay(quay), BulkAction::Reset) => {
            quay.reset_notification_failures(&quay_repo(target)?, id)
                .await?;
            let after = find(source, target, id).await?;
            match after.row.failures {
                Some(0) => Ok("Failures reset; Quay sends it again.".into()),
                n => Err(RegistryError::Unconfirmed(format!(
                    "Quay still counts {} failures",
                    n.unwrap_or_default()
                ))),
            }
        }
        (Client::Quay(quay), BulkAction::Test) => {
            quay.test_notification(&quay_repo(target)?, id).await?;
            Ok("Quay queued a test delivery.".into())
        }
        (Client::Quay(quay), BulkAction::Delete) => {
            quay.delete_notification(&quay_repo(target)?, id).await?;
            confirm_gone(source, target, id).await
        }
        (Client::Quay(_), BulkAction::Activate | BulkAction::Deactivate) => unsupported(
            "Quay cannot pause a notification; delete it, or reset its failures to resume it.",
        ),
        (Client::Dtr(_), BulkAction::Reset) => {
            unsupported("DTR keeps no failure count; activate the webhook instead.")
        }
        (Client::Dtr(dtr), BulkAction::Test) => {
            let webhook = dtr_webhook(source, target, id).await?;
            let request = validate_test(&DtrWebhookTestDraft {
                webhook_type: webhook.webhook_type.clone(),
                endpoint: webhook.endpoint.clone(),
                tls_cert: webhook.tls_cert.clone().unwrap_or_default(),
                skip_tls_verification: webhook.skip_tls_verification.unwrap_or(false),
            })?;
            dtr.test_webhook(&request).await?;
            Ok("DTR sent its sample delivery.".into())
        }
        (Client::Dtr(dtr), BulkAction::Delete) => {
            dtr.delete_webhook(id).await?;
            confirm_gone(source, target, id).await
        }
        (Client::Dtr(dtr), BulkAction::Activate | BulkAction::Deactivate) => {
            let inactive = action == BulkAction::Deactivate;
            let webhook = dtr_webhook(source, target, id).await?;
            let update = DtrWebhookUpdate {
                inactive,
                ..DtrWebhookUpdate::from_webhook(&webhook)
            };
            dtr.update_webhook(&validate_update(&update, &webhook.endpoint)?)
                .await?;
            let after = dtr_webhook(source, target, id).await?;
            if after.inactive != inactive {
                return Err(RegistryError::Unconfirmed(format!(
                    "the webhook is still {}",
                    if after.inactive { "paused" } else { "active" }
                )));
            }
            Ok(if inactive { "Paused." } else { "Resumed." }.into())
        }
    }
}

pub(crate) fn quay_repo(target: &Target) -> Result<QuayRepoRef, RegistryError> {
    match &target.repository {
        Some(name) => Ok(QuayRepoRef::new(&target.namespace, name)),
        None => Err(RegistryError::Unsupported(
            "Quay keeps notifications per repository, not per namespace.".into(),
        )),
    }
}

async fn find(source: &Source, target: &Target, id: &str) -> Result<Found, RegistryError> {
    source
        .list(target)
        .await?
        .into_iter()
        .find(|f| f.row.id == id)
        .ok_or(RegistryError::Gone)
}

async fn dtr_webhook(
    source: &Source,
    target: &Target,
    id: &str,
) -> Result<crate::dtr::DtrWebhook, RegistryError> {
    let Client::Dtr(dtr) = &source.client else {
        return Err(RegistryError::Unsupported("not a DTR connection".into()));
    };
    let webhooks = match &target.repository {
        Some(name) => dtr.repository_webhooks(&target.namespace, name).await?,
        None => dtr.namespace_webhooks(&target.namespace).await?,
    };
    webhooks
        .into_iter()
        .find(|w| w.id == id)
        .ok_or(RegistryError::Gone)
}

pub(crate) async fn confirm_gone(
    source: &Source,
    target: &Target,
    id: &str,
) -> Result<String, RegistryError> {
    match find(source, target, id).await {
        Err(RegistryError::Gone) => Ok("Deleted.".into()),
        Ok(_) => Err(RegistryError::Unconfirmed("it is still there".into())),
        Err(e) => Err(e),
    }
}
