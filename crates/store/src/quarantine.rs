//! Documents the CMS sent that this workspace refuses: a path that is not one of the
//! workspace's own documents (`../../escape.json`, an absolute path), text that is not valid
//! JSON, a document over the size limit, a version that is not a version. A refused document is
//! never applied; it is kept here, visible with the CMS's version and the reason, so one bad
//! document neither stops a pull nor disappears. A valid later version of the same document
//! clears it.
//!
//! A change to code (a component's template or schema, the theme) is *held* the same way, whole:
//! applying it as it arrives would put unreviewed markup into the next release. Someone with
//! the right to edit takes it into a change set of their own ([`Store::take_held`]), where review
//! shows it as a code change and four eyes apply.

use crate::audit::append;
use crate::db::Store;
use crate::error::{ErrorCode, Result, StoreError};
use crate::sync_state::set_base;
use crate::ChangeSetId;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;

/// How much of a refused document's text is kept to show.
const EXCERPT_CHARS: usize = 2_000;
/// The longest path, version or author name kept from the CMS.
pub(crate) const LABEL_CHARS: usize = 200;

/// A document the CMS sent that was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quarantined {
    pub id: i64,
    /// As the CMS named it, shortened, control characters escaped.
    pub path: String,
    pub remote_version: String,
    pub remote_author: String,
    /// `refused` (it cannot be used) or `held` (code, waiting to be taken into a change set).
    pub kind: String,
    /// Why it was refused or held, in words.
    pub reason: String,
    /// The start of the CMS's text (`None`: a deletion).
    pub excerpt: Option<String>,
    /// The size of the CMS's text in bytes.
    pub size: usize,
    pub found_at: String,
}

/// A label the CMS chose (a path, a version, an author) made safe to store, log and show:
/// control characters escaped, at most [`LABEL_CHARS`] characters.
pub fn remote_label(text: &str) -> String {
    let escaped: String =
        text.chars().flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] }).collect();
    match escaped.char_indices().nth(LABEL_CHARS) {
        Some((at, _)) => format!("{}…", &escaped[..at]),
        None => escaped,
    }
}

/// What a CMS version must look like to be used in a compare-and-set write.
pub(crate) fn check_remote_version(version: &str) -> std::result::Result<(), String> {
    if !version.is_empty() && version.len() <= 64 && version.chars().all(|c| c.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(format!("the CMS gave \"{}\" as its version, which is not a version", remote_label(version)))
    }
}

/// A document whose changes are code: they are held for review instead of applied on pull.
pub fn is_code(path: &str) -> bool {
    path.starts_with("components/") || path == "theme.css"
}

