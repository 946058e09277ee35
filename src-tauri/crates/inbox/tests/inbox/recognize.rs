//! Recognition of Quay and DTR deliveries: every shared fixture, route hints, ambiguity, hostile
//! bodies, and a seeded mutation run that must never panic.

use std::path::PathBuf;

use registry::dtr::DtrWebhookType;
use registry::quay::QuayEvent;

use inbox::recognize::{
    recognize, recognize_on_route, Alert, EventKind, Recognized, RepoAction, RouteHint, Source,
    MAX_SUMMARY, MAX_TAGS,
};

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../tests/fixtures")
}

fn fixture(rel: &str) -> Vec<u8> {
    let path = fixtures_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn rec(body: &[u8]) -> Recognized {
    recognize(None, &[], body)
}

fn rec_hint(hint: &RouteHint, body: &[u8]) -> Recognized {
    recognize(Some(hint), &[], body)
}

fn tags(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn repo(r: &Recognized) -> Option<&str> {
    r.repository.as_deref()
}

const BUILD_KINDS: [(&str, EventKind); 5] = [
    ("build_queued", EventKind::Quay(QuayEvent::BuildQueued)),
    ("build_start", EventKind::Quay(QuayEvent::BuildStart)),
    ("build_success", EventKind::Quay(QuayEvent::BuildSuccess)),
    ("build_failure", EventKind::Quay(QuayEvent::BuildFailure)),
    (
        "build_cancelled",
        EventKind::Quay(QuayEvent::BuildCancelled),
    ),
];

fn unsure_build() -> EventKind {
    EventKind::Ambiguous {
        candidates: vec![
            EventKind::Quay(QuayEvent::BuildStart),
            EventKind::Quay(QuayEvent::BuildSuccess),
            EventKind::Quay(QuayEvent::BuildFailure),
            EventKind::Quay(QuayEvent::BuildCancelled),
        ],
    }
}

// ------------------------------------------------------------------------------------------------
// Every fixture file has a test below; this one fails when a fixture is added without one.

const COVERED: &[&str] = &[
    "dtr/MANIFEST_DELETE.json",
    "dtr/MANIFEST_PUSH.json",
    "dtr/REPO_EVENT.json",
    "dtr/SCANNER_UPDATE_COMPLETED.json",
    "dtr/SCAN_COMPLETED.json",
    "dtr/SCAN_FAILED.json",
    "dtr/TAG_DELETE.json",
    "dtr/TAG_PUSH.json",
    "quay/build_cancelled.redhat-docs.json",
    "quay/build_failure.quayio-docs.json",
    "quay/build_failure.redhat-docs.json",
    "quay/build_queued.quayio-docs.json",
    "quay/build_queued.redhat-docs.json",
    "quay/build_start.quayio-docs.json",
    "quay/build_start.redhat-docs.json",
    "quay/build_success.quayio-docs.json",
    "quay/build_success.redhat-docs.json",
    "quay/repo_push.quayio-docs.json",
    "quay/repo_push.redhat-docs.json",
    "quay/vulnerability_found.redhat-docs.json",
];

#[test]
fn every_fixture_file_is_covered() {
    let mut found = Vec::new();
    for dir in ["quay", "dtr"] {
        for entry in std::fs::read_dir(fixtures_dir().join(dir)).expect("fixture dir") {
            let name = entry.expect("dir entry").file_name();
            found.push(format!("{dir}/{}", name.to_string_lossy()));
        }
    }
    found.sort();
    let mut covered: Vec<String> = COVERED.iter().map(|s| s.to_string()).collect();
    covered.sort();
    assert_eq!(found, covered);
}

// ------------------------------------------------------------------------------------------------
// Quay fixtures

#[test]
fn quay_repo_push_list_variant() {
    let r = rec(&fixture("quay/repo_push.redhat-docs.json"));
    assert_eq!(r.source, Source::Quay);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::RepoPush));
    assert_eq!(repo(&r), Some("dgangaia/test"));
    assert_eq!(r.tags, tags(&["latest"]));
    assert_eq!(r.digest, None);
    assert_eq!(r.summary, "push to dgangaia/test: latest");
}

#[test]
fn quay_repo_push_map_variant() {
    let r = rec(&fixture("quay/repo_push.quayio-docs.json"));
    assert_eq!(r.source, Source::Quay);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::RepoPush));
    assert_eq!(repo(&r), Some("mynamespace/repository"));
    assert_eq!(r.tags, tags(&["latest"]));
    assert_eq!(
        r.digest.as_deref(),
        Some("b750fe79269d2ec9a3c593ef05b4332b1d1a02a62b4accb2c21d589ff2f5f2dc")
    );
    assert_eq!(r.summary, "push to mynamespace/repository: latest");
}

#[test]
fn quay_build_queued_both_variants_recognised_without_hint() {
    for (file, repository, tag_list, summary) in [
        (
            "quay/build_queued.redhat-docs.json",
            "dgangaia/test",
            &["master", "latest"][..],
            // No build_name in this sample.
            "build queued on dgangaia/test (refs/heads/master): master, latest",
        ),
        (
            "quay/build_queued.quayio-docs.json",
            "mynamespace/repository",
            &["latest", "foo", "bar"][..],
            "build some-fake-build queued on mynamespace/repository (refs/heads/somebranch): latest, foo, bar",
        ),
    ] {
        let r = rec(&fixture(file));
        assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildQueued), "{file}");
        assert_eq!(repo(&r), Some(repository));
        assert_eq!(r.tags, tags(tag_list));
        assert_eq!(r.summary, summary);
        assert_eq!(r.route_mismatch, None);
    }
}

#[test]
fn quay_build_start_redhat_is_ambiguous_without_hint() {
    let r = rec(&fixture("quay/build_start.redhat-docs.json"));
    assert_eq!(r.source, Source::Quay);
    assert_eq!(r.kind, unsure_build());
    assert_eq!(repo(&r), Some("dgangaia/test"));
    assert_eq!(r.tags, tags(&["master", "latest"]));
    assert_eq!(
        r.summary,
        "build event on dgangaia/test (one of build_start, build_success, build_failure, build_cancelled)"
    );
    let r = rec_hint(
        &RouteHint::quay("build_start"),
        &fixture("quay/build_start.redhat-docs.json"),
    );
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildStart));
    assert_eq!(
        r.summary,
        "build 50bc599 started on dgangaia/test (refs/heads/master): master, latest"
    );
    assert_eq!(r.route_mismatch, None);
}

#[test]
fn quay_build_start_quayio_numeric_commit_date() {
    let r = rec(&fixture("quay/build_start.quayio-docs.json"));
    assert_eq!(r.kind, unsure_build());
    assert_eq!(r.tags, tags(&["latest", "foo", "bar"]));
    let r = rec_hint(
        &RouteHint::quay("build_start"),
        &fixture("quay/build_start.quayio-docs.json"),
    );
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildStart));
    assert_eq!(
        r.summary,
        "build some-fake-build started on mynamespace/repository (refs/heads/somebranch): latest, foo, bar"
    );
}

