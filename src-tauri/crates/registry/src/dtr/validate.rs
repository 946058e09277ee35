//! Checks made before anything is sent to DTR, and the request bodies they produce.
//!
//! The bodies ([`CreateWebhookRequest`], [`TestWebhookRequest`], [`UpdateWebhookRequest`]) can
//! only be built by the `validate_*` functions, so the client cannot send an unchecked one.
//! DTR's own answer to a bad webhook is a bare `INVALID_JSON` (or a webhook that never fires), so
//! the rules here carry the explanations. Messages never quote the endpoint URL: people put a
//! secret in its path, because DTR cannot sign deliveries.

use super::models::{
    DtrScopeKind, DtrWebhookDraft, DtrWebhookScope, DtrWebhookTestDraft, DtrWebhookType,
    DtrWebhookUpdate,
};
use serde::Serialize;

/// Longest `namespace/repository` DTR accepts.
pub const MAX_FULL_NAME_LEN: usize = 255;

/// Why a request was refused before sending it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DtrValidationError {
    /// No type given.
    #[error("Choose a webhook type.")]
    EmptyType,
    /// A type name that cannot be a DTR type.
    #[error("\"{0}\" is not a DTR webhook type: types are upper-case names such as TAG_PUSH.")]
    MalformedType(String),
    /// `REPO_CREATED`, `REPO_UPDATED` or `REPO_DELETED`: newer docs list them, the server does not.
    #[error("DTR has no {0} webhook type. Subscribe to REPO_EVENT for the namespace instead; each delivery names REPO_CREATED, REPO_UPDATED or REPO_DELETED in contents.event.")]
    RepoSubEvent(String),
    /// A repository type given a namespace.
    #[error("{0} webhooks belong to one repository: choose a repository (namespace/repository), not a whole namespace.")]
    NeedsRepository(DtrWebhookType),
    /// A namespace type given a repository.
    #[error(
        "{0} webhooks belong to a namespace: choose a user or organization, not a repository."
    )]
    NeedsNamespace(DtrWebhookType),
    /// A global type given a key.
    #[error("{0} is a global event of the whole DTR: it cannot be limited to a repository or namespace. Choose the global scope.")]
    GlobalOnly(DtrWebhookType),
    /// A non-admin left the key out; only DTR admins may.
    #[error("Only a DTR admin can create a {0} webhook without a repository or namespace (it would fire for all of them). Choose a repository or namespace.")]
    NeedsKey(DtrWebhookType),
    /// A non-admin asked for an admin-only global event.
    #[error("Only a DTR admin can subscribe to {0}, a global event of the whole DTR.")]
    AdminOnly(DtrWebhookType),
    /// A namespace name DTR cannot have.
    #[error("\"{name}\" is not a valid namespace: {reason}.")]
    InvalidNamespace {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A repository name DTR cannot have.
    #[error("\"{name}\" is not a valid repository name: {reason}.")]
    InvalidRepository {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// `namespace/repository` longer than DTR allows.
    #[error("namespace/repository is {0} characters long; DTR allows at most 255.")]
    NameTooLong(usize),
    /// No endpoint given.
    #[error("Enter the endpoint URL DTR should send deliveries to.")]
    EmptyEndpoint,
    /// The endpoint is not a usable URL.
    #[error("The endpoint must be a full https:// or http:// URL, such as https://hooks.example.com/dtr: {0}.")]
    InvalidEndpoint(&'static str),
    /// `http://` without `skipTLSVerification`.
    #[error("DTR only delivers to an http:// endpoint when \"Allow http:// or untrusted certificates\" is on. Turn it on, or use an https:// endpoint.")]
    HttpNeedsSkipTls,
    /// `tlsCert` is not PEM.
    #[error("The TLS certificate must be PEM text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----, or empty to use the trusted CAs of the DTR server.")]
    InvalidTlsCert,
    /// A webhook ID that cannot be one.
    #[error("The webhook ID is missing or malformed; reload the webhook list and try again.")]
    InvalidWebhookId,
    /// The DTR address is not a usable base URL.
    #[error("The DTR address must look like https://dtr.example.com: {0}.")]
    InvalidServerUrl(&'static str),
    /// A page size of 0.
    #[error("A page size must be at least 1.")]
    InvalidPageSize,
    /// A repository's short description over 140 characters.
    #[error("The short description takes {0} bytes; DTR allows at most 140 (a letter such as é takes two). Put the rest in the long description.")]
    ShortDescriptionTooLong(usize),
}

impl DtrValidationError {
    /// The draft field this is about, by its name in the draft the UI sends (`type`, `scope`,
    /// `endpoint`, ...); `None` when it is about no single field.
    pub fn field(&self) -> Option<&'static str> {
        use DtrValidationError::*;
        Some(match self {
            EmptyType | MalformedType(_) | RepoSubEvent(_) => "type",
            NeedsRepository(_)
            | NeedsNamespace(_)
            | GlobalOnly(_)
            | NeedsKey(_)
            | AdminOnly(_)
            | InvalidNamespace { .. }
            | InvalidRepository { .. }
            | NameTooLong(_) => "scope",
            EmptyEndpoint | InvalidEndpoint(_) => "endpoint",
            HttpNeedsSkipTls => "skipTLSVerification",
            InvalidTlsCert => "tlsCert",
            InvalidServerUrl(_) => "baseUrl",
            ShortDescriptionTooLong(_) => "shortDescription",
            InvalidWebhookId | InvalidPageSize => return None,
        })
    }
}

/// The body of `POST /api/v0/webhooks`. `key` is left out for global webhooks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreateWebhookRequest {
    #[serde(rename = "type")]
    webhook_type: DtrWebhookType,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    endpoint: String,
    #[serde(rename = "tlsCert")]
    tls_cert: String,
    #[serde(rename = "skipTLSVerification")]
    skip_tls_verification: bool,
}

impl CreateWebhookRequest {
    /// The event type.
    pub fn webhook_type(&self) -> &DtrWebhookType {
        &self.webhook_type
    }
    /// The key; `None` for a global webhook.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }
    /// The endpoint, trimmed.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }
}

/// The body of `POST /api/v0/webhooks/test`. It has no key: DTR sends a fixed sample.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestWebhookRequest {
    #[serde(rename = "type")]
    webhook_type: DtrWebhookType,
    endpoint: String,
    #[serde(rename = "tlsCert")]
    tls_cert: String,
    #[serde(rename = "skipTLSVerification")]
    skip_tls_verification: bool,
}

