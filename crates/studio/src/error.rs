//! Errors of the use cases: a closed code the callers branch on, and a message for people.

use serde::Serialize;

/// What kind of failure, for the UI and the CLI's exit code (never parse the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A file or argument is malformed or invalid.
    BadInput,
    /// A named page, profile or file does not exist.
    NotFound,
    /// Reading or writing the disk failed.
    Io,
    /// Someone else changed the document since it was read.
    Conflict,
    /// The document's file was changed outside the app since the app last wrote it.
    ChangedOnDisk,
    /// The user's role does not allow it, or four-eyes forbids it.
    Forbidden,
    /// Lint found errors, so it was not submitted or published.
    LintFailed,
    /// The store could not be written (read-only, disk full) or is too new.
    Storage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[serde(rename = "AppError")]
#[error("{message}")]
pub struct StudioError {
    pub code: ErrorCode,
    pub message: String,
}

impl StudioError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> StudioError {
        StudioError { code, message: message.into() }
    }

    pub fn bad_input(message: impl Into<String>) -> StudioError {
        StudioError::new(ErrorCode::BadInput, message)
    }

    pub fn not_found(message: impl Into<String>) -> StudioError {
        StudioError::new(ErrorCode::NotFound, message)
    }

    pub fn io(path: &std::path::Path, e: &std::io::Error) -> StudioError {
        StudioError::new(ErrorCode::Io, format!("{}: {e}", path.display()))
    }
}

impl From<vantage_store::StoreError> for StudioError {
    fn from(e: vantage_store::StoreError) -> StudioError {
        use vantage_store::ErrorCode as S;
        let code = match e.code {
            S::Conflict => ErrorCode::Conflict,
            S::Forbidden => ErrorCode::Forbidden,
            S::NotFound => ErrorCode::NotFound,
            S::Invalid => ErrorCode::BadInput,
            S::LintFailed => ErrorCode::LintFailed,
            S::SchemaTooNew | S::ReadOnly | S::Database => ErrorCode::Storage,
        };
        StudioError::new(code, e.message)
    }
}
