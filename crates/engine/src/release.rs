//! The release file: a workspace's sources and their content hash, as `vantage bundle` writes
//! it, `vantage serve` loads it and a deploy carries it. Reading one verifies the hash, so a
//! file altered in transit or on disk is refused with both hashes named.

use crate::bundle::source_hash;
use crate::load::SourceFiles;
use serde::{Deserialize, Serialize};

/// The format tag every release file carries.
pub const RELEASE_FORMAT: &str = "vantage-bundle/1";

/// A release as written to disk or sent to a delivery target.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseFile {
    pub format: String,
    pub hash: String,
    pub files: SourceFiles,
}

/// Why a release file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReleaseError {
    #[error("not a release file (line {line}, column {column}): {message}")]
    NotJson { line: usize, column: usize, message: String },
    #[error("unknown release format `{0}` (this version reads `{RELEASE_FORMAT}`)")]
    Format(String),
    #[error("release {claimed} was altered: its content hashes to {actual}")]
    Tampered { claimed: String, actual: String },
}

impl ReleaseFile {
    /// The release file of `files`.
    pub fn of(files: SourceFiles) -> ReleaseFile {
        ReleaseFile { format: RELEASE_FORMAT.into(), hash: source_hash(&files), files }
    }

    /// Reads a release file and checks its format and hash.
    pub fn parse(text: &str) -> Result<ReleaseFile, ReleaseError> {
        let file: ReleaseFile =
            serde_json::from_str(text).map_err(|e| ReleaseError::NotJson { line: e.line(), column: e.column(), message: e.to_string() })?;
        if file.format != RELEASE_FORMAT {
            return Err(ReleaseError::Format(file.format));
        }
        let actual = source_hash(&file.files);
        if actual != file.hash {
            return Err(ReleaseError::Tampered { claimed: file.hash, actual });
        }
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> SourceFiles {
        SourceFiles::from([("vantage.json".to_owned(), "{}".to_owned())])
    }

    #[test]
    fn a_release_file_reads_back_as_written() {
        let file = ReleaseFile::of(files());
        let text = serde_json::to_string(&file).unwrap_or_default();
        let read = ReleaseFile::parse(&text);
        assert_eq!(read.map(|r| r.hash), Ok(file.hash));
    }

    #[test]
    fn a_tampered_release_is_refused_naming_both_hashes() {
        let mut file = ReleaseFile::of(files());
        let claimed = file.hash.clone();
        file.files.insert("vantage.json".into(), "{\"x\":1}".into());
        let text = serde_json::to_string(&file).unwrap_or_default();
        match ReleaseFile::parse(&text) {
            Err(ReleaseError::Tampered { claimed: c, actual }) => {
                assert_eq!(c, claimed);
                assert_eq!(actual, source_hash(&file.files));
                assert!(ReleaseError::Tampered { claimed: c, actual }.to_string().contains(&claimed));
            }
            other => panic!("expected a tampered release, got {other:?}"),
        }
    }

    #[test]
    fn a_file_of_another_format_or_not_json_is_refused() {
        assert!(matches!(ReleaseFile::parse("{\"format\":\"x\",\"hash\":\"\",\"files\":{}}"), Err(ReleaseError::Format(f)) if f == "x"));
        assert!(matches!(ReleaseFile::parse("{\n oops"), Err(ReleaseError::NotJson { line: 2, .. })));
    }
}
