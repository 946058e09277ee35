//! The repository lifecycle: create (`POST /repositories/{ns}`), update (`PATCH
//! /repositories/{ns}/{repo}`) and delete.
//!
//! The checks run in DTR's order (`adminserver/api/server/repositories.go`): the caller, the
//! namespace, the role, the form as Go's `encoding/json` decodes it, then the name, the short
//! description, the visibility and whether the name is taken. While
//! [`FakeDtr::ignore_repository_writes`] is on every write answers as on success but changes
//! nothing.

use super::*;
use regex::Regex;
use serde_json::Map;
use std::sync::OnceLock;

/// DTR's `validRepositoryNamePattern`: no `/`, so a repository is always `namespace/name`.
const NAME_PATTERN: &str = r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$";

/// The longest `namespace/name`, in bytes ("restricted by the registry").
const MAX_FULL_NAME: usize = 255;

/// The longest short description, in bytes (Go's `len`): "succinct enough to be a Tweet".
const MAX_SHORT_DESCRIPTION: usize = 140;

/// The Go type of a form field, for `encoding/json`'s type errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GoType {
    String,
    Bool,
    Uint,
}

/// The fields of DTR's `forms.CreateRepo` and `forms.UpdateRepo` (which ignores `name`).
const FORM_FIELDS: [(&str, GoType); 8] = [
    ("name", GoType::String),
    ("shortDescription", GoType::String),
    ("longDescription", GoType::String),
    ("visibility", GoType::String),
    ("scanOnPush", GoType::Bool),
    ("immutableTags", GoType::Bool),
    ("enableManifestLists", GoType::Bool),
    ("tagLimit", GoType::Uint),
];

/// Whether DTR takes `name` for a repository in `namespace`.
pub(super) fn valid_repo_name(namespace: &str, name: &str) -> bool {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    let pattern = PATTERN.get_or_init(|| Regex::new(NAME_PATTERN).expect("a valid pattern"));
    namespace.len() + 1 + name.len() <= MAX_FULL_NAME && pattern.is_match(name)
}

fn invalid_name() -> Response {
    dtr_error(
        StatusCode::BAD_REQUEST,
        "INVALID_REPOSITORY_NAME",
        "The given repository name is either too long or contains illegal characters.",
        None,
    )
}

fn invalid_visibility() -> Response {
    dtr_error(
        StatusCode::BAD_REQUEST,
        "INVALID_REPOSITORY_VISIBILITY",
        "The visibility value of the repository is invalid.",
        None,
    )
}

fn invalid_short_description() -> Response {
    dtr_error(
        StatusCode::BAD_REQUEST,
        "INVALID_REPOSITORY_SHORT_DESCRIPTION",
        "The short description of the repository is invalid.",
        Some(j!(format!("The maximum length is {MAX_SHORT_DESCRIPTION}"))),
    )
}

fn repository_exists() -> Response {
    dtr_error(
        StatusCode::BAD_REQUEST,
        "REPOSITORY_EXISTS",
        "A repository with the same name already exists.",
        None,
    )
}

/// How Go's `encoding/json` names a JSON value's kind in its errors.
fn go_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Whether `value` decodes into `go_type`; when not, how Go's error names the value.
fn fits(value: &Value, go_type: GoType) -> Result<(), String> {
    match (go_type, value) {
        (GoType::String, Value::String(_)) | (GoType::Bool, Value::Bool(_)) => Ok(()),
        (GoType::Uint, Value::Number(n)) if n.is_u64() => Ok(()),
        // A number that does not fit names itself.
        (GoType::Uint, Value::Number(n)) => Err(format!("number {n}")),
        _ => Err(go_kind(value).to_owned()),
    }
}

/// The form as Go decodes it into DTR's `forms.{form}` struct: keys match case-insensitively,
/// unknown keys and `null`s are ignored, a value of the wrong type is an error with Go's text
/// (for a 400 `INVALID_JSON`). Returns the fields that were set, under their own names.
fn decode_form(body: &Bytes, form: &str) -> Result<Map<String, Value>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err("EOF".to_owned());
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let object = match value {
        Value::Object(object) => object,
        Value::Null => Map::new(),
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type forms.{form}",
                go_kind(&other)
            ))
        }
    };
    let mut out = Map::new();
    for (key, value) in object {
        let Some((field, go_type)) = FORM_FIELDS
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(&key))
        else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        if let Err(what) = fits(&value, *go_type) {
            let go_name = match go_type {
                GoType::String => "string",
                GoType::Bool => "bool",
                GoType::Uint => "uint",
            };
            return Err(format!(
                "json: cannot unmarshal {what} into Go struct field {form}.{field} of type {go_name}"
            ));
        }
        out.insert((*field).to_owned(), value);
    }
    Ok(out)
}

/// DTR's refusal of the short description or the visibility the form sets, if any.
fn form_refusal(form: &Map<String, Value>) -> Option<Response> {
    let text = |key: &str| form.get(key).and_then(Value::as_str);
    if text("shortDescription").is_some_and(|d| d.len() > MAX_SHORT_DESCRIPTION) {
        return Some(invalid_short_description());
    }
    if text("visibility").is_some_and(|v| !matches!(v, "public" | "private")) {
        return Some(invalid_visibility());
    }
    None
}

