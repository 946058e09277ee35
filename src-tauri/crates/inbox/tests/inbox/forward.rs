//! Forwarding through the real receiver, a real SQLite file and real targets on 127.0.0.1:
//! what is sent, retries and their limit, order per route, restarts of the forwarder, and
//! forwarding again.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use inbox::forward::{spawn_forwarder, ForwardPhase, ForwardSettings, ForwardTiming};
use inbox::store::{DeliverySummary, NewHookRoute, Query, Store};

use crate::common::{route, rows_of, start_receiver, Fixture};

/// What a target does with its next request.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    /// Answers 200 after this long.
    Slow(Duration),
    /// 302 to another path on the target.
    Redirect,
}

/// One request a target received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(Clone, Default)]
struct TargetState {
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Answer>>>,
}

/// A consumer's endpoint on 127.0.0.1: records every request and answers as scripted (200 when
/// the script is empty).
struct Target {
    url: String,
    state: TargetState,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Target {
    async fn start(script: &[Answer]) -> Target {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, script)
    }

    /// A target URL nothing listens on yet; [`Target::come_up`] starts it there.
    fn down() -> (String, u16) {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = probe.local_addr().unwrap().port();
        (format!("http://127.0.0.1:{port}/webhook"), port)
    }

    async fn come_up(port: u16, script: &[Answer]) -> Target {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        Self::serve(listener, script)
    }

