//! The Inbox over a million deliveries in the real window: the store is filled before the app
//! starts, then the Inbox opens and a search is typed; the rows painted must be the right ones.
//! How long it took (typing to rows painted, stamped in the page) is printed for
//! docs/benchmarks.md, never asserted. Run through `tests/e2e/run.sh search`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use e2e::aside::{app_dir, with_suffix, SetAside};
use e2e::webdriver::Session;
use inbox::settings::Settings;
use inbox::store::Store;
use serde_json::{json, Value};

use crate::workflows::{fill, nav};

const DELIVERIES: i64 = 1_000_000;
/// The deliveries whose summary holds `qj`, newest first: all older than the newest rows a
/// search for two characters reads directly, so the index finds them.
const QJ: [i64; 5] = [800_001, 600_001, 400_001, 200_001, 1];
/// Longer than the UI's usual waits: the first open of a million rows is what is measured.
const WAIT: Duration = Duration::from_secs(60);

/// Fills `db` with [`DELIVERIES`] Quay pushes, delivery `i` tagging `rel-{i:07}` in
/// `team{i % 40}/service{i % 500}`, one statement for all; five of them ([`QJ`]) have `qj`, two
/// letters no other delivery holds, in their summary. Then the store's own writer indexes
/// them (as it does an upgraded file's). Returns how long each part took.
fn fill_store(db: &Path) -> (Duration, Duration) {
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    drop(Store::open(db).unwrap()); // the schema, as this version makes it
    let started = Instant::now();
    let conn = rusqlite::Connection::open(db).unwrap();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    conn.execute_batch(&format!(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {DELIVERIES}),
         d(i, repo, tag) AS (
             SELECT i, 'team' || (i % 40) || '/service' || (i % 500), printf('rel-%07d', i) FROM n
         )
         INSERT INTO deliveries (received_at, method, path, remote_addr, body, size, status,
             source, event, repository, summary, headers)
         SELECT {now_ms} - ({DELIVERIES} - i) * 1000, 'POST', '/hooks/e2e-search', '127.0.0.1',
             CAST('{{\"repository\":\"' || repo || '\",\"updated_tags\":[\"' || tag || '\"]}}'
                 AS BLOB),
             60, 200, 'quay', 'repo_push', repo,
             'Pushed ' || tag || ' to ' || repo || CASE WHEN i % 200000 = 1 THEN ' qj' ELSE '' END,
             x''
         FROM d;
         COMMIT;"
    ))
    .unwrap();
    drop(conn);
    let stored = started.elapsed();
    let store = Store::open(db).unwrap();
    while !store.text_index_ready().unwrap() {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(store);
    (stored, started.elapsed() - stored)
}

/// Stamps in the page: `performance.now()` at the last input event in the text filter, and
/// after the frame in which the list first held rows all containing `text` (exactly `count`
/// of them when given; the list draws only the rows in view).
const STAMP: &str = r#"
const [text, count] = arguments;
const field = document.querySelector('[data-testid=inbox-filter-text]');
const stamps = { input: 0, painted: 0 };
window.__searchStamps = stamps;
field.addEventListener('input', () => { stamps.input = performance.now(); stamps.painted = 0; });
const check = () => {
  // The list is looked up each time: the Inbox may draw a new one for new results.
  const rows = [...document.querySelectorAll('#inbox-list [data-testid=inbox-row]')];
  if (!stamps.input || stamps.painted || rows.length === 0) return;
  if (count !== null && rows.length !== count) return;
  if (!rows.every((r) => r.textContent.includes(text))) return;
  // The frame is painted once the next one starts.
  requestAnimationFrame(() => requestAnimationFrame(() => { stamps.painted = performance.now(); }));
};
new MutationObserver(check).observe(document.body, { childList: true, subtree: true, characterData: true });
"#;

/// Stamps in the page: `performance.now()` at the next click, and after the frame in which
/// the Inbox's list first shows a row containing `text`.
const OPEN_STAMP: &str = r#"
const [text] = arguments;
const stamps = { clicked: 0, painted: 0 };
window.__openStamps = stamps;
document.addEventListener('click', () => { stamps.clicked ||= performance.now(); }, true);
const check = () => {
  const list = document.querySelector('#inbox-list');
  if (!stamps.clicked || stamps.painted || !list || !list.textContent.includes(text)) return;
  requestAnimationFrame(() => requestAnimationFrame(() => { stamps.painted = performance.now(); }));
};
new MutationObserver(check).observe(document.body, { childList: true, subtree: true, characterData: true });
"#;

