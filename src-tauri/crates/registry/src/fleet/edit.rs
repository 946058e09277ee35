//! Safe edit. Quay has no update call, and DTR's only changes pause and TLS settings, so an edit
//! creates the new notification, optionally proves it works, and only then deletes the old one:
//! a failure at any step leaves at least one working notification, and says which exist.

use serde::{Deserialize, Serialize};
use std::future::Future;
use ts_rs::TS;

use super::actions::confirm_gone;
use super::plan::create;
use super::source::Source;
use super::spec::NotificationSpec;
use super::target::Target;
use crate::client::Client;
use crate::dtr::{validate_update, DtrWebhookUpdate};
use crate::error::RegistryError;

/// How an edit ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "outcome",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[ts(export_to = "registry.ts")]
pub enum EditOutcome {
    /// The new one exists (proved, when asked) and the old one is gone.
    Replaced {
        /// The new notification's id.
        new_id: String,
        /// What the check between the steps saw, if one ran.
        check: Option<String>,
    },
    /// DTR changed the webhook in place (only TLS settings differed).
    Updated {
        /// The webhook's id (unchanged).
        id: String,
    },
    /// Creating the new one failed: nothing changed.
    NotCreated {
        /// Why.
        message: String,
    },
    /// The new one was created but its check failed, so the old one was kept: both exist.
    CheckFailed {
        /// The new notification's id.
        new_id: String,
        /// What the check saw.
        message: String,
    },
    /// The new one works but deleting the old one failed: both exist; retry the delete.
    OldNotDeleted {
        /// The new notification's id.
        new_id: String,
        /// Why the delete failed.
        message: String,
    },
}

/// Replaces notification `old_id` of `target` with `spec`. `check` runs between the create and
/// the delete with the new id (e.g. test it and wait for the delivery); an `Err` keeps the old
/// notification.
pub async fn replace<F, Fut>(
    source: &Source,
    target: &Target,
    old_id: &str,
    spec: &NotificationSpec,
    check: Option<F>,
) -> EditOutcome
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = Result<String, String>>,
{
    if let Some(outcome) = update_in_place(source, target, old_id, spec).await {
        return outcome;
    }
    let new_id = match create(source, target, spec).await {
        Ok(id) => id,
        Err(e) => {
            return EditOutcome::NotCreated {
                message: e.to_string(),
            }
        }
    };
    let check = match check {
        Some(check) => match check(new_id.clone()).await {
            Ok(seen) => Some(seen),
            Err(message) => return EditOutcome::CheckFailed { new_id, message },
        },
        None => None,
    };
    match delete_old(source, target, old_id).await {
        Ok(_) => EditOutcome::Replaced { new_id, check },
        Err(e) => EditOutcome::OldNotDeleted {
            new_id,
            message: e.to_string(),
        },
    }
}

/// Deletes the old notification of an edit (also the retry after [`EditOutcome::OldNotDeleted`]).
pub async fn delete_old(
    source: &Source,
    target: &Target,
    old_id: &str,
) -> Result<String, RegistryError> {
    match &source.client {
        Client::Quay(quay) => {
            quay.delete_notification(&super::actions::quay_repo(target)?, old_id)
                .await?
        }
        Client::Dtr(dtr) => dtr.delete_webhook(old_id).await?,
    }
    confirm_gone(source, target, old_id).await
}

/// DTR updates TLS settings in place; anything else (type, endpoint) needs a new webhook.
async fn update_in_place(
    source: &Source,
    target: &Target,
    old_id: &str,
    spec: &NotificationSpec,
) -> Option<EditOutcome> {
    let (Client::Dtr(dtr), NotificationSpec::Dtr(wanted)) = (&source.client, spec) else {
        return None;
    };
    let current = source.list(target).await.ok()?;
    let old = current.iter().find(|f| f.row.id == old_id)?;
    let webhook = match &old.spec {
        Ok(NotificationSpec::Dtr(have))
            if have.webhook_type == wanted.webhook_type
                && have.endpoint.trim() == wanted.endpoint.trim() =>
        {
            have
        }
        _ => return None,
    };
    let update = DtrWebhookUpdate {
        id: old_id.to_owned(),
        inactive: old.row.state == super::source::FleetState::Inactive,
        tls_cert: wanted.tls_cert.clone(),
        skip_tls_verification: wanted.skip_tls_verification,
    };
    let outcome = async {
        let request = validate_update(&update, &webhook.endpoint)?;
        let after = dtr.update_webhook(&request).await?;
        if after
            .skip_tls_verification
            .unwrap_or(update.skip_tls_verification)
            != update.skip_tls_verification
        {
            return Err(RegistryError::Unconfirmed(
                "DTR kept the old TLS setting".into(),
            ));
        }
        Ok::<_, RegistryError>(())
    }
    .await;
    Some(match outcome {
        Ok(()) => EditOutcome::Updated {
            id: old_id.to_owned(),
        },
        Err(e) => EditOutcome::NotCreated {
            message: e.to_string(),
        },
    })
}
