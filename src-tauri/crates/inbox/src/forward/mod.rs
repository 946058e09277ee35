//! Forwarding (relay): each delivery stored on a route with forwarding on is sent on, after it
//! is stored, to a target URL such as the program a developer is writing to consume the
//! webhooks.
//!
//! - The queue lives in SQLite: the writer adds a delivery to it in the transaction that stores
//!   the delivery, so a stored delivery is a queued one, across restarts too.
//! - [`worker`] sends each route's queue strictly in order, one request in flight per route,
//!   retrying the head with exponential backoff up to the route's attempt limit; other routes
//!   go on independently. It runs in tasks of its own, never in the receiver's answer.
//! - [`request`] builds what is sent: the delivery's method, body and headers, hop-by-hop ones
//!   left out, `X-Forwarded-*` added, the route's extra headers set, credentials optionally
//!   stripped.

mod lock;
pub mod request;
pub mod worker;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use worker::{spawn_forwarder, Forwarder};

/// The status the receiver answers when it refuses a body as too large: it keeps the delivery,
/// without the body.
const BODY_NOT_WHOLE: u16 = 413;

/// Whether a stored delivery can be forwarded at all: it came through a route and its body was
/// stored whole. The receiver, forward again (one delivery or a selection, through
/// `forwardable_sql`) and the detail panel (through `DeliveryDetail::forwardable`) all go by
/// this one rule. Whether its route forwards now is asked separately.
pub fn forwardable(route_token: Option<&str>, status: u16) -> bool {
    route_token.is_some() && status != BODY_NOT_WHOLE
}

/// [`forwardable`] as an SQL condition on the deliveries table, named `deliveries` in the query.
pub(crate) fn forwardable_sql(deliveries: &str) -> String {
    format!("({deliveries}.route_token IS NOT NULL AND {deliveries}.status <> {BODY_NOT_WHOLE})")
}

/// A route's attempt limit when none is given.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;
/// The most attempts a route can ask for.
pub const MAX_ATTEMPTS_LIMIT: u32 = 100;

/// How a route forwards. The extra headers' values are secrets (a signature secret, a token):
/// this type is never serialized towards the UI, never logged, never exported; the UI sees a
/// [`ForwardView`].
#[derive(Clone, PartialEq, Eq)]
pub struct ForwardSettings {
    /// Where each delivery is sent (`http://localhost:3000/webhook`).
    pub url: String,
    /// Headers set on every forwarded request, replacing the delivery's of the same name.
    pub headers: Vec<(String, String)>,
    /// Leave out the credential headers the sender included (`Authorization`, cookies, tokens).
    pub strip_credentials: bool,
    /// Attempts per delivery before it is given up as failed.
    pub max_attempts: u32,
}

impl std::fmt::Debug for ForwardSettings {
    // Header values are secrets: a `{:?}` in a log line must not print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForwardSettings")
            .field("url", &self.url)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("strip_credentials", &self.strip_credentials)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

impl ForwardSettings {
    /// Forwarding to `url` with the defaults: no extra headers, credentials kept,
    /// [`DEFAULT_MAX_ATTEMPTS`].
    pub fn to(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            headers: Vec::new(),
            strip_credentials: false,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }

    /// What the UI is shown: everything but the headers' values.
    pub fn view(&self, run_only: bool) -> ForwardView {
        ForwardView {
            run_only,
            url: self.url.clone(),
            header_names: self.headers.iter().map(|(n, _)| n.clone()).collect(),
            strip_credentials: self.strip_credentials,
            max_attempts: self.max_attempts,
        }
    }

