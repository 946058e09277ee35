//! Payload recognition: turns one delivery (route hint, headers, body) into a typed [`Recognized`]
//! event with a one-line summary, for Quay repository notifications and DTR/MSR webhooks.
//!
//! Quay bodies carry no event name and several Quay events share one shape, so the receiver URL's
//! [`RouteHint`] is authoritative when present. Without it, a shape that fits several events is
//! reported as [`EventKind::Ambiguous`] rather than guessed. DTR bodies name their own `type`.
//!
//! Everything taken from the body is untrusted: the fields of [`Recognized`] have control and
//! invisible characters replaced and lengths capped, so they are safe to show as single-line
//! text. The stored raw body stays the authority for anything that was cut.
//!
//! [`recognize`] is pure and total: any byte string yields a result, never a panic.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use lazy::{Json, Kind, Obj};

mod lazy;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub enum RepoAction {
    /// `REPO_CREATED`.
    Created,
    /// `REPO_UPDATED`.
    Updated,
    /// `REPO_DELETED`.
    Deleted,
}

/// What happened. Quay variants follow Quay's event names, DTR variants DTR's webhook types.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum EventKind {
    /// Quay `repo_push`.
    RepoPush,
    /// Quay `build_queued`.
    BuildQueued,
    /// Quay `build_start`.
    BuildStart,
    /// Quay `build_success`.
    BuildSuccess,
    /// Quay `build_failure`.
    BuildFailure,
    /// Quay `build_cancelled`.
    BuildCancelled,
    /// Quay `vulnerability_found`.
    VulnerabilityFound,
    /// Quay `repo_mirror_sync_started`.
    RepoMirrorSyncStarted,
    /// Quay `repo_mirror_sync_success`.
    RepoMirrorSyncSuccess,
    /// Quay `repo_mirror_sync_failed`.
    RepoMirrorSyncFailed,
    /// Quay `repo_image_expiry`.
    RepoImageExpiry,
    /// Quay `quota_warning` (namespace notification).
    QuotaWarning,
    /// Quay `quota_error` (namespace notification).
    QuotaError,
    /// DTR `TAG_PUSH`.
    TagPush,
    /// DTR `TAG_PULL`.
    TagPull,
    /// DTR `TAG_DELETE`.
    TagDelete,
    /// DTR `MANIFEST_PUSH`.
    ManifestPush,
    /// DTR `MANIFEST_PULL`.
    ManifestPull,
    /// DTR `MANIFEST_DELETE`.
    ManifestDelete,
    /// DTR `PROMOTION`.
    Promotion,
    /// DTR `PUSH_MIRRORING`.
    PushMirroring,
    /// DTR `POLL_MIRRORING`.
    PollMirroring,
    /// DTR `REPO_EVENT` (also the `REPO_CREATED`/`REPO_UPDATED`/`REPO_DELETED` type names of
    /// newer docs); `action` is `None` when the body does not say which.
    RepoEvent {
        /// Created, updated or deleted.
        action: Option<RepoAction>,
    },
    /// DTR `SCAN_COMPLETED`.
    ScanCompleted,
    /// DTR `SCAN_FAILED`.
    ScanFailed,
    /// DTR `SCANNER_UPDATE_COMPLETED`.
    ScannerUpdateCompleted,
    /// An MSR Helm chart webhook (`CHART_PUSH`, `CHART_PULL`, `CHART_DELETE`, `CHART_LINTED`, ...).
    Chart {
        /// The type as sent, e.g. `CHART_PUSH`.
        name: String,
    },
    /// An event name this version does not know, from the body or the route.
    Other {
        /// The name as sent (cleaned and capped).
        name: String,
    },
    /// The body fits several events and no route hint said which.
    Ambiguous {
        /// The events the shape fits, in the registry's documentation order.
        candidates: Vec<EventKind>,
    },
    /// Nothing in the delivery says what happened.
    Unrecognized,
}

const QUAY_KINDS: &[EventKind] = &[
    EventKind::RepoPush,
    EventKind::BuildQueued,
    EventKind::BuildStart,
    EventKind::BuildSuccess,
    EventKind::BuildFailure,
    EventKind::BuildCancelled,
    EventKind::VulnerabilityFound,
    EventKind::RepoMirrorSyncStarted,
    EventKind::RepoMirrorSyncSuccess,
    EventKind::RepoMirrorSyncFailed,
    EventKind::RepoImageExpiry,
    EventKind::QuotaWarning,
    EventKind::QuotaError,
];

