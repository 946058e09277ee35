//! Servers that never stop: an answer too large to hold and cursors that never end are cut
//! off with a message, instead of exhausting memory or looping forever.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use registry::dtr::client::DtrClient;
use registry::quay::client::QuayClient;

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused_not_read_whole() {
    let base = serve(axum::Router::new().fallback(|| async {
        let huge = vec![b' '; registry::http::MAX_ANSWER_BYTES + 1024];
        (
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            huge,
        )
    }))
    .await;
    let quay = QuayClient::new(&base, "tok").unwrap();
    let e = quay.verify().await.unwrap_err().to_string();
    assert!(e.contains("32 MiB"), "{e}");
}

#[tokio::test]
async fn endless_fresh_cursors_stop_at_the_page_cap() {
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let base =
        serve(axum::Router::new().fallback(move || {
            let n = count.fetch_add(1, Ordering::SeqCst);
            async move {
                axum::Json(serde_json::json!({"repositories": [], "next_page": format!("c{n}")}))
            }
        }))
        .await;
    let quay = QuayClient::new(&base, "tok").unwrap();
    let e = quay.repositories("acme").await.unwrap_err();
    assert!(e.to_string().contains("over 5,000"), "{e}");
    assert_eq!(served.load(Ordering::SeqCst), registry::http::MAX_PAGES + 1);

    let pages = Arc::new(AtomicUsize::new(0));
    let count = pages.clone();
    let base = serve(axum::Router::new().fallback(move || {
        let n = count.fetch_add(1, Ordering::SeqCst);
        async move {
            (
                [("X-Next-Page-Start", format!("p{n}"))],
                axum::Json(serde_json::json!({"repositories": []})),
            )
        }
    }))
    .await;
    let dtr = DtrClient::new(&base, "alice", "tok", None).unwrap();
    let e = dtr.repositories(Some("acme")).await.unwrap_err();
    assert!(e.to_string().contains("over 5,000"), "{e}");
}
