//! Errors of the use cases: a closed code the callers branch on, and a message for people.

use serde::Serialize;

/// What kind of failure, for the UI and the CLI's exit code (never parse the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A file or argument is malformed or invalid.
    BadInput,
    /// A named page, profile or file does not exist.
    NotFound,
    /// Reading or writing the disk failed.
    Io,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
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
