//! TLS settings of one connection and the `reqwest::Client` built from them.
//!
//! Verification is on unless a connection explicitly sets [`TlsOptions::accept_invalid_certs`].
//! A custom CA bundle is trusted in addition to the system's roots. Clients never follow
//! redirects, so a token is never replayed to another host. TLS failures are worded by
//! [`crate::network`]; they never contain a token.

use crate::network::chain_text;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use ts_rs::TS;

/// How long one request may take, from connecting to the last byte of the answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long connecting (TCP and TLS handshake) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The message for a server certificate that the client does not trust.
pub const UNTRUSTED_CERT_MESSAGE: &str = "the server's certificate is not trusted: add its CA (PEM) in the connection's TLS settings, or, only if you trust this network, turn on \"Accept invalid certificates\" for this connection";

/// How a connection checks the server's certificate. The default verifies against the system's
/// trusted CAs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export_to = "registry.ts")]
pub struct TlsOptions {
    /// Extra CAs to trust, as a PEM bundle (one or more `CERTIFICATE` blocks); `None` or blank
    /// means only the system's CAs.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ca_pem: Option<String>,
    /// Turns certificate verification off for this connection only. Off by default.
    pub accept_invalid_certs: bool,
}

impl TlsOptions {
    /// The custom CA bundle, when one is set and not blank.
    pub fn ca_bundle(&self) -> Option<&str> {
        self.ca_pem.as_deref().filter(|p| !p.trim().is_empty())
    }
}

/// Why TLS settings could not be turned into a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    /// The custom CA is not a PEM certificate bundle.
    #[error("The custom CA must be PEM text with one or more blocks from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----: {0}.")]
    InvalidCa(String),
    /// The HTTP client could not be set up.
    #[error("Could not set up the HTTPS client: {0}.")]
    Client(String),
}

/// Parses a PEM bundle into certificates; a bundle without any certificate is an error.
pub fn parse_ca_bundle(pem: &str) -> Result<Vec<reqwest::Certificate>, TlsError> {
    let certs = reqwest::Certificate::from_pem_bundle(pem.trim().as_bytes())
        .map_err(|e| TlsError::InvalidCa(chain_text(&e)))?;
    if certs.is_empty() {
        return Err(TlsError::InvalidCa("no certificate found".into()));
    }
    Ok(certs)
}

/// A client builder with the TLS settings, no redirects, timeouts and Wharf's user agent; the
/// caller adds headers and builds it.
pub fn client_builder(tls: &TlsOptions) -> Result<reqwest::ClientBuilder, TlsError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("Wharf/", env!("CARGO_PKG_VERSION")));
    if let Some(pem) = tls.ca_bundle() {
        builder = builder.tls_certs_merge(parse_ca_bundle(pem)?);
    }
    if tls.accept_invalid_certs {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    Ok(builder)
}

/// A ready client for these TLS settings (see [`client_builder`]).
pub fn http_client(tls: &TlsOptions) -> Result<reqwest::Client, TlsError> {
    client_builder(tls)?
        .build()
        .map_err(|e| TlsError::Client(chain_text(&e)))
}

/// Whether the error chain says the server's certificate was rejected.
pub fn is_untrusted_cert(err: &(dyn std::error::Error + 'static)) -> bool {
    let text = chain_text(err).to_ascii_lowercase();
    [
        "certificate verify failed",
        "self signed certificate",
        "self-signed certificate",
        "unable to get local issuer certificate",
        "unknown issuer",
        "unknownissuer",
        "certificate is not trusted",
        "invalid peer certificate",
        "certificate has expired",
        "hostname mismatch",
        "certificate not valid for name",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}