#[test]
fn quay_build_success_redhat_has_manifest_digests() {
    let r = rec(&fixture("quay/build_success.redhat-docs.json"));
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildSuccess));
    assert_eq!(repo(&r), Some("dgangaia/test"));
    assert_eq!(r.tags, tags(&["master", "latest"]));
    // Two manifest digests: no single digest to report.
    assert_eq!(r.digest, None);
    assert_eq!(
        r.summary,
        "build b7f7d2b succeeded on dgangaia/test (refs/heads/master): master, latest"
    );
}

#[test]
fn quay_build_success_single_manifest_digest_is_reported() {
    let body = br#"{"repository":"a/b","build_id":"x","docker_tags":["v1"],
        "manifest_digests":["quay.io/a/b@sha256:2a7af5265344cc37"]}"#;
    let r = rec(body);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildSuccess));
    assert_eq!(r.digest.as_deref(), Some("sha256:2a7af5265344cc37"));
}

#[test]
fn quay_build_success_quayio_needs_hint() {
    let body = fixture("quay/build_success.quayio-docs.json");
    assert_eq!(rec(&body).kind, unsure_build());
    let r = rec_hint(&RouteHint::quay("build_success"), &body);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildSuccess));
    assert_eq!(
        r.summary,
        "build some-fake-build succeeded on mynamespace/repository (refs/heads/somebranch): latest, foo, bar"
    );
}

#[test]
fn quay_build_failure_redhat_summary_carries_error() {
    let r = rec(&fixture("quay/build_failure.redhat-docs.json"));
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildFailure));
    assert_eq!(repo(&r), Some("dgangaia/test"));
    assert_eq!(
        r.summary,
        "build 6ae9a86 failed on dgangaia/test (refs/heads/master): Could not find or parse Dockerfile: unknown instruction: GIT; tags: master, latest"
    );
}

#[test]
fn quay_build_failure_quayio() {
    let r = rec(&fixture("quay/build_failure.quayio-docs.json"));
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildFailure));
    assert_eq!(r.tags, tags(&["latest", "foo", "bar"]));
    assert_eq!(
        r.summary,
        "build some-fake-build failed on mynamespace/repository (refs/heads/somebranch): This is the reason the build failed; tags: latest, foo, bar"
    );
}

#[test]
fn quay_build_cancelled_needs_hint() {
    let body = fixture("quay/build_cancelled.redhat-docs.json");
    let r = rec(&body);
    assert_eq!(r.kind, unsure_build());
    assert!(r
        .summary
        .starts_with("build event on dgangaia/test (one of"));
    let r = rec_hint(&RouteHint::quay("build_cancelled"), &body);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildCancelled));
    assert_eq!(
        r.summary,
        "build cbce83c cancelled on dgangaia/test (refs/heads/master): master, latest"
    );
}

#[test]
fn quay_vulnerability_found() {
    let r = rec(&fixture("quay/vulnerability_found.redhat-docs.json"));
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::VulnerabilityFound));
    assert_eq!(repo(&r), Some("dgangaia/repository"));
    assert_eq!(r.tags, tags(&["latest", "othertag"]));
    assert_eq!(
        r.summary,
        "critical vulnerability CVE-1234-5678 in dgangaia/repository"
    );
}

/// The route's event decides among the events a build body could be, and nothing more: a body
/// that shows its own event (is_manual, manifest_digests, error_message) keeps it on a route
/// made for another build event, and the mismatch is flagged in the field and the summary.
#[test]
fn route_hint_breaks_build_ties_but_never_overrides_the_body() {
    use QuayEvent::*;
    let decided = |e: QuayEvent| Some(EventKind::Quay(e));
    let files = [
        ("quay/build_queued.redhat-docs.json", decided(BuildQueued)),
        ("quay/build_queued.quayio-docs.json", decided(BuildQueued)),
        ("quay/build_start.redhat-docs.json", None),
        ("quay/build_start.quayio-docs.json", None),
        ("quay/build_success.redhat-docs.json", decided(BuildSuccess)),
        ("quay/build_success.quayio-docs.json", None),
        ("quay/build_failure.redhat-docs.json", decided(BuildFailure)),
        ("quay/build_failure.quayio-docs.json", decided(BuildFailure)),
        ("quay/build_cancelled.redhat-docs.json", None),
    ];
    let mut mismatches = 0;
    for (file, body_says) in files {
        let body = fixture(file);
        for (name, routed) in BUILD_KINDS {
            let r = rec_hint(&RouteHint::quay(name), &body);
            assert_eq!(r.source, Source::Quay);
            assert!(r.summary.starts_with("build "), "{}", r.summary);
            let (kind, received) = match &body_says {
                Some(kind) if *kind == routed => (routed, None),
                Some(kind) => (kind.clone(), kind.wire_name().map(str::to_owned)),
                // Only build_queued is not a candidate: its emitter always sets is_manual.
                None if name == "build_queued" => (
                    unsure_build(),
                    Some(
                        "one of build_start, build_success, build_failure, build_cancelled".into(),
                    ),
                ),
                None => (routed, None),
            };
            assert_eq!(r.kind, kind, "{file} with {name}");
            let expected = received.map(|got| format!("route made for {name} received {got}"));
            assert_eq!(r.route_mismatch, expected, "{file} with {name}");
            let noted = r.summary.ends_with(&format!(" (route made for {name})"));
            assert_eq!(noted, r.route_mismatch.is_some(), "{}", r.summary);
            mismatches += usize::from(noted);
        }
    }
    assert_eq!(mismatches, 5 * 4 + 4);
}

#[test]
fn hint_event_without_source_implies_the_registry() {
    let hint = RouteHint {
        source: None,
        event: Some("build_failure".into()),
    };
    let r = rec_hint(&hint, &fixture("quay/build_start.redhat-docs.json"));
    assert_eq!(r.source, Source::Quay);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildFailure));
    assert_eq!(
        r.summary,
        "build 50bc599 failed on dgangaia/test (refs/heads/master): master, latest"
    );
}

#[test]
fn hint_source_without_event_still_infers_from_shape() {
    let hint = RouteHint {
        source: Some(Source::Quay),
        event: None,
    };
    let r = rec_hint(&hint, &fixture("quay/repo_push.redhat-docs.json"));
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::RepoPush));
    let r = rec_hint(&hint, &fixture("quay/build_start.redhat-docs.json"));
    assert_eq!(r.kind, unsure_build());
}

#[test]
fn unknown_hint_event_is_kept_as_other() {
    let envelope =
        br#"{"repository":"ns/r","namespace":"ns","name":"r","docker_url":"quay.io/ns/r"}"#;
    let r = rec_hint(&RouteHint::quay("repo_teleported"), envelope);
    assert_eq!(r.source, Source::Quay);
    assert_eq!(
        r.kind,
        EventKind::Quay(QuayEvent::Other("repo_teleported".into()))
    );
    assert_eq!(r.summary, "Quay event repo_teleported on ns/r");
    assert_eq!(r.route_mismatch, None);
    // A body that decides its event keeps it, whatever the route is called.
    let r = rec_hint(
        &RouteHint::quay("repo_teleported"),
        &fixture("quay/repo_push.redhat-docs.json"),
    );
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::RepoPush));
    assert_eq!(
        r.route_mismatch.as_deref(),
        Some("route made for repo_teleported received repo_push")
    );
}

