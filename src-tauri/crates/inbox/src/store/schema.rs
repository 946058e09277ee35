//! The file's schema and the steps that bring an older file up to it.

use rusqlite::{params, Connection};

use super::{text_index, Header, Result, StoreError, SCHEMA_VERSION};
use crate::header_blob;

pub(super) fn migrate(conn: &Connection) -> Result<()> {
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema(version));
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }

    // IMMEDIATE takes the write lock up front (waiting out busy_timeout), so two processes
    // opening the same file do not both start a read transaction and then fail to upgrade it;
    // the second one finds the work done and stops.
    conn.execute_batch("BEGIN IMMEDIATE;")?;
    let upgraded = (|| {
        let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if version == 0 {
            conn.execute_batch(SCHEMA)?;
            add_forwarding(conn)?;
            conn.execute_batch(text_index::SCHEMA)?;
        } else {
            // Each step brings the file one version up, in order.
            if version < 2 {
                move_headers_into_deliveries(conn)?;
            }
            if version < 3 {
                add_alerts(conn)?;
            }
            if version < 4 {
                add_forwarding(conn)?;
            }
            if version < 5 {
                add_text_index(conn)?;
                add_status_index(conn)?;
            }
            if version < 6 {
                index_again(conn)?;
            }
            if version < 7 {
                add_text_chars(conn)?;
            }
        }
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        Ok(())
    })();
    match upgraded {
        Ok(()) => conn.execute_batch("COMMIT;")?,
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK;");
            return Err(e);
        }
    }
    Ok(())
}

/// The current schema, for a new file.
const SCHEMA: &str = "CREATE TABLE deliveries (
         id INTEGER PRIMARY KEY AUTOINCREMENT,
         received_at INTEGER NOT NULL,
         method TEXT NOT NULL,
         path TEXT NOT NULL,
         query TEXT,
         remote_addr TEXT,
         body BLOB NOT NULL,
         size INTEGER NOT NULL,
         route_token TEXT,
         status INTEGER NOT NULL,
         source TEXT,
         event TEXT,
         repository TEXT,
         summary TEXT,
         headers BLOB NOT NULL DEFAULT x'',
         alert TEXT
     );
     CREATE INDEX deliveries_received_at ON deliveries(received_at);
     CREATE INDEX deliveries_route ON deliveries(route_token);
     CREATE INDEX deliveries_status ON deliveries(status);
     CREATE TABLE routes (
         token TEXT PRIMARY KEY,
         created_at INTEGER NOT NULL,
         connection_id TEXT,
         repository TEXT,
         notification_id TEXT,
         source TEXT,
         event TEXT,
         label TEXT NOT NULL,
         response_status INTEGER NOT NULL,
         response_body TEXT,
         response_delay_ms INTEGER NOT NULL
     );";

/// Schema 1 kept a row per header in a `headers` table; schema 2 keeps them in the delivery's
/// row ([`header_blob`]), which made ingest cheaper. Runs inside the caller's transaction.
fn move_headers_into_deliveries(conn: &Connection) -> Result<()> {
    conn.execute_batch("ALTER TABLE deliveries ADD COLUMN headers BLOB NOT NULL DEFAULT x'';")?;
    let mut read =
        conn.prepare("SELECT delivery_id, name, value FROM headers ORDER BY delivery_id, pos")?;
    let mut write = conn.prepare("UPDATE deliveries SET headers = ?2 WHERE id = ?1")?;
    let mut rows = read.query([])?;
    let mut current: Option<(i64, Vec<Header>)> = None;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let header: Header = (row.get(1)?, row.get(2)?);
        match current.as_mut() {
            Some((at, headers)) if *at == id => headers.push(header),
            _ => {
                if let Some((at, headers)) = current.replace((id, vec![header])) {
                    write.execute(params![at, header_blob::encode(&headers)])?;
                }
            }
        }
    }
    if let Some((at, headers)) = current {
        write.execute(params![at, header_blob::encode(&headers)])?;
    }
    drop(rows);
    drop(read);
    conn.execute_batch("DROP TABLE headers;")?;
    Ok(())
}

