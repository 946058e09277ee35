//! Stored deliveries leave the app in three shapes: JSON lines, HAR 1.2 and a `curl` command.
//!
//! All three redact credentials in headers (and in the query string), because an exported file
//! or a copied command ends up in tickets and chat. Bodies are exported as received: they are
//! the point of an export, and registries put no credentials in them. Non-UTF-8 bodies are
//! base64-encoded (JSON, HAR) or byte-escaped (curl) so nothing is lost.

use std::io::Write;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use crate::store::{Delivery, DeliverySummary, Query, Store, MAX_LIST};

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// JSON lines, one delivery per line.
    Jsonl,
    /// HAR 1.2.
    Har,
}

impl ExportFormat {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Har => "har",
        }
    }
}

/// The ids of every delivery matching `query` (its `limit` and `before` ignored), oldest first.
/// Only ids: an export then reads one delivery at a time, so its memory does not grow with the
/// bodies it writes.
pub fn matching_ids(store: &Store, query: &Query) -> crate::store::Result<Vec<i64>> {
    let mut page_query = Query {
        limit: Some(MAX_LIST),
        before: None,
        ..query.clone()
    };
    let mut ids = Vec::new();
    loop {
        let page = store.list(&page_query)?;
        ids.extend(page.iter().map(|row| row.id));
        match page.last() {
            Some(last) if page.len() == MAX_LIST => page_query.before = Some(last.id),
            _ => break,
        }
    }
    ids.reverse();
    Ok(ids)
}

/// Writes deliveries to `out` one at a time in one [`ExportFormat`], so an export of a million
/// deliveries holds one of them in memory.
pub struct ExportWriter<W: Write> {
    out: W,
    format: ExportFormat,
    base_url: String,
    written: u64,
}

impl<W: Write> ExportWriter<W> {
    /// Starts the file (a HAR log's head) on `out`; URLs are made from `base_url`.
    pub fn new(mut out: W, format: ExportFormat, base_url: &str) -> std::io::Result<Self> {
        if format == ExportFormat::Har {
            let creator = json!({"name": "Wharf", "version": env!("CARGO_PKG_VERSION")});
            write!(
                out,
                "{{\"log\":{{\"version\":\"1.2\",\"creator\":{creator},\"entries\":["
            )?;
        }
        Ok(Self {
            out,
            format,
            base_url: base_url.to_owned(),
            written: 0,
        })
    }

    /// Adds `delivery` (callers give them oldest first).
    pub fn push(&mut self, delivery: &Delivery) -> std::io::Result<()> {
        match self.format {
            ExportFormat::Jsonl => {
                serde_json::to_writer(&mut self.out, &json_line(delivery, &self.base_url))?;
                self.out.write_all(b"\n")?;
            }
            ExportFormat::Har => {
                if self.written > 0 {
                    self.out.write_all(b",")?;
                }
                serde_json::to_writer(&mut self.out, &har_entry(delivery, &self.base_url))?;
            }
        }
        self.written += 1;
        Ok(())
    }

    /// Ends the file and flushes it; gives back `out` and how many deliveries it holds.
    pub fn finish(mut self) -> std::io::Result<(W, u64)> {
        if self.format == ExportFormat::Har {
            self.out.write_all(b"]}}")?;
        }
        self.out.flush()?;
        Ok((self.out, self.written))
    }
}

/// One delivery with everything captured, as the detail panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetail {
    /// The list row.
    pub summary: DeliverySummary,
    /// Raw query string.
    pub query: Option<String>,
    /// `[name, value]` in arrival order, repeated ones kept; values as text (invalid UTF-8
    /// replaced).
    pub headers: Vec<(String, String)>,
    /// Peer address.
    pub remote_addr: Option<String>,
    /// The body as text, when it is UTF-8.
    pub body_text: Option<String>,
    /// The body in base64, when it is not UTF-8.
    pub body_base64: Option<String>,
    /// `curl` command resending it to `base_url`, credentials redacted.
    pub curl: String,
    /// The shells `curl` runs in unchanged ([`CURL_SHELLS`]).
    pub curl_shells: String,
    /// Whether it can be forwarded ([`crate::forward::forwardable`]) through a route that still
    /// exists (the inbox runtime checks that).
    pub forwardable: bool,
}