#[test]
fn commit_date_as_string_or_number_gives_the_same_result() {
    let with = |date: &str| {
        format!(
            r#"{{"repository":"ns/r","build_id":"b","docker_tags":["v1"],"error_message":"boom",
            "trigger_metadata":{{"commit_info":{{"date":{date},"message":"m"}}}}}}"#
        )
    };
    let a = rec(with("\"2019-03-06T14:18:16+11:00\"").as_bytes());
    let b = rec(with("2395748365").as_bytes());
    assert_eq!(a, b);
    assert_eq!(a.kind, EventKind::Quay(QuayEvent::BuildFailure));
    assert_eq!(a.summary, "build failed on ns/r: boom; tags: v1");
}

#[test]
fn quay_push_with_many_tags_shortens_the_summary() {
    let r =
        rec(br#"{"repository":"ns/r","docker_url":"q/ns/r","updated_tags":["a","b","c","d","e"]}"#);
    assert_eq!(r.tags, tags(&["a", "b", "c", "d", "e"]));
    assert_eq!(r.summary, "push to ns/r: a, b, c (+2 more)");
}

#[test]
fn quay_map_variant_with_different_digests_reports_no_single_digest() {
    let r = rec(br#"{"repository":"ns/r","updated_tags":{"a":"sha256:1","b":"sha256:2"}}"#);
    assert_eq!(r.tags, tags(&["a", "b"]));
    assert_eq!(r.digest, None);
}

/// The map variant is walked, not built: the first 100 tags in body order are kept, every entry
/// counted, and every digest (not only the kept ones) compared.
#[test]
fn quay_map_variant_with_many_tags_keeps_a_hundred_and_checks_every_digest() {
    let map = |last: &str| {
        let mut entries: Vec<String> = (0..300)
            .rev()
            .map(|i| format!(r#""t{i}":"sha256:same""#))
            .collect();
        entries.push(format!(r#""zz":"{last}""#));
        format!(
            r#"{{"repository":"ns/r","updated_tags":{{{}}}}}"#,
            entries.join(",")
        )
    };
    let r = rec(map("sha256:same").as_bytes());
    assert_eq!(r.tags.len(), MAX_TAGS);
    assert_eq!(r.tags[..2], tags(&["t299", "t298"]));
    assert!(
        r.summary.ends_with("t299, t298, t297 (+298 more)"),
        "{}",
        r.summary
    );
    assert_eq!(r.digest.as_deref(), Some("sha256:same"));
    assert_eq!(rec(map("sha256:other").as_bytes()).digest, None);
}

#[test]
fn quay_mirror_events_ambiguous_then_hinted() {
    let body = br#"{"repository":"ns/mirror","namespace":"ns","name":"mirror",
        "docker_url":"quay.io/ns/mirror","homepage":"https://quay.io/repository/ns/mirror",
        "message":"'docker.io/library/nginx' with tag pattern 'latest,1.*'"}"#;
    let r = rec(body);
    assert_eq!(
        r.kind,
        EventKind::Ambiguous {
            candidates: vec![
                EventKind::Quay(QuayEvent::RepoMirrorSyncStarted),
                EventKind::Quay(QuayEvent::RepoMirrorSyncSuccess),
                EventKind::Quay(QuayEvent::RepoMirrorSyncFailed),
            ]
        }
    );
    assert_eq!(r.summary, "mirror sync on ns/mirror (one of repo_mirror_sync_started, repo_mirror_sync_success, repo_mirror_sync_failed): 'docker.io/library/nginx' with tag pattern 'latest,1.*'");
    let r = rec_hint(&RouteHint::quay("repo_mirror_sync_failed"), body);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::RepoMirrorSyncFailed));
    assert_eq!(
        r.summary,
        "mirror sync failed on ns/mirror: 'docker.io/library/nginx' with tag pattern 'latest,1.*'"
    );
}

#[test]
fn quay_image_expiry() {
    let body = br#"{"repository":"acme/web","namespace":"acme","name":"web",
        "docker_url":"quay.io/acme/web","tags":["v1","v2"],"expiring_in":"7 days"}"#;
    let r = rec(body);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::RepoImageExpiry));
    assert_eq!(r.tags, tags(&["v1", "v2"]));
    assert_eq!(r.summary, "tags expiring within 7 days in acme/web: v1, v2");
}

#[test]
fn quay_quota_ambiguous_then_hinted() {
    let body = br#"{"namespace":"acme","homepage":"https://quay.io/organization/acme",
        "threshold_percent":80,"usage_bytes":858993459,"limit_bytes":1073741824,
        "usage_percent":80}"#;
    let r = rec(body);
    assert_eq!(r.source, Source::Quay);
    assert_eq!(
        r.kind,
        EventKind::Ambiguous {
            candidates: vec![
                EventKind::Quay(QuayEvent::QuotaWarning),
                EventKind::Quay(QuayEvent::QuotaError)
            ]
        }
    );
    assert_eq!(r.repository, None);
    assert_eq!(
        r.summary,
        "quota notice for acme: 80% used (one of quota_warning, quota_error)"
    );
    let r = rec_hint(&RouteHint::quay("quota_warning"), body);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::QuotaWarning));
    assert_eq!(r.summary, "quota warning for acme: 80% used");
    let r = rec_hint(&RouteHint::quay("quota_error"), body);
    assert_eq!(r.summary, "quota exceeded for acme: 80% used");
}

/// A quota notification set on a repository delivers the repository envelope too; the quota
/// keys still decide, and the namespace is named.
#[test]
fn quay_quota_from_a_repository_notification() {
    let body = br#"{"repository":"acme/web","namespace":"acme","name":"web",
        "docker_url":"quay.io/acme/web","homepage":"https://quay.io/repository/acme/web",
        "threshold_percent":100,"usage_percent":100,"usage_bytes":10737418240,
        "limit_bytes":10737418240}"#;
    let r = rec_hint(&RouteHint::quay("quota_error"), body);
    assert_eq!(r.source, Source::Quay);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::QuotaError));
    assert_eq!(r.alert, Some(Alert::Failure));
    assert!(
        r.summary.starts_with("quota exceeded for acme"),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("100% used"), "{}", r.summary);
    let unhinted = rec(body);
    assert!(
        matches!(unhinted.kind, EventKind::Ambiguous { .. }),
        "{:?}",
        unhinted.kind
    );
}

#[test]
fn quay_envelope_only_is_quay_but_unrecognised() {
    let r =
        rec(br#"{"repository":"ns/r","namespace":"ns","name":"r","docker_url":"quay.io/ns/r"}"#);
    assert_eq!(r.source, Source::Quay);
    assert_eq!(r.kind, EventKind::Unrecognized);
    assert_eq!(repo(&r), Some("ns/r"));
    assert_eq!(r.summary, "Quay event on ns/r (kind not recognised)");
}

#[test]
fn quay_repository_falls_back_to_namespace_and_name() {
    let r = rec(br#"{"namespace":"ns","name":"r","updated_tags":["x"]}"#);
    assert_eq!(repo(&r), Some("ns/r"));
    assert_eq!(r.summary, "push to ns/r: x");
}

// ------------------------------------------------------------------------------------------------
// DTR fixtures

const DTR_DIGEST: &str = "sha256:3b1f2e6a9c0d4f5b8a7e6d5c4b3a29180716f5e4d3c2b1a09f8e7d6c5b4a39c9";

#[test]
fn dtr_tag_push() {
    let r = rec(&fixture("dtr/TAG_PUSH.json"));
    assert_eq!(r.source, Source::Dtr);
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::TagPush));
    assert_eq!(repo(&r), Some("payments/api"));
    assert_eq!(r.tags, tags(&["v1.4.2"]));
    assert_eq!(r.digest.as_deref(), Some(DTR_DIGEST));
    assert_eq!(r.summary, "push to payments/api: v1.4.2");
}

