//! The one error shape every command returns: a closed `kind` the UI may act on, a sentence to
//! show, and the input it is about.

use inbox::settings::{InvalidSetting, SaveError};
use inbox::store::StoreError;
use inbox::InboxError;
use registry::connection::ConnectionError;
use registry::dtr::{DtrError, DtrValidationError};
use registry::quay::{QuayError, QuayValidationError};
use registry::secrets::SecretError;
use registry::RegistryError;
use serde::Serialize;
use ts_rs::TS;

/// What went wrong, in the few categories the UI treats differently. The message says the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// An input is wrong; `field` names it when the form has it.
    Invalid,
    /// The registry did not accept the token (wrong, expired, revoked, or a missing scope).
    Unauthorized,
    /// The token is accepted but may not do this.
    Forbidden,
    /// What was asked for does not exist (any more).
    NotFound,
    /// The registry (or a replay target) could not be reached or is not what the address says.
    Unreachable,
    /// The registry asks to slow down.
    RateLimited,
    /// The registry's state refuses the change (read-only mode, an unconfirmed e-mail, ...).
    Conflict,
    /// The registry failed or answered something Wharf does not understand.
    Registry,
    /// The inbox is not running (its database could not be opened, or nothing listens).
    Unavailable,
    /// A newer search replaced this one; there is nothing to show.
    Superseded,
    /// The OS keyring failed.
    Keyring,
    /// A local file could not be read or written (database, settings, connections, export).
    Storage,
    /// Anything else: a bug in Wharf or in the IPC.
    Internal,
}

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[ts(export_to = "shell.ts")]
#[error("{message}")]
pub struct CommandError {
    /// What kind of failure, for the UI to decide what to do.
    pub kind: ErrorKind,
    /// A sentence a person can act on. Never contains a secret.
    pub message: String,
    /// The input the error is about, by its name in the command's arguments (e.g.
    /// `receiverBind`), so a form can show the message next to that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    /// The transport's own words behind a network failure, for a "details" disclosure under
    /// the message. Never contains a secret either.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub detail: Option<String>,
}

impl CommandError {
    /// An error of `kind` saying `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            field: None,
            detail: None,
        }
    }

    /// An `invalid` error about one input field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::new(ErrorKind::Invalid, message)
        }
    }

    /// A local file could not be read or written.
    pub fn storage(message: impl Into<String>) -> Self {
        Self::from_display(ErrorKind::Storage, message.into())
    }

    fn from_display(kind: ErrorKind, e: impl std::fmt::Display) -> Self {
        Self::new(kind, e.to_string())
    }

    /// The same error, about `field` when there is one.
    pub fn about(self, field: Option<&str>) -> Self {
        Self {
            field: field.map(str::to_owned),
            ..self
        }
    }
}

/// What commands return.
pub type CommandResult<T> = Result<T, CommandError>;

impl From<tauri::Error> for CommandError {
    fn from(e: tauri::Error) -> Self {
        Self::from_display(ErrorKind::Internal, e)
    }
}

impl From<QuayError> for CommandError {
    fn from(e: QuayError) -> Self {
        use QuayError::*;
        let kind = match &e {
            Invalid(_)
            | ConfigRejected { .. }
            | Rejected { .. }
            | RepositoryExists
            | InvalidRepositoryName => ErrorKind::Invalid,
            TokenRejected | TokenRejectedOrNoUserRead | NoUserReadScope => ErrorKind::Unauthorized,
            Forbidden { .. } | OrgScopeMissing { .. } => ErrorKind::Forbidden,
            NotificationNotFound | NotFound { .. } | NoSuchRepository { .. } => ErrorKind::NotFound,
            NoSuchRoute | Redirected { .. } | Network(_) => ErrorKind::Unreachable,
            RateLimited => ErrorKind::RateLimited,
            EmailNotAuthorized | ReadOnly => ErrorKind::Conflict,
            SchemaRejected { .. } => ErrorKind::Internal,
            Server { .. }
            | Unexpected { .. }
            | Decode { .. }
            | PagingLoop { .. }
            | TooManyPages { .. } => ErrorKind::Registry,
        };
        let field = match &e {
            Invalid(invalid) => Some(invalid.field()),
            RepositoryExists | InvalidRepositoryName => Some("repository"),
            _ => None,
        };
        let detail = match &e {
            Network(n) => Some(n.detail.clone()),
            _ => None,
        };
        Self {
            detail,
            ..Self::from_display(kind, e).about(field)
        }
    }
}

impl From<QuayValidationError> for CommandError {
    fn from(e: QuayValidationError) -> Self {
        let field = e.field();
        Self::from_display(ErrorKind::Invalid, e).about(Some(field))
    }
}

