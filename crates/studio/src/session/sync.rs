//! Syncing from the app, over [`crate::sync`]: one call sends and receives, with progress. Each
//! runs on a store connection of its own (SQLite allows it), off the UI's threads; the caller
//! reloads the session afterwards ([`Session::refresh_from_store`]).

use super::views::{Json, SyncConflictView, SyncSummary, SyncWaitingView};
use super::Session;
use crate::error::StudioError;
use crate::live::WorkspaceEvent;
use crate::sync::Remote;
use std::path::Path;
use vantage_store::Store;
use vantage_sync::Resolution;

fn open(dir: &Path) -> Result<Store, StudioError> {
    Ok(Store::open(&super::store_path(dir))?)
}

/// Sends every queued change to the CMS in order (`on_progress(sent, pending)`), then pulls what
/// others changed there. `cms_url`, when given, is kept for next time.
pub fn sync_now(dir: &Path, user: &str, cms_url: Option<&str>, on_progress: impl FnMut(usize, usize)) -> Result<SyncSummary, StudioError> {
    let store = open(dir)?;
    let remote = Remote { cms_url, ..Remote::default() };
    let pushed = crate::sync::push(&store, user, remote, on_progress)?;
    let pulled = match (pushed.pulled, &pushed.stopped) {
        (Some(report), _) => report,
        (None, None) => crate::sync::pull(&store, user, Remote::default())?,
        (None, Some(_)) => Default::default(),
    };
    let mut message = match &pushed.stopped {
        None => format!("Sent {} changes and brought in {} from the CMS.", pushed.sent, pulled.applied),
        Some(why) => format!("Sent {} changes, then stopped: {why}. The rest stays queued.", pushed.sent),
    };
    let refused: Vec<String> =
        pulled.quarantined.iter().map(|(path, why)| format!("“{path}” from the CMS was set aside and not used: {why}")).collect();
    if !pulled.for_review.is_empty() {
        message.push_str(&format!(
            " Edits made in the CMS wait in Review ({} {}): they go live only once someone approves them.",
            pulled.for_review.len(),
            if pulled.for_review.len() == 1 { "change" } else { "changes" }
        ));
    }
    if !pulled.held.is_empty() {
        message.push_str(&format!(
            " {} changes to templates, schemas or the theme came from the CMS: they wait in History until someone takes them into a change for review.",
            pulled.held.len()
        ));
    }
    if !refused.is_empty() {
        message.push_str(&format!(" {} documents from the CMS were set aside (they stay on the CMS; fix them there).", refused.len()));
    }
    Ok(SyncSummary {
        sent: pushed.sent as u32,
        pulled: pulled.applied as u32,
        conflicts: pulled.conflicts,
        refused,
        token_source: pushed.token_source,
        message,
        complete: pushed.stopped.is_none(),
    })
}

/// Documents changed both here and on the CMS, with both versions and a field diff.
pub fn sync_conflicts(dir: &Path) -> Result<Vec<SyncConflictView>, StudioError> {
    Ok(crate::sync::conflicts(&open(dir)?)?
        .into_iter()
        .map(|c| SyncConflictView {
            path: c.path,
            mine: c.local_content,
            theirs: c.remote_content,
            remote_author: c.remote_author,
            diff: Json(c.diff),
            found_at: c.found_at,
        })
        .collect())
}

/// What the CMS sent that was not applied: code changes held for review, refused documents.
pub fn sync_waiting(dir: &Path) -> Result<Vec<SyncWaitingView>, StudioError> {
    Ok(crate::sync::refused(&open(dir)?)?
        .into_iter()
        .map(|q| SyncWaitingView {
            held: q.kind == "held",
            path: q.path,
            remote_author: q.remote_author,
            reason: q.reason,
            found_at: q.found_at,
        })
        .collect())
}

/// Takes the CMS's held change to `path` into a new change of `user`'s, for review; returns the
/// change's id.
pub fn take_from_cms(dir: &Path, user: &str, path: &str) -> Result<i64, StudioError> {
    crate::sync::take_held(&open(dir)?, user, path)
}

/// Settles the conflict on `path`: keep mine (send it), take theirs, or write `merged` on both
/// sides.
pub fn resolve_conflict(dir: &Path, user: &str, path: &str, take: &str, merged: Option<String>) -> Result<(), StudioError> {
    let resolution = match (take, merged) {
        ("merged", Some(content)) => Resolution::Merged(content),
        ("mine", _) => Resolution::Mine,
        ("theirs", _) => Resolution::Theirs,
        _ => return Err(StudioError::bad_input("choose mine, theirs, or a merged version")),
    };
    crate::sync::resolve(&open(dir)?, user, path, resolution, Remote::default()).map(|_| ())
}

impl Session {
    /// Brings the folder and previews up to date after another connection (a sync) wrote the
    /// store.
    pub fn refresh_from_store(&mut self) -> Result<Vec<WorkspaceEvent>, StudioError> {
        self.write_heads_to_disk()
    }
}
