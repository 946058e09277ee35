//! Forwarding in the real window: a route set to forward to a small consumer this test runs on
//! 127.0.0.1, a sample sent to the route ("Send sample"), the consumer getting the registry's
//! body, and the attempt shown on the route, in the Inbox row and in the delivery's detail. Run
//! through `tests/e2e/run.sh forward`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::webdriver::Session;
use inbox::recognize::Source;
use inbox::samples::QuayVariant;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::workflows::{nav, shot, WAIT};

/// One request the consumer got: its method, headers (lower-case names) and body.
type Got = (String, Vec<(String, String)>, Vec<u8>);

/// A consumer on 127.0.0.1 that records each request and answers 200 "thanks".
async fn consumer() -> (String, Arc<Mutex<Vec<Got>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut read = BufReader::new(read);
                loop {
                    let mut line = String::new();
                    if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let method = line.split(' ').next().unwrap_or("").to_owned();
                    let mut headers = Vec::new();
                    let mut length = 0usize;
                    loop {
                        line.clear();
                        if read.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let Some((name, value)) = line.trim_end().split_once(':') else {
                            break;
                        };
                        let (name, value) = (name.to_ascii_lowercase(), value.trim().to_owned());
                        if name == "content-length" {
                            length = value.parse().unwrap_or(0);
                        }
                        headers.push((name, value));
                    }
                    let mut body = vec![0; length];
                    if read.read_exact(&mut body).await.is_err() {
                        return;
                    }
                    seen.lock().unwrap().push((method, headers, body));
                    let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nthanks";
                    if write.write_all(answer).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, got)
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn a_route_forwards_a_sample_to_a_local_consumer_and_the_attempt_is_shown() {
    let (target, got) = consumer().await;
    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    let label = format!("forward e2e {}", std::process::id());
    let url = e2e::mint_route(&session, &label, 200).await;
    let token = url.rsplit("/hooks/").next().unwrap().to_owned();
    let card = format!("[data-testid=route-card][data-token=\"{token}\"]");
    let within = |css: &str| format!("{card} [data-testid={css}]");

    nav(&session, "routes").await;
    session.wait_text("main h1", WAIT, |t| t == "Routes").await;
    let edit = session.find(&within("route-forward-edit"), WAIT).await;
    session.click(&edit).await;

    // A target that is not a URL is refused under its field.
    let field = session.find(&within("route-forward-url"), WAIT).await;
    session.type_text(&field, "localhost 3000").await;
    let save = session.find(&within("route-forward-save"), WAIT).await;
    session.click(&save).await;
    let error = session
        .wait_text(
            &format!("{card} label:has([data-testid=route-forward-url]) .field-error"),
            WAIT,
            |t| t.contains("http://"),
        )
        .await;
    assert!(error.contains("URL"), "{error}");

    session.type_text(&field, &target).await;
    session.click(&save).await;
    session
        .wait_text(&within("route-forward-target"), WAIT, |t| {
            t.contains(&target)
        })
        .await;

    session
        .select(
            &within("route-sample-event"),
            "quay:build_failure:redhat",
            WAIT,
        )
        .await;
    let send = session.find(&within("route-sample-send"), WAIT).await;
    session.click(&send).await;
    session
        .wait_text(&within("route-sample-result"), WAIT, |t| {
            t.contains("Wharf answered 200")
        })
        .await;

    // The consumer gets what the registry sends: the same body and headers, plus where it
    // came from.
    let deadline = Instant::now() + WAIT;
    while got.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "nothing forwarded to {target}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sample =
        inbox::samples::sample(Source::Quay, "build_failure", Some(QuayVariant::Redhat)).unwrap();
    let (method, headers, body) = got.lock().unwrap()[0].clone();
    assert_eq!(method, "POST");
    assert_eq!(body, sample.body, "the original body");
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let forwarded_for = header("x-forwarded-for").unwrap_or_default();
    assert!(forwarded_for.starts_with("127."), "{forwarded_for}");
    assert_eq!(header("x-forwarded-proto").as_deref(), Some("http"));
    for (name, value) in &sample.headers {
        if !name.eq_ignore_ascii_case("host") {
            assert_eq!(
                header(&name.to_ascii_lowercase()).as_deref(),
                Some(value.as_str()),
                "{name}"
            );
        }
    }

    // The route's queue: nothing left, the last attempt answered 200.
    session
        .wait_text(&within("route-forward-last"), WAIT, |t| {
            t.starts_with("→ 200")
        })
        .await;
    session.screenshot(&shot("forward-route")).await;

    // The Inbox row and the delivery's attempts.
    let show = session.find(&within("route-show-deliveries"), WAIT).await;
    session.click(&show).await;
    session.wait_text("main h1", WAIT, |t| t == "Inbox").await;
    session
        .wait_text("[data-testid=inbox-row-forward]", WAIT, |t| t == "→ 200")
        .await;
    let row = session
        .find_containing("[data-testid=inbox-row]", "build_failure", WAIT)
        .await;
    session.click(&row).await;
    let attempt = session
        .wait_text("[data-testid=inbox-forward-attempt]", WAIT, |t| {
            t.contains("→ 200 in")
        })
        .await;
    assert!(attempt.contains(&target), "{attempt}");
    session.screenshot(&shot("forward-detail")).await;
    // Beside the detail panel the list is compact: each column header still fits its column
    // and none runs into the next ("Status" used to overlap "Forwarded").
    let spills = session
        .execute(
            "const spans = [...document.querySelectorAll('[data-testid=inbox-list-head] > span')]\
                 .filter((s) => s.getClientRects().length > 0);\
             const out = [];\
             spans.forEach((s, i) => {\
               if (s.scrollWidth > s.clientWidth) out.push(s.textContent + ' is cut');\
               const next = spans[i + 1];\
               if (next && s.getBoundingClientRect().right > next.getBoundingClientRect().left)\
                 out.push(s.textContent + ' overlaps ' + next.textContent);\
             });\
             return [spans.map((s) => s.textContent), out];",
            vec![],
        )
        .await;
    assert_eq!(spills[1], serde_json::json!([]), "{spills}");
    assert!(
        spills[0].to_string().contains("Forwarded"),
        "the Forwarded column is shown: {spills}"
    );

    // Forward again: a second request, a second attempt.
    let again = session
        .find("[data-testid=inbox-detail-forward-again]", WAIT)
        .await;
    session.click(&again).await;
    let deadline = Instant::now() + WAIT;
    while got.lock().unwrap().len() < 2 {
        assert!(Instant::now() < deadline, "not forwarded again");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(got.lock().unwrap()[1].2, sample.body);
    let deadline = Instant::now() + WAIT;
    loop {
        let n = session
            .execute(
                "return document.querySelectorAll('[data-testid=inbox-forward-attempt]').length;",
                vec![],
            )
            .await;
        if n == serde_json::json!(2) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the second attempt is not listed: {n}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Forward again for the Inbox's selection (the route's deliveries): a third request.
    let again = session
        .find("[data-testid=inbox-forward-again]", WAIT)
        .await;
    session.click(&again).await;
    let confirm = session
        .find("[data-testid=inbox-forward-again-confirm]", WAIT)
        .await;
    session.click(&confirm).await;
    session
        .wait_text("[data-testid=inbox-forward-again-result]", WAIT, |t| {
            t.starts_with("Queued 1 delivery")
        })
        .await;
    let deadline = Instant::now() + WAIT;
    while got.lock().unwrap().len() < 3 {
        assert!(
            Instant::now() < deadline,
            "the selection was not forwarded again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Leave no forwarding route behind for the other tests sharing this data folder.
    nav(&session, "routes").await;
    let delete = session.find(&within("route-delete"), WAIT).await;
    session.click(&delete).await;
    let confirm = session.find(&within("route-delete-confirm"), WAIT).await;
    session.click(&confirm).await;
    session
        .wait_text("[data-testid=routes-notice]", WAIT, |t| t.contains(&label))
        .await;
    session.quit().await;
}
