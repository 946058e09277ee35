//! Sends a stored delivery again, to any URL: to re-run a consumer after fixing it, or to
//! forward what the registry sent to the service that should have had it.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;
use ts_rs::TS;

use crate::store::{Delivery, Header};

/// How long a replayed request may take.
pub const REPLAY_TIMEOUT: Duration = Duration::from_secs(30);

/// What the target answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ReplayOutcome {
    /// The target's HTTP status.
    pub status: u16,
    /// From sending to the end of the answer, in milliseconds.
    #[ts(type = "number")]
    pub elapsed_ms: u64,
    /// The first 2 KiB of the answer, as text.
    pub body_preview: String,
}

/// Why a replay did not get an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    /// The target is not an http(s) URL.
    #[error("Enter an http:// or https:// URL to send the delivery to.")]
    InvalidUrl,
    /// Connecting, sending or reading failed.
    #[error("The target did not answer: {0}")]
    Network(String),
}

/// Headers that describe one hop, not the request; the client sets its own.
fn is_hop_header(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "host"
            | "content-length"
            | "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
            | "proxy-connection"
            | "expect"
    )
}

/// Whether `url` names this machine: `localhost` or a loopback address.
fn is_this_machine(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let host = host.to_ascii_lowercase();
            host == "localhost" || host.ends_with(".localhost")
        }
    }
}

/// How much of the target's answer is read: enough to show, never a whole download.
pub const PREVIEW_BYTES: usize = 2048;

/// Sends `delivery` (method, headers in order, raw body) to `target` and reads the start of the
/// answer. Credential headers (`Authorization`, cookies, tokens) the sender included are left
/// out unless `keep_credentials`: the target may not be meant to see them. Redirects are not
/// followed, so headers never go to a host the user did not name.
pub async fn replay(
    delivery: &Delivery,
    target: &str,
    keep_credentials: bool,
) -> Result<ReplayOutcome, ReplayError> {
    let headers: Vec<Header> = delivery
        .headers
        .iter()
        .filter(|(name, value)| {
            let credential =
                crate::export::is_secret_name(name) || crate::export::is_secret_value(value);
            keep_credentials || !credential
        })
        .cloned()
        .collect();
    send(
        &delivery.summary.method,
        target,
        &headers,
        delivery.body.clone(),
        REPLAY_TIMEOUT,
    )
    .await
}

/// Sends one request (hop-by-hop headers left out: the client sets its own) and reads the start
/// of the answer. Redirects are not followed.
pub(crate) async fn send(
    method: &str,
    target: &str,
    headers: &[Header],
    body: Vec<u8>,
    timeout: Duration,
) -> Result<ReplayOutcome, ReplayError> {
    let url = reqwest::Url::parse(target.trim()).map_err(|_| ReplayError::InvalidUrl)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ReplayError::InvalidUrl);
    }
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout);
    if is_this_machine(&url) {
        // A proxy from http_proxy/HTTPS_PROXY cannot reach this machine's loopback; without
        // this, a user with a proxy set could never replay or sample to a local program.
        builder = builder.no_proxy();
    }
    let client = builder
        .build()
        .map_err(|e| ReplayError::Network(e.to_string()))?;
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        if is_hop_header(name) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            map.append(name, value);
        }
    }
    let started = Instant::now();
    let response = client
        .request(method, url)
        .headers(map)
        .body(body)
        .send()
        .await
        .map_err(|e| ReplayError::Network(e.to_string()))?;
    let status = response.status().as_u16();
    let mut response = response;
    let mut body = Vec::new();
    while body.len() < PREVIEW_BYTES {
        match response
            .chunk()
            .await
            .map_err(|e| ReplayError::Network(e.to_string()))?
        {
            Some(chunk) => body.extend_from_slice(&chunk),
            None => break,
        }
    }
    let preview = &body[..body.len().min(PREVIEW_BYTES)];
    Ok(ReplayOutcome {
        status,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        body_preview: String::from_utf8_lossy(preview).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::is_this_machine;

    #[test]
    fn loopback_names_and_addresses_are_this_machine() {
        for local in [
            "http://127.0.0.1:3000/x",
            "http://127.0.0.2/x",
            "http://[::1]:8080/",
            "http://localhost/",
            "http://LOCALHOST:1/",
            "http://app.localhost/",
        ] {
            assert!(is_this_machine(&local.parse().unwrap()), "{local}");
        }
        for remote in [
            "http://192.0.2.1/",
            "https://example.com/",
            "http://localhost.example/",
        ] {
            assert!(!is_this_machine(&remote.parse().unwrap()), "{remote}");
        }
    }
}
