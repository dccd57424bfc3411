//! Writing a workspace out as a new folder, all at once: the files go into a temporary folder
//! beside the target, which is renamed into place only when every file is written, so a failure
//! leaves no half-written folder. The target must be new (or an empty folder) and not a link:
//! nothing existing is written over (`export .` cannot destroy a store), no link is followed, and
//! no `.vantage` or `.git` folder is written into.

use crate::error::StudioError;
use std::path::{Component, Path, PathBuf};
use vantage_engine::load::SourceFiles;

/// Writes `files` (workspace-relative paths) as the new folder `dir`.
pub fn write_new_folder(dir: &Path, files: &SourceFiles) -> Result<(), StudioError> {
    write_checked(dir, files, vantage_engine::load::check_document_path)
}

/// Writes `files` of another kind of export (static pages, a manifest) as the new folder `dir`:
/// each name a plain file name, no folders, no dot files.
pub fn write_new_export(dir: &Path, files: &SourceFiles) -> Result<(), StudioError> {
    write_checked(dir, files, |name| {
        let plain =
            !name.is_empty() && !name.starts_with('.') && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if plain {
            Ok(())
        } else {
            Err(format!("`{name}` is not a plain file name"))
        }
    })
}

fn write_checked(dir: &Path, files: &SourceFiles, check: impl Fn(&str) -> Result<(), String>) -> Result<(), StudioError> {
    let refuse = |why: &str| StudioError::bad_input(format!("cannot export into {}: {why}", dir.display()));
    if dir.components().any(|c| matches!(c, Component::Normal(n) if n == ".vantage" || n == ".git")) {
        return Err(refuse("it is inside a .vantage or .git folder"));
    }
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => return Err(refuse("it is a symbolic link")),
        Ok(meta) if !meta.is_dir() => return Err(refuse("a file of that name exists")),
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir).map_err(|e| StudioError::io(dir, &e))?;
            if entries.next().is_some() {
                return Err(refuse("the folder is not empty; export into a new folder"));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(StudioError::io(dir, &e)),
    }
    for path in files.keys() {
        check(path).map_err(|why| refuse(&why))?;
    }
    let temp = temp_beside(dir)?;
    let written = write_all(&temp, files).and_then(|()| {
        // An empty target folder is replaced; a new one is created by the rename.
        if dir.is_dir() {
            std::fs::remove_dir(dir).map_err(|e| StudioError::io(dir, &e))?;
        }
        std::fs::rename(&temp, dir).map_err(|e| StudioError::io(dir, &e))
    });
    if written.is_err() {
        // Best effort: the temporary folder is ours alone, and nothing else was touched.
        let _ = std::fs::remove_dir_all(&temp);
    }
    written
}

/// A new, empty folder next to `dir` (same file system, so the rename is atomic).
fn temp_beside(dir: &Path) -> Result<PathBuf, StudioError> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| StudioError::io(&parent, &e))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "export".into());
    let temp = parent.join(format!(".{name}.vantage-export-{}", std::process::id()));
    std::fs::create_dir(&temp).map_err(|e| StudioError::io(&temp, &e))?;
    Ok(temp)
}

fn write_all(root: &Path, files: &SourceFiles) -> Result<(), StudioError> {
    for (path, content) in files {
        let target = root.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| StudioError::io(parent, &e))?;
        }
        // `create_new` never follows or overwrites anything that appeared meanwhile.
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&target).map_err(|e| StudioError::io(&target, &e))?;
        std::io::Write::write_all(&mut file, content.as_bytes()).map_err(|e| StudioError::io(&target, &e))?;
    }
    Ok(())
}
