// Declaring the app's commands makes Tauri generate `allow-<command>` permissions and check every
// invoke against the capabilities, instead of letting any local page call any command.
// Keep this list equal to `wharf_lib::COMMANDS` (a test enforces it).
const COMMANDS: &[&str] = &[
    "app_info",
    "inbox_status",
    "inbox_list",
    "inbox_subscribe",
    "inbox_route_create",
    "inbox_get",
    "inbox_export",
    "inbox_replay",
    "inbox_clear",
    "connections_list",
    "connection_save",
    "connection_remove",
    "connection_verify",
    "registry_namespaces",
    "registry_repositories",
    "quay_notifications",
    "quay_notification_create",
    "quay_notification_test",
    "quay_notification_reset",
    "quay_notification_delete",
    "quay_teams",
    "dtr_webhooks",
    "dtr_webhook_create",
    "dtr_webhook_test",
    "dtr_webhook_update",
    "dtr_webhook_delete",
    "settings_get",
    "settings_save",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
