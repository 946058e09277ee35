//! The full-text index of deliveries: an SQLite FTS5 table with the trigram tokenizer, so a
//! search for any part of a word (a tag, a digest, a header value) is answered from the index
//! instead of by reading every row.
//!
//! The table is contentless (`content=''`): it holds the index only, not a second copy of the
//! text, and `contentless_delete=1` lets rows be deleted from it. It keeps no positions
//! (`detail=none`), which made it less than half the size and indexing a third cheaper
//! (docs/benchmarks.md); so the index only says which rows hold every trigram of a text, and
//! the search keeps those that really contain it by checking the row itself
//! ([`super::rows`]). A delivery's fields go into one column, one per line: a trigram that
//! spans two fields holds a line break, which typed text does not. The text ends with a line
//! of its distinct characters, each between two [`CHAR_MARK`]s ([`char_marks`]): a character
//! between marks is a trigram no typed text spells, so a text of one character is looked up
//! by that one term. Every character of the text before begins a trigram, whose third
//! character is one of the row's characters (or the line break), so a text of two characters
//! is looked up by those trigrams, the third character taken from the table `text_chars`,
//! every character the index holds ([`short_terms`]).
//!
//! Indexing is not on the answer's path: the writer commits a delivery and the receiver answers
//! without it. Rows are indexed afterwards, oldest first, by the writer thread when no delivery
//! has been waiting for [`super::writer`]'s idle time, in short transactions of its own that
//! stop at the next row as soon as a delivery arrives ([`index_step`]). The table
//! `text_indexed` holds the watermark: every row up to `upto` is in the index, none above it.
//! A search reads the rows above it directly and asks the index for the rest, so a delivery is
//! found as soon as it is acknowledged. A trigger removes a delivery's index row in the
//! transaction that deletes the delivery (pruning, retention, any `DELETE`), and
//! [`super::Store::clear`] empties the index with the deliveries.
//!
//! A file made before the index existed gets the table on upgrade with the watermark at 0: its
//! older rows are indexed like new ones, and read directly until then. A crash or a restart
//! mid-way loses at most the step under way (the watermark moves in the step's transaction),
//! and the next writer goes on from the watermark.

use std::borrow::Cow;
use std::collections::HashSet;
use std::time::{Duration, Instant};

use rusqlite::{params, Connection, OptionalExtension};

use super::{Header, Result};

/// The index table, for a new file or an upgrade.
pub(super) const SCHEMA: &str = concat!(
    "CREATE VIRTUAL TABLE deliveries_text USING fts5(
         text, tokenize = 'trigram', detail = none, content = '', contentless_delete = 1
     );
     CREATE VIRTUAL TABLE deliveries_text_terms USING fts5vocab(deliveries_text, 'row');
     CREATE TABLE text_indexed (upto INTEGER NOT NULL);
     INSERT INTO text_indexed (upto) VALUES (0);",
    text_chars!(),
    delete_trigger!()
);

/// Schema 7: the characters of the rows already indexed, read from their marks (one term per
/// character; reading their lists takes under a second at a million rows, once).
pub(super) const ADD_CHARS: &str = concat!(
    text_chars!(),
    "INSERT OR IGNORE INTO text_chars (c)
         SELECT substr(term, 2, 1) FROM deliveries_text_terms
         WHERE term > char(1) AND term < char(2)
             AND length(term) = 3 AND substr(term, 3) = char(1);"
);

/// Every character of the indexed texts (ASCII letters in lower case, as the tokenizer folds
/// them), kept by the indexer. A character whose rows are all deleted stays until the index is
/// emptied (clearing the inbox, [`INDEX_AGAIN`]): a text of two characters only costs a lookup
/// more for it.
macro_rules! text_chars {
    () => {
        "CREATE TABLE IF NOT EXISTS text_chars (c TEXT PRIMARY KEY) WITHOUT ROWID;"
    };
}
use text_chars;

