//! Fleet work across connections: the overview scan, bulk actions, plans (rollouts, copies and
//! set files) with apply and undo, set export, and safe edit. The logic is `registry::fleet`;
//! this module finds the connections and, for safe edit, watches the inbox for the test delivery.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use inbox::route_url::RouteCheck;
use inbox::toast::{Toast, Toaster};
use inbox::Inbox;
use registry::fleet::actions::{act_all, ActionItem, ActionResult, BulkAction};
use registry::fleet::edit::{self, EditOutcome};
use registry::fleet::plan::{self, Applied, Plan, PlanItem};
use registry::fleet::repoint;
use registry::fleet::scan::{self, ScanEvent, ScanSummary};
use registry::fleet::set::{self, ExportNotes, NotificationSet};
use registry::fleet::watch::{toast_words, Watch};
use registry::fleet::{NotificationSpec, Source, Target};
use registry::listing::{Cancel, Progress, DEFAULT_CONCURRENCY};
use registry::saved::SavedConnections;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;
use uuid::Uuid;

use crate::error::{CommandError, CommandResult};
use crate::state::{AppPaths, SettingsState};

/// How long safe edit waits for the new notification's test delivery.
const TEST_WAIT: Duration = Duration::from_secs(30);

/// Managed state: the scan running now, so it can be cancelled.
#[derive(Default)]
pub struct RunningScan(Mutex<Option<Cancel>>);

/// Managed state: the states the last complete scans saw, to tell what got worse since.
#[derive(Default)]
pub struct FleetWatch(Mutex<Watch>);

/// Managed state: where fleet toasts go.
pub struct FleetToaster(pub Arc<dyn Toaster>);

/// Every saved connection as a scan source; those that cannot be used are left out (the
/// Overview shows why when the user scans).
async fn all_sources(app: &AppHandle<impl Runtime>) -> Vec<Source> {
    let ids: Vec<Uuid> = app
        .state::<SavedConnections>()
        .overview()
        .connections
        .iter()
        .map(|c| c.id)
        .collect();
    let mut sources = Vec::new();
    for id in ids {
        if let Ok(s) = source(app, id).await {
            sources.push(s);
        }
    }
    sources
}

/// Re-scans every connection at the interval in Settings and raises a toast when a
/// notification became disabled or started failing since the previous scan.
pub fn watch_in_background<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let interval = app
                .state::<SettingsState>()
                .current()
                .fleet_rescan_interval();
            let Some(interval) = interval else {
                tokio::time::sleep(Duration::from_secs(30)).await;
                continue;
            };
            tokio::time::sleep(interval).await;
            let sources = all_sources(&app).await;
            if sources.is_empty() {
                continue;
            }
            let mut rows = Vec::new();
            let summary = scan::scan(
                &sources,
                None,
                DEFAULT_CONCURRENCY,
                &Cancel::default(),
                |e| {
                    if let ScanEvent::Rows { rows: found, .. } = e {
                        rows.extend(found);
                    }
                },
            )
            .await;
            let ids: Vec<Uuid> = sources.iter().map(|s| s.connection_id).collect();
            let watch = app.state::<FleetWatch>();
            let toast = {
                let mut watch = watch.0.lock().unwrap_or_else(|p| p.into_inner());
                let worse = watch.observe(&ids, &rows);
                (!worse.is_empty()).then(|| toast_words(&worse))
            };
            tracing::info!(
                rows = summary.rows,
                problems = summary.problems,
                "background fleet scan"
            );
            if let Some((title, body)) = toast {
                if let Err(e) = app.state::<FleetToaster>().0.show(&Toast {
                    title,
                    body,
                    opens: None,
                }) {
                    tracing::warn!(error = %e, "fleet toast not shown");
                }
            }
        }
    });
}

async fn source(app: &AppHandle<impl Runtime>, connection_id: Uuid) -> CommandResult<Source> {
    let saved = app.state::<SavedConnections>();
    let connection = saved.get(connection_id)?;
    Ok(Source {
        connection_id,
        connection: connection.name,
        client: saved.client(connection_id).await?,
    })
}

