//! Notification sets as files: the notifications of many repositories in one JSON document a
//! person can read, edit and keep in git, exported from one connection and planned or applied on
//! any other of the same kind. The format is documented in the README ("Notification sets").

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::plan::Wanted;
use super::source::{FleetProblem, Source};
use super::spec::{DtrWebhookSpec, NotificationSpec};
use super::target::Target;
use crate::connection::ConnectionKind;
use crate::listing::{self, Progress};
use crate::quay::QuayNotificationDraft;

/// The `format` every set file names, so a reader knows what it holds.
pub const FORMAT: &str = "wharf-notification-set/1";

/// A notification set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct NotificationSet {
    /// Always [`FORMAT`].
    pub format: String,
    /// The registry kind its notifications are written for.
    pub registry: ConnectionKind,
    /// Where it was exported from (the registry's address), for people; never read back.
    #[serde(default)]
    pub source: String,
    /// The repositories and namespaces with the notifications each should have.
    pub targets: Vec<SetTarget>,
}

/// One repository (or DTR namespace) of a set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct SetTarget {
    /// The repository or namespace.
    #[serde(flatten)]
    pub target: Target,
    /// Its notifications: for Quay `{title, event, method}`, for DTR `{type, endpoint,
    /// tlsCert, skipTLSVerification}`. Kept as written so one bad entry is reported on its own.
    #[ts(type = "unknown[]")]
    pub notifications: Vec<Value>,
}

/// Why a set file cannot be used at all.
#[derive(Debug, thiserror::Error)]
pub enum SetError {
    /// Not JSON, or not shaped like a set.
    #[error("This is not a Wharf notification set: {0}")]
    Unreadable(String),
    /// A different format or version.
    #[error("This file's format is “{0}”; Wharf reads “{FORMAT}”.")]
    Format(String),
    /// A set for the other kind of registry.
    #[error("This set is for {file} and the connection is {connection}; notifications do not translate between Quay and DTR.")]
    Kind {
        /// The file's kind.
        file: &'static str,
        /// The connection's.
        connection: &'static str,
    },
}

fn kind_name(kind: ConnectionKind) -> &'static str {
    match kind {
        ConnectionKind::Quay => "Quay",
        ConnectionKind::Dtr => "DTR",
    }
}

impl NotificationSet {
    /// Reads a set file.
    pub fn parse(text: &str) -> Result<Self, SetError> {
        let set: Self =
            serde_json::from_str(text).map_err(|e| SetError::Unreadable(e.to_string()))?;
        if set.format != FORMAT {
            return Err(SetError::Format(set.format));
        }
        Ok(set)
    }

    /// The file's text: pretty JSON with a final newline, stable for diffs.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a set serialises");
        text.push('\n');
        text
    }

    /// What the set asks of a connection of `kind`; each entry is a spec or why it is not one.
    pub fn wanted(&self, kind: ConnectionKind) -> Result<Vec<Wanted>, SetError> {
        if self.registry != kind {
            return Err(SetError::Kind {
                file: kind_name(self.registry),
                connection: kind_name(kind),
            });
        }
        Ok(self
            .targets
            .iter()
            .map(|t| Wanted {
                target: t.target.clone(),
                notifications: t.notifications.iter().map(|v| entry(kind, v)).collect(),
            })
            .collect())
    }

    /// A set of one spec on each target (a rollout), or of several.
    pub fn of(
        kind: ConnectionKind,
        source: &str,
        targets: Vec<(Target, Vec<NotificationSpec>)>,
    ) -> Self {
        Self {
            format: FORMAT.into(),
            registry: kind,
            source: source.into(),
            targets: targets
                .into_iter()
                .map(|(target, specs)| SetTarget {
                    target,
                    notifications: specs.iter().map(entry_value).collect(),
                })
                .collect(),
        }
    }
}

fn entry(kind: ConnectionKind, value: &Value) -> Result<NotificationSpec, String> {
    let describe = |e: serde_json::Error| format!("unreadable entry: {e}");
    match kind {
        ConnectionKind::Quay => serde_json::from_value::<QuayNotificationDraft>(value.clone())
            .map(NotificationSpec::Quay)
            .map_err(describe),
        ConnectionKind::Dtr => serde_json::from_value::<DtrWebhookSpec>(value.clone())
            .map(NotificationSpec::Dtr)
            .map_err(describe),
    }
}

fn entry_value(spec: &NotificationSpec) -> Value {
    match spec {
        NotificationSpec::Quay(draft) => serde_json::to_value(draft),
        NotificationSpec::Dtr(spec) => serde_json::to_value(spec),
    }
    .expect("a spec serialises")
}

/// What an export found besides the set: notifications it had to leave out and targets it could
/// not read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct ExportNotes {
    /// Notifications Wharf cannot recreate, with the reason.
    pub skipped: Vec<String>,
    /// Targets or namespaces that could not be read.
    pub problems: Vec<FleetProblem>,
}

/// Exports the notifications of every target of `source` (or of one namespace, or of the given
/// targets), secrets hidden, targets without notifications left out.
pub async fn export(
    source: &Source,
    namespace: Option<&str>,
    only: Option<Vec<Target>>,
    concurrency: usize,
    progress: impl FnMut(Progress),
) -> Result<(NotificationSet, ExportNotes), crate::error::RegistryError> {
    let mut notes = ExportNotes::default();
    let targets = match only {
        Some(targets) => targets,
        None => {
            source
                .targets(namespace, |p| notes.problems.push(p))
                .await?
        }
    };
    let listed = listing::bounded(
        targets,
        concurrency,
        |t| async move { source.list(&t).await },
        progress,
    )
    .await;
    let mut set_targets = Vec::new();
    for (target, result) in listed {
        let found = match result {
            Ok(found) => found,
            Err(e) => {
                notes.problems.push(source.problem(Some(target), &e));
                continue;
            }
        };
        let mut specs = Vec::new();
        for f in found {
            match f.spec {
                Ok(spec) => specs.push(spec.without_secrets()),
                Err(reason) => notes
                    .skipped
                    .push(format!("{target}: {} ({reason})", f.row.event)),
            }
        }
        if !specs.is_empty() {
            specs.sort_by_key(NotificationSpec::summary);
            set_targets.push((target, specs));
        }
    }
    set_targets.sort_by(|a, b| a.0.cmp(&b.0));
    let origin = match &source.client {
        crate::client::Client::Quay(q) => q.base_url().to_owned(),
        crate::client::Client::Dtr(d) => d.base_url().to_owned(),
    };
    Ok((
        NotificationSet::of(source.kind(), &strip_userinfo(&origin), set_targets),
        notes,
    ))
}

fn strip_userinfo(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string().trim_end_matches('/').to_owned()
        }
        Err(_) => String::new(),
    }
}
