//! The inbox: receiver status, stored deliveries, routes and the live feed.

use inbox::export::{DeliveryDetail, ExportFormat};
use inbox::replay::ReplayOutcome;
use inbox::route_url::{MintedRoute, RouteCheck};
use inbox::store::{DeliverySummary, HookRoute, NewHookRoute, Query, RouteResponse};
use inbox::{Inbox, ReceiverStatus};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};

use crate::error::CommandResult;
use crate::events::LiveFeed;
use crate::state::AppPaths;

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

/// Writes the deliveries matching `query` (oldest first) to a file in the user's Downloads
/// folder and returns its path. Credentials in headers and queries are redacted.
pub async fn inbox_export(
    app: &AppHandle<impl Runtime>,
    query: Query,
    format: ExportFormat,
) -> CommandResult<String> {
    let dir = dirs::download_dir().unwrap_or_else(|| app.state::<AppPaths>().data_dir.clone());
    let file = app.state::<Inbox>().export_to(dir, query, format).await?;
    Ok(file.display().to_string())
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
