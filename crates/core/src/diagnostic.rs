//! Problems found while compiling (here) or linting (in the engine), each naming where it is.

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// A problem found while compiling or linting, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Workspace file the problem is in.
    pub file: String,
    /// JSON pointer inside that file.
    pub pointer: String,
    /// Stable machine-readable kind, e.g. `unknown_attribute`, `shadowed`, `banned_word`.
    pub code: String,
    pub message: String,
}

impl Diagnostic {
    pub fn new(severity: Severity, file: String, pointer: String, code: &str, message: String) -> Diagnostic {
        Diagnostic { severity, file, pointer, code: code.to_owned(), message }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}: {}", self.file, self.pointer, self.message)
    }
}
