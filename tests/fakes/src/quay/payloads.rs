//! Quay's sample payloads for each event and the filters that decide whether a notification
//! fires (`ref-regex`, `level`), with the Python semantics Quay uses.

use super::*;

/// The documented sample payload of `event` for a repository, as Quay's test call sends it:
/// build events carry the ref `refs/heads/somebranch`, and `vulnerability_found` the priority
/// named by the configured `level` (`Unknown` without one).
pub fn sample_payload(
    event: &str,
    namespace: &str,
    name: &str,
    event_config: &Value,
    server_hostname: &str,
) -> Value {
    // Quay's test call sends quay.io's documented payloads; the fake keeps that variant.
    let mut payload =
        inbox::samples::quay_payload(&registry_event(event), inbox::samples::QuayVariant::Quayio);
    if event == "repo_image_expiry" {
        let days = match event_config.get("days") {
            Some(Value::Number(n)) => n.to_string(),
            _ => "None".to_owned(),
        };
        payload["expiring_in"] = j!(format!("{days} days"));
    }
    if let Value::Object(map) = &mut payload {
        map.insert("repository".into(), j!(format!("{namespace}/{name}")));
        map.insert("namespace".into(), j!(namespace));
        map.insert("name".into(), j!(name));
        map.insert(
            "docker_url".into(),
            j!(format!("{server_hostname}/{namespace}/{name}")),
        );
        map.insert(
            "homepage".into(),
            j!(format!(
                "http://{server_hostname}/repository/{namespace}/{name}"
            )),
        );
        if BUILD_EVENTS.contains(&event) {
            if let Some(Value::Object(meta)) = map.get_mut("trigger_metadata") {
                meta.insert("ref".into(), j!(SAMPLE_REF));
            }
        }
        if let Some(Value::Object(vulnerability)) = map.get_mut("vulnerability") {
            // Quay's default level ("Critical") is not an index, so no level gives "Unknown".
            let index = event_config.get("level").and_then(python_int);
            let priority = index
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| PRIORITIES.get(i))
                .unwrap_or(&"Unknown");
            vulnerability.insert("priority".into(), j!(priority));
        }
    }
    payload
}

/// The shared samples' name for `event` (the fake knows only Quay's own names).
fn registry_event(event: &str) -> registry::quay::QuayEvent {
    registry::quay::QuayEvent::from_name(event)
}

/// Python's `int()` of a JSON value, where it would succeed.
pub(super) fn python_int(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f.trunc() as i64)),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// Python's `str()` of a JSON value.
pub(super) fn py_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => py_repr(other),
    }
}

/// The event's `should_perform`: `Some(false)` drops the delivery silently, `None` is an error
/// Quay's worker does not count (nothing is sent either).
pub(super) fn should_perform(event: &str, event_config: &Value, data: &Value) -> Option<bool> {
    let config = event_config.as_object();
    if BUILD_EVENTS.contains(&event) {
        // An empty or falsy `ref-regex` fires for every build.
        let regex = match config.and_then(|c| c.get("ref-regex")) {
            None | Some(Value::Null | Value::Bool(false)) => return Some(true),
            Some(Value::String(s)) if s.is_empty() => return Some(true),
            Some(Value::Number(n)) if n.as_f64() == Some(0.0) => return Some(true),
            Some(Value::Array(a)) if a.is_empty() => return Some(true),
            Some(Value::Object(o)) if o.is_empty() => return Some(true),
            Some(other) => py_str(other),
        };
        // Manual and non-git builds carry no ref, so a regex never lets them through; an
        // invalid regex never fires either.
        let Some(git_ref) = data
            .get("trigger_metadata")
            .and_then(|m| m.get("ref"))
            .and_then(Value::as_str)
        else {
            return Some(false);
        };
        return Some(ref_regex_matches(&regex, git_ref) == Some(true));
    }
    if event == "vulnerability_found" {
        let Some(level) = config.and_then(|c| c.get("level")) else {
            return Some(true);
        };
        // New index reports are filtered by a global setting instead.
        if data.get("vulnerable_index_report_created").is_some() {
            return Some(true);
        }
        let Some(vulnerability) = data.get("vulnerability") else {
            return Some(false);
        };
        let priority = match vulnerability.as_object()?.get("priority") {
            None => "Unknown",
            Some(Value::String(p)) => p.as_str(),
            Some(_) => return Some(false),
        };
        let Some(actual) = PRIORITIES.iter().position(|p| *p == priority) else {
            return Some(false);
        };
        return Some(actual as i64 <= python_int(level)?);
    }
    Some(true)
}

/// The event's one-line summary (Slack text, e-mail subject); `None` where Quay's would raise
/// a `KeyError`.
pub(super) fn summary(event: &str, data: &Value) -> Option<String> {
    let key = |k: &str| data.get(k).map(py_str);
    let repo = key("repository");
    let build = |what: &str| -> Option<String> {
        let id: String = key("build_id")?.chars().take(7).collect();
        Some(format!("{what} for repository {} [{id}]", repo.clone()?))
    };
    match event {
        "repo_push" => Some(format!("Repository {} updated", repo?)),
        "repo_mirror_sync_started" => {
            Some(format!("Repository Mirror started for {}", key("message")?))
        }
        "repo_mirror_sync_success" => {
            Some(format!("Repository Mirror success for {}", key("message")?))
        }
        "repo_mirror_sync_failed" => {
            Some(format!("Repository Mirror failed for {}", key("message")?))
        }
        "vulnerability_found" => {
            let priority = py_str(data.get("vulnerability")?.get("priority")?);
            let tags = match data.get("tags")? {
                Value::Array(a) => a.len(),
                Value::Object(o) => o.len(),
                Value::String(s) => s.chars().count(),
                _ => return None,
            };
            Some(format!(
                "{priority} vulnerability detected in repository {} in {tags} tags",
                repo?
            ))
        }
        "build_queued" => build("Build queued"),
        "build_start" => build("Build started"),
        "build_success" => build("Build succeeded"),
        "build_failure" => build("Build failure"),
        "build_cancelled" => build("Build cancelled"),
        "repo_image_expiry" => Some(format!("Repository {} image(s) expiring", repo?)),
        _ => None,
    }
}

/// The event's level (Slack colour); `None` where Quay's would raise a `KeyError`.
pub(super) fn level(event: &str, data: &Value) -> Option<&'static str> {
    Some(match event {
        "repo_push" => "primary",
        "vulnerability_found" => match data.get("vulnerability")?.get("priority")?.as_str() {
            Some("Critical") => "error",
            Some("Medium" | "High") => "warning",
            _ => "info",
        },
        "build_success" | "repo_mirror_sync_success" => "success",
        "build_failure" | "repo_mirror_sync_failed" | "quota_error" => "error",
        "quota_warning" => "warning",
        _ => "info",
    })
}
