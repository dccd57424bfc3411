//! Edits made in the CMS wait for review. A pulled change to a document nobody changed here is
//! written into a change set by its remote author, already submitted: it shows in the review
//! inbox with its diff, lint and impact, and reaches a release only once someone approves it
//! (publishing refuses lint errors as for any change set). Until then the live workspace keeps
//! what was released. A newer CMS edit of a document such a change set holds joins it and sends
//! it back for review.

use crate::audit::append;
use crate::documents::{insert_edit, Head};
use crate::error::Result;
use crate::ChangeSetId;
use rusqlite::{params, OptionalExtension, Transaction};
use std::collections::BTreeMap;

/// The change sets this pull opened, one per remote author.
pub(crate) type Inboxes = BTreeMap<String, ChangeSetId>;

/// `author`'s CMS change set still waiting (submitted, or approved and not yet published): the
/// edits of later pulls join it, so a reviewer sees one change per editor.
fn open_inbox(tx: &Transaction<'_>, author: &str) -> Result<Option<ChangeSetId>> {
    Ok(tx
        .query_row(
            "SELECT id FROM change_sets WHERE author = ?1 AND from_cms = 1 AND state IN ('submitted', 'approved') ORDER BY id DESC LIMIT 1",
            [author],
            |r| r.get(0),
        )
        .optional()?)
}

/// What was approved is changing: the approval is withdrawn and the change set waits again.
fn reopen(tx: &Transaction<'_>, at: &str, author: &str, id: ChangeSetId, path: &str) -> Result<()> {
    let withdrawn = tx.execute(
        "UPDATE change_sets SET state = 'submitted', decided_by = NULL, decided_at = NULL, decision_comment = NULL
         WHERE id = ?1 AND state = 'approved'",
        [id],
    )?;
    if withdrawn > 0 {
        append(tx, at, author, "cms change reopened", &id.to_string(), &serde_json::json!({"path": path}))?;
    }
    Ok(())
}

/// The open change set from the CMS that owns the document, if its head is one's edit.
pub(crate) fn cms_owner(tx: &Transaction<'_>, head: &Head) -> Result<Option<ChangeSetId>> {
    let Some(owner) = head.change_set else { return Ok(None) };
    Ok(tx
        .query_row("SELECT id FROM change_sets WHERE id = ?1 AND from_cms = 1 AND state IN ('submitted', 'approved')", [owner], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Writes `content` (`None`: deleted) as `author`'s CMS edit of `path` for review: into `into`
/// (a CMS change set that already holds the document), else into `author`'s waiting CMS change
/// set, opened on first need. An approval the change set had is withdrawn: what was approved
/// changed.
pub(crate) fn write_for_review(
    tx: &Transaction<'_>,
    at: &str,
    inboxes: &mut Inboxes,
    into: Option<ChangeSetId>,
    path: &str,
    author: &str,
    content: Option<&str>,
) -> Result<(ChangeSetId, i64)> {
    let change_set = match into {
        Some(id) => {
            reopen(tx, at, author, id, path)?;
            id
        }
        None => match inboxes.get(author).copied().or(open_inbox(tx, author)?) {
            Some(id) => {
                inboxes.insert(author.to_owned(), id);
                reopen(tx, at, author, id, path)?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO change_sets (title, author, state, created_at, from_cms) VALUES (?1, ?2, 'submitted', ?3, 1)",
                    params![format!("Edited in the CMS by {author}"), author, at],
                )?;
                let id = tx.last_insert_rowid();
                append(tx, at, author, "cms change", &id.to_string(), &serde_json::json!({}))?;
                inboxes.insert(author.to_owned(), id);
                id
            }
        },
    };
    let revision = insert_edit(tx, path, author, at, Some(change_set), content)?;
    append(tx, at, author, "sync pull for review", path, &serde_json::json!({"revision": revision, "change_set": change_set}))?;
    Ok((change_set, revision))
}
