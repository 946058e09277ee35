//! Namespaces and repositories of a connection, in one shape for Quay and DTR.

use registry::connection::ConnectionKind;
use registry::dtr::{DtrNamespaceType, DtrVisibility};
use registry::listing::Progress;
use registry::quay::QuayNamespaceKind;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::CommandResult;
use crate::registry_state::RegistryState;

/// A namespace the token can browse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "camelCase")]
pub struct NamespaceItem {
    /// User or organization name.
    pub name: String,
    /// An organization rather than the user's own namespace.
    pub organization: bool,
    /// The user administers it (may manage its notifications or namespace webhooks).
    pub is_admin: bool,
}

/// A repository row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "camelCase")]
pub struct RepositoryItem {
    /// Owning namespace.
    pub namespace: String,
    /// Name without the namespace.
    pub name: String,
    /// Anyone may pull it.
    pub is_public: bool,
    /// Newest push, Unix milliseconds, when the registry tells (Quay does, DTR does not).
    #[ts(type = "number | null")]
    pub last_modified: Option<i64>,
    /// Short description, possibly empty.
    pub description: String,
}

pub async fn registry_namespace_list(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
) -> CommandResult<Vec<NamespaceItem>> {
    let registry = app.state::<RegistryState>();
    Ok(match registry.get(connection_id)?.kind {
        ConnectionKind::Quay => registry
            .quay(connection_id)
            .await?
            .namespaces()
            .await?
            .into_iter()
            .map(|n| NamespaceItem {
                organization: n.kind == QuayNamespaceKind::Organization,
                name: n.name,
                is_admin: n.is_admin,
            })
            .collect(),
        ConnectionKind::Dtr => registry
            .dtr(connection_id)
            .await?
            .namespaces()
            .await?
            .into_iter()
            .map(|n| NamespaceItem {
                organization: n.namespace_type == DtrNamespaceType::Organization,
                name: n.name,
                is_admin: n.is_admin,
            })
            .collect(),
    })
}

/// Every repository of a namespace, all pages, reporting the count so far on `on_progress`.
pub async fn registry_repository_list(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: String,
    on_progress: Channel<Progress>,
) -> CommandResult<Vec<RepositoryItem>> {
    let registry = app.state::<RegistryState>();
    let progress = |p: Progress| {
        let _ = on_progress.send(p);
    };
    Ok(match registry.get(connection_id)?.kind {
        ConnectionKind::Quay => registry
            .quay(connection_id)
            .await?
            .repositories_with_progress(&namespace, progress)
            .await?
            .into_iter()
            .map(|r| RepositoryItem {
                namespace: r.namespace,
                name: r.name,
                is_public: r.is_public,
                last_modified: r.last_modified.map(|s| s.saturating_mul(1000)),
                description: r.description.unwrap_or_default(),
            })
            .collect(),
        ConnectionKind::Dtr => registry
            .dtr(connection_id)
            .await?
            .repositories_with_progress(Some(&namespace), progress)
            .await?
            .into_iter()
            .map(|r| RepositoryItem {
                namespace: r.namespace,
                name: r.name,
                is_public: r.visibility == DtrVisibility::Public,
                last_modified: None,
                description: r.short_description,
            })
            .collect(),
    })
}
