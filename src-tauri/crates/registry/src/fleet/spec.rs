//! A notification as a rollout and a set file carry it: what to create, without id or state,
//! with the rule that decides whether two are "the same" and the masking that keeps secrets out
//! of exported files.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use crate::connection::ConnectionKind;
use crate::dtr::{DtrWebhook, DtrWebhookType};
use crate::quay::{
    QuayEvent, QuayEventSpec, QuayMethod, QuayMethodSpec, QuayNotification, QuayNotificationDraft,
    QuayNotificationView, QuaySeverity, QuayTarget, QuayTargetKind,
};

/// What an exported file writes instead of a secret (a Slack URL, a Flowdock or HipChat token).
/// A file entry holding it matches a notification on the server whatever that secret is, and
/// cannot create one until the real value is filled in.
pub const HIDDEN_SECRET: &str = "<secret: not exported, fill in>";

/// One notification to have, on either registry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "registry", rename_all = "camelCase")]
#[ts(export_to = "registry.ts")]
pub enum NotificationSpec {
    /// A Quay repository notification.
    Quay(QuayNotificationDraft),
    /// A DTR webhook; its key comes from where it is applied.
    Dtr(DtrWebhookSpec),
}

/// A DTR webhook without its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct DtrWebhookSpec {
    /// The event type.
    #[serde(rename = "type")]
    pub webhook_type: DtrWebhookType,
    /// Where DTR POSTs.
    pub endpoint: String,
    /// PEM certificate to trust for the endpoint; empty for the system trust store.
    #[serde(rename = "tlsCert", default)]
    pub tls_cert: String,
    /// Skip TLS verification (required for `http://` endpoints).
    #[serde(rename = "skipTLSVerification", default)]
    pub skip_tls_verification: bool,
}

impl NotificationSpec {
    /// The registry this spec is for.
    pub fn kind(&self) -> ConnectionKind {
        match self {
            Self::Quay(_) => ConnectionKind::Quay,
            Self::Dtr(_) => ConnectionKind::Dtr,
        }
    }

