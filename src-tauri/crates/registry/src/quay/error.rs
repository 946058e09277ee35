//! One error type for everything that can go wrong talking to Quay, and
//! [`error_from_response`] / [`error_for`], which turn any non-success answer into it without
//! HTTP.
//!
//! Quay answers errors in three JSON shapes: `{detail, error_message, error_type, title, type,
//! status}` from its API handlers, `{"error": …}` from aborts (CSRF, anonymous access), and
//! `{"message": …}` from Flask-RESTful, read-only mode and data-model exceptions; nginx and
//! unhandled exceptions answer HTML. Parsing is lenient and falls back to the status. Messages
//! quote only what Quay said (first line), never the request, so tokens cannot end up in them.

use super::validate::QuayValidationError;
use crate::http::{clean, excerpt, excerpt_note, is_html};
use crate::network::NetworkFailure;
use serde_json::Value;
use std::fmt;

/// An OAuth scope of a Quay token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuayScope {
    /// `repo:read`: view and pull visible repositories.
    RepoRead,
    /// `repo:admin`: administer repositories; every notification call needs it.
    RepoAdmin,
    /// `user:read`: read the caller's account and organizations.
    UserRead,
    /// `repo:create`: create repositories.
    RepoCreate,
}

impl QuayScope {
    /// The scope as Quay writes it, such as `repo:admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RepoRead => "repo:read",
            Self::RepoAdmin => "repo:admin",
            Self::UserRead => "user:read",
            Self::RepoCreate => "repo:create",
        }
    }
}

impl fmt::Display for QuayScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The call an answer belongs to; it decides what a bare 401, 403, 404 or 500 means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuayOperation {
    /// `GET /api/v1/user/` (also the token check).
    GetUser,
    /// `GET /api/v1/repository`.
    ListRepositories,
    /// `GET /api/v1/repository/{repo}`.
    GetRepository,
    /// `GET /api/v1/repository/{repo}/tag/`.
    ListTags,
    /// `GET …/notification/`.
    ListNotifications,
    /// `GET …/notification/{uuid}`.
    GetNotification,
    /// `POST …/notification/`.
    CreateNotification,
    /// `DELETE …/notification/{uuid}`.
    DeleteNotification,
    /// `POST …/notification/{uuid}`.
    ResetNotification,
    /// `POST …/notification/{uuid}/test`.
    TestNotification,
    /// `GET`/`POST …/authorizedemail/{email}`.
    AuthorizeEmail,
    /// `POST /api/v1/repository`.
    CreateRepository,
    /// `POST …/changevisibility`.
    ChangeVisibility,
    /// `PUT /api/v1/repository/{repo}`.
    UpdateDescription,
    /// `DELETE /api/v1/repository/{repo}`.
    DeleteRepository,
    /// `GET /config` (public): the server's feature flags.
    GetConfig,
}

impl QuayOperation {
    /// The scope a token needs for it.
    pub fn required_scope(self) -> QuayScope {
        match self {
            Self::GetUser => QuayScope::UserRead,
            Self::ListRepositories | Self::GetRepository | Self::ListTags | Self::GetConfig => {
                QuayScope::RepoRead
            }
            Self::CreateRepository => QuayScope::RepoCreate,
            _ => QuayScope::RepoAdmin,
        }
    }

    /// What it does, for messages: "list the repository's notifications".
    pub fn describe(self) -> &'static str {
        match self {
            Self::GetUser => "read your account",
            Self::ListRepositories => "list repositories",
            Self::GetRepository => "read the repository",
            Self::ListTags => "list the repository's tags",
            Self::ListNotifications => "list the repository's notifications",
            Self::GetNotification => "read the notification",
            Self::CreateNotification => "create the notification",
            Self::DeleteNotification => "delete the notification",
            Self::ResetNotification => "reset the notification's failures",
            Self::TestNotification => "test the notification",
            Self::AuthorizeEmail => "authorize the e-mail address",
            Self::CreateRepository => "create the repository",
            Self::ChangeVisibility => "change the repository's visibility",
            Self::UpdateDescription => "change the repository's description",
            Self::DeleteRepository => "delete the repository",
            Self::GetConfig => "read the server's features",
        }
    }
}

