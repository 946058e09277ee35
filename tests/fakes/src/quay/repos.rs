//! The repository lifecycle: create, change visibility, update the description, delete.
//!
//! Each answers like Quay's `endpoints/api/repository.py`: the body is checked against its JSON
//! schema (400 `invalid_request` with `jsonschema`'s text), creating needs `repo:create` and the
//! right to create in the namespace (else 403), and while
//! [`FakeQuay::ignore_repository_writes`] is on every write answers as on success but changes
//! nothing.

use super::*;
use regex::Regex;
use std::sync::OnceLock;

/// Quay's `REPOSITORY_NAME_EXTENDED_REGEX`: nested names (`a/b`) are allowed.
const NAME_PATTERN: &str = r"^[a-z0-9][.a-z0-9_-]{0,254}(/[a-z0-9][.a-z0-9_-]{0,254})*$";

/// The longest `namespace/name` a registry path takes.
const MAX_FULL_NAME: usize = 255;

/// Whether Quay takes `name` as a new repository's name in `namespace`.
pub(super) fn valid_repo_name(namespace: &str, name: &str) -> bool {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| Regex::new(NAME_PATTERN).expect("a valid pattern"));
    namespace.chars().count() + 1 + name.chars().count() <= MAX_FULL_NAME && pattern.is_match(name)
}

/// A 400 `invalid_request` with `detail`.
fn invalid(base: &str, detail: &str) -> Response {
    api_error(base, StatusCode::BAD_REQUEST, "invalid_request", detail)
}

/// The body of a JSON write, checked like Quay's `validate_json_request`: 415 or 400 when it is
/// no JSON, "Missing JSON body" for `null`, then the schema.
fn validated_body(
    base: &str,
    headers: &HeaderMap,
    body: &Bytes,
    schema: &Schema,
) -> Result<Value, Box<Response>> {
    let parsed = json_body(headers, body)?;
    if parsed.is_null() {
        return Err(Box::new(invalid(base, "Missing JSON body")));
    }
    match schema_violation(schema, &parsed) {
        Some(detail) => Err(Box::new(invalid(base, &detail))),
        None => Ok(parsed),
    }
}

fn success() -> Response {
    json(StatusCode::OK, j!({"success": true}))
}

/// `POST /repository`: the schema first, then the permission, then the name.
pub(super) fn create_repository(
    state: &mut QuayState,
    base: &str,
    who: &Caller,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let request = match validated_body(base, headers, body, &NEW_REPO_SCHEMA) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let text = |key: &str| request.get(key).and_then(Value::as_str);
    let namespace = text("namespace").unwrap_or(&who.user).to_owned();
    let name = text("repository").unwrap_or_default().to_owned();
    if !state.can_create_in(who, &namespace) {
        return deny(base, Some(who));
    }
    // Quay looks the name up before it checks it.
    if state.repo(&namespace, &name).is_some() {
        return invalid(base, "Repository already exists");
    }
    if !valid_repo_name(&namespace, &name) {
        return invalid(base, "Invalid repository name");
    }
    let kind = text("repo_kind").unwrap_or("image").to_owned();
    let answer = json(
        StatusCode::CREATED,
        j!({"namespace": namespace, "name": name, "kind": kind}),
    );
    if !state.ignore_repository_writes {
        let mut repo = Repo::new(&namespace, &name, text("visibility") == Some("public"));
        repo.kind = kind;
        repo.description = text("description").map(str::to_owned);
        if namespace != who.user {
            repo.admins.insert(who.user.clone());
        }
        state.repos.push(repo);
    }
    answer
}

/// `POST /repository/{repo}/changevisibility`, for a repository admin.
pub(super) fn change_visibility(
    state: &mut QuayState,
    base: &str,
    namespace: &str,
    name: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let request = match validated_body(base, headers, body, &CHANGE_VISIBILITY_SCHEMA) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let public = request["visibility"] == "public";
    if !state.ignore_repository_writes {
        if let Some(repo) = state.repo_mut(namespace, name) {
            repo.public = public;
        }
    }
    success()
}

