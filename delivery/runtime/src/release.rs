//! A release ready to serve: its file checked (format, SHA-256), its workspace loaded and
//! compiled once. A release that fails any step is refused with its hash named, and whatever
//! served before keeps serving.

use vantage_engine::bundle::Bundle;
use vantage_engine::release::ReleaseFile;

/// A compiled release.
#[derive(Debug)]
pub struct LiveRelease {
    pub bundle: Bundle,
}

impl LiveRelease {
    /// Reads, verifies and compiles a release file's text.
    pub fn from_text(text: &str) -> Result<LiveRelease, String> {
        let file = ReleaseFile::parse(text).map_err(|e| e.to_string())?;
        LiveRelease::from_file(file)
    }

    /// Compiles a release file already verified.
    pub fn from_file(file: ReleaseFile) -> Result<LiveRelease, String> {
        let workspace = vantage_engine::load::load(&file.files).map_err(|e| format!("release {} does not load: {e}", file.hash))?;
        Ok(LiveRelease { bundle: Bundle::compile(workspace, file.hash) })
    }

    pub fn hash(&self) -> &str {
        &self.bundle.hash
    }
}

/// The release in `text`, verified (format, SHA-256, and the hash it was announced as) and
/// compiled: what a deploy does before it switches, in either tier.
pub fn checked_release(text: &str, expected_hash: Option<&str>) -> Result<LiveRelease, String> {
    let file = ReleaseFile::parse(text).map_err(|e| e.to_string())?;
    if let Some(expected) = expected_hash.filter(|e| *e != file.hash) {
        return Err(format!("release {} was announced as {expected}: refused", file.hash));
    }
    LiveRelease::from_file(file)
}
