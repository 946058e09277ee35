//! DTR / MSR webhooks: the type from the body (the route's only when the body has none), the
//! repository action, the alert and the summary.

use super::lazy::Obj;
use super::text::*;
use super::*;
use registry::dtr::DtrWebhookType;

pub(super) fn dtr(obj: &Obj<'_>, route: &Route<'_>) -> Recognized {
    let contents = obj
        .get("contents")
        .and_then(|c| c.as_object())
        .unwrap_or_default();
    // DTR always sends `type`: the route only restates it, and a route reused for another type
    // must not relabel what the body says.
    let body_type = str_at(obj, "type").filter(|t| !t.trim().is_empty());
    let shape = body_type
        .as_deref()
        .map_or(EventKind::Unrecognized, |name| {
            with_action(named(name), &contents)
        });
    let (kind, mismatch) = decide(Source::Dtr, shape, route.event);
    let kind = with_action(kind, &contents);

    let body_repository = str_at(&contents, "repository")
        .and_then(|name| join_repo(str_at(&contents, "namespace").as_deref(), &name));
    // Only a body without a type is not DTR's own: there the route's repository stands in.
    let route_repository = route
        .repository
        .filter(|_| body_repository.is_none() && body_type.is_none() && mismatch.is_none())
        .and_then(|r| join_repo(None, r));
    let note = match (&mismatch, &route_repository) {
        (Some(mismatch), _) => Some(mismatch.note()),
        (None, Some(_)) => Some("(repository from the route)".to_owned()),
        (None, None) => None,
    };
    let repository = body_repository.or(route_repository);
    let scan_summary = contents.get("scanSummary").and_then(|s| s.as_object());
    let tag =
        str_at(&contents, "tag").or_else(|| scan_summary.as_ref().and_then(|s| str_at(s, "tag")));
    let mut tags = Tags::default();
    tags.extend(tag.as_deref());
    let tags = tags.kept;
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
        summary: with_note(&summary, note.as_deref()),
        alert,
        route_mismatch: mismatch.map(|m| m.describe()),
    }
}

fn named(name: &str) -> EventKind {
    EventKind::parse(Source::Dtr, name).unwrap_or_else(|| EventKind::other(Source::Dtr, name))
}

/// A `REPO_EVENT` says which repository action in `contents.event`.
fn with_action(kind: EventKind, contents: &Obj<'_>) -> EventKind {
    match kind {
        EventKind::DtrRepoEvent(None) => EventKind::DtrRepoEvent(
            str_at(contents, "event").and_then(|e| repo_action(&e.to_ascii_uppercase())),
        ),
        other => other,
    }
}

fn dtr_alert(contents: &Obj<'_>, kind: &EventKind) -> Option<Alert> {
    match kind {
        EventKind::Dtr(DtrWebhookType::ScanFailed) => Some(Alert::Failure),
        EventKind::Dtr(DtrWebhookType::ScannerUpdateCompleted) => {
            let failed = contents.get("success").and_then(|s| s.as_bool()) == Some(false);
            failed.then_some(Alert::Failure)
        }
        EventKind::Dtr(DtrWebhookType::ScanCompleted) => {
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
    use DtrWebhookType::*;
    let repo = summary_repo(repo);
    let tag = tag.cloned();
    let short_digest = digest.map(short_digest);
    let image = match &tag {
        Some(t) => format!("{repo}:{t}"),
        None => repo.to_string(),
    };
    let kind = match kind {
        EventKind::Dtr(kind) => kind,
        EventKind::DtrRepoEvent(action) => {
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
            return format!("{what}: {repo}{}", by.unwrap_or_default());
        }
        _ => return format!("DTR webhook on {repo} (type not recognised)"),
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
            str_at(contents, "error").and_then(|e| free_text(&e)),
        ),
        ScannerUpdateCompleted => {
            let db = scalar_at(contents, "db_version").map(|v| clean(&v, 24));
            match (contents.get("success").and_then(|s| s.as_bool()), db) {
                (Some(false), _) => "scanner database update failed".into(),
                (_, Some(db)) => format!("scanner database updated to version {db}"),
                (_, None) => "scanner database updated".into(),
            }
        }
        // REPO_EVENT arrives as `EventKind::DtrRepoEvent`, handled above.
        RepoEvent => format!("repository event: {repo}"),
        Other(name) => format!("{name} on {repo}"),
    }
}

pub(super) fn repo_action(upper: &str) -> Option<RepoAction> {
    match upper {
        "REPO_CREATED" => Some(RepoAction::Created),
        "REPO_UPDATED" => Some(RepoAction::Updated),
        "REPO_DELETED" => Some(RepoAction::Deleted),
        _ => None,
    }
}
