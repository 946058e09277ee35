//! The inbox: receiver status, stored deliveries, routes and the live feed.

use inbox::export::{DeliveryDetail, ExportFormat};
use inbox::forward::{ForwardAttempt, ForwardInput};
use inbox::replay::ReplayOutcome;
use inbox::route_list::{RouteForward, RouteListing, SampleRequest, SampleSent};
use inbox::route_url::{MintedRoute, RouteCheck};
use inbox::samples::SampleKind;
use inbox::store::{
    DeliveryForward, DeliverySummary, HookRoute, NewHookRoute, Query, RouteResponse,
};
use inbox::{Inbox, ReceiverStatus};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_dialog::DialogExt;
use ts_rs::TS;

use crate::error::{CommandError, CommandResult, ErrorKind};
use crate::events::{LiveFeed, OpenRequest, OpenRequests};

pub async fn inbox_status(app: &AppHandle<impl Runtime>) -> CommandResult<ReceiverStatus> {
    Ok(app.state::<Inbox>().status())
}

/// Deliveries matching `query`, newest first; a search for other filters supersedes one still
/// running.
pub async fn inbox_list(
    app: &AppHandle<impl Runtime>,
    query: Query,
) -> CommandResult<Vec<DeliverySummary>> {
    Ok(app.state::<Inbox>().search(query).await?)
}

pub async fn inbox_get(app: &AppHandle<impl Runtime>, id: i64) -> CommandResult<DeliveryDetail> {
    Ok(app.state::<Inbox>().detail(id).await?)
}

/// How many deliveries match `query`'s filters: what an export of them would write. A newer
/// count or a search for other filters stops it (the UI then shows the label without a number).
pub async fn inbox_count(app: &AppHandle<impl Runtime>, query: Query) -> CommandResult<u64> {
    Ok(app.state::<Inbox>().count(query).await?)
}

/// Managed state: the file the last export wrote, which "Show in folder" reveals (the webview
/// never names a path to open).
#[derive(Default)]
pub struct LastExport(Mutex<Option<PathBuf>>);

/// Asks where to save the deliveries matching `query` (oldest first) with the system's Save
/// dialog, opened in the Downloads folder with a dated name, then writes them there.
/// Credentials in headers and queries are redacted. `None` when the dialog was cancelled.
pub async fn inbox_export<R: Runtime>(
    app: &AppHandle<R>,
    query: Query,
    format: ExportFormat,
) -> CommandResult<Option<SavedExport>> {
    let Some(file) = ask_where_to_save(app, format).await? else {
        return Ok(None);
    };
    let count = app
        .state::<Inbox>()
        .export_file(file.clone(), query, format)
        .await?;
    *lock(&app.state::<LastExport>().0) = Some(file.clone());
    Ok(Some(SavedExport {
        path: file.display().to_string(),
        count,
    }))
}

/// An export written to disk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "camelCase")]
pub struct SavedExport {
    /// The file, as the user chose it.
    pub path: String,
    /// How many deliveries it holds.
    #[ts(type = "number")]
    pub count: u64,
}

/// The file the user picks in the Save dialog, or `None` when they cancel it.
async fn ask_where_to_save<R: Runtime>(
    app: &AppHandle<R>,
    format: ExportFormat,
) -> CommandResult<Option<PathBuf>> {
    let (kind, extension) = match format {
        ExportFormat::Jsonl => ("JSON lines", format.extension()),
        ExportFormat::Har => ("HAR (HTTP archive)", format.extension()),
    };
    let mut dialog = app
        .dialog()
        .file()
        .set_title("Export deliveries")
        .add_filter(kind, &[extension])
        .set_can_create_directories(true);
    if let Some(dir) = crate::export_file::default_dir() {
        let name = crate::export_file::suggested_name(&dir, format);
        dialog = dialog.set_directory(dir).set_file_name(name);
    }
    if let Some(window) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&window);
    }
    let (chosen, answer) = tokio::sync::oneshot::channel();
    dialog.save_file(move |file| {
        let _ = chosen.send(file);
    });
    match answer.await.ok().flatten() {
        None => Ok(None),
        Some(file) => file.into_path().map(Some).map_err(|e| {
            CommandError::storage(format!("The chosen file cannot be written to: {e}"))
        }),
    }
}

/// Shows the last exported file in the desktop's file manager (or opens its folder when no
/// file manager can point at a file).
pub async fn inbox_reveal_export(app: &AppHandle<impl Runtime>) -> CommandResult<()> {
    let file = lock(&app.state::<LastExport>().0)
        .clone()
        .ok_or_else(|| CommandError::new(ErrorKind::NotFound, "Nothing was exported yet."))?;
    tokio::task::spawn_blocking(move || reveal(&file))
        .await
        .map_err(|e| CommandError::new(ErrorKind::Internal, e.to_string()))?
}

fn reveal(file: &Path) -> CommandResult<()> {
    let revealed = tauri_plugin_opener::reveal_item_in_dir(file);
    let Err(reveal_error) = revealed else {
        return Ok(());
    };
    let folder = file.parent().unwrap_or(file);
    tauri_plugin_opener::open_path(folder, None::<&str>).map_err(|open_error| {
        tracing::warn!(%reveal_error, %open_error, "cannot show an export");
        CommandError::new(
            ErrorKind::Unavailable,
            format!(
                "No file manager could show {}: {open_error}",
                folder.display()
            ),
        )
    })
}

/// Every route of the inbox, oldest first (the Inbox filters by them).
pub async fn inbox_routes(app: &AppHandle<impl Runtime>) -> CommandResult<Vec<HookRoute>> {
    Ok(app.state::<Inbox>().routes()?)
}

