//! One connection as the fleet tools walk it: which targets it has and what notifications each
//! target holds, as rows to show and specs to compare.

use serde::Serialize;
use ts_rs::TS;
use uuid::Uuid;

use super::spec::{quay_destination, url_destination, NotificationSpec};
use super::target::Target;
use crate::client::Client;
use crate::connection::ConnectionKind;
use crate::dtr::DtrWebhook;
use crate::error::RegistryError;
use crate::quay::{QuayNotification, QuayRepoRef};

/// A connection with its client.
#[derive(Debug, Clone)]
pub struct Source {
    /// The saved connection's id.
    pub connection_id: Uuid,
    /// Its name, for rows and messages.
    pub connection: String,
    /// A client with its token.
    pub client: Client,
}

/// Whether a notification is being delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub enum FleetState {
    /// Delivering (as far as the registry tells).
    Ok,
    /// Quay: the last deliveries failed, not yet disabled.
    Failing,
    /// Quay stopped sending it after 3 failures in a row; resetting failures enables it.
    Disabled,
    /// DTR: paused.
    Inactive,
}

/// One notification or webhook of the fleet view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct FleetRow {
    /// The connection it was found on.
    pub connection_id: Uuid,
    /// That connection's name.
    pub connection: String,
    /// Quay or DTR.
    pub registry: ConnectionKind,
    /// Its repository or namespace.
    pub target: Target,
    /// Quay's UUID or DTR's webhook id.
    pub id: String,
    /// Quay's title, if any.
    pub title: Option<String>,
    /// The event (Quay) or type (DTR), by its wire name.
    pub event: String,
    /// The method by its wire name (`webhook` for DTR).
    pub method: String,
    /// Where it goes, in words, secrets masked: "Webhook → host/path", "Slack (hooks.slack.com)".
    pub destination: String,
    /// The URL it posts to, for webhooks (to recognise Wharf's own routes).
    pub url: Option<String>,
    /// Consecutive failed deliveries (Quay only).
    pub failures: Option<u32>,
    /// Ok, failing, disabled or inactive.
    pub state: FleetState,
    /// DTR: the last delivery DTR counted as successful.
    pub last_success: Option<String>,
}

/// A notification found on a target: the row to show and the spec to compare or copy.
#[derive(Debug, Clone)]
pub struct Found {
    /// As shown.
    pub row: FleetRow,
    /// What it is, or why Wharf cannot recreate it.
    pub spec: Result<NotificationSpec, String>,
}

/// A part of a scan that failed, said so a person can act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub struct FleetProblem {
    /// The connection.
    pub connection_id: Uuid,
    /// Its name.
    pub connection: String,
    /// The repository or namespace, when the failure is one target's.
    pub target: Option<Target>,
    /// What went wrong.
    pub message: String,
}

impl Source {
    /// Quay or DTR.
    pub fn kind(&self) -> ConnectionKind {
        match self.client {
            Client::Quay(_) => ConnectionKind::Quay,
            Client::Dtr(_) => ConnectionKind::Dtr,
        }
    }

    /// A problem of this connection.
    pub fn problem(&self, target: Option<Target>, error: &RegistryError) -> FleetProblem {
        FleetProblem {
            connection_id: self.connection_id,
            connection: self.connection.clone(),
            target,
            message: error.to_string(),
        }
    }

    /// Every target of the connection (or of one namespace): its repositories, and for DTR the
    /// namespaces it administers (namespace webhooks). A namespace that cannot be listed is
    /// reported and skipped.
    pub async fn targets(
        &self,
        namespace: Option<&str>,
        mut on_problem: impl FnMut(FleetProblem),
    ) -> Result<Vec<Target>, RegistryError> {
        let namespaces: Vec<(String, bool)> = match namespace {
            Some(ns) => vec![(ns.to_owned(), true)],
            None => self
                .client
                .namespaces()
                .await?
                .into_iter()
                .map(|n| (n.name, n.is_admin))
                .collect(),
        };
        let mut targets = Vec::new();
        for (ns, is_admin) in namespaces {
            match self.client.repositories(&ns, |_| {}).await {
                Ok(repos) => targets.extend(
                    repos
                        .into_iter()
                        .map(|r| Target::repository(r.namespace, r.name)),
                ),
                Err(e) => on_problem(self.problem(Some(Target::namespace(&ns)), &e)),
            }
            // Only a namespace's admins may list its webhooks; asking otherwise is a 403 row.
            if self.kind() == ConnectionKind::Dtr && is_admin {
                targets.push(Target::namespace(ns));
            }
        }
        Ok(targets)
    }

    /// The notifications of one target.
    pub async fn list(&self, target: &Target) -> Result<Vec<Found>, RegistryError> {
        Ok(match (&self.client, &target.repository) {
            (Client::Quay(quay), Some(name)) => quay
                .notifications(&QuayRepoRef::new(&target.namespace, name))
                .await?
                .iter()
                .map(|n| self.found_quay(target, n))
                .collect(),
            (Client::Quay(_), None) => Vec::new(),
            (Client::Dtr(dtr), Some(name)) => dtr
                .repository_webhooks(&target.namespace, name)
                .await?
                .iter()
                .map(|w| self.found_dtr(target, w))
                .collect(),
            (Client::Dtr(dtr), None) => dtr
                .namespace_webhooks(&target.namespace)
                .await?
                .iter()
                .map(|w| self.found_dtr(target, w))
                .collect(),
        })
    }

    fn row(&self, target: &Target, id: &str, event: &str, method: &str) -> FleetRow {
        FleetRow {
            connection_id: self.connection_id,
            connection: self.connection.clone(),
            registry: self.kind(),
            target: target.clone(),
            id: id.to_owned(),
            title: None,
            event: event.to_owned(),
            method: method.to_owned(),
            destination: String::new(),
            url: None,
            failures: None,
            state: FleetState::Ok,
            last_success: None,
        }
    }

    fn found_quay(&self, target: &Target, n: &QuayNotification) -> Found {
        let spec = NotificationSpec::from_quay(n);
        let view = crate::quay::QuayNotificationView::from(n);
        let mut row = self.row(target, &n.uuid, n.event.as_str(), n.method.as_str());
        row.title = n.title.clone().filter(|t| !t.trim().is_empty());
        row.destination = match &spec {
            Ok(NotificationSpec::Quay(draft)) => quay_destination(&draft.method),
            _ => format!("{} {}", n.method.as_str(), view.target),
        };
        row.url = view.webhook_url;
        row.failures = Some(n.number_of_failures);
        row.state = if n.disabled {
            FleetState::Disabled
        } else if n.number_of_failures > 0 {
            FleetState::Failing
        } else {
            FleetState::Ok
        };
        Found { row, spec }
    }

    fn found_dtr(&self, target: &Target, w: &DtrWebhook) -> Found {
        let mut row = self.row(target, &w.id, w.webhook_type.as_str(), "webhook");
        row.destination = url_destination(&w.endpoint);
        row.url = Some(w.endpoint.clone());
        row.state = if w.inactive {
            FleetState::Inactive
        } else {
            FleetState::Ok
        };
        row.last_success = w.last_successful_at.clone();
        Found {
            row,
            spec: Ok(NotificationSpec::from_dtr(w)),
        }
    }
}