    fn serve(listener: tokio::net::TcpListener, script: &[Answer]) -> Target {
        let state = TargetState::default();
        state.script.lock().unwrap().extend(script.iter().copied());
        let url = format!("http://{}/webhook", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .fallback(answer)
            .with_state(state.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Target {
            url,
            state,
            server: Some(server),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    fn bodies(&self) -> Vec<String> {
        self.seen()
            .iter()
            .map(|s| String::from_utf8_lossy(&s.body).into_owned())
            .collect()
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

async fn answer(
    State(state): State<TargetState>,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: uri.path().to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    });
    let next = state.script.lock().unwrap().pop_front();
    match next.unwrap_or(Answer::Status(200)) {
        Answer::Status(code) => (
            StatusCode::from_u16(code).unwrap(),
            format!("answer {code}"),
        )
            .into_response(),
        Answer::Slow(wait) => {
            tokio::time::sleep(wait).await;
            (StatusCode::OK, "late").into_response()
        }
        Answer::Redirect => (
            StatusCode::FOUND,
            [(axum::http::header::LOCATION, "/elsewhere")],
            "moved",
        )
            .into_response(),
    }
}

/// Short waits so retries happen within a test.
fn fast() -> ForwardTiming {
    ForwardTiming {
        first_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(400),
        timeout: Duration::from_millis(500),
    }
}

/// A receiver whose route `forwarding` forwards with `settings`, and the forwarder running.
async fn forwarding(
    tag: &str,
    settings: ForwardSettings,
) -> (Fixture, String, inbox::forward::Forwarder) {
    let fx = start_receiver(tag, |_| {}).await;
    let token = route(
        &fx.store,
        NewHookRoute {
            label: "forwarding".into(),
            ..NewHookRoute::default()
        },
    );
    assert!(fx.store.set_route_forward(&token, Some(&settings)).unwrap());
    let forwarder = spawn_forwarder(fx.store.clone(), fast());
    (fx, token, forwarder)
}

async fn post(fx: &Fixture, token: &str, body: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", fx.base))
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap().status().as_u16()
}

/// Waits until every delivery of route `token` is done or failed; the rows, oldest first.
async fn settled(store: &Store, token: &str, within: Duration) -> Vec<DeliverySummary> {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let mut rows = rows_of(store, token);
        rows.reverse();
        let settled = rows.iter().all(|r| {
            matches!(
                r.forward.map(|f| f.phase),
                Some(ForwardPhase::Done | ForwardPhase::Failed)
            )
        });
        if settled && !rows.is_empty() {
            return rows;
        }
        if tokio::time::Instant::now() > deadline {
            panic!(
                "not settled: {:?}",
                rows.iter().map(|r| r.forward).collect::<Vec<_>>()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn forward_sends_method_body_and_headers_without_hop_headers_plus_x_forwarded() {
    let target = Target::start(&[]).await;
    let (fx, token, _forwarder) = forwarding("fwd-headers", ForwardSettings::to(&target.url)).await;
    let body = r#"{"repository":"payments/api","updated_tags":["v1"]}"#;
    let status = post(
        &fx,
        &token,
        body,
        &[
            ("content-type", "application/json"),
            ("x-quay-event", "repo_push"),
            ("authorization", "Bearer from-the-registry"),
            ("keep-alive", "timeout=5"),
            ("proxy-authorization", "Basic aG9wOmhvcA=="),
            ("te", "trailers"),
            ("x-forwarded-for", "203.0.113.9"),
            ("x-wharf-delivery", "from-a-wharf-in-front"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let rows = settled(&fx.store, &token, Duration::from_secs(10)).await;
    assert_eq!(rows[0].forward.unwrap().phase, ForwardPhase::Done);
    assert_eq!(rows[0].forward.unwrap().last_status, Some(200));

    let seen = target.seen();
    assert_eq!(seen.len(), 1);
    let got = &seen[0];
    assert_eq!(got.method, "POST");
    assert_eq!(got.path, "/webhook");
    assert_eq!(got.body, body.as_bytes());
    assert_eq!(got.header("content-type"), ["application/json"]);
    assert_eq!(got.header("x-quay-event"), ["repo_push"]);
    // Kept unless the route strips credentials.
    assert_eq!(got.header("authorization"), ["Bearer from-the-registry"]);
    for hop in ["keep-alive", "proxy-authorization", "te"] {
        assert!(
            got.header(hop).is_empty(),
            "{hop} was passed on: {:?}",
            got.headers
        );
    }
    // The host is the target's, and the original one is named in X-Forwarded-Host.
    assert_eq!(got.header("host"), [target.url.split('/').nth(2).unwrap()]);
    assert_eq!(
        got.header("x-forwarded-host"),
        [fx.base.trim_start_matches("http://")]
    );
    assert_eq!(got.header("x-forwarded-proto"), ["http"]);
    assert_eq!(got.header("x-forwarded-for"), ["203.0.113.9, 127.0.0.1"]);
    assert_eq!(got.header("x-wharf-delivery"), [rows[0].id.to_string()]);

    let attempts = fx.store.forward_attempts(rows[0].id).unwrap();
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].status, Some(200));
    assert_eq!(attempts[0].answer.as_deref(), Some("answer 200"));
    assert_eq!(attempts[0].target, target.url);
}

#[tokio::test]
async fn forward_overrides_headers_and_strips_credentials() {
    let target = Target::start(&[]).await;
    let settings = ForwardSettings {
        headers: vec![
            ("X-Signature-Secret".into(), "s3cret-value".into()),
            ("X-Quay-Event".into(), "overridden".into()),
        ],
        strip_credentials: true,
        ..ForwardSettings::to(&target.url)
    };
    let (fx, token, _forwarder) = forwarding("fwd-override", settings).await;
    post(
        &fx,
        &token,
        "{}",
        &[
            ("x-quay-event", "repo_push"),
            ("authorization", "Bearer from-the-registry"),
            ("cookie", "session=abc"),
            ("x-api-token", "t0k"),
            ("x-harmless", "stays"),
        ],
    )
    .await;
    settled(&fx.store, &token, Duration::from_secs(10)).await;
    let got = &target.seen()[0];
    assert_eq!(got.header("x-signature-secret"), ["s3cret-value"]);
    assert_eq!(got.header("x-quay-event"), ["overridden"]);
    assert_eq!(got.header("x-harmless"), ["stays"]);
    for credential in ["authorization", "cookie", "x-api-token"] {
        assert!(
            got.header(credential).is_empty(),
            "{credential}: {:?}",
            got.headers
        );
    }
    // The secret is not in what the settings print.
    let printed = format!("{:?}", fx.store.route_forward(&token).unwrap());
    assert!(!printed.contains("s3cret"), "{printed}");
}

#[tokio::test]
async fn forward_retries_a_target_that_is_down_until_it_comes_up() {
    let (url, port) = Target::down();
    let (fx, token, _forwarder) = forwarding("fwd-down", ForwardSettings::to(&url)).await;
    post(&fx, &token, "first", &[]).await;
    // Some attempts fail while nothing listens.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let id = rows_of(&fx.store, &token)[0].id;
    while fx.store.forward_attempts(id).unwrap().len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no retries");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let row = rows_of(&fx.store, &token)[0].clone();
    let state = row.forward.unwrap();
    assert_eq!(state.phase, ForwardPhase::Retrying);
    assert!(state.next_at.is_some());
    let target = Target::come_up(port, &[]).await;
    let rows = settled(&fx.store, &token, Duration::from_secs(10)).await;
    assert_eq!(rows[0].forward.unwrap().phase, ForwardPhase::Done);
    assert_eq!(target.bodies(), ["first"]);
    let attempts = fx.store.forward_attempts(id).unwrap();
    assert!(attempts.len() >= 3, "{attempts:?}");
    let (last, failed) = attempts.split_last().unwrap();
    assert_eq!(last.status, Some(200));
    for a in failed {
        assert_eq!(a.status, None);
        assert!(a.error.as_deref().is_some_and(|e| !e.is_empty()), "{a:?}");
    }
}

#[tokio::test]
async fn forward_records_a_timeout_and_retries() {
    let target = Target::start(&[Answer::Slow(Duration::from_secs(2))]).await;
    let (fx, token, _forwarder) = forwarding("fwd-slow", ForwardSettings::to(&target.url)).await;
    post(&fx, &token, "slow", &[]).await;
    let rows = settled(&fx.store, &token, Duration::from_secs(10)).await;
    let attempts = fx.store.forward_attempts(rows[0].id).unwrap();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(attempts[0].status, None);
    assert!(
        attempts[0].error.as_deref().unwrap().contains("timed out"),
        "{attempts:?}"
    );
    assert!(attempts[0].latency_ms >= 450, "{attempts:?}");
    assert_eq!(attempts[1].status, Some(200));
}

#[tokio::test]
async fn forward_retries_5xx_and_does_not_follow_a_redirect() {
    let target = Target::start(&[
        Answer::Status(503),
        Answer::Redirect,
        Answer::Status(500),
        Answer::Status(204),
    ])
    .await;
    let (fx, token, _forwarder) = forwarding("fwd-5xx", ForwardSettings::to(&target.url)).await;
    post(&fx, &token, "flaky", &[]).await;
    let rows = settled(&fx.store, &token, Duration::from_secs(10)).await;
    let statuses: Vec<_> = fx
        .store
        .forward_attempts(rows[0].id)
        .unwrap()
        .iter()
        .map(|a| a.status)
        .collect();
    assert_eq!(statuses, [Some(503), Some(302), Some(500), Some(204)]);
    // The redirect was not followed: every request went to the route's target path.
    assert!(target.seen().iter().all(|s| s.path == "/webhook"));
    assert_eq!(target.seen().len(), 4);
    // Every attempt names the same delivery, so the program can tell a retry from a new one.
    for seen in target.seen() {
        assert_eq!(seen.header("x-wharf-delivery"), [rows[0].id.to_string()]);
    }
}

#[tokio::test]
async fn forward_gives_up_at_the_attempt_limit() {
    let target = Target::start(&[Answer::Status(500); 10]).await;
    let settings = ForwardSettings {
        max_attempts: 3,
        ..ForwardSettings::to(&target.url)
    };
    let (fx, token, _forwarder) = forwarding("fwd-limit", settings).await;
    post(&fx, &token, "doomed", &[]).await;
    let rows = settled(&fx.store, &token, Duration::from_secs(10)).await;
    let state = rows[0].forward.unwrap();
    assert_eq!(state.phase, ForwardPhase::Failed);
    assert_eq!(state.attempts, 3);
    assert_eq!(state.last_status, Some(500));
    // No more attempts follow.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(target.seen().len(), 3);
    assert_eq!(fx.store.forward_attempts(rows[0].id).unwrap().len(), 3);
    assert_eq!(fx.store.forward_queue_info(&token).unwrap().queued, 0);
}

#[tokio::test]
async fn forward_keeps_each_routes_order_and_a_blocked_route_does_not_hold_another() {
    // Route A's first delivery fails twenty times (about 7 s of backoff, room for B on a
    // loaded machine): the ones behind it wait for it, while route B goes on.
    let a_target = Target::start(&[Answer::Status(503); 20]).await;
    let b_target = Target::start(&[]).await;
    let a_settings = ForwardSettings {
        max_attempts: 30,
        ..ForwardSettings::to(&a_target.url)
    };
    let (fx, a, _forwarder) = forwarding("fwd-order", a_settings).await;
    let b = route(
        &fx.store,
        NewHookRoute {
            label: "other".into(),
            ..NewHookRoute::default()
        },
    );
    fx.store
        .set_route_forward(&b, Some(&ForwardSettings::to(&b_target.url)))
        .unwrap();
    for i in 0..20 {
        post(&fx, &a, &format!("a{i}"), &[]).await;
        post(&fx, &b, &format!("b{i}"), &[]).await;
    }
    let want = |p: &str| (0..20).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    settled(&fx.store, &b, Duration::from_secs(20)).await;
    assert_eq!(b_target.bodies(), want("b"));
    // B is done while A's head is still being retried and nothing behind it was sent.
    let a_so_far = a_target.bodies();
    assert!(a_so_far.iter().all(|body| body == "a0"), "{a_so_far:?}");
    let info = fx.store.forward_queue_info(&a).unwrap();
    assert_eq!(info.queued, 20);
    assert_eq!(info.head.map(|h| h.phase), Some(ForwardPhase::Retrying));

    settled(&fx.store, &a, Duration::from_secs(20)).await;
    let mut a_bodies = a_target.bodies();
    // The head's twenty failed attempts come first, then every delivery once, in order.
    assert_eq!(a_bodies.drain(..20).collect::<Vec<_>>(), vec!["a0"; 20]);
    assert_eq!(a_bodies, want("a"));
}

#[tokio::test]
async fn forward_again_appends_new_attempts_for_one_delivery_and_a_selection() {
    let target = Target::start(&[]).await;
    let (fx, token, _forwarder) = forwarding("fwd-again", ForwardSettings::to(&target.url)).await;
    post(&fx, &token, "one", &[]).await;
    post(&fx, &token, "two", &[]).await;
    let rows = settled(&fx.store, &token, Duration::from_secs(10)).await;
    assert_eq!(target.bodies(), ["one", "two"]);

    assert_eq!(
        fx.store.forward_again(rows[0].id).unwrap(),
        inbox::store::Requeued::Queued
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while fx.store.forward_attempts(rows[0].id).unwrap().len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "not forwarded again"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(target.bodies(), ["one", "two", "one"]);

    // The filtered selection: every delivery of the route, oldest first.
    let queued = fx
        .store
        .forward_again_matching(&Query {
            route: Some(token.clone()),
            limit: Some(1),
            ..Query::default()
        })
        .unwrap();
    assert_eq!(queued, 2);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while target.seen().len() < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "selection not forwarded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(target.bodies(), ["one", "two", "one", "one", "two"]);
    let named: Vec<_> = target
        .seen()
        .iter()
        .map(|s| s.header("x-wharf-delivery").concat())
        .collect();
    let (one, two) = (rows[0].id.to_string(), rows[1].id.to_string());
    assert_eq!(named, [one.clone(), two.clone(), one.clone(), one, two]);
    let rows = settled(&fx.store, &token, Duration::from_secs(10)).await;
    assert_eq!(fx.store.forward_attempts(rows[0].id).unwrap().len(), 3);
    assert_eq!(fx.store.forward_attempts(rows[1].id).unwrap().len(), 2);
}

#[tokio::test]
async fn retention_by_count_and_age_keeps_what_waits_to_be_forwarded() {
    let (url, port) = Target::down();
    let fx = start_receiver("fwd-retention", |_| {}).await;
    let token = route(&fx.store, NewHookRoute::default());
    fx.store
        .set_route_forward(&token, Some(&ForwardSettings::to(&url)))
        .unwrap();
    for i in 0..5 {
        post(&fx, &token, &format!("queued{i}"), &[]).await;
    }
    let plain = route(&fx.store, NewHookRoute::default());
    for i in 0..5 {
        post(&fx, &plain, &format!("plain{i}"), &[]).await;
    }
    // Keep one, nothing older than an instant ago: only the queued ones and the newest stay.
    std::thread::sleep(Duration::from_millis(5));
    let deleted = fx
        .store
        .prune(Some(1), Some(Duration::from_millis(1)), 100)
        .unwrap();
    assert_eq!(deleted, 5);
    assert_eq!(rows_of(&fx.store, &token).len(), 5);
    assert!(rows_of(&fx.store, &plain).is_empty());
    // Once forwarded they go like the rest.
    let target = Target::come_up(port, &[]).await;
    let _forwarder = spawn_forwarder(fx.store.clone(), fast());
    settled(&fx.store, &token, Duration::from_secs(10)).await;
    assert_eq!(target.bodies().len(), 5);
    assert_eq!(fx.store.prune(Some(1), None, 100).unwrap(), 4);
    // The size budget takes queued ones too.
    drop(target);
    post(&fx, &token, "queued again", &[]).await;
    assert_eq!(fx.store.forward_queue_info(&token).unwrap().queued, 1);
    assert_eq!(fx.store.prune_to_size(0, 100).unwrap(), 2);
    assert!(rows_of(&fx.store, &token).is_empty());
}

#[tokio::test]
async fn forward_queue_survives_a_restart_of_the_store_and_forwarder() {
    let (url, port) = Target::down();
    let fx = start_receiver("fwd-restart", |_| {}).await;
    let db = fx._dir.db();
    let token = route(&fx.store, NewHookRoute::default());
    fx.store
        .set_route_forward(&token, Some(&ForwardSettings::to(&url)))
        .unwrap();
    // No forwarder yet: everything stored is queued, and only that.
    for i in 0..30 {
        post(&fx, &token, &format!("d{i}"), &[]).await;
    }
    let plain = route(&fx.store, NewHookRoute::default());
    post(&fx, &plain, "not forwarded", &[]).await;
    assert_eq!(fx.store.forward_queue_info(&token).unwrap().queued, 30);
    assert!(rows_of(&fx.store, &plain)[0].forward.is_none());
    fx.receiver.shutdown().await.unwrap();
    fx.store.close();
    drop(fx.store);

    let store = Store::open(&db).unwrap();
    assert_eq!(store.forward_queue_info(&token).unwrap().queued, 30);
    let target = Target::come_up(port, &[]).await;
    let _forwarder = spawn_forwarder(store.clone(), fast());
    let rows = settled(&store, &token, Duration::from_secs(20)).await;
    assert_eq!(rows.len(), 30);
    assert_eq!(
        target.bodies(),
        (0..30).map(|i| format!("d{i}")).collect::<Vec<_>>()
    );
    assert_eq!(store.forward_queue_info(&token).unwrap().queued, 0);
}

#[test]
fn forward_again_of_a_large_selection_queues_each_once_leaving_queued_ones_alone() {
    let dir = crate::common::TempDir::new("fwd-again-large");
    let store = Store::open(dir.db()).unwrap();
    let token = route(&store, NewHookRoute::default());
    store
        .set_route_forward(&token, Some(&ForwardSettings::to("http://127.0.0.1:9/")))
        .unwrap();
    let other = route(&store, NewHookRoute::default());
    let stored = |on: &str, forward: bool| {
        store
            .insert(&inbox::store::NewDelivery {
                method: "POST".into(),
                path: format!("/hooks/{on}"),
                route_token: Some(on.to_owned()),
                status: 200,
                forward,
                ..Default::default()
            })
            .unwrap()
    };
    // More than one step of requeueing, with a route that does not forward in between; every
    // other delivery of the forwarding route is in its queue already (stored while it was on),
    // the rest not (stored before).
    let (mut queued_ids, mut idle_ids) = (Vec::new(), Vec::new());
    for i in 0..4200 {
        if i % 2 == 0 {
            queued_ids.push(stored(&token, true));
        } else {
            idle_ids.push(stored(&token, false));
        }
        if i % 1400 == 0 {
            stored(&other, false);
        }
    }
    assert_eq!(store.forward_queue_info(&token).unwrap().queued, 2100);

    let queued = store.forward_again_matching(&Query::default()).unwrap();
    assert_eq!(queued, 2100, "only the ones not queued yet");
    let queue: Vec<i64> = store
        .forward_heads(&token, 10_000)
        .unwrap()
        .iter()
        .map(|e| e.delivery_id)
        .collect();
    assert_eq!(queue, [queued_ids, idle_ids].concat());
    assert_eq!(store.forward_queue_info(&other).unwrap().queued, 0);
    // Again: everything is queued now, nothing is added.
    assert_eq!(store.forward_again_matching(&Query::default()).unwrap(), 0);
    assert_eq!(store.forward_heads(&token, 10_000).unwrap().len(), 4200);
}

#[tokio::test]
async fn forward_again_of_a_delivery_being_retried_leaves_it_queued_once() {
    // The head keeps failing with a long backoff: it stays in the queue, retrying.
    let target = Target::start(&[Answer::Status(503); 8]).await;
    let fx = start_receiver("fwd-again-retrying", |_| {}).await;
    let token = route(&fx.store, NewHookRoute::default());
    fx.store
        .set_route_forward(&token, Some(&ForwardSettings::to(&target.url)))
        .unwrap();
    let _forwarder = spawn_forwarder(
        fx.store.clone(),
        ForwardTiming {
            first_backoff: Duration::from_secs(30),
            ..fast()
        },
    );
    post(&fx, &token, "head", &[]).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let id = loop {
        let rows = rows_of(&fx.store, &token);
        if rows[0].forward.map(|f| f.phase) == Some(ForwardPhase::Retrying) {
            break rows[0].id;
        }
        assert!(tokio::time::Instant::now() < deadline, "never retrying");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(
        fx.store.forward_again(id).unwrap(),
        inbox::store::Requeued::AlreadyQueued
    );
    assert_eq!(
        fx.store
            .forward_again_matching(&Query {
                route: Some(token.clone()),
                ..Query::default()
            })
            .unwrap(),
        0
    );
    assert_eq!(fx.store.forward_heads(&token, 10).unwrap().len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(target.seen().len(), 1, "sent once, the retry is 30 s away");
    let state = rows_of(&fx.store, &token)[0].forward.unwrap();
    assert_eq!(state.phase, ForwardPhase::Retrying);
    assert_eq!(state.attempts, 1);
}

#[tokio::test]
async fn forward_records_a_2xx_whose_body_stalls_or_breaks_off_as_taken_and_sends_it_once() {
    // The status arrives, then the body never ends: the first request's connection stalls, the
    // second's closes early. Both were taken by the target; neither may be sent again.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let requests = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    let _server = AbortOnDrop(tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let n = counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = vec![0u8; 64 * 1024];
                let _ = socket.read(&mut request).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ntaken")
                    .await;
                if n == 0 {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            });
        }
    }));
    let (fx, token, _forwarder) = forwarding("fwd-2xx-stall", ForwardSettings::to(&url)).await;
    post(&fx, &token, "stalls", &[]).await;
    post(&fx, &token, "breaks off", &[]).await;
    let rows = settled(&fx.store, &token, Duration::from_secs(10)).await;
    for row in &rows {
        let state = row.forward.unwrap();
        assert_eq!(state.phase, ForwardPhase::Done);
        assert_eq!((state.attempts, state.last_status), (1, Some(200)));
        let attempts = fx.store.forward_attempts(row.id).unwrap();
        assert_eq!(attempts.len(), 1);
        assert!(attempts[0].error.is_none());
        assert!(
            attempts[0]
                .answer
                .as_deref()
                .unwrap()
                .starts_with("taken\n[the rest"),
            "{:?}",
            attempts[0].answer
        );
    }
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 2);
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[tokio::test]
async fn forwardable_is_one_rule_a_refused_body_is_never_forwarded_a_route_answering_500_is() {
    let target = Target::start(&[]).await;
    let fx = start_receiver("fwd-forwardable", |c| c.body_limit = 16).await;
    let token = route(
        &fx.store,
        NewHookRoute {
            response: inbox::store::RouteResponse {
                status: 500,
                body: None,
                delay_ms: 0,
            },
            ..NewHookRoute::default()
        },
    );
    fx.store
        .set_route_forward(&token, Some(&ForwardSettings::to(&target.url)))
        .unwrap();
    let _forwarder = spawn_forwarder(fx.store.clone(), fast());
    assert_eq!(post(&fx, &token, "small", &[]).await, 500);
    assert_eq!(post(&fx, &token, &"x".repeat(100), &[]).await, 413);
    let rows = rows_of(&fx.store, &token);
    let (refused, answered_500) = (&rows[0], &rows[1]);
    assert_eq!((refused.status, answered_500.status), (413, 500));
    assert!(refused.forward.is_none(), "the receiver does not queue it");

    let detail = |id| inbox::export::detail(fx.store.get(id).unwrap().unwrap(), &fx.base);
    assert!(!detail(refused.id).forwardable);
    assert!(detail(answered_500.id).forwardable);

    // Forward again goes by the same rule, for one delivery and for a selection.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while target.seen().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "not forwarded");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    while !fx.store.forward_heads(&token, 10).unwrap().is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "queue not emptied");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        fx.store.forward_again(refused.id).unwrap(),
        inbox::store::Requeued::NotWhole
    );
    let all = Query {
        route: Some(token.clone()),
        ..Query::default()
    };
    assert_eq!(fx.store.forward_again_matching(&all).unwrap(), 1);
    let queue = fx.store.forward_heads(&token, 10).unwrap();
    assert!(
        queue.iter().all(|e| e.delivery_id != refused.id),
        "{queue:?}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(target.bodies(), ["small", "small"]);
}

#[tokio::test]
async fn forwarding_never_rewrites_a_deliveries_row_its_state_lives_beside_it() {
    let target = Target::start(&[Answer::Status(503)]).await;
    let (fx, token, _forwarder) = forwarding("fwd-narrow", ForwardSettings::to(&target.url)).await;
    // Counts every UPDATE of a deliveries row (each rewrites the row and its body's pages).
    let watch = rusqlite::Connection::open(fx._dir.db()).unwrap();
    watch
        .execute_batch(
            "CREATE TABLE rewrites (id INTEGER);
             CREATE TRIGGER count_rewrites AFTER UPDATE ON deliveries
             BEGIN INSERT INTO rewrites VALUES (new.id); END;",
        )
        .unwrap();
    let big = "b".repeat(20_000);
    post(&fx, &token, &big, &[]).await;
    post(&fx, &token, "second", &[]).await;
    let rows = settled(&fx.store, &token, Duration::from_secs(10)).await;
    assert_eq!(rows[0].forward.unwrap().attempts, 2, "retried once");
    assert_eq!(
        fx.store.forward_again(rows[1].id).unwrap(),
        inbox::store::Requeued::Queued
    );
    settled(&fx.store, &token, Duration::from_secs(10)).await;
    assert_eq!(target.seen().len(), 4);
    let rewrites: i64 = watch
        .query_row("SELECT COUNT(*) FROM rewrites", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rewrites, 0);
}

/// Waits until `target` has seen `n` requests.
async fn seen_at_least(target: &Target, n: usize, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    while target.seen().len() < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {:?}",
            target.bodies()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn two_stores_on_one_file_forward_each_delivery_once_and_the_other_takes_over() {
    // The app and `wharf headless` on one data folder: two stores, two forwarders, one file.
    let target = Target::start(&[Answer::Slow(Duration::from_millis(30)); 40]).await;
    let fx = start_receiver("fwd-two-stores", |_| {}).await;
    let other = Store::open(fx._dir.db()).unwrap();
    let token = route(&fx.store, NewHookRoute::default());
    // Forwarding turned on by the other process: the receiver's store learns it from the file.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while other.route(&token).is_none() {
        assert!(tokio::time::Instant::now() < deadline, "route not seen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(other
        .set_route_forward(&token, Some(&ForwardSettings::to(&target.url)))
        .unwrap());
    while !fx.store.forwards(&token) {
        assert!(tokio::time::Instant::now() < deadline, "settings not seen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let first = spawn_forwarder(fx.store.clone(), fast());
    post(&fx, &token, "d0", &[]).await;
    seen_at_least(&target, 1, Duration::from_secs(5)).await;
    let second = spawn_forwarder(other.clone(), fast());
    for i in 1..10 {
        post(&fx, &token, &format!("d{i}"), &[]).await;
    }
    settled(&fx.store, &token, Duration::from_secs(20)).await;
    assert_eq!(
        target.bodies(),
        (0..10).map(|i| format!("d{i}")).collect::<Vec<_>>()
    );

    // The forwarder holding the lease stops: the other one goes on with the queue.
    first.stop().await;
    for i in 10..15 {
        post(&fx, &token, &format!("d{i}"), &[]).await;
    }
    seen_at_least(&target, 15, Duration::from_secs(10)).await;
    settled(&fx.store, &token, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        target.bodies(),
        (0..15).map(|i| format!("d{i}")).collect::<Vec<_>>()
    );
    drop(second);
}

#[tokio::test]
async fn a_lease_left_by_a_process_that_is_gone_is_taken_over_once_stale() {
    let target = Target::start(&[]).await;
    let fx = start_receiver("fwd-stale-lease", |_| {}).await;
    let token = route(&fx.store, NewHookRoute::default());
    fx.store
        .set_route_forward(&token, Some(&ForwardSettings::to(&target.url)))
        .unwrap();
    // A process that crashed holding the lease; it would have renewed it within 1.5 s.
    let crashed = rusqlite::Connection::open(fx._dir.db()).unwrap();
    crashed
        .execute(
            "INSERT INTO forward_lease (id, owner, expires_at) VALUES (1, 'crashed', ?1)",
            [inbox::store::now_ms() + 1500],
        )
        .unwrap();
    let _forwarder = spawn_forwarder(fx.store.clone(), fast());
    post(&fx, &token, "waits", &[]).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        target.seen().is_empty(),
        "sent while another holds the lease"
    );
    seen_at_least(&target, 1, Duration::from_secs(5)).await;
    assert_eq!(target.bodies(), ["waits"]);
}

#[test]
fn a_commit_wakes_only_the_route_it_queued_on() {
    let dir = crate::common::TempDir::new("fwd-wakeups");
    let store = Store::open(dir.db()).unwrap();
    let a = route(&store, NewHookRoute::default());
    let b = route(&store, NewHookRoute::default());
    for token in [&a, &b] {
        store
            .set_route_forward(token, Some(&ForwardSettings::to("http://127.0.0.1:9/")))
            .unwrap();
    }
    let mut on_a = store.forward_queue_signal(&a);
    let on_b = store.forward_queue_signal(&b);
    let mut settings = store.forward_settings_signal();
    settings.borrow_and_update();
    store
        .insert(&inbox::store::NewDelivery {
            method: "POST".into(),
            path: format!("/hooks/{a}"),
            route_token: Some(a.clone()),
            status: 200,
            forward: true,
            ..Default::default()
        })
        .unwrap();
    // The writer wakes the route just after answering the insert.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !on_a.has_changed().unwrap() {
        assert!(
            std::time::Instant::now() < deadline,
            "the route was not woken"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(!on_b.has_changed().unwrap(), "another route was woken");
    assert!(!settings.has_changed().unwrap(), "the supervisor was woken");
    on_a.borrow_and_update();
    // Forward again wakes the delivery's route too, and only it.
    let id = rows_of(&store, &a)[0].id;
    store
        .drop_forward_entry(&store.forward_heads(&a, 1).unwrap()[0])
        .unwrap();
    assert_eq!(
        store.forward_again(id).unwrap(),
        inbox::store::Requeued::Queued
    );
    assert!(on_a.has_changed().unwrap());
    assert!(!on_b.has_changed().unwrap());
}

#[tokio::test]
async fn turning_forwarding_off_or_deleting_the_route_drops_what_is_queued_with_the_reason() {
    let (url, _port) = Target::down();
    let fx = start_receiver("fwd-dropped", |_| {}).await;
    let off = route(&fx.store, NewHookRoute::default());
    let gone = route(&fx.store, NewHookRoute::default());
    for token in [&off, &gone] {
        fx.store
            .set_route_forward(token, Some(&ForwardSettings::to(&url)))
            .unwrap();
        post(&fx, token, "one", &[]).await;
        post(&fx, token, "two", &[]).await;
    }
    assert_eq!(fx.store.forward_queue_info(&off).unwrap().queued, 2);

    assert!(fx.store.set_route_forward(&off, None).unwrap());
    assert!(fx.store.delete_route(&gone).unwrap());
    for (token, why) in [
        (&off, ForwardPhase::TurnedOff),
        (&gone, ForwardPhase::RouteDeleted),
    ] {
        let phases: Vec<_> = rows_of(&fx.store, token)
            .iter()
            .map(|r| r.forward.map(|f| f.phase))
            .collect();
        assert_eq!(phases, [Some(why), Some(why)]);
        assert!(fx.store.forward_heads(token, 10).unwrap().is_empty());
    }
    // On again, nothing dropped comes back by itself; forward again still can.
    fx.store
        .set_route_forward(&off, Some(&ForwardSettings::to(&url)))
        .unwrap();
    assert!(fx.store.forward_heads(&off, 10).unwrap().is_empty());
    let id = rows_of(&fx.store, &off)[0].id;
    assert_eq!(
        fx.store.forward_again(id).unwrap(),
        inbox::store::Requeued::Queued
    );
    assert_eq!(
        fx.store.forward_states(&[id]).unwrap()[0]
            .forward
            .map(|f| f.phase),
        Some(ForwardPhase::Queued)
    );
}

#[test]
fn a_routes_queue_is_counted_up_to_the_cap_and_one_more() {
    let dir = crate::common::TempDir::new("fwd-queue-cap");
    let store = Store::open(dir.db()).unwrap();
    let token = route(&store, NewHookRoute::default());
    let cap = inbox::store::QUEUE_COUNT_CAP as i64;
    // A backlog larger than the cap, written straight into the file (a dead target for days).
    let file = rusqlite::Connection::open(dir.db()).unwrap();
    // Entries only (no deliveries behind them): what is counted is the queue.
    file.pragma_update(None, "foreign_keys", "OFF").unwrap();
    let fill = |n: i64| {
        file.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2) \
             INSERT INTO forward_queue (delivery_id, route_token) SELECT i, ?1 FROM n",
            rusqlite::params![token, n],
        )
        .unwrap();
    };
    fill(cap - 1);
    assert_eq!(
        store.forward_queue_info(&token).unwrap().queued,
        cap as u64 - 1
    );
    fill(cap);
    let info = store.forward_queue_info(&token).unwrap();
    assert_eq!(info.queued, cap as u64 + 1, "more than the cap");
    assert!(info.head.is_none(), "its head was never attempted");
}

#[test]
fn a_header_left_blank_keeps_its_saved_value_only_under_its_name_and_for_the_same_host() {
    use inbox::forward::{ForwardField, ForwardHeaderInput, ForwardInput};
    let saved = ForwardSettings {
        headers: vec![("X-Signature".into(), "s3cret".into())],
        ..ForwardSettings::to("http://127.0.0.1:3000/webhook")
    };
    let input = |url: &str, name: &str| ForwardInput {
        url: url.into(),
        headers: vec![
            ForwardHeaderInput {
                name: "X-Other".into(),
                value: Some("typed".into()),
            },
            ForwardHeaderInput {
                name: name.into(),
                value: None,
            },
        ],
        strip_credentials: false,
        max_attempts: None,
    };
    let kept = input("http://127.0.0.1:3000/other-path", "x-signature")
        .settings(Some(&saved))
        .unwrap();
    assert_eq!(kept.headers[1], ("x-signature".into(), "s3cret".into()));

    // Renamed: nothing saved under the new name.
    let renamed = input("http://127.0.0.1:3000/webhook", "X-Sig")
        .settings(Some(&saved))
        .unwrap_err();
    assert_eq!(renamed.field, ForwardField::HeaderValue { index: 1 });
    assert!(
        renamed.message.contains("nothing is saved"),
        "{}",
        renamed.message
    );
    assert!(input("http://127.0.0.1:3000/", "X-Signature")
        .settings(None)
        .is_err());

    // Another host, or another port on it: typed again.
    for elsewhere in [
        "http://localhost:3000/webhook",
        "http://127.0.0.1:4000/webhook",
    ] {
        let moved = input(elsewhere, "X-Signature")
            .settings(Some(&saved))
            .unwrap_err();
        assert_eq!(moved.field, ForwardField::HeaderValue { index: 1 });
        assert!(
            moved.message.contains("host or port changed"),
            "{}",
            moved.message
        );
    }
}

#[test]
fn clearing_empties_the_forward_tables_and_keeps_foreign_keys_checked() {
    let dir = crate::common::TempDir::new("fwd-clear");
    let store = Store::open(dir.db()).unwrap();
    let token = route(&store, NewHookRoute::default());
    // Many stored deliveries, most with forwarding state, queue entries and attempts, written
    // straight into the file (a week of a busy registry).
    let n: i64 = 50_000;
    let file = rusqlite::Connection::open(dir.db()).unwrap();
    file.execute_batch(&format!(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
         INSERT INTO deliveries (received_at, method, path, body, size, route_token, status)
             SELECT i, 'POST', '/hooks/{token}', randomblob(200), 200, '{token}', 200 FROM n;
         INSERT INTO delivery_forward (delivery_id, forward_phase) SELECT id, 'done' FROM deliveries;
         INSERT INTO forward_attempts (delivery_id, route_token, at, target, status, latency_ms)
             SELECT id, '{token}', 0, 'http://127.0.0.1:9/', 200, 1 FROM deliveries;
         INSERT INTO forward_queue (delivery_id, route_token)
             SELECT id, '{token}' FROM deliveries WHERE id > {n} - 100;
         COMMIT;"
    ))
    .unwrap();
    assert_eq!(store.clear().unwrap(), n as u64);
    for table in [
        "deliveries",
        "delivery_forward",
        "forward_attempts",
        "forward_queue",
    ] {
        let left: i64 = file
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "{table}");
    }
    // The check is back on: pruning a delivery still takes its forwarding with it (the size
    // budget prunes queued deliveries; count and age keep them).
    let id = store
        .insert(&inbox::store::NewDelivery {
            method: "POST".into(),
            path: format!("/hooks/{token}"),
            route_token: Some(token.clone()),
            status: 200,
            forward: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(store.prune_to_size(0, 10).unwrap(), 1);
    assert!(store.forward_heads(&token, 10).unwrap().is_empty());
    assert!(store.forward_states(&[id]).unwrap().is_empty());
}
