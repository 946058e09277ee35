//! The route list as the app shows it: URLs, activity, renaming, deleting (deliveries stay), and
//! samples sent through the real receiver (stored, recognised and toasted like a delivery).

use std::sync::Arc;
use std::time::Duration;

use inbox::receiver::ReceiverConfig;
use inbox::recognize::Source;
use inbox::route_list::{RouteUrls, SampleRequest, MAX_LABEL};
use inbox::samples::QuayVariant;
use inbox::store::{NewHookRoute, Query};
use inbox::toast::{RecordingToaster, Toaster};
use inbox::{Inbox, InboxConfig, InboxError};

use crate::common::TempDir;

async fn inbox(dir: &TempDir, toaster: Arc<RecordingToaster>) -> Inbox {
    let config = InboxConfig {
        receiver: Ok(ReceiverConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            ..ReceiverConfig::default()
        }),
        public_base_url: Some("https://hooks.example.com/wharf".into()),
        ..InboxConfig::default()
    };
    Inbox::start(&dir.db(), config, Some(toaster as Arc<dyn Toaster>)).await
}

fn build_failure(tag: &str) -> SampleRequest {
    SampleRequest {
        source: Source::Quay,
        event: "build_failure".into(),
        variant: Some(match tag {
            "quayio" => QuayVariant::Quayio,
            _ => QuayVariant::Redhat,
        }),
    }
}

#[tokio::test]
async fn routes_are_listed_named_fed_with_samples_and_deleted() {
    let dir = TempDir::new("routes");
    let toaster = Arc::new(RecordingToaster::new());
    let inbox = inbox(&dir, toaster.clone()).await;
    let base = inbox.status().base_url.expect("listening");
    let minted = inbox
        .mint_route(NewHookRoute {
            source: Some(Source::Quay),
            event: Some("build_failure".into()),
            label: "first".into(),
            ..NewHookRoute::default()
        })
        .await
        .unwrap();
    let token = minted.route.token.clone();

    let listed = inbox.route_list().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].route, minted.route);
    assert_eq!(
        listed[0].urls,
        RouteUrls {
            local: Some(format!("{base}/hooks/{token}")),
            // Bound to 127.0.0.1: no other machine reaches it.
            lan: None,
            public: Some(format!("https://hooks.example.com/wharf/hooks/{token}")),
        }
    );
    assert_eq!(listed[0].activity.deliveries, 0);
    assert_eq!(listed[0].activity.last_received_at, None);

    // Named as a person names it, trimmed; too long a name is refused.
    let renamed = inbox
        .set_route_label(token.clone(), "  prod Quay → CI failures ".into())
        .await
        .unwrap();
    assert_eq!(renamed.route.label, "prod Quay → CI failures");
    let long = "x".repeat(MAX_LABEL + 1);
    assert!(matches!(
        inbox.set_route_label(token.clone(), long).await,
        Err(InboxError::Invalid(_))
    ));

    // A sample goes through the receiver: stored on the route, recognised, toasted.
    let before = inbox::store::now_ms();
    let sent = inbox
        .send_sample(token.clone(), build_failure("quayio"))
        .await
        .unwrap();
    assert_eq!(sent.answer.status, 200);
    let id = sent
        .delivery_id
        .expect("the acknowledgement names the delivery");
    let detail = inbox.detail(id).await.unwrap();
    assert_eq!(detail.summary.route_token.as_deref(), Some(token.as_str()));
    assert!(detail.forwardable);
    assert_eq!(detail.summary.event.as_deref(), Some("build_failure"));
    assert_eq!(
        detail.summary.repository.as_deref(),
        Some("mynamespace/repository")
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while toaster.shown().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let shown = toaster.shown();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].title, "Quay: build failure");
    assert!(shown[0]
        .body
        .contains("This is the reason the build failed"));

    inbox
        .send_sample(
            token.clone(),
            SampleRequest {
                source: Source::Dtr,
                event: "SCAN_FAILED".into(),
                variant: None,
            },
        )
        .await
        .unwrap();
    let listed = inbox.route_list().await.unwrap();
    assert_eq!(listed[0].route.route.label, "prod Quay → CI failures");
    assert_eq!(listed[0].activity.deliveries, 2);
    let last = listed[0].activity.last_received_at.unwrap();
    assert!(last >= before, "{last} >= {before}");

    // Unknown events and routes are refused before anything is sent.
    let bad = SampleRequest {
        source: Source::Quay,
        event: "tag_push".into(),
        variant: None,
    };
    assert!(matches!(
        inbox.send_sample(token.clone(), bad).await,
        Err(InboxError::Invalid(m)) if m.contains("Quay has no event")
    ));
    assert!(matches!(
        inbox
            .send_sample("nope".into(), build_failure("redhat"))
            .await,
        Err(InboxError::NoSuchRoute)
    ));

    // Deleted: the URL answers 404, the deliveries stay under the old token.
    inbox.delete_route(token.clone()).await.unwrap();
    assert!(inbox.route_list().await.unwrap().is_empty());
    assert!(matches!(
        inbox.delete_route(token.clone()).await,
        Err(InboxError::NoSuchRoute)
    ));
    let answer = reqwest::Client::new()
        .post(format!("{base}/hooks/{token}"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    let kept = inbox
        .search(Query {
            route: Some(token.clone()),
            ..Query::default()
        })
        .await
        .unwrap();
    // The two samples, and the refused request, recorded like any to an unknown route.
    let statuses: Vec<u16> = kept.iter().map(|d| d.status).collect();
    assert_eq!(statuses, vec![404, 200, 200]);
    // None of them has a route to be forwarded through any more.
    for d in &kept {
        assert!(!inbox.detail(d.id).await.unwrap().forwardable, "{d:?}");
    }
    assert!(matches!(
        inbox.send_sample(token, build_failure("redhat")).await,
        Err(InboxError::NoSuchRoute)
    ));
    inbox.shutdown().await;
}

#[test]
fn a_receiver_on_every_interface_has_a_lan_url_and_a_local_one() {
    let urls = RouteUrls::new(
        "tok",
        Some("0.0.0.0:8787".parse().unwrap()),
        None,
        Some("192.168.1.20".parse().unwrap()),
    );
    assert_eq!(
        urls.local.as_deref(),
        Some("http://127.0.0.1:8787/hooks/tok")
    );
    assert_eq!(
        urls.lan.as_deref(),
        Some("http://192.168.1.20:8787/hooks/tok")
    );
    assert_eq!(urls.public, None);
    let none = RouteUrls::new("tok", None, Some("https://x.example/"), None);
    assert_eq!(none.local, None);
    assert_eq!(none.public.as_deref(), Some("https://x.example/hooks/tok"));
}