    /// What is wrong with these settings, each with the field it belongs to.
    pub fn problems(&self) -> Vec<ForwardProblem> {
        let mut problems = Vec::new();
        let mut problem =
            |field: ForwardField, message: String| problems.push(ForwardProblem { field, message });
        if let Some(message) = url_problem(&self.url) {
            problem(ForwardField::Url, message);
        }
        for (index, (name, value)) in self.headers.iter().enumerate() {
            let index = index as u32;
            if reqwest::header::HeaderName::from_bytes(name.trim().as_bytes()).is_err() {
                problem(
                    ForwardField::HeaderName { index },
                    "A header name is letters, digits and - only.".into(),
                );
            } else if request::is_hop_header(name.trim()) || request::is_forwarded_header(name) {
                problem(
                    ForwardField::HeaderName { index },
                    format!("{} is set by the forwarder itself.", name.trim()),
                );
            }
            if reqwest::header::HeaderValue::from_str(value).is_err() {
                problem(
                    ForwardField::HeaderValue { index },
                    "A header value cannot hold line breaks or control characters.".into(),
                );
            }
        }
        if !(1..=MAX_ATTEMPTS_LIMIT).contains(&self.max_attempts) {
            problem(
                ForwardField::MaxAttempts,
                format!("Attempts must be from 1 to {MAX_ATTEMPTS_LIMIT}."),
            );
        }
        problems
    }
}

/// Why `url` cannot be a forwarding target, if it cannot.
pub fn url_problem(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return Some("Enter the URL to forward each delivery to.".into());
    }
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => None,
        _ => {
            Some("Enter an http:// or https:// URL, such as http://localhost:3000/webhook.".into())
        }
    }
}

/// A route's forwarding as the UI shows it: the extra headers' names only (their values are
/// write-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ForwardView {
    /// Target URL.
    pub url: String,
    /// Names of the extra headers.
    pub header_names: Vec<String>,
    /// Whether credential headers are left out.
    pub strip_credentials: bool,
    /// Attempts per delivery.
    pub max_attempts: u32,
    /// Given on the command line for this run only (`wharf headless --forward`), not saved.
    pub run_only: bool,
}

/// Forwarding as the UI saves it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ForwardInput {
    /// Target URL.
    pub url: String,
    /// Extra headers; a `null` value keeps the value saved for that name.
    pub headers: Vec<ForwardHeaderInput>,
    /// Leave out credential headers.
    pub strip_credentials: bool,
    /// Attempts per delivery; `null` for [`DEFAULT_MAX_ATTEMPTS`].
    pub max_attempts: Option<u32>,
}

/// One extra header as the UI saves it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ForwardHeaderInput {
    /// Header name.
    pub name: String,
    /// The new value, or `null` to keep the saved one (values are never sent back to the UI).
    pub value: Option<String>,
}

impl ForwardInput {
    /// The settings this input gives, taking the values it leaves `null` from `saved`. A
    /// `null` value is refused, under that header's value, when nothing is saved under its
    /// name (a saved header renamed would otherwise go out empty) or when the target's host
    /// changed (a secret meant for one host is not sent to another without being typed again).
    pub fn settings(
        self,
        saved: Option<&ForwardSettings>,
    ) -> Result<ForwardSettings, ForwardProblem> {
        let url = self.url.trim().to_owned();
        let same_host = saved.is_some_and(|s| host_of(&s.url) == host_of(&url));
        let mut headers = Vec::with_capacity(self.headers.len());
        for (index, h) in self.headers.into_iter().enumerate() {
            let name = h.name.trim().to_owned();
            let value = match h.value {
                Some(value) => value,
                None => {
                    let problem = |message: String| ForwardProblem {
                        field: ForwardField::HeaderValue {
                            index: index as u32,
                        },
                        message,
                    };
                    let kept = saved.and_then(|s| {
                        s.headers
                            .iter()
                            .find(|(n, _)| n.eq_ignore_ascii_case(&name))
                            .map(|(_, v)| v.clone())
                    });
                    match kept {
                        None => {
                            return Err(problem(format!(
                                "Enter a value: nothing is saved under {name}."
                            )))
                        }
                        Some(_) if !same_host => {
                            return Err(problem(
                                "The target's host or port changed: enter this value again.".into(),
                            ))
                        }
                        Some(value) => value,
                    }
                }
            };
            headers.push((name, value));
        }
        Ok(ForwardSettings {
            url,
            headers,
            strip_credentials: self.strip_credentials,
            max_attempts: self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
        })
    }
}

/// The host and explicit port of `url`, lower-cased; `None` when it does not parse.
fn host_of(url: &str) -> Option<(String, Option<u16>)> {
    let url = reqwest::Url::parse(url.trim()).ok()?;
    Some((url.host_str()?.to_ascii_lowercase(), url.port()))
}

/// A field of the forwarding form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum ForwardField {
    /// The target URL.
    Url,
    /// The name of extra header `index`.
    HeaderName {
        /// Position in the list.
        index: u32,
    },
    /// The value of extra header `index`.
    HeaderValue {
        /// Position in the list.
        index: u32,
    },
    /// The attempt limit.
    MaxAttempts,
}

