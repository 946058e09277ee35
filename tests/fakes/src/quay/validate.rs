//! How Quay checks request bodies: the JSON schemas of notification and repository writes, and
//! each notification method's config.

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

/// A request body's JSON schema, as much of it as Quay's schemas use, with the Python reprs
/// `jsonschema` prints in its errors.
pub(super) struct Schema {
    /// The whole schema's repr.
    pub repr: &'static str,
    pub required: &'static [&'static str],
    /// In declaration order, which is the order `jsonschema` checks them in.
    pub properties: &'static [Property],
}

/// One property of a [`Schema`].
pub(super) struct Property {
    pub name: &'static str,
    /// JSON-schema type names: `string`, `object` or `null`.
    pub types: &'static [&'static str],
    /// The allowed values (`None` for null), if the schema restricts them.
    pub allowed: Option<&'static [Option<&'static str>]>,
    /// The property's schema repr.
    pub repr: &'static str,
}

const fn typed(name: &'static str, types: &'static [&'static str], repr: &'static str) -> Property {
    Property {
        name,
        types,
        allowed: None,
        repr,
    }
}

/// The notification create body.
pub(super) const CREATE_SCHEMA: Schema = Schema {
    repr: "{'description': 'Information for creating a notification on a repository', 'type': 'object', 'required': ['event', 'method', 'config', 'eventConfig'], 'properties': {'event': {'type': 'string'}, 'method': {'type': 'string'}, 'config': {'type': 'object'}, 'eventConfig': {'type': 'object'}, 'title': {'type': 'string'}}}",
    required: &["event", "method", "config", "eventConfig"],
    properties: &[
        typed("event", &["string"], "{'type': 'string'}"),
        typed("method", &["string"], "{'type': 'string'}"),
        typed("config", &["object"], "{'type': 'object'}"),
        typed("eventConfig", &["object"], "{'type': 'object'}"),
        typed("title", &["string"], "{'type': 'string'}"),
    ],
};

const VISIBILITY: Property = Property {
    name: "visibility",
    types: &["string"],
    allowed: Some(&[Some("public"), Some("private")]),
    repr: "{'type': 'string', 'description': 'Visibility which the repository will start with', 'enum': ['public', 'private']}",
};

const DESCRIPTION: Property = typed(
    "description",
    &["string"],
    "{'type': 'string', 'description': 'Markdown encoded description for the repository'}",
);

/// `POST /repository` (Quay's `NewRepo`).
pub(super) const NEW_REPO_SCHEMA: Schema = Schema {
    repr: "{'type': 'object', 'description': 'Description of a new repository', 'required': ['repository', 'visibility', 'description'], 'properties': {'repository': {'type': 'string', 'description': 'Repository name'}, 'visibility': {'type': 'string', 'description': 'Visibility which the repository will start with', 'enum': ['public', 'private']}, 'namespace': {'type': 'string', 'description': 'Namespace in which the repository should be created. If omitted, the username of the caller is used'}, 'description': {'type': 'string', 'description': 'Markdown encoded description for the repository'}, 'repo_kind': {'type': ['string', 'null'], 'description': 'The kind of repository', 'enum': ['image', 'application', None]}}}",
    required: &["repository", "visibility", "description"],
    properties: &[
        typed(
            "repository",
            &["string"],
            "{'type': 'string', 'description': 'Repository name'}",
        ),
        VISIBILITY,
        typed(
            "namespace",
            &["string"],
            "{'type': 'string', 'description': 'Namespace in which the repository should be created. If omitted, the username of the caller is used'}",
        ),
        DESCRIPTION,
        Property {
            name: "repo_kind",
            types: &["string", "null"],
            allowed: Some(&[Some("image"), Some("application"), None]),
            repr: "{'type': ['string', 'null'], 'description': 'The kind of repository', 'enum': ['image', 'application', None]}",
        },
    ],
};

/// `POST /repository/{repo}/changevisibility` (Quay's `ChangeVisibility`).
pub(super) const CHANGE_VISIBILITY_SCHEMA: Schema = Schema {
    repr: "{'type': 'object', 'description': 'Change the visibility for the repository.', 'required': ['visibility'], 'properties': {'visibility': {'type': 'string', 'description': 'Visibility which the repository will start with', 'enum': ['public', 'private']}}}",
    required: &["visibility"],
    properties: &[VISIBILITY],
};

/// `PUT /repository/{repo}` (Quay's `RepoUpdate`).
pub(super) const REPO_UPDATE_SCHEMA: Schema = Schema {
    repr: "{'type': 'object', 'description': 'Fields which can be updated in a repository.', 'required': ['description'], 'properties': {'description': {'type': 'string', 'description': 'Markdown encoded description for the repository'}}}",
    required: &["description"],
    properties: &[DESCRIPTION],
};

/// The `jsonschema` 3.2 error text for a notification create body, if it fails the schema.
pub(super) fn schema_error(body: &Value) -> Option<String> {
    schema_violation(&CREATE_SCHEMA, body)
}

/// The error `jsonschema` 3.2's `validate` raises for `body`, if any: its `best_match`, which
/// prefers the shallowest error and, among equals, the first found (the object type, then the
/// required keys in order, then each property's type before its enum).
pub(super) fn schema_violation(schema: &Schema, body: &Value) -> Option<String> {
    let Value::Object(map) = body else {
        return Some(format!(
            "{} is not of type 'object'\n\nFailed validating 'type' in schema:\n    {}\n\nOn instance:\n    {}",
            py_repr(body),
            schema.repr,
            py_repr(body)
        ));
    };
    if let Some(key) = schema.required.iter().find(|k| !map.contains_key(**k)) {
        return Some(format!(
            "'{key}' is a required property\n\nFailed validating 'required' in schema:\n    {}\n\nOn instance:\n    {}",
            schema.repr,
            py_repr(body)
        ));
    }
    schema.properties.iter().find_map(|p| {
        map.get(p.name)
            .and_then(|value| property_violation(p, value))
    })
}

fn property_violation(property: &Property, value: &Value) -> Option<String> {
    let fits = property.types.iter().any(|t| match *t {
        "string" => value.is_string(),
        "object" => value.is_object(),
        _ => value.is_null(),
    });
    let (message, validator) = if !fits {
        let types: Vec<String> = property.types.iter().map(|t| format!("'{t}'")).collect();
        let message = format!("{} is not of type {}", py_repr(value), types.join(", "));
        (message, "type")
    } else {
        let allowed = property.allowed?;
        if allowed.iter().any(|a| *a == value.as_str()) {
            return None;
        }
        let list: Vec<Value> = allowed.iter().map(|a| j!(a)).collect();
        let message = format!("{} is not one of {}", py_repr(value), py_repr(&j!(list)));
        (message, "enum")
    };
    Some(format!(
        "{message}\n\nFailed validating '{validator}' in schema['properties']['{name}']:\n    {repr}\n\nOn instance['{name}']:\n    {value}",
        name = property.name,
        repr = property.repr,
        value = py_repr(value),
    ))
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
