//! Documents the CMS sent that this workspace refuses: a path that is not one of the
//! workspace's own documents (`../../escape.json`, an absolute path), text that is not valid
//! JSON, a document over the size limit, a version that is not a version. A refused document is
//! never applied; it is kept here, visible with the CMS's version and the reason, so one bad
//! document neither stops a pull nor disappears. A valid later version of the same document
//! clears it.

use crate::audit::append;
use crate::db::Store;
use crate::error::Result;
use rusqlite::{params, Transaction};
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
    /// Why it was refused, in words.
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

/// Records (or replaces, for the same document) a refused CMS document, with an audit entry.
pub(crate) fn quarantine(
    tx: &Transaction<'_>,
    at: &str,
    path: &str,
    version: &str,
    author: &str,
    content: Option<&str>,
    reason: &str,
) -> Result<()> {
    let path = remote_label(path);
    let (version, author) = (remote_label(version), remote_label(author));
    let excerpt = content.map(|c| c.chars().take(EXCERPT_CHARS).collect::<String>());
    let size = content.map_or(0, str::len) as i64;
    tx.execute("DELETE FROM sync_quarantine WHERE path = ?1 AND cleared_at IS NULL", [&path])?;
    tx.execute(
        "INSERT INTO sync_quarantine (path, remote_version, remote_author, reason, excerpt, size, found_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![path, version, author, reason, excerpt, size, at],
    )?;
    append(tx, at, &author, "sync quarantine", &path, &serde_json::json!({"cms_version": version, "reason": reason}))?;
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
            "SELECT id, path, remote_version, remote_author, reason, excerpt, size, found_at FROM sync_quarantine
             WHERE cleared_at IS NULL ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Quarantined {
                id: r.get(0)?,
                path: r.get(1)?,
                remote_version: r.get(2)?,
                remote_author: r.get(3)?,
                reason: r.get(4)?,
                excerpt: r.get(5)?,
                size: r.get::<_, i64>(6)?.try_into().unwrap_or(0),
                found_at: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
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
