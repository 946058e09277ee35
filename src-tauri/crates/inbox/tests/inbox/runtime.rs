//! The inbox runtime as the app and `wharf headless` run it: a real SQLite file, a real
//! receiver on 127.0.0.1, a real delivery, and every operation the UI and the CLI call.

use std::sync::Arc;
use std::time::Duration;

use inbox::export::ExportFormat;
use inbox::receiver::ReceiverConfig;
use inbox::recognize::Source;
use inbox::retention::RetentionPolicy;
use inbox::store::{NewHookRoute, Query};
use inbox::toast::{RecordingToaster, Toaster};
use inbox::{Inbox, InboxConfig, InboxError};

use crate::common::{TempDir, QUAY_PUSH};

fn config(addr: &str) -> InboxConfig {
    InboxConfig {
        receiver: Ok(ReceiverConfig {
            addr: addr.parse().unwrap(),
            ..ReceiverConfig::default()
        }),
        ..InboxConfig::default()
    }
}

fn quay_push_route() -> NewHookRoute {
    NewHookRoute {
        source: Some(Source::Quay),
        event: Some("repo_push".into()),
        repository: Some("payments/api".into()),
        label: "runtime".into(),
        ..NewHookRoute::default()
    }
}

#[tokio::test]
async fn a_delivery_goes_through_every_part() {
    let dir = TempDir::new("runtime-all");
    let toaster = Arc::new(RecordingToaster::new());
    let inbox = Inbox::start(
        &dir.db(),
        config("127.0.0.1:0"),
        Some(toaster.clone() as Arc<dyn Toaster>),
    )
    .await;
    let status = inbox.status();
    assert_eq!(status.error, None);
    let base = status.base_url.expect("listening");
    assert_eq!(inbox.public_base_url().as_deref(), Some(base.as_str()));

    let minted = inbox.mint_route(quay_push_route()).await.unwrap();
    assert_eq!(minted.url, format!("{base}/hooks/{}", minted.route.token));
    let warning = minted.warning.expect("Quay refuses 127.0.0.1");
    assert!(warning.contains("Quay refuses"), "{warning}");
    assert_eq!(inbox.routes().unwrap(), vec![minted.route.clone()]);

    let mut feed = inbox.subscribe();
    let answer = reqwest::Client::new()
        .post(&minted.url)
        .header("Authorization", "Bearer s3cret")
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let live = tokio::time::timeout(Duration::from_secs(10), feed.recv())
        .await
        .expect("the feed carries the delivery")
        .unwrap();
    assert_eq!(live.event.as_deref(), Some("repo_push"));

    let listed = inbox
        .search(Query {
            source: Some(Source::Quay),
            ..Query::default()
        })
        .await
        .unwrap();
    assert_eq!(listed, vec![live.clone()]);
    let other_source = inbox
        .search(Query {
            source: Some(Source::Dtr),
            ..Query::default()
        })
        .await
        .unwrap();
    assert!(other_source.is_empty());

    let detail = inbox.detail(live.id).await.unwrap();
    assert_eq!(detail.body_text.as_deref(), Some(QUAY_PUSH));
    assert!(detail.curl.contains("[redacted]"), "{}", detail.curl);
    assert!(!detail.curl.contains("s3cret"), "{}", detail.curl);

    // The export honours the same filters as the list, and counts what it wrote.
    let quay = Query {
        source: Some(Source::Quay),
        ..Query::default()
    };
    assert_eq!(inbox.count(quay.clone()).await.unwrap(), 1);
    let out = dir.0.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let quay_file = out.join("wharf-inbox-2026-12-02-0441.jsonl");
    std::fs::write(&quay_file, "an older export, replaced\n").unwrap();
    let written = inbox
        .export_file(quay_file.clone(), quay, ExportFormat::Jsonl)
        .await
        .unwrap();
    assert_eq!(written, 1);
    let exported = std::fs::read_to_string(&quay_file).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&quay_file), 0o600, "exports hold deliveries");
        assert_eq!(mode(&dir.0), 0o700, "the data folder is the owner's");
    }
    assert_eq!(exported.lines().count(), 1, "{exported}");
    assert!(exported.contains("payments/api"), "{exported}");
    assert!(!exported.contains("s3cret"));
    let dtr = Query {
        source: Some(Source::Dtr),
        ..Query::default()
    };
    assert_eq!(inbox.count(dtr.clone()).await.unwrap(), 0);
    let dtr_file = out.join("dtr.har");
    assert_eq!(
        inbox
            .export_file(dtr_file.clone(), dtr, ExportFormat::Har)
            .await
            .unwrap(),
        0
    );
    let har: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&dtr_file).unwrap()).unwrap();
    assert_eq!(har["log"]["entries"], serde_json::json!([]));
    // Only the two files: the content went through a hidden file, renamed into place.
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["dtr.har", "wharf-inbox-2026-12-02-0441.jsonl"]);
    // A folder that cannot be written names the file in the error, and leaves nothing.
    let missing = dir.0.join("no-such-folder/x.jsonl");
    let err = inbox
        .export_file(missing.clone(), Query::default(), ExportFormat::Jsonl)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(&missing.display().to_string()),
        "{err}"
    );

    // The toast arrives after the coalescing window.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while toaster.shown().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(toaster.shown().len(), 1);

    assert_eq!(inbox.clear().await.unwrap(), 1);
    assert!(matches!(
        inbox.detail(live.id).await,
        Err(InboxError::NotFound)
    ));
    inbox.shutdown().await;
    assert!(
        reqwest::get(&minted.url).await.is_err(),
        "nothing listens after shutdown"
    );
}

