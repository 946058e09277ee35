//! [`RegistryError`]: everything a registry operation can fail with, from saved connections to
//! either registry's API, so a caller handles one type.

use crate::connection::ConnectionError;
use crate::dtr::{DtrError, DtrValidationError};
use crate::network::{NetworkCause, NetworkFailure};
use crate::quay::{QuayError, QuayValidationError};
use crate::secrets::SecretError;

/// Why a registry operation failed, in a sentence a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// Quay refused or failed.
    #[error(transparent)]
    Quay(#[from] QuayError),
    /// DTR refused or failed.
    #[error(transparent)]
    Dtr(#[from] DtrError),
    /// A connection's settings are invalid, or the connections file could not be written.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The keyring failed.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The connection was removed (in another window, or by editing the file).
    #[error("That connection no longer exists.")]
    NoSuchConnection,
    /// A new connection was saved without a token.
    #[error("Enter the token for this connection.")]
    MissingToken,
    /// An edit changed the server's address or how it is trusted; the stored token does not
    /// follow without being typed again.
    #[error("The address or certificate trust changed, so Wharf will not send the stored token there. Enter the token again to confirm it is meant for this server.")]
    TokenForNewServer,
    /// An edit tried to turn a Quay connection into a DTR one or back.
    #[error(
        "A saved connection keeps its registry kind; add a new connection for the other registry."
    )]
    KindLocked,
    /// The keyring has no token for the connection.
    #[error("No token is stored for “{0}”. Edit the connection and enter its token.")]
    NoToken(String),
    /// A Quay operation on a DTR connection, or the other way round.
    #[error("“{name}” is not a {wanted} connection.")]
    WrongKind {
        /// The connection's name.
        name: String,
        /// "Quay" or "DTR".
        wanted: &'static str,
    },
    /// The registry accepted a change, but reading it back shows it did not happen.
    #[error("The registry answered OK, but reading back shows {0}. Refresh and try again; if it persists, check the registry's logs.")]
    Unconfirmed(String),
    /// The action does not exist for this registry (resetting failures on DTR, pausing on Quay).
    #[error("{0}")]
    Unsupported(String),
    /// The notification or webhook is no longer there (deleted elsewhere).
    #[error("It is no longer on the registry (deleted elsewhere?). Scan again.")]
    Gone,
    /// The connections file exists but could not be read, so it is not overwritten.
    #[error("The connections file could not be read, so Wharf will not overwrite it. Fix or remove it and restart.")]
    FileUnreadable,
}

impl RegistryError {
    /// The connection form's field a failed verification is about (by its name in
    /// `ConnectionInput`): the token for a refused token, the address for a server that does
    /// not answer as a registry, the CA for an untrusted certificate; `None` when it is about
    /// neither (a registry error, the keyring).
    pub fn field_at_fault(&self) -> Option<&'static str> {
        use crate::dtr::DtrError as D;
        use crate::quay::QuayError as Q;
        let network = |n: &NetworkFailure| match n.cause {
            NetworkCause::UntrustedCertificate => Some("tls.caPem"),
            NetworkCause::ClientSetup => None,
            _ => Some("baseUrl"),
        };
        match self {
            Self::Quay(Q::Network(n)) | Self::Dtr(D::Network(n)) => network(n),
            Self::Quay(
                Q::TokenRejected
                | Q::TokenRejectedOrNoUserRead
                | Q::NoUserReadScope
                | Q::Forbidden { .. }
                | Q::OrgScopeMissing { .. },
            )
            | Self::Dtr(D::Unauthenticated { .. } | D::Forbidden { .. })
            | Self::NoToken(_)
            | Self::MissingToken
            | Self::TokenForNewServer => Some("token"),
            Self::Quay(Q::NoSuchRoute | Q::Redirected { .. })
            | Self::Dtr(D::NoSuchRoute | D::Redirected { .. }) => Some("baseUrl"),
            Self::Connection(c) => c.field(),
            _ => None,
        }
    }

    /// The transport's own words behind a network failure, for a "details" disclosure.
    pub fn network_detail(&self) -> Option<&str> {
        match self {
            Self::Quay(crate::quay::QuayError::Network(n))
            | Self::Dtr(crate::dtr::DtrError::Network(n)) => Some(&n.detail),
            _ => None,
        }
    }
}

impl From<QuayValidationError> for RegistryError {
    fn from(e: QuayValidationError) -> Self {
        Self::Quay(e.into())
    }
}

impl From<DtrValidationError> for RegistryError {
    fn from(e: DtrValidationError) -> Self {
        Self::Dtr(e.into())
    }
}