/// Removes a delivery's index row in the transaction that deletes the delivery (rows above the
/// watermark have none).
pub(super) const DELETE_TRIGGER: &str = delete_trigger!();

macro_rules! delete_trigger {
    () => {
        "CREATE TRIGGER deliveries_text_delete AFTER DELETE ON deliveries
         WHEN old.id <= (SELECT upto FROM text_indexed) BEGIN
             DELETE FROM deliveries_text WHERE rowid = old.id;
         END;"
    };
}
use delete_trigger;

/// Bytes of a body that are indexed. Every payload Quay and DTR document is under 2 KiB and a
/// large scan report a few tens, so 16 KiB holds any registry's event whole, while a 10 MiB
/// upload (the receiver's limit) costs the writer's transaction no more than a registry
/// payload: trigram indexing takes about a microsecond per byte, so a whole 10 MiB body would
/// hold every waiting acknowledgement for seconds.
pub const BODY_PREFIX: usize = 16 * 1024;

/// Fewest characters a text must have to be looked up in the index by its own trigrams: the
/// trigram tokenizer indexes runs of three. Shorter texts are looked up by the trigrams that
/// begin with them (`short_terms`).
pub const MIN_INDEXED_CHARS: usize = 3;

/// Between the distinct characters of an indexed text, in a line of its own after it: each
/// character between two marks is one trigram, so the rows holding a character are one term's
/// list in the index ([`char_term`]). Listing the trigrams that begin with a character instead
/// took seconds for a common one (the vocabulary reads each term's whole list), and then every
/// row was read. A control character: no typed text holds it.
const CHAR_MARK: char = '\u{1}';

/// Empties the index and sets its watermark back: every row is indexed again, oldest first.
pub(super) const INDEX_AGAIN: &str = concat!(
    // A file from before the table (schema 5) gets it here.
    text_chars!(),
    empty_index!(),
    "UPDATE text_indexed SET upto = 0;"
);

/// Empties the index and the table of its characters.
pub(super) const EMPTY_INDEX: &str = empty_index!();

macro_rules! empty_index {
    () => {
        "INSERT INTO deliveries_text (deliveries_text) VALUES ('delete-all');
         DELETE FROM text_chars;"
    };
}
use empty_index;

/// Most characters after a text of two its search looks up, one trigram each: about 20 µs a
/// trigram at a million rows (docs/benchmarks.md), so 2,048 take about 45 ms. An index of
/// more characters (text in a script of thousands) has its trigrams listed instead.
const MAX_THIRD_CHARS: usize = 2048;

/// Most trigrams FTS5's vocabulary may list for a text of two characters: more begin it in
/// text of such a script, and the rows holding both its characters are looked up instead.
const MAX_SHORT_TERMS: usize = 256;

/// Longest that listing may take: the vocabulary reads each term's whole list of rows to
/// count them.
const SHORT_TERMS_BUDGET: Duration = Duration::from_millis(50);

/// Rows indexed per transaction at most (fewer when a delivery arrives: [`index_step`]).
const INDEX_STEP: i64 = 256;

const INSERT: &str = "INSERT INTO deliveries_text (rowid, text) VALUES (?1, ?2)";

/// What of a delivery is indexed.
pub(super) struct Indexed<'a> {
    pub id: i64,
    pub summary: Option<&'a str>,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub repository: Option<&'a str>,
    pub event: Option<&'a str>,
    pub headers: &'a [Header],
    pub body: &'a [u8],
}

/// Characters of indexed texts, to be kept in `text_chars` ([`record_chars`]) in the
/// transaction that indexed them: gathered over a step's rows, as a row has dozens.
pub(super) type Chars = HashSet<char>;

