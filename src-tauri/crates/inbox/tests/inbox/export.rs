//! Export and replay of a delivery captured by the real receiver into a real SQLite file:
//! the `curl` command is run by bash against a capturing server on 127.0.0.1, JSON lines and
//! HAR are parsed back, base64 and dates are checked against coreutils, and replay reaches a
//! real server with every byte and header intact.

use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use inbox::export::{base64, iso8601, to_curl, ExportFormat, ExportWriter, REDACTED};
use inbox::replay::{replay, ReplayError};
use inbox::store::{now_ms, Delivery, Query};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{start_receiver, Fixture, TempDir};

/// A body that is not UTF-8, with a quote, a backslash and a NUL, to stress every escape.
const BODY: &[u8] = b"{\"k\":\"it's \\\\ ok\"}\x00\xff\xfe tail";

type Seen = Arc<Mutex<Vec<(String, String, Vec<(String, Vec<u8>)>, Vec<u8>)>>>;

/// A server that records every request and answers 202 "got it".
async fn capture_server() -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .fallback(
            |State(seen): State<Seen>,
             method: Method,
             uri: Uri,
             headers: HeaderMap,
             body: Bytes| async move {
                let headers = headers
                    .iter()
                    .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
                    .collect();
                seen.lock().unwrap().push((
                    method.to_string(),
                    uri.to_string(),
                    headers,
                    body.to_vec(),
                ));
                (axum::http::StatusCode::ACCEPTED, "got it")
            },
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, seen)
}

/// Sends one hand-written request to a fresh receiver (catch-all, so any path is stored) and
/// returns it as stored.
async fn captured() -> (Delivery, TempDir) {
    let Fixture {
        _dir: dir,
        store,
        receiver,
        ..
    } = start_receiver("export", |config| config.catch_all = true).await;
    let mut tcp = tokio::net::TcpStream::connect(receiver.local_addr())
        .await
        .unwrap();
    let mut request = format!(
        "POST /capture/anything?token=abc123&x=1 HTTP/1.1\r\nHost: 127.0.0.9\r\n\
         Authorization: Bearer sekrit-value\r\nX-Api-Token: also-sekrit\r\n\
         X-Trace: one\r\nX-Trace: two\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        BODY.len()
    )
    .into_bytes();
    request.extend_from_slice(BODY);
    tcp.write_all(&request).await.unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    let id = store.list(&Query::default()).unwrap()[0].id;
    let delivery = store.get(id).unwrap().unwrap();
    receiver.shutdown().await.unwrap();
    (delivery, dir)
}

fn header<'a>(headers: &'a [(String, Vec<u8>)], name: &str) -> Vec<&'a [u8]> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_slice())
        .collect()
}

