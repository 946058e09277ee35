//! Moving a running receiver to a new address or new limits (Settings applies them without a
//! restart): the store and the live feed carry over, a taken port changes nothing, and the old
//! listener stops. Real HTTP on 127.0.0.1 only.

use std::net::SocketAddr;
use std::time::Duration;

use inbox::receiver::ReceiverConfig;
use inbox::store::{Query, RouteResponse};

use crate::common::{quay_route, start_receiver as start, QUAY_PUSH};

async fn post(addr: SocketAddr, token: &str, body: &str) -> reqwest::Result<reqwest::Response> {
    // A fresh client each time, so no keep-alive connection to an old listener is reused.
    reqwest::Client::new()
        .post(format!("http://{addr}/hooks/{token}"))
        .body(body.to_owned())
        .timeout(Duration::from_secs(10))
        .send()
        .await
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn a_new_port_takes_over_with_the_same_store_and_feed() {
    let f = start("move-port", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let old = f.addr();
    let mut feed = f.receiver.subscribe();
    let new: SocketAddr = ([127, 0, 0, 1], free_port()).into();

    let receiver = f
        .receiver
        .reconfigure(ReceiverConfig {
            addr: new,
            ..ReceiverConfig::default()
        })
        .await
        .expect("moved");
    assert_eq!(receiver.local_addr(), new);
    assert_eq!(receiver.config().addr, new);

    assert_eq!(post(new, &token, QUAY_PUSH).await.unwrap().status(), 200);
    let event = tokio::time::timeout(Duration::from_secs(5), feed.recv())
        .await
        .expect("the old subscription still gets deliveries")
        .unwrap();
    assert_eq!(event.repository.as_deref(), Some("payments/api"));
    assert_eq!(f.store.list(&Query::default()).unwrap().len(), 1);

    let refused = post(old, &token, QUAY_PUSH).await.unwrap_err();
    assert!(refused.is_connect(), "{refused}");
    receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_taken_port_leaves_the_receiver_where_it_was() {
    let f = start("move-taken", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let old = f.addr();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let target = taken.local_addr().unwrap();

    let failed = f
        .receiver
        .reconfigure(ReceiverConfig {
            addr: target,
            ..ReceiverConfig::default()
        })
        .await
        .expect_err("the port is taken");
    assert_eq!(failed.error.kind(), std::io::ErrorKind::AddrInUse);
    let receiver = failed.unchanged.expect("still running");
    assert_eq!(receiver.local_addr(), old);
    assert_eq!(post(old, &token, QUAY_PUSH).await.unwrap().status(), 200);
    assert_eq!(f.store.list(&Query::default()).unwrap().len(), 1);
    receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_new_body_limit_applies_on_the_same_port() {
    let port = free_port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let f = start("limit", |c| c.addr = addr).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let big = format!("{QUAY_PUSH:<4096}");
    assert_eq!(post(addr, &token, &big).await.unwrap().status(), 200);

    let receiver = f
        .receiver
        .reconfigure(ReceiverConfig {
            addr,
            body_limit: 1024,
            ..ReceiverConfig::default()
        })
        .await
        .expect("rebound");
    assert_eq!(receiver.local_addr(), addr);
    assert_eq!(post(addr, &token, &big).await.unwrap().status(), 413);
    assert_eq!(post(addr, &token, QUAY_PUSH).await.unwrap().status(), 200);
    let statuses: Vec<u16> = f
        .store
        .list(&Query::default())
        .unwrap()
        .iter()
        .map(|d| d.status)
        .collect();
    assert_eq!(statuses, [200, 413, 200]);
    receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn the_same_configuration_changes_nothing() {
    let f = start("same", |_| {}).await;
    let config = f.receiver.config().clone();
    let addr = f.addr();
    let receiver = f.receiver.reconfigure(config).await.expect("unchanged");
    assert_eq!(receiver.local_addr(), addr);
    receiver.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_new_limit_with_port_0_keeps_the_port_it_got() {
    let f = start("limit-port0", |_| {}).await;
    let token = quay_route(&f.store, RouteResponse::default());
    let addr = f.addr();
    let config = f.receiver.config().clone();
    assert_eq!(config.addr.port(), 0);
    let receiver = f
        .receiver
        .reconfigure(ReceiverConfig {
            body_limit: 1024,
            ..config
        })
        .await
        .expect("rebound");
    assert_eq!(receiver.local_addr(), addr);
    assert_eq!(receiver.config().addr.port(), 0);
    let big = format!("{QUAY_PUSH:<4096}");
    assert_eq!(post(addr, &token, &big).await.unwrap().status(), 413);
    receiver.shutdown().await.unwrap();
}
