//! The receiver under attack from the network it listens on, loopback only: senders on
//! 127.0.0.3 play the attacker, 127.0.0.1 the registry. Each test checks that every genuine
//! delivery sent meanwhile is stored and acknowledged, and what the attack cost.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use inbox::receiver::MAX_PER_SOURCE;
use inbox::store::{Query, RouteResponse};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::common::{quay_route, start_receiver, QUAY_PUSH};

const ATTACKER: [u8; 4] = [127, 0, 0, 3];

/// A connection from the attacker's address.
async fn attacker_connects(to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((ATTACKER, 0)))?;
    socket.connect(to).await
}

/// One genuine delivery from 127.0.0.1 to `url`; returns its status.
async fn genuine(client: &reqwest::Client, url: &str) -> u16 {
    client
        .post(url)
        .header("Content-Type", "application/json")
        .body(QUAY_PUSH)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_held_sockets_do_not_keep_a_registry_out() {
    inbox::receiver::raise_open_file_limit();
    let f = start_receiver("abuse-sockets", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let url = format!("{}/hooks/{token}", f.base);

    // The attacker opens 5,000 connections and sends nothing on them.
    let mut held = Vec::new();
    for _ in 0..5_000 {
        match attacker_connects(f.addr()).await {
            Ok(s) => held.push(s),
            Err(e) => panic!("the test could not open its sockets: {e}"),
        }
    }
    // Past the per-source cap the receiver closes them at once: reading gives end of file.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut closed = 0;
    for s in held.iter_mut().rev().take(200) {
        let mut byte = [0u8; 1];
        if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_millis(20), s.read(&mut byte)).await
        {
            closed += 1;
        }
    }
    assert!(
        closed >= 150,
        "sockets over the cap were closed: {closed} of the last 200"
    );

    let client = reqwest::Client::new();
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(genuine(&client, &url).await, 200);
    }
    let took = started.elapsed();
    assert_eq!(f.store.count().unwrap(), 20);
    println!(
        "5,000 held sockets from one address (cap {MAX_PER_SOURCE}): 20 genuine deliveries in {took:?}"
    );
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_to_unknown_routes_neither_fills_the_disk_nor_evicts_real_deliveries() {
    let f = start_receiver("abuse-flood", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let url = format!("{}/hooks/{token}", f.base);
    let size_before = f.store.size_bytes().unwrap();

    // 400 POSTs of 1 MiB each to a route that does not exist (400 MiB offered), with a genuine
    // delivery after every 20.
    let body = vec![b'x'; 1024 * 1024];
    let client = reqwest::Client::new();
    let mut refused = 0;
    let mut acknowledged = 0;
    for i in 0..400 {
        let mut tcp = attacker_connects(f.addr()).await.unwrap();
        let head = format!(
            "POST /hooks/not-a-route-{i} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        // The receiver answers without reading the body; writing it may fail once it closes.
        let _ = tcp.write_all(&body).await;
        let mut answer = Vec::new();
        let _ = tcp.read_to_end(&mut answer).await;
        if answer.starts_with(b"HTTP/1.1 404") {
            refused += 1;
        }
        if i % 20 == 19 {
            assert_eq!(genuine(&client, &url).await, 200);
            acknowledged += 1;
        }
    }
    assert_eq!(refused, 400);
    let rows = f.store.list(&Query::default()).unwrap();
    let genuine_rows = rows.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        genuine_rows, acknowledged,
        "every genuine delivery is stored and listed"
    );
    assert_eq!(
        rows.len() - genuine_rows,
        1,
        "one row for the attacker's minute, whatever the flood"
    );
    let growth = f.store.size_bytes().unwrap().saturating_sub(size_before);
    assert!(
        growth < 1024 * 1024,
        "the database grew {growth} bytes for 400 MiB offered"
    );
    println!("unknown-route flood: 400 MiB offered, database grew {growth} bytes");
}

#[tokio::test]
async fn under_the_free_space_floor_deliveries_get_507_and_nothing_is_stored() {
    // A floor above any disk's free space: the receiver behaves as on a full disk.
    let f = start_receiver("abuse-floor", |c| c.min_free_bytes = u64::MAX).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let answer = reqwest::Client::new()
        .post(format!("{}/hooks/{token}", f.base))
        .body(QUAY_PUSH)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 507);
    assert_eq!(answer.headers()["retry-after"], "60");
    assert_eq!(f.store.count().unwrap(), 0);
    assert_eq!(f.receiver.feed().refused_low_disk(), 1);
}

/// Mounts a tmpfs of `mib` MiB at `dir` (CI runs as root; elsewhere run this test as root).
fn mount_tmpfs(dir: &std::path::Path, mib: u32) {
    std::fs::create_dir_all(dir).unwrap();
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
        .arg(dir)
        .status()
        .expect("mount runs");
    assert!(
        status.success(),
        "mounting a tmpfs needs root (.ci/run runs as root): this test fills a real small disk"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_gets_503_for_what_is_not_stored_and_recovers_when_space_returns() {
    let root = std::env::temp_dir().join(format!("wharf-abuse-tmpfs-{}", std::process::id()));
    mount_tmpfs(&root, 16);
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            // Lazy: the store's threads close their files within a second of the drop.
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(&self.0)
                .status();
            let _ = std::fs::remove_dir(&self.0);
        }
    }
    let _unmount = Unmount(root.clone());
    let store = inbox::store::Store::open(root.join("inbox.sqlite3")).unwrap();
    let receiver = inbox::receiver::Receiver::start(
        inbox::receiver::ReceiverConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            min_free_bytes: 0, // only the real disk's limit
            ..Default::default()
        },
        store.clone(),
    )
    .await
    .unwrap();
    let token = quay_route(&store, RouteResponse::default());
    let url = format!("http://{}/hooks/{token}", receiver.local_addr());
    let client = reqwest::Client::new();
    // Something else on the machine fills the disk, leaving about 4 MiB.
    let filler = root.join("filler");
    std::fs::write(&filler, vec![0u8; 12 * 1024 * 1024]).unwrap();
    let body = vec![b'z'; 512 * 1024];
    let (mut stored, mut refused) = (Vec::new(), 0);
    for _ in 0..64 {
        let answer = client.post(&url).body(body.clone()).send().await.unwrap();
        match answer.status().as_u16() {
            200 => stored.push(
                answer.json::<serde_json::Value>().await.unwrap()["id"]
                    .as_i64()
                    .unwrap(),
            ),
            503 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(refused > 0, "4 MiB cannot hold 32 MiB of deliveries");
    // Every acknowledged delivery is whole; nothing unacknowledged was kept.
    assert_eq!(store.count().unwrap() as usize, stored.len());
    for id in &stored {
        assert_eq!(store.get(*id).unwrap().unwrap().body.len(), body.len());
    }
    // Space returns (the other program's file goes): deliveries are stored again.
    std::fs::remove_file(&filler).unwrap();
    let mut recovered = false;
    for _ in 0..20 {
        if client
            .post(&url)
            .body(&b"{}"[..])
            .send()
            .await
            .unwrap()
            .status()
            == 200
        {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        recovered,
        "after space returned, deliveries are stored again"
    );
    receiver.shutdown().await.unwrap();
    drop(store);
    println!(
        "tmpfs 16 MiB: {} stored, {refused} refused with 503, recovered",
        stored.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_over_the_rate_limit_gets_429_and_another_is_not_slowed() {
    // Loopback is exempt by default (tests and benchmarks run there); here it plays the LAN.
    let f = start_receiver("abuse-rate", |c| {
        c.rate_limit = inbox::receiver::RateLimit {
            per_second: 20,
            burst: 20,
            exempt_loopback: false,
        }
    })
    .await;
    let token = quay_route(&f.store, RouteResponse::default());
    let path = format!("/hooks/{token}");
    // The attacker knows the real route and posts 300 requests as fast as it can.
    let mut statuses = Vec::new();
    let started = Instant::now();
    for _ in 0..300 {
        let mut tcp = attacker_connects(f.addr()).await.unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{QUAY_PUSH}",
            QUAY_PUSH.len()
        );
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        let _ = tcp.read_to_end(&mut answer).await;
        statuses.push(String::from_utf8_lossy(&answer[..12.min(answer.len())]).into_owned());
    }
    let elapsed = started.elapsed().as_secs_f64();
    let stored = statuses.iter().filter(|s| s.ends_with("200")).count();
    let limited = statuses.iter().filter(|s| s.ends_with("429")).count();
    assert_eq!(stored + limited, 300, "{statuses:?}");
    let allowed = 20.0 + 20.0 * elapsed + 1.0;
    assert!(
        (stored as f64) <= allowed,
        "{stored} stored in {elapsed:.2} s"
    );
    assert!(limited > 0);
    assert_eq!(f.store.count().unwrap() as usize, stored);
    assert_eq!(f.receiver.feed().rate_limited() as usize, limited);
    // The registry on another address keeps its own budget.
    let client = reqwest::Client::new();
    for _ in 0..10 {
        assert_eq!(genuine(&client, &format!("{}{path}", f.base)).await, 200);
    }
    println!("rate limit 20/s: {stored} of 300 stored in {elapsed:.2} s, {limited} got 429");
}

/// Peak resident memory of this process so far (VmHWM), in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .expect("VmHWM in /proc/self/status")
        * 1024
}

/// An adversarial body's head, a 64 KiB chunk of its repeated unit, and its tail; the sender
/// streams the chunk, so it holds 64 KiB whatever the body's size.
fn shape(kind: &str) -> (&'static [u8], Vec<u8>, &'static [u8]) {
    let (head, unit, tail): (&[u8], &[u8], &[u8]) = match kind {
        "tags" => (
            b"{\"docker_url\":\"x\",\"repository\":\"a/b\",\"updated_tags\":[",
            b"\"a\",",
            b"\"a\"]}",
        ),
        "numbers" => (b"[", b"1,", b"1]"),
        "nesting" => (b"", b"[", b""),
        "string" => (b"{\"repository\":\"", b"x", b"\"}"),
        _ => unreachable!(),
    };
    let mut chunk = Vec::new();
    while chunk.len() < 64 * 1024 {
        chunk.extend_from_slice(unit);
    }
    (head, chunk, tail)
}

/// Measured in a process of its own (the parent test below reads its output), so other tests'
/// memory does not count: sends each shape at 10 MiB (stored, not parsed) and at 1 MiB (parsed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the measuring half of adversarial_shapes_keep_peak_memory_bounded"]
async fn memory_probe() {
    const LIMIT: usize = 10 * 1024 * 1024;
    let f = start_receiver("abuse-memory", |c| c.body_limit = LIMIT).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let path = format!("/hooks/{token}");
    let client = reqwest::Client::new();
    assert_eq!(genuine(&client, &format!("{}{path}", f.base)).await, 200);
    drop(client);
    let before = peak_rss();
    for size in [LIMIT - 1024, 1024 * 1024 - 1024] {
        for kind in ["tags", "numbers", "nesting", "string"] {
            let (head, chunk, tail) = shape(kind);
            let unit = if kind == "tags" {
                4
            } else if kind == "numbers" {
                2
            } else {
                1
            };
            let mut remaining = (size - head.len() - tail.len()) / unit * unit;
            let length = head.len() + remaining + tail.len();
            let mut tcp = TcpStream::connect(f.addr()).await.unwrap();
            let request = format!(
                "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
            );
            tcp.write_all(request.as_bytes()).await.unwrap();
            tcp.write_all(head).await.unwrap();
            while remaining > 0 {
                let n = remaining.min(chunk.len());
                tcp.write_all(&chunk[..n]).await.unwrap();
                remaining -= n;
            }
            tcp.write_all(tail).await.unwrap();
            let mut answer = Vec::new();
            tcp.read_to_end(&mut answer).await.unwrap();
            assert!(
                answer.starts_with(b"HTTP/1.1 200"),
                "{kind} {size}: {}",
                String::from_utf8_lossy(&answer[..40.min(answer.len())])
            );
            println!(
                "SHAPE {kind} {length} {}",
                peak_rss().saturating_sub(before)
            );
        }
    }
    println!("PEAK_GROWTH {}", peak_rss().saturating_sub(before));
}

/// The goal was under 3 × the body limit. Measured (debug build, glibc's allocator in
/// the test binary): the first 10 MiB body raises the peak by about 32 MiB (3.2 ×), all eight
/// shapes by about 43 MiB; before recognition was capped, one such body cost 100–200 MiB. The
/// bound here guards against a return to that, not the goal; docs/security.md has the figures.
#[tokio::test]
async fn adversarial_shapes_keep_peak_memory_bounded() {
    let out = tokio::task::spawn_blocking(|| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["abuse::memory_probe", "--exact", "--ignored", "--nocapture"])
            .output()
    })
    .await
    .unwrap()
    .expect("the probe runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "probe failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let growth: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("PEAK_GROWTH "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no figure in {stdout}"));
    for line in stdout.lines().filter(|l| l.starts_with("SHAPE ")) {
        println!("{line}");
    }
    println!(
        "peak memory growth over 8 adversarial bodies (10 MiB limit): {} MiB",
        growth / (1024 * 1024)
    );
    assert!(growth < 5 * 10 * 1024 * 1024, "peak grew {growth} bytes");
}