// Multi-threaded: the shell blocks this thread while the capture server answers on another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copied_curl_resends_the_exact_bytes_in_bash_dash_and_fish() {
    let (mut delivery, dir) = captured().await;
    assert_eq!(delivery.body, BODY, "the store kept the raw bytes");
    // A hostile sender: quotes, backslashes, substitutions and NUL bytes in the body (over the
    // 128 KiB a single shell argument may hold) and in a header.
    let pwned = dir.0.join("pwned");
    let injection = format!("$(touch {0}) `touch {0}` ; touch {0}", pwned.display());
    let mut hostile = format!("{{\"k\": \"it\\'s \\\\ {injection}\"}}").into_bytes();
    hostile.extend_from_slice(b"\x00\xff\n'\\'\"");
    hostile.extend(std::iter::repeat_n(b'x', 200 * 1024));
    delivery.body = hostile.clone();
    delivery.headers.push((
        "X-Quote".into(),
        format!("it's \\' {injection}").into_bytes(),
    ));
    let (target, seen) = capture_server().await;

    let command = to_curl(&delivery, &target);
    assert!(!command.contains("sekrit"), "{}", &command[..200]);
    assert!(!command.contains("abc123"));
    for shell in ["bash", "dash", "fish"] {
        // As pasted: the shell reads the command as its input (an argument of this size would
        // exceed the kernel's limit for one argument, which a paste never meets).
        let mut child = Command::new(shell)
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{shell} is needed for this test (.ci/system-deps installs it): {e}")
            });
        {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            writeln!(input, "{command} -s -o /dev/null").unwrap();
        }
        let status = child.wait().unwrap();
        assert!(status.success(), "{shell}: curl failed");
        let seen = seen.lock().unwrap();
        let (method, uri, headers, body) = seen.last().unwrap();
        assert_eq!(method, "POST", "{shell}");
        assert_eq!(
            uri,
            &format!("/capture/anything?token={REDACTED}&x=1"),
            "{shell}"
        );
        assert!(body == &hostile, "{shell}: the body arrived changed");
        assert_eq!(header(headers, "authorization"), vec![REDACTED.as_bytes()]);
        assert_eq!(header(headers, "x-api-token"), vec![REDACTED.as_bytes()]);
        assert_eq!(header(headers, "x-trace"), vec![&b"one"[..], &b"two"[..]]);
        assert_eq!(
            header(headers, "x-quote"),
            vec![format!("it's \\' {injection}").as_bytes()],
            "{shell}"
        );
        assert!(!pwned.exists(), "{shell} ran a command from the payload");
    }
    assert_eq!(seen.lock().unwrap().len(), 3);
}

