//! Pieces shared by the fakes: fault injection, request and delivery records, response helpers.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::Duration;

/// A fault the next request gets instead of (or on top of) its normal answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status and an HTML error page (as nginx does for 429, Flask for 500).
    Status {
        /// The status code, such as 429 or 500.
        status: u16,
    },
    /// Never answer: the request hangs until the client gives up.
    Hang,
    /// Answer normally but cut the body in half, keeping `Content-Type: application/json`.
    TruncatedJson,
    /// Answer normally but with `Content-Type: text/html`.
    WrongContentType,
}

/// One request a fake answered. Credentials are never kept: only whether they were sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// The HTTP method.
    pub method: String,
    /// The path, as sent (still percent-encoded).
    pub path: String,
    /// The query string, empty when none.
    pub query: String,
    /// Whether an `Authorization` header was present.
    pub has_authorization: bool,
    /// The `X-Requested-With` header, if any.
    pub requested_with: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The `Accept` header, if any.
    #[serde(default)]
    pub accept: Option<String>,
}

/// One webhook delivery attempt a fake made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The notification or webhook it was made for.
    pub subscription_id: String,
    /// The event name.
    pub event: String,
    /// The URL it was posted to.
    pub url: String,
    /// The receiver's status, `None` when no answer came (refused, timeout).
    pub status: Option<u16>,
    /// Why no status came, when none did.
    pub error: Option<String>,
}

impl Delivery {
    /// Whether the receiver answered 2xx.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What a fake records and the faults it was told to inject: the part of its state every fake
/// shares, with the test controls over it ([`fake_controls!`](crate::fake_controls)).
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    pub faults: Faults,
    pub requests: Vec<RecordedRequest>,
    pub deliveries: Vec<Delivery>,
}

impl Recorder {
    /// Records an API request (whether credentials came, never which) and takes the fault and
    /// latency it is to get.
    pub fn answer(
        &mut self,
        method: &axum::http::Method,
        path: &str,
        query: &str,
        headers: &axum::http::HeaderMap,
    ) -> (Option<Fault>, Duration) {
        self.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.to_owned(),
            query: query.to_owned(),
            has_authorization: headers.contains_key("authorization"),
            requested_with: header_text(headers, "x-requested-with"),
            content_type: header_text(headers, "content-type"),
            accept: header_text(headers, "accept"),
        });
        take_fault(&mut self.faults)
    }
}

/// The test controls every fake offers, over the [`Recorder`] in its state (reached through
/// `self.shared.lock().recorder`): latency, injected faults, and what it answered and delivered.
#[macro_export]
#[doc(hidden)]
macro_rules! fake_controls {
    ($fake:ty) => {
        impl $fake {
            /// Delays every API answer by `latency` (webhook deliveries are not delayed).
            pub fn set_latency(&self, latency: std::time::Duration) {
                self.shared.lock().recorder.faults.latency = latency;
            }

            /// Gives the next `count` API requests `fault` (queued after faults already
            /// injected).
            pub fn inject(&self, fault: $crate::Fault, count: usize) {
                self.shared.lock().recorder.faults.push(fault, count);
            }

            /// Drops queued faults and latency.
            pub fn clear_faults(&self) {
                let mut state = self.shared.lock();
                state.recorder.faults.queue.clear();
                state.recorder.faults.latency = std::time::Duration::ZERO;
            }

            /// The API requests answered so far (without credentials).
            pub fn requests(&self) -> Vec<$crate::RecordedRequest> {
                self.shared.lock().recorder.requests.clone()
            }

            /// Every delivery attempt made so far.
            pub fn deliveries(&self) -> Vec<$crate::Delivery> {
                self.shared.lock().recorder.deliveries.clone()
            }
        }
    };
}

/// Runtime fault settings of one fake.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub latency: Duration,
    pub queue: VecDeque<Fault>,
}

impl Faults {
    pub fn push(&mut self, fault: Fault, count: usize) {
        self.queue.extend(std::iter::repeat_n(fault, count));
    }
}

/// Applies a body fault to a finished answer.
pub(crate) async fn apply_body_fault(fault: Option<Fault>, response: Response) -> Response {
    match fault {
        Some(Fault::TruncatedJson) => {
            let (mut parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = bytes.slice(..bytes.len() / 2);
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
            Response::from_parts(parts, axum::body::Body::from(cut))
        }
        Some(Fault::WrongContentType) => {
            let (mut parts, body) = response.into_parts();
            parts.headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Response::from_parts(parts, body)
        }
        _ => response,
    }
}

/// The HTML page a status fault answers with.
pub(crate) fn html_status(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = code.canonical_reason().unwrap_or("Error");
    (
        code,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        format!(
            "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
        ),
    )
        .into_response()
}

/// A JSON answer with `Content-Type: application/json`.
pub(crate) fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A header as text, if present and readable.
pub(crate) fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Decodes `%XX` escapes (and leaves anything malformed as is).
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of `name` in a query string, decoded (`+` as space).
pub(crate) fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (percent_decode(k) == name).then(|| percent_decode(&v.replace('+', " ")))
    })
}