#[test]
fn dtr_tag_delete() {
    let r = rec(&fixture("dtr/TAG_DELETE.json"));
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::TagDelete));
    assert_eq!(r.tags, tags(&["v1.4.1"]));
    assert_eq!(r.digest.as_deref(), Some(DTR_DIGEST));
    assert_eq!(r.summary, "tag deleted from payments/api: v1.4.1");
}

#[test]
fn dtr_manifest_push() {
    let r = rec(&fixture("dtr/MANIFEST_PUSH.json"));
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::ManifestPush));
    assert!(r.tags.is_empty());
    assert_eq!(r.digest.as_deref(), Some(DTR_DIGEST));
    assert_eq!(
        r.summary,
        "manifest pushed to payments/api: sha256:3b1f2e6a9c0d"
    );
}

#[test]
fn dtr_manifest_delete() {
    let r = rec(&fixture("dtr/MANIFEST_DELETE.json"));
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::ManifestDelete));
    assert_eq!(r.digest.as_deref(), Some(DTR_DIGEST));
    assert_eq!(
        r.summary,
        "manifest deleted from payments/api: sha256:3b1f2e6a9c0d"
    );
}

#[test]
fn dtr_repo_event_created() {
    let r = rec(&fixture("dtr/REPO_EVENT.json"));
    assert_eq!(r.kind, EventKind::DtrRepoEvent(Some(RepoAction::Created)));
    assert_eq!(repo(&r), Some("payments/worker"));
    assert_eq!(r.summary, "repository created: payments/worker (by alice)");
}

#[test]
fn dtr_scan_completed() {
    let r = rec(&fixture("dtr/SCAN_COMPLETED.json"));
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::ScanCompleted));
    assert_eq!(repo(&r), Some("payments/api"));
    assert_eq!(r.tags, tags(&["v1.4.2"]));
    assert_eq!(
        r.summary,
        "scan completed on payments/api:v1.4.2: 1 critical, 4 major, 11 minor"
    );
}

#[test]
fn dtr_scan_failed() {
    let r = rec(&fixture("dtr/SCAN_FAILED.json"));
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::ScanFailed));
    assert_eq!(r.tags, tags(&["v1.4.2"]));
    assert_eq!(
        r.summary,
        "scan failed on payments/api:v1.4.2: layer sha256:9f3a could not be decompressed"
    );
}

#[test]
fn dtr_scanner_update_completed() {
    let r = rec(&fixture("dtr/SCANNER_UPDATE_COMPLETED.json"));
    assert_eq!(r.source, Source::Dtr);
    assert_eq!(
        r.kind,
        EventKind::Dtr(DtrWebhookType::ScannerUpdateCompleted)
    );
    assert_eq!(r.repository, None);
    assert_eq!(r.summary, "scanner database updated to version 481");
    let failed =
        br#"{"type":"SCANNER_UPDATE_COMPLETED","contents":{"success":false,"db_version":"482"}}"#;
    assert_eq!(rec(failed).summary, "scanner database update failed");
}

#[test]
fn alerts_are_decided_from_the_payload() {
    let quay = |event: &str, file: &str| rec_hint(&RouteHint::quay(event), &fixture(file)).alert;
    assert_eq!(
        quay("build_failure", "quay/build_failure.redhat-docs.json"),
        Some(Alert::Failure)
    );
    assert_eq!(
        quay(
            "vulnerability_found",
            "quay/vulnerability_found.redhat-docs.json"
        ),
        Some(Alert::Vulnerability)
    );
    assert_eq!(quay("repo_push", "quay/repo_push.redhat-docs.json"), None);

    assert_eq!(
        rec(&fixture("dtr/SCAN_COMPLETED.json")).alert,
        Some(Alert::Vulnerability),
        "1 critical"
    );
    let scan = |critical: &str| {
        let body = format!(
            r#"{{"type":"SCAN_COMPLETED","contents":{{"namespace":"a","repository":"b","tag":"1","scanSummary":{{"critical":{critical},"major":9,"minor":9}}}}}}"#
        );
        rec(body.as_bytes()).alert
    };
    assert_eq!(scan("0"), None, "no critical finding");
    assert_eq!(scan("\"2\""), Some(Alert::Vulnerability));
    assert_eq!(scan("null"), None);
    assert_eq!(
        rec(&fixture("dtr/SCAN_FAILED.json")).alert,
        Some(Alert::Failure)
    );
    assert_eq!(
        rec(&fixture("dtr/SCANNER_UPDATE_COMPLETED.json")).alert,
        None
    );
    let failed = br#"{"type":"SCANNER_UPDATE_COMPLETED","contents":{"success":false}}"#;
    assert_eq!(rec(failed).alert, Some(Alert::Failure));
    assert_eq!(rec(&fixture("dtr/TAG_PUSH.json")).alert, None);
}

