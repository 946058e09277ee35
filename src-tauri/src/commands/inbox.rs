//! The inbox: receiver status, stored deliveries and the live feed.

use inbox::export;
use inbox::recognize::Source;
use inbox::replay::{replay, ReplayOutcome};
use inbox::store::{DeliverySummary, HookRoute, NewHookRoute, Query};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::error::{CommandError, CommandResult};
use crate::inbox_state::{InboxState, ReceiverStatus};
use crate::state::AppPaths;

/// Filters the inbox list accepts from the UI.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", default)]
pub struct InboxQuery {
    /// Case-insensitive text in summary, path, repository, event or body.
    pub text: Option<String>,
    /// Event wire name, e.g. `repo_push` or `TAG_PUSH`.
    pub event: Option<String>,
    /// `namespace/name`.
    pub repository: Option<String>,
    /// Route token.
    pub route: Option<String>,
    /// At most this many rows.
    #[ts(type = "number | null")]
    pub limit: Option<usize>,
    /// Rows older than this id (paging).
    #[ts(type = "number | null")]
    pub before: Option<i64>,
}

#[tauri::command]
pub fn inbox_status(inbox: State<'_, InboxState>) -> ReceiverStatus {
    inbox.status()
}

#[tauri::command(async)]
pub fn inbox_list(
    inbox: State<'_, InboxState>,
    query: InboxQuery,
) -> CommandResult<Vec<DeliverySummary>> {
    inbox
        .open_store()?
        .list(&Query {
            text: query.text,
            event: query.event,
            repository: query.repository,
            route: query.route,
            limit: query.limit,
            before: query.before,
            ..Query::default()
        })
        .map_err(store_error)
}

fn store_error(e: inbox::store::StoreError) -> CommandError {
    CommandError::new("store", e.to_string())
}

/// One delivery with everything captured, as the detail panel shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryDetail {
    /// The list row.
    pub summary: DeliverySummary,
    /// Raw query string.
    pub query: Option<String>,
    /// `[name, value]` in arrival order, repeated ones kept; values as text (invalid UTF-8
    /// replaced).
    pub headers: Vec<(String, String)>,
    /// Peer address.
    pub remote_addr: Option<String>,
    /// The body as text, when it is UTF-8.
    pub body_text: Option<String>,
    /// The body in base64, when it is not UTF-8.
    pub body_base64: Option<String>,
    /// `curl` command resending it to this receiver, credentials redacted.
    pub curl: String,
}

#[tauri::command(async)]
pub fn inbox_get(inbox: State<'_, InboxState>, id: i64) -> CommandResult<DeliveryDetail> {
    let delivery = inbox
        .open_store()?
        .get(id)
        .map_err(store_error)?
        .ok_or_else(|| CommandError::new("not_found", "That delivery was pruned or cleared."))?;
    let base = inbox.public_base_url().unwrap_or_default();
    let (body_text, body_base64) = match String::from_utf8(delivery.body.clone()) {
        Ok(text) => (Some(text), None),
        Err(_) => (None, Some(export::base64(&delivery.body))),
    };
    Ok(DeliveryDetail {
        curl: export::to_curl(&delivery, &base),
        headers: delivery
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
            .collect(),
        summary: delivery.summary,
        query: delivery.query,
        remote_addr: delivery.remote_addr,
        body_text,
        body_base64,
    })
}

/// Export formats.
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// JSON lines, one delivery per line.
    Jsonl,
    /// HAR 1.2.
    Har,
}

/// Writes the deliveries matching `query` (oldest first) to a file in the user's Downloads
/// folder and returns its path. Credentials in headers and queries are redacted.
#[tauri::command(async)]
pub fn inbox_export(
    inbox: State<'_, InboxState>,
    paths: State<'_, AppPaths>,
    query: InboxQuery,
    format: ExportFormat,
) -> CommandResult<String> {
    let store = inbox.open_store()?;
    let mut filter = Query {
        text: query.text,
        event: query.event,
        repository: query.repository,
        route: query.route,
        limit: Some(inbox::store::MAX_LIST),
        ..Query::default()
    };
    let mut deliveries = Vec::new();
    loop {
        let page = store.list(&filter).map_err(store_error)?;
        for row in &page {
            if let Some(d) = store.get(row.id).map_err(store_error)? {
                deliveries.push(d);
            }
        }
        match page.last() {
            Some(last) if page.len() == inbox::store::MAX_LIST => filter.before = Some(last.id),
            _ => break,
        }
    }
    deliveries.reverse();
    let base = inbox.public_base_url().unwrap_or_default();
    let (content, extension) = match format {
        ExportFormat::Jsonl => (export::to_json_lines(&deliveries, &base), "jsonl"),
        ExportFormat::Har => (export::to_har(&deliveries, &base).to_string(), "har"),
    };
    let dir = dirs::download_dir().unwrap_or_else(|| paths.data_dir.clone());
    std::fs::create_dir_all(&dir).map_err(|e| CommandError::new("io", e.to_string()))?;
    let file = dir.join(format!(
        "wharf-inbox-{}.{extension}",
        inbox::store::now_ms()
    ));
    std::fs::write(&file, content)
        .map_err(|e| CommandError::new("io", format!("Could not write {}: {e}", file.display())))?;
    Ok(file.display().to_string())
}

