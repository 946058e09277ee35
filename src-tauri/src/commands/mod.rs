//! Commands the webview calls: declared once in `list.rs`, with their bodies in one module per
//! domain. From the declaration come the `#[tauri::command]` functions (which deserialise the
//! declared arguments and call the body, so a body that disagrees with its declaration does not
//! compile), the invoke handler, [`COMMANDS`] and the TypeScript map `api.ts` is checked
//! against (`ui/src/lib/bindings/commands.ts`, written by `cargo test`).

pub mod app;
pub mod connection;
pub mod dtr;
pub mod fleet;
pub mod inbox;
pub mod quay;
pub mod registry;
pub mod settings;

#[cfg(test)]
mod typescript;

// The types the declarations name.
use {
    crate::events::OpenRequest,
    ::inbox::export::{DeliveryDetail, ExportFormat},
    ::inbox::replay::ReplayOutcome,
    ::inbox::route_list::{RouteListing, SampleRequest, SampleSent},
    ::inbox::route_url::{MintedRoute, RouteCheck},
    ::inbox::samples::SampleKind,
    ::inbox::settings::Settings,
    ::inbox::store::{DeliverySummary, HookRoute, NewHookRoute, Query, RouteResponse},
    ::inbox::ReceiverStatus,
    ::registry::client::{ManyRepositories, Namespace, Notification, Repository},
    ::registry::dtr::{DtrWebhook, DtrWebhookDraft, DtrWebhookTestDraft, DtrWebhookUpdate},
    ::registry::fleet::actions::{ActionItem, ActionResult, BulkAction},
    ::registry::fleet::edit::EditOutcome,
    ::registry::fleet::plan::{Applied, Plan, PlanItem},
    ::registry::fleet::scan::{ScanEvent, ScanSummary},
    ::registry::fleet::{NotificationSpec, Target},
    ::registry::health::ConnectionHealth,
    ::registry::listing::Progress,
    ::registry::quay::{
        QuayAuthorizedEmail, QuayFeatures, QuayNotificationDraft, QuayNotificationView, QuayTeam,
    },
    ::registry::repos::{
        DeleteImpact, RepositoryChange, RepositoryDetail, RepositoryDraft, TagPage,
    },
    ::registry::saved::{ConnectionInput, ConnectionsOverview},
    app::AppInfo,
    connection::SaveOutcome,
    fleet::ExportedSet,
    inbox::SavedExport,
    settings::CurrentSettings,
    uuid::Uuid,
};

include!("list.rs");

macro_rules! ipc_layer {
    ($($module:ident :: $name:ident (
        $($arg:ident : $ty:ty),* $(| $chan:ident : $item:ty)?
    ) -> $ret:ty;)*) => {
        /// The `#[tauri::command]` functions, one per declaration.
        pub mod ipc {
            use super::*;
            use crate::error::CommandResult;
            $(
                #[tauri::command]
                pub async fn $name<R: tauri::Runtime>(
                    app: tauri::AppHandle<R>,
                    $($arg: $ty,)*
                    $($chan: tauri::ipc::Channel<$item>)?
                ) -> CommandResult<$ret> {
                    super::$module::$name(&app, $($arg,)* $($chan)?).await
                }
            )*
        }

        /// Every command the webview may call; build.rs grants exactly these to the main window.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];

        /// The handler for `tauri::Builder::invoke_handler`.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(ipc::$name),*]
        }

        /// Each command with its arguments and result, for the TypeScript map.
        #[cfg(test)]
        fn signatures() -> Vec<typescript::Signature> {
            vec![$(
                typescript::Signature {
                    name: stringify!($name),
                    args: vec![
                        $((stringify!($arg), typescript::Ts::of::<$ty>()),)*
                        $((stringify!($chan), typescript::Ts::channel_of::<$item>()),)?
                    ],
                    result: typescript::Ts::of::<$ret>(),
                },
            )*]
        }
    };
}

for_each_command!(ipc_layer);
