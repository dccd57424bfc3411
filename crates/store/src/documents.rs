//! Documents (the workspace's files) and their append-only revisions: write, delete, undo and
//! redo, history, import and export.

use crate::audit::append;
use crate::db::Store;
use crate::error::{ErrorCode, Result, StoreError};
use crate::roles::{Action, Role};
use crate::{ChangeSetId, RevisionId};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use vantage_engine::load::SourceFiles;

/// One revision of a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Revision {
    pub id: RevisionId,
    pub path: String,
    pub author: String,
    pub at: String,
    pub change_set: Option<ChangeSetId>,
    /// `None` when this revision deletes the document.
    pub content: Option<String>,
    /// False for undo and redo revisions.
    pub is_edit: bool,
}

/// Canonical form of a document: JSON files are re-serialised (two-space indent, sorted keys,
/// trailing newline) so that equal content is equal bytes; other files are kept verbatim.
/// The largest document the store keeps: the CMS accepts request bodies up to 10 MB, and a
/// document sent as a JSON string can double in size, so both sides agree on this limit.
pub const DOCUMENT_MAX_BYTES: usize = 4 * 1024 * 1024;

pub fn canonical(path: &str, content: &str) -> Result<String> {
    let too_big = |len: usize| {
        StoreError::new(
            ErrorCode::Invalid,
            format!(
                "{path} is {:.1} MB; a document may be at most {} MB (the CMS takes no more)",
                len as f64 / 1_048_576.0,
                DOCUMENT_MAX_BYTES / 1_048_576
            ),
        )
    };
    if content.len() > DOCUMENT_MAX_BYTES {
        return Err(too_big(content.len()));
    }
    if !path.ends_with(".json") {
        return Ok(content.to_owned());
    }
    let value = vantage_engine::strict_json::parse(content)
        .map_err(|e| StoreError::new(ErrorCode::Invalid, format!("{path}:{}:{}: not valid JSON: {e}", e.line(), e.column())))?;
    let mut text = serde_json::to_string_pretty(&value).map_err(|e| StoreError::new(ErrorCode::Invalid, format!("{path}: {e}")))?;
    text.push('\n');
    if text.len() > DOCUMENT_MAX_BYTES {
        return Err(too_big(text.len()));
    }
    Ok(text)
}

/// The longest user name.
pub const USER_NAME_MAX: usize = 32;

/// A user name is 1 to 32 characters: lower-case ASCII letters, digits, `.`, `_` and `-`,
/// starting with a letter or digit (so it is safe in paths, logs, terminals and the CMS).
pub fn check_user_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name.len() <= USER_NAME_MAX
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        let shown: String = name.chars().take(USER_NAME_MAX).flat_map(char::escape_default).collect();
        Err(StoreError::new(
            ErrorCode::Invalid,
            format!("\"{shown}\" cannot be a user name: use 1 to {USER_NAME_MAX} lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit"),
        ))
    }
}

pub(crate) fn check_path(path: &str) -> Result<()> {
    vantage_engine::load::check_document_path(path).map_err(|message| StoreError::new(ErrorCode::Invalid, message))
}

pub(crate) fn role_of(tx: &Transaction<'_>, user: &str) -> Result<Role> {
    let role: Option<String> = tx.query_row("SELECT role FROM users WHERE name = ?1", [user], |r| r.get(0)).optional()?;
    match role {
        Some(r) => Role::parse(&r),
        None => Err(StoreError::new(ErrorCode::Forbidden, format!("`{user}` is not a user of this workspace"))),
    }
}

pub(crate) fn require(tx: &Transaction<'_>, user: &str, action: Action, what: &str) -> Result<Role> {
    let role = role_of(tx, user)?;
    if role.may(action) {
        Ok(role)
    } else {
        Err(StoreError::new(ErrorCode::Forbidden, format!("`{user}` is a {} and may not {what}", role.name())))
    }
}

pub(crate) struct Head {
    pub id: RevisionId,
    pub author: String,
    pub position: RevisionId,
    pub change_set: Option<ChangeSetId>,
    pub content: Option<String>,
}

impl Head {
    fn deleted(&self) -> bool {
        self.content.is_none()
    }
}

pub(crate) fn head(tx: &Transaction<'_>, path: &str) -> Result<Option<Head>> {
    // Cached statements: an import writes thousands of documents in one transaction.
    Ok(tx
        .prepare_cached(
            "SELECT r.id, r.author, r.position, r.change_set, r.content FROM documents d JOIN revisions r ON r.id = d.head WHERE d.path = ?1",
        )?
        .query_row(
            [path],
            |r| Ok(Head { id: r.get(0)?, author: r.get(1)?, position: r.get(2)?, change_set: r.get(3)?, content: r.get(4)? }),
        )
        .optional()?)
}

