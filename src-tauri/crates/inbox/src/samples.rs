//! Sample deliveries: for every Quay event and every DTR webhook type, the body and the headers
//! the registry sends. The one source of sample payloads: "Send sample" in the app, `wharf
//! sample` and the fake registries' deliveries (`tests/fakes`) all take them from here.
//!
//! Bodies come from the registries' own documentation (the valid-JSON copies in
//! `tests/fixtures`). Quay documents two payload variants ([`QuayVariant`]): Red Hat Quay's, where
//! `updated_tags` is a list, and quay.io's older one, where it is a tag→digest map (with
//! `visibility` and numeric commit dates). Events neither documents (mirror syncs, tag expiry,
//! quota) carry the fields Quay's own sample data has. DTR types its documentation leaves out
//! (`TAG_PULL`, `PROMOTION`, ...) come with empty `contents`, as DTR's test call sends them.

use std::time::Duration;

use registry::dtr::DtrWebhookType;
use registry::quay::QuayEvent;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use ts_rs::TS;

use crate::recognize::Source;
use crate::replay::{ReplayError, ReplayOutcome};

/// The User-Agent of Quay's deliveries (Quay posts with Python's `requests`).
pub const QUAY_USER_AGENT: &str = "python-requests/2.32.3";
/// The User-Agent of DTR's deliveries (DTR is written in Go).
pub const DTR_USER_AGENT: &str = "Go-http-client/1.1";

/// The headers Quay's webhook method sends, in `requests`' order; the HTTP client adds `Host`
/// and `Content-Length`.
pub const QUAY_HEADERS: [(&str, &str); 4] = [
    ("User-Agent", QUAY_USER_AGENT),
    ("Accept-Encoding", "gzip, deflate"),
    ("Accept", "*/*"),
    ("Content-type", "application/json"),
];

/// The headers DTR's webhook sender sends (Go's `net/http`), besides `Host` and
/// `Content-Length`.
pub const DTR_HEADERS: [(&str, &str); 3] = [
    ("User-Agent", DTR_USER_AGENT),
    ("Content-Type", "application/json"),
    ("Accept-Encoding", "gzip"),
];

/// Which of Quay's documented payloads a sample follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "lowercase")]
pub enum QuayVariant {
    /// Red Hat Quay's documentation: `updated_tags` as a list of tag names.
    #[default]
    Redhat,
    /// quay.io's documentation: `updated_tags` as a tag→digest map, `visibility`, image
    /// counts and numeric commit dates.
    Quayio,
}

impl QuayVariant {
    /// Both variants, the default first.
    pub const ALL: [QuayVariant; 2] = [QuayVariant::Redhat, QuayVariant::Quayio];

    /// The name on the command line and in the bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            QuayVariant::Redhat => "redhat",
            QuayVariant::Quayio => "quayio",
        }
    }

    /// The variant `name` names (ASCII case ignored).
    pub fn parse(name: &str) -> Option<QuayVariant> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// One event a sample can be sent for, as the app lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "inbox.ts")]
#[serde(rename_all = "camelCase")]
pub struct SampleKind {
    /// Quay or DTR.
    pub source: Source,
    /// The event (Quay) or webhook type (DTR) by its wire name.
    pub event: String,
    /// The Quay variants whose payloads differ for this event, the default first; empty when
    /// there is only one payload.
    pub variants: Vec<QuayVariant>,
}

/// A request as the registry sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Quay or DTR.
    pub source: Source,
    /// The event (Quay) or webhook type (DTR) by its wire name.
    pub event: String,
    /// The Quay variant it follows, when the event has two.
    pub variant: Option<QuayVariant>,
    /// Header names and values, in the sender's order.
    pub headers: Vec<(String, String)>,
    /// The JSON body.
    pub body: Vec<u8>,
}

/// Why no sample could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SampleError {
    /// Quay has no such event.
    #[error("Quay has no event \"{0}\"; it has {events}.", events = quay_names())]
    UnknownQuayEvent(String),
    /// DTR has no such webhook type.
    #[error("DTR has no webhook type \"{0}\"; it has {types}.", types = dtr_names())]
    UnknownDtrType(String),
    /// The registry is neither Quay nor DTR.
    #[error("Samples are for Quay and DTR only.")]
    UnknownSource,
}

