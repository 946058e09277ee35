//! One error type for everything that can go wrong talking to DTR, and
//! [`error_from_response`], which turns any non-success answer into it without needing HTTP.
//!
//! DTR answers errors as `{"errors":[{code,message,detail}]}`, where `detail` is any JSON value
//! (a string, `{"requestID":…}` for `INTERNAL_ERROR`, a list of tags…). Some older 401s are a
//! bare `{code,message}`, and proxies or non-API routes answer with plain text or HTML, so the
//! parsing is lenient and falls back to the HTTP status. Messages quote only what the server
//! said, never the request, so credentials cannot end up in them.

use super::validate::DtrValidationError;
use crate::http::{excerpt, excerpt_note};
use crate::network::{NetworkCause, NetworkFailure};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One entry of DTR's `errors` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DtrApiError {
    /// Machine-readable code, such as `NO_SUCH_REPOSITORY`.
    pub code: String,
    /// DTR's sentence for people.
    #[serde(default)]
    pub message: String,
    /// Extra context of any JSON type; `Null` when absent.
    #[serde(default)]
    pub detail: serde_json::Value,
}

impl DtrApiError {
    /// The detail as text: strings as they are, lists joined, objects as compact JSON.
    pub fn detail_text(&self) -> Option<String> {
        match &self.detail {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) if s.trim().is_empty() => None,
            serde_json::Value::String(s) => Some(s.trim().to_owned()),
            serde_json::Value::Array(items) if items.is_empty() => None,
            serde_json::Value::Array(items) => Some(
                items
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            serde_json::Value::Object(map) if map.is_empty() => None,
            other => Some(other.to_string()),
        }
    }

    /// `detail.requestID`, which DTR attaches to `INTERNAL_ERROR` for its logs.
    pub fn request_id(&self) -> Option<&str> {
        self.detail.get("requestID").and_then(|v| v.as_str())
    }
}

impl fmt::Display for DtrApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = self.message.trim().trim_end_matches('.');
        if message.is_empty() {
            write!(f, "{}", self.code)?;
        } else {
            write!(f, "{message} ({})", self.code)?;
        }
        if let Some(detail) = self.detail_text() {
            write!(f, ": {}", detail.trim_end_matches('.'))?;
        }
        Ok(())
    }
}

/// What a `NO_SUCH_*` error says is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtrMissing {
    /// `NO_SUCH_ACCOUNT`: a user or organization.
    Namespace,
    /// `NO_SUCH_REPOSITORY`.
    Repository,
    /// `NO_SUCH_TAG`.
    Tag,
    /// `NO_SUCH_REF`: a tag or digest.
    Reference,
    /// `NO_SUCH_WEBHOOK`.
    Webhook,
}

impl fmt::Display for DtrMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Namespace => "user or organization",
            Self::Repository => "repository",
            Self::Tag => "tag",
            Self::Reference => "tag or digest",
            Self::Webhook => "webhook",
        })
    }
}