    /// The spec of a notification Quay listed; fails for events or methods Wharf cannot
    /// recreate, with the reason.
    pub fn from_quay(n: &QuayNotification) -> Result<Self, String> {
        let view = QuayNotificationView::from(n);
        let ref_regex = view.ref_regex.clone().unwrap_or_default();
        let event = match &n.event {
            QuayEvent::RepoPush => QuayEventSpec::RepoPush,
            QuayEvent::BuildQueued => QuayEventSpec::BuildQueued { ref_regex },
            QuayEvent::BuildStart => QuayEventSpec::BuildStart { ref_regex },
            QuayEvent::BuildSuccess => QuayEventSpec::BuildSuccess { ref_regex },
            QuayEvent::BuildFailure => QuayEventSpec::BuildFailure { ref_regex },
            QuayEvent::BuildCancelled => QuayEventSpec::BuildCancelled { ref_regex },
            QuayEvent::VulnerabilityFound => QuayEventSpec::VulnerabilityFound {
                level: view.level.unwrap_or(QuaySeverity::Unknown),
            },
            QuayEvent::RepoMirrorSyncStarted => QuayEventSpec::RepoMirrorSyncStarted,
            QuayEvent::RepoMirrorSyncSuccess => QuayEventSpec::RepoMirrorSyncSuccess,
            QuayEvent::RepoMirrorSyncFailed => QuayEventSpec::RepoMirrorSyncFailed,
            QuayEvent::RepoImageExpiry => QuayEventSpec::RepoImageExpiry {
                days: view.days.ok_or("its expiry notice has no number of days")?,
            },
            QuayEvent::QuotaWarning => QuayEventSpec::QuotaWarning,
            QuayEvent::QuotaError => QuayEventSpec::QuotaError,
            other => {
                return Err(format!(
                    "Wharf cannot create “{}” notifications",
                    other.as_str()
                ))
            }
        };
        let text = |key: &str| -> String {
            match n.config.get(key) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(x)) => x.to_string(),
                // Older Quays stored a template as an object.
                Some(v @ Value::Object(_)) => v.to_string(),
                _ => String::new(),
            }
        };
        let method = match &n.method {
            QuayMethod::Webhook => QuayMethodSpec::Webhook {
                url: text("url"),
                template: text("template"),
            },
            QuayMethod::Email => QuayMethodSpec::Email {
                email: text("email"),
            },
            QuayMethod::Slack => QuayMethodSpec::Slack { url: text("url") },
            QuayMethod::QuayNotification => {
                let target = n.config.get("target").cloned().unwrap_or(Value::Null);
                let target: QuayTarget = serde_json::from_value(target)
                    .map_err(|_| "its Quay-notification receiver is unreadable".to_owned())?;
                QuayMethodSpec::QuayNotification { target }
            }
            QuayMethod::Flowdock => QuayMethodSpec::Flowdock {
                flow_api_token: text("flow_api_token"),
            },
            QuayMethod::Hipchat => QuayMethodSpec::Hipchat {
                room_id: text("room_id"),
                notification_token: text("notification_token"),
            },
            QuayMethod::Other(name) => {
                return Err(format!("Wharf cannot create “{name}” notifications"))
            }
        };
        Ok(Self::Quay(QuayNotificationDraft {
            title: n.title.clone().unwrap_or_default(),
            event,
            method,
        }))
    }

    /// The spec of a webhook DTR listed.
    pub fn from_dtr(w: &DtrWebhook) -> Self {
        Self::Dtr(DtrWebhookSpec {
            webhook_type: w.webhook_type.clone(),
            endpoint: w.endpoint.clone(),
            tls_cert: w.tls_cert.clone().unwrap_or_default(),
            skip_tls_verification: w.skip_tls_verification.unwrap_or(false),
        })
    }

    /// The same spec with every secret replaced by [`HIDDEN_SECRET`].
    pub fn without_secrets(&self) -> Self {
        let hidden = || HIDDEN_SECRET.to_owned();
        match self {
            Self::Quay(draft) => {
                let method = match &draft.method {
                    QuayMethodSpec::Slack { .. } => QuayMethodSpec::Slack { url: hidden() },
                    QuayMethodSpec::Flowdock { .. } => QuayMethodSpec::Flowdock {
                        flow_api_token: hidden(),
                    },
                    QuayMethodSpec::Hipchat { room_id, .. } => QuayMethodSpec::Hipchat {
                        room_id: room_id.clone(),
                        notification_token: hidden(),
                    },
                    other => other.clone(),
                };
                Self::Quay(QuayNotificationDraft {
                    method,
                    ..draft.clone()
                })
            }
            Self::Dtr(_) => self.clone(),
        }
    }

    /// Whether a secret of this spec was left out of an export and must be filled in.
    pub fn has_hidden_secret(&self) -> bool {
        self.contains_placeholder()
    }

    fn contains_placeholder(&self) -> bool {
        serde_json::to_string(self).is_ok_and(|s| s.contains(HIDDEN_SECRET))
    }

    /// Whether two specs make the same notification: same event, method and meaningful
    /// settings (URL, template, filters, receiver). Titles and TLS settings do not count, nor
    /// spaces around values. A spec with a hidden secret matches whatever that secret is.
    pub fn equivalent(&self, other: &Self) -> bool {
        if self.key() == other.key() {
            return true;
        }
        (self.contains_placeholder() || other.contains_placeholder())
            && self.without_secrets().key() == other.without_secrets().key()
    }

    /// What decides equivalence, as one comparable value.
    fn key(&self) -> Value {
        match self {
            Self::Quay(draft) => trimmed(serde_json::json!({
                "event": draft.event,
                "method": draft.method,
            })),
            Self::Dtr(spec) => serde_json::json!({
                "type": spec.webhook_type,
                "endpoint": spec.endpoint.trim(),
            }),
        }
    }

    /// One line: `build_failure → webhook https://ci.example/hook`, secrets masked.
    pub fn summary(&self) -> String {
        match self {
            Self::Quay(draft) => format!(
                "{} → {}",
                draft.event.event().as_str(),
                quay_destination(&draft.method)
            ),
            Self::Dtr(spec) => format!(
                "{} → {}",
                spec.webhook_type.as_str(),
                url_destination(&spec.endpoint)
            ),
        }
    }

    /// The URL deliveries go to, for a webhook (never a secret URL such as Slack's).
    pub fn url(&self) -> Option<&str> {
        match self {
            Self::Quay(QuayNotificationDraft {
                method: QuayMethodSpec::Webhook { url, .. },
                ..
            }) => Some(url),
            Self::Dtr(spec) => Some(&spec.endpoint),
            Self::Quay(_) => None,
        }
    }
}

/// Where a Quay notification goes, in words, secrets masked.
pub(crate) fn quay_destination(method: &QuayMethodSpec) -> String {
    match method {
        QuayMethodSpec::Webhook { url, .. } => url_destination(url),
        QuayMethodSpec::Email { email } => format!("e-mail {}", email.trim()),
        QuayMethodSpec::Slack { url } => match host_of(url) {
            Some(host) => format!("Slack ({host})"),
            None => "Slack".into(),
        },
        QuayMethodSpec::QuayNotification { target } => {
            let kind = match target.kind {
                QuayTargetKind::User => "user",
                QuayTargetKind::Team => "team",
                QuayTargetKind::Org => "organization",
            };
            format!("Quay notification → {kind} {}", target.name)
        }
        QuayMethodSpec::Flowdock { .. } => "Flowdock".into(),
        QuayMethodSpec::Hipchat { room_id, .. } => format!("HipChat room {room_id}"),
    }
}

/// `Webhook → host:port/path`: enough to recognise it, with no query or credentials (which can
/// carry tokens).
pub(crate) fn url_destination(url: &str) -> String {
    match reqwest::Url::parse(url.trim()) {
        Ok(u) if u.host_str().is_some() => {
            let host = u.host_str().unwrap_or_default();
            let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!("Webhook → {host}{port}{}", u.path())
        }
        _ => format!("Webhook → {}", url.trim()),
    }
}

