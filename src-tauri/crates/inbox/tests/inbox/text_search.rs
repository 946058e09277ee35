//! The full-text index on real SQLite files: what a text search finds through it, that a
//! delivery is found before and after it is indexed, that the index follows deletes, that a
//! file from before it is indexed after the upgrade, and that indexing goes on after a crash.

use std::time::{Duration, Instant};

use inbox::recognize::RouteHint;
use inbox::store::{NewDelivery, Query, Store, StoreError, BODY_PREFIX};

use crate::common::{delivery_of, TempDir, QUAY_PUSH};

fn delivery(path: &str, headers: &[(&str, &[u8])], body: &[u8]) -> NewDelivery {
    let headers = headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.to_vec()))
        .collect();
    delivery_of(path, headers, body, Some(&RouteHint::quay("repo_push")))
}

fn text(t: &str) -> Query {
    Query {
        text: Some(t.into()),
        ..Query::default()
    }
}

fn ids(store: &Store, q: &Query) -> Vec<i64> {
    let found: Vec<i64> = store.search(q).unwrap().iter().map(|d| d.id).collect();
    // The list (exports, the CLI) and the count go through the same filters.
    let listed: Vec<i64> = store.list(q).unwrap().iter().map(|d| d.id).collect();
    assert_eq!(found, listed, "search and list differ for {q:?}");
    if q.limit.is_none() {
        assert_eq!(
            store.count_matching(q).unwrap(),
            found.len() as u64,
            "{q:?}"
        );
    }
    found
}

