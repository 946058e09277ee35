//! The delivery store on real SQLite files: round trip of raw bytes and repeated headers,
//! durability across reopen, pruning, search, routes and schema versioning.

use std::time::Duration;

use inbox::recognize::{Alert, RouteHint, Source};
use inbox::store::{
    now_ms, NewDelivery, NewHookRoute, Query, RouteResponse, Store, StoreError, SCHEMA_VERSION,
    WAL_CHECKPOINT_PAGES,
};

use crate::common::{delivery_of, TempDir, QUAY_PUSH};

fn delivery(path: &str, body: &[u8], hint: Option<RouteHint>) -> NewDelivery {
    let headers = vec![("content-type".to_owned(), b"application/json".to_vec())];
    delivery_of(path, headers, body, hint.as_ref())
}

#[test]
fn round_trip_keeps_raw_bytes_and_repeated_headers_in_order() {
    let dir = TempDir::new("roundtrip");
    let store = Store::open(dir.db()).unwrap();
    let body = vec![0xff, 0xfe, 0x00, b'{', 0x80];
    let new = NewDelivery {
        received_at: 1_700_000_000_123,
        method: "PUT".into(),
        path: "/hooks/abc/x".into(),
        query: Some("a=1&a=2".into()),
        headers: vec![
            ("x-dup".into(), b"first".to_vec()),
            ("content-type".into(), b"application/octet-stream".to_vec()),
            ("x-dup".into(), vec![0xc3, 0x28, 0xff]),
            ("x-dup".into(), b"third".to_vec()),
        ],
        remote_addr: Some("127.0.0.1:40000".into()),
        body: body.clone(),
        size: body.len() as u64,
        route_token: Some("abc".into()),
        status: 202,
        recognized: None,
        forward: false,
    };
    let id = store.insert(&new).unwrap();
    let got = store.get(id).unwrap().expect("stored row");
    assert_eq!(got.id, id);
    assert_eq!(got.body, body);
    assert_eq!(got.headers, new.headers);
    assert_eq!(got.query.as_deref(), Some("a=1&a=2"));
    assert_eq!(got.remote_addr.as_deref(), Some("127.0.0.1:40000"));
    assert_eq!(got.summary.received_at, 1_700_000_000_123);
    assert_eq!(got.summary.method, "PUT");
    assert_eq!(got.summary.status, 202);
    assert_eq!(got.summary.size, 5);
    assert_eq!(got.summary.route_token.as_deref(), Some("abc"));
    assert_eq!(got.summary.source, None);
    assert!(store.get(id + 1).unwrap().is_none());
}

#[test]
fn recognition_columns_are_stored() {
    let dir = TempDir::new("recognized");
    let store = Store::open(dir.db()).unwrap();
    let id = store
        .insert(&delivery(
            "/hooks/t",
            QUAY_PUSH.as_bytes(),
            Some(RouteHint::quay("repo_push")),
        ))
        .unwrap();
    let got = store.get(id).unwrap().unwrap().summary;
    assert_eq!(got.source, Some(Source::Quay));
    assert_eq!(got.event.as_deref(), Some("repo_push"));
    assert_eq!(got.repository.as_deref(), Some("payments/api"));
    assert!(got.summary.unwrap().contains("payments/api"));
}

#[test]
fn data_survives_drop_and_reopen() {
    let dir = TempDir::new("reopen");
    let route;
    let id;
    {
        let store = Store::open(dir.db()).unwrap();
        id = store.insert(&delivery("/hooks/a", b"{}", None)).unwrap();
        route = store.create_route(&NewHookRoute::default()).unwrap();
    }
    let store = Store::open(dir.db()).unwrap();
    assert_eq!(store.count().unwrap(), 1);
    assert_eq!(store.get(id).unwrap().unwrap().body, b"{}");
    assert_eq!(store.route(&route.token), Some(route));
}

