//! A notification as Wharf shows it: the event with its options typed, where it goes in words
//! with secrets masked, and whether Quay still sends it. The UI never reads Quay's stored
//! `config` or `event_config` itself.

use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::models::{QuayEvent, QuayMethod, QuayNotification, QuaySeverity};

/// A repository notification, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct QuayNotificationView {
    /// The notification's UUID, used in every other call.
    pub uuid: String,
    /// The title, if it has one.
    pub title: Option<String>,
    /// The event.
    pub event: QuayEvent,
    /// A build event's git ref filter (a Python regex matched from the start of the ref).
    pub ref_regex: Option<String>,
    /// `vulnerability_found`: the lowest severity that notifies.
    pub level: Option<QuaySeverity>,
    /// `repo_image_expiry`: tags expiring within this many days notify.
    pub days: Option<u32>,
    /// How it is delivered.
    pub method: QuayMethod,
    /// Where it goes, secrets masked: a webhook URL, an e-mail address, "Team ops", "room 12",
    /// a Slack URL's origin.
    pub target: String,
    /// The URL a webhook notification posts to (never a Slack or other secret URL).
    pub webhook_url: Option<String>,
    /// Consecutive failed deliveries; any success resets it to 0.
    pub failures: u32,
    /// Quay no longer sends it (too many failures in a row); resetting the failures enables it.
    pub disabled: bool,
}

impl From<&QuayNotification> for QuayNotificationView {
    fn from(n: &QuayNotification) -> Self {
        Self {
            uuid: n.uuid.clone(),
            title: n.title.clone(),
            event: n.event.clone(),
            ref_regex: text(&n.event_config, "ref-regex").filter(|r| !r.is_empty()),
            level: (n.event == QuayEvent::VulnerabilityFound).then(|| severity(&n.event_config)),
            days: (n.event == QuayEvent::RepoImageExpiry)
                .then(|| days(&n.event_config))
                .flatten(),
            method: n.method.clone(),
            target: target(&n.method, &n.config),
            webhook_url: (n.method == QuayMethod::Webhook)
                .then(|| text(&n.config, "url"))
                .flatten(),
            failures: n.number_of_failures,
            disabled: n.disabled,
        }
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `days`, as a number or a string.
fn days(config: &Value) -> Option<u32> {
    let days = config.get("days")?;
    let days = days
        .as_u64()
        .or_else(|| days.as_str()?.trim().parse().ok())?;
    u32::try_from(days).ok()
}

/// `level` is an index into the severities, as a string or a number; without it Quay reports
/// everything, as for `Unknown`.
fn severity(config: &Value) -> QuaySeverity {
    let index = config
        .get("level")
        .and_then(|l| l.as_u64().or_else(|| l.as_str()?.trim().parse().ok()));
    index
        .and_then(|i| QuaySeverity::ALL.get(usize::try_from(i).ok()?).copied())
        .or_else(|| {
            let name = config.pointer("/vulnerability/priority")?.as_str()?;
            QuaySeverity::ALL.into_iter().find(|s| s.name() == name)
        })
        .unwrap_or(QuaySeverity::Unknown)
}

/// Where a notification goes, with secrets masked (Slack URLs carry their token in the path,
/// Flowdock keeps an API token).
fn target(method: &QuayMethod, config: &Value) -> String {
    match method {
        QuayMethod::Webhook => text(config, "url").unwrap_or_default(),
        QuayMethod::Slack => text(config, "url")
            .map(|u| mask_url(&u))
            .unwrap_or_default(),
        QuayMethod::Email => text(config, "email").unwrap_or_default(),
        QuayMethod::QuayNotification => {
            let target = config.get("target").unwrap_or(&Value::Null);
            let kind = match text(target, "kind").as_deref() {
                Some("user") => "User",
                Some("team") => "Team",
                Some("org") => "Organization",
                _ => "",
            };
            let name = text(target, "name").unwrap_or_default();
            format!("{kind} {name}").trim().to_owned()
        }
        QuayMethod::Flowdock => "flow API token ••••".into(),
        QuayMethod::Hipchat => match config.get("room_id") {
            Some(Value::String(room)) => format!("room {room}"),
            Some(Value::Number(room)) => format!("room {room}"),
            _ => String::new(),
        },
        QuayMethod::Other(_) => String::new(),
    }
}

/// `https://hooks.slack.com/…`: enough to recognise a secret URL without showing it.
pub fn mask_url(raw: &str) -> String {
    match reqwest::Url::parse(raw) {
        Ok(url) if url.host_str().is_some() => {
            let origin = url.origin().ascii_serialization();
            if url.path() == "/" && url.query().is_none() {
                origin
            } else {
                format!("{origin}/…")
            }
        }
        _ => "••••".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn notification(
        event: &str,
        method: &str,
        config: Value,
        event_config: Value,
    ) -> QuayNotification {
        serde_json::from_value(json!({
            "uuid": "u1", "title": null, "event": event, "method": method,
            "config": config, "event_config": event_config, "number_of_failures": 3
        }))
        .unwrap()
    }

    #[test]
    fn options_are_typed_and_secrets_masked() {
        let n = notification(
            "build_failure",
            "slack",
            json!({"url": "https://hooks.slack.com/services/T0/B0/secret"}),
            json!({"ref-regex": "refs/heads/main"}),
        );
        let v = QuayNotificationView::from(&n);
        assert_eq!(v.event, QuayEvent::BuildFailure);
        assert_eq!(v.ref_regex.as_deref(), Some("refs/heads/main"));
        assert_eq!((v.level, v.days), (None, None));
        assert_eq!(v.target, "https://hooks.slack.com/…");
        assert!(!serde_json::to_string(&v).unwrap().contains("secret"));
        assert_eq!(v.webhook_url, None);
        assert!(v.disabled);
        assert_eq!(v.failures, 3);
    }

    #[test]
    fn vulnerability_levels_read_either_key_and_expiry_days_either_type() {
        let level = |config| {
            QuayNotificationView::from(&notification(
                "vulnerability_found",
                "webhook",
                json!({"url": "https://h/x"}),
                config,
            ))
            .level
            .unwrap()
        };
        assert_eq!(level(json!({"level": "1"})), QuaySeverity::High);
        assert_eq!(level(json!({"level": 2})), QuaySeverity::Medium);
        assert_eq!(
            level(json!({"vulnerability": {"priority": "Low"}})),
            QuaySeverity::Low
        );
        assert_eq!(level(json!({})), QuaySeverity::Unknown);
        let days = QuayNotificationView::from(&notification(
            "repo_image_expiry",
            "email",
            json!({"email": "a@b.c"}),
            json!({"days": "7"}),
        ));
        assert_eq!(days.days, Some(7));
        assert_eq!(days.target, "a@b.c");
    }

    #[test]
    fn targets_read_as_words() {
        let team = notification(
            "repo_push",
            "quay_notification",
            json!({"target": {"kind": "team", "name": "ops"}}),
            json!({}),
        );
        assert_eq!(QuayNotificationView::from(&team).target, "Team ops");
        let hook = notification(
            "repo_push",
            "webhook",
            json!({"url": "https://h.example/hooks/t"}),
            json!({}),
        );
        let v = QuayNotificationView::from(&hook);
        assert_eq!(v.webhook_url.as_deref(), Some("https://h.example/hooks/t"));
        assert_eq!(v.target, "https://h.example/hooks/t");
        assert_eq!(mask_url("not a url"), "••••");
        assert_eq!(mask_url("https://h.example/"), "https://h.example");
    }
}
