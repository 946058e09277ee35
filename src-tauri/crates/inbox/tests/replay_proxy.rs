//! Replay (and samples, which share its sender) to this machine with a proxy set in the
//! environment: the proxy cannot reach the loopback, so the request goes straight to the target.
//! Its own test binary, because the proxy variables apply to the whole process.

use axum::routing::post;
use axum::Router;

#[tokio::test]
async fn a_loopback_target_is_reached_directly_even_with_a_proxy_set() {
    // Nothing listens on port 9 (discard): a request sent through this proxy fails.
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        std::env::set_var(var, "http://127.0.0.9:9");
    }
    for var in ["no_proxy", "NO_PROXY"] {
        std::env::remove_var(var);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route(
        "/consumer",
        post(|| async { (axum::http::StatusCode::ACCEPTED, "got it") }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let sample = inbox::samples::all().into_iter().next().expect("a sample");
    let outcome = inbox::samples::send(&sample, &format!("http://{addr}/consumer"))
        .await
        .expect("sent past the proxy");
    assert_eq!(outcome.status, 202);
    assert_eq!(outcome.body_preview, "got it");
    server.abort();
}
