//! Reading a workspace folder or a bundle file from disk into the engine's [`SourceFiles`].

use crate::error::StudioError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use vantage_engine::load::SourceFiles;

/// The extensions a workspace is made of; anything else (README, editor backups) is ignored.
const WORKSPACE_EXTENSIONS: [&str; 3] = ["json", "html", "css"];

/// Reads every workspace file under `dir`, keyed by its `/`-separated relative path.
pub fn read_workspace_dir(dir: &Path) -> Result<SourceFiles, StudioError> {
    if !dir.is_dir() {
        return Err(StudioError::not_found(format!("{} is not a workspace folder", dir.display())));
    }
    let mut files = SourceFiles::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|e| StudioError::io(&folder, &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| StudioError::io(&folder, &e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let known = path.extension().and_then(|e| e.to_str()).is_some_and(|e| WORKSPACE_EXTENSIONS.contains(&e));
            if !known || name == "README.md" {
                continue;
            }
            let text = std::fs::read_to_string(&path).map_err(|e| StudioError::io(&path, &e))?;
            let relative =
                path.strip_prefix(dir).unwrap_or(&path).components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.insert(relative, text);
        }
    }
    Ok(files)
}

/// A compiled bundle as written to disk: the workspace sources and their content hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleFile {
    pub format: String,
    pub hash: String,
    pub files: SourceFiles,
}

pub const BUNDLE_FORMAT: &str = "vantage-bundle/1";

/// Reads `path` as a workspace folder, or as a bundle file written by `vantage bundle`.
pub fn read_bundle_or_workspace(path: &Path) -> Result<SourceFiles, StudioError> {
    if path.is_dir() {
        return read_workspace_dir(path);
    }
    let text = std::fs::read_to_string(path).map_err(|e| StudioError::io(path, &e))?;
    let bundle: BundleFile =
        serde_json::from_str(&text).map_err(|e| StudioError::bad_input(format!("{}: not a bundle file: {e}", path.display())))?;
    if bundle.format != BUNDLE_FORMAT {
        return Err(StudioError::bad_input(format!("{}: unknown bundle format `{}`", path.display(), bundle.format)));
    }
    let hash = vantage_engine::bundle::source_hash(&bundle.files);
    if hash != bundle.hash {
        return Err(StudioError::bad_input(format!("{}: the bundle's content does not match its hash (it was altered)", path.display())));
    }
    Ok(bundle.files)
}