/// Everything that can go wrong with a DTR request, worded so a person knows what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DtrError {
    /// The request was refused before sending it.
    #[error(transparent)]
    Invalid(#[from] DtrValidationError),

    /// 401, or `NOT_AUTHENTICATED`.
    #[error("DTR did not accept the username and access token. Check both; if the token was revoked, create a new one in DTR under your profile, Access tokens.{}", said(.server))]
    Unauthenticated {
        /// What DTR said, if it said anything.
        server: Option<DtrApiError>,
    },

    /// A 3xx answer. DTR treats failed basic auth as anonymous and sends anonymous callers of
    /// `/enzi/…` to its sign-in page, so with redirects off this is how bad credentials show.
    #[error("DTR answered with a redirect (HTTP {status}) instead of data, which it does when it treats the request as anonymous: the username or access token is probably wrong. If the server address starts with http://, try https://.")]
    Redirected {
        /// The 3xx status.
        status: u16,
    },

    /// 403, or `NOT_AUTHORIZED`.
    #[error("Your DTR account is not allowed to do this. Creating repositories needs admin rights on the namespace; changing or deleting a repository and its webhooks needs admin rights on it; global webhooks need a DTR admin.{}", said(.server))]
    Forbidden {
        /// What DTR said, if it said anything.
        server: Option<DtrApiError>,
    },

    /// A `NO_SUCH_*` error.
    #[error("DTR has no such {missing}, or you cannot see it.{}", said(.server))]
    NotFound {
        /// What is missing.
        missing: DtrMissing,
        /// What DTR said.
        server: Option<DtrApiError>,
    },

    /// 404 without a DTR error code: the route does not exist on this server.
    #[error("This server has no such API route (HTTP 404). Check that the address points to DTR or MSR 2.x/3.x: MSR 4 is based on Harbor and has no /api/v0 API.")]
    NoSuchRoute,

    /// `TAG_IN_NOTARY` (409) or `REPOSITORY_CONTAINS_TAGS_IN_NOTARY` (405).
    #[error("DTR refuses to delete content that is signed in Notary (Docker Content Trust). Remove the signature first, for example with `docker trust revoke`.{}", said(.server))]
    SignedInNotary {
        /// What DTR said.
        server: Option<DtrApiError>,
    },

    /// `SCANNING_NOT_ENABLED`.
    #[error("Image scanning is not enabled on this DTR. A DTR admin can turn it on in System, Security.")]
    ScanningNotEnabled,

    /// 405 (other than the Notary case): this DTR version lacks the operation.
    #[error("This DTR does not support this operation (HTTP 405); it may be older than the feature.{}", said(.server))]
    NotSupported {
        /// What DTR said, if it said anything.
        server: Option<DtrApiError>,
    },

    /// Another 4xx with a DTR error code, such as `INVALID_JSON`.
    #[error("DTR rejected the request: {server}.{}", hint(.server))]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// What DTR said.
        server: DtrApiError,
    },

    /// 5xx.
    #[error("DTR failed to answer (HTTP {status}).{} Try again; if it keeps failing, give the time{} to your DTR administrator.", said(.server), request_id_note(.server))]
    Server {
        /// The HTTP status.
        status: u16,
        /// What DTR said, if it said anything (a proxy may answer instead).
        server: Option<DtrApiError>,
    },

    /// Any other status with a body that is not a DTR error.
    #[error("DTR answered HTTP {status}, which Wharf did not expect{}", excerpt_note(.excerpt))]
    Unexpected {
        /// The HTTP status.
        status: u16,
        /// The start of the body, control characters removed.
        excerpt: String,
    },

    /// A success answer whose body Wharf cannot read.
    #[error("Wharf could not read DTR's answer to {what}: {reason}. The server may run a DTR version Wharf does not support.")]
    Decode {
        /// The request, such as "the webhook list".
        what: &'static str,
        /// The parser's complaint.
        reason: String,
    },

    /// A listing went on past [`crate::http::MAX_PAGES`] pages.
    #[error("DTR kept sending more pages while listing {what} (over 5,000); Wharf stopped there.")]
    TooManyPages {
        /// The list being read.
        what: &'static str,
    },

    /// The server kept handing back a page cursor Wharf had already followed.
    #[error("DTR repeated the page cursor while listing {what}; Wharf stopped to avoid an endless loop.")]
    PagingLoop {
        /// The list being read.
        what: &'static str,
    },

    /// The request never got an answer.
    #[error("{}{}", .0.sentence("DTR"), ca_note(.0))]
    Network(NetworkFailure),
}

/// DTR hands out its own CA, which is what an untrusted certificate usually needs.
fn ca_note(failure: &NetworkFailure) -> &'static str {
    if failure.cause == NetworkCause::UntrustedCertificate {
        " DTR serves its CA at /ca."
    } else {
        ""
    }
}

fn said(server: &Option<DtrApiError>) -> String {
    server
        .as_ref()
        .map(|e| format!(" DTR said: {e}."))
        .unwrap_or_default()
}