/// An error body in any of Quay's shapes, read leniently.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QuayErrorBody {
    /// `detail` (or its alias `error_message`), `message`, or `error`: the whole text.
    pub text: Option<String>,
    /// `error_type`, such as `insufficient_scope`.
    pub error_type: Option<String>,
    /// `session_required`: only `GET /user/` adds it to its 401.
    pub session_required: Option<bool>,
    /// `is_readonly`: the registry is in read-only mode.
    pub is_readonly: bool,
}

impl QuayErrorBody {
    /// The first line of the text: jsonschema errors append the whole schema below it.
    pub fn first_line(&self) -> Option<&str> {
        self.text
            .as_deref()
            .and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
    }
}

/// Reads an error body of any Quay shape; `None` for anything else (HTML, text, other JSON).
/// The content type is not trusted: proxies mislabel bodies both ways.
pub fn parse_error_body(body: &[u8]) -> Option<QuayErrorBody> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    let text = ["detail", "error_message", "message", "error"]
        .iter()
        .filter_map(|key| map.get(*key).and_then(value_text))
        .find(|t| !t.trim().is_empty());
    let parsed = QuayErrorBody {
        text,
        error_type: map
            .get("error_type")
            .and_then(Value::as_str)
            .map(str::to_owned),
        session_required: map.get("session_required").and_then(Value::as_bool),
        is_readonly: map
            .get("is_readonly")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    };
    (parsed.text.is_some() || parsed.error_type.is_some()).then_some(parsed)
}

fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        // Flask-RESTful argument errors: {"message": {"limit": "invalid literal…"}}.
        Value::Object(map) => Some(
            map.iter()
                .map(|(k, v)| match v.as_str() {
                    Some(s) => format!("{k}: {s}"),
                    None => format!("{k}: {v}"),
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        _ => None,
    }
}

/// Everything that can go wrong with a Quay request, worded so a person knows what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuayError {
    /// The request was refused before sending it.
    #[error(transparent)]
    Invalid(#[from] QuayValidationError),

    /// Quay treated the request as anonymous. It never refuses a bad bearer token outright: it
    /// drops it, so protected reads answer 401 and writes fail the CSRF check with 403.
    #[error("Quay did not accept the token and treated the request as anonymous: the token is wrong, expired or revoked, or its user is disabled. Generate a new one (Organization, Applications, your application, Generate Token) and enter it again. Robot and app-specific (docker login) tokens do not work on Quay's API.")]
    TokenRejected,

    /// `GET /api/v1/user/` answered 401, which Quay does both for a bad token and for a good
    /// token without `user:read`.
    #[error("Quay did not let the token read your account: either the token is wrong, expired or revoked, or it lacks the user:read scope (Quay answers both the same way). Generate a token with user:read (and repo:admin for notifications), or enter your namespaces by hand.")]
    TokenRejectedOrNoUserRead,

    /// The token works (a write probe got past Quay's CSRF check) but lacks `user:read`.
    #[error("The token is valid but lacks the user:read scope, so Wharf cannot read your account or list your organizations. Generate a token with user:read (and repo:admin for notifications), or enter your namespaces by hand.")]
    NoUserReadScope,

    /// The user belongs to the organization, but the token has neither `org:admin` nor
    /// `repo:create`, and Quay caps a token's organization role by those two scopes: it shows
    /// the organization to such a token as to an outsider, even when the user owns it.
    #[error("You belong to {org}, but this token was generated without the org:admin scope (\"Administer organization\"), so Quay shows {org} to it as to an outsider and hides its teams, even from an owner. Generate a token with org:admin to pick a team here, or type the team name.")]
    OrgScopeMissing {
        /// The organization.
        org: String,
    },

    /// 403 `insufficient_scope`: missing role or scope, or no such repository.
    #[error("{}", forbidden_message(*.operation))]
    Forbidden {
        /// The call, when known; it names the scope needed.
        operation: Option<QuayOperation>,
    },

    /// 404 on `GET …/notification/{uuid}`, or the 400 "No repository notification found" that
    /// delete, reset and test answer for an unknown UUID.
    #[error("This notification no longer exists in this repository; someone may have deleted it. Reload the notification list.")]
    NotificationNotFound,

    /// 400 "not authorized to receive notifications": the address is not confirmed yet.
    #[error("Quay only e-mails addresses confirmed for this repository. Send the confirmation e-mail, have the recipient click its link, then create the notification again.")]
    EmailNotAuthorized,

    /// A notification create failed (HTTP 500) and the repository turned out not to exist.
    #[error("There is no repository {repository} (or you cannot see it), so Quay could not add the notification and failed with HTTP 500. Check the repository's name, or create it first; the event, method and target are not the problem.")]
    NoSuchRepository {
        /// `namespace/name`.
        repository: String,
    },

    /// 400 "Repository already exists".
    #[error("A repository with this name already exists in this namespace. Choose another name, or open the existing repository.")]
    RepositoryExists,

    /// 400 "Invalid repository name" (Wharf checks the rule first; a Quay may be stricter, for
    /// example without nested names).
    #[error("Quay refused the repository name. Use lower-case letters, digits, \".\", \"-\" and \"_\", starting with a letter or digit; this Quay may not allow \"/\" (nested names).")]
    InvalidRepositoryName,

    /// 400 from a method's settings check, such as an unknown user or a refused URL.
    #[error("Quay rejected the notification's {field}: {message}.{}", config_hint(.message))]
    ConfigRejected {
        /// The draft field, such as `method.url`.
        field: &'static str,
        /// What Quay said (first line).
        message: String,
    },

    /// 400 from Quay's JSON-schema check: the body Wharf built does not fit Quay's schema.
    #[error("Quay rejected the request body{}: {message}. This is a Wharf bug; please report it.", field_note(.field))]
    SchemaRejected {
        /// The property at fault, when Quay names it (`title`, `eventConfig`…).
        field: Option<String>,
        /// Quay's complaint (first line, without the schema).
        message: String,
    },

    /// Another 4xx with a Quay message.
    #[error("Quay rejected the request (HTTP {status}): {message}.")]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// What Quay said (first line).
        message: String,
    },

    /// 404 from Quay's API: no such repository, user or organization (or hidden from you).
    #[error("Quay has no such {what}, or you cannot see it. Check the name.")]
    NotFound {
        /// `repository`, `user`…
        what: &'static str,
    },

    /// 404 that is not Quay's: the address does not lead to Quay API v1.
    #[error("This server has no such API route (HTTP 404). Check that the address points to Quay (for example https://quay.io), without a path.")]
    NoSuchRoute,

    /// A 3xx: Wharf does not follow redirects, so the token is never sent elsewhere.
    #[error("Quay answered with a redirect (HTTP {status}) instead of data. If the address starts with http://, use https://; otherwise check the address.")]
    Redirected {
        /// The 3xx status.
        status: u16,
    },

    /// 429 from Quay's or quay.io's rate limiter.
    #[error("Quay is limiting how fast this computer may call it (HTTP 429). Wait a few seconds and try again.")]
    RateLimited,

    /// 503 with `is_readonly`: the registry is in maintenance.
    #[error("This Quay is in read-only mode, so changes are refused until its administrator ends it; viewing still works.")]
    ReadOnly,

    /// 5xx.
    #[error("Quay failed (HTTP {status}){}.{}", said(.detail), server_hint(*.operation))]
    Server {
        /// The HTTP status.
        status: u16,
        /// Quay's message or the page title, if any.
        detail: Option<String>,
        /// The call, when known.
        operation: Option<QuayOperation>,
    },

    /// Any other answer Wharf did not expect.
    #[error("Quay answered HTTP {status}, which Wharf did not expect{}", excerpt_note(.excerpt))]
    Unexpected {
        /// The HTTP status.
        status: u16,
        /// The start of the body, control characters and markup removed.
        excerpt: String,
    },

    /// A success answer whose body Wharf cannot read.
    #[error("Wharf could not read Quay's answer to {what}: {reason}. The server may not be Quay, or run a version Wharf does not support.")]
    Decode {
        /// The request, such as "the notification list".
        what: &'static str,
        /// The parser's complaint.
        reason: String,
    },

    /// Quay handed back a page cursor Wharf had already followed (it restarts at page 1 for a
    /// cursor it no longer accepts).
    #[error("Quay repeated a page while listing {what}; Wharf stopped to avoid an endless loop. Try again.")]
    PagingLoop {
        /// The list being read.
        what: &'static str,
    },

    /// A listing went on past [`crate::http::MAX_PAGES`] pages.
    #[error(
        "Quay kept sending more pages while listing {what} (over 5,000); Wharf stopped there."
    )]
    TooManyPages {
        /// The list being read.
        what: &'static str,
    },

    /// The request never got an answer.
    #[error("{}", .0.sentence("Quay"))]
    Network(NetworkFailure),
}