#[tokio::test]
async fn apply_moves_the_receiver_and_keeps_the_feed() {
    let dir = TempDir::new("runtime-apply");
    let inbox = Inbox::start(&dir.db(), config("127.0.0.1:0"), None).await;
    let token = inbox
        .mint_route(quay_push_route())
        .await
        .unwrap()
        .route
        .token;
    let mut feed = inbox.subscribe();

    inbox
        .apply(InboxConfig {
            public_base_url: Some("https://hooks.example.com/wharf".into()),
            retention: RetentionPolicy::UNLIMITED,
            ..config("127.0.0.2:0")
        })
        .await;
    assert_eq!(inbox.move_error(), None);
    let moved = inbox.status().base_url.unwrap();
    assert!(moved.starts_with("http://127.0.0.2:"), "{moved}");
    assert_eq!(
        inbox.public_base_url().as_deref(),
        Some("https://hooks.example.com/wharf")
    );
    let minted = inbox.mint_route(quay_push_route()).await.unwrap();
    assert!(minted
        .url
        .starts_with("https://hooks.example.com/wharf/hooks/"));
    assert_eq!(minted.warning, None);

    let status = reqwest::Client::new()
        .post(format!("{moved}/hooks/{token}"))
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    let live = tokio::time::timeout(Duration::from_secs(10), feed.recv())
        .await
        .expect("a subscription made before the move still gets deliveries")
        .unwrap();
    assert_eq!(live.route_token.as_deref(), Some(token.as_str()));

    // An address that cannot be bound leaves the receiver where it was, and says why.
    inbox.apply(config("192.0.2.1:0")).await;
    let why = inbox.move_error().expect("the move failed");
    assert!(why.contains("192.0.2.1"), "{why}");
    assert_eq!(inbox.status().base_url.as_deref(), Some(moved.as_str()));
    inbox.shutdown().await;
}