/// Scans the notifications of every repository of `connection_ids` (one namespace each when
/// given), streaming what it finds on `on_event`. A new scan cancels the one running.
pub async fn fleet_scan(
    app: &AppHandle<impl Runtime>,
    connection_ids: Vec<Uuid>,
    namespace: Option<String>,
    on_event: Channel<ScanEvent>,
) -> CommandResult<ScanSummary> {
    let cancel = Cancel::default();
    if let Some(previous) = app
        .state::<RunningScan>()
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .replace(cancel.clone())
    {
        previous.cancel();
    }
    let mut sources = Vec::new();
    for id in connection_ids {
        match source(app, id).await {
            Ok(s) => sources.push(s),
            Err(e) => {
                let name = app
                    .state::<SavedConnections>()
                    .get(id)
                    .map(|c| c.name)
                    .unwrap_or_default();
                let _ = on_event.send(ScanEvent::Problem(registry::fleet::FleetProblem {
                    connection_id: id,
                    connection: name,
                    target: None,
                    message: e.message,
                }));
            }
        }
    }
    let mut rows = Vec::new();
    let summary = scan::scan(
        &sources,
        namespace.as_deref(),
        DEFAULT_CONCURRENCY,
        &cancel,
        |event| {
            if let ScanEvent::Rows { rows: found, .. } = &event {
                rows.extend(found.iter().cloned());
            }
            let _ = on_event.send(event);
        },
    )
    .await;
    // A whole scan is the background watch's new baseline; the user sees this one on screen.
    if namespace.is_none() && !summary.cancelled {
        let ids: Vec<Uuid> = sources.iter().map(|s| s.connection_id).collect();
        app.state::<FleetWatch>()
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .observe(&ids, &rows);
    }
    Ok(summary)
}

/// Stops the running scan, if any.
pub async fn fleet_cancel(app: &AppHandle<impl Runtime>) -> CommandResult<()> {
    if let Some(cancel) = app
        .state::<RunningScan>()
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
    {
        cancel.cancel();
    }
    Ok(())
}

/// Runs one action on notifications of one connection; each gets its own result.
pub async fn fleet_act(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    action: BulkAction,
    items: Vec<ActionItem>,
    on_progress: Channel<Progress>,
) -> CommandResult<Vec<ActionResult>> {
    let source = source(app, connection_id).await?;
    Ok(act_all(&source, action, items, DEFAULT_CONCURRENCY, |p| {
        let _ = on_progress.send(p);
    })
    .await)
}

/// Plans a set (its JSON text: a file, or a rollout the UI built) on a connection.
pub async fn fleet_plan(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    set_text: String,
    prune: bool,
    on_progress: Channel<Progress>,
) -> CommandResult<Plan> {
    let set = NotificationSet::parse(&set_text)?;
    let source = source(app, connection_id).await?;
    let wanted = set.wanted(source.kind())?;
    Ok(
        plan::plan(&source, wanted, prune, DEFAULT_CONCURRENCY, |p| {
            let _ = on_progress.send(p);
        })
        .await,
    )
}

/// Plans copying notifications of `from` (the ones in `ids`, or all) to the `to` targets.
pub async fn fleet_plan_copy(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    from: Target,
    ids: Option<Vec<String>>,
    to: Vec<Target>,
    on_progress: Channel<Progress>,
) -> CommandResult<Plan> {
    let source = source(app, connection_id).await?;
    Ok(plan::plan_copy(
        &source,
        &from,
        ids.as_deref(),
        to,
        DEFAULT_CONCURRENCY,
        |p| {
            let _ = on_progress.send(p);
        },
    )
    .await?)
}

/// A notification as an editable spec (for safe edit's form).
pub async fn fleet_spec(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    target: Target,
    id: String,
) -> CommandResult<NotificationSpec> {
    let source = source(app, connection_id).await?;
    let found = source
        .list(&target)
        .await?
        .into_iter()
        .find(|f| f.row.id == id)
        .ok_or(registry::RegistryError::Gone)?;
    found.spec.map_err(|reason| {
        registry::RegistryError::Unsupported(format!("Wharf cannot edit it: {reason}.")).into()
    })
}

/// Applies the create and delete lines of a plan. With `retry` (lines that failed before) each
/// target is read first, so a change that went through despite the error is not made twice.
pub async fn fleet_apply(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    items: Vec<PlanItem>,
    retry: bool,
    on_progress: Channel<Progress>,
) -> CommandResult<Vec<Applied>> {
    let source = source(app, connection_id).await?;
    let progress = |p| {
        let _ = on_progress.send(p);
    };
    Ok(if retry {
        plan::retry(&source, items, DEFAULT_CONCURRENCY, progress).await
    } else {
        plan::apply(&source, items, DEFAULT_CONCURRENCY, progress).await
    })
}

/// Deletes exactly what an apply created.
pub async fn fleet_undo(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    applied: Vec<Applied>,
) -> CommandResult<Vec<ActionResult>> {
    let source = source(app, connection_id).await?;
    Ok(plan::undo(&source, &applied, DEFAULT_CONCURRENCY, |_| {}).await)
}

/// An exported set: where it was written, its text, and what was left out.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "camelCase")]
pub struct ExportedSet {
    /// The file written (in Downloads), when one was asked for.
    pub file: Option<String>,
    /// The set's JSON text.
    pub text: String,
    /// Notifications left out and targets that could not be read.
    pub notes: ExportNotes,
}

