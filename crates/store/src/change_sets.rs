//! Change sets (draft -> submitted -> approved | rejected -> published), four-eyes review,
//! comments, immutable releases with rollback, and scheduled publishing that re-validates.

use crate::audit::{append, chain_head};
use crate::db::Store;
use crate::documents::{require, role_of};
use crate::error::{ErrorCode, Result, StoreError};
use crate::live::{all_paths, applied, changed_since_approval, changes_of, latest_release, live, reset_heads};
use crate::roles::Action;
use crate::ChangeSetId;
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use vantage_engine::bundle::{source_hash, Bundle, Severity};
use vantage_engine::load::{load, SourceFiles};

/// What a scheduled publish did when it fired: (schedule id, the release or why it was refused).
pub type ScheduledOutcome = (i64, std::result::Result<i64, String>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeSetState {
    Draft,
    Submitted,
    Approved,
    Rejected,
    Published,
}

impl ChangeSetState {
    fn parse(s: &str) -> ChangeSetState {
        match s {
            "submitted" => ChangeSetState::Submitted,
            "approved" => ChangeSetState::Approved,
            "rejected" => ChangeSetState::Rejected,
            "published" => ChangeSetState::Published,
            _ => ChangeSetState::Draft,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeSet {
    pub id: ChangeSetId,
    pub title: String,
    pub author: String,
    pub state: ChangeSetState,
    pub created_at: String,
    pub decided_by: Option<String>,
    pub decision_comment: Option<String>,
    /// Documents the change set touched.
    pub documents: Vec<String>,
    /// Edits made in the CMS, brought by its changes feed (the author is a CMS account).
    pub from_cms: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comment {
    pub id: i64,
    pub change_set: Option<ChangeSetId>,
    pub path: Option<String>,
    pub author: String,
    pub at: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Release {
    pub id: i64,
    pub change_set: Option<ChangeSetId>,
    /// Content hash of the frozen sources (the bundle's identity).
    pub hash: String,
    pub published_by: String,
    pub at: String,
    pub rollback_of: Option<i64>,
    /// Whether it made the workspace as imported live again (an undo of the first release).
    pub restores_import: bool,
    /// The audit log's head when it was published: entry number and hash (`None` for releases
    /// published before releases recorded it).
    pub audit_head: Option<(i64, String)>,
}

fn state_of(tx: &Transaction<'_>, id: ChangeSetId) -> Result<(ChangeSetState, String)> {
    let row: Option<(String, String)> =
        tx.query_row("SELECT state, author FROM change_sets WHERE id = ?1", [id], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
    row.map(|(s, a)| (ChangeSetState::parse(&s), a))
        .ok_or_else(|| StoreError::new(ErrorCode::NotFound, format!("there is no change set {id}")))
}

fn expect_state(tx: &Transaction<'_>, id: ChangeSetId, want: ChangeSetState, doing: &str) -> Result<String> {
    let (state, author) = state_of(tx, id)?;
    if state != want {
        return Err(StoreError::new(ErrorCode::Invalid, format!("change set {id} is {state:?}, so it cannot be {doing}").to_lowercase()));
    }
    Ok(author)
}

/// Lint errors of `sources` at `now`, as lines; empty when the workspace may be published.
/// What a rollback can make live again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RollbackTarget {
    /// An earlier release, as it was frozen.
    Release(i64),
    /// The workspace as it was imported, before the first release.
    Imported,
}

impl RollbackTarget {
    fn describe(self) -> String {
        match self {
            RollbackTarget::Release(id) => format!("release {id}"),
            RollbackTarget::Imported => "the workspace as it was imported".into(),
        }
    }
}

/// The sources `target` holds and their hash; a release is republished only as it was frozen.
fn target_sources(tx: &Transaction<'_>, target: RollbackTarget) -> Result<(String, SourceFiles)> {
    match target {
        RollbackTarget::Imported => {
            let files = crate::live::imported(tx)?;
            Ok((source_hash(&files), files))
        }
        RollbackTarget::Release(release) => {
            let row: Option<(String, String)> =
                tx.query_row("SELECT hash, sources FROM releases WHERE id = ?1", [release], |r| Ok((r.get(0)?, r.get(1)?))).optional()?;
            let (hash, sources) = row.ok_or_else(|| StoreError::new(ErrorCode::NotFound, format!("there is no release {release}")))?;
            let frozen: SourceFiles = serde_json::from_str(&sources)
                .map_err(|e| StoreError::new(ErrorCode::Database, format!("release {release} is unreadable: {e}")))?;
            if source_hash(&frozen) != hash {
                return Err(StoreError::new(
                    ErrorCode::Database,
                    format!("release {release} was altered in the database: its sources no longer match its SHA-256 {hash}, so it cannot be republished"),
                ));
            }
            Ok((hash, frozen))
        }
    }
}

fn lint_errors(sources: &SourceFiles, now: &str) -> Vec<String> {
    match load(sources) {
        Err(errors) => errors.0.iter().map(ToString::to_string).collect(),
        Ok(workspace) => {
            let bundle = Bundle::compile(workspace, source_hash(sources));
            vantage_engine::lint::lint(&bundle, now)
                .into_iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| format!("{} {}: {}", d.file, d.pointer, d.message))
                .collect()
        }
    }
}

/// Lint errors change set `id` would introduce: those of the workspace with it applied that
/// the live workspace does not already have. Errors already live (someone else's to fix) do not
/// block an unrelated change.
fn introduced_errors(tx: &Transaction<'_>, id: ChangeSetId, now: &str) -> Result<Vec<String>> {
    let after = lint_errors(&applied(tx, id)?, now);
    if after.is_empty() {
        return Ok(after);
    }
    let before = lint_errors(&live(tx)?, now);
    Ok(after.into_iter().filter(|e| !before.contains(e)).collect())
}

impl Store {
    /// Starts a draft change set.
    pub fn create_change_set(&self, user: &str, title: &str) -> Result<ChangeSetId> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::EditProfiles, "start a change set")?;
            tx.execute(
                "INSERT INTO change_sets (title, author, state, created_at) VALUES (?1, ?2, 'draft', ?3)",
                params![title, user, at],
            )?;
            let id = tx.last_insert_rowid();
            append(tx, &at, user, "create_change_set", &id.to_string(), &serde_json::json!({"title": title}))?;
            Ok(id)
        })
    }

    /// Names a draft (what reviewers, releases and History show). Its author or an admin only;
    /// 1 to 120 characters, no control characters.
    pub fn rename_change_set(&self, user: &str, id: ChangeSetId, title: &str) -> Result<()> {
        let title = title.trim();
        if title.is_empty() || title.chars().count() > 120 || title.chars().any(char::is_control) {
            return Err(StoreError::new(ErrorCode::Invalid, "a change's name is 1 to 120 characters, on one line".to_owned()));
        }
        let at = self.now();
        self.with_tx(|tx| {
            let author = expect_state(tx, id, ChangeSetState::Draft, "renamed")?;
            if author != user && crate::documents::role_of(tx, user)? != crate::roles::Role::Admin {
                return Err(StoreError::new(ErrorCode::Forbidden, format!("change set {id} belongs to `{author}`, who names it")));
            }
            tx.execute("UPDATE change_sets SET title = ?1 WHERE id = ?2", params![title, id])?;
            append(tx, &at, user, "rename", &id.to_string(), &serde_json::json!({"title": title}))
        })
    }

    /// Submits a draft for review. Lint runs on the live workspace with this change set applied
    /// (other drafts are not part of it); any error refuses the submission and lists the errors.
    pub fn submit(&self, user: &str, id: ChangeSetId) -> Result<()> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::Submit, "submit change sets")?;
            expect_state(tx, id, ChangeSetState::Draft, "submitted")?;
            let errors = introduced_errors(tx, id, &at)?;
            if !errors.is_empty() {
                return Err(StoreError::new(
                    ErrorCode::LintFailed,
                    format!("change set {id} cannot be submitted while lint finds errors:\n{}", errors.join("\n")),
                ));
            }
            tx.execute(
                "UPDATE change_sets SET state = 'submitted', decided_by = NULL, decided_at = NULL, decision_comment = NULL WHERE id = ?1",
                [id],
            )?;
            append(tx, &at, user, "submit", &id.to_string(), &serde_json::json!({}))
        })
    }

    /// Approves or rejects a submitted change set. Nobody decides on a change they wrote any
    /// part of (four eyes). Rejecting asks for changes: the change set returns to its author as a
    /// draft with every edit and the comment, to revise and submit again (the live workspace is
    /// untouched either way). Edits from the CMS are rejected outright instead.
    pub fn decide(&self, user: &str, id: ChangeSetId, approve: bool, comment: &str) -> Result<()> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::Decide, "approve or reject change sets")?;
            let author = expect_state(tx, id, ChangeSetState::Submitted, if approve { "approved" } else { "rejected" })?;
            if author == user {
                return Err(StoreError::new(ErrorCode::Forbidden, format!("`{user}` wrote change set {id}, so someone else must review it (four eyes)")));
            }
            let contributed: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM revisions WHERE change_set = ?1 AND author = ?2)", params![id, user], |r| r.get(0))?;
            if contributed {
                return Err(StoreError::new(
                    ErrorCode::Forbidden,
                    format!("`{user}` edited documents in change set {id}, so someone else must review it (four eyes)"),
                ));
            }
            // A rejection asks for changes: the change set goes back to its author as a draft,
            // with every edit and the reviewer's comment (also kept among its comments). Edits
            // that came from the CMS have no author here to revise them: they are rejected, and
            // their documents show the live content again.
            let from_cms: bool = tx.query_row("SELECT from_cms FROM change_sets WHERE id = ?1", [id], |r| r.get(0))?;
            let state = match (approve, from_cms) {
                (true, _) => "approved",
                (false, false) => "draft",
                (false, true) => "rejected",
            };
            let latest = latest_release(tx)?;
            tx.execute(
                "UPDATE change_sets SET state = ?1, decided_by = ?2, decided_at = ?3, decision_comment = ?4, approved_after_release = ?5 WHERE id = ?6",
                params![state, user, at, comment, latest, id],
            )?;
            append(tx, &at, user, if approve { "approve" } else { "reject" }, &id.to_string(), &serde_json::json!({"comment": comment}))?;
            if !approve && !comment.trim().is_empty() {
                tx.execute(
                    "INSERT INTO comments (change_set, path, author, at, text) VALUES (?1, NULL, ?2, ?3, ?4)",
                    params![id, user, at, format!("Changes requested: {comment}")],
                )?;
            }
            if !approve && from_cms {
                let paths: Vec<String> = changes_of(tx, id)?.into_keys().collect();
                reset_heads(tx, &paths, &live(tx)?, user, &at, &serde_json::json!({"rejected": id}))?;
            }
            Ok(())
        })
    }

    /// Publishes an approved change set: freezes the live workspace with this change set
    /// applied as an immutable release. Refused (Conflict) if the live content of one of its
    /// documents changed since it was approved (a rollback), and (LintFailed) if lint now finds
    /// errors.
    pub fn publish(&self, user: &str, id: ChangeSetId) -> Result<i64> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::Publish, "publish")?;
            expect_state(tx, id, ChangeSetState::Approved, "published")?;
            stale_check(tx, id)?;
            publish_in(tx, user, id, &at)
        })
    }

    /// Publishes a new release equal to `release` (releases themselves never change). Every
    /// document no open change set owns gets the restored content as a new revision, so what
    /// the workspace shows is what is live again.
    pub fn rollback(&self, user: &str, release: i64) -> Result<i64> {
        self.rollback_to(user, RollbackTarget::Release(release))
    }

    /// Publishes a new release equal to `target`: an earlier release, or the workspace as it was
    /// imported (which undoes the first release).
    pub fn rollback_to(&self, user: &str, target: RollbackTarget) -> Result<i64> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::Publish, "roll back releases")?;
            let (hash, frozen) = target_sources(tx, target)?;
            let sources = serde_json::to_string(&frozen).map_err(|e| StoreError::new(ErrorCode::Database, e.to_string()))?;
            // A rollback brings back no lint error the live workspace does not already have.
            let live_errors = lint_errors(&live(tx)?, &at);
            let brought_back: Vec<String> = lint_errors(&frozen, &at).into_iter().filter(|e| !live_errors.contains(e)).collect();
            if !brought_back.is_empty() {
                return Err(StoreError::new(
                    ErrorCode::LintFailed,
                    format!("rolling back to {} would bring back lint errors:\n{}", target.describe(), brought_back.join("\n")),
                ));
            }
            let (audit_seq, audit_hash) = chain_head(tx)?;
            let (rollback_of, restores_import) = match target {
                RollbackTarget::Release(release) => (Some(release), false),
                RollbackTarget::Imported => (None, true),
            };
            tx.execute(
                "INSERT INTO releases (change_set, hash, sources, published_by, at, rollback_of, audit_seq, audit_hash, restores_import)
                 VALUES (NULL, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![hash, sources, user, at, rollback_of, audit_seq, audit_hash, restores_import],
            )?;
            let id = tx.last_insert_rowid();
            crate::outbox::enqueue_release(tx, id, &hash, &frozen)?;
            let to = rollback_of.map_or_else(|| serde_json::json!("imported"), |r| serde_json::json!(r));
            append(tx, &at, user, "rollback", &id.to_string(), &serde_json::json!({"to": to, "hash": hash}))?;
            let mut paths = all_paths(tx)?;
            paths.extend(frozen.keys().cloned());
            paths.sort();
            paths.dedup();
            reset_heads(tx, &paths, &frozen, user, &at, &serde_json::json!({"rollback": id, "to": to}))?;
            Ok(id)
        })
    }

    /// The workspace live now and as a rollback to `target` would make it: what the person
    /// rolling back is shown first.
    pub fn rollback_sources(&self, target: RollbackTarget) -> Result<(SourceFiles, SourceFiles)> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let now = live(&tx)?;
        let (_, then) = target_sources(&tx, target)?;
        Ok((now, then))
    }

    /// Schedules an approved change set to publish at `due` (RFC 3339).
    pub fn schedule_publish(&self, user: &str, id: ChangeSetId, due: &str) -> Result<i64> {
        instant(due, "publish time")?;
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::Publish, "schedule publishing")?;
            expect_state(tx, id, ChangeSetState::Approved, "scheduled")?;
            let pending: Option<i64> = tx
                .query_row("SELECT id FROM scheduled_publishes WHERE change_set = ?1 AND state = 'pending'", [id], |r| r.get(0))
                .optional()?;
            if let Some(existing) = pending {
                return Err(StoreError::new(ErrorCode::Invalid, format!("change set {id} is already scheduled (schedule {existing})")));
            }
            tx.execute(
                "INSERT INTO scheduled_publishes (change_set, due, requested_by, state) VALUES (?1, ?2, ?3, 'pending')",
                params![id, due, user],
            )?;
            let sid = tx.last_insert_rowid();
            append(tx, &at, user, "schedule_publish", &id.to_string(), &serde_json::json!({"due": due}))?;
            Ok(sid)
        })
    }

    /// Fires every scheduled publish due at `now`: each is re-validated (still approved, lint
    /// clean, and no release since its approval changed its documents) and published, or
    /// refused with the reason recorded. Returns (schedule id, outcome) pairs.
    /// Only a user who may publish runs schedules, and never as of a moment later than the
    /// store's clock (nothing is recorded in the future, nothing fires early). A schedule whose
    /// author may no longer publish is refused when it falls due.
    pub fn run_due(&self, user: &str, now: &str) -> Result<Vec<ScheduledOutcome>> {
        let now_instant = instant(now, "current time")?;
        let clock = self.now();
        if vantage_engine::time::parse_timestamp(&clock).is_some_and(|clock| now_instant > clock) {
            return Err(StoreError::new(
                ErrorCode::Invalid,
                format!("schedules cannot be run as of {now}, later than now ({clock}): nothing fires early or is recorded in the future"),
            ));
        }
        self.with_tx(|tx| require(tx, user, Action::Publish, "run scheduled publishes").map(|_| ()))?;
        let due: Vec<(i64, ChangeSetId, String, String)> = {
            let conn = self.conn();
            let mut stmt =
                conn.prepare("SELECT id, change_set, requested_by, due FROM scheduled_publishes WHERE state = 'pending' ORDER BY due, id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            rows.collect::<std::result::Result<_, _>>()?
        };
        let mut outcomes = Vec::new();
        for (sid, cs, by, when) in due {
            // Stored times were checked when scheduled; one that does not parse never fires.
            if vantage_engine::time::parse_timestamp(&when).is_none_or(|due| due > now_instant) {
                continue;
            }
            let outcome = self.with_tx(|tx| {
                let still_publisher = role_of(tx, &by).is_ok_and(|role| role.may(Action::Publish));
                let result = if !still_publisher {
                    Err(format!("{by}, who scheduled it, may no longer publish"))
                } else {
                    match refusal(tx, cs, now)? {
                        Some(reason) => Err(reason),
                        None => Ok(publish_in(tx, &by, cs, now)?),
                    }
                };
                match &result {
                    Ok(release) => {
                        tx.execute(
                            "UPDATE scheduled_publishes SET state = 'published', reason = ?1 WHERE id = ?2",
                            params![format!("release {release}"), sid],
                        )?;
                    }
                    Err(reason) => {
                        tx.execute("UPDATE scheduled_publishes SET state = 'refused', reason = ?1 WHERE id = ?2", params![reason, sid])?;
                        append(tx, now, &by, "publish_refused", &cs.to_string(), &serde_json::json!({"reason": reason}))?;
                    }
                }
                Ok(result)
            })?;
            outcomes.push((sid, outcome));
        }
        Ok(outcomes)
    }

    /// Comments on a change set, or on one document of it.
    pub fn comment(&self, user: &str, change_set: Option<ChangeSetId>, path: Option<&str>, text: &str) -> Result<i64> {
        let at = self.now();
        self.with_tx(|tx| {
            require(tx, user, Action::Comment, "comment")?;
            if let Some(id) = change_set {
                state_of(tx, id)?;
            }
            tx.execute(
                "INSERT INTO comments (change_set, path, author, at, text) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![change_set, path, user, at, text],
            )?;
            let id = tx.last_insert_rowid();
            append(
                tx,
                &at,
                user,
                "comment",
                &change_set.map_or_else(|| path.unwrap_or_default().to_owned(), |c| c.to_string()),
                &serde_json::json!({"path": path}),
            )?;
            Ok(id)
        })
    }

    pub fn comments(&self, change_set: ChangeSetId) -> Result<Vec<Comment>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, change_set, path, author, at, text FROM comments WHERE change_set = ?1 ORDER BY id")?;
        let rows = stmt.query_map([change_set], |r| {
            Ok(Comment { id: r.get(0)?, change_set: r.get(1)?, path: r.get(2)?, author: r.get(3)?, at: r.get(4)?, text: r.get(5)? })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn change_sets(&self) -> Result<Vec<ChangeSet>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT c.id, c.title, c.author, c.state, c.created_at, c.decided_by, c.decision_comment,
                    (SELECT group_concat(DISTINCT path) FROM revisions r WHERE r.change_set = c.id), c.from_cms
             FROM change_sets c ORDER BY c.id",
        )?;
        let rows = stmt.query_map([], |r| {
            let docs: Option<String> = r.get(7)?;
            let state: String = r.get(3)?;
            Ok(ChangeSet {
                id: r.get(0)?,
                title: r.get(1)?,
                author: r.get(2)?,
                state: ChangeSetState::parse(&state),
                created_at: r.get(4)?,
                decided_by: r.get(5)?,
                decision_comment: r.get(6)?,
                documents: docs.map(|d| d.split(',').map(str::to_owned).collect()).unwrap_or_default(),
                from_cms: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    pub fn releases(&self) -> Result<Vec<Release>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, change_set, hash, published_by, at, rollback_of, audit_seq, audit_hash, restores_import FROM releases ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Release {
                id: r.get(0)?,
                change_set: r.get(1)?,
                hash: r.get(2)?,
                published_by: r.get(3)?,
                at: r.get(4)?,
                rollback_of: r.get(5)?,
                audit_head: r.get::<_, Option<i64>>(6)?.zip(r.get::<_, Option<String>>(7)?),
                restores_import: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// The workspace as it is live now and as it would be with change set `id` published:
    /// what a reviewer compares.
    /// A published change set keeps its record: the release before its own, and its own.
    pub fn change_set_sources(&self, id: ChangeSetId) -> Result<(SourceFiles, SourceFiles)> {
        self.with_tx(|tx| {
            state_of(tx, id)?;
            let release: Option<i64> = tx.query_row("SELECT MAX(id) FROM releases WHERE change_set = ?1", [id], |r| r.get(0))?;
            match release {
                Some(release) => {
                    let previous: Option<i64> = tx.query_row("SELECT MAX(id) FROM releases WHERE id < ?1", [release], |r| r.get(0))?;
                    let before = match previous {
                        Some(previous) => crate::live::live_at(tx, Some(previous))?,
                        None => crate::live::imported(tx)?,
                    };
                    Ok((before, crate::live::live_at(tx, Some(release))?))
                }
                None => Ok((live(tx)?, applied(tx, id)?)),
            }
        })
    }

    /// What change set `id` changes: each document it touched, with its new content (`None`:
    /// deleted). What a CMS that keeps four eyes itself is asked to approve.
    pub fn change_set_changes(&self, id: ChangeSetId) -> Result<std::collections::BTreeMap<String, Option<String>>> {
        self.with_tx(|tx| {
            state_of(tx, id)?;
            changes_of(tx, id)
        })
    }

    /// The published workspace: the latest release (or the import, before any), without anyone's
    /// drafts or changes under review. What `vantage export` writes.
    pub fn published(&self) -> Result<SourceFiles> {
        self.with_tx(live)
    }

    /// The frozen sources of a release.
    pub fn release_sources(&self, release: i64) -> Result<SourceFiles> {
        let conn = self.conn();
        let text: Option<String> = conn.query_row("SELECT sources FROM releases WHERE id = ?1", [release], |r| r.get(0)).optional()?;
        let text = text.ok_or_else(|| StoreError::new(ErrorCode::NotFound, format!("there is no release {release}")))?;
        serde_json::from_str(&text).map_err(|e| StoreError::new(ErrorCode::Database, format!("release {release} is unreadable: {e}")))
    }
}

fn instant(text: &str, what: &str) -> Result<vantage_engine::time::Instant> {
    vantage_engine::time::parse_timestamp(text).ok_or_else(|| {
        StoreError::new(ErrorCode::Invalid, format!("the {what} `{text}` is not an RFC 3339 time such as 2026-12-01T08:00:00Z"))
    })
}

/// Refuses to publish `id` over live content its reviewer did not see.
fn stale_check(tx: &Transaction<'_>, id: ChangeSetId) -> Result<()> {
    let changed = changed_since_approval(tx, id)?;
    if changed.is_empty() {
        return Ok(());
    }
    let release = latest_release(tx)?.map_or_else(String::new, |r| format!(" (release {r})"));
    Err(StoreError::new(
        ErrorCode::Conflict,
        format!(
            "change set {id} was approved over content that changed since: {} published meanwhile{release}; \
             start a new change set from the current content",
            changed.join(", ")
        ),
    ))
}

fn publish_in(tx: &Transaction<'_>, user: &str, id: ChangeSetId, at: &str) -> Result<i64> {
    let sources = applied(tx, id)?;
    let errors = introduced_errors(tx, id, at)?;
    if !errors.is_empty() {
        return Err(StoreError::new(
            ErrorCode::LintFailed,
            format!("change set {id} cannot be published while lint finds errors:\n{}", errors.join("\n")),
        ));
    }
    let hash = source_hash(&sources);
    let frozen = serde_json::to_string(&sources).map_err(|e| StoreError::new(ErrorCode::Database, e.to_string()))?;
    let (audit_seq, audit_hash) = chain_head(tx)?;
    tx.execute(
        "INSERT INTO releases (change_set, hash, sources, published_by, at, audit_seq, audit_hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, hash, frozen, user, at, audit_seq, audit_hash],
    )?;
    let release = tx.last_insert_rowid();
    crate::outbox::enqueue_release(tx, release, &hash, &sources)?;
    tx.execute("UPDATE change_sets SET state = 'published' WHERE id = ?1", [id])?;
    append(tx, at, user, "publish", &id.to_string(), &serde_json::json!({"release": release, "hash": hash}))?;
    Ok(release)
}

/// Why a scheduled publish must not go ahead now, if it must not. Database failures are
/// errors, not refusals: the schedule stays pending and fires again on the next run.
fn refusal(tx: &Transaction<'_>, id: ChangeSetId, now: &str) -> Result<Option<String>> {
    let (state, _) = state_of(tx, id)?;
    if state != ChangeSetState::Approved {
        return Ok(Some(format!("change set {id} is no longer approved ({state:?})").to_lowercase()));
    }
    match stale_check(tx, id) {
        Err(e) if e.code == ErrorCode::Conflict => return Ok(Some(e.message)),
        other => other?,
    }
    let errors = introduced_errors(tx, id, now)?;
    if !errors.is_empty() {
        return Ok(Some(format!("lint now finds errors: {}", errors.join("; "))));
    }
    Ok(None)
}
