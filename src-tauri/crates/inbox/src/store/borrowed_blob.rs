//! Binding a body without copying it. rusqlite hands SQLite every blob as SQLITE_TRANSIENT, so
//! SQLite copies it before building the row, which copies it again: three bodies in memory at
//! once. Bound as SQLITE_STATIC, SQLite reads the caller's buffer and only the row is a copy.

use std::ffi::CStr;

use rusqlite::{ffi, Connection};

use super::{Result, StoreError};

/// Binds `bytes` to parameter `index` of the statement of `conn` whose text is `sql` (a cached
/// statement the caller holds). The caller must clear the bindings before `bytes` is dropped
/// or moved, and must not step the statement after that without binding again.
pub(super) fn bind(conn: &Connection, sql: &str, index: usize, bytes: &[u8]) -> Result<()> {
    // SAFETY: `handle` is only used to walk this connection's statements and bind one of them,
    // on the thread that owns the connection; the caller keeps `bytes` alive as documented.
    unsafe {
        let db = conn.handle();
        let mut stmt = ffi::sqlite3_next_stmt(db, std::ptr::null_mut());
        while !stmt.is_null() {
            let text = ffi::sqlite3_sql(stmt);
            if !text.is_null() && CStr::from_ptr(text).to_bytes() == sql.as_bytes() {
                let rc = ffi::sqlite3_bind_blob64(
                    stmt,
                    index as i32,
                    bytes.as_ptr().cast(),
                    bytes.len() as u64,
                    ffi::SQLITE_STATIC(),
                );
                return match rc {
                    ffi::SQLITE_OK => Ok(()),
                    rc => Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), None).into()),
                };
            }
            stmt = ffi::sqlite3_next_stmt(db, stmt);
        }
    }
    Err(StoreError::Commit(
        "the insert statement is not prepared".into(),
    ))
}