fn forbidden_message(operation: Option<QuayOperation>) -> String {
    let Some(op) = operation else {
        return "Quay refused: the token's scopes or your role do not allow this, or the repository does not exist (Quay answers both the same way). Notifications need admin rights on the repository and a token with the repo:admin scope.".to_owned();
    };
    let scope = op.required_scope();
    let role = match scope {
        QuayScope::RepoAdmin => "admin rights on the repository",
        QuayScope::RepoRead => "read access to the repository",
        QuayScope::UserRead => "access to your account",
        QuayScope::RepoCreate => {
            return "Quay refused to create the repository: it needs the right to create repositories in this namespace (your own, or an organization where you are an admin or in a team with the creator role) and a token with the repo:create scope. A token's scopes limit even an organization owner; generate a new token with repo:create if it lacks it. Quay answers the same way when the namespace does not exist.".to_owned()
        }
    };
    format!(
        "Quay refused to {}: it needs {role} and a token with the {scope} scope. A token's scopes limit even an organization owner; generate a new token with {scope} if it lacks it. Quay answers the same way when the repository does not exist, so check its name too.",
        op.describe()
    )
}

fn said(detail: &Option<String>) -> String {
    detail
        .as_ref()
        .map(|d| format!(": {d}"))
        .unwrap_or_default()
}

fn server_hint(operation: Option<QuayOperation>) -> &'static str {
    match operation {
        Some(QuayOperation::CreateNotification) => " Quay fails this way instead of refusing some notifications it cannot handle: an event or method this Quay version does not know (repo_image_expiry needs Quay 3.12), or a Quay-notification target it cannot resolve. Check those; otherwise try again later.",
        _ => " Try again later; if it keeps failing, tell the Quay administrator the time it happened.",
    }
}

fn field_note(field: &Option<String>) -> String {
    field
        .as_ref()
        .map(|f| format!(" (field {f})"))
        .unwrap_or_default()
}

fn config_hint(message: &str) -> &'static str {
    if message.starts_with("Invalid webhook URL") {
        " Quay accepts only http:// and https:// URLs, and refuses localhost, 127.0.0.1 and any host its administrator blocked (WEBHOOK_HOSTNAME_BLACKLIST)."
    } else if message.starts_with("Unknown user") {
        " Check the spelling; robot accounts cannot be notified."
    } else if message.starts_with("Unknown team") {
        " Teams are looked up in the organization that owns the repository."
    } else {
        ""
    }
}

/// Turns a non-success answer into a [`QuayError`] without knowing the call; prefer
/// [`error_for`], which can name the missing scope. `content_type` only decides whether an
/// unrecognised body is quoted.
pub fn error_from_response(status: u16, content_type: Option<&str>, body: &[u8]) -> QuayError {
    map_error(None, status, content_type, body)
}