/// The body of `POST /api/v0/webhooks/update`, with every field DTR's form requires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateWebhookRequest {
    id: String,
    inactive: bool,
    #[serde(rename = "tlsCert")]
    tls_cert: String,
    #[serde(rename = "skipTLSVerification")]
    skip_tls_verification: bool,
}

impl UpdateWebhookRequest {
    /// The webhook's ID.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// Checks a new webhook. `is_admin` is whether the user is a DTR admin: only admins may leave
/// the key out (a repository or namespace type then fires for all of them) or subscribe to
/// global events.
pub fn validate_create(
    draft: &DtrWebhookDraft,
    is_admin: bool,
) -> Result<CreateWebhookRequest, DtrValidationError> {
    let webhook_type = validate_type(&draft.webhook_type)?;
    let key = validate_scope(&webhook_type, &draft.scope, is_admin)?;
    let endpoint = validate_endpoint(&draft.endpoint, draft.skip_tls_verification)?;
    Ok(CreateWebhookRequest {
        webhook_type,
        key,
        endpoint,
        tls_cert: validate_tls_cert(&draft.tls_cert)?,
        skip_tls_verification: draft.skip_tls_verification,
    })
}

/// Checks a test delivery request.
pub fn validate_test(
    draft: &DtrWebhookTestDraft,
) -> Result<TestWebhookRequest, DtrValidationError> {
    let webhook_type = validate_type(&draft.webhook_type)?;
    let endpoint = validate_endpoint(&draft.endpoint, draft.skip_tls_verification)?;
    Ok(TestWebhookRequest {
        webhook_type,
        endpoint,
        tls_cert: validate_tls_cert(&draft.tls_cert)?,
        skip_tls_verification: draft.skip_tls_verification,
    })
}

/// Checks an update of the webhook whose endpoint is `current_endpoint`: turning TLS
/// verification on would stop deliveries to an `http://` endpoint.
pub fn validate_update(
    update: &DtrWebhookUpdate,
    current_endpoint: &str,
) -> Result<UpdateWebhookRequest, DtrValidationError> {
    validate_webhook_id(&update.id)?;
    if is_http(current_endpoint.trim()) && !update.skip_tls_verification {
        return Err(DtrValidationError::HttpNeedsSkipTls);
    }
    Ok(UpdateWebhookRequest {
        id: update.id.clone(),
        inactive: update.inactive,
        tls_cert: validate_tls_cert(&update.tls_cert)?,
        skip_tls_verification: update.skip_tls_verification,
    })
}

/// Normalises a type: known names become their variant; `REPO_CREATED`-style names and
/// malformed names are refused.
pub fn validate_type(webhook_type: &DtrWebhookType) -> Result<DtrWebhookType, DtrValidationError> {
    let DtrWebhookType::Other(name) = webhook_type else {
        return Ok(webhook_type.clone());
    };
    if name.is_empty() {
        return Err(DtrValidationError::EmptyType);
    }
    if matches!(
        name.as_str(),
        "REPO_CREATED" | "REPO_UPDATED" | "REPO_DELETED"
    ) {
        return Err(DtrValidationError::RepoSubEvent(name.clone()));
    }
    let well_formed = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        return Err(DtrValidationError::MalformedType(name.clone()));
    }
    Ok(DtrWebhookType::from_name(name))
}

