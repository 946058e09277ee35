//! Quay repository notifications: the event from the route or the body's shape, tags, digest
//! and the summary.

use std::borrow::Cow;

use super::lazy::Obj;
use super::text::*;
use super::*;
use registry::quay::QuayEvent;

pub(super) fn quay(obj: &Obj<'_>, route: &Route<'_>) -> Recognized {
    let shape = infer_quay_kind(obj);
    let templated = shape == EventKind::Unrecognized;
    let (kind, mismatch) = decide(Source::Quay, shape, route.event);
    let body_repository = match str_at(obj, "repository") {
        Some(full) => join_repo(None, &full),
        None => str_at(obj, "name")
            .and_then(|name| join_repo(str_at(obj, "namespace").as_deref(), &name)),
    };
    let route_repository = route
        .repository
        .filter(|_| body_repository.is_none() && mismatch.is_none() && !is_quota(&kind))
        .and_then(|r| join_repo(None, r));
    let note = match (&mismatch, &route_repository) {
        (Some(mismatch), _) => Some(mismatch.note()),
        (None, Some(_)) if templated => {
            Some("(from the route; the body is a custom template)".to_owned())
        }
        (None, Some(_)) => Some("(repository from the route)".to_owned()),
        (None, None) => None,
    };
    let repository = body_repository.or(route_repository);

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
        summary: with_note(&summary, note.as_deref()),
        alert,
        route_mismatch: mismatch.map(|m| m.describe()),
    }
}

/// Quota notifications concern a namespace: a route's repository says nothing about them.
fn is_quota(kind: &EventKind) -> bool {
    let quota = |k: &EventKind| {
        matches!(
            k,
            EventKind::Quay(QuayEvent::QuotaWarning | QuayEvent::QuotaError)
        )
    };
    match kind {
        EventKind::Ambiguous { candidates } => candidates.iter().any(quota),
        other => quota(other),
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
    let message = |key: &str| str_at(obj, key).and_then(|s| free_text(&s));
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
                Some(EventKind::Quay(RepoMirrorSyncStarted)) => with_detail(
                    format!("mirror sync on {repo} {one_of}"),
                    message("message"),
                ),
                _ => format!("build event on {repo} {one_of}"),
            };
        }
        _ => return format!("Quay event on {repo} (kind not recognised)"),
    };
    let build = |verb: &str, error: Option<String>| {
        build_summary(obj, verb, &repo, error, tag_list(tags, tag_total))
    };
    match event {
        RepoPush => with_detail(format!("push to {repo}"), tag_list(tags, tag_total)),
        BuildQueued => build("queued", None),
        BuildStart => build("started", None),
        BuildSuccess => build("succeeded", None),
        BuildFailure => build("failed", message("error_message")),
        BuildCancelled => build("cancelled", None),
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
            with_detail(format!("mirror sync started on {repo}"), message("message"))
        }
        RepoMirrorSyncSuccess => with_detail(
            format!("mirror sync succeeded on {repo}"),
            message("message"),
        ),
        RepoMirrorSyncFailed => {
            with_detail(format!("mirror sync failed on {repo}"), message("message"))
        }
        RepoImageExpiry => {
            // `expiring_in` is the notification's window ("7 days"), not each tag's time left.
            let when = text("expiring_in").map(|w| format!(" within {w}"));
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

/// `build 6ae9a86 failed on ns/r (refs/heads/main): <error>; tags: latest, foo`. The name and
/// git ref tell one repository's builds apart; a failure's reason comes before the tags, so a
/// long tag list cannot push it out of the summary.
fn build_summary(
    obj: &Obj<'_>,
    verb: &str,
    repo: &str,
    error: Option<String>,
    tags: Option<String>,
) -> String {
    let name = str_at(obj, "build_name")
        .map(|n| clean(&n, MAX_BUILD_NAME))
        .filter(|n| !n.is_empty())
        .map(|n| format!(" {n}"));
    let git_ref = obj
        .get("trigger_metadata")
        .and_then(|m| m.as_object())
        .and_then(|m| str_at(&m, "ref"))
        .map(|r| clean(&r, MAX_REF))
        .filter(|r| !r.is_empty())
        .map(|r| format!(" ({r})"));
    let head = format!(
        "build{} {verb} on {repo}{}",
        name.unwrap_or_default(),
        git_ref.unwrap_or_default()
    );
    let detail = match (error, tags) {
        (Some(error), Some(tags)) => Some(format!("{error}; tags: {tags}")),
        (error, tags) => error.or(tags),
    };
    with_detail(head, detail)
}

const MAX_BUILD_NAME: usize = 40;
const MAX_REF: usize = 60;
