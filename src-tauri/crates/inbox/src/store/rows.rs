//! Between SQL and the store's types: the list query, and rows read back into values.

use rusqlite::types::Value;
use rusqlite::Row;

use super::{DeliverySummary, HookRoute, NewHookRoute, Query, RouteResponse, MAX_LIST};
use crate::forward::{ForwardPhase, ForwardState};
use crate::recognize::{Alert, Source};

/// The SQL and arguments of a [`Query`], limited to ids from `lowest` on when given.
pub(super) fn list_sql(q: &Query, lowest: Option<i64>) -> (String, Vec<Value>) {
    let (mut sql, args) = matching(
        format!("SELECT {SUMMARY_COLS} FROM {SUMMARY_FROM} WHERE 1=1"),
        q,
        lowest,
    );
    let limit = q.limit.unwrap_or(100).min(MAX_LIST);
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
    (sql, args)
}

/// The SQL and arguments counting every delivery that matches `q`'s filters (its page ignored).
pub(super) fn count_sql(q: &Query) -> (String, Vec<Value>) {
    let filters = Query {
        before: None,
        ..q.clone()
    };
    matching(
        "SELECT COUNT(*) FROM deliveries WHERE 1=1".to_owned(),
        &filters,
        None,
    )
}

/// The SQL and arguments selecting `(id, route_token)`, oldest first, of the first `limit`
/// deliveries with an id after `after` and up to `upto` that match `q`'s filters (its page ignored), came through one
/// of `tokens`, are [`forwardable`](crate::forward::forwardable) and are not in a forward queue
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
        "SELECT id, route_token FROM deliveries WHERE 1=1".to_owned(),
        &filters,
        None,
    );
    let mut placeholders = Vec::with_capacity(tokens.len());
    for token in tokens {
        args.push(Value::Text(token.clone()));
        placeholders.push(format!("?{}", args.len()));
    }
    args.push(Value::Integer(after));
    args.push(Value::Integer(upto));
    sql.push_str(&format!(
        " AND route_token IN ({}) AND id > ?{} AND id <= ?{} AND {} \
         AND NOT EXISTS (SELECT 1 FROM forward_queue q WHERE q.delivery_id = deliveries.id) \
         ORDER BY id LIMIT {limit}",
        placeholders.join(", "),
        args.len() - 1,
        args.len(),
        crate::forward::forwardable_sql(),
    ));
    (sql, args)
}

/// `select` (ending in a WHERE clause) with `q`'s conditions added.
fn matching(select: String, q: &Query, lowest: Option<i64>) -> (String, Vec<Value>) {
    let mut sql = select;
    let mut args: Vec<Value> = Vec::new();
    if let Some(text) = q.text.as_deref().filter(|t| !t.is_empty()) {
        let pattern = contains_pattern(text);
        sql.push_str(
            " AND (summary LIKE ?1 ESCAPE '\\' OR path LIKE ?1 ESCAPE '\\' \
             OR query LIKE ?1 ESCAPE '\\' OR repository LIKE ?1 ESCAPE '\\' \
             OR event LIKE ?1 ESCAPE '\\' OR CAST(body AS TEXT) LIKE ?1 ESCAPE '\\')",
        );
        args.push(Value::Text(pattern));
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
            "coalesce(source, 'unknown') = {}",
            Value::Text(source_name(Source::Unknown).into()),
        ),
        Some(source) => exact("source = {}", Value::Text(source_name(source).into())),
        None => {}
    }
    if let Some(event) = &q.event {
        exact("event = {} COLLATE NOCASE", Value::Text(event.clone()));
    }
    if let Some(repo) = q.repository.as_deref().filter(|r| !r.is_empty()) {
        // A part of the name: "payments" finds payments/api and payments/web.
        exact(
            "repository LIKE {} ESCAPE '\\'",
            Value::Text(contains_pattern(repo)),
        );
    }
    if let Some(route) = &q.route {
        exact("route_token = {}", Value::Text(route.clone()));
    }
    if let Some(status) = q.status {
        exact("status = {}", Value::Integer(status.into()));
    }
    if let Some(before) = q.before {
        exact("id < {}", Value::Integer(before));
    }
    if let Some(lowest) = lowest {
        exact("id >= {}", Value::Integer(lowest));
    }
    (sql, args)
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

/// What [`SUMMARY_COLS`] are read from: each delivery with its forwarding state, joined by
/// primary key (no state row: never queued).
pub(super) const SUMMARY_FROM: &str =
    "deliveries LEFT JOIN delivery_forward ON delivery_forward.delivery_id = deliveries.id";

pub(super) const SUMMARY_COLS: &str =
    "id, received_at, method, path, size, route_token, status, source, \
                            event, repository, summary, alert, forward_phase, forward_attempts, \
                            forward_status, forward_next_at";

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
