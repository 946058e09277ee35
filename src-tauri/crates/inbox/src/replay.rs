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
    /// The first 2 KiB of the answer, as text; when the answer broke off after its status,
    /// what was read and why the rest was not.
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
        .filter(|(name, value)| keep_credentials || !is_credential(name, value))
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

/// Whether a received header carries a credential (`Authorization`, cookies, tokens, or a
/// `Bearer`/`Basic` value under any name): what replay leaves out unless asked, and what a
/// forwarding route strips when set to.
pub fn is_credential(name: &str, value: &[u8]) -> bool {
    crate::export::is_secret_name(name) || crate::export::is_secret_value(value)
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
    let url = target_url(target)?;
    let client = client_for(&url, timeout)?;
    send_with(&client, method, url, headers, body).await
}

/// The error with its causes: reqwest's own message alone does not say whether the connection
/// was refused or timed out.
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// `target` as a URL requests can be sent to.
pub(crate) fn target_url(target: &str) -> Result<reqwest::Url, ReplayError> {
    let url = reqwest::Url::parse(target.trim()).map_err(|_| ReplayError::InvalidUrl)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ReplayError::InvalidUrl);
    }
    Ok(url)
}

/// The client requests to `url` go through: redirects not followed, answered within `timeout`,
/// and straight to the target when it is this machine.
pub(crate) fn client_for(
    url: &reqwest::Url,
    timeout: Duration,
) -> Result<reqwest::Client, ReplayError> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout);
    if is_this_machine(url) {
        // A proxy from http_proxy/HTTPS_PROXY cannot reach this machine's loopback; without
        // this, a user with a proxy set could never replay or sample to a local program.
        builder = builder.no_proxy();
    }
    builder
        .build()
        .map_err(|e| ReplayError::Network(describe(&e)))
}

/// Sends one request with `client` and reads the start of the answer.
pub(crate) async fn send_with(
    client: &reqwest::Client,
    method: &str,
    url: reqwest::Url,
    headers: &[Header],
    body: Vec<u8>,
) -> Result<ReplayOutcome, ReplayError> {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut map = reqwest::header::HeaderMap::new();
    for (name, value) in headers {
        if crate::forward::request::is_hop_header(name) {
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
        .map_err(|e| ReplayError::Network(describe(&e)))?;
    let status = response.status().as_u16();
    let mut response = response;
    let mut body = Vec::new();
    // The status is the target's answer: a body that breaks off or stalls afterwards does not
    // undo it (for forwarding, a 2xx turned into a failure would be sent again), so the read
    // error goes into the preview instead.
    let mut broke_off = None;
    while body.len() < PREVIEW_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(e) => {
                broke_off = Some(describe(&e));
                break;
            }
        }
    }
    let preview = &body[..body.len().min(PREVIEW_BYTES)];
    let mut body_preview = String::from_utf8_lossy(preview).into_owned();
    if let Some(error) = broke_off {
        if !body_preview.is_empty() {
            body_preview.push('\n');
        }
        body_preview.push_str(&format!(
            "[the rest of the answer could not be read: {error}]"
        ));
    }
    Ok(ReplayOutcome {
        status,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        body_preview,
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
