//! Quay repository notifications: the event from the route or the body's shape, tags, digest
//! and the summary.

use std::borrow::Cow;

use super::lazy::Obj;
use super::text::*;
use super::*;
use registry::quay::QuayEvent;

pub(super) fn quay(obj: &Obj<'_>, hint_event: Option<&str>) -> Recognized {
    let kind = match hint_event {
        Some(name) => EventKind::parse(Source::Quay, name)
            .unwrap_or_else(|| EventKind::other(Source::Quay, name)),
        None => infer_quay_kind(obj),
    };
    let repository = match str_at(obj, "repository") {
        Some(full) => join_repo(None, &full),
        None => str_at(obj, "name")
            .and_then(|name| join_repo(str_at(obj, "namespace").as_deref(), &name)),
    };

    let Tags { kept: tags, total } = quay_tags(obj);
    let digest = quay_digest(obj);
    let summary = quay_summary(obj, &kind, repository.as_deref(), &tags, total);
    let alert = match kind {
        EventKind::Quay(
            QuayEvent::BuildFailure | QuayEvent::RepoMirrorSyncFailed | QuayEvent::QuotaError,
        ) => Some(Alert::Failure),
        EventKind::Quay(QuayEvent::VulnerabilityFound) => Some(Alert::Vulnerability),
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
    use QuayEvent::*;
    let has = |k: &str| obj.contains_key(k);
    let ambiguous = |c: &[QuayEvent]| EventKind::Ambiguous {
        candidates: c.iter().cloned().map(EventKind::Quay).collect(),
    };
    if has("updated_tags") {
        EventKind::Quay(RepoPush)
    } else if obj.get("vulnerability").is_some_and(|v| v.is_object()) {
        EventKind::Quay(VulnerabilityFound)
    } else if has("expiring_in") {
        EventKind::Quay(RepoImageExpiry)
    } else if QUAY_QUOTA_KEYS.iter().any(|k| has(k)) {
        ambiguous(&[QuotaWarning, QuotaError])
    } else if QUAY_BUILD_KEYS.iter().any(|k| has(k)) {
        // error_message: failure only. is_manual/manual_user: only the queued emitter sets them.
        // manifest_digests: success only; image_id: success, or cancelled in test samples.
        if has("error_message") {
            EventKind::Quay(BuildFailure)
        } else if has("is_manual") || has("manual_user") {
            EventKind::Quay(BuildQueued)
        } else if has("manifest_digests") {
            EventKind::Quay(BuildSuccess)
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
        EventKind::Unrecognized
    }
}

/// Tags come from `updated_tags` (list, or tag→digest map in the older variant), `docker_tags`
/// (builds) or `tags` (vulnerability, expiry).
fn quay_tags(obj: &Obj<'_>) -> Tags {
    let mut tags = Tags::default();
    let Some(value) = ["updated_tags", "docker_tags", "tags"]
        .iter()
        .find_map(|k| obj.get(k))
    else {
        return tags;
    };
    match value.kind() {
        Kind::Object => {
            value.each_entry(|tag, _| tags.push(&tag));
        }
        Kind::Array => {
            value.each_item(|item| {
                if let Some(tag) = item.as_str() {
                    tags.push(&tag);
                }
            });
        }
        Kind::String => tags.extend(value.as_str().as_deref()),
        _ => {}
    }
    tags
}

/// The map variant of `updated_tags` names digests; otherwise a lone manifest digest does.
fn quay_digest(obj: &Obj<'_>) -> Option<String> {
    if let Some(map) = obj.get("updated_tags").filter(|t| t.is_object()) {
        let (mut first, mut same) = (None::<Cow<'_, str>>, true);
        map.each_entry(|_, digest| match (&first, digest.as_str()) {
            (None, Some(d)) => first = Some(d),
            (Some(f), Some(d)) => same &= *f == d,
            (_, None) => same = false,
        });
        return first.filter(|_| same).map(|d| clean(&d, MAX_DIGEST));
    }
    single_manifest_digest(obj)
}

/// `manifest_digests` holds `host/ns/repo@sha256:…` references; one of them names the digest.
fn single_manifest_digest(obj: &Obj<'_>) -> Option<String> {
    let mut first = None;
    let count = obj.get("manifest_digests")?.each_item(|item| {
        first.get_or_insert(item);
    })?;
    let one = first.filter(|_| count == 1)?.as_str()?;
    let digest = one.rsplit_once('@').map_or(one.as_ref(), |(_, d)| d);
    Some(clean(digest, MAX_DIGEST))
}

fn quay_summary(
    obj: &Obj<'_>,
    kind: &EventKind,
    repo: Option<&str>,
    tags: &[String],
    tag_total: usize,
) -> String {
    use QuayEvent::*;
    let repo = summary_repo(repo);
    let text = |key: &str| str_at(obj, key).map(|s| clean(&s, MAX_TEXT));
    let namespace = text("namespace").unwrap_or_else(|| "unknown namespace".into());
    let usage = scalar_at(obj, "usage_percent")
        .map(|p| format!(": {}% used", clean(&p, 12)))
        .unwrap_or_default();
    let event = match kind {
        EventKind::Quay(event) => event,
        EventKind::Ambiguous { candidates } => {
            let names: Vec<&str> = candidates.iter().filter_map(EventKind::wire_name).collect();
            let one_of = format!("(one of {})", names.join(", "));
            return match candidates.first() {
                Some(EventKind::Quay(QuotaWarning)) => {
                    format!("quota notice for {namespace}{usage} {one_of}")
                }
                Some(EventKind::Quay(RepoMirrorSyncStarted)) => {
                    with_detail(format!("mirror sync on {repo} {one_of}"), text("message"))
                }
                _ => format!("build event on {repo} {one_of}"),
            };
        }
        _ => return format!("Quay event on {repo} (kind not recognised)"),
    };
    match event {
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
        Other(name) => format!("Quay event {name} on {repo}"),
    }
}
