//! Pulling the CMS's changes into the store, resolving conflicts, and pushing with the store
//! as the record of what the CMS holds.
//!
//! - **Pull** reads the changes feed from the stored cursor, page by page. A change to a
//!   document that did not change here since the last sync becomes a revision by the remote
//!   author; a document changed on both sides (or still waiting in the outbox) is never
//!   overwritten: the conflict is recorded with both versions and a field-level diff. A document
//!   the workspace refuses (a path outside it, bad JSON, too big) is quarantined, visible, and
//!   the rest still applies. A change to code (a template, a schema, the theme) is held for
//!   review, except when a new store adopts the CMS's workspace. Each page and its cursor
//!   commit together, so a pull cut short resumes where it stopped.
//! - **Resolve** settles a conflict: `Mine` sends the local content to the CMS, `Theirs` takes
//!   the CMS's content locally, `Merged` writes the given content on both sides. Afterwards both
//!   sides hold the same content at a known CMS version.
//! - **Push** drains the outbox ([`crate::push`]) recording each confirmed send as the
//!   document's base; a conflict stops it, and a pull then records the conflict.

use crate::adapter::{CmsAdapter, CmsError};
use crate::diff::field_diff;
use crate::push::{push, Jitter, PushOutcome, Versions};
use crate::retry::Backoff;
use serde::Serialize;
use serde_json::Value;
use std::future::Future;
use vantage_store::{PullApplied, PulledChange, Store, StoreError};

/// What can stop a pull, push or resolution.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cms(#[from] CmsError),
    #[error("{0}")]
    Invalid(String),
    /// The local audit log contradicts what the CMS recorded of it.
    #[error("{0}")]
    AuditLog(String),
}

/// What a pull did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PullReport {
    /// Changes written as revisions by their remote authors.
    pub applied: usize,
    /// Changes already known (our own pushes coming back) or already equal here.
    pub unchanged: usize,
    /// Documents now in conflict.
    pub conflicts: Vec<String>,
    /// Documents the CMS sent that were refused, with why (see `vantage_store::Quarantined`).
    pub quarantined: Vec<(String, String)>,
    /// Code changes (templates, schemas, the theme) held until someone takes them into a change
    /// set for review.
    pub held: Vec<String>,
    /// Change sets by the CMS's editors that this pull filled, waiting for review.
    pub for_review: Vec<i64>,
    /// The cursor stored for the next pull.
    pub cursor: Option<String>,
    /// The audit log's entry now anchored on the CMS (see `anchor.rs`).
    pub anchored: i64,
}

/// How to settle a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Keep the local content and send it to the CMS.
    Mine,
    /// Take the CMS's content locally.
    Theirs,
    /// Write this content on both sides.
    Merged(String),
}

impl Resolution {
    fn name(&self) -> &'static str {
        match self {
            Resolution::Mine => "mine",
            Resolution::Theirs => "theirs",
            Resolution::Merged(_) => "merged",
        }
    }
}

/// How a conflict was settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub path: String,
    pub resolution: &'static str,
    /// The CMS's version both sides now agree on (`None`: deleted on both sides).
    pub cms_version: Option<String>,
    /// The local revision written, if the local content changed.
    pub revision: Option<i64>,
}

/// The field diff stored with a conflict: JSON documents field by field, other files (and a
/// deleted side, shown as `null`) as a whole.
pub fn conflict_diff(path: &str, mine: Option<&str>, theirs: Option<&str>) -> Value {
    let parse = |text: Option<&str>| match text {
        None => Value::Null,
        Some(t) if path.ends_with(".json") => serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_owned())),
        Some(t) => Value::String(t.to_owned()),
    };
    serde_json::to_value(field_diff(&parse(mine), &parse(theirs))).unwrap_or(Value::Null)
}

/// Runs `call` until it succeeds, fails for good, or the backoff gives up.
pub(crate) async fn retrying<T, F, Fut>(backoff: Backoff, jitter: &mut dyn Jitter, mut call: F) -> Result<T, CmsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CmsError>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) if error.is_retryable() => {
                attempt += 1;
                let wait = match &error {
                    CmsError::RateLimited { retry_after } => *retry_after,
                    _ => None,
                };
                match backoff.delay(attempt, jitter.next(), wait) {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return Err(error),
                }
            }
            Err(error) => return Err(error),
        }
    }
}

