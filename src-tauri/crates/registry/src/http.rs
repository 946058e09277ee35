//! What the Quay and DTR clients share on the wire: checking a server address, reading an
//! answer whole (network failures are worded in [`crate::network`]), and quoting a short, safe excerpt of a body in
//! an error message.

use reqwest::header::HeaderMap;

use crate::network::{NetworkCause, NetworkFailure};

/// The largest answer read: far above any registry page (100 repositories, a notification
/// list), small enough that a hostile or broken server cannot exhaust memory.
pub const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// The most pages one listing follows (500,000 repositories at Quay's 100 per page); a server
/// that hands out new cursors forever is stopped here.
pub const MAX_PAGES: usize = 5_000;

/// Characters of a response body an error message quotes at most.
pub const EXCERPT_CHARS: usize = 200;

/// Checks a server address as a person typed it: http or https, a host, no credentials, no
/// query. Returns it without a trailing slash, or why it is not usable (to finish the sentence
/// "The server address is not usable: ...").
pub fn check_base_url(base_url: &str) -> Result<String, &'static str> {
    let url = reqwest::Url::parse(base_url.trim()).map_err(|_| "it is not a URL")?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("it must start with https:// or http://");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("the server name is missing");
    }
    // Credentials have their own fields, where they stay out of URLs and messages.
    if !url.username().is_empty() || url.password().is_some() {
        return Err("leave the user name and token out of the address");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("remove the ? or # part");
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// One answer, read whole.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Answer {
    /// Sends `request` and reads the answer; a failure says why in [`NetworkFailure`].
    pub async fn fetch(request: reqwest::RequestBuilder) -> Result<Answer, NetworkFailure> {
        let mut response = request.send().await.map_err(NetworkFailure::from_reqwest)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(NetworkFailure::from_reqwest)?
        {
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                let mut failure = NetworkFailure::new(
                    NetworkCause::TooLarge,
                    format!(
                        "the answer passed {} MiB; Wharf stopped reading it",
                        MAX_ANSWER_BYTES / (1024 * 1024)
                    ),
                );
                failure.target = crate::network::host_port(response.url());
                return Err(failure);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// A header's value, when it is text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `Content-Type`.
    pub fn content_type(&self) -> Option<&str> {
        self.header(reqwest::header::CONTENT_TYPE.as_str())
    }
}

/// Whether a body is an HTML page (a proxy's or sign-in page rather than the API's answer).
pub fn is_html(content_type: Option<&str>, body: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&body[..body.len().min(512)])
        .trim_start()
        .to_ascii_lowercase();
    content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || start.starts_with("<!doctype html")
        || start.starts_with("<html")
}

/// The start of a textual, non-HTML body on one line, without control characters; empty for
/// markup and binary bodies, which would only add noise to a message.
pub fn excerpt(content_type: Option<&str>, body: &[u8]) -> String {
    let textual = content_type.is_none_or(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.starts_with("text/") || ct.contains("json") || ct.contains("xml")
    });
    if !textual || is_html(content_type, body) {
        return String::new();
    }
    clean(&String::from_utf8_lossy(body))
}

/// `text` on one line, without control characters, cut at [`EXCERPT_CHARS`].
pub fn clean(text: &str) -> String {
    let cleaned: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    match cleaned.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &cleaned[..cut]),
        None => cleaned,
    }
}

/// ": excerpt" to end a sentence with, or "." when there is none.
pub fn excerpt_note(excerpt: &str) -> String {
    if excerpt.is_empty() {
        ".".to_owned()
    } else {
        format!(": {excerpt}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_once_for_every_registry() {
        assert_eq!(
            check_base_url(" https://quay.example.com/ "),
            Ok("https://quay.example.com".into())
        );
        for (bad, why) in [
            ("quay.example.com", "not a URL"),
            ("ftp://quay.example.com", "https://"),
            ("https://alice:tok@quay.example.com", "user name and token"),
            ("https://quay.example.com/?x=1", "? or #"),
        ] {
            let problem = check_base_url(bad).unwrap_err();
            assert!(problem.contains(why), "{bad}: {problem}");
        }
    }

    #[test]
    fn an_excerpt_is_one_short_line_of_text_and_never_html() {
        assert_eq!(
            excerpt(Some("application/json"), b"{\"a\":\n 1}"),
            "{\"a\": 1}"
        );
        assert_eq!(excerpt(Some("text/html"), b"<p>hi</p>"), "");
        assert_eq!(excerpt(None, b"<!DOCTYPE html><html></html>"), "");
        assert_eq!(excerpt(Some("application/octet-stream"), b"x"), "");
        let long = "x".repeat(EXCERPT_CHARS + 10);
        assert_eq!(clean(&long).chars().count(), EXCERPT_CHARS + 1);
        assert_eq!(clean("a\u{7}b"), "ab");
    }
}
