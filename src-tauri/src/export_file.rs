//! Where an Inbox export is offered to go: the user's Downloads folder, under a name that says
//! what and when (`wharf-inbox-2026-12-02-0441.jsonl`), made unique in that folder so the Save
//! dialog does not start by asking to replace an earlier export.

use std::path::{Path, PathBuf};

use inbox::export::ExportFormat;

/// The folder the Save dialog opens in: the XDG download folder (`~/Downloads` unless
/// `user-dirs.dirs` says otherwise), else `~/Downloads` when it exists, else the home folder.
pub fn default_dir() -> Option<PathBuf> {
    if let Some(dir) = dirs::download_dir() {
        return Some(dir);
    }
    let home = dirs::home_dir()?;
    let downloads = home.join("Downloads");
    Some(if downloads.is_dir() { downloads } else { home })
}

/// `wharf-inbox-YYYY-MM-DD-HHMM.<ext>` for the local time `at`.
pub fn file_name(format: ExportFormat, at: chrono::NaiveDateTime) -> String {
    format!(
        "wharf-inbox-{}.{}",
        at.format("%Y-%m-%d-%H%M"),
        format.extension()
    )
}

/// `name`, or `name` with `-2`, `-3`... before its extension, whichever is not yet in `dir`.
pub fn unused_name(dir: &Path, name: &str) -> String {
    if !dir.join(name).exists() {
        return name.to_owned();
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    (2..)
        .map(|n| format!("{stem}-{n}{ext}"))
        .find(|candidate| !dir.join(candidate).exists())
        .expect("some number is free")
}

/// The name to suggest for an export made now, in `dir`.
pub fn suggested_name(dir: &Path, format: ExportFormat) -> String {
    unused_name(dir, &file_name(format, chrono::Local::now().naive_local()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> chrono::NaiveDateTime {
        chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn names_say_what_and_when_to_the_minute() {
        assert_eq!(
            file_name(ExportFormat::Jsonl, at("2026-12-02 04:41:59")),
            "wharf-inbox-2026-12-02-0441.jsonl"
        );
        assert_eq!(
            file_name(ExportFormat::Har, at("2027-01-09 23:05:00")),
            "wharf-inbox-2027-01-09-2305.har"
        );
    }

    #[test]
    fn a_name_already_in_the_folder_gets_a_number() {
        let dir = std::env::temp_dir().join(format!("wharf-export-names-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let name = "wharf-inbox-2026-12-02-0441.jsonl";
        assert_eq!(unused_name(&dir, name), name);
        std::fs::write(dir.join(name), "").unwrap();
        assert_eq!(
            unused_name(&dir, name),
            "wharf-inbox-2026-12-02-0441-2.jsonl"
        );
        std::fs::write(dir.join("wharf-inbox-2026-12-02-0441-2.jsonl"), "").unwrap();
        assert_eq!(
            unused_name(&dir, name),
            "wharf-inbox-2026-12-02-0441-3.jsonl"
        );
        std::fs::write(dir.join("plain"), "").unwrap();
        assert_eq!(unused_name(&dir, "plain"), "plain-2");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_dialog_opens_in_the_xdg_download_folder() {
        // dirs reads user-dirs.dirs under XDG_CONFIG_HOME; this process's home is its own.
        let home = std::env::temp_dir().join(format!("wharf-export-home-{}", std::process::id()));
        let config = home.join("config");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(
            config.join("user-dirs.dirs"),
            format!("XDG_DOWNLOAD_DIR=\"{}/dl\"\n", home.display()),
        )
        .unwrap();
        std::env::set_var("XDG_CONFIG_HOME", &config);
        assert_eq!(default_dir(), Some(home.join("dl")));
        std::fs::remove_dir_all(&home).unwrap();
    }
}