/// What happens to a CMS document that is not applied.
pub(crate) enum Kept<'a> {
    /// It cannot be used; `content` is the CMS's raw text, kept in part.
    Refused { content: Option<&'a str> },
    /// Code, kept whole (canonical) for someone to take into a change set.
    Held { content: Option<&'a str> },
}

/// Records (or replaces, for the same document) a refused or held CMS document, with an audit
/// entry.
pub(crate) fn quarantine(
    tx: &Transaction<'_>,
    at: &str,
    path: &str,
    version: &str,
    author: &str,
    kept: Kept<'_>,
    reason: &str,
) -> Result<()> {
    let path = remote_label(path);
    let (version, author) = (remote_label(version), remote_label(author));
    let (kind, content, whole) = match kept {
        Kept::Refused { content } => ("refused", content, None),
        Kept::Held { content } => ("held", content, content),
    };
    let excerpt = content.map(|c| c.chars().take(EXCERPT_CHARS).collect::<String>());
    let size = content.map_or(0, str::len) as i64;
    tx.execute("DELETE FROM sync_quarantine WHERE path = ?1 AND cleared_at IS NULL", [&path])?;
    tx.execute(
        "INSERT INTO sync_quarantine (path, remote_version, remote_author, kind, reason, excerpt, size, content, found_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![path, version, author, kind, reason, excerpt, size, whole, at],
    )?;
    let action = if kind == "held" { "sync hold" } else { "sync quarantine" };
    append(tx, at, &author, action, &path, &serde_json::json!({"cms_version": version, "reason": reason}))?;
    Ok(())
}

/// A valid version of `path` arrived: an earlier refused one is no longer a problem.
pub(crate) fn clear(tx: &Transaction<'_>, at: &str, path: &str) -> Result<()> {
    tx.execute("UPDATE sync_quarantine SET cleared_at = ?1 WHERE path = ?2 AND cleared_at IS NULL", params![at, path])?;
    Ok(())
}

impl Store {
    /// Documents the CMS sent that were refused and not yet replaced by a valid version, oldest
    /// first.
    pub fn sync_quarantine(&self) -> Result<Vec<Quarantined>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, path, remote_version, remote_author, kind, reason, excerpt, size, found_at FROM sync_quarantine
             WHERE cleared_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Quarantined {
                id: r.get(0)?,
                path: r.get(1)?,
                remote_version: r.get(2)?,
                remote_author: r.get(3)?,
                kind: r.get(4)?,
                reason: r.get(5)?,
                excerpt: r.get(6)?,
                size: r.get::<_, i64>(7)?.try_into().unwrap_or(0),
                found_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }
}

impl Store {
    /// Settles the open conflict `id` on a code document by holding the CMS's side for review
    /// instead of applying it: it then waits, like a held pull, for someone to take it into a
    /// change set ([`Store::take_held`]). `user` needs the right to edit the document.
    pub fn hold_conflict(&self, user: &str, id: i64, path: &str) -> Result<()> {
        let at = self.now();
        self.with_tx(|tx| {
            crate::documents::require(tx, user, crate::Role::edit_action(path), "resolve sync conflicts")?;
            let conflict: Option<(String, Option<String>, String)> = tx
                .query_row(
                    "SELECT remote_version, remote_content, remote_author FROM sync_conflicts WHERE id = ?1 AND path = ?2 AND resolved_at IS NULL",
                    params![id, path],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let Some((version, content, author)) = conflict else {
                return Err(StoreError::new(ErrorCode::Conflict, format!("the conflict on {path} changed while resolving it; look at it again")));
            };
            let reason = "a change to a template, a schema or the theme is code: the CMS's version waits to be taken into a change set and reviewed";
            quarantine(tx, &at, path, &version, &author, Kept::Held { content: content.as_deref() }, reason)?;
            tx.execute(
                "UPDATE sync_conflicts SET resolved_at = ?1, resolved_by = ?2, resolution = 'held' WHERE id = ?3",
                params![at, user, id],
            )?;
            append(tx, &at, user, "sync resolve", path, &serde_json::json!({"conflict": id, "resolution": "held", "cms_version": version}))?;
            Ok(())
        })
    }

    /// Takes the code change held for `path` into a new change set of `user`'s (who needs the
    /// right to edit it), to be reviewed like any other change. Returns the change set. The CMS's
    /// version becomes the document's base, so publishing it later sends it back unchanged.
    pub fn take_held(&self, user: &str, path: &str) -> Result<ChangeSetId> {
        let held: Option<(i64, String, String, Option<String>)> = self
            .conn()
            .query_row(
                "SELECT id, remote_version, remote_author, content FROM sync_quarantine WHERE path = ?1 AND kind = 'held' AND cleared_at IS NULL",
                [path],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, version, author, content)) = held else {
            return Err(StoreError::new(ErrorCode::NotFound, format!("no change from the CMS is waiting for {path}")));
        };
        let change_set = self.create_change_set(user, &format!("From the CMS: {path} (changed there by {author})"))?;
        let head = self.document(path)?.map(|(revision, _)| revision);
        match &content {
            Some(text) => {
                self.write(user, change_set, path, text, head)?;
            }
            None => {
                if let Some(head) = head {
                    self.delete(user, change_set, path, head)?;
                }
            }
        }
        let at = self.now();
        self.with_tx(|tx| {
            set_base(tx, path, content.as_ref().map(|_| version.as_str()), content.as_deref(), &at)?;
            tx.execute("UPDATE sync_quarantine SET cleared_at = ?1 WHERE id = ?2", params![at, id])?;
            append(tx, &at, user, "sync take", path, &serde_json::json!({"change_set": change_set, "cms_version": version}))?;
            Ok(())
        })?;
        Ok(change_set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_label_is_bounded_and_has_no_control_characters() {
        assert_eq!(remote_label("eve@cms"), "eve@cms");
        assert_eq!(remote_label("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
        let long = remote_label(&"x".repeat(10_000));
        assert_eq!(long.chars().count(), LABEL_CHARS + 1);
    }

    #[test]
    fn only_short_printable_versions_are_versions() {
        assert!(check_remote_version("17").is_ok());
        assert!(check_remote_version("W/\"abc\"").is_ok());
        for bad in ["", "1 2", "1\n", &"9".repeat(65)] {
            assert!(check_remote_version(bad).is_err(), "{bad:?}");
        }
    }
}
