//! The receiver under hostile or heavy input, over real TCP on 127.0.0.1 with a real SQLite
//! file: broken and empty bodies, a 100 MB stream, non-UTF-8 bytes, 10,000 headers and 10,000
//! concurrent connections. Each test asserts what was stored, not just that nothing crashed.

use std::time::Duration;

use inbox::receiver::{DEFAULT_BODY_LIMIT, MAX_HEADERS};
use inbox::recognize::Source;
use inbox::store::{NewHookRoute, Query, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;

/// The memory test reads this process's RSS, so the tests that allocate a lot (many
/// connections, big bodies) take turns instead of running in parallel with it.
static HEAVY: Mutex<()> = Mutex::const_new(());

use crate::common::{self, Fixture};

async fn start(tag: &str) -> Fixture {
    common::start_receiver(&format!("reliab-{tag}"), |_| {}).await
}

fn route(store: &Store, source: Option<Source>, event: Option<&str>) -> String {
    common::route(
        store,
        NewHookRoute {
            source,
            event: event.map(str::to_owned),
            ..NewHookRoute::default()
        },
    )
}

/// This process's resident set size in KiB, from `/proc/self/status`.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status")
}

/// The status code of a raw HTTP/1.1 response.
fn status_of(reply: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(reply.get(..12)?).ok()?;
    text.strip_prefix("HTTP/1.1 ")?.parse().ok()
}

/// Reads a whole response whose body is small: until the peer closes or the body promised by
/// `content-length` is in. Bounded by `wait`.
async fn read_response(conn: &mut (impl AsyncReadExt + Unpin), wait: Duration) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(wait, async {
        let mut chunk = [0u8; 4096];
        loop {
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
            if response_complete(&buf) {
                break;
            }
        }
    })
    .await;
    buf
}

fn response_complete(buf: &[u8]) -> bool {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    buf.len() >= end + 4 + length
}

fn body_of(reply: &[u8]) -> &[u8] {
    match reply.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => &reply[end + 4..],
        None => &[],
    }
}