#[test]
fn dtr_repo_event_sub_kinds() {
    for (sub, action) in [
        ("REPO_CREATED", Some(RepoAction::Created)),
        ("REPO_UPDATED", Some(RepoAction::Updated)),
        ("REPO_DELETED", Some(RepoAction::Deleted)),
        ("REPO_EXPLODED", None),
    ] {
        let body = format!(
            r#"{{"type":"REPO_EVENT","contents":{{"namespace":"ns","repository":"r","event":"{sub}"}}}}"#
        );
        let r = rec(body.as_bytes());
        assert_eq!(r.kind, EventKind::DtrRepoEvent(action), "{sub}");
        assert_eq!(repo(&r), Some("ns/r"));
    }
    let r = rec(br#"{"type":"REPO_EVENT","contents":{"namespace":"ns","repository":"r"}}"#);
    assert_eq!(r.summary, "repository event: ns/r");
    // Newer docs list the sub-kinds as types of their own.
    let r = rec(br#"{"type":"REPO_DELETED","contents":{"namespace":"ns","repository":"r"}}"#);
    assert_eq!(r.kind, EventKind::DtrRepoEvent(Some(RepoAction::Deleted)));
    assert_eq!(r.summary, "repository deleted: ns/r");
}

#[test]
fn dtr_undocumented_types_are_recognised_by_name() {
    let cases = [
        (
            "TAG_PULL",
            EventKind::Dtr(DtrWebhookType::TagPull),
            "pull from ns/r: v1",
        ),
        (
            "MANIFEST_PULL",
            EventKind::Dtr(DtrWebhookType::ManifestPull),
            "manifest pulled from ns/r: sha256:0afb00000000",
        ),
        (
            "PROMOTION",
            EventKind::Dtr(DtrWebhookType::Promotion),
            "promotion to ns/r: v1",
        ),
        (
            "PUSH_MIRRORING",
            EventKind::Dtr(DtrWebhookType::PushMirroring),
            "push mirroring from ns/r: v1",
        ),
        (
            "POLL_MIRRORING",
            EventKind::Dtr(DtrWebhookType::PollMirroring),
            "poll mirroring into ns/r: v1",
        ),
        (
            "CHART_PUSH",
            EventKind::Dtr(DtrWebhookType::Other("CHART_PUSH".into())),
            "CHART_PUSH on ns/r",
        ),
        (
            "CHART_LINTED",
            EventKind::Dtr(DtrWebhookType::Other("CHART_LINTED".into())),
            "CHART_LINTED on ns/r",
        ),
        (
            "SOMETHING_NEW",
            EventKind::Dtr(DtrWebhookType::Other("SOMETHING_NEW".into())),
            "SOMETHING_NEW on ns/r",
        ),
    ];
    for (ty, kind, summary) in cases {
        let tag = if ty == "MANIFEST_PULL" {
            ""
        } else {
            r#""tag":"v1","#
        };
        let body = format!(
            r#"{{"type":"{ty}","createdAt":"2024-01-01T00:00:00Z","contents":{{"namespace":"ns","repository":"r",{tag}"digest":"sha256:0afb0000000000000000"}}}}"#
        );
        let r = rec(body.as_bytes());
        assert_eq!(r.source, Source::Dtr, "{ty}");
        assert_eq!(r.kind, kind, "{ty}");
        assert_eq!(r.summary, summary, "{ty}");
    }
}

#[test]
fn dtr_body_type_wins_over_route_hint() {
    let r = rec_hint(&RouteHint::dtr("TAG_DELETE"), &fixture("dtr/TAG_PUSH.json"));
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::TagPush));
    assert_eq!(
        r.route_mismatch.as_deref(),
        Some("route made for TAG_DELETE received TAG_PUSH")
    );
    // Without a type in the body, the route names it.
    let body = br#"{"contents":{"namespace":"ns","repository":"r","tag":"v9"}}"#;
    let r = rec_hint(&RouteHint::dtr("TAG_PULL"), body);
    assert_eq!(r.source, Source::Dtr);
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::TagPull));
    assert_eq!(r.summary, "pull from ns/r: v9");
}

// ------------------------------------------------------------------------------------------------
// Reused routes and custom templates

/// A route made for one event and reused for another: the body's own shape decides, the alert
/// follows the body, and the mismatch is kept and noted at the end of the summary.
#[test]
fn a_body_that_decides_its_event_wins_over_the_route() {
    let r = rec_hint(
        &RouteHint::quay("repo_push"),
        &fixture("quay/build_failure.redhat-docs.json"),
    );
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildFailure));
    assert_eq!(r.alert, Some(Alert::Failure));
    assert_eq!(
        r.route_mismatch.as_deref(),
        Some("route made for repo_push received build_failure")
    );
    assert_eq!(
        r.summary,
        "build 6ae9a86 failed on dgangaia/test (refs/heads/master): Could not find or parse Dockerfile: unknown instruction: GIT; tags: master, latest (route made for repo_push)"
    );

    let expiry = br#"{"repository":"acme/web","namespace":"acme","name":"web",
        "docker_url":"quay.io/acme/web","tags":["v1"],"expiring_in":"7 days"}"#;
    let quota = br#"{"namespace":"acme","threshold_percent":80,"usage_percent":80,
        "limit_bytes":1073741824}"#;
    let vulnerability = fixture("quay/vulnerability_found.redhat-docs.json");
    let push = fixture("quay/repo_push.quayio-docs.json");
    for (route, body, kind, received) in [
        (
            "repo_push",
            &vulnerability[..],
            EventKind::Quay(QuayEvent::VulnerabilityFound),
            "vulnerability_found",
        ),
        (
            "build_success",
            &push[..],
            EventKind::Quay(QuayEvent::RepoPush),
            "repo_push",
        ),
        (
            "repo_push",
            &expiry[..],
            EventKind::Quay(QuayEvent::RepoImageExpiry),
            "repo_image_expiry",
        ),
        (
            "repo_push",
            &quota[..],
            EventKind::Ambiguous {
                candidates: vec![
                    EventKind::Quay(QuayEvent::QuotaWarning),
                    EventKind::Quay(QuayEvent::QuotaError),
                ],
            },
            "one of quota_warning, quota_error",
        ),
    ] {
        let r = rec_hint(&RouteHint::quay(route), body);
        assert_eq!(r.kind, kind, "{received}");
        assert_eq!(
            r.route_mismatch,
            Some(format!("route made for {route} received {received}"))
        );
        assert!(
            r.summary.ends_with(&format!(" (route made for {route})")),
            "{}",
            r.summary
        );
    }

    // The route still decides among the events the body could be, without a note.
    let r = rec_hint(&RouteHint::quay("quota_error"), quota);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::QuotaError));
    assert_eq!(r.route_mismatch, None);
    assert!(!r.summary.contains("route made for"), "{}", r.summary);
    // Names are compared as Quay compares them.
    let r = rec_hint(&RouteHint::quay("REPO_PUSH"), &push);
    assert_eq!(r.route_mismatch, None);
}

/// The note that a route disagreed must survive the summary cap: the head is cut instead.
#[test]
fn the_route_note_survives_the_summary_cap() {
    let body = serde_json::json!({
        "repository": format!("ns/{}", "r".repeat(300)), "build_id": "b",
        "build_name": "n".repeat(300), "docker_tags": ["t".repeat(300)],
        "trigger_metadata": {"ref": format!("refs/heads/{}", "x".repeat(300))},
        "error_message": "e".repeat(300),
    });
    let r = rec_hint(
        &RouteHint::quay("repo_mirror_sync_failed"),
        body.to_string().as_bytes(),
    );
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildFailure));
    assert_display_safe(&r);
    assert_eq!(r.summary.chars().count(), MAX_SUMMARY);
    assert!(
        r.summary
            .ends_with("… (route made for repo_mirror_sync_failed)"),
        "{}",
        r.summary
    );
    // A hostile route name is cleaned and capped like any name.
    let hint = RouteHint::quay(format!("x\u{202E}\n{}", "y".repeat(500)));
    let r = rec_hint(&hint, body.to_string().as_bytes());
    assert_display_safe(&r);
    assert!(r.summary.ends_with("…)"), "{}", r.summary);
    assert!(r
        .route_mismatch
        .is_some_and(|m| !m.chars().any(char::is_control) && m.chars().count() < 120));
}