#[tokio::test]
async fn an_unopenable_database_is_reported_not_fatal() {
    let dir = TempDir::new("runtime-broken");
    // A folder where the database file should be.
    std::fs::create_dir_all(dir.db()).unwrap();
    let inbox = Inbox::start(&dir.db(), config("127.0.0.1:0"), None).await;
    let status = inbox.status();
    assert_eq!(status.base_url, None);
    let why = status.error.expect("the status says why");
    assert!(why.contains("cannot open"), "{why}");
    for result in [
        inbox.search(Query::default()).await.map(|_| ()),
        inbox.clear().await.map(|_| ()),
        inbox.mint_route(quay_push_route()).await.map(|_| ()),
    ] {
        assert!(
            matches!(&result, Err(InboxError::Unavailable(m)) if m.contains("cannot open")),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn no_address_to_listen_on_means_no_route_urls() {
    let dir = TempDir::new("runtime-noaddr");
    let inbox = Inbox::start(
        &dir.db(),
        InboxConfig {
            receiver: Err("WHARF_RECEIVER_BIND=\"lan\" is not an IP address".into()),
            ..InboxConfig::default()
        },
        None,
    )
    .await;
    assert!(inbox
        .status()
        .error
        .unwrap()
        .contains("WHARF_RECEIVER_BIND"));
    let refused = inbox.mint_route(quay_push_route()).await.unwrap_err();
    assert!(
        matches!(&refused, InboxError::Unavailable(m) if m.contains("not running")),
        "{refused:?}"
    );
    // The store itself works: earlier deliveries stay searchable.
    assert_eq!(inbox.search(Query::default()).await.unwrap(), vec![]);
}

#[tokio::test]
async fn browser_requests_are_refused_before_anything_is_read_and_only_counted() {
    let dir = TempDir::new("runtime-browser");
    let inbox = Inbox::start(&dir.db(), config("127.0.0.1:0"), None).await;
    let url = inbox.mint_route(quay_push_route()).await.unwrap().url;
    let http = reqwest::Client::new();
    // What a web page's fetch(..., {mode: "no-cors"}) or an <img> sends.
    for (name, value) in [
        ("Origin", "https://evil.example"),
        ("Sec-Fetch-Mode", "no-cors"),
        ("Sec-Fetch-Site", "cross-site"),
    ] {
        let answer = http
            .post(&url)
            .header(name, value)
            .body(QUAY_PUSH)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 403, "{name}");
    }
    // DNS rebinding: a page on the attacker's domain, resolved to this machine.
    let answer = http
        .post(&url)
        .header("Host", "rebind.attacker.example:47820")
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 403, "a foreign Host");
    assert_eq!(inbox.status().refused_from_browsers, 4);
    assert_eq!(
        inbox.search(Query::default()).await.unwrap(),
        vec![],
        "nothing stored"
    );
    // A registry's delivery still goes through, by IP or by `localhost`.
    let answer = http.post(&url).body(QUAY_PUSH).send().await.unwrap();
    assert_eq!(answer.status(), 200);
    let answer = http
        .post(&url)
        .header("Host", "LOCALHOST")
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(inbox.search(Query::default()).await.unwrap().len(), 2);
}

#[test]
fn hosts_allowed_are_ip_addresses_localhost_and_the_public_host() {
    use axum::http::{header::HOST, HeaderMap, HeaderValue};
    let with = |host: &str| {
        let mut h = HeaderMap::new();
        h.insert(HOST, HeaderValue::from_str(host).unwrap());
        h
    };
    let allowed =
        |host: &str| inbox::receiver::host_allowed(&with(host), Some("hooks.example.com"));
    for ok in [
        "127.0.0.1:47820",
        "192.168.1.20",
        "[::1]:47820",
        "localhost",
        "Hooks.Example.com:443",
    ] {
        assert!(allowed(ok), "{ok}");
    }
    for refused in [
        "evil.example",
        "127.0.0.1.nip.io:47820",
        "hooks.example.com.evil",
        "[not-ip]",
    ] {
        assert!(!allowed(refused), "{refused}");
    }
    assert!(
        inbox::receiver::host_allowed(&HeaderMap::new(), None),
        "HTTP/1.0 without Host"
    );
}

#[tokio::test]
async fn requests_outside_hooks_get_404_and_are_only_counted() {
    let dir = TempDir::new("runtime-outside");
    let inbox = Inbox::start(&dir.db(), config("127.0.0.1:0"), None).await;
    let base = inbox.status().base_url.expect("listening");
    let http = reqwest::Client::new();
    assert_eq!(inbox.status().outside_hooks, 0);
    assert_eq!(inbox.status().last_outside_hooks, None);
    for path in ["/hook/typo", "/some/random/path"] {
        let answer = http
            .post(format!("{base}{path}?token=t"))
            .body(QUAY_PUSH)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 404, "{path}");
    }
    let status = inbox.status();
    assert_eq!(status.outside_hooks, 2);
    // The latest request line, without its query: kept in memory to show, never stored.
    assert_eq!(
        status.last_outside_hooks.as_deref(),
        Some("POST /some/random/path")
    );
    assert_eq!(inbox.count(Query::default()).await.unwrap(), 0);
    // A long path is cut.
    let long = format!("/{}", "x".repeat(5000));
    let answer = http.get(format!("{base}{long}")).send().await.unwrap();
    assert_eq!(answer.status(), 404);
    let shown = inbox.status().last_outside_hooks.unwrap();
    assert_eq!(shown.chars().count(), inbox::receiver::SHOWN_PATH);
    assert!(shown.starts_with("GET /xxx"), "{shown}");
    // Requests under /hooks/ are not counted here.
    let answer = http
        .post(format!("{base}/hooks/no-such-route"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(inbox.status().outside_hooks, 3);
    assert_eq!(inbox.status().unknown_route_requests, 1);
    inbox.shutdown().await;
}