const DTR_KINDS: &[EventKind] = &[
    EventKind::TagPush,
    EventKind::TagPull,
    EventKind::TagDelete,
    EventKind::ManifestPush,
    EventKind::ManifestPull,
    EventKind::ManifestDelete,
    EventKind::Promotion,
    EventKind::PushMirroring,
    EventKind::PollMirroring,
    EventKind::RepoEvent { action: None },
    EventKind::ScanCompleted,
    EventKind::ScanFailed,
    EventKind::ScannerUpdateCompleted,
];

impl EventKind {
    /// The registry's own name for this kind (`repo_push`, `TAG_PUSH`, `REPO_EVENT`, ...);
    /// `None` for [`EventKind::Ambiguous`] and [`EventKind::Unrecognized`].
    pub fn wire_name(&self) -> Option<&str> {
        use EventKind::*;
        Some(match self {
            RepoPush => "repo_push",
            BuildQueued => "build_queued",
            BuildStart => "build_start",
            BuildSuccess => "build_success",
            BuildFailure => "build_failure",
            BuildCancelled => "build_cancelled",
            VulnerabilityFound => "vulnerability_found",
            RepoMirrorSyncStarted => "repo_mirror_sync_started",
            RepoMirrorSyncSuccess => "repo_mirror_sync_success",
            RepoMirrorSyncFailed => "repo_mirror_sync_failed",
            RepoImageExpiry => "repo_image_expiry",
            QuotaWarning => "quota_warning",
            QuotaError => "quota_error",
            TagPush => "TAG_PUSH",
            TagPull => "TAG_PULL",
            TagDelete => "TAG_DELETE",
            ManifestPush => "MANIFEST_PUSH",
            ManifestPull => "MANIFEST_PULL",
            ManifestDelete => "MANIFEST_DELETE",
            Promotion => "PROMOTION",
            PushMirroring => "PUSH_MIRRORING",
            PollMirroring => "POLL_MIRRORING",
            RepoEvent { .. } => "REPO_EVENT",
            ScanCompleted => "SCAN_COMPLETED",
            ScanFailed => "SCAN_FAILED",
            ScannerUpdateCompleted => "SCANNER_UPDATE_COMPLETED",
            Chart { name } | Other { name } => name,
            Ambiguous { .. } | Unrecognized => return None,
        })
    }