impl ForwardField {
    /// The field's name in the command's arguments, as errors carry it.
    pub fn name(self) -> String {
        match self {
            ForwardField::Url => "forwardUrl".into(),
            ForwardField::HeaderName { index } => format!("forwardHeaderName.{index}"),
            ForwardField::HeaderValue { index } => format!("forwardHeaderValue.{index}"),
            ForwardField::MaxAttempts => "forwardMaxAttempts".into(),
        }
    }
}

/// What is wrong with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ForwardProblem {
    /// The field.
    pub field: ForwardField,
    /// In words.
    pub message: String,
}

/// How long attempts may take and how far apart retries are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardTiming {
    /// The wait before the first retry; each later one doubles it.
    pub first_backoff: Duration,
    /// No wait is longer than this.
    pub max_backoff: Duration,
    /// An attempt that has not been answered by then is a failure.
    pub timeout: Duration,
}

impl Default for ForwardTiming {
    fn default() -> Self {
        Self {
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(5 * 60),
            timeout: Duration::from_secs(10),
        }
    }
}

impl ForwardTiming {
    /// The wait after failed attempt number `attempt` (1 for the first).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        self.first_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff)
    }
}

/// Where a delivery's forwarding stands (its latest queue entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub enum ForwardPhase {
    /// Waiting for its turn (earlier deliveries of its route go first).
    Queued,
    /// An attempt failed; another follows at `nextAt`.
    Retrying,
    /// The target answered 2xx.
    Done,
    /// Every attempt failed; no more follow.
    Failed,
    /// Taken off its queue unsent because its route was deleted.
    RouteDeleted,
    /// Taken off its queue unsent because its route's forwarding was turned off.
    TurnedOff,
}

impl ForwardPhase {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ForwardPhase::Queued => "queued",
            ForwardPhase::Retrying => "retrying",
            ForwardPhase::Done => "done",
            ForwardPhase::Failed => "failed",
            ForwardPhase::RouteDeleted => "routeDeleted",
            ForwardPhase::TurnedOff => "turnedOff",
        }
    }

    /// From the stored text.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => ForwardPhase::Queued,
            "retrying" => ForwardPhase::Retrying,
            "done" => ForwardPhase::Done,
            "failed" => ForwardPhase::Failed,
            "routeDeleted" => ForwardPhase::RouteDeleted,
            "turnedOff" => ForwardPhase::TurnedOff,
            _ => return None,
        })
    }
}

/// A delivery's forwarding as the list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ForwardState {
    /// Where it stands.
    pub phase: ForwardPhase,
    /// Attempts made for the latest queue entry.
    pub attempts: u32,
    /// The last attempt's HTTP status; `null` before any attempt or when it got no answer.
    pub last_status: Option<u16>,
    /// When the next attempt is due, unix milliseconds, while retrying.
    #[ts(type = "number | null")]
    pub next_at: Option<i64>,
}

impl ForwardState {
    /// Just queued.
    pub const QUEUED: ForwardState = ForwardState {
        phase: ForwardPhase::Queued,
        attempts: 0,
        last_status: None,
        next_at: None,
    };
}

/// One attempt to forward a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ForwardAttempt {
    /// When it was sent, unix milliseconds.
    #[ts(type = "number")]
    pub at: i64,
    /// Where it was sent.
    pub target: String,
    /// The target's HTTP status, when it answered.
    pub status: Option<u16>,
    /// From sending to the end of what was read of the answer.
    #[ts(type = "number")]
    pub latency_ms: u64,
    /// The first 2 KiB of the answer, or why there was none.
    pub answer: Option<String>,
    /// Why the attempt got no answer (refused, timed out...).
    pub error: Option<String>,
}

impl ForwardAttempt {
    /// Whether the target took the delivery.
    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// A route's forward queue as the Routes screen shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct ForwardQueueInfo {
    /// Deliveries waiting to be forwarded (the head included), counted up to
    /// [`crate::store::QUEUE_COUNT_CAP`] and one more: above the cap means "more than that".
    #[ts(type = "number")]
    pub queued: u64,
    /// The route's latest attempt.
    pub last: Option<ForwardAttempt>,
    /// The head's state while it is being retried (it holds up the rest of the queue).
    pub head: Option<ForwardState>,
}