/// Takes the next queued fault and the latency, for one request.
pub(crate) fn take_fault(faults: &mut Faults) -> (Option<Fault>, Duration) {
    (faults.queue.pop_front(), faults.latency)
}

/// Waits out the latency, then answers a status fault or hangs; `None` lets the request run.
pub(crate) async fn fault_prelude(fault: Option<Fault>, latency: Duration) -> Option<Response> {
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(Fault::Status { status }) => Some(html_status(status)),
        Some(Fault::Hang) => std::future::pending().await,
        _ => None,
    }
}

/// RFC 3339 UTC with nanoseconds, as Go writes it: `2024-03-11T09:14:27.118302554Z`.
pub(crate) fn rfc3339_now() -> String {
    time::OffsetDateTime::now_utc()
        .format(time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z"
        ))
        .unwrap_or_default()
}

/// RFC 2822 date as Quay writes it: `Mon, 10 Jun 2024 09:12:25 -0000`.
pub(crate) fn rfc2822(epoch: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(epoch)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] -0000"
        ))
        .unwrap_or_default()
}

/// The user and password of an `Authorization: Basic …` value.
pub(crate) fn decode_basic(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    use base64::Engine;
    let out = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(out).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// FNV-1a, 128-bit: stable fake digests and avatar hashes.
pub(crate) fn hash(bytes: &[u8]) -> u128 {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in bytes {
        h ^= u128::from(*b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    h
}

/// Seconds since the Unix epoch, now.
pub(crate) fn now_epoch() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The fault-injection part of both fakes' `/__fake/` control routes: `POST fault` (JSON
/// [`Fault`] plus an optional `count`), `POST latency?ms=`, `POST clear-faults`. `None` for any
/// other route.
pub(crate) fn fault_control(
    faults: &mut Faults,
    method: &str,
    rest: &str,
    query: &str,
    body: &[u8],
) -> Option<Response> {
    let response = match (method, rest) {
        ("POST", "fault") => {
            let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
                return Some(json(
                    StatusCode::BAD_REQUEST,
                    serde_json::json!({"error": "body must be JSON"}),
                ));
            };
            let count = value
                .get("count")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(1) as usize;
            match serde_json::from_value::<Fault>(value) {
                Ok(fault) => {
                    faults.push(fault, count);
                    StatusCode::NO_CONTENT.into_response()
                }
                Err(err) => json(
                    StatusCode::BAD_REQUEST,
                    serde_json::json!({"error": err.to_string()}),
                ),
            }
        }
        ("POST", "latency") => {
            let ms = query_param(query, "ms")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            faults.latency = Duration::from_millis(ms);
            StatusCode::NO_CONTENT.into_response()
        }
        ("POST", "clear-faults") => {
            faults.queue.clear();
            faults.latency = Duration::ZERO;
            StatusCode::NO_CONTENT.into_response()
        }
        _ => return None,
    };
    Some(response)
}

/// A registry's delivery headers (the shared samples') as a request's header map.
pub(crate) fn delivery_headers(headers: &[(&str, &str)]) -> reqwest::header::HeaderMap {
    headers
        .iter()
        .filter_map(|(name, value)| {
            Some((
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).ok()?,
                reqwest::header::HeaderValue::from_str(value).ok()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2822_matches_quay() {
        assert_eq!(rfc2822(1_718_011_145), "Mon, 10 Jun 2024 09:19:05 -0000");
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 -0000");
    }

    #[test]
    fn query_params_decode() {
        assert_eq!(query_param("a=1&b=x%2Fy+z", "b").as_deref(), Some("x/y z"));
        assert_eq!(query_param("a=1", "b"), None);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(
            decode_basic("Basic YWxpY2U6dDpvaw==").unwrap(),
            ("alice".into(), "t:ok".into())
        );
        assert_eq!(decode_basic("Basic !!"), None);
        let now = rfc3339_now();
        assert_eq!(
            (now.len(), &now[10..11], &now[29..]),
            (30, "T", "Z"),
            "{now}"
        );
    }
}
