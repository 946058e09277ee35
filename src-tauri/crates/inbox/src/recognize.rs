//! Payload recognition: turns one delivery (route hint, headers, body) into a typed [`Recognized`]
//! event with a one-line summary, for Quay repository notifications and DTR/MSR webhooks.
//!
//! Quay bodies carry no event name and several Quay events share one shape, so the receiver URL's
//! [`RouteHint`] breaks the ties a body leaves open. It never overrides what the body itself
//! decides: routes get reused, and a route made for one event then receives others, which are
//! labelled as what they are and flagged ([`Recognized::route_mismatch`]). Without a hint, a
//! shape that fits several events is reported as [`EventKind::Ambiguous`] rather than guessed.
//! DTR bodies name their own `type`.
//!
//! Everything taken from the body is untrusted: the fields of [`Recognized`] have control and
//! invisible characters replaced and lengths capped, so they are safe to show as single-line
//! text. The stored raw body stays the authority for anything that was cut.
//!
//! [`recognize`] is pure and total: any byte string yields a result, never a panic.

use registry::dtr::DtrWebhookType;
use registry::quay::QuayEvent;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use dtr::{dtr, repo_action};
use lazy::{Json, Kind, Obj};
use quay::quay;
use text::{clean, str_at, with_note};

mod dtr;
mod lazy;
mod quay;
mod text;

/// Which registry sent a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// Quay (quay.io or self-hosted): repository or namespace notification.
    Quay,
    /// Docker Trusted Registry / Mirantis Secure Registry 2.x/3.x webhook.
    Dtr,
    /// Not recognisable as either.
    Unknown,
}

/// What the receiver URL says about a delivery: the route token minted by the app records the
/// registry and the notification's event. Either part may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteHint {
    /// The registry the route was created for.
    pub source: Option<Source>,
    /// The event name as the registry spells it: Quay `repo_push`, DTR `TAG_PUSH`, ...
    pub event: Option<String>,
}

impl RouteHint {
    /// A route for a Quay notification on `event` (e.g. `build_failure`).
    pub fn quay(event: impl Into<String>) -> Self {
        Self {
            source: Some(Source::Quay),
            event: Some(event.into()),
        }
    }

    /// A route for a DTR webhook of type `event` (e.g. `TAG_PUSH`).
    pub fn dtr(event: impl Into<String>) -> Self {
        Self {
            source: Some(Source::Dtr),
            event: Some(event.into()),
        }
    }
}

/// The sub-kind of a DTR `REPO_EVENT` (`contents.event`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepoAction {
    /// `REPO_CREATED`.
    Created,
    /// `REPO_UPDATED`.
    Updated,
    /// `REPO_DELETED`.
    Deleted,
}

/// What happened, in the registry's own vocabulary ([`QuayEvent`], [`DtrWebhookType`]): names
/// neither knows are kept as their `Other`, cleaned and capped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A Quay notification event.
    Quay(QuayEvent),
    /// A DTR webhook type (an MSR `CHART_*` type is [`DtrWebhookType::Other`]).
    Dtr(DtrWebhookType),
    /// A DTR `REPO_EVENT` (also the `REPO_CREATED`/`REPO_UPDATED`/`REPO_DELETED` type names of
    /// newer docs); `None` when the body does not say which.
    DtrRepoEvent(Option<RepoAction>),
    /// The body fits several events and no route hint said which.
    Ambiguous {
        /// The events the shape fits, in the registry's documentation order.
        candidates: Vec<EventKind>,
    },
    /// Nothing in the delivery says what happened.
    Unrecognized,
}

impl EventKind {
    /// The registry's own name for this kind (`repo_push`, `TAG_PUSH`, `REPO_EVENT`, ...);
    /// `None` for [`EventKind::Ambiguous`] and [`EventKind::Unrecognized`].
    pub fn wire_name(&self) -> Option<&str> {
        match self {
            EventKind::Quay(event) => Some(event.as_str()),
            EventKind::Dtr(kind) => Some(kind.as_str()),
            EventKind::DtrRepoEvent(_) => Some(DtrWebhookType::RepoEvent.as_str()),
            EventKind::Ambiguous { .. } | EventKind::Unrecognized => None,
        }
    }

