//! Why a server gave no answer, in the words an admin would use ("Nothing is listening at
//! 127.0.0.1:47999") with the transport's own text kept apart as the detail. Both clients map
//! their failures here, so each cause is worded once.

use std::error::Error as StdError;
use std::io::ErrorKind;

use crate::tls::{CONNECT_TIMEOUT, REQUEST_TIMEOUT, UNTRUSTED_CERT_MESSAGE};

/// What went wrong on the way to the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetworkCause {
    /// The connection was refused: nothing listens on that port.
    Refused,
    /// The host name does not resolve.
    NoSuchHost,
    /// Connecting took longer than [`CONNECT_TIMEOUT`].
    ConnectTimedOut,
    /// Connected, but the answer took longer than [`REQUEST_TIMEOUT`].
    AnswerTimedOut,
    /// The server's certificate is not trusted.
    UntrustedCertificate,
    /// The connection was reset or closed before an answer.
    Closed,
    /// The answer was larger than any registry answer (see [`crate::http::MAX_ANSWER_BYTES`]).
    TooLarge,
    /// The HTTPS client itself could not be set up.
    ClientSetup,
    /// Anything else.
    Other,
}

/// A request that got no answer: its cause, where it was going (`host:port`, no path, never a
/// credential), and the transport's raw text for a "details" disclosure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkFailure {
    /// What went wrong.
    pub cause: NetworkCause,
    /// `host:port` the request went to, when known.
    pub target: Option<String>,
    /// The transport's own words (reqwest/hyper/the OS), without the URL.
    pub detail: String,
}

impl NetworkFailure {
    /// Reads a failed request's cause from reqwest's error and its cause chain.
    pub fn from_reqwest(err: reqwest::Error) -> Self {
        let target = err.url().and_then(host_port);
        let timed_out = err.is_timeout();
        let connecting = err.is_connect();
        let err = err.without_url();
        let cause = if crate::tls::is_untrusted_cert(&err) {
            NetworkCause::UntrustedCertificate
        } else if timed_out {
            if connecting {
                NetworkCause::ConnectTimedOut
            } else {
                NetworkCause::AnswerTimedOut
            }
        } else {
            classify(&err)
        };
        Self {
            cause,
            target,
            detail: chain_text(&err),
        }
    }

    /// A failure without a transport error behind it (an oversized answer, a client that could
    /// not be built), with `detail` saying what happened.
    pub fn new(cause: NetworkCause, detail: impl Into<String>) -> Self {
        Self {
            cause,
            target: None,
            detail: detail.into(),
        }
    }

    /// The sentence to lead with, for a server of kind `server` ("Quay", "DTR").
    pub fn sentence(&self, server: &str) -> String {
        let at = self
            .target
            .as_deref()
            .map(|t| format!(" at {t}"))
            .unwrap_or_default();
        let host = self
            .target
            .as_deref()
            .map(|t| t.rsplit_once(':').map_or(t, |(h, _)| h))
            .map(|h| format!(" “{h}”"))
            .unwrap_or_default();
        let to = at.replacen(" at ", " to ", 1);
        match self.cause {
            NetworkCause::Refused => format!(
                "Nothing is listening{at}. Check the server address and port, and that {server} is running there."
            ),
            NetworkCause::NoSuchHost => format!(
                "No such host{host}: the name does not resolve. Check the spelling of the server address, and your DNS or VPN."
            ),
            NetworkCause::ConnectTimedOut => format!(
                "Timed out connecting{to} after {} seconds: the server is down, or a firewall drops the connection.",
                CONNECT_TIMEOUT.as_secs()
            ),
            NetworkCause::AnswerTimedOut => format!(
                "Timed out waiting for {server}{at}: no answer within {} seconds. The server may be overloaded; try again.",
                REQUEST_TIMEOUT.as_secs()
            ),
            NetworkCause::UntrustedCertificate => {
                let mut first = UNTRUSTED_CERT_MESSAGE.to_owned();
                first[..1].make_ascii_uppercase();
                format!("{first}.")
            }
            NetworkCause::Closed => format!(
                "The connection{at} closed before {server} answered. Check that the address points to {server} (https:// or http:// as the server expects)."
            ),
            NetworkCause::TooLarge => format!(
                "{server}'s answer{at} passed {} MiB, far more than any registry answer, so Wharf stopped reading it.",
                crate::http::MAX_ANSWER_BYTES / (1024 * 1024)
            ),
            // The TLS settings' own sentence (a bad CA, say) is what to act on.
            NetworkCause::ClientSetup => self.detail.clone(),
            NetworkCause::Other => format!(
                "Could not reach {server}{at}. Check the server address and the network."
            ),
        }
    }
}