/// `deliveries` as an export file's text.
fn exported(format: ExportFormat, deliveries: &[&inbox::store::Delivery], base: &str) -> String {
    let mut writer = ExportWriter::new(Vec::new(), format, base).unwrap();
    for d in deliveries {
        writer.push(d).unwrap();
    }
    let (bytes, written) = writer.finish().unwrap();
    assert_eq!(written, deliveries.len() as u64);
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn json_lines_and_har_carry_everything_but_credentials() {
    let (delivery, _dir) = captured().await;
    let base = "http://127.0.0.2:47820";

    let lines = exported(ExportFormat::Jsonl, &[&delivery, &delivery], base);
    assert_eq!(lines.lines().count(), 2);
    assert!(
        !lines.contains("sekrit") && !lines.contains("abc123"),
        "{lines}"
    );
    let line: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(line["bodyEncoding"], "base64");
    assert_eq!(line["body"], base64(BODY));
    assert_eq!(
        line["url"],
        format!("{base}/capture/anything?token={REDACTED}&x=1")
    );
    let traces: Vec<&serde_json::Value> = line["headers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h[0] == "x-trace")
        .collect();
    assert_eq!(traces.len(), 2, "repeated headers kept: {line}");

    let text = exported(ExportFormat::Har, &[&delivery, &delivery], base);
    let har: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(har["log"]["entries"].as_array().unwrap().len(), 2);
    assert!(!text.contains("sekrit") && !text.contains("abc123"));
    assert_eq!(har["log"]["version"], "1.2");
    let entry = &har["log"]["entries"][0];
    assert_eq!(entry["request"]["method"], "POST");
    assert_eq!(entry["request"]["postData"]["encoding"], "base64");
    assert_eq!(entry["request"]["postData"]["mimeType"], "application/json");
    assert_eq!(entry["request"]["bodySize"], BODY.len());
    assert_eq!(entry["response"]["status"], delivery.summary.status);
    let query = entry["request"]["queryString"].as_array().unwrap();
    assert_eq!(
        query[0],
        serde_json::json!({"name": "token", "value": REDACTED})
    );
    assert_eq!(
        entry["startedDateTime"],
        iso8601(delivery.summary.received_at)
    );
}

#[test]
fn base64_and_dates_agree_with_coreutils() {
    for input in [&b""[..], b"f", b"fo", b"foo", b"foob", BODY] {
        let mut child = Command::new("base64")
            .arg("-w0")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(base64(input), String::from_utf8(out.stdout).unwrap());
    }
    for ms in [
        0_i64,
        951_782_400_123,
        1_718_012_345_678,
        4_102_444_799_999,
        now_ms(),
    ] {
        let out = Command::new("date")
            .args(["-u", "-d", &format!("@{}", ms / 1000), "+%Y-%m-%dT%H:%M:%S"])
            .output()
            .unwrap();
        let expected = format!(
            "{}.{:03}Z",
            String::from_utf8(out.stdout).unwrap().trim(),
            ms % 1000
        );
        assert_eq!(iso8601(ms), expected);
    }
}

#[tokio::test]
async fn replay_sends_method_headers_and_bytes_to_the_target() {
    let (delivery, _dir) = captured().await;
    let (target, seen) = capture_server().await;
    let outcome = replay(&delivery, &format!("{target}/consumer"), false)
        .await
        .unwrap();
    assert_eq!(outcome.status, 202);
    assert_eq!(outcome.body_preview, "got it");

    let (method, uri, headers, body) = seen.lock().unwrap()[0].clone();
    assert_eq!((method.as_str(), uri.as_str()), ("POST", "/consumer"));
    assert_eq!(body, BODY);
    let headers = &headers;
    // By default the sender's credentials stay home; asked to, replay keeps them.
    assert!(header(headers, "authorization").is_empty());
    assert!(header(headers, "x-api-token").is_empty());
    replay(&delivery, &format!("{target}/consumer"), true)
        .await
        .unwrap();
    let (_, _, kept, _) = seen.lock().unwrap()[1].clone();
    assert_eq!(
        header(&kept, "authorization"),
        vec![&b"Bearer sekrit-value"[..]]
    );
    assert_eq!(header(headers, "x-trace"), vec![&b"one"[..], &b"two"[..]]);
    assert_ne!(
        header(headers, "host"),
        vec![&b"127.0.0.9"[..]],
        "Host is the target's"
    );

    assert_eq!(
        replay(&delivery, "ftp://example/x", false).await,
        Err(ReplayError::InvalidUrl)
    );
    let closed = replay(&delivery, "http://127.0.0.1:9/", false)
        .await
        .unwrap_err();
    assert!(matches!(closed, ReplayError::Network(_)), "{closed:?}");
}

/// A target on 127.0.0.1 that accepts one connection, reads the request and leaves the
/// answer to `answer`.
async fn one_request_target<F, A>(answer: A) -> std::net::SocketAddr
where
    A: FnOnce(tokio::net::TcpStream) -> F + Send + 'static,
    F: std::future::Future<Output = ()> + Send,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; 64 * 1024];
        let _ = socket.read(&mut request).await;
        answer(socket).await;
    });
    addr
}

#[tokio::test]
async fn replay_reads_only_the_start_of_an_endless_answer() {
    let (delivery, _dir) = captured().await;
    // A target that streams forever: replay must return after the first 2 KiB.
    let addr = one_request_target(|mut socket| async move {
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            .await
            .unwrap();
        let chunk = vec![b'y'; 4096];
        while socket.write_all(&chunk).await.is_ok() {}
    })
    .await;
    let outcome = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        replay(&delivery, &format!("http://{addr}/"), false),
    )
    .await
    .expect("replay returns without reading the whole answer")
    .unwrap();
    assert_eq!(outcome.status, 200);
    assert_eq!(outcome.body_preview.len(), inbox::replay::PREVIEW_BYTES);
}

#[tokio::test]
async fn replay_keeps_the_status_of_an_answer_that_breaks_off() {
    let (delivery, _dir) = captured().await;
    // 200 with a body announced longer than what comes before the connection closes.
    let addr = one_request_target(|mut socket| async move {
        socket
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
            .await
            .unwrap();
    })
    .await;
    let outcome = replay(&delivery, &format!("http://{addr}/"), false)
        .await
        .unwrap();
    assert_eq!(outcome.status, 200);
    assert!(
        outcome
            .body_preview
            .starts_with("partial\n[the rest of the answer could not be read"),
        "{}",
        outcome.body_preview
    );
}
