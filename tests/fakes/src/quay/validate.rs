//! How Quay checks a new notification: the request body's JSON schema and each method's config.

use super::*;

pub(super) fn avatar(name: &str, kind: &str) -> Value {
    j!({"name": name, "hash": format!("{:032x}", hash(name.as_bytes())), "color": "#9edae5", "kind": kind})
}

/// Shape A, Quay's ApiError.
pub(super) fn api_error(
    base: &str,
    status: StatusCode,
    error_type: &str,
    detail: &str,
) -> Response {
    json(
        status,
        j!({
            "detail": detail,
            "error_message": detail,
            "error_type": error_type,
            "title": error_type,
            "type": format!("{base}/api/v1/error/{error_type}"),
            "status": status.as_u16(),
        }),
    )
}

pub(super) fn message(status: StatusCode, text: &str) -> Response {
    json(status, j!({ "message": text }))
}

pub(super) fn not_found_route() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
    )
}

pub(super) fn method_not_allowed() -> Response {
    message(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for the requested URL.",
    )
}

/// Quay's `truthy_bool`: only these spellings are false.
pub(super) fn truthy(value: Option<String>, default: bool) -> bool {
    match value {
        None => default,
        Some(v) => !matches!(v.as_str(), "false" | "False" | "FALSE" | "0" | "null" | ""),
    }
}

pub(super) fn py_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(py_repr).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("'{k}': {}", py_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(super) const CREATE_SCHEMA: &str = "{'description': 'Information for creating a notification on a repository', 'type': 'object', 'required': ['event', 'method', 'config', 'eventConfig'], 'properties': {'event': {'type': 'string'}, 'method': {'type': 'string'}, 'config': {'type': 'object'}, 'eventConfig': {'type': 'object'}, 'title': {'type': 'string'}}}";

/// The `jsonschema` 3.2 error text for a create body, if it fails the schema.
pub(super) fn schema_error(body: &Value) -> Option<String> {
    let Value::Object(map) = body else {
        return Some(format!(
            "{} is not of type 'object'\n\nFailed validating 'type' in schema:\n    {CREATE_SCHEMA}\n\nOn instance:\n    {}",
            py_repr(body),
            py_repr(body)
        ));
    };
    for key in ["event", "method", "config", "eventConfig"] {
        if !map.contains_key(key) {
            return Some(format!(
                "'{key}' is a required property\n\nFailed validating 'required' in schema:\n    {CREATE_SCHEMA}\n\nOn instance:\n    {}",
                py_repr(body)
            ));
        }
    }
    for (key, kind) in [
        ("event", "string"),
        ("method", "string"),
        ("config", "object"),
        ("eventConfig", "object"),
        ("title", "string"),
    ] {
        let Some(value) = map.get(key) else { continue };
        let fits = match kind {
            "string" => value.is_string(),
            _ => value.is_object(),
        };
        if !fits {
            return Some(format!(
                "{} is not of type '{kind}'\n\nFailed validating 'type' in schema['properties']['{key}']:\n    {{'type': '{kind}'}}\n\nOn instance['{key}']:\n    {}",
                py_repr(value),
                py_repr(value)
            ));
        }
    }
    None
}

/// What the method's validator says about `config`: `Ok`, a 400 text, or `Err(None)` for the
/// uncaught errors that give a 500.
pub(super) fn validate_method(
    state: &QuayState,
    method: &str,
    namespace: &str,
    name: &str,
    config: &Map<String, Value>,
) -> Result<(), Option<String>> {
    let text = |key: &str| {
        config
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let fail = |s: &str| Err(Some(s.to_owned()));
    match method {
        "webhook" => {
            let Some(url) = text("url") else {
                return fail("Missing webhook URL");
            };
            let Some((scheme, rest)) = url.split_once("://") else {
                return fail("Invalid webhook URL");
            };
            if !matches!(scheme.to_ascii_lowercase().as_str(), "http" | "https") {
                return fail("Invalid webhook URL");
            }
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host_port = authority.rsplit('@').next().unwrap_or_default();
            let host = if host_port.starts_with('[') {
                host_port.split(']').next().unwrap_or_default().to_owned() + "]"
            } else {
                host_port.split(':').next().unwrap_or_default().to_owned()
            };
            if host.is_empty() {
                // urlparse gives no hostname and Quay's check dereferences it.
                return Err(None);
            }
            if matches!(host.to_ascii_lowercase().as_str(), "localhost" | "127.0.0.1") {
                return fail("Invalid webhook URL");
            }
            match config.get("template") {
                None | Some(Value::Null) => Ok(()),
                Some(Value::String(t)) if t.is_empty() => Ok(()),
                // Quay applies the template to `{}`: only syntax errors show.
                Some(Value::String(t)) => match apply_template(t, &j!({})) {
                    Err(TemplateError::Parse(detail)) => Err(Some(detail)),
                    _ => Ok(()),
                },
                Some(_) => Err(None),
            }
        }
        "slack" => match text("url") {
            Some(_) => Ok(()),
            None => fail("Missing Slack Callback URL"),
        },
        "email" => match text("email") {
            None => fail("Missing e-mail address"),
            Some(email)
                if state
                    .authorized_emails
                    .get(&(namespace.to_owned(), name.to_owned(), email.to_owned()))
                    == Some(&true) =>
            {
                Ok(())
            }
            Some(_) => fail("The specified e-mail address is not authorized to receive notifications for this repository"),
        },
        "hipchat" => {
            if text("notification_token").is_none() {
                return fail("Missing Hipchat Room Notification Token");
            }
            if text("room_id").is_none() {
                return fail("Missing Hipchat Room ID");
            }
            Ok(())
        }
        "flowdock" => match text("flow_api_token") {
            Some(_) => Ok(()),
            None => fail("Missing Flowdock API Token"),
        },
        "quay_notification" => {
            let Some(target) = config.get("target").filter(|t| t.is_object()) else {
                return fail("Missing target");
            };
            let target_name = target.get("name").and_then(Value::as_str).unwrap_or("");
            match target.get("kind").and_then(Value::as_str) {
                Some("user") if state.users.contains(target_name) => Ok(()),
                Some("user") => Err(Some(format!("Unknown user {target_name}"))),
                Some("org") if !state.orgs.contains_key(target_name) => {
                    Err(Some(format!("Unknown organization {target_name}")))
                }
                Some("org") if target_name == namespace => Ok(()),
                // Looked up in the repository's namespace, whatever the target says.
                Some("team")
                    if state
                        .orgs
                        .get(namespace)
                        .is_some_and(|org| org.team(target_name).is_some()) =>
                {
                    Ok(())
                }
                Some("team") => Err(Some(format!("Unknown team {target_name}"))),
                _ => Err(None),
            }
        }
        _ => Err(None),
    }
}