#[tokio::test]
async fn malformed_json_and_empty_bodies_are_stored_as_unknown() {
    let f = start("malformed").await;
    let plain = route(&f.store, None, None);
    // A Quay route: the hint must not make a broken body pass for a Quay event.
    let quay = route(&f.store, Some(Source::Quay), Some("repo_push"));
    let client = reqwest::Client::new();
    let cases: [(&str, &[u8]); 6] = [
        (&plain, br#"{"repository": "payments/api", "#),
        (&quay, br#"{"repository": "payments/api", "#),
        (&plain, b""),
        (&quay, b""),
        (&quay, b"[1, 2,"),
        (&quay, b"\x00\x00\x00"),
    ];
    let mut ids = Vec::new();
    for (token, body) in cases {
        let resp = client
            .post(format!("{}/hooks/{token}", f.base))
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{:?}", String::from_utf8_lossy(body));
        let ack: serde_json::Value = resp.json().await.unwrap();
        ids.push(ack["id"].as_i64().expect("an id in the acknowledgement"));
    }
    for ((token, body), id) in cases.iter().zip(ids) {
        let got = f.store.get(id).unwrap().expect("acknowledged means stored");
        assert_eq!(got.body, *body);
        assert_eq!(got.summary.route_token.as_deref(), Some(*token));
        assert_eq!(got.summary.status, 200);
        assert_eq!(got.summary.source, Some(Source::Unknown), "{got:?}");
        assert_eq!(got.summary.event, None, "{got:?}");
        assert_eq!(got.summary.repository, None, "{got:?}");
        assert!(
            got.summary
                .summary
                .as_deref()
                .is_some_and(|s| !s.is_empty()),
            "a summary says what arrived: {got:?}"
        );
    }
    // The server is still fine.
    let resp = client
        .post(format!("{}/hooks/{plain}", f.base))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(f.store.count().unwrap(), 7);
}

#[tokio::test]
async fn a_streamed_100_mb_body_is_refused_413_without_being_read_whole() {
    const TOTAL: usize = 100 * 1024 * 1024;
    const CHUNK: usize = 64 * 1024;
    let _turn = HEAVY.lock().await;
    let f = start("100mb").await;
    let token = route(&f.store, None, None);
    let before = rss_kib();

    // Chunked, so no Content-Length tells the server in advance: it has to stop by counting.
    let conn = TcpStream::connect(f.addr()).await.unwrap();
    let (mut reader, mut writer) = conn.into_split();
    let writing = tokio::spawn(async move {
        let head = format!(
            "POST /hooks/{token} HTTP/1.1\r\nhost: 127.0.0.1\r\n\
             content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
        );
        writer.write_all(head.as_bytes()).await.unwrap();
        let chunk = [b'7'; CHUNK];
        let mut sent = 0;
        while sent < TOTAL {
            let framed = format!("{CHUNK:x}\r\n");
            if writer.write_all(framed.as_bytes()).await.is_err()
                || writer.write_all(&chunk).await.is_err()
                || writer.write_all(b"\r\n").await.is_err()
            {
                return sent;
            }
            sent += CHUNK;
        }
        let _ = writer.write_all(b"0\r\n\r\n").await;
        sent
    });
    let reply = read_response(&mut reader, Duration::from_secs(60)).await;
    assert_eq!(
        status_of(&reply),
        Some(413),
        "{:?}",
        String::from_utf8_lossy(&reply)
    );
    drop(reader);
    let sent = tokio::time::timeout(Duration::from_secs(60), writing)
        .await
        .expect("the writer stops once the server has closed")
        .unwrap();
    let grown_kib = rss_kib().saturating_sub(before);

    // The server stopped reading after the limit and closed: the sender could not push the
    // rest (what it did push is the limit plus what loopback socket buffers absorb).
    assert!(
        sent < TOTAL / 2,
        "the sender pushed {sent} bytes: the server kept reading"
    );
    // At most the limit's worth of buffer was ever held, not the 100 MB.
    assert!(
        grown_kib < 50 * 1024,
        "RSS grew by {grown_kib} KiB while refusing a 100 MB body"
    );
    let rows = f.store.list(&Query::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, 413);
    assert!(rows[0].size > DEFAULT_BODY_LIMIT as u64, "{}", rows[0].size);
    assert!(
        rows[0].size <= (DEFAULT_BODY_LIMIT + CHUNK) as u64,
        "{}",
        rows[0].size
    );
    assert!(f.store.get(rows[0].id).unwrap().unwrap().body.is_empty());

    // And the receiver still serves.
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/hooks/{}",
            f.base,
            rows[0].route_token.as_ref().unwrap()
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn non_utf8_bodies_are_kept_byte_exact() {
    let f = start("bytes").await;
    let token = route(&f.store, Some(Source::Quay), Some("repo_push"));
    let every_byte: Vec<u8> = (0..=255u8).cycle().take(256 * 4).collect();
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("application/octet-stream", every_byte),
        // Invalid UTF-8 inside something that looks like JSON: a lone continuation byte, an
        // overlong '/', an encoded surrogate, a truncated sequence, a NUL.
        (
            "application/json",
            b"{\"repository\":\"a\x80b\",\"x\":\"\xc0\xaf\xed\xa0\x80\xe2\x82\",\"n\":\"\x00\"}"
                .to_vec(),
        ),
        // A UTF-8 byte-order mark, then Latin-1 text.
        ("text/plain", b"\xef\xbb\xbfcaf\xe9 na\xefve".to_vec()),
        // UTF-16LE JSON.
        (
            "application/json; charset=utf-16",
            "{\"a\":1}"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect(),
        ),
    ];
    let client = reqwest::Client::new();
    for (content_type, body) in &bodies {
        let resp = client
            .post(format!("{}/hooks/{token}", f.base))
            .header("content-type", *content_type)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200, "{content_type}");
        let ack: serde_json::Value = resp.json().await.unwrap();
        let got = f.store.get(ack["id"].as_i64().unwrap()).unwrap().unwrap();
        assert_eq!(&got.body, body, "{content_type}");
        assert_eq!(got.summary.size, body.len() as u64);
    }
    // Searching over those bodies works and finds the Latin-1 one by its ASCII part (" na":
    // a hex route token in every path could contain "caf").
    let hits = f
        .store
        .list(&Query {
            text: Some(" na".into()),
            ..Query::default()
        })
        .unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(f.store.get(hits[0].id).unwrap().unwrap().body, bodies[2].1);
}

#[tokio::test]
async fn ten_thousand_headers_are_refused_431_recorded_and_the_server_keeps_serving() {
    const HEADERS: usize = 10_000;
    let f = start("headers").await;
    let token = route(&f.store, None, None);
    let mut events = f.receiver.subscribe();

    let mut request = format!("POST /hooks/{token} HTTP/1.1\r\nhost: 127.0.0.1\r\n").into_bytes();
    for i in 0..HEADERS {
        request.extend_from_slice(format!("x-h-{i}: {i}\r\n").as_bytes());
    }
    request.extend_from_slice(b"content-length: 2\r\n\r\n{}");
    let mut conn = TcpStream::connect(f.addr()).await.unwrap();
    let client_addr = conn.local_addr().unwrap();
    // The server may answer and close before taking all of it; that is the point.
    let _ = conn.write_all(&request).await;
    let reply = read_response(&mut conn, Duration::from_secs(10)).await;
    assert_eq!(
        status_of(&reply),
        Some(431),
        "{:?}",
        String::from_utf8_lossy(&reply)
    );

    // The refusal is in the store and published, with who sent it.
    let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("the refusal is published")
        .unwrap();
    assert_eq!(event.status, 431);
    let rows = f.store.list(&Query::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0], event);
    let stored = f.store.get(rows[0].id).unwrap().unwrap();
    assert_eq!(stored.remote_addr, Some(client_addr.to_string()));
    assert!(stored.body.is_empty() && stored.headers.is_empty());
    let summary = stored.summary.summary.unwrap_or_default();
    assert!(
        summary.contains(&format!("more than {MAX_HEADERS} header fields")),
        "{summary}"
    );

    // Exactly at the limit is still a delivery: MAX_HEADERS fields in all.
    let mut at_limit = reqwest::header::HeaderMap::new();
    // reqwest adds host, content-length and accept; content-type is ours.
    for i in 0..MAX_HEADERS - 4 {
        at_limit.insert(
            reqwest::header::HeaderName::try_from(format!("x-h-{i}")).unwrap(),
            i.into(),
        );
    }
    let resp = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", f.base))
        .headers(at_limit)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ack: serde_json::Value = resp.json().await.unwrap();
    let ok = f.store.get(ack["id"].as_i64().unwrap()).unwrap().unwrap();
    assert_eq!(ok.headers.len(), MAX_HEADERS);
    assert_eq!(f.store.count().unwrap(), 2);
}