/// `delivery` as the detail panel shows it, with a `curl` command aimed at `base_url`.
pub fn detail(delivery: Delivery, base_url: &str) -> DeliveryDetail {
    let curl = to_curl(&delivery, base_url);
    let (body_text, body_base64) = match String::from_utf8(delivery.body) {
        Ok(text) => (Some(text), None),
        Err(e) => (None, Some(base64(e.as_bytes()))),
    };
    DeliveryDetail {
        forwardable: crate::forward::forwardable(
            delivery.summary.route_token.as_deref(),
            delivery.summary.status,
        ),
        curl,
        curl_shells: CURL_SHELLS.to_owned(),
        headers: delivery
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect(),
        summary: delivery.summary,
        query: delivery.query,
        remote_addr: delivery.remote_addr,
        body_text,
        body_base64,
    }
}

/// What replaces a redacted value.
pub const REDACTED: &str = "[redacted]";

/// Whether a header or query parameter name carries a credential. Percent-encoding is
/// undone first (`%74oken` is `token`).
pub fn is_secret_name(name: &str) -> bool {
    let name = percent_decoded(name).to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || [
        "token",
        "secret",
        "password",
        "passwd",
        "api-key",
        "apikey",
        "api_key",
        "auth",
        "signature",
        "credential",
        "session",
        "key",
    ]
    .iter()
    .any(|word| name.contains(word))
}

fn percent_decoded(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A header value that is itself a credential, whatever the header is called.
pub(crate) fn is_secret_value(value: &[u8]) -> bool {
    let v = String::from_utf8_lossy(value)
        .trim_start()
        .to_ascii_lowercase();
    v.starts_with("bearer ") || v.starts_with("basic ")
}

/// The header value as text, or [`REDACTED`] for credentials. Invalid UTF-8 is replaced, since
/// text formats cannot carry it (the stored bytes stay exact).
fn header_text(name: &str, value: &[u8]) -> String {
    if is_secret_name(name) || is_secret_value(value) {
        REDACTED.to_owned()
    } else {
        String::from_utf8_lossy(value).into_owned()
    }
}

/// The raw query with credential parameters' values replaced.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn url_of(delivery: &Delivery, base_url: &str) -> String {
    let base = without_userinfo(base_url);
    let base = base.trim_end_matches('/');
    match delivery.query.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => format!("{base}{}?{}", delivery.summary.path, redact_query(q)),
        None => format!("{base}{}", delivery.summary.path),
    }
}

/// `url` without `user:password@`: a public base URL may carry a proxy's credentials.
fn without_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
                None => url.to_owned(),
            }
        }
        None => url.to_owned(),
    }
}

/// A route token cut to its first characters: enough to tell routes apart in a shared file,
/// not enough to post to the route.
fn short_token_url(url: &str) -> String {
    match url.split_once("/hooks/") {
        Some((base, rest)) => {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            let token = &rest[..end];
            if token.chars().count() <= TOKEN_SHOWN {
                return url.to_owned();
            }
            let shown: String = token.chars().take(TOKEN_SHOWN).collect();
            format!("{base}/hooks/{shown}…{}", &rest[end..])
        }
        None => url.to_owned(),
    }
}

/// How much of a route token an exported file keeps.
const TOKEN_SHOWN: usize = 6;

/// The body as a JSON string, with `"base64"` as its encoding when it is not UTF-8.
fn body_fields(body: &[u8]) -> (String, Option<&'static str>) {
    match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), None),
        Err(_) => (base64(body), Some("base64")),
    }
}

/// One delivery as a line of a JSON lines export.
fn json_line(d: &Delivery, base_url: &str) -> Value {
    let (body, encoding) = body_fields(&d.body);
    let headers: Vec<Value> = d
        .headers
        .iter()
        .map(|(n, v)| json!([n, header_text(n, v)]))
        .collect();
    json!({
        "id": d.id,
        "receivedAt": d.summary.received_at,
        "method": d.summary.method,
        "url": short_token_url(&url_of(d, base_url)),
        "headers": headers,
        "remoteAddr": d.remote_addr,
        "status": d.summary.status,
        "source": d.summary.source,
        "event": d.summary.event,
        "repository": d.summary.repository,
        "summary": d.summary.summary,
        "body": body,
        "bodyEncoding": encoding,
    })
}

