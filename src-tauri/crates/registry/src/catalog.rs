//! What the forms offer, in one place: every Quay event and method and every DTR webhook type,
//! with the words Wharf shows for them and, for DTR, the scope each type takes. The UI reads it
//! from a file generated from this (`bindings/catalog.ts`); it keeps no list of its own.

use serde::Serialize;
use ts_rs::TS;

use crate::connection::ConnectionKind;
use crate::dtr::{DtrScopeKind, DtrWebhookType};
use crate::quay::{QuayEvent, QuayMethod, QuayScope, QuaySeverity, QuayTargetKind};

/// One choice of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct Choice<T: TS> {
    /// The value sent.
    pub value: T,
    /// The words shown.
    pub label: String,
}

/// A Quay event with an example body template for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct QuayEventChoice {
    /// The event.
    pub value: QuayEvent,
    /// The words shown.
    pub label: String,
    /// A webhook body template whose `${…}` paths are keys this event's payload carries, shown
    /// as the template field's example.
    pub template_example: String,
}

/// A DTR webhook type with the scope its key takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct DtrTypeChoice {
    /// The type.
    pub value: DtrWebhookType,
    /// The words shown.
    pub label: String,
    /// Repository, namespace or the whole DTR.
    pub scope: DtrScopeKind,
}

/// A registry kind as the connection form offers it, with the words that depend on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct ConnectionKindChoice {
    /// The kind.
    pub value: ConnectionKind,
    /// The words shown.
    pub label: String,
    /// An example name for a connection of this kind.
    pub name_placeholder: String,
    /// An example server address.
    pub address_placeholder: String,
    /// What the token field is called.
    pub token_label: String,
    /// Which token works, shown before the first failure.
    pub token_hint: String,
}

/// Every choice the notification and webhook forms offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    /// The registry kinds a connection can be, Quay first.
    pub connection_kinds: Vec<ConnectionKindChoice>,
    /// Quay's repository events, in Quay's order.
    pub quay_events: Vec<QuayEventChoice>,
    /// Quay's delivery methods.
    pub quay_methods: Vec<Choice<QuayMethod>>,
    /// Who a Quay in-app notification goes to.
    pub quay_targets: Vec<Choice<QuayTargetKind>>,
    /// Vulnerability severities, worst first.
    pub quay_severities: Vec<QuaySeverity>,
    /// DTR's webhook types, repository types first.
    pub dtr_webhook_types: Vec<DtrTypeChoice>,
    /// The git ref of the build in Quay's test data for build events: a notification whose
    /// `ref-regex` does not match it sends nothing when tested.
    pub quay_test_ref: String,
}

/// See [`Catalog::quay_test_ref`] (Quay's `notifications/notificationevent.py` samples).
pub const QUAY_TEST_REF: &str = "refs/heads/somebranch";

fn choice<T: TS>(value: T, label: &str) -> Choice<T> {
    Choice {
        value,
        label: label.to_owned(),
    }
}

/// The catalog.
pub fn catalog() -> Catalog {
    Catalog {
        connection_kinds: vec![
            ConnectionKindChoice {
                value: ConnectionKind::Quay,
                label: "Quay".into(),
                name_placeholder: "Production Quay".into(),
                address_placeholder: "https://quay.io".into(),
                token_label: "OAuth access token".into(),
                token_hint: format!(
                    "An OAuth access token: in Quay, Organization, Applications, your application, Generate Token, with {}, {}, {} and {} (and org:admin to notify a team). Robot and app-specific (docker login) tokens do not work on Quay's API.",
                    QuayScope::RepoAdmin,
                    QuayScope::RepoRead,
                    QuayScope::RepoCreate,
                    QuayScope::UserRead
                ),
            },
            ConnectionKindChoice {
                value: ConnectionKind::Dtr,
                label: "DTR / MSR".into(),
                name_placeholder: "Production DTR".into(),
                address_placeholder: "https://dtr.example.com".into(),
                token_label: "Access token".into(),
                token_hint: "Your DTR user name above and an access token of that user: in DTR, your profile, Access tokens, New access token.".into(),
            },
        ],
        quay_events: QuayEvent::ALL
            .into_iter()
            .map(|e| QuayEventChoice {
                label: quay_event_label(&e).to_owned(),
                template_example: quay_template_example(&e).to_owned(),
                value: e,
            })
            .collect(),
        quay_methods: QuayMethod::ALL
            .into_iter()
            .map(|m| {
                let label = quay_method_label(&m).to_owned();
                choice(m, &label)
            })
            .collect(),
        quay_targets: vec![
            choice(QuayTargetKind::User, "User"),
            choice(QuayTargetKind::Team, "Team"),
            choice(QuayTargetKind::Org, "Organization"),
        ],
        quay_severities: QuaySeverity::ALL.to_vec(),
        dtr_webhook_types: DTR_ORDER
            .iter()
            .map(|t| DtrTypeChoice {
                label: dtr_type_label(t).to_owned(),
                scope: t.scope_kind().unwrap_or(DtrScopeKind::Repository),
                value: t.clone(),
            })
            .collect(),
        quay_test_ref: QUAY_TEST_REF.to_owned(),
    }
}

