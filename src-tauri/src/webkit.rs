//! What Wharf asks of WebKitGTK so that its window takes less memory (docs/benchmarks.md,
//! "Memory"). Only Linux has anything to set; elsewhere these do nothing.

use tauri::webview::{PageLoadEvent, PageLoadPayload};
use tauri::{Runtime, Webview};

/// WebKitGTK (2.46 on) paints a page's layers with Skia on the GPU; where there is no usable GPU
/// driver (many VMs and remote desktops) that is Mesa's software rasteriser, whose GL buffers
/// and Skia's GPU caches took about 40 MB of the web process for Wharf's window of lists and
/// forms. Painting on the CPU leaves compositing on, so scrolling and WebDriver's snapshots work
/// as before. A value the user set is kept: `WEBKIT_SKIA_ENABLE_CPU_RENDERING=0 wharf` paints on
/// the GPU again.
///
/// Call before GTK or any other thread starts: WebKit reads it once, and its web process
/// inherits the environment.
pub fn paint_on_the_cpu() {
    const VAR: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
    if cfg!(target_os = "linux") && std::env::var_os(VAR).is_none() {
        std::env::set_var(VAR, "1");
    }
}

/// WebKit's feature that gives every scrollable box its own composited layer, scrolled off
/// the page's thread.
pub const ASYNC_OVERFLOW_SCROLLING: &str = "AsyncOverflowScrolling";

/// Scrolls boxes (the Inbox's list, the delivery's detail, the main pane) within the page's
/// own layer. With a layer each, the web process kept their painted tiles twice (as pixels and
/// as the compositor's textures): 20–22 MB of Wharf's 213 after a flood of deliveries. The list
/// is virtualised, so each scroll step repaints its rows either way.
///
/// Set as each page starts loading, before its first layout: the setting is read as the page
/// builds its layers.
pub fn on_page_load<R: Runtime>(webview: &Webview<R>, payload: &PageLoadPayload<'_>) {
    if payload.event() != PageLoadEvent::Started {
        return;
    }
    let set = webview.with_webview(|_platform| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::WebViewExt;
            let Some(settings) = _platform.inner().settings() else {
                return;
            };
            match features::set(&settings, ASYNC_OVERFLOW_SCROLLING, false) {
                Ok(()) => tracing::debug!(feature = ASYNC_OVERFLOW_SCROLLING, "WebKit feature off"),
                Err(why) => tracing::warn!(
                    feature = ASYNC_OVERFLOW_SCROLLING,
                    why,
                    "WebKit feature left as it is"
                ),
            }
        }
    });
    if let Err(e) = set {
        tracing::warn!(error = %e, "could not reach the webview's settings");
    }
}

/// WebKitGTK's feature list (`webkit_settings_get_all_features`, 2.42 on). The functions are
/// looked up when used, not linked: webkit2gtk-rs predates them, and a WebKitGTK older than 2.42
/// must still start Wharf (with its features as they are).
#[cfg(target_os = "linux")]
pub mod features {
    use std::ffi::{c_char, c_int, c_void, CStr};

    use webkit2gtk::glib::translate::ToGlibPtr;
    use webkit2gtk::Settings;

