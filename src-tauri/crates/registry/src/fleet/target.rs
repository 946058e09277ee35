//! Where notifications live: a repository (Quay notifications, DTR repository webhooks) or a
//! namespace (DTR namespace webhooks).

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// A repository, or a namespace when `repository` is absent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct Target {
    /// The user or organization.
    pub namespace: String,
    /// The repository name without its namespace (Quay allows `/` in it); absent for a
    /// namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub repository: Option<String>,
}

impl Target {
    /// A repository.
    pub fn repository(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            repository: Some(name.into()),
        }
    }

    /// A namespace.
    pub fn namespace(namespace: impl Into<String>) -> Self {
        Self {
            namespace: namespace.into(),
            repository: None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repository {
            Some(name) => write!(f, "{}/{name}", self.namespace),
            None => write!(f, "{} (namespace)", self.namespace),
        }
    }
}
