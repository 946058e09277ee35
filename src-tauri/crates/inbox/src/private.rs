//! Files only their owner may read: the database holds senders' `Authorization` headers and
//! route tokens, and exports copy deliveries out. On Unix the data folder is 0700 and these
//! files 0600 whatever the umask; elsewhere the platform's per-user folders already apply.

use std::path::Path;

/// Makes `dir` (created if missing) readable by its owner only.
pub fn folder(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Creates `path` if missing, and makes it (and any file that exists beside it with one of
/// `suffixes`, such as SQLite's `-wal` and `-shm`) readable by its owner only. SQLite gives the
/// files it creates later the database file's permissions.
pub fn file(path: &Path, suffixes: &[&str]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    drop(options.open(path)?);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut all = vec![path.to_owned()];
        for suffix in suffixes {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            all.push(name.into());
        }
        for file in all.iter().filter(|f| f.exists()) {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(())
}

/// Creates (or empties) the file at `path`, readable by its owner only, for writing.
pub fn create(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}
