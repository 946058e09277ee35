//! The URL paths of the routes Wharf uses, with every name percent-encoded as one path segment.
//!
//! Namespace webhooks live at `/api/v0/accounts/{ns}/webhooks`: the documented
//! `/api/v0/repositories/{ns}/webhooks` is in no server spec and would read as a repository
//! named `webhooks`.

/// `GET` lists every webhook the user may see (all of them for a DTR admin); `POST` creates one.
pub const WEBHOOKS: &str = "/api/v0/webhooks";
/// `POST` sends DTR's canned sample of a type to an endpoint.
pub const WEBHOOK_TEST: &str = "/api/v0/webhooks/test";
/// `POST` changes `inactive`, `tlsCert` and `skipTLSVerification` of a webhook.
pub const WEBHOOK_UPDATE: &str = "/api/v0/webhooks/update";
/// `GET` lists repositories visible to the user (`{"repositories":[…]}`, paged).
pub const REPOSITORIES: &str = "/api/v0/repositories";

/// `DELETE` removes one webhook.
pub fn webhook(id: &str) -> String {
    format!("{WEBHOOKS}/{}", segment(id))
}

/// `GET` lists the webhooks of one repository.
pub fn repository_webhooks(namespace: &str, repository: &str) -> String {
    format!("{}/webhooks", self::repository(namespace, repository))
}

/// `GET` lists the webhooks of one namespace.
pub fn namespace_webhooks(namespace: &str) -> String {
    format!("/api/v0/accounts/{}/webhooks", segment(namespace))
}

/// `GET` lists the repositories of one namespace (paged).
pub fn namespace_repositories(namespace: &str) -> String {
    format!("{REPOSITORIES}/{}", segment(namespace))
}

/// `GET` reads one repository.
pub fn repository(namespace: &str, repository: &str) -> String {
    format!(
        "{REPOSITORIES}/{}/{}",
        segment(namespace),
        segment(repository)
    )
}

/// `GET` lists the tags of a repository (a bare array, paged).
pub fn tags(namespace: &str, repository: &str) -> String {
    format!("{}/tags", self::repository(namespace, repository))
}

/// `GET` the user's settings: never anonymous, so it is the credential check.
pub fn account_settings(username: &str) -> String {
    format!("/api/v0/accounts/{}/settings", segment(username))
}

/// `GET` an eNZi account (carries `isAdmin`); redirects anonymous callers to sign-in.
pub fn enzi_account(name: &str) -> String {
    format!("/enzi/v0/accounts/{}", segment(name))
}

/// `GET` the organizations a user is a member of (eNZi paging: `start`, `limit`).
pub fn enzi_member_orgs(username: &str) -> String {
    format!("{}/organizations", enzi_account(username))
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so a name can never add a
/// path segment or a query.
pub fn segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
