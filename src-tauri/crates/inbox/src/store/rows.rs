//! Between SQL and the store's types: the list query, and rows read back into values.

use rusqlite::types::Value;
use rusqlite::Row;

use super::{text_index, DeliverySummary, HookRoute, NewHookRoute, Query, RouteResponse, MAX_LIST};
use crate::forward::{ForwardPhase, ForwardState};
use crate::recognize::{Alert, Source};

/// How text filters are answered: from the full-text index ([`text_index`]) by the trigrams
/// of the text (and of a repository part), from the index by the trigrams that begin a text
/// shorter than one (the query of [`text_index::short_terms`]), or by reading the rows the
/// other filters leave (rows not indexed yet, or few rows left by the other filters: see
/// [`narrow_sql`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TextPlan<'a> {
    Index,
    Short(&'a str),
    Rows,
}

/// At most this many rows under a query's status and route filters count as few: reading them
/// all is quicker than walking the index's matches for a common text until a page of them
/// passes those filters (0.5 s at a million deliveries, docs/benchmarks.md).
pub(super) const NARROW: i64 = 5_000;

/// SQL counting the rows under `q`'s status and route filters (both B-tree indexed), up to
/// [`NARROW`] + 1; `None` when it has neither.
pub(super) fn narrow_sql(q: &Query) -> Option<(String, Vec<Value>)> {
    if q.status.is_none() && q.route.is_none() {
        return None;
    }
    let exact = Query {
        status: q.status,
        route: q.route.clone(),
        before: q.before,
        ..Query::default()
    };
    let (sql, args) = matching("SELECT 1", "", &exact, None, TextPlan::Rows);
    Some((
        format!("SELECT count(*) FROM ({sql} LIMIT {})", NARROW + 1),
        args,
    ))
}

/// The SQL and arguments of a [`Query`], limited to ids from `lowest` on when given.
pub(super) fn list_sql(
    q: &Query,
    lowest: Option<i64>,
    index: TextPlan<'_>,
) -> (String, Vec<Value>) {
    let (mut sql, args) = matching(
        &format!("SELECT {SUMMARY_COLS}"),
        FORWARD_JOIN,
        q,
        lowest,
        index,
    );
    let limit = q.limit.unwrap_or(100).min(MAX_LIST);
    let key = row_key(q, index);
    sql.push_str(&format!(" ORDER BY {key} DESC LIMIT {limit}"));
    (sql, args)
}

/// The SQL and arguments counting every delivery that matches `q`'s filters (its page
/// ignored) with an id from `lowest` on and below `below`, when given.
pub(super) fn count_sql(
    q: &Query,
    index: TextPlan<'_>,
    lowest: Option<i64>,
    below: Option<i64>,
) -> (String, Vec<Value>) {
    let filters = Query {
        before: below,
        ..q.clone()
    };
    matching("SELECT COUNT(*)", "", &filters, lowest, index)
}

/// The SQL and arguments selecting `(id, route_token)`, oldest first, of the first `limit`
/// deliveries with an id after `after` and up to `upto` that match `q`'s filters (its page
/// ignored), came through one of `tokens`, are [`forwardable`](crate::forward::forwardable) and are not in a forward queue
/// already.
pub(super) fn forward_again_sql(
    q: &Query,
    tokens: &[String],
    after: i64,
    upto: i64,
    limit: usize,
) -> (String, Vec<Value>) {
    let filters = Query {
        before: None,
        ..q.clone()
    };
    let (mut sql, mut args) = matching(
        "SELECT d.id, d.route_token",
        "",
        &filters,
        None,
        TextPlan::Rows,
    );
    let mut placeholders = Vec::with_capacity(tokens.len());
    for token in tokens {
        args.push(Value::Text(token.clone()));
        placeholders.push(format!("?{}", args.len()));
    }
    args.push(Value::Integer(after));
    args.push(Value::Integer(upto));
    sql.push_str(&format!(
        " AND d.route_token IN ({}) AND d.id > ?{} AND d.id <= ?{} AND {} \
         AND NOT EXISTS (SELECT 1 FROM forward_queue q WHERE q.delivery_id = d.id) \
         ORDER BY d.id LIMIT {limit}",
        placeholders.join(", "),
        args.len() - 1,
        args.len(),
        crate::forward::forwardable_sql("d"),
    ));
    (sql, args)
}

