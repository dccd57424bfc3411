//! Syncing from the app: send what publishing queued to the CMS and bring others' changes back,
//! with progress; list conflicts and settle them. These run on their own connection to the
//! workspace's store (SQLite allows it), so the app stays usable while a large push runs; the
//! caller reloads the session afterwards (`Session::refresh_from_store`). Each call blocks on a
//! small runtime of its own: run it off the UI's threads.

use super::views::{Json, SyncConflictView, SyncSummary};
use super::Session;
use crate::error::{ErrorCode, StudioError};
use crate::live::WorkspaceEvent;
use std::path::Path;
use std::time::Duration;
use vantage_store::Store;
use vantage_sync::{Backoff, CmsError, PushOutcome, Resolution, SyncError};

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

fn failed(e: SyncError) -> StudioError {
    match e {
        SyncError::Store(e) => e.into(),
        SyncError::Cms(CmsError::Conflict { path, current }) => {
            StudioError::new(ErrorCode::Conflict, format!("{path} changed on the CMS (now version {current}); resolve the conflict first"))
        }
        SyncError::Cms(e) => StudioError::new(ErrorCode::Io, format!("{e}. Your work is safe here and will be sent when the CMS is back.")),
        SyncError::Invalid(message) => StudioError::bad_input(message),
    }
}

/// Retries spread by the clock's nanoseconds: random enough, and no generator to seed.
fn jitter() -> impl FnMut() -> f64 {
    || f64::from(jiff::Timestamp::now().subsec_nanosecond().unsigned_abs() % 1000) / 1000.0
}

fn runtime() -> Result<tokio::runtime::Runtime, StudioError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StudioError::new(ErrorCode::Io, format!("cannot start the sync: {e}")))
}

fn open(dir: &Path) -> Result<Store, StudioError> {
    Ok(Store::open(&super::store_path(dir))?)
}

/// Sends every queued change to the CMS in order (`on_progress(sent, pending)`), then pulls what
/// others changed there. `cms_url`, when given, is kept for next time.
pub fn sync_now(dir: &Path, user: &str, cms_url: Option<&str>, on_progress: impl FnMut(usize, usize)) -> Result<SyncSummary, StudioError> {
    let store = open(dir)?;
    if cms_url.is_none() && store.sync_setting(vantage_sync::CMS_URL_SETTING)?.is_none() {
        return Err(StudioError::bad_input("Enter the CMS address (for example http://127.0.0.1:1337) the first time you sync."));
    }
    let (cms, token_source) = vantage_sync::connect_strapi(&store, cms_url, user, REQUEST_TIMEOUT).map_err(failed)?;
    runtime()?.block_on(async {
        let (outcome, pulled) =
            vantage_sync::push_and_record(&store, &cms, Backoff::default(), &mut jitter(), on_progress).await.map_err(failed)?;
        let (sent, stopped) = match outcome {
            PushOutcome::Done { sent } => (sent, None),
            PushOutcome::Stopped { sent, error, .. } | PushOutcome::GaveUp { sent, error, .. } => (sent, Some(error.to_string())),
        };
        let pulled = match (pulled, &stopped) {
            (Some(report), _) => report,
            (None, None) => vantage_sync::pull(&store, &cms, Backoff::default(), &mut jitter()).await.map_err(failed)?,
            (None, Some(_)) => Default::default(),
        };
        let message = match &stopped {
            None => format!("Sent {sent} changes and brought in {} from the CMS.", pulled.applied),
            Some(why) => format!("Sent {sent} changes, then stopped: {why}. The rest stays queued."),
        };
        Ok(SyncSummary {
            sent: sent as u32,
            pulled: pulled.applied as u32,
            conflicts: pulled.conflicts,
            token_source,
            message,
            complete: stopped.is_none(),
        })
    })
}

/// Documents changed both here and on the CMS, with both versions and a field diff.
pub fn sync_conflicts(dir: &Path) -> Result<Vec<SyncConflictView>, StudioError> {
    Ok(open(dir)?
        .sync_conflicts()?
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

/// Settles the conflict on `path`: keep mine (send it), take theirs, or write `merged` on both
/// sides.
pub fn resolve_conflict(dir: &Path, user: &str, path: &str, take: &str, merged: Option<String>) -> Result<(), StudioError> {
    let resolution = match (take, merged) {
        ("merged", Some(content)) => Resolution::Merged(content),
        ("mine", _) => Resolution::Mine,
        ("theirs", _) => Resolution::Theirs,
        _ => return Err(StudioError::bad_input("choose mine, theirs, or a merged version")),
    };
    let store = open(dir)?;
    let (cms, _) = vantage_sync::connect_strapi(&store, None, user, REQUEST_TIMEOUT).map_err(failed)?;
    runtime()?.block_on(vantage_sync::resolve(&store, &cms, user, path, resolution, Backoff::default(), &mut jitter())).map_err(failed)?;
    Ok(())
}

impl Session {
    /// Brings the folder and previews up to date after another connection (a sync) wrote the
    /// store.
    pub fn refresh_from_store(&mut self) -> Result<Vec<WorkspaceEvent>, StudioError> {
        self.write_heads_to_disk()
    }
}