    /// Parses `name` as an event of `source` (ASCII case ignored); `None` if that registry has no
    /// such event. DTR accepts `REPO_CREATED`/`REPO_UPDATED`/`REPO_DELETED` and any `CHART_*`.
    pub fn parse(source: Source, name: &str) -> Option<EventKind> {
        match source {
            Source::Quay => QuayEvent::known(name).map(EventKind::Quay),
            Source::Dtr => {
                let upper = name.to_ascii_uppercase();
                match DtrWebhookType::known(name) {
                    Some(DtrWebhookType::RepoEvent) => Some(EventKind::DtrRepoEvent(None)),
                    Some(kind) => Some(EventKind::Dtr(kind)),
                    None if repo_action(&upper).is_some() => {
                        Some(EventKind::DtrRepoEvent(repo_action(&upper)))
                    }
                    None => upper
                        .starts_with("CHART_")
                        .then(|| EventKind::Dtr(DtrWebhookType::Other(clean(name, MAX_NAME)))),
                }
            }
            Source::Unknown => None,
        }
    }

    /// A name `source` does not know, kept (cleaned and capped) as that registry's `Other`.
    fn other(source: Source, name: &str) -> EventKind {
        let name = clean(name, MAX_NAME);
        match source {
            Source::Dtr => EventKind::Dtr(DtrWebhookType::Other(name)),
            _ => EventKind::Quay(QuayEvent::Other(name)),
        }
    }
}

/// What a delivery warns about, decided from its payload at recognition, so toast rules never
/// read the summary's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub enum Alert {
    /// Something failed: Quay `build_failure`, `repo_mirror_sync_failed`, `quota_error`; DTR
    /// `SCAN_FAILED`, or `SCANNER_UPDATE_COMPLETED` with `success: false`.
    Failure,
    /// A vulnerability report: Quay `vulnerability_found`, or a DTR `SCAN_COMPLETED` with at
    /// least one critical finding.
    Vulnerability,
}

impl Alert {
    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Alert::Failure => "failure",
            Alert::Vulnerability => "vulnerability",
        }
    }

    /// The alert a stored name stands for.
    pub fn parse(name: &str) -> Option<Alert> {
        [Alert::Failure, Alert::Vulnerability]
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

/// The recognised event, as the inbox list and toasts show it (stored as columns of the
/// delivery, see [`crate::store`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognized {
    /// Which registry sent it.
    pub source: Source,
    /// What happened.
    pub kind: EventKind,
    /// `namespace/name`, when the event concerns one repository.
    pub repository: Option<String>,
    /// Tags concerned (pushed, built, scanned, expiring...), at most 100 (`MAX_TAGS`).
    pub tags: Vec<String>,
    /// The manifest digest, when the payload names exactly one.
    pub digest: Option<String>,
    /// One short line for lists and toasts, e.g. `push to payments/api: v1.4.2`. Ends with a note
    /// in parentheses when the route, not the body, supplied a fact or disagreed with the body:
    /// only the summary is stored, so the note must travel in it.
    pub summary: String,
    /// What it warns about, if anything.
    pub alert: Option<Alert>,
    /// Set when the route was made for another event than the body shows, e.g.
    /// `route made for repo_push received build_failure`; the body's event is the one kept.
    pub route_mismatch: Option<String>,
}

/// At most this many tags are kept in [`Recognized::tags`].
pub const MAX_TAGS: usize = 100;
/// [`Recognized::summary`] never exceeds this many characters.
pub const MAX_SUMMARY: usize = 200;

const MAX_REPO: usize = 255;
const MAX_TAG: usize = 128;
const MAX_DIGEST: usize = 160;
const MAX_NAME: usize = 64;
/// Free text from the body (error messages, mirror messages) inside a summary.
const MAX_TEXT: usize = 120;
const TAGS_IN_SUMMARY: usize = 3;
const MAX_REPO_IN_SUMMARY: usize = 80;
/// Larger bodies are stored but not parsed: no registry payload comes near it, and parsing
/// hostile shapes of that size costs memory and CPU out of proportion.
pub const MAX_RECOGNIZED: usize = 1024 * 1024;

/// Recognises one delivery. `route` is what the receiver URL says, `headers` the request
/// headers (only `Content-Type` is read, to describe non-JSON bodies), `body` the raw body.
pub fn recognize(
    route: Option<&RouteHint>,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
) -> Recognized {
    recognize_on_route(route, None, headers, body)
}