fn quay_names() -> String {
    let names: Vec<&str> = QuayEvent::ALL.iter().map(QuayEvent::as_str).collect();
    names.join(", ")
}

fn dtr_names() -> String {
    let names: Vec<&str> = DtrWebhookType::ALL
        .iter()
        .map(DtrWebhookType::as_str)
        .collect();
    names.join(", ")
}

/// Every event a sample exists for: Quay's events, then DTR's types, each in its registry's
/// order.
pub fn catalog() -> Vec<SampleKind> {
    let quay = QuayEvent::ALL.iter().map(|event| SampleKind {
        source: Source::Quay,
        event: event.as_str().to_owned(),
        variants: if has_variants(event) {
            QuayVariant::ALL.to_vec()
        } else {
            Vec::new()
        },
    });
    let dtr = DtrWebhookType::ALL.iter().map(|kind| SampleKind {
        source: Source::Dtr,
        event: kind.as_str().to_owned(),
        variants: Vec::new(),
    });
    quay.chain(dtr).collect()
}

/// Every sample: each Quay event in each of its variants, then each DTR type.
pub fn all() -> Vec<Sample> {
    catalog()
        .into_iter()
        .flat_map(|kind| {
            let variants: Vec<Option<QuayVariant>> = if kind.variants.is_empty() {
                vec![None]
            } else {
                kind.variants.iter().copied().map(Some).collect()
            };
            variants
                .into_iter()
                .filter_map(move |v| sample(kind.source, &kind.event, v).ok())
        })
        .collect()
}

/// The sample of `event` from `source` (names as the registry spells them, ASCII case ignored);
/// `variant` picks Quay's payload (Red Hat's by default) and is ignored for DTR.
pub fn sample(
    source: Source,
    event: &str,
    variant: Option<QuayVariant>,
) -> Result<Sample, SampleError> {
    match source {
        Source::Quay => {
            let known = QuayEvent::known(event)
                .ok_or_else(|| SampleError::UnknownQuayEvent(event.to_owned()))?;
            let variant = variant.unwrap_or_default();
            let body = quay_payload(&known, variant);
            Ok(Sample {
                source,
                variant: has_variants(&known).then_some(variant),
                event: known.as_str().to_owned(),
                headers: owned(&QUAY_HEADERS),
                body: body.to_string().into_bytes(),
            })
        }
        Source::Dtr => {
            let known = DtrWebhookType::known(event)
                .ok_or_else(|| SampleError::UnknownDtrType(event.to_owned()))?;
            Ok(Sample {
                source,
                variant: None,
                event: known.as_str().to_owned(),
                headers: owned(&DTR_HEADERS),
                body: dtr_payload(&known).to_string().into_bytes(),
            })
        }
        Source::Unknown => Err(SampleError::UnknownSource),
    }
}