/// The id that orders and pages the rows: the index's own when it is the outer loop, so that
/// it hands out matches in that order and skips to a page by itself.
fn row_key(q: &Query, index: TextPlan<'_>) -> &'static str {
    if index_terms(q, index).is_empty() {
        "d.id"
    } else {
        "t.rowid"
    }
}

/// Whether the full-text index narrows `q` down (its text or repository filter is long enough).
pub(super) fn uses_index(q: &Query) -> bool {
    !index_terms(q, TextPlan::Index).is_empty()
}

/// The FTS5 queries by which `plan` narrows `q` down, all of which a row must match: with
/// [`TextPlan::Index`], the text's and a repository part's trigrams, each when long enough;
/// with [`TextPlan::Short`], its query (none when empty). The rows found are checked against
/// the filters as without the index.
fn index_terms(q: &Query, plan: TextPlan<'_>) -> Vec<String> {
    match plan {
        TextPlan::Index => [q.text.as_deref(), q.repository.as_deref()]
            .into_iter()
            .flatten()
            .filter(|t| text_index::indexable(t))
            .map(text_index::trigrams)
            .collect(),
        TextPlan::Short(terms) if !terms.is_empty() => vec![format!("({terms})")],
        TextPlan::Short(_) | TextPlan::Rows => Vec::new(),
    }
}

/// `select` with the FROM and WHERE clauses of `q`'s conditions added. Deliveries are `d`;
/// `join` adds tables to them (e.g. [`FORWARD_JOIN`]).
fn matching(
    select: &str,
    join: &str,
    q: &Query,
    lowest: Option<i64>,
    index: TextPlan<'_>,
) -> (String, Vec<Value>) {
    let mut args: Vec<Value> = Vec::new();
    let terms = index_terms(q, index);
    let mut sql = if terms.is_empty() {
        format!("{select} FROM deliveries d{join} WHERE 1=1")
    } else {
        // CROSS JOIN keeps the index as the outer loop: it hands out matches newest first, so
        // the first page stops after its rows instead of collecting every match to sort.
        args.push(Value::Text(terms.join(" AND ")));
        format!(
            "{select} FROM deliveries_text t CROSS JOIN deliveries d ON d.id = t.rowid{join} \
             WHERE t.deliveries_text MATCH ?1"
        )
    };
    if let Some(text) = q.text.as_deref().filter(|t| !t.is_empty()) {
        // The body as far as the index holds it, so that a row answers the same before and
        // after it is indexed; copied only when longer (a full scan reads a million).
        const BODY_PREFIX: usize = text_index::BODY_PREFIX;
        args.push(Value::Text(contains_pattern(text)));
        let n = args.len();
        sql.push_str(&format!(
            " AND (d.summary LIKE ?{n} ESCAPE '\\' OR d.path LIKE ?{n} ESCAPE '\\' \
             OR d.query LIKE ?{n} ESCAPE '\\' OR d.repository LIKE ?{n} ESCAPE '\\' \
             OR d.event LIKE ?{n} ESCAPE '\\' \
             OR CAST(CASE WHEN octet_length(d.body) <= {BODY_PREFIX} THEN d.body \
                 ELSE substr(d.body, 1, {BODY_PREFIX}) END AS TEXT) LIKE ?{n} ESCAPE '\\' \
             OR {HEADER_TEXT}(d.headers) LIKE ?{n} ESCAPE '\\')"
        ));
    }
    // `cond` holds `{}` where the parameter goes.
    let mut exact = |cond: &str, v: Value| {
        args.push(v);
        sql.push_str(" AND ");
        sql.push_str(&cond.replace("{}", &format!("?{}", args.len())));
    };
    match q.source {
        // A delivery recognition never ran on counts as unknown.
        Some(Source::Unknown) => exact(
            "coalesce(d.source, 'unknown') = {}",
            Value::Text(source_name(Source::Unknown).into()),
        ),
        Some(source) => exact("d.source = {}", Value::Text(source_name(source).into())),
        None => {}
    }
    if let Some(event) = &q.event {
        exact("d.event = {} COLLATE NOCASE", Value::Text(event.clone()));
    }
    if let Some(repo) = q.repository.as_deref().filter(|r| !r.is_empty()) {
        // A part of the name: "payments" finds payments/api and payments/web.
        exact(
            "d.repository LIKE {} ESCAPE '\\'",
            Value::Text(contains_pattern(repo)),
        );
    }
    if let Some(route) = &q.route {
        exact("d.route_token = {}", Value::Text(route.clone()));
    }
    if let Some(status) = q.status {
        exact("d.status = {}", Value::Integer(status.into()));
    }
    let key = row_key(q, index);
    if let Some(before) = q.before {
        exact(&format!("{key} < {{}}"), Value::Integer(before));
    }
    if let Some(lowest) = lowest {
        exact(&format!("{key} >= {{}}"), Value::Integer(lowest));
    }
    (sql, args)
}

/// The SQL function that reads a header blob as the `name: value` lines the index holds; every
/// connection of the store has it ([`register_functions`]).
const HEADER_TEXT: &str = "wharf_header_text";

/// Adds the store's SQL functions to `conn`.
pub(super) fn register_functions(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    use rusqlite::functions::FunctionFlags;
    conn.create_scalar_function(
        HEADER_TEXT,
        1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let blob = ctx.get_raw(0).as_blob_or_null().ok().flatten();
            let headers = blob
                .and_then(|b| crate::header_blob::decode(b).ok())
                .unwrap_or_default();
            Ok(text_index::header_text(&headers))
        },
    )
}