/// Checks that `scope` suits `webhook_type` and returns the key to send.
pub fn validate_scope(
    webhook_type: &DtrWebhookType,
    scope: &DtrWebhookScope,
    is_admin: bool,
) -> Result<Option<String>, DtrValidationError> {
    let kind = webhook_type.scope_kind();
    match scope {
        DtrWebhookScope::Global if kind == Some(DtrScopeKind::Global) && !is_admin => {
            Err(DtrValidationError::AdminOnly(webhook_type.clone()))
        }
        DtrWebhookScope::Global if !is_admin => {
            Err(DtrValidationError::NeedsKey(webhook_type.clone()))
        }
        DtrWebhookScope::Global => Ok(None),
        _ if kind == Some(DtrScopeKind::Global) => {
            Err(DtrValidationError::GlobalOnly(webhook_type.clone()))
        }
        DtrWebhookScope::Namespace { .. } if kind == Some(DtrScopeKind::Repository) => {
            Err(DtrValidationError::NeedsRepository(webhook_type.clone()))
        }
        DtrWebhookScope::Repository { .. } if kind == Some(DtrScopeKind::Namespace) => {
            Err(DtrValidationError::NeedsNamespace(webhook_type.clone()))
        }
        DtrWebhookScope::Namespace { namespace } => {
            validate_namespace(namespace)?;
            Ok(Some(namespace.clone()))
        }
        DtrWebhookScope::Repository {
            namespace,
            repository,
        } => {
            validate_repository(namespace, repository)?;
            Ok(Some(format!("{namespace}/{repository}")))
        }
    }
}

/// Checks a namespace (user or organization) name. eNZi's exact rules are not published, so
/// only what can never work is refused.
pub fn validate_namespace(name: &str) -> Result<(), DtrValidationError> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.contains('/') {
        "it contains \"/\""
    } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "it contains spaces or control characters"
    } else if name.len() > MAX_FULL_NAME_LEN {
        "it is longer than 255 characters"
    } else {
        return Ok(());
    };
    Err(DtrValidationError::InvalidNamespace {
        name: name.to_owned(),
        reason,
    })
}