/// [`recognize`] for a delivery on a route made for `route_repository` (`namespace/name`): a
/// body that names no repository, such as a custom notification template, is filed under the
/// route's, and the summary says so.
pub fn recognize_on_route(
    route: Option<&RouteHint>,
    route_repository: Option<&str>,
    headers: &[(String, Vec<u8>)],
    body: &[u8],
) -> Recognized {
    let hint_event = route
        .and_then(|r| r.event.as_deref())
        .filter(|e| !e.trim().is_empty());
    let hint_source = route
        .and_then(|r| r.source)
        .filter(|s| *s != Source::Unknown)
        .or_else(|| hint_event.and_then(source_of_event));

    if body.len() > MAX_RECOGNIZED {
        return Recognized::unknown(format!(
            "{} bytes: too large to recognise (registries send well under {} MiB); stored as received",
            body.len(),
            MAX_RECOGNIZED / (1024 * 1024)
        ));
    }
    let value = match parse_body(body) {
        Ok(value) => value,
        Err(why) => return Recognized::unknown(describe_unparsed(why, headers, body.len())),
    };
    let Some(obj) = value.as_object() else {
        return Recognized::unknown(format!("{}, not a registry payload", describe_json(value)));
    };
    let route = Route {
        event: hint_event,
        repository: route_repository.filter(|r| !r.trim().is_empty()),
    };
    let body_source = detect_source(&obj);
    match hint_source {
        Some(source) if body_source == Source::Unknown || body_source == source => {
            recognize_as(source, &obj, &route)
        }
        Some(source) => {
            let made_for = hint_event.map_or_else(|| source_label(source).into(), route_name);
            recognize_as(body_source, &obj, &Route::default()).made_for(made_for)
        }
        None => recognize_as(body_source, &obj, &route),
    }
}

/// What the route says, trimmed of blanks, as the recognisers read it.
#[derive(Debug, Clone, Copy, Default)]
struct Route<'a> {
    event: Option<&'a str>,
    repository: Option<&'a str>,
}

fn recognize_as(source: Source, obj: &Obj<'_>, route: &Route<'_>) -> Recognized {
    match source {
        Source::Quay => quay(obj, route),
        Source::Dtr => dtr(obj, route),
        Source::Unknown => Recognized::unknown(describe_object(obj)),
    }
}

/// A route's event name as shown in notes: the route's own spelling, display-safe.
fn route_name(event: &str) -> String {
    clean(event, MAX_NAME)
}

fn source_label(source: Source) -> &'static str {
    match source {
        Source::Quay => "a Quay notification",
        Source::Dtr => "a DTR webhook",
        Source::Unknown => "another sender",
    }
}

/// The event a delivery is filed under. The route's event only breaks a tie the body leaves
/// open: it is one of the candidates of an ambiguous shape, or the body fits no event at all
/// (a custom template). When the body decides another event, the body wins and the mismatch is
/// returned: a route reused for several notifications must not relabel them all.
fn decide(
    source: Source,
    shape: EventKind,
    route_event: Option<&str>,
) -> (EventKind, Option<Mismatch>) {
    let Some(name) = route_event else {
        return (shape, None);
    };
    let routed = EventKind::parse(source, name).unwrap_or_else(|| EventKind::other(source, name));
    let tie = match &shape {
        EventKind::Unrecognized => true,
        EventKind::Ambiguous { candidates } => candidates.contains(&routed),
        decided => fits(&routed, decided),
    };
    if !tie {
        let mismatch = Mismatch::new(route_name(name), &shape);
        return (shape, Some(mismatch));
    }
    match shape {
        EventKind::Unrecognized | EventKind::Ambiguous { .. } => (routed, None),
        decided => (decided, None),
    }
}

/// Whether a route made for `routed` expects a body that decided `body`. A `REPO_EVENT` route
/// takes every repository action, and names are compared as the registries compare them.
fn fits(routed: &EventKind, body: &EventKind) -> bool {
    match (routed, body) {
        (EventKind::DtrRepoEvent(r), EventKind::DtrRepoEvent(b)) => {
            r.is_none() || b.is_none() || r == b
        }
        _ => routed
            .wire_name()
            .zip(body.wire_name())
            .is_some_and(|(r, b)| r.eq_ignore_ascii_case(b)),
    }
}

/// A route made for one event that received another.
#[derive(Debug)]
struct Mismatch {
    made_for: String,
    received: String,
}

impl Mismatch {
    fn new(made_for: String, received: &EventKind) -> Self {
        let received = match received {
            EventKind::Ambiguous { candidates } => {
                let names: Vec<&str> = candidates.iter().filter_map(EventKind::wire_name).collect();
                format!("one of {}", names.join(", "))
            }
            other => other
                .wire_name()
                .map_or_else(|| "an unrecognised event".into(), str::to_owned),
        };
        Self { made_for, received }
    }

