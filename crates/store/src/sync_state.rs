//! What sync remembers about the remote CMS: settings (the CMS URL, the changes-feed cursor),
//! each document's base (the CMS version and the content both sides last agreed on), and the
//! conflicts found when pulling. A pulled change is written as a revision by the remote author
//! only when the document did not change here since the last sync (into a change set waiting
//! for review, see `cms_inbox.rs`, unless the store adopts the CMS's workspace); otherwise it
//! becomes a conflict and the document is left alone.

use crate::audit::append;
use crate::cms_inbox::{cms_owner, write_for_review, Inboxes};
use crate::db::Store;
use crate::documents::{canonical, check_path, head, insert_edit, open_owner, require};
use crate::error::{ErrorCode, Result, StoreError};
use crate::quarantine::{check_remote_version, clear, is_code, quarantine, remote_label, Kept};
use crate::roles::Role;
use crate::{ChangeSetId, RevisionId};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

/// The CMS version and content both sides last agreed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncBase {
    /// `None` when the CMS deleted the document.
    pub remote_version: Option<String>,
    /// `None` for a deletion.
    pub content: Option<String>,
}

/// A document changed on both sides since the last sync.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncConflict {
    pub id: i64,
    pub path: String,
    pub local_revision: Option<RevisionId>,
    /// `None`: absent or deleted here.
    pub local_content: Option<String>,
    pub remote_version: String,
    /// `None`: deleted on the CMS.
    pub remote_content: Option<String>,
    pub remote_author: String,
    /// Field-level differences, as computed by the caller when the conflict was found.
    pub diff: serde_json::Value,
    pub found_at: String,
}

/// A change read from the CMS's changes feed.
#[derive(Debug, Clone, Copy)]
pub struct PulledChange<'a> {
    pub path: &'a str,
    pub version: &'a str,
    /// `None` when the CMS deleted the document.
    pub content: Option<&'a str>,
    pub author: &'a str,
}

/// What pulling one change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PullApplied {
    /// That version is already the base (typically our own push coming back).
    Known,
    /// Both sides already hold the same content; only the base moved.
    Same,
    /// Written as a new revision by the remote author (adopting the CMS's workspace).
    Applied(RevisionId),
    /// Written by the remote author into a change set from the CMS, waiting for review.
    ForReview { revision: RevisionId, change_set: ChangeSetId },
    /// Changed here too: recorded as a conflict, the document untouched.
    Conflict,
    /// Refused (the reason): kept in quarantine, never applied.
    Quarantined(String),
    /// Code (a template, a schema, the theme): held whole until someone takes it into a change
    /// set for review.
    Held,
}

/// Computes the field diff stored with a conflict: `(path, mine, theirs)`.
pub type DiffFn<'a> = &'a dyn Fn(&str, Option<&str>, Option<&str>) -> serde_json::Value;

fn base_of(tx: &Transaction<'_>, path: &str) -> Result<Option<SyncBase>> {
    Ok(tx
        .query_row("SELECT remote_version, content FROM sync_bases WHERE path = ?1", [path], |r| {
            Ok(SyncBase { remote_version: r.get(0)?, content: r.get(1)? })
        })
        .optional()?)
}

pub(crate) fn set_base(tx: &Transaction<'_>, path: &str, version: Option<&str>, content: Option<&str>, at: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_bases (path, remote_version, content, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(path) DO UPDATE SET remote_version = excluded.remote_version, content = excluded.content, at = excluded.at",
        params![path, version, content, at],
    )?;
    Ok(())
}