/// Checks `namespace/repository`: the repository name must match
/// `^[a-z0-9]+(?:[._-][a-z0-9]+)*$` and the whole at most 255 characters.
pub fn validate_repository(namespace: &str, repository: &str) -> Result<(), DtrValidationError> {
    validate_namespace(namespace)?;
    let reason = if repository.is_empty() {
        Some("it is empty")
    } else if !is_repository_name(repository) {
        Some("use lower-case letters and digits, with single . _ or - between them")
    } else {
        None
    };
    if let Some(reason) = reason {
        return Err(DtrValidationError::InvalidRepository {
            name: repository.to_owned(),
            reason,
        });
    }
    let len = namespace.len() + 1 + repository.len();
    if len > MAX_FULL_NAME_LEN {
        return Err(DtrValidationError::NameTooLong(len));
    }
    Ok(())
}

fn is_repository_name(name: &str) -> bool {
    name.split(['.', '_', '-']).all(|part| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    })
}

/// Checks a webhook ID before it goes into a URL path. IDs are opaque, so only what could
/// change the path is refused.
pub fn validate_webhook_id(id: &str) -> Result<(), DtrValidationError> {
    let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '/' | '?' | '#' | '%');
    if id.is_empty() || id == "." || id == ".." || id.chars().any(bad) {
        return Err(DtrValidationError::InvalidWebhookId);
    }
    Ok(())
}

/// Checks an endpoint and returns it without surrounding whitespace.
pub fn validate_endpoint(
    endpoint: &str,
    skip_tls_verification: bool,
) -> Result<String, DtrValidationError> {
    use DtrValidationError::InvalidEndpoint;
    let endpoint = endpoint.trim();
    if endpoint.is_empty() {
        return Err(DtrValidationError::EmptyEndpoint);
    }
    let rest = if is_http(endpoint) {
        &endpoint[7..]
    } else if endpoint
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
    {
        &endpoint[8..]
    } else {
        return Err(InvalidEndpoint("it must start with https:// or http://"));
    };
    if endpoint
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(InvalidEndpoint("it contains spaces or control characters"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = split_host_port(host_port)?;
    if host.is_empty() {
        return Err(InvalidEndpoint("the server name is missing"));
    }
    if let Some(port) = port {
        if !port.parse::<u16>().is_ok_and(|p| p != 0) {
            return Err(InvalidEndpoint("the port must be a number from 1 to 65535"));
        }
    }
    if is_http(endpoint) && !skip_tls_verification {
        return Err(DtrValidationError::HttpNeedsSkipTls);
    }
    Ok(endpoint.to_owned())
}

fn is_http(endpoint: &str) -> bool {
    endpoint
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

fn split_host_port(host_port: &str) -> Result<(&str, Option<&str>), DtrValidationError> {
    if let Some(bracketed) = host_port.strip_prefix('[') {
        let Some((host, after)) = bracketed.split_once(']') else {
            return Err(DtrValidationError::InvalidEndpoint(
                "an IPv6 address must be closed with ]",
            ));
        };
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(port) => Ok((host, Some(port))),
                None => Err(DtrValidationError::InvalidEndpoint(
                    "unexpected text after the IPv6 address",
                )),
            },
        };
    }
    Ok(match host_port.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    })
}

/// A warning for endpoints on the loopback interface, `None` otherwise.
///
/// DTR itself accepts them (unlike Quay), and a DTR running on this very machine can reach them,
/// so this is advice for the UI rather than a validation error.
pub fn loopback_warning(endpoint: &str) -> Option<&'static str> {
    let rest = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, _) = split_host_port(host_port).ok()?;
    is_loopback(host).then_some(
        "DTR sends webhooks from its own server, so a localhost or 127.x endpoint points at the DTR \
         server itself, not at this computer, unless DTR runs here. Use an address the DTR server \
         can reach, such as this computer's network address or a tunnel.",
    )
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback() || ip.is_unspecified(),
        Err(_) => false,
    }
}

/// Checks a PEM certificate and returns it trimmed; blank means none.
pub fn validate_tls_cert(tls_cert: &str) -> Result<String, DtrValidationError> {
    let pem = tls_cert.trim();
    if pem.is_empty() {
        return Ok(String::new());
    }
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let well_formed =
        pem.starts_with(BEGIN) && pem.ends_with(END) && pem.len() > BEGIN.len() + END.len();
    if !well_formed {
        return Err(DtrValidationError::InvalidTlsCert);
    }
    Ok(pem.to_owned())
}