/// `host:port` of a URL (the port filled in from the scheme), with nothing else from it.
pub(crate) fn host_port(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port_or_known_default() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// The cause of a failure without a timeout or a certificate problem, read from the I/O
/// errors in the chain and, for name resolution (reported as text by the resolver), the words.
pub fn classify(err: &(dyn StdError + 'static)) -> NetworkCause {
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                ErrorKind::ConnectionRefused => return NetworkCause::Refused,
                ErrorKind::TimedOut => return NetworkCause::ConnectTimedOut,
                ErrorKind::ConnectionReset
                | ErrorKind::ConnectionAborted
                | ErrorKind::UnexpectedEof
                | ErrorKind::BrokenPipe => return NetworkCause::Closed,
                _ => {}
            }
        }
        source = e.source();
    }
    let text = chain_text(err).to_ascii_lowercase();
    if [
        "dns error",
        "failed to lookup address",
        "name or service not known",
        "no such host",
        "nodename nor servname",
    ]
    .iter()
    .any(|n| text.contains(n))
    {
        NetworkCause::NoSuchHost
    } else if text.contains("connection closed before message completed")
        || text.contains("incomplete message")
    {
        NetworkCause::Closed
    } else {
        NetworkCause::Other
    }
}

/// The error and its causes joined with `": "`, skipping causes already in the text.
pub fn chain_text(err: &(dyn StdError + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error with a cause, shaped like hyper-util's connect error around the resolver's.
    #[derive(Debug)]
    struct Wrapped(&'static str, std::io::Error);
    impl std::fmt::Display for Wrapped {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl StdError for Wrapped {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.1)
        }
    }

    #[test]
    fn a_resolver_failure_is_no_such_host_and_names_the_host() {
        // Resolving a made-up name would ask a DNS server off this machine; the resolver's
        // error, as hyper-util wraps it, is built here instead.
        let err = Wrapped(
            "client error (Connect)",
            std::io::Error::other(
                "dns error: failed to lookup address information: Name or service not known",
            ),
        );
        assert_eq!(classify(&err), NetworkCause::NoSuchHost);
        let failure = NetworkFailure {
            cause: NetworkCause::NoSuchHost,
            target: Some("quay.example.invalid:443".into()),
            detail: chain_text(&err),
        };
        assert_eq!(
            failure.sentence("Quay"),
            "No such host “quay.example.invalid”: the name does not resolve. Check the spelling of the server address, and your DNS or VPN."
        );
    }

    #[test]
    fn io_kinds_name_the_cause() {
        for (kind, cause) in [
            (ErrorKind::ConnectionRefused, NetworkCause::Refused),
            (ErrorKind::TimedOut, NetworkCause::ConnectTimedOut),
            (ErrorKind::ConnectionReset, NetworkCause::Closed),
        ] {
            let err = Wrapped("client error (Connect)", std::io::Error::from(kind));
            assert_eq!(classify(&err), cause, "{kind:?}");
        }
        let other = Wrapped("client error", std::io::Error::other("something odd"));
        assert_eq!(classify(&other), NetworkCause::Other);
    }

    #[test]
    fn timeouts_say_how_long_was_waited() {
        let connect = NetworkFailure {
            cause: NetworkCause::ConnectTimedOut,
            target: Some("10.0.0.1:443".into()),
            detail: String::new(),
        };
        assert_eq!(
            connect.sentence("DTR"),
            "Timed out connecting to 10.0.0.1:443 after 10 seconds: the server is down, or a firewall drops the connection."
        );
        let answer = NetworkFailure {
            cause: NetworkCause::AnswerTimedOut,
            ..connect
        };
        assert!(answer
            .sentence("DTR")
            .starts_with("Timed out waiting for DTR at 10.0.0.1:443: no answer within 30 seconds"));
    }
}