/// Sets what the form sets; `name` is never changed (there is no rename).
fn apply_form(repo: &mut Repo, form: &Map<String, Value>) {
    for (key, value) in form {
        let text = || value.as_str().unwrap_or_default().to_owned();
        let flag = || value.as_bool().unwrap_or_default();
        match key.as_str() {
            "shortDescription" => repo.short_description = text(),
            "longDescription" => repo.long_description = text(),
            "visibility" => repo.public = value == "public",
            "scanOnPush" => repo.scan_on_push = flag(),
            "immutableTags" => repo.immutable_tags = flag(),
            "enableManifestLists" => repo.enable_manifest_lists = flag(),
            "tagLimit" => repo.tag_limit = value.as_u64().unwrap_or_default(),
            _ => {}
        }
    }
}

/// `POST /api/v0/repositories/{ns}`, for a namespace admin: 201 with the repository. A missing
/// or empty visibility means private, as in DTR.
pub(super) fn create_repository(
    state: &mut DtrState,
    user: Option<&str>,
    namespace: &str,
    body: &Bytes,
) -> Response {
    if user.is_none() {
        return not_authenticated();
    }
    if !state.account_exists(namespace) {
        return no_account(namespace);
    }
    if state.namespace_role(user, namespace) < Role::Admin {
        return not_authorized();
    }
    let mut form = match decode_form(body, "CreateRepo") {
        Ok(form) => form,
        Err(detail) => return invalid_json(&detail),
    };
    let name = form
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !valid_repo_name(namespace, &name) {
        return invalid_name();
    }
    if form.get("visibility").and_then(Value::as_str) == Some("") {
        form.remove("visibility");
    }
    if let Some(refusal) = form_refusal(&form) {
        return refusal;
    }
    if state.repo(namespace, &name).is_some() {
        return repository_exists();
    }
    let mut repo = Repo::new(namespace, &name, false, &[]);
    apply_form(&mut repo, &form);
    let out = state.repo_json(&repo, true);
    if !state.ignore_repository_writes {
        state.repos.push(repo);
    }
    json(StatusCode::CREATED, out)
}

/// `PATCH /api/v0/repositories/{ns}/{repo}`, for a repository admin: 200 with the repository.
/// A repository the caller cannot see is missing.
pub(super) fn update_repository(
    state: &mut DtrState,
    user: Option<&str>,
    namespace: &str,
    name: &str,
    body: &Bytes,
) -> Response {
    if user.is_none() {
        return not_authenticated();
    }
    if !state.account_exists(namespace) {
        return no_account(namespace);
    }
    let Some(index) = state.repos.iter().position(|r| {
        r.namespace == namespace && r.name == name && state.repo_role(user, r) >= Role::Read
    }) else {
        return no_repository(namespace, name);
    };
    if state.repo_role(user, &state.repos[index]) < Role::Admin {
        return not_authorized();
    }
    let form = match decode_form(body, "UpdateRepo") {
        Ok(form) => form,
        Err(detail) => return invalid_json(&detail),
    };
    if let Some(refusal) = form_refusal(&form) {
        return refusal;
    }
    let mut repo = state.repos[index].clone();
    apply_form(&mut repo, &form);
    let out = state.repo_json(&repo, true);
    if !state.ignore_repository_writes {
        state.repos[index] = repo;
    }
    json(StatusCode::OK, out)
}

/// `DELETE /api/v0/repositories/{ns}/{repo}`, for a namespace admin: 204 whether or not the
/// repository exists; its tags and its webhooks go with it.
pub(super) fn delete_repository(
    state: &mut DtrState,
    user: Option<&str>,
    namespace: &str,
    name: &str,
) -> Response {
    if user.is_none() {
        return not_authenticated();
    }
    if !state.account_exists(namespace) {
        return no_account(namespace);
    }
    if state.namespace_role(user, namespace) < Role::Admin {
        return not_authorized();
    }
    if !state.ignore_repository_writes {
        let key = format!("{namespace}/{name}");
        state
            .repos
            .retain(|r| !(r.namespace == namespace && r.name == name));
        state.webhooks.retain(|w| w.key != key);
    }
    StatusCode::NO_CONTENT.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dtrs_pattern_and_length() {
        for good in ["api", "a", "a.b-c_d", "v2", "0"] {
            assert!(valid_repo_name("payments", good), "{good}");
        }
        for bad in ["", "Api", "-api", "api-", "a..b", "a/b", "a b", "äpi"] {
            assert!(!valid_repo_name("payments", bad), "{bad}");
        }
        // `payments/` plus 246 is 255: the limit.
        assert!(valid_repo_name("payments", &"a".repeat(246)));
        assert!(!valid_repo_name("payments", &"a".repeat(247)));
    }

    #[test]
    fn forms_decode_like_go() {
        let decode = |body: &str| decode_form(&Bytes::from(body.to_owned()), "CreateRepo");
        let form = decode(r#"{"Name": "x", "visibility": null, "other": 1, "tagLimit": 3}"#)
            .unwrap_or_default();
        assert_eq!(form.get("name"), Some(&j!("x")));
        assert_eq!(form.get("tagLimit"), Some(&j!(3)));
        assert!(!form.contains_key("visibility"));
        assert_eq!(decode("null").unwrap_or_default().len(), 0);
        for bad in [
            "",
            "{",
            "[]",
            r#"{"name": 1}"#,
            r#"{"scanOnPush": "yes"}"#,
            r#"{"tagLimit": -1}"#,
        ] {
            assert!(decode(bad).is_err(), "{bad}");
        }
    }
}