    type AllFeatures = unsafe extern "C" fn() -> *mut c_void;
    type ListLength = unsafe extern "C" fn(*mut c_void) -> usize;
    type ListGet = unsafe extern "C" fn(*mut c_void, usize) -> *mut c_void;
    type ListUnref = unsafe extern "C" fn(*mut c_void);
    type Identifier = unsafe extern "C" fn(*mut c_void) -> *const c_char;
    type SetEnabled = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int);
    type IsEnabled = unsafe extern "C" fn(*mut c_void, *mut c_void) -> c_int;

    /// The function `name` of the WebKitGTK library this process runs with.
    ///
    /// # Safety
    /// `F` must be the function's C signature.
    unsafe fn function<F: Copy>(name: &CStr) -> Result<F, &'static str> {
        let found = libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr());
        if found.is_null() {
            return Err("this WebKitGTK has no feature list (2.42 or later has)");
        }
        // SAFETY: a function pointer has the size of a data pointer on every platform Wharf
        // builds for, and the caller names the function's signature.
        Ok(std::mem::transmute_copy::<*mut c_void, F>(&found))
    }

    /// Every feature's identifier, as WebKitGTK names them.
    pub fn identifiers() -> Result<Vec<String>, &'static str> {
        let mut names = Vec::new();
        each(|name, _| names.push(name.to_owned()))?;
        Ok(names)
    }

    /// Turns the feature `identifier` on or off in `settings`.
    pub fn set(settings: &Settings, identifier: &str, enabled: bool) -> Result<(), &'static str> {
        // SAFETY: the signature of WebKitGTK's documented function.
        let set_enabled: SetEnabled = unsafe { function(c"webkit_settings_set_feature_enabled")? };
        // SAFETY: as in `with_feature`.
        with_feature(settings, identifier, |raw, feature| unsafe {
            set_enabled(raw, feature, c_int::from(enabled))
        })
    }

    /// Whether the feature `identifier` is on in `settings`.
    pub fn enabled(settings: &Settings, identifier: &str) -> Result<bool, &'static str> {
        // SAFETY: the signature of WebKitGTK's documented function.
        let is_enabled: IsEnabled = unsafe { function(c"webkit_settings_get_feature_enabled")? };
        // SAFETY: as in `with_feature`.
        with_feature(settings, identifier, |raw, feature| unsafe {
            is_enabled(raw, feature) != 0
        })
    }

    /// Calls `act` with `settings` as a `WebKitSettings*` and the feature named `identifier`.
    /// Both pointers are valid during the call: the settings are kept alive by `settings`, a
    /// GObject wrapper that cannot leave this thread, and the feature by the list `each` holds.
    fn with_feature<T>(
        settings: &Settings,
        identifier: &str,
        act: impl FnOnce(*mut c_void, *mut c_void) -> T,
    ) -> Result<T, &'static str> {
        let raw: *mut webkit2gtk::ffi::WebKitSettings = settings.to_glib_none().0;
        let mut act = Some(act);
        let mut done = None;
        each(|name, feature| {
            if name == identifier {
                done = act.take().map(|act| act(raw.cast(), feature));
            }
        })?;
        done.ok_or("this WebKitGTK has no such feature")
    }

    /// Calls `visit` with each feature's identifier and pointer, valid during the call.
    fn each(mut visit: impl FnMut(&str, *mut c_void)) -> Result<(), &'static str> {
        // SAFETY: the signatures of WebKitGTK's documented functions. The list is WebKit's
        // static one, referenced until `unref`; each feature and identifier lives as long.
        unsafe {
            let all: AllFeatures = function(c"webkit_settings_get_all_features")?;
            let length: ListLength = function(c"webkit_feature_list_get_length")?;
            let get: ListGet = function(c"webkit_feature_list_get")?;
            let unref: ListUnref = function(c"webkit_feature_list_unref")?;
            let identifier: Identifier = function(c"webkit_feature_get_identifier")?;
            let list = all();
            if list.is_null() {
                return Err("WebKitGTK listed no features");
            }
            for i in 0..length(list) {
                let feature = get(list, i);
                let name = identifier(feature);
                if !name.is_null() {
                    visit(&CStr::from_ptr(name).to_string_lossy(), feature);
                }
            }
            unref(list);
        }
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// WebKitGTK still has the feature under this name. Turning it off in real settings wants
    /// GTK started with a display: the e2e suite does that (`webkit.rs` there), and the memory
    /// bench measures the effect (docs/benchmarks.md).
    #[test]
    fn the_webkit_installed_here_has_the_feature_wharf_turns_off() {
        // Links WebKitGTK into this test binary as the app's webview links it into the app.
        // SAFETY: registering a GType needs no display.
        assert_ne!(unsafe { webkit2gtk::ffi::webkit_settings_get_type() }, 0);
        let names = features::identifiers().unwrap();
        assert!(names.len() > 100, "{names:?}");
        assert!(
            names.iter().any(|n| n == ASYNC_OVERFLOW_SCROLLING),
            "WebKitGTK renamed or dropped {ASYNC_OVERFLOW_SCROLLING}: {names:?}"
        );
    }
}
