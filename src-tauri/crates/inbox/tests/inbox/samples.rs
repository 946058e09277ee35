//! Sample deliveries: every Quay event (both payload variants where Quay documents two) and every
//! DTR type is recognised as itself, and a sample sent to a real receiver is stored with the
//! registry's headers.

use inbox::recognize::{recognize, EventKind, RouteHint, Source};
use inbox::samples::{self, QuayVariant, SampleError};
use inbox::store::NewHookRoute;
use registry::dtr::DtrWebhookType;
use registry::quay::QuayEvent;

use crate::common::{route, start_receiver};

fn headers(sample: &samples::Sample) -> Vec<(String, Vec<u8>)> {
    sample
        .headers
        .iter()
        .map(|(n, v)| (n.clone(), v.clone().into_bytes()))
        .collect()
}

#[test]
fn there_is_a_sample_for_every_event_and_type_in_each_variant() {
    let all = samples::all();
    for event in QuayEvent::ALL {
        let of_event: Vec<_> = all
            .iter()
            .filter(|s| s.source == Source::Quay && s.event == event.as_str())
            .collect();
        let expected = if matches!(
            event,
            QuayEvent::RepoPush
                | QuayEvent::BuildQueued
                | QuayEvent::BuildStart
                | QuayEvent::BuildSuccess
                | QuayEvent::BuildFailure
        ) {
            2
        } else {
            1
        };
        assert_eq!(of_event.len(), expected, "{event}");
    }
    for kind in DtrWebhookType::ALL {
        let count = all
            .iter()
            .filter(|s| s.source == Source::Dtr && s.event == kind.as_str())
            .count();
        assert_eq!(count, 1, "{kind:?}");
    }
    assert_eq!(
        all.len(),
        QuayEvent::ALL.len() + 5 + DtrWebhookType::ALL.len()
    );
}

#[test]
fn every_sample_is_recognised_as_its_own_event() {
    for sample in samples::all() {
        let hint = match sample.source {
            Source::Quay => RouteHint::quay(&sample.event),
            _ => RouteHint::dtr(&sample.event),
        };
        let what = format!("{} {:?}", sample.event, sample.variant);
        // On a route made for the event, as the registry delivers it: exactly that event.
        let on_route = recognize(Some(&hint), &headers(&sample), &sample.body);
        assert_eq!(on_route.source, sample.source, "{what}");
        assert_eq!(
            on_route.kind.wire_name(),
            Some(sample.event.as_str()),
            "{what}"
        );
        assert_eq!(on_route.route_mismatch, None, "{what}");
        // From the body alone: the event, or a shape that leaves it among the candidates, never
        // another event.
        let alone = recognize(None, &headers(&sample), &sample.body);
        assert_eq!(alone.source, sample.source, "{what}");
        match &alone.kind {
            EventKind::Ambiguous { candidates } => assert!(
                candidates
                    .iter()
                    .any(|c| c.wire_name() == Some(sample.event.as_str())),
                "{what}: {candidates:?}"
            ),
            kind => assert_eq!(kind.wire_name(), Some(sample.event.as_str()), "{what}"),
        }
    }
}

#[test]
fn the_two_quay_variants_differ_in_updated_tags() {
    let tags = |variant| {
        let sample = samples::sample(Source::Quay, "repo_push", Some(variant)).unwrap();
        let body: serde_json::Value = serde_json::from_slice(&sample.body).unwrap();
        body["updated_tags"].clone()
    };
    assert!(tags(QuayVariant::Redhat).is_array());
    assert!(tags(QuayVariant::Quayio).is_object());
    // Red Hat's is the default.
    let default = samples::sample(Source::Quay, "repo_push", None).unwrap();
    assert_eq!(default.variant, Some(QuayVariant::Redhat));
    // Each body is the documented one, field for field.
    let documented: serde_json::Value = serde_json::from_str(include_str!(
        "../../../../../tests/fixtures/quay/repo_push.quayio-docs.json"
    ))
    .unwrap();
    let quayio = samples::sample(Source::Quay, "REPO_PUSH", Some(QuayVariant::Quayio)).unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&quayio.body).unwrap(),
        documented
    );
    assert_eq!(quayio.event, "repo_push");
}

#[test]
fn unknown_names_say_what_the_registry_has() {
    let quay = samples::sample(Source::Quay, "tag_push", None).unwrap_err();
    assert!(matches!(quay, SampleError::UnknownQuayEvent(_)));
    assert!(
        quay.to_string().contains("repo_push, build_queued"),
        "{quay}"
    );
    let dtr = samples::sample(Source::Dtr, "push", None).unwrap_err();
    assert!(dtr.to_string().contains("TAG_PUSH"), "{dtr}");
    assert_eq!(
        samples::sample(Source::Unknown, "repo_push", None).unwrap_err(),
        SampleError::UnknownSource
    );
}

#[tokio::test]
async fn a_sent_sample_is_stored_with_the_registrys_headers_and_recognised() {
    let f = start_receiver("samples", |_| {}).await;
    let token = route(
        &f.store,
        NewHookRoute {
            source: Some(Source::Dtr),
            event: Some("TAG_PUSH".into()),
            label: "prod DTR → CI".into(),
            ..NewHookRoute::default()
        },
    );
    let url = format!("{}/hooks/{token}", f.base);
    for (source, event) in [(Source::Dtr, "TAG_PUSH"), (Source::Quay, "build_failure")] {
        let sample = samples::sample(source, event, None).unwrap();
        let outcome = samples::send(&sample, &url).await.unwrap();
        assert_eq!(outcome.status, 200, "{event}");
    }
    let rows = crate::common::rows_of(&f.store, &token);
    assert_eq!(rows.len(), 2);
    // Newest first: the Quay build failure on a route made for DTR is filed as what it is.
    assert_eq!(rows[0].source, Some(Source::Quay));
    assert_eq!(rows[0].event.as_deref(), Some("build_failure"));
    assert_eq!(rows[1].event.as_deref(), Some("TAG_PUSH"));
    assert_eq!(rows[1].repository.as_deref(), Some("payments/api"));

    let stored = f.store.get(rows[1].id).unwrap().unwrap();
    let header = |name: &str| {
        stored
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    };
    assert_eq!(
        header("user-agent").as_deref(),
        Some(samples::DTR_USER_AGENT)
    );
    assert_eq!(header("content-type").as_deref(), Some("application/json"));
    assert_eq!(
        stored.body,
        samples::sample(Source::Dtr, "TAG_PUSH", None).unwrap().body
    );
    let quay = f.store.get(rows[0].id).unwrap().unwrap();
    let quay_agent = quay
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("user-agent"))
        .map(|(_, v)| v.clone());
    assert_eq!(
        quay_agent,
        Some(samples::QUAY_USER_AGENT.as_bytes().to_vec())
    );
    f.receiver.shutdown().await.unwrap();
}