#[test]
fn many_processes_opening_a_new_file_at_once_all_succeed() {
    // Like the app and `wharf --headless` starting together on a fresh data folder.
    for round in 0..20 {
        let dir = TempDir::new(&format!("race{round}"));
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let openers: Vec<_> = (0..8)
            .map(|_| {
                let (db, barrier) = (dir.db(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(db).map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for opener in openers {
            assert_eq!(opener.join().unwrap(), Ok(()));
        }
        let store = Store::open(dir.db()).unwrap();
        assert_eq!(store.count().unwrap(), 0);
    }
}

#[test]
fn concurrent_inserts_are_all_committed() {
    let dir = TempDir::new("concurrent");
    let store = Store::open(dir.db()).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                (0..25)
                    .map(|i| {
                        store
                            .insert(&delivery(&format!("/hooks/{t}/{i}"), b"x", None))
                            .unwrap()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<i64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200);
    assert_eq!(store.count().unwrap(), 200);
}

#[test]
fn the_write_ahead_log_is_checkpointed_in_small_steps() {
    // SQLite reuses the WAL from its start after each checkpoint, so its size is the most it
    // ever held between two checkpoints: what one slow acknowledgement has to copy.
    let dir = TempDir::new("walsize");
    let store = Store::open(dir.db()).unwrap();
    let body = vec![b'x'; 1500];
    let rows = 6000;
    std::thread::scope(|s| {
        for t in 0..8 {
            let (store, body) = (&store, &body);
            s.spawn(move || {
                for _ in (t..rows).step_by(8) {
                    store.insert(&delivery("/hooks/wal", body, None)).unwrap();
                }
            });
        }
    });
    assert_eq!(store.count().unwrap(), rows as u64);
    let data = (rows * body.len()) as u64;
    let wal = std::fs::metadata(dir.db().with_extension("sqlite-wal"))
        .unwrap()
        .len();
    let page: u32 = rusqlite::Connection::open(dir.db())
        .unwrap()
        .pragma_query_value(None, "page_size", |r| r.get(0))
        .unwrap();
    // Frames are a page plus a 24-byte header; one batch (at most 256 rows, about 100 pages)
    // may run past the threshold before the checkpoint. SQLite's default of 1000 pages would
    // let it reach 4 MiB here.
    let bound = (u64::from(WAL_CHECKPOINT_PAGES) + 110) * (u64::from(page) + 24);
    assert!(
        data > 4 * bound,
        "the test writes enough to need several checkpoints"
    );
    assert!(wal <= bound, "WAL grew to {wal} bytes (bound {bound})");
}

#[test]
fn prune_by_count_keeps_newest() {
    let dir = TempDir::new("prune-count");
    let store = Store::open(dir.db()).unwrap();
    let ids: Vec<i64> = (0..10)
        .map(|i| {
            store
                .insert(&delivery(&format!("/p/{i}"), b"", None))
                .unwrap()
        })
        .collect();
    assert_eq!(store.prune(Some(3), None, 100).unwrap(), 7);
    let left: Vec<i64> = store
        .list(&Query::default())
        .unwrap()
        .iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(left, vec![ids[9], ids[8], ids[7]]);
    // Deleted rows take their headers with them.
    assert!(store.get(ids[0]).unwrap().is_none());
}

#[test]
fn prune_by_age_removes_old_rows_only() {
    let dir = TempDir::new("prune-age");
    let store = Store::open(dir.db()).unwrap();
    let mut old = delivery("/old", b"", None);
    old.received_at = now_ms() - 3 * 24 * 3600 * 1000;
    let old_id = store.insert(&old).unwrap();
    let new_id = store.insert(&delivery("/new", b"", None)).unwrap();
    let deleted = store
        .prune(None, Some(Duration::from_secs(24 * 3600)), 100)
        .unwrap();
    assert_eq!(deleted, 1);
    assert!(store.get(old_id).unwrap().is_none());
    assert!(store.get(new_id).unwrap().is_some());
    assert_eq!(store.clear().unwrap(), 1);
    assert_eq!(store.count().unwrap(), 0);
}

/// Files from before incremental auto-vacuum (and any file after a flood) shrink when the inbox
/// is cleared: the database to what the routes need, the write-ahead log to nothing.
#[test]
fn clearing_gives_the_space_back_even_in_a_file_made_before_auto_vacuum() {
    let dir = TempDir::new("clear-shrinks");
    {
        // What an older Wharf left: a WAL database without auto-vacuum.
        let old = rusqlite::Connection::open(dir.db()).unwrap();
        old.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE x(y); DROP TABLE x;")
            .unwrap();
    }
    let store = Store::open(dir.db()).unwrap();
    let auto_vacuum = || {
        let c = rusqlite::Connection::open(dir.db()).unwrap();
        c.query_row("PRAGMA auto_vacuum", [], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    assert_eq!(auto_vacuum(), 0, "the old file has no auto-vacuum");
    let route = crate::common::quay_route(&store, RouteResponse::default());
    let body = vec![b'x'; 256 * 1024];
    for _ in 0..40 {
        store.insert(&delivery("/hooks/x", &body, None)).unwrap();
    }
    let size = |suffix: &str| {
        std::fs::metadata(format!("{}{suffix}", dir.db().display())).map_or(0, |m| m.len())
    };
    let before = size("") + size("-wal");
    assert!(before > 10 * 1024 * 1024, "{before} bytes before clearing");

    assert_eq!(store.clear().unwrap(), 40);
    let after = size("") + size("-wal");
    assert!(after < 256 * 1024, "{after} bytes after clearing");
    assert_eq!(auto_vacuum(), 2, "converted to incremental");
    assert!(store.route(&route).is_some(), "routes are kept");
    // The cleared store keeps working.
    store.insert(&delivery("/hooks/y", b"{}", None)).unwrap();
    assert_eq!(store.count().unwrap(), 1);
}

#[test]
fn search_filters_by_text_source_event_repo_route_status() {
    let dir = TempDir::new("search");
    let store = Store::open(dir.db()).unwrap();
    let quay = store
        .insert(&NewDelivery {
            route_token: Some("tok-quay".into()),
            ..delivery(
                "/hooks/tok-quay",
                QUAY_PUSH.as_bytes(),
                Some(RouteHint::quay("repo_push")),
            )
        })
        .unwrap();
    let dtr_body = br#"{"type":"TAG_PUSH","createdAt":"2024-01-01T00:00:00Z","contents":{"namespace":"ops","repository":"tools","tag":"1.0","digest":"sha256:abc","imageName":"dtr.example/ops/tools:1.0"}}"#;
    let dtr = store
        .insert(&NewDelivery {
            status: 404,
            ..delivery("/hooks/other", dtr_body, None)
        })
        .unwrap();
    let plain = store
        .insert(&delivery("/misc", b"needle 100%_done", None))
        .unwrap();

    let ids = |q: Query| -> Vec<i64> { store.list(&q).unwrap().iter().map(|d| d.id).collect() };
    assert_eq!(ids(Query::default()), vec![plain, dtr, quay]);
    assert_eq!(
        ids(Query {
            source: Some(Source::Dtr),
            ..Query::default()
        }),
        vec![dtr]
    );
    // Unknown covers a delivery recognition never ran on.
    let unrecognized = store
        .insert(&NewDelivery {
            recognized: None,
            ..delivery("/raw", b"", None)
        })
        .unwrap();
    assert_eq!(
        ids(Query {
            source: Some(Source::Unknown),
            ..Query::default()
        }),
        vec![unrecognized, plain]
    );
    store.clear().unwrap();
    let quay = store
        .insert(&NewDelivery {
            route_token: Some("tok-quay".into()),
            ..delivery(
                "/hooks/tok-quay",
                QUAY_PUSH.as_bytes(),
                Some(RouteHint::quay("repo_push")),
            )
        })
        .unwrap();
    let dtr = store
        .insert(&NewDelivery {
            status: 404,
            ..delivery("/hooks/other", dtr_body, None)
        })
        .unwrap();
    let plain = store
        .insert(&delivery("/misc", b"needle 100%_done", None))
        .unwrap();
    assert_eq!(
        ids(Query {
            event: Some("REPO_PUSH".into()),
            ..Query::default()
        }),
        vec![quay]
    );
    assert_eq!(
        ids(Query {
            repository: Some("ops/tools".into()),
            ..Query::default()
        }),
        vec![dtr]
    );
    // A repository filter is a part of the name: a namespace finds its repositories, ASCII
    // case ignored, `%` and `_` literal.
    for (part, expected) in [
        ("payments", vec![quay]),
        ("PAYMENTS/", vec![quay]),
        ("ments/a", vec![quay]),
        ("ops", vec![dtr]),
        ("o%s", vec![]),
        ("op_", vec![]),
    ] {
        let q = Query {
            repository: Some(part.into()),
            ..Query::default()
        };
        assert_eq!(ids(q.clone()), expected, "repository {part:?}");
        assert_eq!(
            store.count_matching(&q).unwrap(),
            expected.len() as u64,
            "count of {part:?}"
        );
    }
    // A count ignores the page.
    assert_eq!(
        store
            .count_matching(&Query {
                limit: Some(1),
                before: Some(quay),
                ..Query::default()
            })
            .unwrap(),
        3
    );
    assert_eq!(
        ids(Query {
            route: Some("tok-quay".into()),
            ..Query::default()
        }),
        vec![quay]
    );
    assert_eq!(
        ids(Query {
            status: Some(404),
            ..Query::default()
        }),
        vec![dtr]
    );
    // Text matches the body, case-insensitively, with `%`/`_` taken literally.
    assert_eq!(
        ids(Query {
            text: Some("NEEDLE".into()),
            ..Query::default()
        }),
        vec![plain]
    );
    assert_eq!(
        ids(Query {
            text: Some("0%_d".into()),
            ..Query::default()
        }),
        vec![plain]
    );
    assert_eq!(
        ids(Query {
            text: Some("1%0".into()),
            ..Query::default()
        }),
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(Query {
            text: Some("payments/api".into()),
            ..Query::default()
        }),
        vec![quay]
    );
    // Paging: newest first, `before` continues below an id.
    assert_eq!(
        ids(Query {
            limit: Some(1),
            before: Some(plain),
            ..Query::default()
        }),
        vec![dtr]
    );
}

#[test]
fn a_text_search_finds_what_list_finds_across_windows_and_pages() {
    let dir = TempDir::new("windows");
    let store = Store::open(dir.db()).unwrap();
    // 12,000 rows (more than two search windows), every 700th saying "needle". Written around
    // the store, so not in the text index: a text shorter than a trigram ("ee") is searched by
    // reading the rows, window by window, which is what this checks.
    let filler = rusqlite::Connection::open(dir.db()).unwrap();
    filler
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000) \
             INSERT INTO deliveries (received_at, method, path, body, size, status) \
             SELECT i, 'POST', '/hooks/x', CASE WHEN i % 700 = 0 THEN 'a needle here' \
             ELSE 'hay' END, 10, 200 FROM n;",
        )
        .unwrap();
    let needle = |limit, before| Query {
        text: Some("ee".into()),
        limit: Some(limit),
        before,
        ..Query::default()
    };
    let ids = |rows: Vec<inbox::store::DeliverySummary>| -> Vec<i64> {
        rows.iter().map(|d| d.id).collect()
    };
    let all = ids(store.list(&needle(100, None)).unwrap());
    assert_eq!(all.len(), 17);
    assert_eq!(ids(store.search(&needle(100, None)).unwrap()), all);
    // A limit met in the first window, and a page that starts in the middle.
    assert_eq!(ids(store.search(&needle(3, None)).unwrap()), all[..3]);
    assert_eq!(
        ids(store.search(&needle(5, Some(all[6]))).unwrap()),
        all[7..12]
    );
    assert_eq!(store.search(&needle(5, Some(1))).unwrap(), vec![]);
}

#[test]
fn a_newer_search_stops_one_still_running() {
    let dir = TempDir::new("superseded");
    let store = Store::open(dir.db()).unwrap();
    // Enough body text that a search matching nothing takes a while (a full scan: the text is
    // shorter than a trigram, so the index cannot answer it).
    let filler = rusqlite::Connection::open(dir.db()).unwrap();
    filler
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) \
             INSERT INTO deliveries (received_at, method, path, body, size, status) \
             SELECT i, 'POST', '/hooks/x', hex(randomblob(1000)), 2000, 200 FROM n;",
        )
        .unwrap();
    let slow = Query {
        text: Some("zz".into()),
        ..Query::default()
    };
    // Runs `first` on another thread and `then` 20 ms into it; returns both results.
    let race = |first: Query, then: Query| {
        let started = std::sync::Arc::new(std::sync::Barrier::new(2));
        let older = std::thread::spawn({
            let (store, started) = (store.clone(), started.clone());
            move || {
                started.wait();
                let at = std::time::Instant::now();
                (store.search(&first), at.elapsed())
            }
        });
        started.wait();
        std::thread::sleep(Duration::from_millis(20));
        let newer = store.search(&then);
        (older.join().unwrap(), newer)
    };

    let ((older, took), newer) = race(
        slow.clone(),
        Query {
            limit: Some(2),
            ..Query::default()
        },
    );
    assert_eq!(newer.unwrap().len(), 2, "the newer search answers");
    assert!(
        matches!(older, Err(StoreError::Superseded)),
        "the older search ran on for {took:?}: {older:?}"
    );

    // The next page of the same search leaves the first one alone.
    let ((first, _), next_page) = race(
        slow.clone(),
        Query {
            before: Some(20_000),
            ..slow.clone()
        },
    );
    assert_eq!(first.unwrap(), vec![]);
    assert_eq!(next_page.unwrap(), vec![]);
    // Plain listing (exports, the CLI) is never interrupted by a search.
    assert_eq!(store.list(&Query::default()).unwrap().len(), 100);
}

#[test]
fn a_count_leaves_reads_free_and_stops_for_a_newer_search_or_count() {
    let dir = TempDir::new("count-aside");
    let store = Store::open(dir.db()).unwrap();
    // Rows not indexed yet, with body text to read: counting a text reads every one of them.
    // One in 1,000 says "zz" (hex digits never do).
    rusqlite::Connection::open(dir.db())
        .unwrap()
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000) \
             INSERT INTO deliveries (received_at, method, path, body, size, status) \
             SELECT i, 'POST', '/hooks/x', CAST(CASE WHEN i % 1000 = 0 THEN 'zz' \
             ELSE hex(randomblob(1000)) END AS BLOB), 2000, 200 FROM n;",
        )
        .unwrap();
    let slow = Query {
        text: Some("zz".into()),
        ..Query::default()
    };
    let other = Query {
        limit: Some(2),
        ..Query::default()
    };
    assert_eq!(store.count_matching(&slow).unwrap(), 40);
    type Count = fn(&Store, &Query) -> Result<u64, StoreError>;
    // Searches for `before`, counts `slow` on another thread and runs `then` meanwhile, until
    // the count is still running when `then` returns (a fast machine may end it first), then
    // until `done` says the count's result is the one sought.
    let race = |count: Count,
                before: &Query,
                then: &dyn Fn(),
                done: &dyn Fn(&Result<u64, StoreError>) -> bool| {
        let mut last = None;
        for _ in 0..20 {
            store.search(before).unwrap();
            let counting = std::thread::spawn({
                let (store, slow) = (store.clone(), slow.clone());
                move || count(&store, &slow)
            });
            std::thread::sleep(Duration::from_millis(5));
            then();
            let overlapped = !counting.is_finished();
            let result = counting.join().unwrap();
            if overlapped && done(&result) {
                return;
            }
            last = Some((overlapped, result));
        }
        panic!("20 tries, the last (still counting when `then` returned, result): {last:?}");
    };
    let counted = |r: &Result<u64, StoreError>| matches!(r, Ok(40));
    let stopped = |r: &Result<u64, StoreError>| matches!(r, Err(StoreError::Superseded));

    // A delivery's detail and a plain listing are read while a count goes on.
    let read = || {
        store.get(1).unwrap().unwrap();
        assert_eq!(store.list(&Query::default()).unwrap().len(), 100);
    };
    race(Store::count_search, &other, &read, &counted);
    // A search for other filters stops the label's count, not a plain one.
    let search_other = || assert_eq!(store.search(&other).unwrap().len(), 2);
    race(Store::count_search, &slow, &search_other, &stopped);
    race(Store::count_matching, &slow, &search_other, &counted);
    // A page of the count's own filters leaves it alone, even when a search for others was
    // the newest as it began.
    let search_same = || {
        let page = Query {
            before: Some(30_000),
            ..slow.clone()
        };
        assert_eq!(store.search(&page).unwrap().len(), 29);
    };
    race(Store::count_search, &other, &search_same, &counted);
    // A newer count stops the older one.
    let count_newer = || assert_eq!(store.count_search(&Query::default()).unwrap(), 40_000);
    race(Store::count_search, &slow, &count_newer, &stopped);
}

#[test]
fn routes_crud() {
    let dir = TempDir::new("routes");
    let store = Store::open(dir.db()).unwrap();
    let new = NewHookRoute {
        connection_id: Some("conn-1".into()),
        repository: Some("payments/api".into()),
        notification_id: Some("uuid-1".into()),
        source: Some(Source::Quay),
        event: Some("build_failure".into()),
        label: "builds".into(),
        response: RouteResponse {
            status: 202,
            body: Some("thanks".into()),
            delay_ms: 50,
        },
    };
    let a = store.create_route(&new).unwrap();
    let b = store.create_route(&NewHookRoute::default()).unwrap();
    assert_ne!(a.token, b.token);
    assert!(a.token.len() >= 32, "token must be hard to guess");
    assert_eq!(store.route(&a.token).unwrap().route, new);
    assert_eq!(a.hint(), RouteHint::quay("build_failure"));
    assert_eq!(store.list_routes().len(), 2);
    assert!(store.delete_route(&a.token).unwrap());
    assert!(!store.delete_route(&a.token).unwrap());
    assert!(store.route(&a.token).is_none());
    assert_eq!(store.list_routes(), vec![b]);
}

#[test]
fn closed_store_refuses_inserts() {
    let dir = TempDir::new("closed");
    let store = Store::open(dir.db()).unwrap();
    store.close();
    assert!(matches!(
        store.insert(&delivery("/x", b"", None)),
        Err(StoreError::Closed)
    ));
}

#[test]
fn newer_schema_is_refused_and_version_is_set() {
    let dir = TempDir::new("schema");
    drop(Store::open(dir.db()).unwrap());
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    let v: i32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(dir.db()),
        Err(StoreError::NewerSchema(v)) if v == SCHEMA_VERSION + 1
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_row_does_not_fail_the_rest_of_its_batch() {
    let dir = TempDir::new("badrow");
    let store = Store::open(dir.db()).unwrap();
    // Another connection makes one kind of row fail inside the writer's transaction.
    rusqlite::Connection::open(dir.db())
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER reject_bad BEFORE INSERT ON deliveries WHEN NEW.path = '/bad' \
             BEGIN SELECT RAISE(ABORT, 'rejected by the test'); END;",
        )
        .unwrap();
    // Submitted together so they share batches with the failing ones.
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        let store = store.clone();
        let path = if n % 50 == 7 { "/bad" } else { "/good" };
        tasks.spawn(async move {
            let d = delivery(path, format!("{n}").as_bytes(), None);
            (n, path, store.insert_async(d).await)
        });
    }
    let mut stored = 0;
    for (n, path, result) in tasks.join_all().await {
        match (path, result) {
            ("/good", Ok(id)) => {
                assert_eq!(
                    store.get(id).unwrap().unwrap().body,
                    format!("{n}").as_bytes()
                );
                stored += 1;
            }
            ("/bad", Err(StoreError::Sqlite(e))) => {
                assert!(e.to_string().contains("rejected by the test"), "{e}")
            }
            (path, other) => panic!("#{n} {path}: {other:?}"),
        }
    }
    assert_eq!(stored, 196);
    assert_eq!(store.count().unwrap(), 196);
}