/// DTR bodies carry their type: a `SCAN_COMPLETED` sent to a route made for `TAG_PUSH` is a scan
/// result, flagged; a `REPO_EVENT` route takes every repository action.
#[test]
fn dtr_route_mismatch_is_flagged() {
    let r = rec_hint(
        &RouteHint::dtr("TAG_PUSH"),
        &fixture("dtr/SCAN_COMPLETED.json"),
    );
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::ScanCompleted));
    assert_eq!(r.alert, Some(Alert::Vulnerability));
    assert_eq!(
        r.route_mismatch.as_deref(),
        Some("route made for TAG_PUSH received SCAN_COMPLETED")
    );
    assert_eq!(
        r.summary,
        "scan completed on payments/api:v1.4.2: 1 critical, 4 major, 11 minor (route made for TAG_PUSH)"
    );
    for (route, file) in [
        ("TAG_PUSH", "dtr/TAG_PUSH.json"),
        ("tag_push", "dtr/TAG_PUSH.json"),
        ("REPO_EVENT", "dtr/REPO_EVENT.json"),
        ("REPO_CREATED", "dtr/REPO_EVENT.json"),
    ] {
        let r = rec_hint(&RouteHint::dtr(route), &fixture(file));
        assert_eq!(r.route_mismatch, None, "{route}");
        assert!(!r.summary.contains("route made for"), "{}", r.summary);
    }
    let r = rec_hint(
        &RouteHint::dtr("REPO_DELETED"),
        &fixture("dtr/REPO_EVENT.json"),
    );
    assert_eq!(r.kind, EventKind::DtrRepoEvent(Some(RepoAction::Created)));
    assert_eq!(
        r.route_mismatch.as_deref(),
        Some("route made for REPO_DELETED received REPO_EVENT")
    );
}

/// A route made for one registry that receives the other's payload: the body says which.
#[test]
fn a_route_for_the_other_registry_does_not_relabel_the_body() {
    let r = rec_hint(&RouteHint::quay("repo_push"), &fixture("dtr/TAG_PUSH.json"));
    assert_eq!(r.source, Source::Dtr);
    assert_eq!(r.kind, EventKind::Dtr(DtrWebhookType::TagPush));
    assert_eq!(
        r.route_mismatch.as_deref(),
        Some("route made for repo_push received TAG_PUSH")
    );
    assert_eq!(
        r.summary,
        "push to payments/api: v1.4.2 (route made for repo_push)"
    );
    let dtr_route = RouteHint {
        source: Some(Source::Dtr),
        event: None,
    };
    let r = rec_hint(&dtr_route, &fixture("quay/repo_push.redhat-docs.json"));
    assert_eq!(r.source, Source::Quay);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::RepoPush));
    assert_eq!(
        r.route_mismatch.as_deref(),
        Some("route made for a DTR webhook received repo_push")
    );
}

const TEMPLATED: &[u8] = br#"{"text": "testorg/repo3 pushed latest,foo"}"#;

/// A custom notification template keeps none of Quay's keys: the route's repository and event
/// stand in, and the summary says where they came from.
#[test]
fn a_templated_body_takes_repository_and_event_from_the_route() {
    let route = RouteHint::quay("repo_push");
    let r = recognize_on_route(Some(&route), Some("testorg/repo3"), &[], TEMPLATED);
    assert_eq!(r.source, Source::Quay);
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::RepoPush));
    assert_eq!(repo(&r), Some("testorg/repo3"));
    assert_eq!(r.route_mismatch, None);
    assert_eq!(
        r.summary,
        "push to testorg/repo3 (from the route; the body is a custom template)"
    );
    // Without the route's repository: as before.
    let r = rec_hint(&route, TEMPLATED);
    assert_eq!(repo(&r), None);
    assert_eq!(r.summary, "push to unknown repository");
    // A body that names its repository is believed.
    let push = fixture("quay/repo_push.redhat-docs.json");
    let r = recognize_on_route(Some(&route), Some("testorg/repo3"), &[], &push);
    assert_eq!(repo(&r), Some("dgangaia/test"));
    assert_eq!(r.summary, "push to dgangaia/test: latest");
    // A real build body without the envelope: the event is the body's, the repository the route's.
    let build = br#"{"build_id":"b","build_name":"nightly","docker_tags":["v2"]}"#;
    let r = recognize_on_route(
        Some(&RouteHint::quay("build_start")),
        Some("testorg/repo3"),
        &[],
        build,
    );
    assert_eq!(repo(&r), Some("testorg/repo3"));
    assert_eq!(
        r.summary,
        "build nightly started on testorg/repo3: v2 (repository from the route)"
    );
}

/// The route's repository is not borrowed where it would be wrong: for a body of another event
/// (the route is being reused), and for quota notifications, which concern a namespace.
#[test]
fn the_route_repository_is_not_borrowed_where_it_would_mislead() {
    let build = br#"{"build_id":"b","error_message":"boom."}"#;
    let r = recognize_on_route(
        Some(&RouteHint::quay("repo_push")),
        Some("testorg/repo3"),
        &[],
        build,
    );
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildFailure));
    assert_eq!(repo(&r), None);
    assert_eq!(
        r.summary,
        "build failed on unknown repository: boom (route made for repo_push)"
    );
    let quota = br#"{"namespace":"acme","threshold_percent":80,"usage_percent":80}"#;
    let r = recognize_on_route(
        Some(&RouteHint::quay("quota_warning")),
        Some("acme/web"),
        &[],
        quota,
    );
    assert_eq!(repo(&r), None);
    assert_eq!(r.summary, "quota warning for acme: 80% used");
    // A blank route repository is no repository.
    let r = recognize_on_route(
        Some(&RouteHint::quay("repo_push")),
        Some("  "),
        &[],
        TEMPLATED,
    );
    assert_eq!(r.summary, "push to unknown repository");
}

/// Over HTTP: the receiver passes the stored route's repository to recognition, for small bodies
/// and for the large ones recognised off the async workers.
#[tokio::test]
async fn the_receiver_files_a_templated_body_under_the_route() {
    use inbox::store::RouteResponse;
    let f = crate::common::start_receiver("templated", |_| {}).await;
    let token = crate::common::quay_route(&f.store, RouteResponse::default());
    let large = format!(
        r#"{{"text": "payments/api pushed", "pad": "{}"}}"#,
        "p".repeat(70_000)
    );
    let client = reqwest::Client::new();
    for body in [TEMPLATED.to_vec(), large.into_bytes()] {
        let resp = client
            .post(format!("{}/hooks/{token}", f.base))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let rows = crate::common::rows_of(&f.store, &token);
    assert_eq!(rows.len(), 2);
    for row in rows {
        let got = f.store.get(row.id).unwrap().unwrap().summary;
        assert_eq!(got.repository.as_deref(), Some("payments/api"));
        assert_eq!(got.event.as_deref(), Some("repo_push"));
        assert_eq!(
            got.summary.as_deref(),
            Some("push to payments/api (from the route; the body is a custom template)")
        );
    }
    f.receiver.shutdown().await.unwrap();
}

// ------------------------------------------------------------------------------------------------
// Summaries

/// Quay ends some messages with a full stop; the summary never doubles it, or keeps one a note
/// or a shown stop would double.
#[test]
fn messages_ending_in_a_full_stop_never_make_two() {
    let mirror = br#"{"repository":"ns/m","docker_url":"quay.io/ns/m",
        "message":"Could not reach docker.io."}"#;
    let r = rec_hint(&RouteHint::quay("repo_mirror_sync_failed"), mirror);
    assert_eq!(
        r.summary,
        "mirror sync failed on ns/m: Could not reach docker.io"
    );
    let r = rec(mirror);
    assert!(
        r.summary
            .ends_with("repo_mirror_sync_failed): Could not reach docker.io"),
        "{}",
        r.summary
    );
    let failure =
        br#"{"repository":"ns/r","build_id":"b","error_message":"Dockerfile missing..."}"#;
    let r = rec_hint(&RouteHint::quay("repo_push"), failure);
    assert_eq!(
        r.summary,
        "build failed on ns/r: Dockerfile missing (route made for repo_push)"
    );
    let scan = br#"{"type":"SCAN_FAILED","contents":{"namespace":"a","repository":"b","tag":"1","error":"timed out."}}"#;
    assert_eq!(rec(scan).summary, "scan failed on a/b:1: timed out");
    for r in [rec(mirror), rec(failure), rec(scan)] {
        assert!(!r.summary.contains(".."), "{}", r.summary);
    }
}