/// Starts (or replaces) the webview's feed of clicked toasts: each asks to open a delivery (or
/// the Inbox).
pub async fn inbox_open_requests(
    app: &AppHandle<impl Runtime>,
    on_open: Channel<OpenRequest>,
) -> CommandResult<()> {
    app.state::<OpenRequests>().subscribe(on_open);
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sends a stored delivery again to `url`.
pub async fn inbox_replay(
    app: &AppHandle<impl Runtime>,
    id: i64,
    url: String,
    keep_credentials: bool,
) -> CommandResult<ReplayOutcome> {
    Ok(app
        .state::<Inbox>()
        .replay(id, url, keep_credentials)
        .await?)
}

/// Where the forwarding of each of `ids` stands (rows of the list still queued or retrying).
pub async fn inbox_forward_states(
    app: &AppHandle<impl Runtime>,
    ids: Vec<i64>,
) -> CommandResult<Vec<DeliveryForward>> {
    Ok(app.state::<Inbox>().forward_states(ids).await?)
}

/// Every attempt to forward delivery `id`, oldest first.
pub async fn inbox_forward_attempts(
    app: &AppHandle<impl Runtime>,
    id: i64,
) -> CommandResult<Vec<ForwardAttempt>> {
    Ok(app.state::<Inbox>().forward_attempts(id).await?)
}

/// Queues delivery `id` to be forwarded again; its new attempts follow its earlier ones. False
/// when it was in its queue already (it is sent once, when its turn comes).
pub async fn inbox_forward_again(app: &AppHandle<impl Runtime>, id: i64) -> CommandResult<bool> {
    Ok(app.state::<Inbox>().forward_again(id).await?)
}

/// Queues again every delivery matching `query`'s filters whose route forwards (the Inbox's
/// current selection); how many.
pub async fn inbox_forward_again_matching(
    app: &AppHandle<impl Runtime>,
    query: Query,
) -> CommandResult<u64> {
    Ok(app.state::<Inbox>().forward_again_matching(query).await?)
}

/// Sets how a route forwards its deliveries (`None` turns it off); extra header values left
/// `null` keep their saved values, which never come back to the webview.
pub async fn inbox_route_forward(
    app: &AppHandle<impl Runtime>,
    token: String,
    forward: Option<ForwardInput>,
) -> CommandResult<Option<RouteForward>> {
    Ok(app
        .state::<Inbox>()
        .set_route_forward(token, forward)
        .await?)
}

/// Deletes every stored delivery; routes stay. Returns how many were removed.
pub async fn inbox_clear(app: &AppHandle<impl Runtime>) -> CommandResult<u64> {
    Ok(app.state::<Inbox>().clear().await?)
}

/// Starts (or replaces) the webview's live feed of new deliveries.
pub async fn inbox_subscribe(
    app: &AppHandle<impl Runtime>,
    on_deliveries: Channel<Vec<DeliverySummary>>,
) -> CommandResult<()> {
    app.state::<LiveFeed>().subscribe(on_deliveries);
    Ok(())
}

/// Mints a route tied to a notification or webhook being created ("Send to Wharf").
pub async fn inbox_route_create(
    app: &AppHandle<impl Runtime>,
    route: NewHookRoute,
) -> CommandResult<MintedRoute> {
    Ok(app.state::<Inbox>().mint_route(route).await?)
}

/// Sets how a route answers its deliveries (status, body, delay), for watching how a registry
/// treats a failing or slow receiver.
pub async fn inbox_route_respond(
    app: &AppHandle<impl Runtime>,
    token: String,
    response: RouteResponse,
) -> CommandResult<HookRoute> {
    Ok(app
        .state::<Inbox>()
        .set_route_response(token, response)
        .await?)
}

/// What each URL (a notification's or webhook's) is to this inbox: a current route, a route at
/// an address the receiver has moved from, an unknown route, or not a route.
pub async fn inbox_route_check(
    app: &AppHandle<impl Runtime>,
    urls: Vec<String>,
) -> CommandResult<Vec<RouteCheck>> {
    Ok(app.state::<Inbox>().check_routes(&urls)?)
}

/// Every route with its URLs (local, LAN, public) and what came through it, for the route list.
pub async fn inbox_route_list(app: &AppHandle<impl Runtime>) -> CommandResult<Vec<RouteListing>> {
    Ok(app.state::<Inbox>().route_list().await?)
}

/// Renames a route (the name the Inbox lists and filters its deliveries by).
pub async fn inbox_route_label(
    app: &AppHandle<impl Runtime>,
    token: String,
    label: String,
) -> CommandResult<HookRoute> {
    Ok(app.state::<Inbox>().set_route_label(token, label).await?)
}

/// Deletes a route: its URL answers 404 from now on; its deliveries stay.
pub async fn inbox_route_delete(app: &AppHandle<impl Runtime>, token: String) -> CommandResult<()> {
    Ok(app.state::<Inbox>().delete_route(token).await?)
}

/// The events and webhook types a sample can be sent for, with Quay's payload variants.
pub async fn inbox_samples(_app: &AppHandle<impl Runtime>) -> CommandResult<Vec<SampleKind>> {
    Ok(inbox::samples::catalog())
}

/// Sends a registry's sample to a route through the receiver, with the registry's headers, so
/// it is stored, recognised and toasted like a real delivery.
pub async fn inbox_sample_send(
    app: &AppHandle<impl Runtime>,
    token: String,
    sample: SampleRequest,
) -> CommandResult<SampleSent> {
    Ok(app.state::<Inbox>().send_sample(token, sample).await?)
}