/// A LIKE pattern for "contains `text`", ASCII case ignored, with `%` and `_` typed by the user
/// matching literally (the `ESCAPE '\\'` clause goes with it).
fn contains_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// Each delivery's forwarding state beside it, joined by primary key (no state row: never
/// queued); its columns are `f`.
pub(super) const FORWARD_JOIN: &str = " LEFT JOIN delivery_forward f ON f.delivery_id = d.id";

/// What [`SUMMARY_COLS`] are read from.
pub(super) const SUMMARY_FROM: &str =
    "deliveries d LEFT JOIN delivery_forward f ON f.delivery_id = d.id";

/// The list's columns: deliveries as `d`, their forwarding state as `f`.
pub(super) const SUMMARY_COLS: &str =
    "d.id, d.received_at, d.method, d.path, d.size, d.route_token, d.status, d.source, \
     d.event, d.repository, d.summary, d.alert, f.forward_phase, f.forward_attempts, \
     f.forward_status, f.forward_next_at";

pub(super) fn summary_from_row(r: &Row<'_>) -> rusqlite::Result<DeliverySummary> {
    Ok(DeliverySummary {
        id: r.get(0)?,
        received_at: r.get(1)?,
        method: r.get(2)?,
        path: r.get(3)?,
        size: r.get::<_, i64>(4)? as u64,
        route_token: r.get(5)?,
        status: r.get(6)?,
        source: r.get::<_, Option<String>>(7)?.as_deref().map(parse_source),
        event: r.get(8)?,
        repository: r.get(9)?,
        summary: r.get(10)?,
        alert: r
            .get::<_, Option<String>>(11)?
            .as_deref()
            .and_then(Alert::parse),
        forward: forward_from_row(r, 12)?,
    })
}

/// The four forward columns from `first` on.
pub(super) fn forward_from_row(
    r: &Row<'_>,
    first: usize,
) -> rusqlite::Result<Option<ForwardState>> {
    let Some(phase) = r
        .get::<_, Option<String>>(first)?
        .as_deref()
        .and_then(ForwardPhase::parse)
    else {
        return Ok(None);
    };
    Ok(Some(ForwardState {
        phase,
        attempts: r.get::<_, Option<u32>>(first + 1)?.unwrap_or(0),
        last_status: r.get(first + 2)?,
        next_at: r.get(first + 3)?,
    }))
}

pub(super) const ROUTE_COLS: &str =
    "token, created_at, connection_id, repository, notification_id, source, \
                          event, label, response_status, response_body, response_delay_ms";

pub(super) fn route_from_row(r: &Row<'_>) -> rusqlite::Result<HookRoute> {
    Ok(HookRoute {
        token: r.get(0)?,
        created_at: r.get(1)?,
        route: NewHookRoute {
            connection_id: r.get(2)?,
            repository: r.get(3)?,
            notification_id: r.get(4)?,
            source: r.get::<_, Option<String>>(5)?.as_deref().map(parse_source),
            event: r.get(6)?,
            label: r.get(7)?,
            response: RouteResponse {
                status: r.get(8)?,
                body: r.get(9)?,
                delay_ms: r.get::<_, i64>(10)?.max(0) as u64,
            },
        },
    })
}

pub(super) fn source_name(s: Source) -> &'static str {
    match s {
        Source::Quay => "quay",
        Source::Dtr => "dtr",
        Source::Unknown => "unknown",
    }
}

fn parse_source(s: &str) -> Source {
    match s {
        "quay" => Source::Quay,
        "dtr" => Source::Dtr,
        _ => Source::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forward_again_reads_a_bounded_window_of_ids_even_with_a_text_filter() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        register_functions(&conn).unwrap();
        super::super::schema::migrate(&conn).unwrap();
        let q = Query {
            text: Some("payments".into()),
            ..Query::default()
        };
        let (sql, args) = forward_again_sql(&q, &["t".to_owned()], 10, 5_010, 2_000);
        let mut plan = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps: Vec<String> = plan
            .query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let deliveries = steps
            .iter()
            .find(|s| s.contains("deliveries"))
            .expect("a step on deliveries");
        assert!(
            deliveries.contains("rowid>? AND rowid<?"),
            "the scan of deliveries is not bounded on both sides: {steps:?}"
        );
    }
}