/// The build summary names what the payload has, and leaves out what it lacks.
#[test]
fn build_summaries_name_the_build_ref_and_tags() {
    let manual = br#"{"repository":"ns/r","build_id":"b","is_manual":true,"manual_user":"me"}"#;
    assert_eq!(rec(manual).summary, "build queued on ns/r");
    let odd_ref = br#"{"repository":"ns/r","build_id":"b","build_name":" ","docker_tags":[],
        "trigger_metadata":{"ref":["not","a","string"]},"manifest_digests":[]}"#;
    assert_eq!(rec(odd_ref).summary, "build succeeded on ns/r");
    let r = rec_hint(
        &RouteHint::quay("build_cancelled"),
        &fixture("quay/build_cancelled.redhat-docs.json"),
    );
    assert_eq!(
        r.summary,
        "build cbce83c cancelled on dgangaia/test (refs/heads/master): master, latest"
    );
}

// ------------------------------------------------------------------------------------------------
// Bodies that are not registry payloads

fn assert_unknown(r: &Recognized, summary: &str) {
    assert_eq!(r.source, Source::Unknown);
    assert_eq!(r.kind, EventKind::Unrecognized);
    assert_eq!(r.repository, None);
    assert!(r.tags.is_empty());
    assert_eq!(r.summary, summary);
}

#[test]
fn empty_and_whitespace_bodies() {
    assert_unknown(&rec(b""), "empty body");
    assert_unknown(&rec(b" \r\n\t "), "empty body");
    assert_unknown(&rec_hint(&RouteHint::quay("repo_push"), b""), "empty body");
}