/// Waits until the page's stamps `window[name]` say painted; returns them.
async fn painted(session: &Session, name: &str) -> serde_json::Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let stamps = session
            .execute(&format!("return window.{name};"), vec![])
            .await;
        if stamps["painted"].as_f64().is_some_and(|p| p > 0.0) {
            return stamps;
        }
        if Instant::now() > deadline {
            let page = session
                .execute(
                    "return [document.querySelector('[data-testid=inbox-filter-text]')?.value,
                        document.body.innerText.slice(0, 2000)];",
                    vec![],
                )
                .await;
            panic!("not painted: {stamps}; the search field and the page: {page}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Types `text` into the text filter and waits for rows that all contain it (`count` of them
/// when given); returns the milliseconds from the last keystroke to those rows painted, and
/// the ids of the rows drawn.
async fn search(session: &Session, text: &str, count: Option<usize>) -> (f64, Vec<i64>) {
    session
        .execute(STAMP, vec![json!(text), json!(count)])
        .await;
    fill(session, "inbox-filter-text", text).await;
    let stamps = painted(session, "__searchStamps").await;
    let ms = |v: &Value| v.as_f64().unwrap();
    let ids = session
        .execute(
            "return [...document.querySelectorAll('#inbox-list [data-testid=inbox-row]')]
                .map((r) => r.dataset.deliveryId);",
            vec![],
        )
        .await;
    let ids = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().parse().unwrap())
        .collect();
    (ms(&stamps["painted"]) - ms(&stamps["input"]), ids)
}

#[tokio::test]
#[ignore = "needs the e2e environment: run `make e2e`"]
async fn a_search_over_a_million_deliveries_paints_the_right_rows() {
    let db = app_dir("XDG_DATA_HOME").join(inbox::runtime::DATABASE_FILE);
    let config = app_dir("XDG_CONFIG_HOME");
    let settings = Settings::load(&config).unwrap_or_default();
    let mut files: Vec<PathBuf> = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| with_suffix(&db, suffix))
        .collect();
    files.push(Settings::path(&config));
    let _aside = SetAside::new(files);
    // Retention would start deleting all but the newest 100,000 (the default) at once.
    Settings {
        retention_max_count: None,
        retention_max_days: None,
        retention_max_mib: None,
        ..settings
    }
    .save(&config)
    .unwrap();
    let (stored, indexed) = fill_store(&db);
    println!(
        "search e2e: {DELIVERIES} deliveries stored in {:.1} s, indexed by the store's writer in {:.1} s",
        stored.as_secs_f64(),
        indexed.as_secs_f64()
    );

    let session = Session::start(&e2e::webdriver_url(), &e2e::app_binary()).await;
    // The newest delivery heads the list; the page stamps the click and the frame after it.
    let newest = format!("rel-{DELIVERIES:07}");
    session.execute(OPEN_STAMP, vec![json!(newest)]).await;
    let opened = Instant::now();
    nav(&session, "inbox").await;
    session
        .wait_text("#inbox-list", WAIT, |t| t.contains(&newest))
        .await;
    let stamps = painted(&session, "__openStamps").await;
    println!(
        "search e2e: Inbox opened, newest row painted {:.0} ms after the click ({} ms with WebDriver's round trips)",
        stamps["painted"].as_f64().unwrap() - stamps["clicked"].as_f64().unwrap(),
        opened.elapsed().as_millis()
    );

    // One tag: exactly its delivery.
    let (ms, ids) = search(&session, "rel-0777777", Some(1)).await;
    assert_eq!(ids, vec![777_777]);
    println!("search e2e: one tag (1 row): {ms:.0} ms from the last keystroke to the row painted");

    // One repository's 2,000 deliveries (i = 123 + 1,000 k): the newest first, in order.
    let (ms, ids) = search(&session, "team3/service123", None).await;
    let expected: Vec<i64> = (0..ids.len() as i64).map(|k| 999_123 - 1000 * k).collect();
    assert!(ids.len() >= 10, "{ids:?}");
    assert_eq!(ids, expected);
    println!("search e2e: one repository (2,000 rows, first page): {ms:.0} ms from the last keystroke to the rows painted");

    // Two characters only old deliveries hold.
    let (ms, ids) = search(&session, "qj", Some(QJ.len())).await;
    assert_eq!(ids, QJ);
    println!("search e2e: two characters `qj` (5 old rows): {ms:.0} ms from the last keystroke to the rows painted");

    // Nothing matches: no row is left.
    fill(&session, "inbox-filter-text", "no-such-delivery").await;
    let deadline = Instant::now() + WAIT;
    loop {
        let rows = session
            .execute(
                "return document.querySelectorAll('[data-testid=inbox-row]').length;",
                vec![],
            )
            .await;
        if rows == json!(0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{rows} rows left for no-such-delivery"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    session.quit().await;
}