/// Exports the notifications of a connection (one namespace, or the given targets) as a set;
/// writes it to the Downloads folder when `save` is set.
pub async fn fleet_export(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    namespace: Option<String>,
    targets: Option<Vec<Target>>,
    save: bool,
) -> CommandResult<ExportedSet> {
    let source = source(app, connection_id).await?;
    let (set, notes) = set::export(
        &source,
        namespace.as_deref(),
        targets,
        DEFAULT_CONCURRENCY,
        |_| {},
    )
    .await?;
    let text = set.to_text();
    let file = if save {
        let dir = dirs::download_dir().unwrap_or_else(|| app.state::<AppPaths>().data_dir.clone());
        let name = format!("wharf-notifications-{}.json", slug(&source.connection));
        let path = dir.join(name);
        std::fs::write(&path, &text).map_err(|e| {
            CommandError::storage(format!("Could not write {}: {e}", path.display()))
        })?;
        Some(path.display().to_string())
    } else {
        None
    };
    Ok(ExportedSet { file, text, notes })
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.trim_matches('-').to_owned()
}

/// Safe edit: creates `spec` on `target`, with `test` tests it and (when it points at one of
/// this inbox's routes) waits for the delivery, then deletes `old_id`.
pub async fn fleet_edit(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    target: Target,
    old_id: String,
    spec: NotificationSpec,
    test: bool,
) -> CommandResult<EditOutcome> {
    let source = source(app, connection_id).await?;
    let inbox = app.state::<Inbox>();
    let route = spec
        .url()
        .and_then(inbox::route_url::token_in)
        .filter(|token| {
            inbox
                .routes()
                .is_ok_and(|routes| routes.iter().any(|r| r.token == *token))
        })
        .map(str::to_owned);
    let check = test.then(|| {
        let source = source.clone();
        let target = target.clone();
        let deliveries = inbox.subscribe();
        move |new_id: String| async move {
            test_and_wait(&source, &target, &new_id, route, deliveries).await
        }
    });
    Ok(edit::replace(&source, &target, &old_id, &spec, check).await)
}

/// Deletes the old notification after an edit whose delete failed.
pub async fn fleet_edit_finish(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    target: Target,
    old_id: String,
) -> CommandResult<String> {
    let source = source(app, connection_id).await?;
    Ok(edit::delete_old(&source, &target, &old_id).await?)
}

async fn test_and_wait(
    source: &Source,
    target: &Target,
    new_id: &str,
    route: Option<String>,
    mut deliveries: tokio::sync::broadcast::Receiver<inbox::store::DeliverySummary>,
) -> Result<String, String> {
    registry::fleet::actions::act(source, BulkAction::Test, target, new_id)
        .await
        .map_err(|e| format!("the test could not be sent: {e}"))?;
    let Some(token) = route else {
        return Ok("test sent (not a Wharf route, so its arrival cannot be seen)".into());
    };
    let wait = async {
        loop {
            match deliveries.recv().await {
                Ok(d) if d.route_token.as_deref() == Some(token.as_str()) => {
                    return Ok(format!("test delivery #{} arrived", d.id));
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                    return Err("the inbox stopped".to_owned());
                }
            }
        }
    };
    tokio::time::timeout(TEST_WAIT, wait)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "no test delivery reached Wharf within {} s, so the old notification was kept",
                TEST_WAIT.as_secs()
            ))
        })
}

/// Points notifications that use an old address of this inbox's routes at the address it has now
/// (after the receiver moved), by safe edit; anything that is not one of its routes is left as
/// it is and said so.
pub async fn fleet_repoint(
    app: &AppHandle<impl Runtime>,
    connection_id: Uuid,
    items: Vec<ActionItem>,
    on_progress: Channel<Progress>,
) -> CommandResult<Vec<ActionResult>> {
    let source = source(app, connection_id).await?;
    let inbox = app.state::<Inbox>();
    let new_url = |url: &str| match inbox.check_routes(&[url.to_owned()]) {
        Ok(checks) => match checks.into_iter().next() {
            Some(RouteCheck::Moved { now }) => Ok(now),
            Some(RouteCheck::Current { .. }) => Ok(url.to_owned()),
            Some(RouteCheck::Unknown) => {
                Err("Its route is not in this inbox (deleted, or another machine's).".to_owned())
            }
            Some(RouteCheck::NotARoute) | None => Err("It does not point at Wharf.".to_owned()),
        },
        Err(e) => Err(e.to_string()),
    };
    Ok(
        repoint::repoint_all(&source, items, new_url, DEFAULT_CONCURRENCY, |p| {
            let _ = on_progress.send(p);
        })
        .await,
    )
}