/// A well-formed delivery to `token` is still acknowledged.
async fn assert_still_serving(f: &Fixture, token: &str) {
    let resp = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", f.base))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

/// Sends `request` on its own connection and returns the status and the stored, published
/// refusal it caused.
async fn refused(f: &Fixture, request: &[u8]) -> (Option<u16>, inbox::store::Delivery) {
    let mut events = f.receiver.subscribe();
    let mut conn = TcpStream::connect(f.addr()).await.unwrap();
    let client_addr = conn.local_addr().unwrap();
    let _ = conn.write_all(request).await;
    let reply = read_response(&mut conn, Duration::from_secs(10)).await;
    let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("the refusal is published")
        .unwrap();
    let stored = f.store.get(event.id).unwrap().unwrap();
    assert_eq!(stored.summary, event);
    assert_eq!(stored.remote_addr, Some(client_addr.to_string()));
    (status_of(&reply), stored)
}

#[tokio::test]
async fn malformed_and_overlong_request_heads_are_refused_and_recorded() {
    let f = start("heads").await;
    let token = route(&f.store, None, None);

    let (status, stored) = refused(&f, b"POST /hooks/x HTTP/1.1\r\nbad header\r\n\r\n").await;
    assert_eq!(status, Some(400));
    assert_eq!(stored.summary.status, 400);
    let why = stored.summary.summary.unwrap_or_default();
    assert!(why.contains("not a valid HTTP/1.1 request head"), "{why}");

    // hyper's limit for the request target is 65,534 bytes.
    let long = format!(
        "GET /hooks/{token}?q={} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n",
        "a".repeat(70_000)
    );
    let (status, stored) = refused(&f, long.as_bytes()).await;
    assert_eq!(status, Some(414));
    assert_eq!(stored.summary.status, 414);
    let why = stored.summary.summary.unwrap_or_default();
    assert!(why.contains("request target"), "{why}");

    // Well-formed requests are still served after both.
    assert_still_serving(&f, &token).await;
    assert_eq!(f.store.count().unwrap(), 3);
}

/// Connections held open at once by [`ten_thousand_concurrent_connections_each_deliver_and_every_2xx_is_stored`].
const CONNECTIONS: usize = 10_000;
/// Room for the runtime, the store and the test harness besides the connections.
const SPARE_FDS: usize = 200;

#[tokio::test]
async fn ten_thousand_concurrent_connections_each_deliver_and_every_2xx_is_stored() {
    // Each side needs a descriptor per connection. One process may not hold 20,000 (the
    // development machine and CI allow exactly that), so the senders run in a child process:
    // this test binary again, running `concurrent_senders` (below).
    let _turn = HEAVY.lock().await;
    let wanted = (CONNECTIONS + SPARE_FDS) as libc::rlim_t;
    let limit = raise_fd_limit(wanted);
    assert!(
        limit >= wanted,
        "RLIMIT_NOFILE is {limit} even after raising it to the hard limit"
    );
    // Connecting 10,000 sockets takes a few seconds on two cores, and every sender waits for
    // all of them before sending: the idle-connection timeout must outlast that.
    // The caps that protect a LAN-exposed receiver are lifted: this is about the receiver's
    // own capacity (abuse.rs covers the caps).
    let f = common::start_receiver("reliab-concurrent", |c| {
        c.header_timeout = Duration::from_secs(120);
        c.max_connections = CONNECTIONS + SPARE_FDS;
        c.max_per_source = CONNECTIONS + SPARE_FDS;
    })
    .await;
    let token = route(&f.store, Some(Source::Quay), Some("repo_push"));
    let mut senders = std::process::Command::new(std::env::current_exe().unwrap());
    senders
        .args([
            "reliability::concurrent_senders",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(
            "WHARF_SENDERS_TARGET",
            format!("{}/hooks/{token}", f.addr()),
        )
        .stderr(std::process::Stdio::inherit());
    // Off the runtime's thread, which serves the receiver meanwhile. The child bounds all its
    // waits (60 s each), so this returns by itself.
    let out = tokio::task::spawn_blocking(move || senders.output())
        .await
        .unwrap()
        .expect("the sender process runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "senders failed: {stdout}");

    let mut acknowledged = Vec::new();
    let mut failures = Vec::new();
    for line in stdout.lines() {
        match line.split_once(' ') {
            Some(("ACK", rest)) => {
                let (n, id) = rest.split_once(' ').unwrap();
                acknowledged.push((n.parse::<usize>().unwrap(), id.parse::<i64>().unwrap()));
            }
            Some(("FAIL", why)) => failures.push(why.to_owned()),
            _ => {}
        }
    }
    // Every acknowledged delivery is in the store with its own body.
    for (n, id) in &acknowledged {
        let got = f
            .store
            .get(*id)
            .unwrap()
            .expect("a 2xx'd delivery is stored");
        assert_eq!(got.body, sender_body(*n).as_bytes(), "#{n}");
        assert_eq!(got.summary.status, 200);
    }
    let mut ids: Vec<i64> = acknowledged.iter().map(|(_, id)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), acknowledged.len(), "ids are unique");
    assert_eq!(f.store.count().unwrap(), acknowledged.len() as u64);
    // On loopback nothing should fail at all.
    assert!(
        failures.is_empty(),
        "{} failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert_eq!(acknowledged.len(), CONNECTIONS);

    // No crash: the receiver still answers and shuts down cleanly.
    assert_still_serving(&f, &token).await;
    tokio::time::timeout(Duration::from_secs(30), f.receiver.shutdown())
        .await
        .expect("shutdown finishes")
        .unwrap();
}

fn sender_body(n: usize) -> String {
    format!(
        r#"{{"repository":"load/r{n}","namespace":"load","name":"r{n}","docker_url":"q/load/r{n}","updated_tags":["t{n}"]}}"#
    )
}

/// The sending half of the test above, run only by it (in a child process, see there): opens
/// CONNECTIONS connections to `WHARF_SENDERS_TARGET`, waits until all are open, then sends a
/// push on each and prints `ACK <n> <id>` or `FAIL <why>` per connection.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "the sending half of ten_thousand_concurrent_connections_..., which runs it"]
async fn concurrent_senders() {
    let target = std::env::var("WHARF_SENDERS_TARGET").expect("run by the 10,000 test");
    let (addr, path) = target.split_once('/').unwrap();
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    let path = format!("/{path}");
    let wanted = (CONNECTIONS + SPARE_FDS) as libc::rlim_t;
    assert!(raise_fd_limit(wanted) >= wanted, "RLIMIT_NOFILE too low");
    // Every connection is open before any sends, so all of them are in flight together.
    let connected = std::sync::Arc::new(tokio::sync::Barrier::new(CONNECTIONS));
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..CONNECTIONS {
        let connected = connected.clone();
        let path = path.clone();
        tasks.spawn(async move {
            let conn =
                tokio::time::timeout(Duration::from_secs(60), TcpStream::connect(addr)).await;
            // Wait even when connecting failed, or the others would wait forever.
            connected.wait().await;
            let mut conn = conn
                .map_err(|_| format!("#{n}: connect timed out"))?
                .map_err(|e| format!("#{n}: connect: {e}"))?;
            let body = sender_body(n);
            let request = format!(
                "POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
                 content-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            conn.write_all(request.as_bytes())
                .await
                .map_err(|e| format!("#{n}: write: {e}"))?;
            let reply = read_response(&mut conn, Duration::from_secs(60)).await;
            match status_of(&reply) {
                Some(s) if (200..300).contains(&s) => {
                    let ack: serde_json::Value =
                        serde_json::from_slice(body_of(&reply)).unwrap_or_default();
                    let id = ack["id"].as_i64().ok_or(format!("#{n}: no id"))?;
                    Ok((n, id))
                }
                other => Err(format!("#{n}: status {other:?}")),
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined.unwrap() {
            Ok((n, id)) => println!("ACK {n} {id}"),
            Err(why) => println!("FAIL {why}"),
        }
    }
}

/// Raises RLIMIT_NOFILE's soft limit to `wanted` if it is lower (never above the hard limit);
/// returns the soft limit in force afterwards.
fn raise_fd_limit(wanted: libc::rlim_t) -> libc::rlim_t {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read or write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        if lim.rlim_cur < wanted {
            lim.rlim_cur = wanted.min(lim.rlim_max);
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
            }
        }
    }
    lim.rlim_cur
}