/// Waits until the writer has indexed every stored delivery.
fn caught_up(store: &Store) {
    let started = Instant::now();
    while !store.text_index_ready().unwrap() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the deliveries were not indexed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The index's watermark: every delivery up to it is indexed, none above it.
fn watermark(dir: &TempDir) -> i64 {
    rusqlite::Connection::open(dir.db())
        .unwrap()
        .query_row("SELECT upto FROM text_indexed", [], |r| r.get(0))
        .unwrap()
}

/// Every character in the index's table of them, in order.
fn characters(dir: &TempDir) -> String {
    rusqlite::Connection::open(dir.db())
        .unwrap()
        .query_row(
            "SELECT coalesce(group_concat(c, ''), '') FROM (SELECT c FROM text_chars ORDER BY c)",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// The ids the index itself holds for rows containing `trigram` (three characters).
fn indexed(dir: &TempDir, trigram: &str) -> Vec<i64> {
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    let mut stmt = conn
        .prepare("SELECT rowid FROM deliveries_text WHERE deliveries_text MATCH ?1 ORDER BY rowid")
        .unwrap();
    let phrase = format!("\"{trigram}\"");
    stmt.query_map([phrase], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_search_finds_a_body_word_a_header_value_and_a_part_of_the_path() {
    let dir = TempDir::new("fts-find");
    let store = Store::open(dir.db()).unwrap();
    let push = store
        .insert(&delivery(
            "/hooks/tok/prod-eu",
            &[("x-request-id", b"req-7f3a9")],
            QUAY_PUSH.as_bytes(),
        ))
        .unwrap();
    let other = store
        .insert(&delivery(
            "/hooks/tok/staging",
            &[("x-request-id", b"req-0000"), ("x-raw", b"\xffbinary\xfe")],
            br#"{"repository":"ops/tools","updated_tags":["abcXbcd"]}"#,
        ))
        .unwrap();
    let binary = store
        .insert(&delivery(
            "/upload",
            &[],
            b"\x89PNG\r\n\x1a\n\x00\x00needle",
        ))
        .unwrap();

    // A word of the body, another case, a part of a word.
    assert_eq!(ids(&store, &text("v1.4.2")), vec![push]);
    assert_eq!(ids(&store, &text("PAYMENTS/A")), vec![push]);
    assert_eq!(ids(&store, &text("updated_tags")), vec![other, push]);
    // A header value, and a header line as shown.
    assert_eq!(ids(&store, &text("7f3a9")), vec![push]);
    assert_eq!(ids(&store, &text("x-request-id: req-0")), vec![other]);
    // A part of the path.
    assert_eq!(ids(&store, &text("od-e")), vec![push]);
    // Every trigram of "abcd" is in the other body, but not the text itself.
    caught_up(&store);
    assert_eq!(indexed(&dir, "bcd"), vec![other]);
    assert_eq!(ids(&store, &text("abcd")), Vec::<i64>::new());
    // Nothing spans two fields: the path ends in "prod-eu" and the query is empty.
    assert_eq!(ids(&store, &text("prod-eu\n")), Vec::<i64>::new());
    // A binary body is not indexed; a text shorter than a trigram still reads rows.
    assert_eq!(indexed(&dir, "PNG"), Vec::<i64>::new());
    assert_eq!(ids(&store, &text("needle")), Vec::<i64>::new());
    assert_eq!(ids(&store, &text("PN")), vec![binary]);
    // Quotes and FTS5 syntax are literal.
    assert_eq!(ids(&store, &text(r#""repository" AND"#)), Vec::<i64>::new());
    assert_eq!(ids(&store, &text(r#""repository":"ops"#)), vec![other]);
    // From the index now, the same answers as before it.
    assert_eq!(watermark(&dir), binary);
    assert_eq!(ids(&store, &text("v1.4.2")), vec![push]);
    assert_eq!(ids(&store, &text("x-request-id: req-0")), vec![other]);
}

#[test]
fn a_delivery_is_found_as_soon_as_it_is_acknowledged_and_after_it_is_indexed() {
    let dir = TempDir::new("fts-at-once");
    let store = Store::open(dir.db()).unwrap();
    // Older deliveries in the index, so a search combines it with the rows above it.
    let old = store
        .insert(&delivery("/hooks/a", &[], br#"{"tag":"shared-word old"}"#))
        .unwrap();
    caught_up(&store);
    let mut before_indexing = 0;
    let mut found = vec![old];
    for n in 0..20 {
        let body = format!(r#"{{"tag":"shared-word fresh-{n:02}"}}"#);
        let id = store
            .insert(&delivery("/hooks/a", &[], body.as_bytes()))
            .unwrap();
        found.insert(0, id);
        // Searched at once: the writer indexes only after a pause in deliveries. Still above
        // the watermark after the search, the row was found without the index.
        let at_once: Vec<i64> = store
            .search(&text("shared-word"))
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect();
        if watermark(&dir) < id {
            before_indexing += 1;
        }
        assert_eq!(at_once, found);
        assert_eq!(ids(&store, &text(&format!("fresh-{n:02}"))), vec![id]);
        assert_eq!(ids(&store, &text("shared-word")), found);
    }
    assert!(
        before_indexing > 0,
        "every search ran after indexing: the rows above the watermark were not exercised"
    );
    caught_up(&store);
    assert_eq!(watermark(&dir), found[0]);
    assert_eq!(indexed(&dir, "esh").len(), 20);
    assert_eq!(ids(&store, &text("fresh-07")), vec![found[12]]);
    assert_eq!(ids(&store, &text("shared-word")), found);
    // A page below an id goes on through both parts the same way.
    let page = |before| Query {
        text: Some("shared-word".into()),
        limit: Some(7),
        before,
        ..Query::default()
    };
    assert_eq!(ids(&store, &page(Some(found[3]))), found[4..11].to_vec());
}

#[test]
fn filters_combine_with_the_text_and_pages_go_on_below_an_id() {
    let dir = TempDir::new("fts-filters");
    let store = Store::open(dir.db()).unwrap();
    let mut pushes = Vec::new();
    for n in 0..30 {
        let body = format!(
            r#"{{"repository":"team{}/app","namespace":"team{}","name":"app","updated_tags":["build-{n}"]}}"#,
            n % 3,
            n % 3
        );
        let mut d = delivery("/hooks/tok", &[], body.as_bytes());
        d.status = if n % 5 == 0 { 500 } else { 200 };
        d.route_token = Some(format!("route{}", n % 2));
        pushes.push(store.insert(&d).unwrap());
    }
    let newest_first = |keep: &dyn Fn(usize) -> bool| -> Vec<i64> {
        (0..30)
            .rev()
            .filter(|&n| keep(n))
            .map(|n| pushes[n])
            .collect()
    };
    let q = Query {
        text: Some("build-".into()),
        repository: Some("team1".into()),
        ..Query::default()
    };
    assert_eq!(ids(&store, &q), newest_first(&|n| n % 3 == 1));
    let q = Query {
        text: Some("build-1".into()),
        status: Some(500),
        route: Some("route0".into()),
        ..Query::default()
    };
    assert_eq!(ids(&store, &q), newest_first(&|n| n == 10));
    // Pages: three rows at a time, each below the last id of the one before.
    let mut q = Query {
        text: Some("app".into()),
        limit: Some(3),
        ..Query::default()
    };
    let mut paged = Vec::new();
    loop {
        let page = ids(&store, &q);
        assert!(page.len() <= 3);
        let Some(&last) = page.last() else { break };
        paged.extend(page);
        q.before = Some(last);
    }
    assert_eq!(paged, newest_first(&|_| true));
}

#[test]
fn pruning_clearing_and_a_changed_summary_keep_the_index_in_step() {
    let dir = TempDir::new("fts-step");
    let store = Store::open(dir.db()).unwrap();
    let first: Vec<i64> = (0..5)
        .map(|n| {
            let body = format!(r#"{{"note":"batch one item{n}"}}"#);
            store
                .insert(&delivery("/hooks/a", &[], body.as_bytes()))
                .unwrap()
        })
        .collect();
    let second = store
        .insert(&delivery("/hooks/a", &[], br#"{"note":"batch two"}"#))
        .unwrap();
    caught_up(&store);
    assert_eq!(indexed(&dir, "tch").len(), 6);
    // Retention keeps the newest 2: the index loses the other four with their rows.
    assert_eq!(store.prune(Some(2), None, 1000).unwrap(), 4);
    assert_eq!(indexed(&dir, "tch"), vec![first[4], second]);
    assert_eq!(ids(&store, &text("batch one")), vec![first[4]]);
    assert_eq!(ids(&store, &text("batch")), vec![second, first[4]]);

    // A note added to the summary is found, in an indexed row and in one not indexed yet.
    store.append_to_summary(second, "gave-up-early").unwrap();
    assert_eq!(ids(&store, &text("up-ear")), vec![second]);
    assert_eq!(ids(&store, &text("batch two")), vec![second]);
    let third = store
        .insert(&delivery("/hooks/a", &[], br#"{"note":"batch four"}"#))
        .unwrap();
    store.append_to_summary(third, "late-note").unwrap();
    assert_eq!(ids(&store, &text("late-note")), vec![third]);
    caught_up(&store);
    assert_eq!(ids(&store, &text("late-note")), vec![third]);
    assert_eq!(indexed(&dir, "e-n"), vec![third], "indexed once");
    // Pruned whether indexed or not: nothing stale is found.
    let fourth = store
        .insert(&delivery("/hooks/a", &[], br#"{"note":"batch five"}"#))
        .unwrap();
    assert_eq!(store.prune(Some(1), None, 1000).unwrap(), 3);
    assert_eq!(ids(&store, &text("batch")), vec![fourth]);
    caught_up(&store);
    assert_eq!(indexed(&dir, "tch"), vec![fourth]);
    assert_eq!(ids(&store, &text("batch")), vec![fourth]);

    // Clearing empties the index and its table of characters, and it goes on working after.
    assert!(characters(&dir).contains('v'), "{}", characters(&dir));
    store.clear().unwrap();
    assert_eq!(indexed(&dir, "tch"), Vec::<i64>::new());
    assert_eq!(characters(&dir), "");
    let again = store
        .insert(&delivery("/hooks/a", &[], br#"{"note":"batch three"}"#))
        .unwrap();
    assert_eq!(ids(&store, &text("batch")), vec![again]);
    caught_up(&store);
    assert_eq!(indexed(&dir, "tch"), vec![again]);
    assert_eq!(ids(&store, &text("batch")), vec![again]);
    store.prune(Some(0), None, 1000).unwrap();
    assert_eq!(indexed(&dir, "tch"), Vec::<i64>::new());
}

#[test]
fn a_body_is_indexed_up_to_the_prefix() {
    let dir = TempDir::new("fts-prefix");
    let store = Store::open(dir.db()).unwrap();
    let mut body = format!(
        r#"{{"head":"early-marker","pad":"{}"#,
        "p".repeat(BODY_PREFIX)
    );
    body.push_str(r#"","tail":"late-marker"}"#);
    let id = store
        .insert(&delivery("/hooks/big", &[], body.as_bytes()))
        .unwrap();
    // Read directly (not indexed yet) and then through the index: the same answers.
    assert_eq!(ids(&store, &text("early-marker")), vec![id]);
    assert_eq!(ids(&store, &text("late-marker")), Vec::<i64>::new());
    caught_up(&store);
    assert_eq!(indexed(&dir, "y-m"), vec![id]);
    assert_eq!(ids(&store, &text("early-marker")), vec![id]);
    assert_eq!(ids(&store, &text("late-marker")), Vec::<i64>::new());
}

/// More rows than a search for a short text reads directly before it asks the index.
const PAST_THE_NEWEST: i64 = 30_000;

/// Fills `dir`'s new file with [`PAST_THE_NEWEST`] deliveries, row `i`'s path and body the SQL
/// expressions `path` and `body` of it, then indexes them.
fn past_the_newest(dir: &TempDir, path: &str, body: &str) -> Store {
    drop(Store::open(dir.db()).unwrap());
    rusqlite::Connection::open(dir.db())
        .unwrap()
        .execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {PAST_THE_NEWEST}) \
             INSERT INTO deliveries (received_at, method, path, body, size, status, headers) \
             SELECT i, 'POST', {path}, {body}, 10, 200, x'' FROM n;"
        ))
        .unwrap();
    let store = Store::open(dir.db()).unwrap();
    caught_up(&store);
    store
}

#[test]
fn a_text_of_one_or_two_characters_is_found_through_the_trigrams_that_begin_it() {
    let dir = TempDir::new("fts-short");
    // Hay: letters of "hay", digits and A-F only. The rows holding the texts are older than
    // the newest rows a search reads directly, so only the index finds them; two end with
    // the text, which then begins no trigram of the row's own characters.
    let store = past_the_newest(
        &dir,
        "CASE i WHEN 300 THEN '/hooks/ZQ' ELSE '/hooks/hay' END",
        "CASE i WHEN 100 THEN 'a ~ here' WHEN 200 THEN 'ends in zq' \
         WHEN 400 THEN '東京 registry' WHEN 500 THEN 'ends in ~' WHEN 600 THEN 'Émile' \
         ELSE 'hay ' || i || ' ' || hex(randomblob(40)) END",
    );

    assert_eq!(ids(&store, &text("~")), vec![500, 100]);
    assert_eq!(ids(&store, &text("zq")), vec![300, 200]);
    assert_eq!(ids(&store, &text("Zq")), vec![300, 200], "case is ignored");
    assert_eq!(ids(&store, &text("q")), vec![300, 200]);
    assert_eq!(ids(&store, &text("東京")), vec![400]);
    assert_eq!(ids(&store, &text("京")), vec![400]);
    // Letters outside ASCII: looked up as the index folds them, matched as typed.
    assert_eq!(ids(&store, &text("É")), vec![600]);
    assert_eq!(ids(&store, &text("Ém")), vec![600]);
    assert_eq!(ids(&store, &text("é")), Vec::<i64>::new());
    assert_eq!(ids(&store, &text("\"")), Vec::<i64>::new());
    // Texts the index has no terms for (line breaks separate the indexed fields, marks end
    // them) are read row by row; NUL is refused (SQLite compares text up to one).
    for odd in ["\n", "zq\n", "\u{1}", "q\u{1}"] {
        assert_eq!(ids(&store, &text(odd)), Vec::<i64>::new(), "{odd:?}");
    }
    for nul in ["\0", "z\0", "ha\0y"] {
        let refused = |r: Result<_, StoreError>| matches!(r, Err(StoreError::NulInSearch));
        assert!(refused(store.search(&text(nul)).map(|_| ())), "{nul:?}");
        assert!(refused(store.list(&text(nul)).map(|_| ())), "{nul:?}");
        assert!(
            refused(store.count_matching(&text(nul)).map(|_| ())),
            "{nul:?}"
        );
    }
    let repository = Query {
        repository: Some("team\0".into()),
        ..Query::default()
    };
    assert!(matches!(
        store.list(&repository),
        Err(StoreError::NulInSearch)
    ));
    // Filters and pages combine with it.
    let before = Query {
        before: Some(500),
        limit: Some(100),
        ..text("~")
    };
    assert_eq!(ids(&store, &before), vec![100]);
    let one = Query {
        limit: Some(1),
        ..text("zq")
    };
    assert_eq!(ids(&store, &one), vec![300]);
    // A common text fills its page from the newest rows.
    let common = Query {
        limit: Some(3),
        ..text("y")
    };
    let newest = PAST_THE_NEWEST;
    assert_eq!(ids(&store, &common), vec![newest, newest - 1, newest - 2]);
    // A delivery not indexed yet comes first.
    let new = store
        .insert(&delivery("/hooks/new", &[], b"zq again"))
        .unwrap();
    assert_eq!(ids(&store, &text("zq")), vec![new, 300, 200]);
    caught_up(&store);
    assert_eq!(ids(&store, &text("zq")), vec![new, 300, 200]);
}

#[test]
fn a_file_indexed_before_the_character_marks_is_indexed_again() {
    let dir = TempDir::new("fts-marks");
    let store = Store::open(dir.db()).unwrap();
    let tilde = store
        .insert(&delivery("/hooks/a", &[], b"a ~ here"))
        .unwrap();
    let other = store.insert(&delivery("/hooks/b", &[], b"hay")).unwrap();
    caught_up(&store);
    assert_eq!(indexed(&dir, "\u{1}~\u{1}"), vec![tilde]);
    drop(store);
    // A schema-5 file: every row indexed, none with marks. Here the index is emptied with the
    // watermark left at the top, so only indexing every row again brings the marks back.
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    conn.execute_batch(
        "INSERT INTO deliveries_text (deliveries_text) VALUES ('delete-all');
         DROP TABLE text_chars; PRAGMA user_version = 5;",
    )
    .unwrap();
    drop(conn);
    let store = Store::open(dir.db()).unwrap();
    assert_eq!(
        ids(&store, &text("~")),
        vec![tilde],
        "rows not indexed are read"
    );
    caught_up(&store);
    assert_eq!(indexed(&dir, "\u{1}~\u{1}"), vec![tilde]);
    assert_eq!(indexed(&dir, "hay"), vec![other]);
    assert_eq!(ids(&store, &text("~")), vec![tilde]);
}

#[test]
fn a_file_from_before_the_table_of_characters_gets_it_from_the_marks() {
    let dir = TempDir::new("fts-chars");
    // Older than the newest rows a search for two characters reads directly, and followed by
    // a character no other row holds: only the table of characters makes the index find it.
    let store = past_the_newest(
        &dir,
        "'/hooks/hay'",
        "CASE i WHEN 200 THEN 'a Zq% b' ELSE 'hay ' || i END",
    );
    assert_eq!(ids(&store, &text("zq")), vec![200]);
    drop(store);
    // A schema-6 file: the index holds the character marks, no table lists the characters.
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    conn.execute_batch("DROP TABLE text_chars; PRAGMA user_version = 6;")
        .unwrap();
    drop(conn);
    let store = Store::open(dir.db()).unwrap();
    assert_eq!(ids(&store, &text("zq")), vec![200]);
    assert_eq!(ids(&store, &text("q%")), vec![200]);
    assert_eq!(
        characters(&dir),
        " %/0123456789abhkoqsyz",
        "ASCII letters folded"
    );
}

/// Makes `dir`'s file a schema-3 one (before forwarding and the index) holding `rows`
/// deliveries written as that version did: every 1,000th says "needle". Returns those, newest
/// first.
fn schema_3_file(dir: &TempDir, rows: i64) -> Vec<i64> {
    drop(Store::open(dir.db()).unwrap());
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    conn.execute_batch(&format!(
        "DROP TRIGGER deliveries_text_delete; DROP TABLE deliveries_text_terms; DROP TABLE deliveries_text; \
         DROP TABLE text_indexed; DROP TABLE text_chars; DROP TABLE forward_attempts; DROP TABLE forward_queue; \
         DROP TABLE route_forwards; DROP TABLE delivery_forward; DROP TABLE forward_lease; \
         PRAGMA user_version = 3;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
         INSERT INTO deliveries (received_at, method, path, body, size, status, headers) \
         SELECT i, 'POST', '/hooks/old', CASE WHEN i % 1000 = 0 THEN 'a needle ' || i \
         ELSE 'hay ' || i || ' ' || hex(randomblob(200)) END, 10, 200, x'' FROM n;"
    ))
    .unwrap();
    (1..=rows / 1000).rev().map(|k| k * 1000).collect()
}

#[test]
fn a_file_from_before_the_index_is_searchable_at_once_and_indexed_in_the_background() {
    let dir = TempDir::new("fts-upgrade");
    // More rows than two indexing steps.
    let needles = schema_3_file(&dir, 5000);
    let store = Store::open(dir.db()).unwrap();
    // Before the index is complete, the rows are read: the answer is the same.
    found_then_indexed(&dir, &store, &needles);
    // New rows are indexed as they come, and a reopened file does not index again.
    let new = store
        .insert(&delivery("/hooks/new", &[], b"a needle too"))
        .unwrap();
    caught_up(&store);
    drop(store);
    let store = Store::open(dir.db()).unwrap();
    assert!(store.text_index_ready().unwrap());
    assert_eq!(ids(&store, &text("needle"))[0], new);
    assert_eq!(indexed(&dir, "edl").len(), 6, "each row indexed once");
}

/// The environment variable naming the file [`crash_child`] opens.
const CRASH_DB: &str = "WHARF_TEST_CRASH_DB";

#[test]
fn indexing_killed_mid_way_goes_on_from_its_watermark() {
    let dir = TempDir::new("fts-crash");
    let needles = schema_3_file(&dir, 30_000);
    // A process that opens the file (the upgrade, then the writer indexes), killed mid-way.
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["text_search::crash_child", "--exact", "--ignored"])
        .env(CRASH_DB, dir.db())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    loop {
        let upto: Option<i64> = conn
            .query_row("SELECT upto FROM text_indexed", [], |r| r.get(0))
            .ok();
        if upto.is_some_and(|u| u > 0) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no indexing");
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL: no destructor, a step may be half done
    child.wait().unwrap();
    drop(conn);
    let upto = watermark(&dir);
    assert!(
        upto > 0 && upto < 30_000,
        "killed mid-way (watermark {upto})"
    );
    // The index holds exactly the rows up to the watermark.
    let below: Vec<i64> = needles
        .iter()
        .rev()
        .copied()
        .filter(|&n| n <= upto)
        .collect();
    assert_eq!(indexed(&dir, "edl"), below);
    // Opened again: found at once, and indexed on from there, each row once.
    let store = Store::open(dir.db()).unwrap();
    found_then_indexed(&dir, &store, &needles);
}

/// `needles` (newest first) are found by "needle" at once, then indexed, each once, and found
/// again through the index.
fn found_then_indexed(dir: &TempDir, store: &Store, needles: &[i64]) {
    assert_eq!(ids(store, &text("needle")), needles);
    caught_up(store);
    assert_eq!(
        indexed(dir, "edl"),
        needles.iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(ids(store, &text("needle")), needles);
}

/// Run by [`indexing_killed_mid_way_goes_on_from_its_watermark`] as its own process: opens the
/// store it is given and waits to be killed.
#[test]
#[ignore = "the child process of indexing_killed_mid_way_goes_on_from_its_watermark"]
fn crash_child() {
    let db =
        std::env::var(CRASH_DB).expect("run by indexing_killed_mid_way_goes_on_from_its_watermark");
    let _store = Store::open(db).unwrap();
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_reader_on_an_older_snapshot_does_not_hold_up_the_next_delivery() {
    let dir = TempDir::new("fts-checkpoint");
    let store = Store::open(dir.db()).unwrap();
    store.insert(&delivery("/hooks/a", &[], b"first")).unwrap();
    caught_up(&store);
    // A read that began before the indexing after this delivery committed (as a long count
    // does), still open when the writer, caught up, writes the log back into the database.
    store.insert(&delivery("/hooks/a", &[], b"second")).unwrap();
    let reader = rusqlite::Connection::open(dir.db()).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader
        .query_row("SELECT count(*) FROM deliveries", [], |r| r.get(0))
        .unwrap();
    caught_up(&store);
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    store.insert(&delivery("/hooks/a", &[], b"third")).unwrap();
    let took = started.elapsed();
    let log = std::fs::metadata(format!("{}-wal", dir.db().display()))
        .unwrap()
        .len();
    reader.execute_batch("COMMIT").unwrap();
    assert!(log > 0, "the reader kept the log from being truncated");
    // Waiting for the reader would take the busy timeout (5 s).
    assert!(
        took < Duration::from_secs(2),
        "the delivery waited {took:?}"
    );
}
