//! Route paths (relative to the server address) and query strings, with checked and encoded
//! names. Trailing slashes matter on Quay: `…/notification/` and `…/tag/` need one,
//! `…/notification/{uuid}` must not have one, and a wrong one can be read as a repository
//! named `…/notification`.

use super::models::QuayRepoRef;
use super::validate::{
    check_email, validate_namespace, validate_repo_ref, validate_uuid, QuayValidationError,
    MAX_TAG_PAGE_SIZE,
};

/// Where the API lives on a Quay server.
pub const API_PREFIX: &str = "/api/v1";

/// `GET /api/v1/user/`: the caller and their organizations.
pub const USER: &str = "/api/v1/user/";

/// `GET /api/v1/repository`: the repository list (no trailing slash).
pub const REPOSITORIES: &str = "/api/v1/repository";

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `/api/v1/repository/{namespace}/{name}`; nested names keep their `/`.
pub fn repository(repo: &QuayRepoRef) -> Result<String, QuayValidationError> {
    validate_repo_ref(repo)?;
    let name: Vec<String> = repo.name.split('/').map(encode).collect();
    Ok(format!(
        "{REPOSITORIES}/{}/{}",
        encode(&repo.namespace),
        name.join("/")
    ))
}

/// `…/changevisibility`.
pub fn change_visibility(repo: &QuayRepoRef) -> Result<String, QuayValidationError> {
    Ok(format!("{}/changevisibility", repository(repo)?))
}

/// `…/tag/`.
pub fn tags(repo: &QuayRepoRef) -> Result<String, QuayValidationError> {
    Ok(format!("{}/tag/", repository(repo)?))
}

/// `…/notification/`: list and create.
pub fn notifications(repo: &QuayRepoRef) -> Result<String, QuayValidationError> {
    Ok(format!("{}/notification/", repository(repo)?))
}

/// `…/notification/{uuid}`: get, delete, and (POST) reset failures.
pub fn notification(repo: &QuayRepoRef, uuid: &str) -> Result<String, QuayValidationError> {
    Ok(format!(
        "{}/notification/{}",
        repository(repo)?,
        validate_uuid(uuid)?
    ))
}

/// `…/notification/{uuid}/test`.
pub fn notification_test(repo: &QuayRepoRef, uuid: &str) -> Result<String, QuayValidationError> {
    Ok(format!("{}/test", notification(repo, uuid)?))
}

/// `…/authorizedemail/{email}`, the address percent-encoded.
pub fn authorized_email(repo: &QuayRepoRef, email: &str) -> Result<String, QuayValidationError> {
    Ok(format!(
        "{}/authorizedemail/{}",
        repository(repo)?,
        encode(&check_email(email)?)
    ))
}

/// `/api/v1/organization/{org}`: an organization, with its teams when the caller is a member.
pub fn organization(org: &str) -> Result<String, QuayValidationError> {
    validate_namespace(org)?;
    Ok(format!("{API_PREFIX}/organization/{}", encode(org)))
}

/// The write the token check sends after an ambiguous 401 from [`USER`]: a failure reset of
/// the nil UUID in a repository that does not exist.
pub fn token_probe() -> String {
    format!(
        "{REPOSITORIES}/wharf-token-check/none/notification/{}",
        uuid::Uuid::nil().hyphenated()
    )
}

/// The repository list query for one namespace, with the newest push time, continuing at
/// `next_page` when given.
pub fn repositories_query(
    namespace: &str,
    next_page: Option<&str>,
) -> Result<Vec<(&'static str, String)>, QuayValidationError> {
    validate_namespace(namespace)?;
    let mut query = vec![
        ("namespace", namespace.to_owned()),
        ("last_modified", "true".to_owned()),
    ];
    if let Some(cursor) = next_page {
        query.push(("next_page", cursor.to_owned()));
    }
    Ok(query)
}

/// The repository detail query: without the 500 embedded tags and the statistics.
pub fn repository_query() -> [(&'static str, &'static str); 2] {
    [("includeTags", "false"), ("includeStats", "false")]
}

/// The tag list query: only live tags (Quay's default includes deleted and expired history),
/// 1-based `page`, `limit` from 1 to 100.
pub fn tags_query(
    page: u32,
    limit: u32,
) -> Result<Vec<(&'static str, String)>, QuayValidationError> {
    if page == 0 {
        return Err(QuayValidationError::InvalidPage);
    }
    if !(1..=MAX_TAG_PAGE_SIZE).contains(&limit) {
        return Err(QuayValidationError::InvalidPageSize(limit));
    }
    Ok(vec![
        ("onlyActiveTags", "true".to_owned()),
        ("page", page.to_string()),
        ("limit", limit.to_string()),
    ])
}
