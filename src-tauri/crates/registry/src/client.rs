//! "A registry": one [`Client`] over Quay and DTR for what both answer (who the token is, its
//! namespaces, their repositories, their notifications), in Wharf's own types, so callers never
//! match on the kind.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::connection::{Connection, ConnectionKind};
use crate::dtr::client::DtrClient;
use crate::dtr::{DtrNamespaceType, DtrVisibility, DtrWebhook};
use crate::error::RegistryError;
use crate::listing::{self, Progress};
use crate::quay::client::QuayClient;
use crate::quay::{QuayNamespaceKind, QuayNotificationView, QuayRepoRef};

/// A client for one saved connection.
#[derive(Debug, Clone)]
pub enum Client {
    /// Quay or quay.io.
    Quay(QuayClient),
    /// DTR / MSR.
    Dtr(DtrClient),
}

/// Who a connection's token belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// The user name the registry knows the token as.
    pub account: String,
    /// One line more: organizations, admin rights.
    pub detail: String,
}

/// A namespace the token can browse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    /// User or organization name.
    pub name: String,
    /// An organization rather than the user's own namespace.
    pub organization: bool,
    /// The user administers it (may manage its notifications or namespace webhooks).
    pub is_admin: bool,
}

/// A repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct Repository {
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

/// The repositories of several namespaces, for a search across a whole connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct ManyRepositories {
    /// Every repository of the namespaces that answered, in the order of the namespaces.
    pub repositories: Vec<Repository>,
    /// The namespaces that could not be listed, with why; the others are still listed.
    pub problems: Vec<NamespaceProblem>,
}

/// A namespace whose repositories could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct NamespaceProblem {
    /// The namespace.
    pub namespace: String,
    /// What went wrong.
    pub message: String,
}

/// What a registry sends events through: a Quay repository notification or a DTR webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(tag = "registry", rename_all = "camelCase")]
pub enum Notification {
    /// A Quay repository notification.
    Quay(QuayNotificationView),
    /// A DTR webhook.
    Dtr(DtrWebhook),
}

impl Client {
    /// A client for `connection` with its token.
    pub fn new(connection: &Connection, token: &str) -> Result<Client, RegistryError> {
        Ok(match connection.kind {
            ConnectionKind::Quay => Client::Quay(QuayClient::for_connection(connection, token)?),
            ConnectionKind::Dtr => Client::Dtr(DtrClient::for_connection(connection, token)?),
        })
    }

    /// Checks the token and says whose it is.
    pub async fn verify(&self) -> Result<Account, RegistryError> {
        Ok(match self {
            Client::Quay(quay) => {
                let user = quay.verify().await?;
                let orgs: Vec<&str> = user.organizations.iter().map(|o| o.name.as_str()).collect();
                Account {
                    detail: if orgs.is_empty() {
                        "no organizations".into()
                    } else {
                        format!("organizations: {}", orgs.join(", "))
                    },
                    account: user.username,
                }
            }
            Client::Dtr(dtr) => {
                let account = dtr.verify().await?;
                Account {
                    detail: if account.is_admin == Some(true) {
                        "DTR administrator".into()
                    } else {
                        "regular user".into()
                    },
                    account: account.name,
                }
            }
        })
    }

    /// The namespaces the token can browse.
    pub async fn namespaces(&self) -> Result<Vec<Namespace>, RegistryError> {
        Ok(match self {
            Client::Quay(quay) => quay
                .namespaces()
                .await?
                .into_iter()
                .map(|n| Namespace {
                    organization: n.kind == QuayNamespaceKind::Organization,
                    name: n.name,
                    is_admin: n.is_admin,
                })
                .collect(),
            Client::Dtr(dtr) => dtr
                .namespaces()
                .await?
                .into_iter()
                .map(|n| Namespace {
                    organization: n.namespace_type == DtrNamespaceType::Organization,
                    name: n.name,
                    is_admin: n.is_admin,
                })
                .collect(),
        })
    }

    /// Every repository of a namespace, all pages, reporting the count after each page.
    pub async fn repositories(
        &self,
        namespace: &str,
        progress: impl FnMut(Progress),
    ) -> Result<Vec<Repository>, RegistryError> {
        Ok(match self {
            Client::Quay(quay) => quay
                .repositories_with_progress(namespace, progress)
                .await?
                .into_iter()
                .map(|r| Repository {
                    namespace: r.namespace,
                    name: r.name,
                    is_public: r.is_public,
                    last_modified: r.last_modified.map(|s| s.saturating_mul(1000)),
                    description: r.description.unwrap_or_default(),
                })
                .collect(),
            Client::Dtr(dtr) => dtr
                .repositories_with_progress(Some(namespace), progress)
                .await?
                .into_iter()
                .map(|r| Repository {
                    namespace: r.namespace,
                    name: r.name,
                    is_public: r.visibility == DtrVisibility::Public,
                    last_modified: None,
                    description: r.short_description,
                })
                .collect(),
        })
    }

    /// Every repository of `namespaces`, at most `concurrency` namespaces at a time, reporting
    /// the namespaces done after each; a namespace that fails is named, not fatal.
    pub async fn repositories_of(
        &self,
        namespaces: Vec<String>,
        concurrency: usize,
        progress: impl FnMut(Progress),
    ) -> ManyRepositories {
        let listed = listing::bounded(
            namespaces,
            concurrency,
            |namespace| async move { self.repositories(&namespace, |_| {}).await },
            progress,
        )
        .await;
        let mut all = ManyRepositories {
            repositories: Vec::new(),
            problems: Vec::new(),
        };
        for (namespace, result) in listed {
            match result {
                Ok(repositories) => all.repositories.extend(repositories),
                Err(e) => all.problems.push(NamespaceProblem {
                    namespace,
                    message: e.to_string(),
                }),
            }
        }
        all
    }

    /// The notifications of a repository, or (DTR only: Quay keeps them per repository) of a
    /// namespace when `repository` is `None`.
    pub async fn notifications(
        &self,
        namespace: &str,
        repository: Option<&str>,
    ) -> Result<Vec<Notification>, RegistryError> {
        Ok(match (self, repository) {
            (Client::Quay(quay), Some(name)) => quay
                .notifications(&QuayRepoRef::new(namespace, name))
                .await?
                .iter()
                .map(|n| Notification::Quay(n.into()))
                .collect(),
            (Client::Quay(_), None) => Vec::new(),
            (Client::Dtr(dtr), Some(name)) => dtr
                .repository_webhooks(namespace, name)
                .await?
                .into_iter()
                .map(Notification::Dtr)
                .collect(),
            (Client::Dtr(dtr), None) => dtr
                .namespace_webhooks(namespace)
                .await?
                .into_iter()
                .map(Notification::Dtr)
                .collect(),
        })
    }
}
