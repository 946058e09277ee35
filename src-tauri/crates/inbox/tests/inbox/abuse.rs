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
