//! Store errors: a closed code callers branch on, and a message naming what went wrong.

/// What kind of failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The document changed since the caller read it.
    Conflict,
    /// The acting user's role does not allow this, or four-eyes forbids it.
    Forbidden,
    NotFound,
    /// The request itself is malformed (bad JSON, wrong state).
    Invalid,
    /// Lint found errors; nothing was submitted or published.
    LintFailed,
    /// The database was written by a newer Vantage.
    SchemaTooNew,
    /// The database file cannot be written (read-only, full disk).
    ReadOnly,
    /// Any other database failure.
    Database,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    pub code: ErrorCode,
    pub message: String,
}

impl StoreError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> StoreError {
        StoreError { code, message: message.into() }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        use rusqlite::ffi::ErrorCode as Sqlite;
        let code = match e.sqlite_error_code() {
            Some(Sqlite::ReadOnly | Sqlite::DiskFull | Sqlite::CannotOpen | Sqlite::PermissionDenied) => ErrorCode::ReadOnly,
            _ => ErrorCode::Database,
        };
        let hint = match code {
            ErrorCode::ReadOnly => {
                " (the database file cannot be written: check that it is not read-only and the disk is not full; nothing was changed)"
            }
            _ => "",
        };
        StoreError::new(code, format!("database error: {e}{hint}"))
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;