/// The open (draft, submitted or approved) change set other than `except` whose edit is the
/// document's head, with its title and author: while it is open, it owns the document.
pub(crate) fn open_owner(tx: &Transaction<'_>, head: &Head, except: Option<ChangeSetId>) -> Result<Option<(ChangeSetId, String, String)>> {
    let Some(owner) = head.change_set.filter(|&c| Some(c) != except) else { return Ok(None) };
    Ok(tx
        .query_row(
            "SELECT id, title, author FROM change_sets WHERE id = ?1 AND state IN ('draft', 'submitted', 'approved')",
            [owner],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// One open change set per document: an edit on top of another change set's unpublished edit
/// would carry that edit into this change set's release without its own review.
fn ownership_check(tx: &Transaction<'_>, path: &str, head: Option<&Head>, change_set: ChangeSetId) -> Result<()> {
    let Some(head) = head else { return Ok(()) };
    match open_owner(tx, head, Some(change_set))? {
        None => Ok(()),
        Some((owner, title, author)) => Err(StoreError::new(
            ErrorCode::Conflict,
            format!(
                "{path} has unpublished edits by `{author}` in change set {owner} (\"{title}\"); \
                 it can be edited again once that change set is published or rejected"
            ),
        )),
    }
}

fn draft_check(tx: &Transaction<'_>, change_set: ChangeSetId, user: &str) -> Result<()> {
    let row: Option<(String, String)> =
        tx.query_row("SELECT state, author FROM change_sets WHERE id = ?1", [change_set], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    match row {
        None => Err(StoreError::new(ErrorCode::NotFound, format!("there is no change set {change_set}"))),
        Some((state, _)) if state != "draft" => {
            Err(StoreError::new(ErrorCode::Invalid, format!("change set {change_set} is {state}; only drafts take edits")))
        }
        Some((_, author)) if author != user && role_of(tx, user)? != Role::Admin => {
            Err(StoreError::new(ErrorCode::Forbidden, format!("change set {change_set} belongs to `{author}`; start your own draft")))
        }
        Some(_) => Ok(()),
    }
}

struct NewRevision<'a> {
    path: &'a str,
    author: &'a str,
    at: &'a str,
    change_set: Option<ChangeSetId>,
    content: Option<&'a str>,
    /// `None` for an edit (its position is itself); `Some(edit)` for an undo or redo.
    restores: Option<RevisionId>,
}

impl Store {
    /// Adds a user. The first user of a workspace may be added by anyone (it bootstraps an
    /// admin); after that only admins manage users.
    pub fn add_user(&self, actor: &str, name: &str, role: Role) -> Result<()> {
        check_user_name(name)?;
        let at = self.now();
        self.with_tx(|tx| {
            let count: i64 = tx.query_row("SELECT COUNT(*) FROM users", [], |r| r.get(0))?;
            if count > 0 {
                require(tx, actor, Action::ManageUsers, "manage users")?;
            }
            let current: Option<String> = tx.query_row("SELECT role FROM users WHERE name = ?1", params![name], |r| r.get(0)).optional()?;
            if current.as_deref() == Some(Role::Admin.name()) && role != Role::Admin {
                let admins: i64 = tx.query_row("SELECT COUNT(*) FROM users WHERE role = ?1", params![Role::Admin.name()], |r| r.get(0))?;
                if admins <= 1 {
                    return Err(StoreError::new(
                        ErrorCode::Invalid,
                        format!("{name} is the last admin; make someone else an admin first, or nobody could manage the team"),
                    ));
                }
            }
            tx.execute(
                "INSERT INTO users (name, role) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET role = excluded.role",
                params![name, role.name()],
            )?;
            append(tx, &at, actor, "user", name, &serde_json::json!({"role": role.name()}))
        })
    }

    /// Mirrors a person the CMS signed in: the local team gets `name` with the role the CMS gives
    /// them, so this store never grants more than the CMS does (a higher local role is lowered).
    /// Audited as the CMS's doing. This applies to the last local admin too: in a workspace
    /// connected to a CMS, the CMS manages the team.
    pub fn mirror_cms_user(&self, name: &str, role: Role) -> Result<()> {
        check_user_name(name)?;
        let at = self.now();
        self.with_tx(|tx| {
            let current: Option<String> = tx.query_row("SELECT role FROM users WHERE name = ?1", params![name], |r| r.get(0)).optional()?;
            if current.as_deref() == Some(role.name()) {
                return Ok(());
            }
            tx.execute(
                "INSERT INTO users (name, role) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET role = excluded.role",
                params![name, role.name()],
            )?;
            append(tx, &at, "the CMS", "user", name, &serde_json::json!({"role": role.name(), "signed_in": true}))
        })
    }

    /// Every user and their role, by name.
    pub fn users(&self) -> Result<Vec<(String, Role)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT name, role FROM users ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut users = Vec::new();
        for row in rows {
            let (name, role) = row?;
            users.push((name, Role::parse(&role)?));
        }
        Ok(users)
    }

    /// The role of `user`.
    pub fn role(&self, user: &str) -> Result<Role> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        role_of(&tx, user)
    }

    /// Writes a document in a draft change set. `expected` is the revision the author's edit
    /// is based on (`None` for a new document): if someone wrote the document since, nothing is
    /// written and the conflict names who.
    pub fn write(
        &self,
        user: &str,
        change_set: ChangeSetId,
        path: &str,
        content: &str,
        expected: Option<RevisionId>,
    ) -> Result<RevisionId> {
        check_path(path)?;
        let content = canonical(path, content)?;
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Role::edit_action(path), "edit these documents")?;
            draft_check(tx, change_set, user)?;
            let current = head(tx, path)?;
            // Up to date: based on the head, or creating a document that is absent or deleted.
            let up_to_date =
                expected == current.as_ref().map(|h| h.id) || (expected.is_none() && current.as_ref().is_none_or(Head::deleted));
            if !up_to_date {
                let by = current.as_ref().map_or("someone".to_owned(), |h| format!("`{}` (revision {})", h.author, h.id));
                return Err(StoreError::new(
                    ErrorCode::Conflict,
                    format!("{path} was changed by {by} since you opened it; reload it and apply your edit again"),
                ));
            }
            ownership_check(tx, path, current.as_ref(), change_set)?;
            let id = insert_edit(tx, path, user, &at, Some(change_set), Some(&content))?;
            append(tx, &at, user, "edit", path, &serde_json::json!({"revision": id, "change_set": change_set}))?;
            Ok(id)
        })
    }

    /// Deletes a document in a draft change set (a revision with no content).
    pub fn delete(&self, user: &str, change_set: ChangeSetId, path: &str, expected: RevisionId) -> Result<RevisionId> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Role::edit_action(path), "edit these documents")?;
            draft_check(tx, change_set, user)?;
            let current = head(tx, path)?;
            match &current {
                Some(h) if h.id == expected && !h.deleted() => ownership_check(tx, path, Some(h), change_set)?,
                Some(h) => {
                    return Err(StoreError::new(
                        ErrorCode::Conflict,
                        format!("{path} was changed by `{}` (revision {}) since you opened it", h.author, h.id),
                    ))
                }
                None => return Err(StoreError::new(ErrorCode::NotFound, format!("there is no document {path}"))),
            }
            let id = insert_edit(tx, path, user, &at, Some(change_set), None)?;
            append(tx, &at, user, "delete", path, &serde_json::json!({"revision": id, "change_set": change_set}))?;
            Ok(id)
        })
    }

    /// Undoes the latest edit of `path` (writing a revision that restores the content before it).
    pub fn undo(&self, user: &str, change_set: ChangeSetId, path: &str) -> Result<RevisionId> {
        self.step(user, change_set, path, true)
    }

    /// Redoes the edit the last undo of `path` took back.
    pub fn redo(&self, user: &str, change_set: ChangeSetId, path: &str) -> Result<RevisionId> {
        self.step(user, change_set, path, false)
    }

    fn step(&self, user: &str, change_set: ChangeSetId, path: &str, back: bool) -> Result<RevisionId> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Role::edit_action(path), "edit these documents")?;
            draft_check(tx, change_set, user)?;
            let h = head(tx, path)?.ok_or_else(|| StoreError::new(ErrorCode::NotFound, format!("there is no document {path}")))?;
            ownership_check(tx, path, Some(&h), change_set)?;
            let target: Option<RevisionId> = if back {
                tx.query_row("SELECT parent_edit FROM revisions WHERE id = ?1", [h.position], |r| r.get(0))?
            } else {
                tx.query_row(
                    "SELECT MAX(id) FROM revisions WHERE path = ?1 AND is_edit = 1 AND parent_edit = ?2",
                    params![path, h.position],
                    |r| r.get(0),
                )?
            };
            let what = if back { "undo" } else { "redo" };
            let target = target.ok_or_else(|| StoreError::new(ErrorCode::Invalid, format!("nothing to {what} in {path}")))?;
            let content: Option<String> = tx.query_row("SELECT content FROM revisions WHERE id = ?1", [target], |r| r.get(0))?;
            let id = insert_restore(tx, path, user, &at, change_set, content.as_deref(), target)?;
            append(tx, &at, user, what, path, &serde_json::json!({"revision": id, "restores": target, "change_set": change_set}))?;
            Ok(id)
        })
    }

    /// The current content and revision of a document (`None` if absent or deleted).
    pub fn document(&self, path: &str) -> Result<Option<(RevisionId, String)>> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT r.id, r.content FROM documents d JOIN revisions r ON r.id = d.head WHERE d.path = ?1 AND r.content IS NOT NULL",
                [path],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    /// Every revision of a document, newest first.
    pub fn history(&self, path: &str) -> Result<Vec<Revision>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, path, author, at, change_set, content, is_edit FROM revisions WHERE path = ?1 ORDER BY id DESC")?;
        let rows = stmt.query_map([path], |r| {
            Ok(Revision {
                id: r.get(0)?,
                path: r.get(1)?,
                author: r.get(2)?,
                at: r.get(3)?,
                change_set: r.get(4)?,
                content: r.get(5)?,
                is_edit: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The workspace as files: every document's current content.
    pub fn export(&self) -> Result<SourceFiles> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT d.path, r.content FROM documents d JOIN revisions r ON r.id = d.head WHERE r.content IS NOT NULL ORDER BY d.path",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Imports a workspace's files as the first revisions of a fresh store, in one transaction.
    pub fn import(&self, user: &str, files: &SourceFiles) -> Result<usize> {
        let at = self.now();
        let canonical_files: Vec<(String, String)> = files.iter().map(|(p, c)| Ok((p.clone(), canonical(p, c)?))).collect::<Result<_>>()?;
        self.with_tx(|tx| {
            require(tx, user, Action::Edit, "import a workspace")?;
            let existing: i64 = tx.query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))?;
            if existing > 0 {
                return Err(StoreError::new(ErrorCode::Invalid, "this store already holds a workspace; import into a new one"));
            }
            for (path, content) in &canonical_files {
                check_path(path)?;
                insert_edit(tx, path, user, &at, None, Some(content))?;
            }
            append(tx, &at, user, "import", "workspace", &serde_json::json!({"files": canonical_files.len()}))?;
            Ok(canonical_files.len())
        })
    }
}

pub(crate) fn insert_edit(
    tx: &Transaction<'_>,
    path: &str,
    author: &str,
    at: &str,
    change_set: Option<ChangeSetId>,
    content: Option<&str>,
) -> Result<RevisionId> {
    insert_row(tx, NewRevision { path, author, at, change_set, content, restores: None })
}

fn insert_restore(
    tx: &Transaction<'_>,
    path: &str,
    author: &str,
    at: &str,
    change_set: ChangeSetId,
    content: Option<&str>,
    restores: RevisionId,
) -> Result<RevisionId> {
    insert_row(tx, NewRevision { path, author, at, change_set: Some(change_set), content, restores: Some(restores) })
}

/// Inserts a revision with its position already known: the next id is taken from the table
/// (inside the immediate transaction, so no one else can take it).
fn insert_row(tx: &Transaction<'_>, r: NewRevision<'_>) -> Result<RevisionId> {
    let current = head(tx, r.path)?;
    let next: RevisionId = tx.prepare_cached("SELECT COALESCE(MAX(id), 0) + 1 FROM revisions")?.query_row([], |row| row.get(0))?;
    let position = r.restores.unwrap_or(next);
    let parent_edit = if r.restores.is_none() { current.as_ref().map(|h| h.position) } else { None };
    tx.prepare_cached(
        "INSERT INTO revisions (id, path, parent, author, at, change_set, content, is_edit, position, parent_edit) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![next, r.path, current.as_ref().map(|h| h.id), r.author, r.at, r.change_set, r.content, r.restores.is_none(), position, parent_edit])?;
    tx.prepare_cached("INSERT INTO documents (path, head) VALUES (?1, ?2) ON CONFLICT(path) DO UPDATE SET head = excluded.head")?
        .execute(params![r.path, next])?;
    Ok(next)
}
