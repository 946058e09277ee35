//! Settings: read, and save with what takes effect now and what after a restart.

use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::error::CommandResult;
use crate::inbox_state::InboxState;
use crate::settings::{lan_address, Settings, SettingsState};

/// The Settings screen's data.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// The saved settings.
    pub settings: Settings,
    /// This machine's address on its network, to offer as the bind address (Quay refuses
    /// webhook URLs on localhost and 127.0.0.1).
    pub lan_address: Option<String>,
    /// Where the running receiver listens.
    pub listening_on: Option<String>,
    /// The base "Send to Wharf" URLs use now.
    pub public_base_url: Option<String>,
    /// Saved receiver settings differ from the running receiver's: restart Wharf to apply.
    pub restart_needed: bool,
    /// Why the settings file was not used, if it was not.
    pub notice: Option<String>,
}

fn view(settings: &SettingsState, inbox: &InboxState) -> SettingsView {
    SettingsView {
        settings: settings.current(),
        lan_address: lan_address().map(|ip| ip.to_string()),
        listening_on: inbox.status().base_url,
        public_base_url: inbox.public_base_url(),
        restart_needed: settings.restart_needed(),
        notice: settings.load_error(),
    }
}

#[tauri::command]
pub fn settings_get(
    settings: State<'_, SettingsState>,
    inbox: State<'_, InboxState>,
) -> SettingsView {
    view(&settings, &inbox)
}

/// Saves and applies what can be applied at once (toast rules, retention, public base URL; the
/// theme is the UI's); receiver address, port and body limit apply at the next start.
#[tauri::command(async)]
pub fn settings_save(
    settings: State<'_, SettingsState>,
    inbox: State<'_, InboxState>,
    next: Settings,
) -> CommandResult<SettingsView> {
    settings.save(next.clone())?;
    inbox.apply(&next);
    Ok(view(&settings, &inbox))
}