fn set_setting(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO sync_settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// A pulled change as this workspace will take it: its canonical content (`None`: deleted), or
/// why it is refused (a path not among the workspace's documents, bad JSON, too big, a version
/// that is not one).
fn checked_remote(c: &PulledChange<'_>) -> std::result::Result<Option<String>, String> {
    check_remote_version(c.version)?;
    check_path(c.path).map_err(|e| e.message)?;
    c.content.map(|text| canonical(c.path, text).map_err(|e| e.message)).transpose()
}

const CONFLICT_COLUMNS: &str = "id, path, local_revision, local_content, remote_version, remote_content, remote_author, diff, found_at";

fn conflict_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SyncConflict> {
    let diff: String = r.get(7)?;
    Ok(SyncConflict {
        id: r.get(0)?,
        path: r.get(1)?,
        local_revision: r.get(2)?,
        local_content: r.get(3)?,
        remote_version: r.get(4)?,
        remote_content: r.get(5)?,
        remote_author: r.get(6)?,
        diff: serde_json::from_str(&diff).unwrap_or(serde_json::Value::String(diff)),
        found_at: r.get(8)?,
    })
}

impl Store {
    /// A sync setting (`cms_url`, `cursor`), if set.
    pub fn sync_setting(&self, key: &str) -> Result<Option<String>> {
        let conn = self.conn();
        Ok(conn.query_row("SELECT value FROM sync_settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// Sets a sync setting.
    pub fn set_sync_setting(&self, key: &str, value: &str) -> Result<()> {
        self.with_tx(|tx| set_setting(tx, key, value))
    }

    /// Whether the store has never held a document (a new store about to adopt a workspace).
    pub fn never_held_documents(&self) -> Result<bool> {
        Ok(!self.conn().query_row("SELECT EXISTS(SELECT 1 FROM revisions)", [], |r| r.get::<_, bool>(0))?)
    }

    /// The base of a document: what the CMS and this store last agreed on.
    pub fn sync_base(&self, path: &str) -> Result<Option<SyncBase>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        base_of(&tx, path)
    }

    /// Records that the CMS holds `content` at `version` (after a confirmed push).
    pub fn set_sync_base(&self, path: &str, version: Option<&str>, content: Option<&str>) -> Result<()> {
        let at = self.now();
        let content = content.map(|c| canonical(path, c)).transpose()?;
        self.with_tx(|tx| set_base(tx, path, version, content.as_deref(), &at))
    }

    /// Marks outbox entry `id` done and, for a document, records that the CMS holds `content`
    /// at `version`: both in one transaction.
    pub fn outbox_done_with_base(&self, id: i64, path: Option<&str>, version: Option<&str>, content: Option<&str>) -> Result<()> {
        let at = self.now();
        let content = match path {
            Some(path) => content.map(|c| canonical(path, c)).transpose()?,
            None => None,
        };
        self.with_tx(|tx| {
            tx.execute("UPDATE outbox SET state = 'done', done_at = ?1, last_error = NULL WHERE id = ?2", params![at, id])?;
            if let Some(path) = path {
                set_base(tx, path, version, content.as_deref(), &at)?;
            }
            Ok(())
        })
    }

    /// Applies one page of the CMS's changes feed and stores `cursor` (when the changes come
    /// from the feed), all in one transaction.
    /// A change is written as a revision by its remote author only if the document did not
    /// change here since the last sync (its content is still the base's, nothing for it waits
    /// in the outbox, and no open change set holds it); otherwise it is recorded as a conflict with `diff(path, mine, theirs)`, and a
    /// newer remote change replaces an open conflict on the same document. A change this
    /// workspace refuses (see `quarantine.rs`) is quarantined and the others still apply. With
    /// `hold_code`, content waits for review in a change set by its remote author (a CMS change
    /// set holding the document takes the newer edit too), and a change to a template, schema or
    /// the theme is held whole until someone takes it into a change set; both are off only when
    /// a store that never held a document adopts the CMS's workspace.
    pub fn apply_pulled(
        &self,
        changes: &[PulledChange<'_>],
        cursor: Option<&str>,
        diff: DiffFn<'_>,
        hold_code: bool,
    ) -> Result<Vec<PullApplied>> {
        let at = self.now();
        let checked: Vec<_> = changes.iter().map(checked_remote).collect();
        self.with_tx(|tx| {
            let mut out = Vec::with_capacity(changes.len());
            let mut inboxes = Inboxes::new();
            for (c, remote) in changes.iter().zip(&checked) {
                let remote = match remote {
                    Ok(remote) => remote,
                    Err(reason) => {
                        quarantine(tx, &at, c.path, c.version, c.author, Kept::Refused { content: c.content }, reason)?;
                        out.push(PullApplied::Quarantined(reason.clone()));
                        continue;
                    }
                };
                clear(tx, &at, c.path)?;
                let author = remote_label(c.author);
                let c = &PulledChange { author: &author, ..*c };
                let base = base_of(tx, c.path)?;
                if base.as_ref().and_then(|b| b.remote_version.as_deref()) == Some(c.version) {
                    out.push(PullApplied::Known);
                    continue;
                }
                let current = head(tx, c.path)?;
                let local = current.as_ref().and_then(|h| h.content.clone());
                // A deletion's base has no version: re-creating over a tombstone names none.
                let version = remote.as_ref().map(|_| c.version);
                if &local == remote {
                    set_base(tx, c.path, version, remote.as_deref(), &at)?;
                    // Both sides agree now: an open conflict on it is settled.
                    tx.execute(
                        "UPDATE sync_conflicts SET resolved_at = ?1, resolved_by = ?2, resolution = 'converged' WHERE path = ?3 AND resolved_at IS NULL",
                        params![at, c.author, c.path],
                    )?;
                    out.push(PullApplied::Same);
                    continue;
                }
                // Changes queued for the CMS are changes here even when the head is back at the
                // base (changed, then changed back): applying the CMS's edit would let the queue
                // overwrite it on the next push.
                let unsent: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM outbox WHERE path = ?1 AND state = 'pending')",
                    [c.path],
                    |r| r.get(0),
                )?;
                let changed_here = unsent
                    || match &base {
                        Some(b) => b.content != local,
                        None => local.is_some(),
                    };
                let held = match &current {
                    Some(h) => open_owner(tx, h, None)?.is_some(),
                    None => false,
                };
                if hold_code && !changed_here && !held && is_code(c.path) {
                    let reason = "a change to a template, a schema or the theme is code: it is not applied until someone takes it into a change set and it is reviewed";
                    quarantine(tx, &at, c.path, c.version, c.author, Kept::Held { content: remote.as_deref() }, reason)?;
                    out.push(PullApplied::Held);
                    continue;
                }
                let cms_held = match &current {
                    Some(h) if held => cms_owner(tx, h)?,
                    _ => None,
                };
                if hold_code && !changed_here && (!held || cms_held.is_some()) {
                    let (change_set, revision) = write_for_review(tx, &at, &mut inboxes, cms_held, c.path, c.author, remote.as_deref())?;
                    set_base(tx, c.path, version, remote.as_deref(), &at)?;
                    out.push(PullApplied::ForReview { revision, change_set });
                    continue;
                }
                if !changed_here && !held {
                    let id = insert_edit(tx, c.path, c.author, &at, None, remote.as_deref())?;
                    append(tx, &at, c.author, "sync pull", c.path, &serde_json::json!({"revision": id, "cms_version": c.version}))?;
                    set_base(tx, c.path, version, remote.as_deref(), &at)?;
                    out.push(PullApplied::Applied(id));
                    continue;
                }
                let d = diff(c.path, local.as_deref(), remote.as_deref()).to_string();
                let local_revision = current.as_ref().map(|h| h.id);
                let updated = tx.execute(
                    "UPDATE sync_conflicts SET local_revision = ?1, local_content = ?2, remote_version = ?3, remote_content = ?4,
                         remote_author = ?5, diff = ?6, found_at = ?7 WHERE path = ?8 AND resolved_at IS NULL",
                    params![local_revision, local, c.version, remote, c.author, d, at, c.path],
                )?;
                if updated == 0 {
                    tx.execute(
                        "INSERT INTO sync_conflicts (path, local_revision, local_content, remote_version, remote_content, remote_author, diff, found_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![c.path, local_revision, local, c.version, remote, c.author, d, at],
                    )?;
                }
                append(tx, &at, c.author, "sync conflict", c.path, &serde_json::json!({"cms_version": c.version}))?;
                out.push(PullApplied::Conflict);
            }
            if let Some(cursor) = cursor {
                set_setting(tx, "cursor", cursor)?;
            }
            Ok(out)
        })
    }

    /// Open conflicts, oldest first.
    pub fn sync_conflicts(&self) -> Result<Vec<SyncConflict>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {CONFLICT_COLUMNS} FROM sync_conflicts WHERE resolved_at IS NULL ORDER BY id"))?;
        let rows = stmt.query_map([], conflict_row)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The open conflict on `path`, if any.
    pub fn sync_conflict(&self, path: &str) -> Result<Option<SyncConflict>> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                &format!("SELECT {CONFLICT_COLUMNS} FROM sync_conflicts WHERE path = ?1 AND resolved_at IS NULL"),
                [path],
                conflict_row,
            )
            .optional()?)
    }

    /// Settles the open conflict `id` on `path` once both sides hold the same content: writes
    /// `local` as a new revision by `author` when given (`Some(None)` deletes), makes the CMS's
    /// `remote_version` holding `agreed` the base, and retires the document's pending outbox
    /// entries (they would overwrite the resolution). `resolution` is recorded (`mine`,
    /// `theirs`, `merged`). Refused if the conflict is no longer the open one (a newer pull
    /// replaced it).
    #[allow(clippy::too_many_arguments)]
    pub fn resolve_sync_conflict(
        &self,
        user: &str,
        id: i64,
        path: &str,
        resolution: &str,
        local: Option<(Option<&str>, &str)>,
        remote_version: Option<&str>,
        agreed: Option<&str>,
    ) -> Result<Option<RevisionId>> {
        let at = self.now();
        let local =
            local.map(|(content, author)| Ok::<_, StoreError>((content.map(|c| canonical(path, c)).transpose()?, author))).transpose()?;
        let agreed = agreed.map(|c| canonical(path, c)).transpose()?;
        self.with_tx(|tx| {
            require(tx, user, Role::edit_action(path), "resolve sync conflicts")?;
            let open: Option<i64> =
                tx.query_row("SELECT id FROM sync_conflicts WHERE path = ?1 AND resolved_at IS NULL", [path], |r| r.get(0)).optional()?;
            if open != Some(id) {
                return Err(StoreError::new(
                    ErrorCode::Conflict,
                    format!("the conflict on {path} changed while resolving it (a newer CMS change arrived); look at it again"),
                ));
            }
            let revision = match &local {
                Some((content, author)) => {
                    let id = insert_edit(tx, path, author, &at, None, content.as_deref())?;
                    Some(id)
                }
                None => None,
            };
            set_base(tx, path, remote_version, agreed.as_deref(), &at)?;
            tx.execute(
                "UPDATE sync_conflicts SET resolved_at = ?1, resolved_by = ?2, resolution = ?3 WHERE id = ?4",
                params![at, user, resolution, id],
            )?;
            let retired = tx.execute(
                "UPDATE outbox SET state = 'done', done_at = ?1, last_error = 'superseded by a conflict resolution' WHERE path = ?2 AND state = 'pending'",
                params![at, path],
            )?;
            append(
                tx,
                &at,
                user,
                "sync resolve",
                path,
                &serde_json::json!({"conflict": id, "resolution": resolution, "revision": revision, "cms_version": remote_version, "outbox_retired": retired}),
            )?;
            Ok(revision)
        })
    }
}