/// Repository types first, then the namespace and global ones, as the form groups them.
const DTR_ORDER: [DtrWebhookType; 13] = [
    DtrWebhookType::TagPush,
    DtrWebhookType::TagPull,
    DtrWebhookType::TagDelete,
    DtrWebhookType::ManifestPush,
    DtrWebhookType::ManifestPull,
    DtrWebhookType::ManifestDelete,
    DtrWebhookType::ScanCompleted,
    DtrWebhookType::ScanFailed,
    DtrWebhookType::Promotion,
    DtrWebhookType::PushMirroring,
    DtrWebhookType::PollMirroring,
    DtrWebhookType::RepoEvent,
    DtrWebhookType::ScannerUpdateCompleted,
];

fn quay_event_label(event: &QuayEvent) -> &str {
    match event {
        QuayEvent::RepoPush => "Push to repository",
        QuayEvent::BuildQueued => "Build queued",
        QuayEvent::BuildStart => "Build started",
        QuayEvent::BuildSuccess => "Build succeeded",
        QuayEvent::BuildFailure => "Build failed",
        QuayEvent::BuildCancelled => "Build cancelled",
        QuayEvent::VulnerabilityFound => "Vulnerability found",
        QuayEvent::RepoMirrorSyncStarted => "Mirror sync started",
        QuayEvent::RepoMirrorSyncSuccess => "Mirror sync succeeded",
        QuayEvent::RepoMirrorSyncFailed => "Mirror sync failed",
        QuayEvent::RepoImageExpiry => "Image expiring soon",
        QuayEvent::QuotaWarning => "Quota warning",
        QuayEvent::QuotaError => "Quota exceeded",
        QuayEvent::Other(name) => name,
    }
}

/// Paths from Quay's payload of each event (`notifications/notificationevent.py` and the
/// emitters): the common `repository` and `namespace`, and what the event adds.
fn quay_template_example(event: &QuayEvent) -> &'static str {
    match event {
        QuayEvent::RepoPush => r#"{"text": "${repository} was pushed: ${updated_tags}"}"#,
        QuayEvent::BuildQueued => {
            r#"{"text": "Build ${build_name} of ${repository} queued (${trigger_metadata.ref})"}"#
        }
        QuayEvent::BuildStart => r#"{"text": "Build ${build_name} of ${repository} started"}"#,
        QuayEvent::BuildSuccess => {
            r#"{"text": "Build ${build_name} of ${repository} succeeded: ${docker_tags}"}"#
        }
        QuayEvent::BuildFailure => {
            r#"{"text": "Build ${build_name} of ${repository} failed: ${error_message}"}"#
        }
        QuayEvent::BuildCancelled => {
            r#"{"text": "Build ${build_name} of ${repository} was cancelled"}"#
        }
        QuayEvent::VulnerabilityFound => {
            r#"{"text": "${vulnerability.priority} ${vulnerability.id} in ${repository}", "tags": "${tags}"}"#
        }
        QuayEvent::RepoMirrorSyncStarted => {
            r#"{"text": "Mirror sync of ${repository} started: ${message}"}"#
        }
        QuayEvent::RepoMirrorSyncSuccess => {
            r#"{"text": "Mirror sync of ${repository} succeeded: ${message}"}"#
        }
        QuayEvent::RepoMirrorSyncFailed => {
            r#"{"text": "Mirror sync of ${repository} failed: ${message}"}"#
        }
        QuayEvent::RepoImageExpiry => {
            r#"{"text": "Tags ${tags} of ${repository} expire in ${expiring_in}"}"#
        }
        QuayEvent::QuotaWarning => {
            r#"{"text": "${namespace} uses ${usage_percent}% of its quota"}"#
        }
        QuayEvent::QuotaError => {
            r#"{"text": "${namespace} is over its quota (${usage_percent}%)"}"#
        }
        QuayEvent::Other(_) => r#"{"text": "${repository}: ${namespace}"}"#,
    }
}