/// Turns the non-success answer to `operation` into a [`QuayError`].
pub fn error_for(
    operation: QuayOperation,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> QuayError {
    map_error(Some(operation), status, content_type, body)
}

fn map_error(
    operation: Option<QuayOperation>,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) -> QuayError {
    let parsed = parse_error_body(body);
    let error_type = parsed.as_ref().and_then(|p| p.error_type.as_deref());
    let line = parsed
        .as_ref()
        .and_then(QuayErrorBody::first_line)
        .map(str::to_owned);

    if line
        .as_deref()
        .is_some_and(|l| l.starts_with("No repository notification found"))
    {
        return QuayError::NotificationNotFound;
    }
    match status {
        300..=399 => QuayError::Redirected { status },
        401 if operation == Some(QuayOperation::GetUser)
            || parsed
                .as_ref()
                .is_some_and(|p| p.session_required.is_some()) =>
        {
            QuayError::TokenRejectedOrNoUserRead
        }
        401 => QuayError::TokenRejected,
        // The CSRF layer is the only 403 without an error_type, and a validated bearer token
        // always skips it: this 403 means the token was dropped.
        403 if line.as_deref().is_some_and(|l| l.contains("CSRF")) => QuayError::TokenRejected,
        403 => QuayError::Forbidden { operation },
        404 if operation == Some(QuayOperation::GetNotification) => QuayError::NotificationNotFound,
        404 if error_type == Some("not_found") => QuayError::NotFound {
            what: match operation {
                Some(QuayOperation::GetUser) => "user",
                Some(QuayOperation::ListRepositories) => "namespace",
                _ => "repository",
            },
        },
        404 => QuayError::NoSuchRoute,
        429 => QuayError::RateLimited,
        503 if parsed.as_ref().is_some_and(|p| p.is_readonly) => QuayError::ReadOnly,
        500..=599 => QuayError::Server {
            status,
            detail: line.or_else(|| html_title(content_type, body)),
            operation,
        },
        400..=499 => {
            let full = parsed.as_ref().and_then(|p| p.text.as_deref());
            match (line, full) {
                (Some(message), Some(full)) if status == 400 => {
                    rejected_400(error_type, message, full)
                }
                (Some(message), _) => QuayError::Rejected { status, message },
                (None, _) => unexpected(status, content_type, body),
            }
        }
        _ => unexpected(status, content_type, body),
    }
}

/// `message` is the first line of Quay's text, `full` all of it (jsonschema puts the property
/// at fault on a later line).
fn rejected_400(error_type: Option<&str>, message: String, full: &str) -> QuayError {
    if message.contains("is not authorized to receive notifications") {
        return QuayError::EmailNotAuthorized;
    }
    if message.starts_with("Repository already exists") {
        return QuayError::RepositoryExists;
    }
    if message.starts_with("Invalid repository name") {
        return QuayError::InvalidRepositoryName;
    }
    if let Some(field) = config_field(&message) {
        return QuayError::ConfigRejected { field, message };
    }
    if error_type == Some("invalid_request") {
        if let Some(field) = schema_field(full) {
            return QuayError::SchemaRejected {
                field: field.map(str::to_owned),
                message,
            };
        }
    }
    QuayError::Rejected {
        status: 400,
        message,
    }
}

/// The draft field a method validator's message is about (Quay's own wording).
fn config_field(message: &str) -> Option<&'static str> {
    const BY_PREFIX: [(&str, &str); 12] = [
        ("Missing webhook URL", "method.url"),
        ("Invalid webhook URL", "method.url"),
        ("Could not parse template", "method.template"),
        ("For expression", "method.template"),
        ("Missing Slack Callback URL", "method.url"),
        ("Missing e-mail address", "method.email"),
        ("Missing target", "method.target"),
        ("Unknown user", "method.target"),
        ("Unknown organization", "method.target"),
        ("Unknown team", "method.target"),
        (
            "Missing Hipchat Room Notification Token",
            "method.notification_token",
        ),
        ("Missing Hipchat Room ID", "method.room_id"),
    ];
    if message.starts_with("Missing Flowdock API Token") {
        return Some("method.flow_api_token");
    }
    BY_PREFIX
        .iter()
        .find(|(prefix, _)| message.starts_with(prefix))
        .map(|(_, field)| *field)
}

/// For a jsonschema error (`'eventConfig' is a required property\n\nFailed validating…`),
/// `Some(property)`, with `None` inside when it names none; `None` if it is not one.
fn schema_field(message: &str) -> Option<Option<&str>> {
    let first = message.lines().next().unwrap_or_default().trim();
    if let Some(rest) = first.strip_suffix("' is a required property") {
        return Some(rest.strip_prefix('\'').or(Some(rest)));
    }
    if !message.contains("Failed validating") {
        return None;
    }
    // "On instance['title']:" names the property; nested ones ("['config']['url']") keep the
    // outermost.
    Some(
        message
            .split("On instance['")
            .nth(1)
            .and_then(|rest| rest.split('\'').next()),
    )
}

fn unexpected(status: u16, content_type: Option<&str>, body: &[u8]) -> QuayError {
    QuayError::Unexpected {
        status,
        excerpt: html_title(content_type, body).unwrap_or_else(|| excerpt(content_type, body)),
    }
}

/// The `<title>` of an HTML page (nginx and Flask error pages have one); `None` otherwise.
fn html_title(content_type: Option<&str>, body: &[u8]) -> Option<String> {
    if !is_html(content_type, body) {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let title = clean(&text[start..end]);
    (!title.is_empty()).then_some(title)
}