/// One delivery as a HAR 1.2 entry (its response carries only the status the receiver sent).
fn har_entry(d: &Delivery, base_url: &str) -> Value {
    let headers: Vec<Value> = d
        .headers
        .iter()
        .map(|(n, v)| json!({"name": n, "value": header_text(n, v)}))
        .collect();
    let query: Vec<Value> = d
        .query
        .as_deref()
        .filter(|q| !q.is_empty())
        .map(|q| {
            redact_query(q)
                .split('&')
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    json!({"name": name, "value": value})
                })
                .collect()
        })
        .unwrap_or_default();
    let mime = d
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    let (text, encoding) = body_fields(&d.body);
    let mut post_data = json!({"mimeType": mime, "text": text});
    if let Some(encoding) = encoding {
        post_data["encoding"] = json!(encoding);
    }
    let mut request = json!({
        "method": d.summary.method,
        "url": short_token_url(&url_of(d, base_url)),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers,
        "queryString": query,
        "headersSize": -1,
        "bodySize": d.summary.size,
    });
    if !d.body.is_empty() {
        request["postData"] = post_data;
    }
    json!({
        "startedDateTime": iso8601(d.summary.received_at),
        "time": 0,
        "request": request,
        "response": {
            "status": d.summary.status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "comment": d.summary.summary.clone().unwrap_or_default(),
    })
}

/// The shells a copied `curl` command runs in unchanged.
pub const CURL_SHELLS: &str = "bash, dash, zsh and fish 3.4+";

/// A `curl` command that sends the delivery again to `base_url`, credentials redacted, for
/// every shell in [`CURL_SHELLS`]. No shell ever parses the sender's bytes: the body is piped
/// in as base64 (a shell argument cannot hold a NUL byte, and builtin `printf` has no argument
/// size limit), and any argument with a quote, a backslash or a non-printable character is
/// decoded from base64 too (fish treats `\'` inside single quotes differently from POSIX
/// shells). Hop-by-hop and length headers are left to curl.
pub fn to_curl(delivery: &Delivery, base_url: &str) -> String {
    let mut parts = vec![
        "curl".to_owned(),
        "--globoff".to_owned(),
        "-X".to_owned(),
        shell_arg(&delivery.summary.method),
        shell_arg(&url_of(delivery, base_url)),
    ];
    for (name, value) in &delivery.headers {
        let lower = name.to_ascii_lowercase();
        if matches!(
            lower.as_str(),
            "host" | "content-length" | "connection" | "transfer-encoding" | "expect"
        ) {
            continue;
        }
        parts.push("-H".to_owned());
        parts.push(shell_arg(&format!("{name}: {}", header_text(name, value))));
    }
    if delivery.body.is_empty() {
        return parts.join(" ");
    }
    parts.push("--data-binary".to_owned());
    parts.push("@-".to_owned());
    format!(
        "printf %s '{}' | base64 -d | {}",
        base64(&delivery.body),
        parts.join(" ")
    )
}

/// `text` as one shell argument in every shell of [`CURL_SHELLS`]: single-quoted when that is
/// unambiguous everywhere, else decoded from base64 by a command substitution.
fn shell_arg(text: &str) -> String {
    let plain = text
        .chars()
        .all(|c| (' '..='~').contains(&c) && c != '\'' && c != '\\');
    if plain {
        format!("'{text}'")
    } else {
        format!("\"$(printf %s '{}' | base64 -d)\"", base64(text.as_bytes()))
    }
}

/// Unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`; times outside years 1–9999 read as the
/// epoch (no delivery carries one).
pub fn iso8601(unix_ms: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    at.format(time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    ))
    .unwrap_or_default()
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_exports_drop_userinfo_and_cut_route_tokens() {
        assert_eq!(
            without_userinfo("https://user:pass@hooks.example/wharf"),
            "https://hooks.example/wharf"
        );
        assert_eq!(without_userinfo("http://h:1"), "http://h:1");
        assert_eq!(
            short_token_url("https://h/hooks/0123456789abcdef/sub?x=1"),
            "https://h/hooks/012345…/sub?x=1"
        );
        assert_eq!(
            short_token_url("https://h/hooks/abc"),
            "https://h/hooks/abc"
        );
        assert_eq!(short_token_url("https://h/other"), "https://h/other");
    }

    #[test]
    fn credentials_are_found_encoded_and_by_their_value() {
        assert!(is_secret_name("%74oken"));
        assert!(is_secret_name("x-functions-key"));
        assert!(is_secret_name("session_id"));
        assert!(!is_secret_name("x-trace"));
        assert_eq!(
            redact_query("%74oken=abc&x=1"),
            format!("%74oken={REDACTED}&x=1")
        );
        assert_eq!(header_text("X-Custom", b"Bearer abc"), REDACTED);
        assert_eq!(header_text("X-Custom", b"basic Zm9v"), REDACTED);
        assert_eq!(header_text("X-Trace", b"one"), "one");
    }
}