/// Sends a stored delivery again to `url`.
#[tauri::command]
pub async fn inbox_replay(
    inbox: State<'_, InboxState>,
    id: i64,
    url: String,
) -> CommandResult<ReplayOutcome> {
    let delivery = inbox
        .open_store()?
        .get(id)
        .map_err(store_error)?
        .ok_or_else(|| CommandError::new("not_found", "That delivery was pruned or cleared."))?;
    replay(&delivery, &url)
        .await
        .map_err(|e| CommandError::new("replay", e.to_string()))
}

/// Deletes every stored delivery; routes stay. Returns how many were removed.
#[tauri::command(async)]
pub fn inbox_clear(inbox: State<'_, InboxState>) -> CommandResult<u64> {
    inbox.open_store()?.clear().map_err(store_error)
}

/// Starts (or replaces) the webview's live feed of new deliveries.
#[tauri::command]
pub fn inbox_subscribe(inbox: State<'_, InboxState>, on_delivery: Channel<DeliverySummary>) {
    *inbox.subscriber.lock().expect("subscriber lock") = Some(on_delivery);
}

/// A new receiver route and the URL to give the registry.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct MintedRoute {
    /// The stored route.
    pub route: HookRoute,
    /// `<public base>/hooks/<token>`.
    pub url: String,
    /// Why the registry may refuse or fail to reach `url`.
    pub warning: Option<String>,
}

/// Mints a route tied to a notification or webhook being created ("Send to Wharf").
#[tauri::command(async)]
pub fn inbox_route_create(
    inbox: State<'_, InboxState>,
    route: NewHookRoute,
) -> CommandResult<MintedRoute> {
    let base = inbox.public_base_url().ok_or_else(|| {
        CommandError::new(
            "unavailable",
            format!(
                "The receiver is not running: {}",
                inbox.unavailable_reason()
            ),
        )
    })?;
    let store = inbox.open_store()?;
    let warning = route_warning(route.source, &base);
    let route = store
        .create_route(&route)
        .map_err(|e| CommandError::new("store", e.to_string()))?;
    Ok(MintedRoute {
        url: format!("{}/hooks/{}", base.trim_end_matches('/'), route.token),
        route,
        warning,
    })
}

/// Quay refuses webhook URLs on `localhost` and `127.0.0.1`; a loopback address is also out of
/// reach for any registry on another machine.
fn route_warning(source: Option<Source>, base: &str) -> Option<String> {
    let host = base
        .split_once("://")
        .map_or(base, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    if source == Some(Source::Quay) && (host == "localhost" || host == "127.0.0.1") {
        return Some(format!(
            "Quay refuses webhook URLs on {host}. Bind the receiver to an address Quay can reach, or set a public base URL, in Settings."
        ));
    }
    (host == "localhost" || host.starts_with("127.")).then(|| {
        format!("{host} is only reachable from this machine; a registry elsewhere cannot deliver to it.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quay_routes_on_localhost_or_127_0_0_1_are_flagged() {
        for base in ["http://127.0.0.1:47820", "http://LOCALHOST:1"] {
            let w = route_warning(Some(Source::Quay), base).unwrap();
            assert!(w.contains("Quay refuses"), "{w}");
        }
        let other = route_warning(Some(Source::Quay), "http://127.0.0.2:47820").unwrap();
        assert!(
            other.contains("only reachable from this machine"),
            "{other}"
        );
        assert_eq!(
            route_warning(Some(Source::Quay), "https://hooks.example.com/wharf"),
            None
        );
        assert_eq!(
            route_warning(Some(Source::Dtr), "http://192.0.2.10:47820"),
            None
        );
    }
}