fn hint(server: &DtrApiError) -> &'static str {
    match server.code.as_str() {
        "INVALID_JSON" => " Older DTR versions reject webhook types and fields they do not know: TAG_PULL and MANIFEST_PULL need DTR 2.6, chart events MSR 3.0.",
        "NOT_ACCEPTABLE" | "UNSUPPORTED_MEDIA_TYPE" => " This is a Wharf bug; please report it.",
        "REPOSITORY_EXISTS" => " Choose another name, or open the existing repository.",
        "INVALID_REPOSITORY_NAME" => " Use lower-case letters and digits, with single \".\", \"_\" or \"-\" between them; DTR names have no \"/\".",
        "INVALID_REPOSITORY_SHORT_DESCRIPTION" => " Keep the short description within 140 characters and put the rest in the long description.",
        _ => "",
    }
}

fn request_id_note(server: &Option<DtrApiError>) -> String {
    server
        .as_ref()
        .and_then(DtrApiError::request_id)
        .map(|id| format!(" and request ID {id}"))
        .unwrap_or_default()
}

/// The first DTR error in a body: the `{"errors":[…]}` envelope or a bare `{code,message}`.
/// `None` for anything else (plain text, HTML, other JSON). The content type is not trusted:
/// some DTR routes label JSON errors `text/plain`.
pub fn parse_api_error(body: &[u8]) -> Option<DtrApiError> {
    #[derive(Deserialize)]
    struct Envelope {
        errors: Vec<DtrApiError>,
    }
    if let Ok(envelope) = serde_json::from_slice::<Envelope>(body) {
        return envelope.errors.into_iter().next();
    }
    serde_json::from_slice::<DtrApiError>(body)
        .ok()
        .filter(|e| !e.code.is_empty())
}

/// Turns a non-success answer into a [`DtrError`]: by DTR's error code when there is one, else
/// by the HTTP status. `content_type` only decides whether the body is quoted as text.
pub fn error_from_response(status: u16, content_type: Option<&str>, body: &[u8]) -> DtrError {
    let api = parse_api_error(body);
    if let Some(err) = api.as_ref() {
        let server = Some(err.clone());
        match err.code.as_str() {
            "NOT_AUTHENTICATED" => return DtrError::Unauthenticated { server },
            "NOT_AUTHORIZED" => return DtrError::Forbidden { server },
            "TAG_IN_NOTARY" | "REPOSITORY_CONTAINS_TAGS_IN_NOTARY" => {
                return DtrError::SignedInNotary { server }
            }
            "SCANNING_NOT_ENABLED" => return DtrError::ScanningNotEnabled,
            "INTERNAL_ERROR" => return DtrError::Server { status, server },
            code => {
                if let Some(missing) = missing_from_code(code) {
                    return DtrError::NotFound { missing, server };
                }
            }
        }
    }
    match (status, api) {
        (300..=399, _) => DtrError::Redirected { status },
        (401, server) => DtrError::Unauthenticated { server },
        (403, server) => DtrError::Forbidden { server },
        (404, Some(server)) if server.code.starts_with("NO_SUCH_") => {
            DtrError::Rejected { status, server }
        }
        // Any other 404 comes from a router that does not know the path (or from Harbor).
        (404, _) => DtrError::NoSuchRoute,
        (405, server) => DtrError::NotSupported { server },
        (500..=599, server) => DtrError::Server { status, server },
        (400..=499, Some(server)) => DtrError::Rejected { status, server },
        (_, _) => DtrError::Unexpected {
            status,
            excerpt: excerpt(content_type, body),
        },
    }
}

fn missing_from_code(code: &str) -> Option<DtrMissing> {
    Some(match code {
        "NO_SUCH_ACCOUNT" => DtrMissing::Namespace,
        "NO_SUCH_REPOSITORY" => DtrMissing::Repository,
        "NO_SUCH_TAG" => DtrMissing::Tag,
        "NO_SUCH_REF" => DtrMissing::Reference,
        "NO_SUCH_WEBHOOK" => DtrMissing::Webhook,
        _ => return None,
    })
}