/// Pulls every change since the stored cursor (see the module documentation).
pub async fn pull<A: CmsAdapter>(store: &Store, cms: &A, backoff: Backoff, jitter: &mut dyn Jitter) -> Result<PullReport, SyncError> {
    let mut report = PullReport { cursor: store.sync_setting("cursor")?, ..PullReport::default() };
    // A new store adopting the CMS's workspace takes it as it is (there is nothing here to review
    // it against); afterwards code changes wait for review.
    let hold_code = !store.never_held_documents()?;
    loop {
        let cursor = report.cursor.clone();
        let page = retrying(backoff, jitter, || cms.changes_since(cursor.as_deref())).await?;
        let changes: Vec<PulledChange<'_>> = page
            .changes
            .iter()
            .map(|c| PulledChange { path: &c.path, version: &c.version, content: c.content.as_deref(), author: &c.author })
            .collect();
        let applied = store.apply_pulled(&changes, Some(&page.cursor), &conflict_diff, hold_code)?;
        for (change, outcome) in page.changes.iter().zip(applied) {
            match outcome {
                PullApplied::Applied(_) => report.applied += 1,
                PullApplied::ForReview { change_set, .. } => {
                    report.applied += 1;
                    if !report.for_review.contains(&change_set) {
                        report.for_review.push(change_set);
                    }
                }
                PullApplied::Known | PullApplied::Same => report.unchanged += 1,
                PullApplied::Conflict => {
                    if !report.conflicts.contains(&change.path) {
                        report.conflicts.push(change.path.clone());
                    }
                }
                PullApplied::Quarantined(reason) => report.quarantined.push((vantage_store::remote_label(&change.path), reason)),
                PullApplied::Held => report.held.push(change.path.clone()),
            }
        }
        report.cursor = Some(page.cursor);
        if !page.more || page.changes.is_empty() {
            break;
        }
    }
    report.anchored = crate::anchor_audit_log(store, cms, backoff, jitter).await?;
    Ok(report)
}

/// Settles the open conflict on `path` (see the module documentation). `user` needs the right
/// to edit the document. A CMS that moved on again meanwhile answers with a conflict: pull and
/// look again.
pub async fn resolve<A: CmsAdapter>(
    store: &Store,
    cms: &A,
    user: &str,
    path: &str,
    resolution: Resolution,
    backoff: Backoff,
    jitter: &mut dyn Jitter,
) -> Result<Resolved, SyncError> {
    let conflict = store
        .sync_conflict(path)?
        .ok_or_else(|| SyncError::Invalid(format!("there is no open sync conflict on {path}; `vantage sync pull` finds conflicts")))?;
    // Writing over a CMS tombstone names no version.
    let expected = conflict.remote_content.as_ref().map(|_| conflict.remote_version.clone());
    let key = |what: &str| format!("resolve-{}:{path}@{}:{what}", conflict.id, conflict.remote_version);
    // Code is reviewed: the CMS's template is held for someone to take into a change set, and a
    // merged template is written in a change set like any edit to it.
    if vantage_store::is_code(path) {
        match resolution {
            Resolution::Theirs => {
                store.hold_conflict(user, conflict.id, path)?;
                return Ok(Resolved {
                    path: path.to_owned(),
                    resolution: "held",
                    cms_version: Some(conflict.remote_version),
                    revision: None,
                });
            }
            Resolution::Merged(_) => {
                return Err(SyncError::Invalid(format!(
                    "{path} is code: take the CMS's version (it waits for review) or keep yours, and write a merge in a change"
                )))
            }
            Resolution::Mine => {}
        }
    }
    let name = resolution.name();
    // Keeping one's side writes the latest release's content outside a push: it names what that
    // release rests on, and a CMS keeping four eyes accepts only what was approved there.
    let basis = store.latest_release_basis()?.unwrap_or(vantage_store::ReleaseBasis::First);
    // What to write locally (content, author), the CMS version agreed on, and the agreed content.
    type Settled = (Option<(Option<String>, String)>, Option<String>, Option<String>);
    let (local, cms_version, agreed): Settled = match resolution {
        Resolution::Theirs => {
            let current = store.document(path)?.map(|(_, c)| c);
            let local = (current != conflict.remote_content).then(|| (conflict.remote_content.clone(), conflict.remote_author.clone()));
            (local, expected.clone(), conflict.remote_content.clone())
        }
        Resolution::Mine => {
            let mine = store.document(path)?.map(|(_, c)| c);
            let key = key("mine");
            let version = match &mine {
                Some(content) => Some(retrying(backoff, jitter, || cms.put(path, content, expected.as_deref(), &key, &basis)).await?),
                None => {
                    if let Some(expected) = &expected {
                        retrying(backoff, jitter, || cms.delete(path, expected, &key, &basis)).await?;
                    }
                    None
                }
            };
            (None, version, mine)
        }
        Resolution::Merged(content) => {
            let content = vantage_store::canonical(path, &content)?;
            let key = key("merged");
            let version = retrying(backoff, jitter, || cms.put(path, &content, expected.as_deref(), &key, &basis)).await.map_err(|e| match e {
                CmsError::Permanent(why) if why.contains("403") => SyncError::Invalid(format!(
                    "{path}: a merged version is new content, and this CMS takes new content only after review, so nothing was written. Keep yours or take theirs now, then make the merge as a change for review ({why})"
                )),
                other => SyncError::Cms(other),
            })?;
            (Some((Some(content.clone()), user.to_owned())), Some(version), Some(content))
        }
    };
    let revision = store.resolve_sync_conflict(
        user,
        conflict.id,
        path,
        name,
        local.as_ref().map(|(content, author)| (content.as_deref(), author.as_str())),
        cms_version.as_deref(),
        agreed.as_deref(),
    )?;
    Ok(Resolved { path: path.to_owned(), resolution: name, cms_version, revision })
}

