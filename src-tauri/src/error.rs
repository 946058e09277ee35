//! The one error shape every command returns, so the UI can switch on `kind` and show `message`.

use serde::Serialize;
use ts_rs::TS;

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[ts(export)]
#[error("{message}")]
pub struct CommandError {
    /// A stable machine-readable category, e.g. `io` or `not_found`.
    pub kind: String,
    /// A sentence a person can act on. Never contains a secret.
    pub message: String,
    /// The input the error is about, by its name in the command's arguments (e.g.
    /// `receiverBind`), so a form can show the message next to that field.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
}

impl CommandError {
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            message: message.into(),
            field: None,
        }
    }

    /// An `invalid` error about one input field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::new("invalid", message)
        }
    }
}

impl From<tauri::Error> for CommandError {
    fn from(e: tauri::Error) -> Self {
        Self::new("internal", e.to_string())
    }
}

/// What commands return.
pub type CommandResult<T> = Result<T, CommandError>;

impl From<registry::quay::QuayError> for CommandError {
    fn from(e: registry::quay::QuayError) -> Self {
        Self::new("quay", e.to_string())
    }
}

impl From<registry::quay::QuayValidationError> for CommandError {
    fn from(e: registry::quay::QuayValidationError) -> Self {
        Self::new("invalid", e.to_string())
    }
}

impl From<registry::dtr::DtrError> for CommandError {
    fn from(e: registry::dtr::DtrError) -> Self {
        Self::new("dtr", e.to_string())
    }
}

impl From<registry::dtr::DtrValidationError> for CommandError {
    fn from(e: registry::dtr::DtrValidationError) -> Self {
        Self::new("invalid", e.to_string())
    }
}

impl From<registry::connection::ConnectionError> for CommandError {
    fn from(e: registry::connection::ConnectionError) -> Self {
        Self::new("connection", e.to_string())
    }
}

impl From<registry::secrets::SecretError> for CommandError {
    fn from(e: registry::secrets::SecretError) -> Self {
        Self::new("keyring", e.to_string())
    }
}