    /// The form kept in [`Recognized::route_mismatch`].
    fn describe(&self) -> String {
        format!(
            "route made for {} received {}",
            self.made_for, self.received
        )
    }

    /// The form that ends the summary.
    fn note(&self) -> String {
        format!("(route made for {})", self.made_for)
    }
}

impl Recognized {
    /// Nothing recognised; `summary` says what the body (or the request) was.
    pub(crate) fn unknown(summary: String) -> Self {
        Self {
            source: Source::Unknown,
            kind: EventKind::Unrecognized,
            repository: None,
            tags: Vec::new(),
            digest: None,
            summary: clean(&summary, MAX_SUMMARY),
            alert: None,
            route_mismatch: None,
        }
    }

    /// Flags a delivery recognised from its body alone because the route was made for another
    /// registry's event.
    fn made_for(mut self, made_for: String) -> Self {
        let mismatch = Mismatch::new(made_for, &self.kind);
        self.summary = with_note(&self.summary, Some(&mismatch.note()));
        self.route_mismatch = Some(mismatch.describe());
        self
    }
}

enum Unparsed {
    Empty,
    NotUtf8,
    NotJson,
}

fn parse_body(body: &[u8]) -> Result<Json<'_>, Unparsed> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Unparsed::Empty);
    }
    let text = std::str::from_utf8(body).map_err(|_| Unparsed::NotUtf8)?;
    // serde_json's recursion limit turns absurd nesting into an error instead of a stack overflow.
    Json::parse(text).map_err(|_| Unparsed::NotJson)
}

fn describe_unparsed(why: Unparsed, headers: &[(String, Vec<u8>)], len: usize) -> String {
    let content_type = headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| clean(&String::from_utf8_lossy(v), 60))
        .filter(|v| !v.is_empty());
    let what = match why {
        Unparsed::Empty => return "empty body".to_string(),
        Unparsed::NotUtf8 => "body is not UTF-8",
        Unparsed::NotJson => "body is not JSON",
    };
    match content_type {
        Some(ct) => format!("{what} ({ct}, {len} bytes)"),
        None => format!("{what} ({len} bytes)"),
    }
}

fn describe_json(value: Json<'_>) -> String {
    match value.kind() {
        Kind::Array => format!(
            "JSON array of {} items",
            value.each_item(|_| ()).unwrap_or(0)
        ),
        Kind::String => "JSON string".into(),
        Kind::Number => "JSON number".into(),
        Kind::Bool => "JSON boolean".into(),
        Kind::Null => "JSON null".into(),
        Kind::Object => format!(
            "JSON object with {} keys",
            value.each_entry(|_, _| ()).unwrap_or(0)
        ),
    }
}

fn describe_object(obj: &Obj<'_>) -> String {
    if obj.is_empty() {
        return "empty JSON object, not a registry payload".into();
    }
    let keys: Vec<String> = obj.keys().take(5).map(|k| clean(k, 24)).collect();
    let more = if obj.len() > keys.len() { ", …" } else { "" };
    format!("unrecognised JSON object (keys: {}{more})", keys.join(", "))
}

fn source_of_event(name: &str) -> Option<Source> {
    [Source::Quay, Source::Dtr]
        .into_iter()
        .find(|s| EventKind::parse(*s, name).is_some())
}

const QUAY_BUILD_KEYS: &[&str] = &["build_id", "build_name", "docker_tags", "trigger_metadata"];
const QUAY_QUOTA_KEYS: &[&str] = &["threshold_percent", "usage_percent", "limit_bytes"];

fn detect_source(obj: &Obj<'_>) -> Source {
    let dtr_type = str_at(obj, "type");
    if dtr_type
        .as_deref()
        .is_some_and(|t| EventKind::parse(Source::Dtr, t).is_some())
        || (dtr_type.is_some() && obj.get("contents").is_some_and(|c| c.is_object()))
    {
        return Source::Dtr;
    }
    let quay_specific = ["updated_tags", "vulnerability", "expiring_in"]
        .iter()
        .chain(QUAY_BUILD_KEYS)
        .chain(QUAY_QUOTA_KEYS)
        .any(|k| obj.contains_key(k));
    let quay_envelope = str_at(obj, "repository").is_some()
        && (obj.contains_key("docker_url") || obj.contains_key("homepage"));
    if quay_specific || quay_envelope {
        Source::Quay
    } else {
        Source::Unknown
    }
}