impl From<DtrError> for CommandError {
    fn from(e: DtrError) -> Self {
        use DtrError::*;
        let kind = match &e {
            Invalid(_) | Rejected { .. } => ErrorKind::Invalid,
            Unauthenticated { .. } => ErrorKind::Unauthorized,
            Forbidden { .. } => ErrorKind::Forbidden,
            NotFound { .. } => ErrorKind::NotFound,
            NoSuchRoute | Redirected { .. } | Network(_) => ErrorKind::Unreachable,
            SignedInNotary { .. } | ScanningNotEnabled | NotSupported { .. } => ErrorKind::Conflict,
            Server { .. }
            | Unexpected { .. }
            | Decode { .. }
            | PagingLoop { .. }
            | TooManyPages { .. } => ErrorKind::Registry,
        };
        let field = match &e {
            Invalid(invalid) => invalid.field(),
            Rejected { server, .. } => match server.code.as_str() {
                "REPOSITORY_EXISTS" | "INVALID_REPOSITORY_NAME" => Some("repository"),
                "INVALID_REPOSITORY_SHORT_DESCRIPTION" => Some("shortDescription"),
                _ => None,
            },
            _ => None,
        };
        let detail = match &e {
            Network(n) => Some(n.detail.clone()),
            _ => None,
        };
        Self {
            detail,
            ..Self::from_display(kind, e).about(field)
        }
    }
}

impl From<DtrValidationError> for CommandError {
    fn from(e: DtrValidationError) -> Self {
        let field = e.field();
        Self::from_display(ErrorKind::Invalid, e).about(field)
    }
}

impl From<ConnectionError> for CommandError {
    fn from(e: ConnectionError) -> Self {
        use ConnectionError::*;
        let kind = match &e {
            EmptyName | InvalidBaseUrl(_) | MissingUsername | InvalidCa(_) => ErrorKind::Invalid,
            DuplicateId(_) => ErrorKind::Internal,
            Io { .. } | Parse { .. } | UnsupportedVersion(_) => ErrorKind::Storage,
        };
        let field = e.field();
        Self::from_display(kind, e).about(field)
    }
}

impl From<SecretError> for CommandError {
    fn from(e: SecretError) -> Self {
        Self::from_display(ErrorKind::Keyring, e)
    }
}

impl From<RegistryError> for CommandError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::Quay(e) => e.into(),
            RegistryError::Dtr(e) => e.into(),
            RegistryError::Connection(e) => e.into(),
            RegistryError::Secret(e) => e.into(),
            RegistryError::NoSuchConnection => Self::from_display(ErrorKind::NotFound, e),
            RegistryError::MissingToken | RegistryError::TokenForNewServer => {
                Self::invalid_field("token", e.to_string())
            }
            RegistryError::KindLocked => Self::invalid_field("kind", e.to_string()),
            RegistryError::NoToken(_) => Self::from_display(ErrorKind::Unauthorized, e),
            RegistryError::WrongKind { .. } => Self::from_display(ErrorKind::Invalid, e),
            RegistryError::FileUnreadable => Self::from_display(ErrorKind::Storage, e),
            RegistryError::Unconfirmed(_) => Self::from_display(ErrorKind::Registry, e),
            RegistryError::Unsupported(_) => Self::from_display(ErrorKind::Invalid, e),
            RegistryError::Gone => Self::from_display(ErrorKind::NotFound, e),
        }
    }
}

impl From<registry::fleet::set::SetError> for CommandError {
    fn from(e: registry::fleet::set::SetError) -> Self {
        Self::from_display(ErrorKind::Invalid, e)
    }
}

impl From<InboxError> for CommandError {
    fn from(e: InboxError) -> Self {
        let kind = match &e {
            InboxError::Unavailable(_) => ErrorKind::Unavailable,
            InboxError::NotFound | InboxError::NoSuchRoute => ErrorKind::NotFound,
            InboxError::Invalid(_) => ErrorKind::Invalid,
            InboxError::InvalidField { field, message } => {
                return Self::invalid_field(field, message.clone());
            }
            InboxError::Store(StoreError::Superseded) => ErrorKind::Superseded,
            InboxError::Store(StoreError::NulInSearch) => ErrorKind::Invalid,
            InboxError::Store(_) | InboxError::Io { .. } => ErrorKind::Storage,
            InboxError::Replay(inbox::replay::ReplayError::InvalidUrl) => ErrorKind::Invalid,
            InboxError::Replay(_) => ErrorKind::Unreachable,
        };
        Self::from_display(kind, e)
    }
}

impl From<InvalidSetting> for CommandError {
    fn from(e: InvalidSetting) -> Self {
        Self::invalid_field(&e.field.name(), e.message)
    }
}

impl From<SaveError> for CommandError {
    fn from(e: SaveError) -> Self {
        match e {
            SaveError::Invalid(invalid) => invalid.into(),
            io @ SaveError::Io { .. } => Self::from_display(ErrorKind::Storage, io),
        }
    }
}
