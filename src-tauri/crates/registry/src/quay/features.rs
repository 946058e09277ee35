//! What a Quay server has switched on. Its public `GET /config` lists feature flags
//! (`BUILD_SUPPORT`, `SECURITY_SCANNER`, `MAILING`, …). Quay accepts a notification for an event
//! whose feature is off, and Test still delivers a sample, so it looks healthy; but it never
//! fires. Wharf reads the flags to say so before and after creating one.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

use super::models::{QuayEvent, QuayMethod};

/// A choice this server cannot honour, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
pub struct Unavailable<T: TS> {
    /// The event or method.
    pub value: T,
    /// Why, in words a person can act on.
    pub reason: String,
}

/// What a Quay server cannot do, from its feature flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "registry.ts")]
#[serde(rename_all = "camelCase")]
pub struct QuayFeatures {
    /// Events whose notifications never fire here.
    pub unavailable_events: Vec<Unavailable<QuayEvent>>,
    /// Methods that cannot deliver here (e-mail with mailing off).
    pub unavailable_methods: Vec<Unavailable<QuayMethod>>,
}

#[derive(Deserialize)]
struct Config {
    #[serde(default)]
    features: BTreeMap<String, serde_json::Value>,
}

impl QuayFeatures {
    /// From the body of `GET /config`. Only a flag that is present and `false` makes something
    /// unavailable: a flag this Quay does not publish says nothing.
    pub fn from_config(body: &[u8]) -> Result<Self, serde_json::Error> {
        let config: Config = serde_json::from_slice(body)?;
        let off =
            |feature: &str| config.features.get(feature) == Some(&serde_json::Value::Bool(false));
        Ok(Self {
            unavailable_events: QuayEvent::ALL
                .into_iter()
                .filter_map(|event| {
                    let feature = event.required_feature().filter(|f| off(f))?;
                    Some(Unavailable {
                        reason: reason(feature).to_owned(),
                        value: event,
                    })
                })
                .collect(),
            unavailable_methods: QuayMethod::ALL
                .into_iter()
                .filter_map(|method| {
                    let feature = method.required_feature().filter(|f| off(f))?;
                    Some(Unavailable {
                        reason: reason(feature).to_owned(),
                        value: method,
                    })
                })
                .collect(),
        })
    }

    /// Why `event` never fires here, if it does not.
    pub fn event_reason(&self, event: &QuayEvent) -> Option<&str> {
        self.unavailable_events
            .iter()
            .find(|u| &u.value == event)
            .map(|u| u.reason.as_str())
    }
}

fn reason(feature: &str) -> &'static str {
    match feature {
        "BUILD_SUPPORT" => "Builds are off on this Quay (BUILD_SUPPORT), so build events never fire.",
        "SECURITY_SCANNER" => "This Quay has no security scanner (SECURITY_SCANNER is off), so no vulnerability is ever found.",
        "REPO_MIRROR" => "Repository mirroring is off on this Quay (REPO_MIRROR), so mirror events never fire.",
        "IMAGE_EXPIRY_TRIGGER" => "Expiry notifications are off on this Quay (IMAGE_EXPIRY_TRIGGER), so this event never fires.",
        "QUOTA_MANAGEMENT" => "Quota management is off on this Quay (QUOTA_MANAGEMENT), so quota events never fire.",
        "MAILING" => "This Quay cannot send e-mail (MAILING is off): it can neither confirm an address nor deliver to one. Use a webhook, Slack or a Quay notification.",
        _ => "This Quay has the feature it needs switched off.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_flags_that_are_off_make_choices_unavailable() {
        let body = br#"{"features": {"BUILD_SUPPORT": false, "SECURITY_SCANNER": true,
            "QUOTA_MANAGEMENT": false, "MAILING": false}, "config": {}}"#;
        let f = QuayFeatures::from_config(body).unwrap();
        let events: Vec<&str> = f
            .unavailable_events
            .iter()
            .map(|u| u.value.as_str())
            .collect();
        assert_eq!(
            events,
            [
                "build_queued",
                "build_start",
                "build_success",
                "build_failure",
                "build_cancelled",
                "quota_warning",
                "quota_error"
            ]
        );
        assert!(f
            .event_reason(&QuayEvent::QuotaError)
            .unwrap()
            .contains("QUOTA_MANAGEMENT"));
        // Not published: nothing is claimed.
        assert_eq!(f.event_reason(&QuayEvent::RepoMirrorSyncFailed), None);
        assert_eq!(f.event_reason(&QuayEvent::VulnerabilityFound), None);
        assert_eq!(f.unavailable_methods.len(), 1);
        assert_eq!(f.unavailable_methods[0].value, QuayMethod::Email);
        assert_eq!(
            QuayFeatures::from_config(b"{}").unwrap(),
            QuayFeatures::default()
        );
        assert!(QuayFeatures::from_config(b"<html>").is_err());
    }
}