/// A file as Wharf wrote it before headers moved into the delivery's row (schema 1).
const SCHEMA_1: &str = "CREATE TABLE deliveries (
     id INTEGER PRIMARY KEY AUTOINCREMENT, received_at INTEGER NOT NULL, method TEXT NOT NULL,
     path TEXT NOT NULL, query TEXT, remote_addr TEXT, body BLOB NOT NULL, size INTEGER NOT NULL,
     route_token TEXT, status INTEGER NOT NULL, source TEXT, event TEXT, repository TEXT,
     summary TEXT);
 CREATE INDEX deliveries_received_at ON deliveries(received_at);
 CREATE INDEX deliveries_route ON deliveries(route_token);
 CREATE TABLE headers (
     delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
     pos INTEGER NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL,
     PRIMARY KEY (delivery_id, pos)) WITHOUT ROWID;
 CREATE TABLE routes (
     token TEXT PRIMARY KEY, created_at INTEGER NOT NULL, connection_id TEXT, repository TEXT,
     notification_id TEXT, source TEXT, event TEXT, label TEXT NOT NULL,
     response_status INTEGER NOT NULL, response_body TEXT, response_delay_ms INTEGER NOT NULL);
 PRAGMA user_version = 1;";

#[test]
fn a_schema_1_file_is_upgraded_with_every_header_kept_in_order() {
    let dir = TempDir::new("schema1");
    {
        let conn = rusqlite::Connection::open(dir.db()).unwrap();
        conn.execute_batch(SCHEMA_1).unwrap();
        for (id, path) in [(1, "/hooks/a"), (2, "/hooks/b"), (5, "/hooks/none")] {
            conn.execute(
                "INSERT INTO deliveries (id, received_at, method, path, body, size, status) \
                 VALUES (?1, 1700000000000, 'POST', ?2, x'7b7d', 2, 200)",
                rusqlite::params![id, path],
            )
            .unwrap();
        }
        // Inserted out of order on purpose: `pos` decides, not insertion order.
        for (id, pos, name, value) in [
            (2, 1, "set-cookie", &b"b=2"[..]),
            (1, 0, "content-type", b"application/json"),
            (2, 0, "set-cookie", b"a=1"),
            (2, 2, "x-raw", b"\xff\x00\xfe"),
        ] {
            conn.execute(
                "INSERT INTO headers (delivery_id, pos, name, value) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![id, pos, name, value],
            )
            .unwrap();
        }
        conn.execute(
            "INSERT INTO routes (token, created_at, label, response_status, response_delay_ms) \
             VALUES ('tok', 1, 'kept', 200, 0)",
            [],
        )
        .unwrap();
    }

    let store = Store::open(dir.db()).unwrap();
    let headers = |id| store.get(id).unwrap().unwrap().headers;
    assert_eq!(
        headers(1),
        vec![("content-type".to_owned(), b"application/json".to_vec())]
    );
    assert_eq!(
        headers(2),
        vec![
            ("set-cookie".to_owned(), b"a=1".to_vec()),
            ("set-cookie".to_owned(), b"b=2".to_vec()),
            ("x-raw".to_owned(), b"\xff\x00\xfe".to_vec()),
        ]
    );
    assert_eq!(headers(5), Vec::<(String, Vec<u8>)>::new());
    assert_eq!(store.route("tok").unwrap().route.label, "kept");
    // New rows continue after the old ids (AUTOINCREMENT survived the upgrade).
    let id = store.insert(&delivery("/new", b"{}", None)).unwrap();
    assert_eq!(id, 6);
    assert_eq!(store.count().unwrap(), 4);

    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    let v: i32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(v, SCHEMA_VERSION);
    let tables: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'headers'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0, "the old headers table is dropped");
}