    /// Parses `name` as an event of `source` (ASCII case ignored); `None` if that registry has no
    /// such event. DTR accepts `REPO_CREATED`/`REPO_UPDATED`/`REPO_DELETED` and any `CHART_*`.
    pub fn parse(source: Source, name: &str) -> Option<EventKind> {
        let known = match source {
            Source::Quay => QUAY_KINDS,
            Source::Dtr => DTR_KINDS,
            Source::Unknown => return None,
        };
        if let Some(kind) = known
            .iter()
            .find(|k| k.wire_name().is_some_and(|w| w.eq_ignore_ascii_case(name)))
        {
            return Some(kind.clone());
        }
        if source != Source::Dtr {
            return None;
        }
        let upper = name.to_ascii_uppercase();
        if let Some(action) = repo_action(&upper) {
            return Some(EventKind::RepoEvent {
                action: Some(action),
            });
        }
        upper.starts_with("CHART_").then(|| EventKind::Chart {
            name: clean(name, MAX_NAME),
        })
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

/// The recognised event, as the inbox list and toasts show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
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
    /// One short line for lists and toasts, e.g. `push to payments/api: v1.4.2`.
    pub summary: String,
    /// What it warns about, if anything.
    pub alert: Option<Alert>,
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

/// Recognises one delivery. `route` is what the receiver URL says, `headers` the request
/// headers (only `Content-Type` is read, to describe non-JSON bodies), `body` the raw body.
pub fn recognize(
    route: Option<&RouteHint>,
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

    let value = match parse_body(body) {
        Ok(value) => value,
        Err(why) => return Recognized::unknown(describe_unparsed(why, headers, body.len())),
    };
    let Some(obj) = value.as_object() else {
        return Recognized::unknown(format!("{}, not a registry payload", describe_json(value)));
    };
    match hint_source.unwrap_or_else(|| detect_source(&obj)) {
        Source::Quay => quay(&obj, hint_event),
        Source::Dtr => dtr(&obj, hint_event),
        Source::Unknown => Recognized::unknown(describe_object(&obj)),
    }
}

impl Recognized {
    fn unknown(summary: String) -> Self {
        Self {
            source: Source::Unknown,
            kind: EventKind::Unrecognized,
            repository: None,
            tags: Vec::new(),
            digest: None,
            summary: clean(&summary, MAX_SUMMARY),
            alert: None,
        }
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
            value.as_array().map_or(0, |items| items.len())
        ),
        Kind::String => "JSON string".into(),
        Kind::Number => "JSON number".into(),
        Kind::Bool => "JSON boolean".into(),
        Kind::Null => "JSON null".into(),
        Kind::Object => format!(
            "JSON object with {} keys",
            value.as_object().map_or(0, |obj| obj.len())
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

// ---------------------------------------------------------------------------------------------
// Quay

fn quay(obj: &Obj<'_>, hint_event: Option<&str>) -> Recognized {
    let kind = match hint_event {
        Some(name) => EventKind::parse(Source::Quay, name).unwrap_or_else(|| EventKind::Other {
            name: clean(name, MAX_NAME),
        }),
        None => infer_quay_kind(obj),
    };
    let repository = match str_at(obj, "repository") {
        Some(full) => join_repo(None, &full),
        None => str_at(obj, "name")
            .and_then(|name| join_repo(str_at(obj, "namespace").as_deref(), &name)),
    };

    let raw_tags = quay_raw_tags(obj);
    let tags = clean_tags(raw_tags.iter().map(|t| t.as_ref()));
    let digest = quay_digest(obj);
    let summary = quay_summary(obj, &kind, repository.as_deref(), &tags, raw_tags.len());
    let alert = match kind {
        EventKind::BuildFailure | EventKind::RepoMirrorSyncFailed | EventKind::QuotaError => {
            Some(Alert::Failure)
        }
        EventKind::VulnerabilityFound => Some(Alert::Vulnerability),
        _ => None,
    };
    Recognized {
        source: Source::Quay,
        kind,
        repository,
        tags,
        digest,
        summary: clean(&summary, MAX_SUMMARY),
        alert,
    }
}

/// Narrows the event from the keys each Quay event documents. Only keys that a single event
/// carries decide; anything else stays ambiguous, because a wrong guess would mislabel the inbox.
fn infer_quay_kind(obj: &Obj<'_>) -> EventKind {
    use EventKind::*;
    let has = |k: &str| obj.contains_key(k);
    let ambiguous = |c: &[EventKind]| Ambiguous {
        candidates: c.to_vec(),
    };
    if has("updated_tags") {
        RepoPush
    } else if obj.get("vulnerability").is_some_and(|v| v.is_object()) {
        VulnerabilityFound
    } else if has("expiring_in") {
        RepoImageExpiry
    } else if QUAY_QUOTA_KEYS.iter().any(|k| has(k)) {
        ambiguous(&[QuotaWarning, QuotaError])
    } else if QUAY_BUILD_KEYS.iter().any(|k| has(k)) {
        // error_message: failure only. is_manual/manual_user: only the queued emitter sets them.
        // manifest_digests: success only; image_id: success, or cancelled in test samples.
        if has("error_message") {
            BuildFailure
        } else if has("is_manual") || has("manual_user") {
            BuildQueued
        } else if has("manifest_digests") {
            BuildSuccess
        } else if has("image_id") {
            ambiguous(&[BuildSuccess, BuildCancelled])
        } else {
            ambiguous(&[BuildStart, BuildSuccess, BuildFailure, BuildCancelled])
        }
    } else if has("message") {
        ambiguous(&[
            RepoMirrorSyncStarted,
            RepoMirrorSyncSuccess,
            RepoMirrorSyncFailed,
        ])
    } else {
        Unrecognized
    }
}

/// Tags come from `updated_tags` (list, or tag→digest map in the older variant), `docker_tags`
/// (builds) or `tags` (vulnerability, expiry).
fn quay_raw_tags<'a>(obj: &Obj<'a>) -> Vec<Cow<'a, str>> {
    let Some(value) = ["updated_tags", "docker_tags", "tags"]
        .iter()
        .find_map(|k| obj.get(k))
    else {
        return Vec::new();
    };
    match value.kind() {
        Kind::Object => value
            .as_object()
            .map_or_else(Vec::new, |map| map.into_keys().collect()),
        Kind::Array => value.as_array().map_or_else(Vec::new, |items| {
            items.iter().filter_map(Json::as_str).collect()
        }),
        Kind::String => value.as_str().into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The map variant of `updated_tags` names digests; otherwise a lone manifest digest does.
fn quay_digest(obj: &Obj<'_>) -> Option<String> {
    if let Some(map) = obj.get("updated_tags").and_then(|t| t.as_object()) {
        let mut digests = map.values().filter_map(|d| d.as_str());
        let first = digests.next()?;
        return digests
            .all(|other| other == first)
            .then(|| clean(&first, MAX_DIGEST));
    }
    single_manifest_digest(obj)
}

/// `manifest_digests` holds `host/ns/repo@sha256:…` references; one of them names the digest.
fn single_manifest_digest(obj: &Obj<'_>) -> Option<String> {
    match obj.get("manifest_digests")?.as_array()?.as_slice() {
        [one] => {
            let one = one.as_str()?;
            let digest = one.rsplit_once('@').map_or(one.as_ref(), |(_, d)| d);
            Some(clean(digest, MAX_DIGEST))
        }
        _ => None,
    }
}

fn quay_summary(
    obj: &Obj<'_>,
    kind: &EventKind,
    repo: Option<&str>,
    tags: &[String],
    tag_total: usize,
) -> String {
    use EventKind::*;
    let repo = summary_repo(repo);
    let text = |key: &str| str_at(obj, key).map(|s| clean(&s, MAX_TEXT));
    let namespace = text("namespace").unwrap_or_else(|| "unknown namespace".into());
    let usage = scalar_at(obj, "usage_percent")
        .map(|p| format!(": {}% used", clean(&p, 12)))
        .unwrap_or_default();
    match kind {
        RepoPush => with_detail(format!("push to {repo}"), tag_list(tags, tag_total)),
        BuildQueued => format!("build queued on {repo}"),
        BuildStart => format!("build started on {repo}"),
        BuildSuccess => format!("build succeeded on {repo}"),
        BuildFailure => with_detail(format!("build failed on {repo}"), text("error_message")),
        BuildCancelled => format!("build cancelled on {repo}"),
        VulnerabilityFound => {
            let vuln = obj.get("vulnerability").and_then(|v| v.as_object());
            let field = |k| {
                vuln.as_ref()
                    .and_then(|v| str_at(v, k))
                    .map(|s| clean(&s, 40))
                    .filter(|s| !s.is_empty())
            };
            let priority = field("priority").map(|p| p.to_lowercase() + " ");
            let id = field("id").map(|id| id + " ");
            format!(
                "{}vulnerability {}in {repo}",
                priority.unwrap_or_default(),
                id.unwrap_or_default()
            )
        }
        RepoMirrorSyncStarted => {
            with_detail(format!("mirror sync started on {repo}"), text("message"))
        }
        RepoMirrorSyncSuccess => {
            with_detail(format!("mirror sync succeeded on {repo}"), text("message"))
        }
        RepoMirrorSyncFailed => {
            with_detail(format!("mirror sync failed on {repo}"), text("message"))
        }
        RepoImageExpiry => {
            let when = text("expiring_in").map(|w| format!(" in {w}"));
            with_detail(
                format!("tags expiring{} in {repo}", when.unwrap_or_default()),
                tag_list(tags, tag_total),
            )
        }
        QuotaWarning => format!("quota warning for {namespace}{usage}"),
        QuotaError => format!("quota exceeded for {namespace}{usage}"),
        Ambiguous { candidates } => {
            let names: Vec<&str> = candidates.iter().filter_map(EventKind::wire_name).collect();
            let one_of = format!("(one of {})", names.join(", "));
            match candidates.first() {
                Some(QuotaWarning) => format!("quota notice for {namespace}{usage} {one_of}"),
                Some(RepoMirrorSyncStarted) => {
                    with_detail(format!("mirror sync on {repo} {one_of}"), text("message"))
                }
                _ => format!("build event on {repo} {one_of}"),
            }
        }
        Other { name } => format!("Quay event {name} on {repo}"),
        _ => format!("Quay event on {repo} (kind not recognised)"),
    }
}

// ---------------------------------------------------------------------------------------------
// DTR

fn dtr(obj: &Obj<'_>, hint_event: Option<&str>) -> Recognized {
    // The body's own `type` wins: DTR always sends it, and the route only restates it.
    let body_type = str_at(obj, "type").filter(|t| !t.trim().is_empty());
    let kind = match body_type.as_deref().or(hint_event) {
        Some(name) => EventKind::parse(Source::Dtr, name).unwrap_or_else(|| EventKind::Other {
            name: clean(name, MAX_NAME),
        }),
        None => EventKind::Unrecognized,
    };
    let contents = obj
        .get("contents")
        .and_then(|c| c.as_object())
        .unwrap_or_default();
    let kind = match kind {
        EventKind::RepoEvent { action: None } => EventKind::RepoEvent {
            action: str_at(&contents, "event").and_then(|e| repo_action(&e.to_ascii_uppercase())),
        },
        other => other,
    };

    let repository = str_at(&contents, "repository")
        .and_then(|name| join_repo(str_at(&contents, "namespace").as_deref(), &name));
    let scan_summary = contents.get("scanSummary").and_then(|s| s.as_object());
    let tag =
        str_at(&contents, "tag").or_else(|| scan_summary.as_ref().and_then(|s| str_at(s, "tag")));
    let tags = clean_tags(tag.as_deref());
    let digest = str_at(&contents, "digest")
        .map(|d| clean(&d, MAX_DIGEST))
        .filter(|d| !d.is_empty());

    let summary = dtr_summary(
        &contents,
        &kind,
        repository.as_deref(),
        tags.first(),
        digest.as_deref(),
    );
    let alert = dtr_alert(&contents, &kind);
    Recognized {
        source: Source::Dtr,
        kind,
        repository,
        tags,
        digest,
        summary: clean(&summary, MAX_SUMMARY),
        alert,
    }
}

fn dtr_alert(contents: &Obj<'_>, kind: &EventKind) -> Option<Alert> {
    match kind {
        EventKind::ScanFailed => Some(Alert::Failure),
        EventKind::ScannerUpdateCompleted => {
            let failed = contents.get("success").and_then(|s| s.as_bool()) == Some(false);
            failed.then_some(Alert::Failure)
        }
        EventKind::ScanCompleted => {
            let critical = contents
                .get("scanSummary")
                .and_then(|s| s.as_object())
                .and_then(|s| scalar_at(&s, "critical"))
                .and_then(|n| n.trim().parse::<f64>().ok());
            critical.filter(|n| *n > 0.0).map(|_| Alert::Vulnerability)
        }
        _ => None,
    }
}

fn dtr_summary(
    contents: &Obj<'_>,
    kind: &EventKind,
    repo: Option<&str>,
    tag: Option<&String>,
    digest: Option<&str>,
) -> String {
    use EventKind::*;
    let repo = summary_repo(repo);
    let tag = tag.cloned();
    let short_digest = digest.map(short_digest);
    let image = match &tag {
        Some(t) => format!("{repo}:{t}"),
        None => repo.to_string(),
    };
    match kind {
        TagPush => with_detail(format!("push to {repo}"), tag),
        TagPull => with_detail(format!("pull from {repo}"), tag),
        TagDelete => with_detail(format!("tag deleted from {repo}"), tag),
        ManifestPush => with_detail(format!("manifest pushed to {repo}"), short_digest),
        ManifestPull => with_detail(format!("manifest pulled from {repo}"), short_digest),
        ManifestDelete => with_detail(format!("manifest deleted from {repo}"), short_digest),
        Promotion => with_detail(format!("promotion to {repo}"), tag.or(short_digest)),
        PushMirroring => with_detail(format!("push mirroring from {repo}"), tag.or(short_digest)),
        PollMirroring => with_detail(format!("poll mirroring into {repo}"), tag.or(short_digest)),
        RepoEvent { action } => {
            let what = match action {
                Some(RepoAction::Created) => "repository created",
                Some(RepoAction::Updated) => "repository updated",
                Some(RepoAction::Deleted) => "repository deleted",
                None => "repository event",
            };
            let by = str_at(contents, "author")
                .map(|a| clean(&a, 40))
                .filter(|a| !a.is_empty())
                .map(|a| format!(" (by {a})"));
            format!("{what}: {repo}{}", by.unwrap_or_default())
        }
        ScanCompleted => {
            let summary = contents.get("scanSummary").and_then(|s| s.as_object());
            let count = |k| {
                summary
                    .as_ref()
                    .and_then(|s| scalar_at(s, k))
                    .map(|n| clean(&n, 12))
                    .unwrap_or_else(|| "?".into())
            };
            format!(
                "scan completed on {image}: {} critical, {} major, {} minor",
                count("critical"),
                count("major"),
                count("minor")
            )
        }
        ScanFailed => with_detail(
            format!("scan failed on {image}"),
            str_at(contents, "error").map(|e| clean(&e, MAX_TEXT)),
        ),
        ScannerUpdateCompleted => {
            let db = scalar_at(contents, "db_version").map(|v| clean(&v, 24));
            match (contents.get("success").and_then(|s| s.as_bool()), db) {
                (Some(false), _) => "scanner database update failed".into(),
                (_, Some(db)) => format!("scanner database updated to version {db}"),
                (_, None) => "scanner database updated".into(),
            }
        }
        Chart { name } | Other { name } => format!("{name} on {repo}"),
        _ => format!("DTR webhook on {repo} (type not recognised)"),
    }
}

fn repo_action(upper: &str) -> Option<RepoAction> {
    match upper {
        "REPO_CREATED" => Some(RepoAction::Created),
        "REPO_UPDATED" => Some(RepoAction::Updated),
        "REPO_DELETED" => Some(RepoAction::Deleted),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// `namespace/name`, each part cleaned on its own so junk cannot land around the slash.
fn join_repo(namespace: Option<&str>, name: &str) -> Option<String> {
    let name = clean(name, MAX_REPO);
    let joined = match namespace.map(|ns| clean(ns, MAX_REPO)) {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name,
    };
    Some(clean(&joined, MAX_REPO)).filter(|r| !r.is_empty())
}

fn str_at<'a>(obj: &Obj<'a>, key: &str) -> Option<Cow<'a, str>> {
    obj.get(key).and_then(|v| v.as_str())
}

/// A number (as written) or string field as text: counts and versions come as either across
/// versions.
fn scalar_at(obj: &Obj<'_>, key: &str) -> Option<String> {
    let value = obj.get(key)?;
    match value.as_number_text() {
        Some(n) => Some(n.to_owned()),
        None => value.as_str().map(Cow::into_owned),
    }
}

fn clean_tags<'a>(tags: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    tags.into_iter()
        .map(|t| clean(t, MAX_TAG))
        .filter(|t| !t.is_empty())
        .take(MAX_TAGS)
        .collect()
}

/// A long repository name would push everything else out of the summary; the field keeps more.
fn summary_repo(repo: Option<&str>) -> String {
    repo.map_or_else(
        || "unknown repository".into(),
        |r| clean(r, MAX_REPO_IN_SUMMARY),
    )
}

/// `total` counts the tags in the body, which may be more than the capped `tags`.
fn tag_list(tags: &[String], total: usize) -> Option<String> {
    let shown = &tags[..tags.len().min(TAGS_IN_SUMMARY)];
    match total.saturating_sub(shown.len()) {
        _ if shown.is_empty() => None,
        0 => Some(shown.join(", ")),
        n => Some(format!("{} (+{n} more)", shown.join(", "))),
    }
}

fn with_detail(head: String, detail: Option<String>) -> String {
    match detail.filter(|d| !d.is_empty()) {
        Some(d) => format!("{head}: {d}"),
        None => head,
    }
}

/// `sha256:` plus 12 hex digits is enough to tell digests apart at a glance.
fn short_digest(digest: &str) -> String {
    let (algo, hex) = digest.split_once(':').unwrap_or(("", digest));
    let hex: String = hex.chars().take(12).collect();
    if algo.is_empty() {
        hex
    } else {
        format!("{algo}:{hex}")
    }
}

/// Invisible formatting characters that can hide or reorder text (zero-width, bidi overrides).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// One display-safe line: control, invisible and whitespace runs become one space, the ends are
/// trimmed, and the result is at most `max` characters, ending in `…` when cut.
fn clean(s: &str, max: usize) -> String {
    // Built in place: called once per tag, so a push with many tags must not pay for a
    // `Vec<char>` and a second copy per tag.
    let mut out = String::with_capacity(s.len().min(max.saturating_mul(4)) + 4);
    let mut chars = 0usize;
    let mut gap = false;
    // Stops one past `max`, so a multi-megabyte string costs no more than a short one.
    for c in s.chars() {
        if c.is_control() || c.is_whitespace() || is_invisible(c) {
            gap = chars > 0;
            continue;
        }
        if gap {
            out.push(' ');
            chars += 1;
            gap = false;
        }
        out.push(c);
        chars += 1;
        if chars > max {
            let keep = max.saturating_sub(1);
            let cut = out.char_indices().nth(keep).map_or(out.len(), |(i, _)| i);
            out.truncate(cut);
            while out.ends_with(' ') {
                out.pop();
            }
            out.push('…');
            break;
        }
    }
    out
}
