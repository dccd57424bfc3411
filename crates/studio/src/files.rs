//! Reading a workspace folder or a bundle file from disk into the engine's [`SourceFiles`].

use crate::error::StudioError;
use std::io::Read;
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
            // `file_type` does not follow symbolic links: a linked folder is never entered.
            let kind = entry.file_type().map_err(|e| StudioError::io(&path, &e))?;
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            let known = path.extension().and_then(|e| e.to_str()).is_some_and(|e| WORKSPACE_EXTENSIONS.contains(&e));
            if !known || name == "README.md" {
                continue;
            }
            let text = read_workspace_file(&path).map_err(|why| match why {
                Unreadable::Missing => StudioError::not_found(format!("{} was removed while the workspace was read", path.display())),
                Unreadable::Refused(why) => StudioError::bad_input(format!("{} {why}", path.display())),
            })?;
            let relative =
                path.strip_prefix(dir).unwrap_or(&path).components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.insert(relative, text);
        }
    }
    Ok(files)
}

/// The largest workspace file Vantage reads (a feed of thousands of products is a few MB).
pub const FILE_MAX_BYTES: u64 = 8 * 1024 * 1024;

/// Why a workspace file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// There is no file there (deleted meanwhile).
    Missing,
    /// It is there but must not or cannot be read; the text says why, in plain words.
    Refused(String),
}

/// Reads the workspace file at `path`, but only a regular file of at most [`FILE_MAX_BYTES`]:
/// never a symbolic link (which could lead out of the workspace, to `/etc/passwd` or
/// `/dev/zero`), a device or a pipe (which could block forever).
pub fn read_workspace_file(path: &Path) -> Result<String, Unreadable> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(Unreadable::Missing),
        Err(e) => return Err(Unreadable::Refused(format!("cannot be read: {e}"))),
    };
    if meta.file_type().is_symlink() {
        return Err(Unreadable::Refused("is a symbolic link; a workspace holds its own files, so it is not read".into()));
    }
    if !meta.is_file() {
        return Err(Unreadable::Refused("is not a regular file (a device, a pipe or a socket), so it is not read".into()));
    }
    let too_big = || Unreadable::Refused(format!("is larger than {} MB, the most a workspace file may be", FILE_MAX_BYTES / (1024 * 1024)));
    if meta.len() > FILE_MAX_BYTES {
        return Err(too_big());
    }
    let file = std::fs::File::open(path).map_err(|e| Unreadable::Refused(format!("cannot be read: {e}")))?;
    let mut text = String::new();
    // Bounded even if the file grows between the check and the read.
    file.take(FILE_MAX_BYTES + 1).read_to_string(&mut text).map_err(|e| Unreadable::Refused(format!("cannot be read: {e}")))?;
    if text.len() as u64 > FILE_MAX_BYTES {
        return Err(too_big());
    }
    Ok(text)
}

/// A compiled bundle as written to disk: the engine's release file.
pub use vantage_engine::release::{ReleaseFile as BundleFile, RELEASE_FORMAT as BUNDLE_FORMAT};

/// Reads `path` as a workspace folder, or as a bundle file written by `vantage bundle` (its hash
/// verified).
pub fn read_bundle_or_workspace(path: &Path) -> Result<SourceFiles, StudioError> {
    if path.is_dir() {
        return read_workspace_dir(path);
    }
    let text = std::fs::read_to_string(path).map_err(|e| StudioError::io(path, &e))?;
    let bundle = BundleFile::parse(&text).map_err(|e| StudioError::bad_input(format!("{}: {e}", path.display())))?;
    Ok(bundle.files)
}