fn quay_method_label(method: &QuayMethod) -> &str {
    match method {
        QuayMethod::Webhook => "Webhook POST",
        QuayMethod::Email => "E-mail",
        QuayMethod::Slack => "Slack",
        QuayMethod::QuayNotification => "Quay notification",
        // Both services are gone: Quay still offers them, and every delivery fails.
        QuayMethod::Flowdock => "Flowdock (legacy: the service has shut down)",
        QuayMethod::Hipchat => "HipChat (legacy: the service has shut down)",
        QuayMethod::Other(name) => name,
    }
}

fn dtr_type_label(t: &DtrWebhookType) -> &str {
    match t {
        DtrWebhookType::TagPush => "Tag pushed",
        DtrWebhookType::TagPull => "Tag pulled (DTR 2.6+)",
        DtrWebhookType::TagDelete => "Tag deleted",
        DtrWebhookType::ManifestPush => "Manifest pushed",
        DtrWebhookType::ManifestPull => "Manifest pulled (DTR 2.6+)",
        DtrWebhookType::ManifestDelete => "Manifest deleted",
        DtrWebhookType::ScanCompleted => "Security scan completed",
        DtrWebhookType::ScanFailed => "Security scan failed",
        DtrWebhookType::Promotion => "Image promoted",
        DtrWebhookType::PushMirroring => "Image push-mirrored",
        DtrWebhookType::PollMirroring => "Image poll-mirrored",
        DtrWebhookType::RepoEvent => "Repository created, updated or deleted",
        DtrWebhookType::ScannerUpdateCompleted => "Vulnerability database updated (admins)",
        DtrWebhookType::Other(name) => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_method_and_type_is_offered_once_with_words() {
        let c = catalog();
        assert_eq!(c.quay_events.len(), QuayEvent::ALL.len());
        assert_eq!(c.quay_methods.len(), QuayMethod::ALL.len());
        let mut types: Vec<&str> = c
            .dtr_webhook_types
            .iter()
            .map(|t| t.value.as_str())
            .collect();
        types.sort();
        let mut all: Vec<&str> = DtrWebhookType::ALL.iter().map(|t| t.as_str()).collect();
        all.sort();
        assert_eq!(types, all);
        for label in c
            .quay_events
            .iter()
            .map(|e| &e.label)
            .chain(c.quay_methods.iter().map(|m| &m.label))
            .chain(c.dtr_webhook_types.iter().map(|t| &t.label))
        {
            assert!(
                label.chars().next().is_some_and(char::is_uppercase),
                "{label}"
            );
        }
        let repo_event = c
            .dtr_webhook_types
            .iter()
            .find(|t| t.value == DtrWebhookType::RepoEvent)
            .unwrap();
        assert_eq!(repo_event.scope, DtrScopeKind::Namespace);
    }

    #[test]
    fn each_connection_kind_has_its_own_words() {
        let kinds = catalog().connection_kinds;
        assert_eq!(
            kinds.iter().map(|k| k.value).collect::<Vec<_>>(),
            [ConnectionKind::Quay, ConnectionKind::Dtr]
        );
        assert_eq!(kinds[1].name_placeholder, "Production DTR");
        assert!(kinds[0].token_hint.contains("repo:admin"));
        assert!(kinds[0].token_hint.contains("Robot"));
        assert!(kinds[1].token_hint.contains("Access tokens"));
    }

    #[test]
    fn methods_whose_service_is_gone_say_so() {
        let c = catalog();
        for gone in [QuayMethod::Flowdock, QuayMethod::Hipchat] {
            let label = &c
                .quay_methods
                .iter()
                .find(|m| m.value == gone)
                .unwrap()
                .label;
            assert!(
                label.contains("legacy: the service has shut down"),
                "{label}"
            );
        }
    }
}