#[test]
fn malformed_json() {
    assert_unknown(
        &rec(br#"{"repository":"ns/r","updated_tags":["#),
        "body is not JSON (37 bytes)",
    );
    let headers = vec![(
        "Content-Type".to_string(),
        b"text/plain; charset=utf-8".to_vec(),
    )];
    assert_unknown(
        &recognize(None, &headers, b"hello"),
        "body is not JSON (text/plain; charset=utf-8, 5 bytes)",
    );
}

#[test]
fn non_utf8_body() {
    assert_unknown(
        &rec(b"{\"a\":\"\xff\xfe\"}"),
        "body is not UTF-8 (10 bytes)",
    );
    let hostile_header = vec![("content-type".to_string(), b"app\n\x1b[31mred\xff".to_vec())];
    let r = recognize(None, &hostile_header, b"\xc3\x28");
    assert_eq!(
        r.summary,
        "body is not UTF-8 (app [31mred\u{FFFD}, 2 bytes)"
    );
}

#[test]
fn json_that_is_not_an_object() {
    assert_unknown(
        &rec(b"[1,2,3]"),
        "JSON array of 3 items, not a registry payload",
    );
    assert_unknown(&rec(b"42"), "JSON number, not a registry payload");
    assert_unknown(
        &rec(br#""repo_push""#),
        "JSON string, not a registry payload",
    );
    assert_unknown(&rec(b"null"), "JSON null, not a registry payload");
    assert_unknown(&rec(b"true"), "JSON boolean, not a registry payload");
    // A route hint does not make an array a payload.
    assert_unknown(
        &rec_hint(&RouteHint::quay("repo_push"), b"[]"),
        "JSON array of 0 items, not a registry payload",
    );
}

#[test]
fn unrelated_json_objects() {
    assert_unknown(&rec(b"{}"), "empty JSON object, not a registry payload");
    assert_unknown(
        &rec(br#"{"zen":"Keep it simple","hook_id":1}"#),
        "unrecognised JSON object (keys: hook_id, zen)",
    );
    assert_unknown(
        &rec(br#"{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}"#),
        "unrecognised JSON object (keys: a, b, c, d, e, …)",
    );
}

#[test]
fn absurd_nesting_is_read_without_recursing() {
    let deep =
        |open: &str, close: &str| format!("{}{}", open.repeat(100_000), close.repeat(100_000));
    let array = deep("[", "]");
    let in_contents = format!(
        r#"{{"type":"TAG_PUSH","contents":{{"namespace":"ns","repository":"r","tag":{}}}}}"#,
        deep(r#"{"a":"#, "}").replace(r#"{"a":}"#, r#"{"a":1}"#)
    );
    let in_tags = format!(r#"{{"repository":"ns/r","updated_tags":{array}}}"#);
    // A small stack: reading any of these by recursion would overflow it.
    let results = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            [array, in_contents, in_tags].map(|body| recognize(None, &[], body.as_bytes()))
        })
        .unwrap()
        .join()
        .expect("no stack overflow, no panic");
    assert_unknown(&results[0], "JSON array of 1 items, not a registry payload");
    assert_eq!(results[1].summary, "push to ns/r");
    assert_eq!(results[2].kind, EventKind::Quay(QuayEvent::RepoPush));
    assert_eq!(results[2].summary, "push to ns/r");
}

#[test]
fn byte_order_mark_is_ignored() {
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend(fixture("dtr/TAG_PUSH.json"));
    assert_eq!(rec(&body).summary, "push to payments/api: v1.4.2");
}

// ------------------------------------------------------------------------------------------------
// Untrusted text

fn assert_display_safe(r: &Recognized) {
    assert!(!r.summary.is_empty());
    assert!(r.summary.chars().count() <= MAX_SUMMARY, "{}", r.summary);
    assert!(!r.summary.chars().any(char::is_control), "{:?}", r.summary);
    assert!(r.tags.len() <= MAX_TAGS);
    for field in r.repository.iter().chain(&r.tags).chain(&r.digest) {
        assert!(!field.chars().any(char::is_control), "{field:?}");
    }
}

#[test]
fn huge_error_message_is_cut_to_one_short_line() {
    // About 760 KB of JSON: huge, and still under the recognition cap.
    let error = "line one\nline two\r\n\u{1b}[2J\u{202E}evil".repeat(20_000);
    let body = serde_json::json!({
        "repository": "ns/r", "build_id": "b", "docker_tags": ["v1"], "error_message": error
    });
    let r = rec(body.to_string().as_bytes());
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::BuildFailure));
    assert_display_safe(&r);
    assert!(
        r.summary
            .starts_with("build failed on ns/r: line one line two [2J evilline one"),
        "{}",
        r.summary
    );
    assert!(r.summary.ends_with("…; tags: v1"), "{}", r.summary);
    assert!(r.summary.chars().count() < 160);
}

#[test]
fn bodies_over_the_recognition_cap_are_described_not_parsed() {
    let tags: Vec<String> = (0..200_000).map(|i| format!("tag-{i}")).collect();
    let body = serde_json::json!({"repository": "ns/r", "docker_url": "x", "updated_tags": tags})
        .to_string();
    assert!(body.len() > inbox::recognize::MAX_RECOGNIZED);
    let r = rec(body.as_bytes());
    assert_eq!(r.kind, EventKind::Unrecognized);
    assert!(r.tags.is_empty());
    assert!(
        r.summary
            .starts_with(&format!("{} bytes: too large to recognise", body.len())),
        "{}",
        r.summary
    );
}

#[test]
fn huge_and_hostile_fields_are_capped() {
    let long_repo = format!("ns/{}", "r".repeat(500_000));
    let many_tags: Vec<String> = (0..10_000).map(|i| format!("t{i}")).collect();
    let body = serde_json::json!({
        "repository": long_repo, "docker_url": "x", "updated_tags": many_tags
    });
    let r = rec(body.to_string().as_bytes());
    assert_eq!(r.kind, EventKind::Quay(QuayEvent::RepoPush));
    assert_display_safe(&r);
    assert_eq!(r.repository.as_ref().map(|s| s.chars().count()), Some(255));
    assert!(r.repository.as_ref().is_some_and(|s| s.ends_with('…')));
    assert_eq!(r.tags.len(), MAX_TAGS);
    assert_eq!(r.tags[0], "t0");
    assert!(
        r.summary.ends_with("t0, t1, t2 (+9997 more)"),
        "{}",
        r.summary
    );

    let body = serde_json::json!({
        "type": "TAG_PUSH",
        "contents": {"namespace": "ns\n", "repository": "r\u{0}\u{200B}x", "tag": "\t v1 \n"}
    });
    let r = rec(body.to_string().as_bytes());
    assert_display_safe(&r);
    assert_eq!(repo(&r), Some("ns/r x"));
    assert_eq!(r.tags, tags(&["v1"]));
    assert_eq!(r.summary, "push to ns/r x: v1");
}

// ------------------------------------------------------------------------------------------------
// Names and wire format

#[test]
fn wire_names_round_trip() {
    let quay = [
        "repo_push",
        "build_queued",
        "build_start",
        "build_success",
        "build_failure",
        "build_cancelled",
        "vulnerability_found",
        "repo_mirror_sync_started",
        "repo_mirror_sync_success",
        "repo_mirror_sync_failed",
        "repo_image_expiry",
        "quota_warning",
        "quota_error",
    ];
    let dtr = [
        "TAG_PUSH",
        "TAG_PULL",
        "TAG_DELETE",
        "MANIFEST_PUSH",
        "MANIFEST_PULL",
        "MANIFEST_DELETE",
        "PROMOTION",
        "PUSH_MIRRORING",
        "POLL_MIRRORING",
        "REPO_EVENT",
        "SCAN_COMPLETED",
        "SCAN_FAILED",
        "SCANNER_UPDATE_COMPLETED",
        "CHART_PUSH",
    ];
    for (source, names) in [(Source::Quay, &quay[..]), (Source::Dtr, &dtr[..])] {
        for name in names {
            let kind = EventKind::parse(source, name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(kind.wire_name(), Some(*name));
        }
    }
    assert_eq!(EventKind::parse(Source::Quay, "TAG_PUSH"), None);
    assert_eq!(EventKind::parse(Source::Dtr, "repo_push"), None);
    assert_eq!(EventKind::parse(Source::Unknown, "repo_push"), None);
    assert_eq!(
        EventKind::parse(Source::Dtr, "tag_push"),
        Some(EventKind::Dtr(DtrWebhookType::TagPush))
    );
    assert_eq!(unsure_build().wire_name(), None);
}

// ------------------------------------------------------------------------------------------------
// Seeded random and mutated bodies: never a panic, always a display-safe result.

/// xorshift64*: deterministic, so a failure reproduces from the printed case number.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"null",
    b"1e999",
    b"-0",
    b"\"type\"",
    b"\"contents\"",
    b"\"updated_tags\"",
    b"\"REPO_EVENT\"",
    b"\"build_id\"",
    b"\\u0000",
    b"\\ud800",
    b"\xff",
    b"\n",
    b"\xe2\x80\xae",
];

fn mutate(rng: &mut Rng, body: &mut Vec<u8>) {
    for _ in 0..=rng.below(8) {
        let at = rng.below(body.len() + 1);
        match rng.below(4) {
            0 if !body.is_empty() => {
                let i = at.min(body.len() - 1);
                body[i] = rng.next() as u8;
            }
            1 => body.truncate(at),
            2 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                body.splice(at..at, token.iter().copied());
            }
            _ => {
                let end = (at + rng.below(16)).min(body.len());
                body.drain(at..end);
            }
        }
    }
}

/// Replaces one random node of `value` with a value of another type, so the recognisers meet
/// lists where they expect maps, numbers where they expect strings, and so on.
fn mutate_value(rng: &mut Rng, value: &mut serde_json::Value) {
    use serde_json::Value;
    let children = match value {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    if children > 0 && rng.below(4) != 0 {
        let i = rng.below(children);
        let child = match value {
            Value::Object(map) => map.values_mut().nth(i),
            Value::Array(items) => items.get_mut(i),
            _ => None,
        };
        if let Some(child) = child {
            return mutate_value(rng, child);
        }
    }
    *value = match rng.below(7) {
        0 => Value::Null,
        1 => serde_json::json!(rng.next() as i64),
        2 => serde_json::json!(-1.5e300),
        3 => Value::String("\u{1b}x\n\u{202E}".repeat(rng.below(400))),
        4 => serde_json::json!(["a", 1, null, {"b": []}]),
        5 => serde_json::json!({}),
        _ => serde_json::json!({"sha256:x": "sha256:y", "t": 2}),
    };
}

#[test]
fn random_and_mutated_bodies_never_panic() {
    let seeds: Vec<Vec<u8>> = COVERED.iter().map(|f| fixture(f)).collect();
    let hints = [
        None,
        Some(RouteHint::quay("build_failure")),
        Some(RouteHint::dtr("REPO_EVENT")),
        Some(RouteHint {
            source: None,
            event: Some("\u{0}\n".repeat(100)),
        }),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut recognised = 0;
    for case in 0..3_000 {
        let seed = &seeds[rng.below(seeds.len())];
        let body = match case % 3 {
            0 => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
            1 => {
                let mut body = seed.clone();
                mutate(&mut rng, &mut body);
                body
            }
            _ => {
                let mut value: serde_json::Value =
                    serde_json::from_slice(seed).expect("fixture is JSON");
                for _ in 0..=rng.below(3) {
                    mutate_value(&mut rng, &mut value);
                }
                value.to_string().into_bytes()
            }
        };
        let hint = &hints[case % hints.len()];
        let r = recognize(hint.as_ref(), &[], &body);
        assert_display_safe(&r);
        if r.source == Source::Unknown {
            assert_eq!(r.kind, EventKind::Unrecognized, "case {case}");
        } else {
            recognised += 1;
        }
    }
    // Structured mutations keep most bodies objects, so the recognisers themselves are exercised.
    assert!(
        recognised > 500,
        "only {recognised} bodies reached a recogniser"
    );
}
