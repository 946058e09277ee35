//! What the store takes and gives: deliveries, their list rows, queries and routes.

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::recognize::{Alert, Recognized, RouteHint, Source};

/// One request header: name and the value's raw bytes.
pub type Header = (String, Vec<u8>);

/// A delivery to insert, as the receiver captured it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewDelivery {
    /// When it arrived, unix milliseconds.
    pub received_at: i64,
    /// HTTP method.
    pub method: String,
    /// Request path, without the query.
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// All headers in arrival order, repeated ones kept.
    pub headers: Vec<Header>,
    /// Peer address, `ip:port`.
    pub remote_addr: Option<String>,
    /// The body exactly as received (empty when rejected before reading it).
    pub body: Vec<u8>,
    /// Body size in bytes; may exceed `body.len()` when the body was refused as too large.
    pub size: u64,
    /// The `/hooks/{token}` token, if the path had one (known or not).
    pub route_token: Option<String>,
    /// The HTTP status the receiver answers with (404 for unknown tokens, 413 for too large).
    pub status: u16,
    /// Recognition result, stored in columns so the list can be searched.
    pub recognized: Option<Recognized>,
}

/// A stored delivery with everything that was captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Row id; grows with insertion order.
    pub id: i64,
    /// Columns shared with the list.
    #[serde(flatten)]
    pub summary: DeliverySummary,
    /// Raw query string.
    pub query: Option<String>,
    /// All headers in arrival order, repeated ones kept, values as raw bytes.
    pub headers: Vec<Header>,
    /// Peer address.
    pub remote_addr: Option<String>,
    /// Raw body bytes.
    pub body: Vec<u8>,
}

/// A delivery as the list and live events show it (no headers, no body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct DeliverySummary {
    /// Row id.
    #[ts(type = "number")]
    pub id: i64,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub received_at: i64,
    /// HTTP method.
    pub method: String,
    /// Request path.
    pub path: String,
    /// Body size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// Route token from the path, if any.
    pub route_token: Option<String>,
    /// Status the receiver answered with.
    pub status: u16,
    /// Recognised registry, if recognition ran.
    pub source: Option<Source>,
    /// Event wire name (`repo_push`, `TAG_PUSH`, ...).
    pub event: Option<String>,
    /// `namespace/name`.
    pub repository: Option<String>,
    /// One-line summary.
    pub summary: Option<String>,
    /// What it warns about, if anything (what toast rules read).
    pub alert: Option<Alert>,
}

/// Filters for [`Store::list`](super::Store::list) and [`Store::search`](super::Store::search); all set fields must match. The UI sends
/// it as it is, so the list, its search and its export filter the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase", default)]
pub struct Query {
    /// Case-insensitive substring of summary, path, query, repository, event or body.
    pub text: Option<String>,
    /// Recognised registry.
    pub source: Option<Source>,
    /// Event wire name, exact (ASCII case ignored).
    pub event: Option<String>,
    /// Part of the repository's `namespace/name` (ASCII case ignored): `payments` finds every
    /// repository of the payments namespace.
    pub repository: Option<String>,
    /// Route token, exact.
    pub route: Option<String>,
    /// Response status, exact.
    pub status: Option<u16>,
    /// At most this many rows (default 100, capped at [`MAX_LIST`](super::MAX_LIST)).
    #[ts(type = "number | null")]
    pub limit: Option<usize>,
    /// Only rows with an id below this one (paging newest first).
    #[ts(type = "number | null")]
    pub before: Option<i64>,
}

impl Query {
    /// A hash of the filters, leaving out the page (`limit`, `before`).
    pub fn filters_hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (
            &self.text,
            self.source,
            &self.event,
            &self.repository,
            &self.route,
            self.status,
        )
            .hash(&mut h);
        h.finish()
    }
}

/// How a route answers deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct RouteResponse {
    /// HTTP status sent after the delivery is stored.
    pub status: u16,
    /// Response body; `None` sends a small JSON acknowledgement.
    pub body: Option<String>,
    /// Wait this long after storing before answering (to test the sender's timeouts).
    #[ts(type = "number")]
    pub delay_ms: u64,
}

impl RouteResponse {
    /// What is wrong with this response, in words, if anything: the status must be one HTTP
    /// can carry, and the delay at most the receiver's cap (longer holds a connection for
    /// nothing; Quay gives up after 10 s, DTR after 10–30 s).
    pub fn problem(&self) -> Option<String> {
        if !(200..=599).contains(&self.status) {
            return Some(format!(
                "The answer's status must be from 200 to 599; {} is not.",
                self.status
            ));
        }
        let max = crate::receiver::MAX_DELAY.as_millis() as u64;
        if self.delay_ms > max {
            return Some(format!("The delay can be at most {} s.", max / 1000));
        }
        if self.body.as_ref().is_some_and(|b| b.len() > 64 * 1024) {
            return Some("The answer's body can be at most 64 KiB.".to_owned());
        }
        None
    }
}

impl Default for RouteResponse {
    fn default() -> Self {
        Self {
            status: 200,
            body: None,
            delay_ms: 0,
        }
    }
}

/// What a route token stands for, when creating it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct NewHookRoute {
    /// The app's registry connection id.
    pub connection_id: Option<String>,
    /// `namespace/name`.
    pub repository: Option<String>,
    /// The registry's notification/webhook id.
    pub notification_id: Option<String>,
    /// Registry the notification belongs to.
    pub source: Option<Source>,
    /// Event or webhook type as the registry spells it.
    pub event: Option<String>,
    /// Free label shown in the UI.
    pub label: String,
    /// How deliveries are answered.
    pub response: RouteResponse,
}

/// A stored route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct HookRoute {
    /// The random token in `/hooks/{token}`.
    pub token: String,
    /// Unix milliseconds.
    #[ts(type = "number")]
    pub created_at: i64,
    /// What it stands for and how it answers.
    #[serde(flatten)]
    pub route: NewHookRoute,
}

/// What came through a route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct RouteActivity {
    /// Stored deliveries on the route.
    #[ts(type = "number")]
    pub deliveries: u64,
    /// When the newest arrived, unix milliseconds.
    #[ts(type = "number | null")]
    pub last_received_at: Option<i64>,
}

impl HookRoute {
    /// The hint given to [`crate::recognize::recognize`] for deliveries on this route.
    pub fn hint(&self) -> RouteHint {
        RouteHint {
            source: self.route.source,
            event: self.route.event.clone(),
        }
    }
}

/// Current time in unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