fn host_of(url: &str) -> Option<String> {
    reqwest::Url::parse(url.trim())
        .ok()?
        .host_str()
        .map(str::to_owned)
}

/// Every string in `v`, trimmed.
fn trimmed(v: Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.trim().to_owned()),
        Value::Array(items) => Value::Array(items.into_iter().map(trimmed).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, trimmed(v))).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn quay(title: &str, event: QuayEventSpec, method: QuayMethodSpec) -> NotificationSpec {
        NotificationSpec::Quay(QuayNotificationDraft {
            title: title.into(),
            event,
            method,
        })
    }

    fn hook(url: &str) -> QuayMethodSpec {
        QuayMethodSpec::Webhook {
            url: url.into(),
            template: String::new(),
        }
    }

    fn failure(re: &str) -> QuayEventSpec {
        QuayEventSpec::BuildFailure {
            ref_regex: re.into(),
        }
    }

    #[test]
    fn equivalence_ignores_titles_and_spaces_but_not_url_template_or_filter() {
        let base = quay("CI", failure(""), hook("https://ci.example/h"));
        assert!(base.equivalent(&quay(
            "other title",
            failure(" "),
            hook(" https://ci.example/h ")
        )));
        assert!(!base.equivalent(&quay(
            "CI",
            failure("refs/heads/main"),
            hook("https://ci.example/h")
        )));
        assert!(!base.equivalent(&quay("CI", failure(""), hook("https://ci.example/other"))));
        assert!(!base.equivalent(&quay(
            "CI",
            failure(""),
            QuayMethodSpec::Webhook {
                url: "https://ci.example/h".into(),
                template: "{\"text\": \"${repository}\"}".into()
            }
        )));
        assert!(!base.equivalent(&quay(
            "CI",
            QuayEventSpec::BuildSuccess {
                ref_regex: String::new()
            },
            hook("https://ci.example/h")
        )));
        let dtr = |endpoint: &str, skip| {
            NotificationSpec::Dtr(DtrWebhookSpec {
                webhook_type: DtrWebhookType::TagPush,
                endpoint: endpoint.into(),
                tls_cert: String::new(),
                skip_tls_verification: skip,
            })
        };
        assert!(dtr("http://h/x", true).equivalent(&dtr("http://h/x ", false)));
        assert!(!dtr("http://h/x", true).equivalent(&dtr("http://h/y", true)));
        assert!(!dtr("http://h/x", true).equivalent(&base));
    }

    #[test]
    fn hidden_secrets_match_any_secret_and_are_flagged() {
        let slack = |url: &str| {
            quay(
                "",
                QuayEventSpec::RepoPush,
                QuayMethodSpec::Slack { url: url.into() },
            )
        };
        let real = slack("https://hooks.slack.com/services/T/B/secret");
        let exported = real.without_secrets();
        assert!(!serde_json::to_string(&exported)
            .unwrap()
            .contains("secret\""));
        assert!(!serde_json::to_string(&exported).unwrap().contains("/T/B/"));
        assert!(exported.has_hidden_secret());
        assert!(!real.has_hidden_secret());
        assert!(exported.equivalent(&real));
        assert!(real.equivalent(&exported));
        assert!(!real.equivalent(&slack("https://hooks.slack.com/services/T/B/other")));
        let plain = quay("", QuayEventSpec::RepoPush, hook("https://h/x"));
        assert_eq!(plain.without_secrets(), plain);
        assert!(!plain.has_hidden_secret());
    }

    #[test]
    fn specs_are_read_back_from_what_quay_lists() {
        let listed: QuayNotification = serde_json::from_value(json!({
            "uuid": "u", "title": "Scan", "event": "vulnerability_found", "method": "hipchat",
            "config": {"room_id": 12, "notification_token": "tok"},
            "event_config": {"level": "1", "vulnerability": {"priority": "High"}},
            "number_of_failures": 0
        }))
        .unwrap();
        let spec = NotificationSpec::from_quay(&listed).unwrap();
        assert_eq!(
            spec,
            quay(
                "Scan",
                QuayEventSpec::VulnerabilityFound {
                    level: QuaySeverity::High
                },
                QuayMethodSpec::Hipchat {
                    room_id: "12".into(),
                    notification_token: "tok".into()
                }
            )
        );
        assert_eq!(spec.summary(), "vulnerability_found → HipChat room 12");
        let quota: QuayNotification = serde_json::from_value(json!({
            "uuid": "u", "event": "some_future_event", "method": "webhook",
            "config": {"url": "https://h/x"}, "event_config": {}
        }))
        .unwrap();
        assert!(NotificationSpec::from_quay(&quota)
            .unwrap_err()
            .contains("some_future_event"));
    }

    #[test]
    fn destinations_drop_credentials_and_queries() {
        assert_eq!(
            url_destination("https://user:pw@ci.example:8443/hooks/t?token=x"),
            "Webhook → ci.example:8443/hooks/t"
        );
        assert_eq!(
            quay_destination(&QuayMethodSpec::Slack {
                url: "https://hooks.slack.com/services/T/B/s".into()
            }),
            "Slack (hooks.slack.com)"
        );
    }
}