/// Schema 3 stores what a delivery warns about ([`Alert`]) in a column of its own, so toast
/// rules stop reading summaries. Older rows get it where the event alone decides; the few that
/// need their body (a DTR scan's critical count, a scanner update's success) stay without.
fn add_alerts(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "ALTER TABLE deliveries ADD COLUMN alert TEXT;
         UPDATE deliveries SET alert = 'failure' WHERE
             (source = 'quay' AND event IN ('build_failure', 'repo_mirror_sync_failed', 'quota_error'))
             OR (source = 'dtr' AND event = 'SCAN_FAILED');
         UPDATE deliveries SET alert = 'vulnerability'
             WHERE source = 'quay' AND event = 'vulnerability_found';",
    )?;
    Ok(())
}

/// Schema 4 forwards deliveries: each route's forwarding settings, the queue (filled by the
/// writer in the transaction that stores a delivery, so a stored delivery is a queued one), the
/// attempts made, and where each delivery's forwarding stands. That state lives in a narrow
/// table of its own keyed by the delivery's id, not in `deliveries`: its row holds the body, and
/// rewriting it on each attempt (or right after the insert, in the commit a 2xx waits for)
/// would rewrite the body's overflow pages too. Queue entries, attempts and state go with their
/// delivery when it is pruned. One process sharing the file forwards at a time: it holds the
/// single row of `forward_lease`.
fn add_forwarding(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "CREATE TABLE delivery_forward (
             delivery_id INTEGER PRIMARY KEY REFERENCES deliveries(id) ON DELETE CASCADE,
             forward_phase TEXT NOT NULL,
             forward_attempts INTEGER NOT NULL DEFAULT 0,
             forward_status INTEGER,
             forward_next_at INTEGER
         );
         CREATE TABLE route_forwards (
             token TEXT PRIMARY KEY REFERENCES routes(token) ON DELETE CASCADE,
             url TEXT NOT NULL,
             headers TEXT NOT NULL,
             strip_credentials INTEGER NOT NULL,
             max_attempts INTEGER NOT NULL
         );
         CREATE TABLE forward_queue (
             seq INTEGER PRIMARY KEY AUTOINCREMENT,
             delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
             route_token TEXT NOT NULL,
             attempts INTEGER NOT NULL DEFAULT 0,
             next_at INTEGER NOT NULL DEFAULT 0
         );
         CREATE INDEX forward_queue_route ON forward_queue(route_token, seq);
         CREATE INDEX forward_queue_delivery ON forward_queue(delivery_id);
         CREATE TABLE forward_attempts (
             id INTEGER PRIMARY KEY,
             delivery_id INTEGER NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
             route_token TEXT NOT NULL,
             at INTEGER NOT NULL,
             target TEXT NOT NULL,
             status INTEGER,
             latency_ms INTEGER NOT NULL,
             answer TEXT,
             error TEXT
         );
         CREATE INDEX forward_attempts_delivery ON forward_attempts(delivery_id);
         CREATE TABLE forward_lease (
             id INTEGER PRIMARY KEY CHECK (id = 1),
             owner TEXT NOT NULL,
             expires_at INTEGER NOT NULL
         );
         CREATE INDEX forward_attempts_route ON forward_attempts(route_token, id);",
    )?;
    Ok(())
}

/// Schema 5 adds the full-text index ([`text_index`]). Making the table is instant; its
/// watermark starts at 0, so the rows already stored are indexed afterwards by the writer, as
/// new ones are, and read directly by searches until then.
fn add_text_index(conn: &Connection) -> Result<()> {
    conn.execute_batch(text_index::SCHEMA)?;
    Ok(())
}

/// Schema 6 indexes each row's characters as well ([`text_index`]'s character marks): the
/// index is emptied and its watermark set back, so every row is indexed again by the writer
/// as an upgraded file's rows are, and read directly by searches until then.
fn index_again(conn: &Connection) -> Result<()> {
    conn.execute_batch(text_index::INDEX_AGAIN)?;
    Ok(())
}

/// Schema 7 keeps every indexed character in a table, for texts of two characters
/// ([`text_index`]): filled from the index's character marks (under a second at a million rows).
fn add_text_chars(conn: &Connection) -> Result<()> {
    conn.execute_batch(text_index::ADD_CHARS)?;
    Ok(())
}

/// Schema 5 also indexes the answer's status: a rare one (the refused deliveries) is otherwise
/// found by reading rows newest first until a page is full, 0.2 s at a million deliveries
/// (docs/benchmarks.md). Built on upgrade, before the receiver starts: about 0.1 s per 100,000
/// rows.
fn add_status_index(conn: &Connection) -> Result<()> {
    conn.execute_batch("CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries(status);")?;
    Ok(())
}
