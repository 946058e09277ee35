//! The inbox: receiver status, stored deliveries and the live feed.

use inbox::store::{DeliverySummary, Query};
use serde::Deserialize;
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