#[test]
fn a_schema_2_file_gets_alerts_where_the_event_alone_decides() {
    let dir = TempDir::new("schema2");
    let store = Store::open(dir.db()).unwrap();
    let failure = store
        .insert(&delivery(
            "/f",
            b"{}",
            Some(RouteHint::quay("build_failure")),
        ))
        .unwrap();
    let push = store
        .insert(&delivery("/p", QUAY_PUSH.as_bytes(), None))
        .unwrap();
    let vulnerability = store
        .insert(&delivery(
            "/v",
            b"{}",
            Some(RouteHint::quay("vulnerability_found")),
        ))
        .unwrap();
    drop(store);
    // Back to schema 2: no alert column, no forwarding (schema 4), no text index (schema 5).
    let conn = rusqlite::Connection::open(dir.db()).unwrap();
    conn.execute_batch(
        "DROP TABLE forward_attempts; DROP TABLE forward_queue; DROP TABLE route_forwards;
         DROP TABLE delivery_forward; DROP TABLE forward_lease;
         DROP TRIGGER deliveries_text_delete; DROP TABLE deliveries_text_terms; DROP TABLE deliveries_text; DROP TABLE text_indexed;
         ALTER TABLE deliveries DROP COLUMN alert; PRAGMA user_version = 2;",
    )
    .unwrap();
    drop(conn);

    let store = Store::open(dir.db()).unwrap();
    let alert = |id| store.get(id).unwrap().unwrap().summary.alert;
    assert_eq!(alert(failure), Some(Alert::Failure));
    assert_eq!(alert(vulnerability), Some(Alert::Vulnerability));
    assert_eq!(alert(push), None);
}