/// The store as the record of each document's CMS version and agreed content.
pub struct StoreVersions<'a> {
    store: &'a Store,
    error: Option<StoreError>,
}

impl<'a> StoreVersions<'a> {
    pub fn new(store: &'a Store) -> StoreVersions<'a> {
        StoreVersions { store, error: None }
    }

    /// The first store error met while recording, if any.
    pub fn finish(self) -> Result<(), StoreError> {
        self.error.map_or(Ok(()), Err)
    }
}

impl Versions for StoreVersions<'_> {
    fn version_of(&self, path: &str) -> Option<String> {
        self.store.sync_base(path).ok().flatten().and_then(|b| b.remote_version)
    }

    fn record(&mut self, path: &str, version: Option<String>) {
        self.record_sent(path, version, None);
    }

    fn record_sent(&mut self, path: &str, version: Option<String>, content: Option<&str>) {
        if let Err(e) = self.store.set_sync_base(path, version.as_deref(), content) {
            self.error.get_or_insert(e);
        }
    }

    fn confirm(&mut self, store: &Store, entry: &vantage_store::OutboxEntry, version: Option<String>) -> Result<(), StoreError> {
        // One transaction: an entry is never done without its base recorded, or the reverse.
        store.outbox_done_with_base(entry.id, entry.path.as_deref(), version.as_deref(), entry.content.as_deref())
    }
}

/// Pushes the outbox with the store's bases; when the CMS refuses a document because it
/// changed there, pulls so that the conflict is recorded with its diff.
pub async fn push_and_record<A: CmsAdapter>(
    store: &Store,
    cms: &A,
    backoff: Backoff,
    jitter: &mut dyn Jitter,
    on_progress: impl FnMut(usize, usize),
) -> Result<(PushOutcome, Option<PullReport>), SyncError> {
    let mut versions = StoreVersions::new(store);
    let outcome = push(store, cms, &mut versions, backoff, jitter, on_progress).await?;
    versions.finish()?;
    let pulled = match &outcome {
        PushOutcome::Stopped { error: CmsError::Conflict { path, current }, .. } => {
            let mut report = pull(store, cms, backoff, jitter).await?;
            record_push_conflict(store, cms, path, current, &mut report, backoff, jitter).await?;
            Some(report)
        }
        PushOutcome::Done { .. } => {
            crate::anchor_audit_log(store, cms, backoff, jitter).await?;
            None
        }
        _ => None,
    };
    Ok((outcome, pulled))
}

/// Makes sure the conflict a push met is on record even when the changes feed did not bring
/// it (the cursor had passed it, or the CMS changed again meanwhile): the document is read from
/// the CMS and goes through the same rules as a pulled change.
async fn record_push_conflict<A: CmsAdapter>(
    store: &Store,
    cms: &A,
    path: &str,
    current: &str,
    report: &mut PullReport,
    backoff: Backoff,
    jitter: &mut dyn Jitter,
) -> Result<(), SyncError> {
    if store.sync_conflict(path)?.is_some() {
        if !report.conflicts.iter().any(|p| p == path) {
            report.conflicts.push(path.to_owned());
        }
        return Ok(());
    }
    let remote = retrying(backoff, jitter, || cms.read(path)).await?;
    let (content, version) = match &remote {
        Some((content, version)) => (Some(content.as_str()), version.as_str()),
        None => (None, current),
    };
    let change = PulledChange { path, version, content, author: "the CMS" };
    if store.apply_pulled(&[change], None, &conflict_diff, true)? == [PullApplied::Conflict] {
        report.conflicts.push(path.to_owned());
    }
    Ok(())
}

/// This workspace's sync id, made on first use: it namespaces idempotency keys on the CMS.
pub fn workspace_id(store: &Store) -> Result<String, StoreError> {
    if let Some(id) = store.sync_setting(crate::WORKSPACE_ID_SETTING)? {
        return Ok(id);
    }
    let now = jiff::Timestamp::now();
    let id = format!("ws-{:x}-{:x}", now.as_nanosecond(), std::process::id());
    store.set_sync_setting(crate::WORKSPACE_ID_SETTING, &id)?;
    Ok(id)
}
