//! Desktop notifications ("toasts") behind a small trait, so the inbox can raise them through the
//! OS notification daemon in the app and through a recorder in tests.

use std::sync::{Arc, Mutex};

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// The bold first line, such as "push to payments/api".
    pub title: String,
    /// The text under it.
    pub body: String,
}

/// Why a toast could not be shown (no notification daemon, no session bus, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("desktop notifications are unavailable: {0}")]
pub struct ToastError(pub String);

/// Something that can show a toast. Implementations must return quickly and never panic.
pub trait Toaster: Send + Sync {
    /// Shows `toast`; returns the daemon's notification id where there is one.
    fn show(&self, toast: &Toast) -> Result<u32, ToastError>;
}

/// Toasts through the OS: org.freedesktop.Notifications on Linux (dunst, GNOME, KDE...).
#[derive(Debug, Clone)]
pub struct DesktopToaster {
    app_name: String,
}

impl DesktopToaster {
    /// A toaster that names itself `app_name` to the notification daemon.
    pub fn new(app_name: impl Into<String>) -> Self {
        Self {
            app_name: app_name.into(),
        }
    }
}

impl Toaster for DesktopToaster {
    fn show(&self, toast: &Toast) -> Result<u32, ToastError> {
        let handle = notify_rust::Notification::new()
            .appname(&self.app_name)
            .summary(&markup_escaped(&toast.title))
            .body(&markup_escaped(&toast.body))
            .show()
            .map_err(|e| ToastError(e.to_string()))?;
        #[cfg(all(unix, not(target_os = "macos")))]
        let id = handle.id();
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        let id = {
            let _ = handle;
            0
        };
        Ok(id)
    }
}

/// `text` with the characters of notification markup escaped. Daemons render a subset of HTML
/// in toasts (bold, links, images); toast text comes from webhook payloads, so it must read as
/// text, never as a link or an image fetched from the sender's server.
pub fn markup_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Keeps every toast in memory: the test double, and a sink for headless runs.
#[derive(Debug, Default, Clone)]
pub struct RecordingToaster {
    shown: Arc<Mutex<Vec<Toast>>>,
}

impl RecordingToaster {
    /// A toaster that has shown nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The toasts shown so far, oldest first.
    pub fn shown(&self) -> Vec<Toast> {
        self.shown.lock().expect("recorder poisoned").clone()
    }
}

impl Toaster for RecordingToaster {
    fn show(&self, toast: &Toast) -> Result<u32, ToastError> {
        let mut shown = self.shown.lock().expect("recorder poisoned");
        shown.push(toast.clone());
        Ok(shown.len() as u32)
    }
}