/// `PUT /repository/{repo}`: sets the description (Quay lets writers do it).
pub(super) fn update_description(
    state: &mut QuayState,
    base: &str,
    namespace: &str,
    name: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Response {
    let request = match validated_body(base, headers, body, &REPO_UPDATE_SCHEMA) {
        Ok(request) => request,
        Err(response) => return *response,
    };
    let description = request["description"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if !state.ignore_repository_writes {
        if let Some(repo) = state.repo_mut(namespace, name) {
            repo.description = Some(description);
        }
    }
    success()
}

/// `DELETE /repository/{repo}`: the repository goes with its tags, notifications and
/// authorized e-mails; 204 with no body.
pub(super) fn delete_repository(state: &mut QuayState, namespace: &str, name: &str) -> Response {
    if !state.ignore_repository_writes {
        let this = |ns: &str, n: &str| ns == namespace && n == name;
        state.repos.retain(|r| !this(&r.namespace, &r.name));
        state.notifications.retain(|n| !this(&n.namespace, &n.name));
        state.authorized_emails.retain(|(ns, n, _), _| !this(ns, n));
    }
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_quays_extended_pattern_and_length() {
        for good in ["web", "a", "0.x_y-z", "team/web", "a/b/c", "web-"] {
            assert!(valid_repo_name("acme", good), "{good}");
        }
        for bad in [
            "", "Web", "-web", ".web", "a//b", "a/", "/a", "a/-b", "we b", "wéb",
        ] {
            assert!(!valid_repo_name("acme", bad), "{bad}");
        }
        // `acme/` plus 250 is 255: the limit.
        assert!(valid_repo_name("acme", &"a".repeat(250)));
        assert!(!valid_repo_name("acme", &"a".repeat(251)));
        // One segment takes 255 characters at most.
        assert!(!valid_repo_name("", &"a".repeat(256)));
    }

    #[test]
    fn repository_bodies_fail_like_jsonschema() {
        let first_line = |schema: &Schema, body: Value| {
            schema_violation(schema, &body).map(|e| e.lines().next().unwrap_or("").to_owned())
        };
        assert_eq!(
            first_line(
                &NEW_REPO_SCHEMA,
                j!({"repository": "x", "visibility": "public"})
            ),
            Some("'description' is a required property".into())
        );
        // Required keys come before property errors, in the schema's order.
        assert_eq!(
            first_line(&NEW_REPO_SCHEMA, j!({"visibility": 1})),
            Some("'repository' is a required property".into())
        );
        assert_eq!(
            first_line(
                &NEW_REPO_SCHEMA,
                j!({"repository": "x", "visibility": 1, "description": ""})
            ),
            Some("1 is not of type 'string'".into())
        );
        assert_eq!(
            first_line(
                &NEW_REPO_SCHEMA,
                j!({"repository": "x", "visibility": "public", "description": "", "repo_kind": 5})
            ),
            Some("5 is not of type 'string', 'null'".into())
        );
        assert_eq!(
            first_line(
                &NEW_REPO_SCHEMA,
                j!({"repository": "x", "visibility": "public", "description": "", "repo_kind": "helm"})
            ),
            Some("'helm' is not one of ['image', 'application', None]".into())
        );
        for fine in [
            j!({"repository": "x", "visibility": "private", "description": ""}),
            j!({"repository": "x", "visibility": "public", "description": "", "repo_kind": null}),
        ] {
            assert_eq!(schema_violation(&NEW_REPO_SCHEMA, &fine), None, "{fine}");
        }
        let e = schema_violation(&CHANGE_VISIBILITY_SCHEMA, &j!({"visibility": "publik"})).unwrap();
        assert_eq!(
            e,
            "'publik' is not one of ['public', 'private']\n\nFailed validating 'enum' in \
             schema['properties']['visibility']:\n    {'type': 'string', 'description': \
             'Visibility which the repository will start with', 'enum': ['public', 'private']}\
             \n\nOn instance['visibility']:\n    'publik'"
        );
        let e = schema_violation(&REPO_UPDATE_SCHEMA, &j!([])).unwrap();
        assert!(e.starts_with("[] is not of type 'object'\n\nFailed validating 'type' in schema:\n    {'type': 'object', 'description': 'Fields which can be updated"), "{e}");
    }
}
