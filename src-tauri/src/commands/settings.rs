//! Settings: read, and save and apply at once.

use inbox::settings::{environment_overrides, lan_address, EnvOverride, Settings};
use inbox::Inbox;
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;

use crate::error::CommandResult;
use crate::state::SettingsState;

/// The saved settings and where the receiver stands, as the Settings screen shows them.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export_to = "shell.ts")]
#[serde(rename_all = "camelCase")]
pub struct CurrentSettings {
    /// The saved settings.
    pub settings: Settings,
    /// This machine's address on its network, to offer as the bind address (Quay refuses
    /// webhook URLs on localhost and 127.0.0.1).
    pub lan_address: Option<String>,
    /// Where the running receiver listens.
    pub listening_on: Option<String>,
    /// The base "Send to Wharf" URLs use now.
    pub public_base_url: Option<String>,
    /// Why the receiver is not where the saved settings put it (the new address was taken;
    /// it keeps listening where it was, if it could).
    pub listen_error: Option<String>,
    /// Why the settings file was not used, if it was not.
    pub notice: Option<String>,
    /// What the address the receiver listens on exposes (every interface), if anything.
    pub bind_warning: Option<String>,
    /// Settings the environment decides for this run instead of the file.
    pub overrides: Vec<EnvOverride>,
}

fn view(settings: &SettingsState, inbox: &Inbox) -> CurrentSettings {
    CurrentSettings {
        settings: settings.current(),
        lan_address: lan_address().map(|ip| ip.to_string()),
        listening_on: inbox.status().base_url,
        public_base_url: inbox.public_base_url(),
        listen_error: inbox.move_error(),
        notice: settings.load_error(),
        bind_warning: settings
            .current()
            .receiver_addr()
            .ok()
            .and_then(|addr| inbox::settings::all_interfaces_warning(addr.ip()))
            .map(str::to_owned),
        overrides: environment_overrides(),
    }
}

pub async fn settings_get(app: &AppHandle<impl Runtime>) -> CommandResult<CurrentSettings> {
    Ok(view(&app.state::<SettingsState>(), &app.state::<Inbox>()))
}

/// Saves and applies: toast rules, retention and the public base URL at once, and the
/// receiver moves to a new address, port or body limit (the theme is the UI's).
pub async fn settings_save(
    app: &AppHandle<impl Runtime>,
    next: Settings,
) -> CommandResult<CurrentSettings> {
    let (settings, inbox) = (app.state::<SettingsState>(), app.state::<Inbox>());
    let before = settings.current();
    settings.save(next.clone())?;
    inbox.apply(next.inbox_config()).await;
    if inbox.move_error().is_some() {
        // The receiver stayed where it was; the file says so too, so the next start does not
        // try the address that failed (the other changes are kept).
        settings.save(Settings {
            receiver_bind: before.receiver_bind,
            receiver_port: before.receiver_port,
            ..next
        })?;
    }
    Ok(view(&settings, &inbox))
}
