//! The app's files under run.sh's private `XDG_*_HOME`, and setting them aside so a test starts
//! the app as on a first launch (or with files of its own) whatever earlier tests left there.

use std::path::{Path, PathBuf};

/// The app's folder under the `XDG_*_HOME` named by `var` (run.sh sets them).
pub fn app_dir(var: &str) -> PathBuf {
    let home = std::env::var(var).unwrap_or_else(|_| panic!("run.sh sets {var}"));
    Path::new(&home).join("dev.wharf.desktop")
}

/// `path` with `suffix` appended to its file name (`-wal`, `.e2e-aside`).
pub fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", path.display()))
}

/// Files set aside while a test uses its own (or none) and put back when dropped, also when
/// the test fails, so one test's state never leaks into the next.
pub struct SetAside(Vec<PathBuf>);

impl SetAside {
    /// The run's settings, so what a test saves goes with it.
    pub fn settings() -> Self {
        Self::new(vec![inbox::settings::Settings::path(&app_dir(
            "XDG_CONFIG_HOME",
        ))])
    }

    pub fn new(files: Vec<PathBuf>) -> Self {
        for file in &files {
            if file.exists() {
                std::fs::rename(file, with_suffix(file, ".e2e-aside")).unwrap();
            }
        }
        SetAside(files)
    }
}

impl Drop for SetAside {
    fn drop(&mut self) {
        for file in &self.0 {
            let _ = std::fs::remove_file(file);
            let aside = with_suffix(file, ".e2e-aside");
            if aside.exists() {
                let _ = std::fs::rename(&aside, file);
            }
        }
    }
}
