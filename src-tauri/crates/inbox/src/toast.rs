//! Desktop notifications ("toasts") behind a small trait, so the inbox can raise them through the
//! OS notification daemon in the app and through a recorder in tests.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// The bold first line, such as "push to payments/api".
    pub title: String,
    /// The text under it.
    pub body: String,
    /// What clicking it opens in the app; `None` when it opens nothing.
    pub opens: Option<ToastOpens>,
}

/// What a clicked toast opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastOpens {
    /// The delivery with this id, in the Inbox.
    Delivery(i64),
    /// The Inbox (a toast summing up several deliveries).
    Inbox,
}

/// Called with what a clicked toast opens, on a thread of its own.
pub type OnClick = Arc<dyn Fn(ToastOpens) + Send + Sync>;

/// Toasts waiting for a click at once; a toast shown beyond this has no click action (each
/// waits on its own thread until the daemon closes it).
pub const MAX_WAITING_FOR_CLICK: usize = 32;

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
#[derive(Clone)]
pub struct DesktopToaster {
    app_name: String,
    on_click: Option<OnClick>,
    waiting: Arc<AtomicUsize>,
}

impl std::fmt::Debug for DesktopToaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DesktopToaster")
            .field("app_name", &self.app_name)
            .field("clickable", &self.on_click.is_some())
            .finish()
    }
}

impl DesktopToaster {
    /// A toaster that names itself `app_name` to the notification daemon.
    pub fn new(app_name: impl Into<String>) -> Self {
        Self {
            app_name: app_name.into(),
            on_click: None,
            waiting: Arc::default(),
        }
    }

    /// Calls `on_click` when a toast that opens something is clicked (the daemon's "default"
    /// action: a click on GNOME and KDE, `dunstctl action` or a configured click on dunst).
    pub fn on_click(mut self, on_click: OnClick) -> Self {
        self.on_click = Some(on_click);
        self
    }

    /// Takes a waiting slot for a click on a toast; `None` when all are taken.
    fn waiting_slot(&self) -> Option<WaitingSlot> {
        let taken = self.waiting.fetch_add(1, Ordering::SeqCst);
        if taken >= MAX_WAITING_FOR_CLICK {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(WaitingSlot(self.waiting.clone()))
    }
}

/// One toast waiting for a click; gives its place back when dropped.
struct WaitingSlot(Arc<AtomicUsize>);

impl Drop for WaitingSlot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Toaster for DesktopToaster {
    fn show(&self, toast: &Toast) -> Result<u32, ToastError> {
        let mut notification = notify_rust::Notification::new();
        notification
            .appname(&self.app_name)
            .summary(&markup_escaped(&toast.title))
            .body(&markup_escaped(&toast.body));
        let click = match (toast.opens, &self.on_click) {
            (Some(opens), Some(on_click)) => self
                .waiting_slot()
                .map(|slot| (opens, on_click.clone(), slot)),
            _ => None,
        };
        if click.is_some() {
            notification.action("default", "Open in Wharf");
        }
        let handle = notification.show().map_err(|e| ToastError(e.to_string()))?;
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            let id = handle.id();
            if let Some((opens, on_click, slot)) = click {
                // Blocks until the toast is clicked or closed (dunst closes it after a timeout).
                let waited = std::thread::Builder::new()
                    .name("toast-click".into())
                    .spawn(move || {
                        let _slot = slot;
                        handle.wait_for_action(|action| {
                            if action == "default" {
                                on_click(opens);
                            }
                        });
                    });
                if let Err(e) = waited {
                    tracing::warn!(error = %e, "cannot wait for a click on the toast");
                }
            }
            Ok(id)
        }
        #[cfg(not(all(unix, not(target_os = "macos"))))]
        {
            let _ = (handle, click);
            Ok(0)
        }
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
