//! The receiver over real HTTP on 127.0.0.1 (port 0) with a real SQLite file: acknowledgement
//! only after commit, raw capture, rejection, size and time limits, per-route responses, the
//! live broadcast and store failure.

use std::time::{Duration, Instant};

use inbox::recognize::Source;
use inbox::store::{Query, RouteResponse, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{quay_route, start_receiver as start, QUAY_PUSH};

/// Sends raw bytes and returns what came back within `wait`, for requests reqwest cannot
/// express (a lying Content-Length, an endless chunked body, a stalled body).
async fn raw(addr: std::net::SocketAddr, request: &[u8], wait: Duration) -> String {
    let mut conn = TcpStream::connect(addr).await.unwrap();
    conn.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(wait, async {
        let mut chunk = [0u8; 4096];
        loop {
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn known_route_is_acknowledged_only_after_commit() {
    let f = start("known", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let resp = reqwest::Client::new()
        .post(format!("{}/hooks/{token}/extra/path?x=1&x=2", f.base))
        .header("content-type", "application/json")
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // Read through the store's other connection right away: the row must already be there.
    let rows = crate::common::rows_of(&f.store, &token);
    assert_eq!(rows.len(), 1);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["id"], rows[0].id);
    let got = f.store.get(rows[0].id).unwrap().unwrap();
    assert_eq!(got.summary.method, "POST");
    assert_eq!(got.summary.path, format!("/hooks/{token}/extra/path"));
    assert_eq!(got.query.as_deref(), Some("x=1&x=2"));
    assert_eq!(got.body, QUAY_PUSH.as_bytes());
    assert_eq!(got.summary.size, QUAY_PUSH.len() as u64);
    assert_eq!(got.summary.status, 200);
    assert_eq!(got.summary.source, Some(Source::Quay));
    assert_eq!(got.summary.event.as_deref(), Some("repo_push"));
    assert_eq!(got.summary.repository.as_deref(), Some("payments/api"));
    assert!(got.remote_addr.unwrap().starts_with("127.0.0.1:"));
    f.receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn repeated_and_non_utf8_headers_are_kept_in_order() {
    let f = start("headers", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let odd = reqwest::header::HeaderValue::from_bytes(&[b'a', 0xff, 0xfe]).unwrap();
    let resp = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", f.base))
        .header("x-dup", "one")
        .header("x-dup", odd)
        .header("x-dup", "three")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let id = f.store.list(&Query::default()).unwrap()[0].id;
    let dups: Vec<Vec<u8>> = f
        .store
        .get(id)
        .unwrap()
        .unwrap()
        .headers
        .into_iter()
        .filter(|(n, _)| n == "x-dup")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(
        dups,
        vec![b"one".to_vec(), vec![b'a', 0xff, 0xfe], b"three".to_vec()]
    );
}

#[tokio::test]
async fn unknown_tokens_are_404_unread_and_recorded_once_per_sender_per_minute() {
    let f = start("unknown", |_| {}).await;
    let client = reqwest::Client::new();
    for _ in 0..5 {
        let resp = client
            .post(format!("{}/hooks/nope", f.base))
            .body(QUAY_PUSH)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 404);
    }
    let rows = f.store.list(&Query::default()).unwrap();
    assert_eq!(rows.len(), 1, "one row per sender per minute");
    assert_eq!(rows[0].status, 404);
    assert_eq!(rows[0].route_token.as_deref(), Some("nope"));
    assert_eq!(rows[0].size, QUAY_PUSH.len() as u64, "the declared size");
    assert!(rows[0]
        .summary
        .as_deref()
        .unwrap()
        .contains("unknown route"));
    let stored = f.store.get(rows[0].id).unwrap().unwrap();
    assert!(stored.body.is_empty(), "the body is never read or stored");
    assert_eq!(f.receiver.feed().unknown_routes(), 5);
}

#[tokio::test]
async fn other_paths_are_404_unless_catch_all() {
    let off = start("catchall-off", |_| {}).await;
    let client = reqwest::Client::new();
    let resp = client
        .post(format!("{}/elsewhere", off.base))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(off.store.count().unwrap(), 0);

    let on = start("catchall-on", |c| c.catch_all = true).await;
    let resp = client
        .put(format!("{}/elsewhere/deep?q=1", on.base))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let rows = on.store.list(&Query::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].path, "/elsewhere/deep");
    assert_eq!(rows[0].method, "PUT");
    assert_eq!(rows[0].route_token, None);
}

#[tokio::test]
async fn oversized_content_length_is_413_without_reading() {
    let f = start("413-length", |c| c.body_limit = 1024).await;
    let token = quay_route(&f.store, RouteResponse::default());
    // Declares 100 MB and sends none of it: only an early refusal can answer in time.
    let request = format!(
        "POST /hooks/{token} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 100000000\r\n\r\n"
    );
    let reply = raw(
        f.receiver.local_addr(),
        request.as_bytes(),
        Duration::from_secs(5),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    let rows = f.store.list(&Query::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, 413);
    assert_eq!(rows[0].size, 100_000_000);
    assert!(f.store.get(rows[0].id).unwrap().unwrap().body.is_empty());
}

#[tokio::test]
async fn oversized_chunked_body_is_413_before_it_ends() {
    let f = start("413-chunked", |c| c.body_limit = 1024).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let mut request = format!(
        "POST /hooks/{token} HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    // 4 x 512 bytes and no terminating chunk: the server must stop at the limit, not wait for
    // (or buffer) the rest.
    for _ in 0..4 {
        request.extend_from_slice(b"200\r\n");
        request.extend_from_slice(&[b'a'; 512]);
        request.extend_from_slice(b"\r\n");
    }
    let reply = raw(f.receiver.local_addr(), &request, Duration::from_secs(5)).await;
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
    let rows = f.store.list(&Query::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, 413);
    // What was read before stopping is at most the limit plus one chunk.
    assert!(
        rows[0].size > 1024 && rows[0].size <= 1024 + 512,
        "{}",
        rows[0].size
    );
}

#[tokio::test]
async fn stalled_body_times_out() {
    let f = start("slow", |c| c.read_timeout = Duration::from_millis(300)).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let request =
        format!("POST /hooks/{token} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 10\r\n\r\nab");
    let started = Instant::now();
    let reply = raw(
        f.receiver.local_addr(),
        request.as_bytes(),
        Duration::from_secs(5),
    )
    .await;
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(f.store.count().unwrap(), 0);
}

#[tokio::test]
async fn empty_and_malformed_bodies_are_stored_as_is() {
    let f = start("bodies", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let client = reqwest::Client::new();
    let empty = client
        .get(format!("{}/hooks/{token}", f.base))
        .send()
        .await
        .unwrap();
    assert_eq!(empty.status(), 200);
    let broken = br#"{"repository": "payments/api", "#;
    let resp = client
        .post(format!("{}/hooks/{token}", f.base))
        .header("content-type", "application/json")
        .body(&broken[..])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let rows = f.store.list(&Query::default()).unwrap();
    assert_eq!(rows.len(), 2);
    let malformed = f.store.get(rows[0].id).unwrap().unwrap();
    assert_eq!(malformed.body, broken);
    let empty = f.store.get(rows[1].id).unwrap().unwrap();
    assert_eq!(empty.summary.method, "GET");
    assert!(empty.body.is_empty());
    assert_eq!(empty.summary.size, 0);
}

#[tokio::test]
async fn per_route_status_body_and_delay() {
    let f = start("response", |_| {}).await;
    let token = quay_route(
        &f.store,
        RouteResponse {
            status: 202,
            body: Some("queued".into()),
            delay_ms: 300,
        },
    );
    let started = Instant::now();
    let resp = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", f.base))
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(resp.status(), 202);
    assert_eq!(resp.text().await.unwrap(), "queued");
    assert_eq!(f.store.list(&Query::default()).unwrap()[0].status, 202);
}

/// Quay stops waiting after 10 s and counts a failure; a route answering later never gets its
/// status to the sender, and the stored delivery says the sender gave up. One that waits is
/// stored as answered.
#[tokio::test]
async fn a_sender_that_stops_waiting_for_a_late_answer_is_recorded() {
    let f = start("gave-up", |_| {}).await;
    let token = quay_route(
        &f.store,
        RouteResponse {
            status: 200,
            body: None,
            delay_ms: 3_000,
        },
    );
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let sent = impatient
        .post(format!("{}/hooks/{token}", f.base))
        .body(QUAY_PUSH)
        .send()
        .await;
    assert!(sent.is_err(), "the sender gave up");
    let mut summary = String::new();
    for _ in 0..50 {
        summary = f.store.list(&Query::default()).unwrap()[0]
            .summary
            .clone()
            .unwrap_or_default();
        if summary.contains("gave up") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(summary.starts_with("push to"), "{summary}");
    assert!(
        summary.contains("(sender gave up after 0.")
            || summary.contains("(sender gave up after 1."),
        "noted when it left, well before the 3 s answer: {summary}"
    );
    assert!(summary.contains("before the 200 answer"), "{summary}");

    let patient = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", f.base))
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert_eq!(patient.status(), 200);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let waited = f.store.list(&Query::default()).unwrap()[0].clone();
    assert!(!waited.summary.unwrap_or_default().contains("gave up"));
}

#[tokio::test]
async fn stored_deliveries_are_broadcast() {
    let f = start("broadcast", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let mut events = f.receiver.subscribe();
    let resp = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", f.base))
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let event = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .expect("an event in time")
        .unwrap();
    let stored = f.store.list(&Query::default()).unwrap();
    assert_eq!(event, stored[0]);
    assert_eq!(event.repository.as_deref(), Some("payments/api"));
    assert!(event.summary.unwrap().contains("payments/api"));
}

#[tokio::test]
async fn store_failure_is_503_and_nothing_acknowledged() {
    let f = start("fail", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let mut events = f.receiver.subscribe();
    f.store.close();
    let resp = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", f.base))
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(f.store.count().unwrap(), 0);
    assert!(events.try_recv().is_err());
}

/// Writes `head` one byte every 50 ms (at most 400 bytes, so 20 s) and reports whether a write
/// failed, which only happens once the server has closed the connection.
fn dribble(
    mut conn: tokio::net::tcp::OwnedWriteHalf,
    head: Vec<u8>,
) -> tokio::task::JoinHandle<bool> {
    tokio::spawn(async move {
        for byte in head.into_iter().cycle().take(400) {
            if conn.write_all(&[byte]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    })
}

/// Reads until the server closes the connection (EOF or reset); `None` if it is still open
/// after 10 s. Returns the bytes the server sent before closing.
async fn until_closed(mut conn: tokio::net::tcp::OwnedReadHalf) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        let mut chunk = [0u8; 1024];
        loop {
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .ok()?;
    Some(got)
}

#[tokio::test]
async fn dribbled_headers_are_cut_off_while_others_are_served() {
    let f = start("slowloris", |c| {
        c.header_timeout = Duration::from_millis(300);
    })
    .await;
    let token = quay_route(&f.store, RouteResponse::default());
    let conn = TcpStream::connect(f.receiver.local_addr()).await.unwrap();
    let (reader, writer) = conn.into_split();
    // A request line and then headers that never end: one byte every 50 ms, a header name
    // that keeps growing.
    let head = format!("POST /hooks/{token} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ").into_bytes();
    let writing = dribble(writer, head);

    // Meanwhile an ordinary delivery is answered and stored.
    let resp = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", f.base))
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    let reply = until_closed(reader)
        .await
        .expect("the server closes a connection whose headers never end");
    assert!(
        reply.is_empty(),
        "no answer to a request never received: {:?}",
        String::from_utf8_lossy(&reply)
    );
    assert!(
        writing.await.unwrap(),
        "the dribbler's writes fail because the server closed, not because it ran out"
    );
    assert_eq!(f.store.count().unwrap(), 1);
    f.receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_stalled_client_does_not_hold_shutdown_open() {
    let f = start("stalled-shutdown", |c| {
        c.header_timeout = Duration::from_millis(300);
    })
    .await;
    let mut conn = TcpStream::connect(f.receiver.local_addr()).await.unwrap();
    conn.write_all(b"GET /hooks/x HTTP/1.1\r\nhost: 127.0.0.1\r\n")
        .await
        .unwrap();
    // Make sure the server has the partial request before shutting down.
    let resp = reqwest::get(format!("{}/elsewhere", f.base)).await.unwrap();
    assert_eq!(resp.status(), 404);
    tokio::time::timeout(Duration::from_secs(10), f.receiver.shutdown())
        .await
        .expect("shutdown finishes once the stalled connection is cut off")
        .unwrap();
    let (reader, _writer) = conn.into_split();
    assert_eq!(until_closed(reader).await, Some(Vec::new()));
}

#[tokio::test]
async fn route_changes_apply_to_the_next_delivery() {
    let f = start("route-cache", |_| {}).await;
    let client = reqwest::Client::new();
    let post = |token: String| {
        let req = client
            .post(format!("{}/hooks/{token}", f.base))
            .body(QUAY_PUSH);
        async move { req.send().await.unwrap().status().as_u16() }
    };
    // Unknown first (a remembered miss), then created: the next delivery is accepted.
    let token = quay_route(&f.store, RouteResponse::default());
    assert_eq!(post(token.clone()).await, 200);
    assert_eq!(post("not-yet".into()).await, 404);
    // Deleted through the same store: refused at once, not after the lookup cache expires.
    assert!(f.store.delete_route(&token).unwrap());
    assert_eq!(post(token.clone()).await, 404);
    let again = quay_route(
        &f.store,
        RouteResponse {
            status: 202,
            ..RouteResponse::default()
        },
    );
    assert_eq!(post(again.clone()).await, 202);

    // Deleted by another process sharing the file (here: another connection): honoured once
    // the cached lookup expires (ROUTE_CACHE_TTL, 1 s); bounded wait of 10 s.
    let other = Store::open(f._dir.0.join("inbox.sqlite")).unwrap();
    assert!(other.delete_route(&again).unwrap());
    let mut refused = false;
    for _ in 0..100 {
        if post(again.clone()).await == 404 {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        refused,
        "a route deleted elsewhere is still accepted after 10 s"
    );
}