/// Adds a delivery to the index, inside the caller's transaction; its characters are added to
/// `chars`.
pub(super) fn index(conn: &Connection, row: &Indexed<'_>, chars: &mut Chars) -> Result<()> {
    let body = body_text(row.body);
    let mut text = String::with_capacity(body.len() + 512);
    for field in [
        row.summary,
        Some(row.path),
        row.query,
        row.repository,
        row.event,
    ] {
        text.push_str(field.unwrap_or_default());
        text.push('\n');
    }
    text.push_str(&header_text(row.headers));
    text.push_str(&body);
    // The line break and the marks' first one begin trigrams with the last two characters.
    text.push('\n');
    let marks = char_marks(&text, chars);
    text.push_str(&marks);
    conn.prepare_cached(INSERT)?
        .execute(params![row.id, text])?;
    Ok(())
}

/// The distinct characters of `text` between [`CHAR_MARK`]s, line breaks left out (typed text
/// holds none) and NUL (the tokenizer skips it, and FTS5 reads a query only up to one): two
/// trigrams a character, one of them its term. Case is folded by the
/// tokenizer, so `É` and `é` give the same term. The characters are added to `chars`.
fn char_marks(text: &str, chars: &mut Chars) -> String {
    let mut seen = HashSet::new();
    let mut marks = String::from(CHAR_MARK);
    for c in text.chars() {
        if !['\n', CHAR_MARK, '\0'].contains(&c) && seen.insert(c) {
            marks.push(c);
            marks.push(CHAR_MARK);
            // SQLite's folding is not Rust's outside ASCII (the tokenizer is asked there:
            // [`folded`]); within it, both map A-Z to a-z.
            chars.insert(c.to_ascii_lowercase());
        }
    }
    marks
}

/// Adds `chars` to `text_chars`, inside the transaction that indexed them.
fn record_chars(conn: &Connection, chars: &Chars) -> Result<()> {
    let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO text_chars (c) VALUES (?1)")?;
    for c in chars {
        stmt.execute([c.to_string()])?;
    }
    Ok(())
}

/// The term of the rows holding the character `c`: it between two [`CHAR_MARK`]s.
fn char_term(c: char) -> String {
    quote(&format!("{CHAR_MARK}{c}{CHAR_MARK}"))
}

/// Indexes a delivery again after its indexed columns changed, inside the caller's (write)
/// transaction. A row above the watermark is left to the indexer.
pub(super) fn reindex(conn: &Connection, id: i64) -> Result<()> {
    if id > watermark(conn)? {
        return Ok(());
    }
    conn.execute("DELETE FROM deliveries_text WHERE rowid = ?1", [id])?;
    let mut stmt = conn.prepare_cached(&select_stored("id = ?1"))?;
    let mut rows = stmt.query([id])?;
    let mut chars = Chars::new();
    if let Some(r) = rows.next()? {
        index_stored(conn, r, &mut chars)?;
    }
    record_chars(conn, &chars)
}

