//! The inbox: receiver status, stored deliveries and the live feed.

use inbox::recognize::Source;
use inbox::store::{DeliverySummary, HookRoute, NewHookRoute, Query};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::error::{CommandError, CommandResult};
use crate::inbox_state::{InboxState, ReceiverStatus};

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
    let store = inbox
        .store
        .as_ref()
        .ok_or_else(|| CommandError::new("unavailable", inbox.unavailable_reason()))?;
    store
        .list(&Query {
            text: query.text,
            event: query.event,
            repository: query.repository,
            route: query.route,
            limit: query.limit,
            before: query.before,
            ..Query::default()
        })
        .map_err(|e| CommandError::new("store", e.to_string()))
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
    let store = inbox
        .store
        .as_ref()
        .ok_or_else(|| CommandError::new("unavailable", inbox.unavailable_reason()))?;
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