#[test]
fn damaged_stored_headers_are_an_error_naming_the_delivery() {
    let dir = TempDir::new("damaged");
    let store = Store::open(dir.db()).unwrap();
    let id = store.insert(&delivery("/x", b"{}", None)).unwrap();
    rusqlite::Connection::open(dir.db())
        .unwrap()
        .execute(
            "UPDATE deliveries SET headers = x'ffffff7f' WHERE id = ?1",
            [id],
        )
        .unwrap();
    let e = store.get(id).unwrap_err();
    assert!(matches!(e, StoreError::Damaged(at, _) if at == id), "{e}");
    assert!(e.to_string().contains(&format!("delivery {id}")), "{e}");
    // The list still works: it never reads headers.
    assert_eq!(store.list(&Query::default()).unwrap().len(), 1);
}

#[cfg(unix)]
#[test]
fn the_database_and_its_journal_are_readable_by_their_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = TempDir::new("private");
    let store = Store::open(dir.db()).unwrap();
    store.insert(&delivery("/p", b"{}", None)).unwrap();
    let wal = dir.0.join("inbox.sqlite-wal");
    assert_eq!(mode(&dir.db()), 0o600);
    assert_eq!(
        mode(&wal),
        0o600,
        "SQLite creates the log like the database"
    );
    drop(store);

    // A file an older Wharf left readable to everyone is closed on the next open.
    std::fs::set_permissions(dir.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _store = Store::open(dir.db()).unwrap();
    assert_eq!(mode(&dir.db()), 0o600);
    assert_eq!(mode(&wal), 0o600);
}