fn owned(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// Whether both Quay variants document this event, with different payloads.
fn has_variants(event: &QuayEvent) -> bool {
    use QuayEvent::*;
    matches!(
        event,
        RepoPush | BuildQueued | BuildStart | BuildSuccess | BuildFailure
    )
}

macro_rules! quay_fixture {
    ($file:literal) => {
        include_str!(concat!("../../../../tests/fixtures/quay/", $file))
    };
}

macro_rules! dtr_fixture {
    ($file:literal) => {
        include_str!(concat!("../../../../tests/fixtures/dtr/", $file))
    };
}

/// The documented payload of `event` in `variant` (the other variant's where only one is
/// documented); an unknown event ([`QuayEvent::Other`]) gets the repository fields alone.
pub fn quay_payload(event: &QuayEvent, variant: QuayVariant) -> Value {
    use QuayEvent::*;
    use QuayVariant::*;
    let documented = match (event, variant) {
        (RepoPush, Redhat) => Some(quay_fixture!("repo_push.redhat-docs.json")),
        (RepoPush, Quayio) => Some(quay_fixture!("repo_push.quayio-docs.json")),
        (BuildQueued, Redhat) => Some(quay_fixture!("build_queued.redhat-docs.json")),
        (BuildQueued, Quayio) => Some(quay_fixture!("build_queued.quayio-docs.json")),
        (BuildStart, Redhat) => Some(quay_fixture!("build_start.redhat-docs.json")),
        (BuildStart, Quayio) => Some(quay_fixture!("build_start.quayio-docs.json")),
        (BuildSuccess, Redhat) => Some(quay_fixture!("build_success.redhat-docs.json")),
        (BuildSuccess, Quayio) => Some(quay_fixture!("build_success.quayio-docs.json")),
        (BuildFailure, Redhat) => Some(quay_fixture!("build_failure.redhat-docs.json")),
        (BuildFailure, Quayio) => Some(quay_fixture!("build_failure.quayio-docs.json")),
        (BuildCancelled, _) => Some(quay_fixture!("build_cancelled.redhat-docs.json")),
        (VulnerabilityFound, _) => Some(quay_fixture!("vulnerability_found.redhat-docs.json")),
        _ => None,
    };
    if let Some(text) = documented {
        // The fixtures are checked by the samples' tests; a broken one would fail them.
        return serde_json::from_str(text).unwrap_or_else(|_| json!({}));
    }
    // Quay's own sample data for the events its documentation shows no payload for, in its
    // repository envelope.
    let mut payload = json!({
        "repository": "dgangaia/test",
        "namespace": "dgangaia",
        "name": "test",
        "docker_url": "quay.io/dgangaia/test",
        "homepage": "https://quay.io/repository/dgangaia/test",
    });
    let extra = match event {
        RepoMirrorSyncStarted | RepoMirrorSyncSuccess | RepoMirrorSyncFailed => {
            json!({"message": "TEST NOTIFICATION"})
        }
        RepoImageExpiry => json!({"tags": ["latest", "v1"], "expiring_in": "7 days"}),
        // The namespace's usage against its limit (10 GiB).
        QuotaWarning | QuotaError => {
            let (percent, threshold) = if *event == QuotaError {
                (100u64, 100u64)
            } else {
                (85, 80)
            };
            json!({"threshold_percent": threshold, "usage_percent": percent,
                   "usage_bytes": QUOTA_LIMIT / 100 * percent, "limit_bytes": QUOTA_LIMIT})
        }
        _ => json!({}),
    };
    if let (Value::Object(map), Value::Object(extra)) = (&mut payload, extra) {
        map.extend(extra);
    }
    payload
}

const QUOTA_LIMIT: u64 = 10_737_418_240;

/// DTR's `{type, createdAt, contents, location?}` delivery of `kind`: the documented one, or an
/// empty `contents` for the types DTR's documentation does not show.
pub fn dtr_payload(kind: &DtrWebhookType) -> Value {
    use DtrWebhookType::*;
    let documented = match kind {
        TagPush => Some(dtr_fixture!("TAG_PUSH.json")),
        TagDelete => Some(dtr_fixture!("TAG_DELETE.json")),
        ManifestPush => Some(dtr_fixture!("MANIFEST_PUSH.json")),
        ManifestDelete => Some(dtr_fixture!("MANIFEST_DELETE.json")),
        RepoEvent => Some(dtr_fixture!("REPO_EVENT.json")),
        ScanCompleted => Some(dtr_fixture!("SCAN_COMPLETED.json")),
        ScanFailed => Some(dtr_fixture!("SCAN_FAILED.json")),
        ScannerUpdateCompleted => Some(dtr_fixture!("SCANNER_UPDATE_COMPLETED.json")),
        _ => None,
    };
    documented
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_else(
            || json!({"type": kind.as_str(), "createdAt": "2015-01-02T15:04:05Z", "contents": {}}),
        )
}

/// How long sending a sample may take: the route's answer may be delayed up to the receiver's
/// cap.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(45);

/// POSTs `sample` to `url` with the registry's headers, as the registry would; redirects are
/// not followed.
pub async fn send(sample: &Sample, url: &str) -> Result<ReplayOutcome, ReplayError> {
    let headers: Vec<(String, Vec<u8>)> = sample
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
        .collect();
    crate::replay::send("POST", url, &headers, sample.body.clone(), SEND_TIMEOUT).await
}