/// The highest id up to which every stored delivery is in the index.
pub(super) fn watermark(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT upto FROM text_indexed")?
        .query_row([], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// The query for what of the stored deliveries `condition` selects is indexed, in the order
/// [`index_stored`] reads it. A body longer than [`BODY_PREFIX`] is left out (NULL): SQLite
/// would load it whole, up to the receiver's 10 MiB, to hand out its first bytes; its prefix
/// is read from the file instead ([`body_prefix`]).
fn select_stored(condition: &str) -> String {
    format!(
        "SELECT id, summary, path, query, repository, event, headers, \
         CASE WHEN octet_length(body) <= {BODY_PREFIX} THEN body END FROM deliveries \
         WHERE {condition}"
    )
}

/// The first [`BODY_PREFIX`] bytes of a stored delivery's body, read without loading the rest.
fn body_prefix(conn: &Connection, id: i64) -> Result<Vec<u8>> {
    use std::io::Read;
    let blob = conn.blob_open(rusqlite::MAIN_DB, "deliveries", "body", id, true)?;
    let mut prefix = Vec::with_capacity(BODY_PREFIX);
    blob.take(BODY_PREFIX as u64).read_to_end(&mut prefix)?;
    Ok(prefix)
}

/// Indexes a row of [`select_stored`]; returns its id. It must not be in the index yet.
fn index_stored(conn: &Connection, r: &rusqlite::Row<'_>, chars: &mut Chars) -> Result<i64> {
    let id: i64 = r.get(0)?;
    let summary: Option<String> = r.get(1)?;
    let path: String = r.get(2)?;
    let query: Option<String> = r.get(3)?;
    let repository: Option<String> = r.get(4)?;
    let event: Option<String> = r.get(5)?;
    // Damaged headers (a file altered by hand) leave the rest searchable.
    let headers = crate::header_blob::decode(&bytes(r, 6)?).unwrap_or_default();
    index(
        conn,
        &Indexed {
            id,
            summary: summary.as_deref(),
            path: &path,
            query: query.as_deref(),
            repository: repository.as_deref(),
            event: event.as_deref(),
            headers: &headers,
            body: &match r.get_ref(7)? {
                rusqlite::types::ValueRef::Null => body_prefix(conn, id)?,
                _ => bytes(r, 7)?,
            },
        },
        chars,
    )?;
    Ok(id)
}

/// A column's bytes, whether it was stored as a BLOB (as the store writes) or as TEXT (a row
/// written by hand or another tool).
fn bytes(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Vec<u8>> {
    use rusqlite::types::ValueRef;
    Ok(match r.get_ref(i)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => b.to_vec(),
        _ => Vec::new(),
    })
}

/// Headers as `name: value` lines; values that are not UTF-8 are left out (a search is typed
/// text, and such a value cannot contain it).
pub(super) fn header_text(headers: &[Header]) -> String {
    let mut text = String::new();
    for (name, value) in headers {
        if let Ok(value) = std::str::from_utf8(value) {
            text.push_str(name);
            text.push_str(": ");
            text.push_str(value);
            text.push('\n');
        }
    }
    text
}

/// The body's first [`BODY_PREFIX`] bytes as text, cut back to a whole character. Bytes that
/// are not UTF-8 are indexed only when nothing in them but the line's own controls (tab, line
/// breaks) is below a space: that is 8-bit text (Latin-1 and its kin), whose ASCII parts can
/// be searched, with the other bytes read as U+FFFD. Anything else (an image, a gzip, a
/// protobuf) holds control bytes within its first few, and no typed text: nothing is indexed.
pub fn body_text(body: &[u8]) -> Cow<'_, str> {
    let prefix = &body[..body.len().min(BODY_PREFIX)];
    match std::str::from_utf8(prefix) {
        Ok(text) => Cow::Borrowed(text),
        // Only the cut at the prefix's end split a character.
        Err(e) if e.error_len().is_none() => {
            Cow::Borrowed(std::str::from_utf8(&prefix[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(_) if prefix.iter().all(|&b| b >= b' ' || b"\t\r\n".contains(&b)) => {
            String::from_utf8_lossy(prefix)
        }
        Err(_) => Cow::Borrowed(""),
    }
}

/// Indexes the oldest rows above the watermark, at most [`INDEX_STEP`] in one transaction,
/// and moves the watermark past them. After each row `yield_now` is asked whether a delivery
/// is waiting; if so the step commits what it did and returns. Returns whether rows still wait.
/// Safe against other writers of the file (another Wharf process): the immediate transaction
/// takes the write lock before it reads the watermark.
pub(super) fn index_step(
    conn: &mut Connection,
    yield_now: &mut dyn FnMut() -> bool,
) -> Result<bool> {
    let tx = rusqlite::Transaction::new(conn, rusqlite::TransactionBehavior::Immediate)?;
    let from = watermark(&tx)?;
    let mut upto = from;
    let mut more = false;
    let mut chars = Chars::new();
    {
        let mut stmt = tx.prepare_cached(&select_stored("id > ?1 ORDER BY id LIMIT ?2"))?;
        let mut rows = stmt.query(params![from, INDEX_STEP + 1])?;
        let mut done = 0;
        while let Some(r) = rows.next()? {
            if done == INDEX_STEP || (done > 0 && yield_now()) {
                more = true;
                break;
            }
            upto = index_stored(&tx, r, &mut chars)?;
            done += 1;
        }
    }
    if upto > from {
        tx.prepare_cached("UPDATE text_indexed SET upto = ?1")?
            .execute([upto])?;
    }
    record_chars(&tx, &chars)?;
    tx.commit()?;
    Ok(more)
}

/// Whether every stored delivery is in the index.
pub(super) fn caught_up(conn: &Connection) -> Result<bool> {
    let newest: Option<i64> = conn.query_row("SELECT max(id) FROM deliveries", [], |r| r.get(0))?;
    Ok(newest.unwrap_or(0) <= watermark(conn)?)
}

/// Trigrams of a text looked up at most; each costs a walk along its list of rows.
const MAX_TRIGRAMS: usize = 8;

/// An FTS5 query for the rows holding trigrams that cover `text` (each quoted, so every
/// character is literal). Without positions in the index this is what it can answer; the rows
/// it finds are checked for the text itself. Trigrams side by side (and the last three
/// characters) cover every character with a third of the lookups of every overlapping one:
/// each list walked slows the search, and the rows found are checked anyway.
pub(super) fn trigrams(text: &str) -> String {
    // Case is folded by the tokenizer, for the index and the query alike.
    let chars: Vec<char> = text.chars().collect();
    let mut starts: Vec<usize> = (0..chars.len().saturating_sub(2)).step_by(3).collect();
    if let Some(last) = chars.len().checked_sub(3) {
        if starts.last() != Some(&last) {
            starts.push(last);
        }
    }
    let mut terms: Vec<String> = Vec::new();
    for start in starts {
        let term: String = chars[start..start + 3].iter().collect();
        let quoted = quote(&term);
        if !terms.contains(&quoted) {
            terms.push(quoted);
        }
    }
    // Evenly spread over the text when it has more, keeping its start and end.
    if terms.len() > MAX_TRIGRAMS {
        let last = terms.len() - 1;
        terms = (0..MAX_TRIGRAMS)
            .map(|i| terms[i * last / (MAX_TRIGRAMS - 1)].clone())
            .collect();
    }
    terms.join(" AND ")
}

/// Whether `text` is long enough to be looked up in the index.
pub(super) fn indexable(text: &str) -> bool {
    text.chars().count() >= MIN_INDEXED_CHARS
}

/// A term of an FTS5 query, quoted so that every character is literal.
fn quote(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// An FTS5 query for the rows holding a text shorter than a trigram, `None` for any other
/// text; the rows it finds are checked for the text itself, as for [`trigrams`]. One
/// character: its term between [`CHAR_MARK`]s. Two: the trigrams they begin, side by side with
/// OR: the two followed by each character the index holds ([`third_chars`]), or, in an index
/// of more characters than that looks up, the trigrams FTS5's vocabulary lists for them
/// ([`listed_terms`]), or else the rows holding both characters. A text holding a line break
/// or a mark has no such terms (it is read row by row).
pub(super) fn short_terms(conn: &mut Connection, text: &str) -> Result<Option<String>> {
    if text.contains(['\n', CHAR_MARK]) {
        return Ok(None);
    }
    let [a, b] = match text.chars().collect::<Vec<_>>()[..] {
        [c] => return Ok(Some(char_term(c))),
        [a, b] => [a, b],
        _ => return Ok(None),
    };
    if let Some(chars) = third_chars(conn)? {
        // A text's last two characters are followed by the line break before its marks; a
        // mark is no character of `text_chars` but a body may hold it.
        let terms = chars.into_iter().chain(['\n', CHAR_MARK]);
        return Ok(Some(
            terms
                .map(|c| quote(&format!("{text}{c}")))
                .collect::<Vec<_>>()
                .join(" OR "),
        ));
    }
    if let Some(terms) = listed_terms(conn, text)? {
        return Ok(Some(terms));
    }
    Ok(Some(format!("{} AND {}", char_term(a), char_term(b))))
}

/// Every character of the indexed texts, `None` when there are more than
/// [`MAX_THIRD_CHARS`].
fn third_chars(conn: &Connection) -> Result<Option<Vec<char>>> {
    let chars = conn
        .prepare_cached("SELECT c FROM text_chars LIMIT ?1")?
        .query_map([MAX_THIRD_CHARS as i64 + 1], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((chars.len() <= MAX_THIRD_CHARS)
        .then(|| chars.iter().filter_map(|c| c.chars().next()).collect()))
}

/// The trigrams in the index that begin with `text` (two characters) as an FTS5 query, empty
/// when no indexed row holds them; `None` when they are more than [`MAX_SHORT_TERMS`] or
/// listing them takes longer than [`SHORT_TERMS_BUDGET`].
fn listed_terms(conn: &mut Connection, text: &str) -> Result<Option<String>> {
    let folded = folded(conn, text)?;
    let started = Instant::now();
    let over_budget = move || started.elapsed() > SHORT_TERMS_BUDGET;
    // The vocabulary counts a term's whole list within one step: checked every few steps.
    let listed = super::interruptible(conn, 64, &over_budget, |conn| {
        conn.prepare_cached(
            "SELECT term FROM deliveries_text_terms \
             WHERE term >= ?1 AND term <= ?1 || char(1114111) LIMIT ?2",
        )?
        .query_map(params![folded, MAX_SHORT_TERMS as i64 + 1], |r| {
            r.get::<_, String>(0)
        })?
        .collect::<rusqlite::Result<Vec<_>>>()
    });
    let terms = match listed {
        Err(super::StoreError::Superseded) => return Ok(None),
        terms => terms?,
    };
    if terms.len() > MAX_SHORT_TERMS {
        return Ok(None);
    }
    Ok(Some(
        terms
            .iter()
            .map(|t| quote(t))
            .collect::<Vec<_>>()
            .join(" OR "),
    ))
}

/// `text` (shorter than a trigram) with its letters folded as the trigram tokenizer folds what
/// it indexes, so that the index's terms for it begin with this. The tokenizer's folding is
/// SQLite's own table, which is not Rust's for every letter outside ASCII, so it is asked: the
/// text is indexed alone in a table of this connection's temporary schema, and the one trigram
/// it makes is read back.
fn folded(conn: &Connection, text: &str) -> Result<String> {
    conn.execute_batch(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.folding USING fts5(text, tokenize = 'trigram', detail = none);
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.folding_terms USING fts5vocab(temp, folding, row);
         DELETE FROM temp.folding;",
    )?;
    // One trigram exactly: the text, then line breaks up to three characters.
    let count = text.chars().count();
    let padded = format!(
        "{text}{}",
        "\n".repeat(MIN_INDEXED_CHARS.saturating_sub(count))
    );
    conn.prepare_cached("INSERT INTO temp.folding (text) VALUES (?1)")?
        .execute([padded])?;
    let term: String = conn
        .prepare_cached("SELECT term FROM temp.folding_terms")?
        .query_row([], |r| r.get(0))?;
    Ok(term.chars().take(count).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_indexed_up_to_its_prefix_and_only_as_text() {
        assert_eq!(body_text(b"{\"a\":1}"), "{\"a\":1}");
        assert_eq!(body_text(b"\xff\xd8\xff\xe0\x00\x10JFIF"), "");
        assert_eq!(body_text(b"\x1f\x8b\x08\x00gzip"), "");
        assert_eq!(
            body_text(b"caf\xe9 na\xefve\r\n"),
            "caf\u{fffd} na\u{fffd}ve\r\n"
        );
        let long = "é".repeat(BODY_PREFIX); // two bytes each: the cut falls inside one
        let text = body_text(long.as_bytes());
        assert!(text.len() <= BODY_PREFIX && text.len() > BODY_PREFIX - 2);
        assert!(text.chars().all(|c| c == 'é'));
        // Binary after a text start: the prefix is not text.
        assert_eq!(body_text(b"abc\xff\xfe\x00def"), "");
        assert_eq!(body_text(b"abc\x00def"), "abc\x00def", "NUL is valid UTF-8");
    }

    #[test]
    fn header_values_that_are_not_text_are_left_out() {
        let headers = vec![
            ("x-a".to_owned(), b"one".to_vec()),
            ("x-raw".to_owned(), b"\xff".to_vec()),
        ];
        assert_eq!(header_text(&headers), "x-a: one\n");
    }

    /// An empty index in memory.
    fn empty_index() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&conn).unwrap();
        conn
    }

    /// Indexes a delivery to `/p` with `body`, as an indexing step does.
    fn add(conn: &Connection, id: i64, body: &[u8]) {
        let row = Indexed {
            id,
            summary: None,
            path: "/p",
            query: None,
            repository: None,
            event: None,
            headers: &[],
            body,
        };
        let mut chars = Chars::new();
        index(conn, &row, &mut chars).unwrap();
        record_chars(conn, &chars).unwrap();
    }

    /// The rows the index gives for a short text's query.
    fn found(conn: &mut Connection, text: &str) -> Vec<i64> {
        let query = short_terms(conn, text).unwrap().unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT rowid FROM deliveries_text WHERE deliveries_text MATCH ?1 ORDER BY rowid",
            )
            .unwrap();
        stmt.query_map([query], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[test]
    fn a_short_text_is_looked_up_by_its_characters_or_the_trigrams_that_begin_it() {
        let mut conn = empty_index();
        let short = |conn: &mut Connection, text: &str| short_terms(conn, text).unwrap();
        add(&conn, 1, b"Qz\"");
        let chars: Vec<String> = conn
            .prepare("SELECT c FROM text_chars ORDER BY c")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(chars, ["\"", "/", "p", "q", "z"], "ASCII letters folded");
        // Two characters: followed by each character of the index, or by the line break
        // that ends a text.
        assert_eq!(
            short(&mut conn, "qz").as_deref(),
            Some(
                "\"qz\"\"\" OR \"qz/\" OR \"qzp\" OR \"qzq\" OR \"qzz\" OR \"qz\n\" OR \"qz\u{1}\""
            )
        );
        assert_eq!(found(&mut conn, "qz"), vec![1]);
        assert_eq!(found(&mut conn, "QZ"), vec![1], "case is folded");
        assert_eq!(found(&mut conn, "z\""), vec![1], "the last two characters");
        assert_eq!(found(&mut conn, "kz"), Vec::<i64>::new());
        assert_eq!(
            short(&mut conn, "qzx"),
            None,
            "long enough for its own trigrams"
        );
        // One character: its mark, one term.
        assert_eq!(short(&mut conn, "k").as_deref(), Some("\"\u{1}k\u{1}\""));
        assert_eq!(
            short(&mut conn, "\"").as_deref(),
            Some("\"\u{1}\"\"\u{1}\"")
        );
        assert_eq!(found(&mut conn, "\""), vec![1]);
        assert_eq!(found(&mut conn, "Q"), vec![1], "case is folded");
        assert_eq!(found(&mut conn, "k"), Vec::<i64>::new());
        // Letters outside ASCII are folded as the tokenizer folds them, which for a letter
        // newer than SQLite's table (Georgian capitals, Unicode 11) is not Rust's folding.
        add(&conn, 3, "Éx Აb".as_bytes());
        assert_eq!("Ა".to_lowercase(), "ა");
        for text in ["é", "É", "Ა", "Éx", "éx", "Აb", "x "] {
            assert_eq!(found(&mut conn, text), vec![3], "{text}");
        }
        // `ka` and 300 different characters after it.
        let cjk = |from: u32, n: usize| -> Vec<char> {
            (from..).filter_map(char::from_u32).take(n).collect()
        };
        let many: String = cjk(0x4e00, 300).iter().map(|c| format!("ka{c} ")).collect();
        add(&conn, 2, many.as_bytes());
        assert_eq!(found(&mut conn, "ka"), vec![2]);
        assert_eq!(found(&mut conn, "k"), vec![2]);
        // As many characters as a text of two is looked up with: an OR of 2,050 trigrams.
        let known = conn
            .query_row("SELECT count(*) FROM text_chars", [], |r| {
                r.get::<_, u32>(0)
            })
            .unwrap() as usize;
        let up_to_the_most: String = cjk(0x5000, MAX_THIRD_CHARS - known).into_iter().collect();
        add(&conn, 5, up_to_the_most.as_bytes());
        let chars = third_chars(&conn).unwrap().map(|c| c.len());
        assert_eq!(chars, Some(MAX_THIRD_CHARS));
        assert_eq!(found(&mut conn, "ka"), vec![2]);
        // More characters in the index than a text of two is looked up with: the trigrams
        // that begin it are listed, unless they are too many; then the rows holding both
        // characters are looked up.
        let script: String = cjk(0x5000, MAX_THIRD_CHARS).into_iter().collect();
        add(&conn, 4, script.as_bytes());
        assert_eq!(third_chars(&conn).unwrap(), None);
        assert_eq!(short(&mut conn, "qz").as_deref(), Some("\"qz\"\"\""));
        assert_eq!(found(&mut conn, "Qz"), vec![1]);
        assert_eq!(short(&mut conn, "Éx").as_deref(), Some("\"éx \""));
        assert_eq!(short(&mut conn, "Აb").as_deref(), Some("\"Აb\n\""));
        assert_eq!(found(&mut conn, "Აb"), vec![3]);
        assert_eq!(short(&mut conn, "kz").as_deref(), Some(""));
        assert_eq!(
            short(&mut conn, "ka").as_deref(),
            Some("\"\u{1}k\u{1}\" AND \"\u{1}a\u{1}\"")
        );
        assert_eq!(found(&mut conn, "ka"), vec![2]);
    }

    #[test]
    fn a_body_holding_nul_leaves_texts_of_two_characters_searchable() {
        let mut conn = empty_index();
        add(&conn, 1, b"qz\0x");
        // FTS5 reads a query only up to a NUL; the tokenizer skips it in what it indexes.
        let query = short_terms(&mut conn, "qz").unwrap().unwrap();
        assert!(!query.contains('\0'), "{query:?}");
        assert_eq!(found(&mut conn, "qz"), vec![1]);
    }

    #[test]
    fn a_text_is_looked_up_by_its_trigrams_with_quotes_literal() {
        assert_eq!(trigrams("abcd"), r#""abc" AND "bcd""#);
        assert_eq!(trigrams("abcdef"), r#""abc" AND "def""#);
        assert_eq!(trigrams("abcdefg"), r#""abc" AND "def" AND "efg""#);
        assert_eq!(trigrams(r#"A"b"#), r#""A""b""#);
        assert_eq!(trigrams("aaaaaaa"), r#""aaa""#);
        let long = trigrams("abcdefghijklmnopqrstuvwxyz0123456789");
        assert_eq!(long.matches(" AND ").count(), MAX_TRIGRAMS - 1);
        assert!(long.starts_with(r#""abc""#), "{long}");
        assert!(long.ends_with(r#""789""#), "{long}");
        assert!(indexable("abc") && !indexable("ab") && indexable("éé€"));
    }
}
