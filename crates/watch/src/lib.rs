//! # vantage-watch
//!
//! Watches a workspace folder with a debounced notify watcher and sends the workspace-relative
//! paths of changed files (`/`-separated) into a tokio channel. Editor-style saves (write to a
//! temporary file then rename, truncate then write, delete then recreate) arrive as one batch
//! naming the real file. It knows nothing of parsing or databases: the receiver decides what a
//! change means.
//!
//! ```no_run
//! # async fn demo() -> Result<(), vantage_watch::WatchError> {
//! let (_watcher, mut changes) = vantage_watch::watch(std::path::Path::new("fixtures/demo-store"), std::time::Duration::from_millis(150))?;
//! while let Some(batch) = changes.recv().await {
//!     println!("changed: {:?}", batch);
//! }
//! # Ok(()) }
//! ```

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{new_debouncer, DebounceEventResult, Debouncer};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};

/// The file extensions a workspace is made of; temporary and backup files are ignored.
const WATCHED_EXTENSIONS: [&str; 3] = ["json", "html", "css"];

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot watch {path}: {message}")]
    Start { path: String, message: String },
}

/// One debounced batch: the changed workspace files, or a watcher failure in plain words.
pub type Batch = Result<Vec<String>, String>;

/// Keeps the watcher alive; dropping it stops watching.
pub struct WatchHandle {
    _debouncer: Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
}

/// Whether `relative` is a file the workspace is made of (not hidden, not an editor temp file).
pub fn is_workspace_file(relative: &str) -> bool {
    let name = relative.rsplit('/').next().unwrap_or(relative);
    let hidden = relative.split('/').any(|part| part.starts_with('.'));
    let extension_ok = name.rsplit_once('.').is_some_and(|(_, ext)| WATCHED_EXTENSIONS.contains(&ext));
    !hidden && extension_ok && !name.ends_with('~') && !relative.contains("node_modules")
}

fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    let joined = parts.join("/");
    is_workspace_file(&joined).then_some(joined)
}

/// Starts watching `dir` recursively; changes arrive debounced by `debounce`.
pub fn watch(dir: &Path, debounce: Duration) -> Result<(WatchHandle, UnboundedReceiver<Batch>), WatchError> {
    let start_error = |message: String| WatchError::Start { path: dir.display().to_string(), message };
    // Events carry canonical paths on some platforms; compare against the canonical root.
    let root: PathBuf = dir.canonicalize().map_err(|e| start_error(e.to_string()))?;
    let (tx, rx) = unbounded_channel();
    let events_root = root.clone();
    let mut debouncer = new_debouncer(debounce, move |result: DebounceEventResult| {
        let batch = match result {
            Ok(events) => {
                let paths: BTreeSet<String> = events.iter().filter_map(|e| relative(&events_root, &e.path)).collect();
                if paths.is_empty() {
                    return;
                }
                Ok(paths.into_iter().collect())
            }
            Err(e) => Err(format!("the file watcher failed: {e}")),
        };
        // The receiver is gone when the workspace was closed; nothing to do then.
        let _ = tx.send(batch);
    })
    .map_err(|e| start_error(e.to_string()))?;
    debouncer.watcher().watch(&root, RecursiveMode::Recursive).map_err(|e| start_error(e.to_string()))?;
    Ok((WatchHandle { _debouncer: debouncer }, rx))
}

#[cfg(test)]
mod tests {
    use super::is_workspace_file;

    #[test]
    fn editor_temp_and_hidden_files_are_ignored() {
        assert!(is_workspace_file("components/hero/template.html"));
        assert!(is_workspace_file("feeds/products.json"));
        assert!(!is_workspace_file("feeds/.products.json.swp"));
        assert!(!is_workspace_file("feeds/products.json~"));
        assert!(!is_workspace_file(".git/config.json"));
        assert!(!is_workspace_file("feeds/products.json.tmp"));
    }
}
