//! What is live, what a change set changes, and the workspace as it would be with a change set
//! applied.
//!
//! **Invariant:** a document's head (what [`Store::document`](crate::Store::document) and
//! [`Store::export`](crate::Store::export) show) is the live content, unless the head is an edit
//! of an open (draft, submitted or approved) change set. At most one open change set owns a
//! document at a time (see `documents::ownership_check`). Each operation keeps this true:
//! import makes the imported files live, publishing makes the change set's edits live,
//! rejecting resets the change set's documents to live, and rolling back resets every document
//! no open change set owns to the restored release.
//!
//! So a release is always *live + this change set's edits*: another author's unreviewed draft
//! never rides along.

use crate::audit::append;
use crate::documents::{head, insert_edit, open_owner};
use crate::error::{ErrorCode, Result, StoreError};
use crate::ChangeSetId;
use rusqlite::{OptionalExtension, Transaction};
use std::collections::BTreeMap;
use vantage_engine::load::SourceFiles;

/// A change set's edits: each document it touched, with its content (`None`: deleted).
pub(crate) type Changes = BTreeMap<String, Option<String>>;

/// The newest release, if any.
pub(crate) fn latest_release(tx: &Transaction<'_>) -> Result<Option<i64>> {
    Ok(tx.query_row("SELECT MAX(id) FROM releases", [], |r| r.get(0))?)
}

/// The live workspace after `release`, or the imported one when nothing was released yet.
pub(crate) fn live_at(tx: &Transaction<'_>, release: Option<i64>) -> Result<SourceFiles> {
    match release {
        Some(id) => {
            let text: Option<String> = tx.query_row("SELECT sources FROM releases WHERE id = ?1", [id], |r| r.get(0)).optional()?;
            let text = text.ok_or_else(|| StoreError::new(ErrorCode::NotFound, format!("there is no release {id}")))?;
            serde_json::from_str(&text).map_err(|e| StoreError::new(ErrorCode::Database, format!("release {id} is unreadable: {e}")))
        }
        None => {
            // Revisions outside any change set: the import, and resets back to it.
            let mut stmt = tx.prepare(
                "SELECT path, content FROM revisions WHERE id IN (SELECT MAX(id) FROM revisions WHERE change_set IS NULL GROUP BY path)
                 AND content IS NOT NULL",
            )?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            Ok(rows.collect::<std::result::Result<_, _>>()?)
        }
    }
}

/// The workspace as it was imported: the revisions outside any change set that were written
/// before the first edit of any change set (the import is one transaction on an empty store).
pub(crate) fn imported(conn: &rusqlite::Connection) -> Result<SourceFiles> {
    let mut stmt = conn.prepare(
        "SELECT path, content FROM revisions WHERE change_set IS NULL
         AND id < COALESCE((SELECT MIN(id) FROM revisions WHERE change_set IS NOT NULL), 9223372036854775807)
         ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
    let mut files = SourceFiles::new();
    for row in rows {
        match row? {
            (path, Some(content)) => files.insert(path, content),
            (path, None) => files.remove(&path),
        };
    }
    Ok(files)
}

/// The live workspace now.
pub(crate) fn live(tx: &Transaction<'_>) -> Result<SourceFiles> {
    live_at(tx, latest_release(tx)?)
}

/// The latest content of every document `change_set` touched.
pub(crate) fn changes_of(tx: &Transaction<'_>, change_set: ChangeSetId) -> Result<Changes> {
    let mut stmt =
        tx.prepare("SELECT path, content FROM revisions WHERE id IN (SELECT MAX(id) FROM revisions WHERE change_set = ?1 GROUP BY path)")?;
    let rows = stmt.query_map([change_set], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}

/// `base` with `changes` applied.
pub(crate) fn apply(mut base: SourceFiles, changes: &Changes) -> SourceFiles {
    for (path, content) in changes {
        match content {
            Some(text) => base.insert(path.clone(), text.clone()),
            None => base.remove(path),
        };
    }
    base
}

/// The live workspace with `change_set` applied: what lint checks and what publishing freezes.
pub(crate) fn applied(tx: &Transaction<'_>, change_set: ChangeSetId) -> Result<SourceFiles> {
    Ok(apply(live(tx)?, &changes_of(tx, change_set)?))
}

/// Documents of `change_set` that the live workspace changed since it was approved (by a
/// rollback: while the change set is open no other change set can edit them).
pub(crate) fn changed_since_approval(tx: &Transaction<'_>, change_set: ChangeSetId) -> Result<Vec<String>> {
    let approved_after: Option<i64> =
        tx.query_row("SELECT approved_after_release FROM change_sets WHERE id = ?1", [change_set], |r| r.get(0))?;
    let now = latest_release(tx)?;
    if now == approved_after {
        return Ok(Vec::new());
    }
    let (then, now) = (live_at(tx, approved_after)?, live_at(tx, now)?);
    Ok(changes_of(tx, change_set)?.into_keys().filter(|p| then.get(p) != now.get(p)).collect())
}

/// Writes a revision (outside any change set) for every document in `paths` whose head differs
/// from `target`, skipping documents an open change set owns. Returns the paths reset.
pub(crate) fn reset_heads<'p>(
    tx: &Transaction<'_>,
    paths: impl IntoIterator<Item = &'p String>,
    target: &SourceFiles,
    actor: &str,
    at: &str,
    why: &serde_json::Value,
) -> Result<Vec<String>> {
    let mut reset = Vec::new();
    for path in paths {
        let current = head(tx, path)?;
        let wanted = target.get(path);
        match &current {
            None if wanted.is_none() => continue,
            Some(h) if h.content.as_ref() == wanted => continue,
            Some(h) if open_owner(tx, h, None)?.is_some() => continue,
            _ => {}
        }
        let id = insert_edit(tx, path, actor, at, None, wanted.map(String::as_str))?;
        append(tx, at, actor, "reset", path, &serde_json::json!({"revision": id, "why": why}))?;
        reset.push(path.clone());
    }
    Ok(reset)
}

/// Every path that has a document row (current, or deleted).
pub(crate) fn all_paths(tx: &Transaction<'_>) -> Result<Vec<String>> {
    let mut stmt = tx.prepare("SELECT path FROM documents ORDER BY path")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<std::result::Result<_, _>>()?)
}
