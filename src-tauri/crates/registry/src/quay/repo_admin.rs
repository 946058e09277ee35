//! Creating, changing and deleting repositories: the name rule Quay applies, and the request
//! bodies. Quay's create schema requires `description` (an empty string is fine) and
//! `visibility`; it takes the namespace from the body, not the path.

use serde::Serialize;

use super::models::QuayRepoRef;
use super::validate::{validate_namespace, QuayValidationError};

/// Longest `namespace/name` Quay stores.
pub const MAX_FULL_NAME: usize = 255;

/// What Quay refuses in a new repository's name, in words a person can act on; `None` when it
/// fits Quay's rule `^[a-z0-9][.a-z0-9_-]{0,254}(/[a-z0-9][.a-z0-9_-]{0,254})*$` (the `/`
/// parts are nested names, which not every Quay allows).
pub fn name_problem(namespace: &str, name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("enter a name");
    }
    if namespace.len() + 1 + name.len() > MAX_FULL_NAME {
        return Some("namespace and name together must stay within 255 characters");
    }
    for part in name.split('/') {
        let mut chars = part.chars();
        match chars.next() {
            None => return Some("a name cannot start or end with \"/\" or contain \"//\""),
            Some(c) if !(c.is_ascii_lowercase() || c.is_ascii_digit()) => {
                return Some("each part must start with a lower-case letter or a digit")
            }
            _ => {}
        }
        if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c)) {
            return Some("use lower-case letters, digits, \".\", \"-\" and \"_\" only");
        }
    }
    None
}

/// `public` or `private`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    /// Anyone may pull.
    Public,
    /// Only those granted access.
    Private,
}

impl Visibility {
    /// From "anyone may pull".
    pub fn from_public(public: bool) -> Self {
        if public {
            Self::Public
        } else {
            Self::Private
        }
    }
}

/// The body of `POST /api/v1/repository`; only [`create_request`] builds one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateRepositoryRequest {
    namespace: String,
    repository: String,
    visibility: Visibility,
    description: String,
}

impl CreateRepositoryRequest {
    /// The repository it creates.
    pub fn repo(&self) -> QuayRepoRef {
        QuayRepoRef::new(&self.namespace, &self.repository)
    }
}

/// Checks a new repository and builds the body that creates it.
pub fn create_request(
    repo: &QuayRepoRef,
    public: bool,
    description: &str,
) -> Result<CreateRepositoryRequest, QuayValidationError> {
    validate_namespace(&repo.namespace)?;
    if let Some(reason) = name_problem(&repo.namespace, &repo.name) {
        return Err(QuayValidationError::InvalidRepository {
            name: repo.name.clone(),
            reason,
        });
    }
    Ok(CreateRepositoryRequest {
        namespace: repo.namespace.clone(),
        repository: repo.name.clone(),
        visibility: Visibility::from_public(public),
        description: description.to_owned(),
    })
}

/// The body of `POST …/changevisibility`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeVisibilityRequest {
    /// The new visibility.
    pub visibility: Visibility,
}

/// The body of `PUT /api/v1/repository/{repo}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateDescriptionRequest {
    /// Markdown, possibly empty.
    pub description: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_quays_rule() {
        for ok in ["web", "a", "0x", "web.api-v2_x", "team/web", "a/b/c"] {
            assert_eq!(name_problem("acme", ok), None, "{ok}");
        }
        for (bad, why) in [
            ("", "enter"),
            ("Web", "start"),
            ("-web", "start"),
            (".web", "start"),
            ("web app", "only"),
            ("wéb", "only"),
            ("web/", "\"/\""),
            ("/web", "\"/\""),
            ("a//b", "\"/\""),
            ("a/B", "start"),
        ] {
            let problem = name_problem("acme", bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
        let long = "a".repeat(251);
        assert_eq!(
            name_problem("acme", &long),
            Some("namespace and name together must stay within 255 characters")
        );
        assert_eq!(name_problem("acm", &long), None);
    }

    #[test]
    fn the_create_body_has_every_field_quay_requires() {
        let body = create_request(&QuayRepoRef::new("acme", "web"), false, "").unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"namespace": "acme", "repository": "web",
                "visibility": "private", "description": ""})
        );
        let err = create_request(&QuayRepoRef::new("acme", "Web"), true, "x").unwrap_err();
        assert_eq!(err.field(), "repository");
    }
}
