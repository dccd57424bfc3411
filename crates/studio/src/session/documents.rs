//! Reading and writing workspace documents from the app: live previews of unsaved edits,
//! saves into the user's draft change set, undo and redo, and keeping the folder in step with
//! the store.

use super::views::*;
use super::{preview, Session};
use crate::error::{ErrorCode, StudioError};
use crate::files::{read_workspace_file, Unreadable};
use crate::live::WorkspaceEvent;
use vantage_engine::visit::Render;
use vantage_store::{ChangeSetId, ChangeSetState};

/// How far back an entry's history is read for stale translations: a translation last written
/// further back is judged from the oldest revision read.
const STALE_HISTORY: usize = 200;

impl Session {
    /// A document's current content (the store's head) and revision.
    pub fn read_document(&self, path: &str) -> Result<DocumentView, StudioError> {
        let (revision, text) = self.store.document(path)?.ok_or_else(|| StudioError::not_found(format!("there is no document {path}")))?;
        let content = parse_json(path, &text)?;
        let disk = self.disk_view(path, &text);
        let stale = self.stale_translations(path, &content)?;
        Ok(DocumentView { path: path.to_owned(), content: Json(content), revision: Some(revision as i32), disk, stale })
    }

    /// The translations of entry document `path` (or of the experiments' arms) whose original
    /// changed after they were written, judged on its last [`STALE_HISTORY`] revisions.
    fn stale_translations(&self, path: &str, content: &serde_json::Value) -> Result<Vec<StaleTextView>, StudioError> {
        use vantage_engine::locales::localized_fields;
        use vantage_engine::stale_translations::{stale_arm_translations, stale_translations};
        let bundle = self.bundle();
        let ws = &bundle.workspace;
        if ws.settings.locales.len() < 2 || !(path.starts_with("entries/") || path == "experiments.json") {
            return Ok(Vec::new());
        }
        let stale = if path == "experiments.json" {
            let fields_of = |entry: &str| {
                ws.entries.get(entry).and_then(|e| ws.components.get(&e.component)).map(|c| localized_fields(&c.schema)).unwrap_or_default()
            };
            stale_arm_translations(&self.versions(path)?, fields_of)
        } else {
            let component = content.get("type").and_then(serde_json::Value::as_str).and_then(|c| ws.components.get(c));
            let Some(component) = component else { return Ok(Vec::new()) };
            stale_translations(&self.versions(path)?, &localized_fields(&component.schema))
        };
        Ok(stale
            .into_iter()
            .map(|s| StaleTextView { pointer: s.pointer, locale: s.locale, original_then: Json(s.original_then) })
            .collect())
    }

    /// The last [`STALE_HISTORY`] versions of document `path`, oldest first (unreadable ones left out).
    fn versions(&self, path: &str) -> Result<Vec<serde_json::Value>, StudioError> {
        let mut versions: Vec<serde_json::Value> = self
            .store
            .history(path)?
            .into_iter()
            .take(STALE_HISTORY)
            .filter_map(|r| r.content.and_then(|text| serde_json::from_str(&text).ok()))
            .collect();
        versions.reverse();
        Ok(versions)
    }

    /// How the workspace file of `path` compares with the store's head `head`.
    fn disk_view(&self, path: &str, head: &str) -> DiskView {
        let text = match read_workspace_file(&self.dir.join(path)) {
            Ok(text) => text,
            Err(Unreadable::Missing) => return DiskView::Missing,
            Err(Unreadable::Refused(why)) => return DiskView::Broken { problem: format!("{path} {why}") },
        };
        if vantage_store::canonical(path, &text).ok().as_deref() == Some(head) {
            return DiskView::InStep;
        }
        // The live workspace has already checked the file: its problem names line and field.
        if let Some(problem) = self.live.problems().find(|p| p.file == path) {
            return DiskView::Broken { problem: located(&super::file_problem(problem)) };
        }
        match serde_json::from_str(&text) {
            Ok(content) => DiskView::Changed { content: Json(content) },
            Err(e) => DiskView::Broken { problem: format!("{path}:{}:{}: {e}", e.line(), e.column()) },
        }
    }

    /// Refuses to write `path` over a file that was changed outside the app since the app last
    /// wrote it, unless the file already holds `text` or the person chose to replace it.
    fn check_disk_is_ours(&self, path: &str, text: &str) -> Result<(), StudioError> {
        let on_disk = match read_workspace_file(&self.dir.join(path)) {
            Ok(disk) => vantage_store::canonical(path, &disk).ok(),
            Err(Unreadable::Missing) => None,
            Err(Unreadable::Refused(_)) => Some(String::new()),
        };
        let ours = self.written.get(path).cloned();
        let canonical_text = vantage_store::canonical(path, text).ok();
        if on_disk == ours || (on_disk.is_some() && on_disk == canonical_text) {
            return Ok(());
        }
        Err(StudioError::new(
            ErrorCode::ChangedOnDisk,
            format!(
                "{path} was changed outside Vantage since it was opened here, so it was not saved over: \
                 keep your version (replacing the file) or take the file's"
            ),
        ))
    }

    /// Renders, for each view, only the slots of `page` that the unsaved `edit` changes, and
    /// reports the edit's problems by field. Nothing is written.
    pub fn preview_edit(&self, edit: &DocumentEdit, page: &str, views: &[PreviewRequest]) -> Result<EditPreview, StudioError> {
        let text = pretty(&edit.content.0)?;
        self.record_reads(views, "live edit preview")?;
        match self.live.with_edit(&edit.path, &text) {
            Err(problems) => Ok(EditPreview {
                field_errors: problems
                    .iter()
                    .filter(|p| p.file == edit.path)
                    .map(|p| FieldError { pointer: p.pointer.clone().unwrap_or_default(), message: p.message.clone() })
                    .collect(),
                frames: Vec::new(),
            }),
            Ok((bundle, affected)) => {
                let slots: Vec<String> = affected.into_iter().filter(|s| s.page == page).map(|s| s.slot).collect();
                let mut frames = Vec::with_capacity(views.len());
                for view in views {
                    let visit = preview::visit(&bundle, page, view, Render::Slots(&slots), false)?;
                    frames.push(FramePatch { profile: view.profile.clone(), slots: preview::slot_previews(visit.sections) });
                }
                let field_errors = preview::content_problems(&bundle, &edit.path);
                Ok(EditPreview { field_errors, frames })
            }
        }
    }

    /// Saves `content` as `path` in the user's draft (started if there is none), based on
    /// revision `base`. Returns the new revision and what changed in the workspace.
    pub fn save_document(
        &mut self,
        path: &str,
        content: &serde_json::Value,
        base: Option<i64>,
        replace_disk: bool,
    ) -> Result<(Saved, Vec<WorkspaceEvent>), StudioError> {
        let text = pretty(content)?;
        if !replace_disk {
            self.check_disk_is_ours(path, &text)?;
        }
        let change = self.draft_for_user()?;
        let revision = self.store.write(&self.user, change, path, &text, base)?;
        let events = self.write_heads_to_disk()?;
        Ok((self.saved(revision, change, &events), events))
    }

    /// Takes back the user's latest edit of `path`.
    pub fn undo_document(&mut self, path: &str) -> Result<(Saved, Vec<WorkspaceEvent>), StudioError> {
        self.step(path, true)
    }

    /// Re-applies the edit the last undo of `path` took back.
    pub fn redo_document(&mut self, path: &str) -> Result<(Saved, Vec<WorkspaceEvent>), StudioError> {
        self.step(path, false)
    }

    fn step(&mut self, path: &str, back: bool) -> Result<(Saved, Vec<WorkspaceEvent>), StudioError> {
        let change = self.open_draft()?.ok_or_else(|| StudioError::bad_input("there is nothing to undo: you have no draft open"))?;
        if let Some((_, head)) = self.store.document(path)? {
            self.check_disk_is_ours(path, &head)?;
        }
        let revision = if back { self.store.undo(&self.user, change, path)? } else { self.store.redo(&self.user, change, path)? };
        let events = self.write_heads_to_disk()?;
        Ok((self.saved(revision, change, &events), events))
    }

    /// Saves a visitor profile (new or changed) for the whole team to preview with.
    pub fn save_profile(
        &mut self,
        id: &str,
        name: &str,
        attributes: &serde_json::Value,
        consents: &[String],
    ) -> Result<(ProfileView, Vec<WorkspaceEvent>), StudioError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
            return Err(StudioError::bad_input(format!(
                "`{id}` cannot name a profile: use lower-case letters, digits and dashes, such as tablet-tom"
            )));
        }
        if name.trim().is_empty() {
            return Err(StudioError::bad_input("a profile needs a name people will recognise"));
        }
        let path = format!("profiles/{id}.json");
        let existing = self.store.document(&path)?;
        let mut doc = match &existing {
            Some((_, text)) => parse_json(&path, text)?,
            None => serde_json::json!({ "id": id }),
        };
        if let Some(map) = doc.as_object_mut() {
            map.insert("name".into(), name.into());
            map.insert("attributes".into(), attributes.clone());
            map.insert("consents".into(), serde_json::json!(consents));
        }
        let (_, events) = self.save_document(&path, &doc, existing.map(|(rev, _)| rev), false)?;
        let profile = self
            .live
            .bundle()
            .workspace
            .profiles
            .get(id)
            .map(super::profile_view)
            .ok_or_else(|| StudioError::bad_input(format!("{path} was saved but does not load: {}", describe(&self.problems()))))?;
        Ok((profile, events))
    }

    /// The user's open draft, if any.
    pub(crate) fn open_draft(&self) -> Result<Option<ChangeSetId>, StudioError> {
        Ok(self.store.change_sets()?.into_iter().find(|c| c.author == self.user && c.state == ChangeSetState::Draft).map(|c| c.id))
    }

    fn draft_for_user(&self) -> Result<ChangeSetId, StudioError> {
        match self.open_draft()? {
            Some(id) => Ok(id),
            None => Ok(self.store.create_change_set(&self.user, &format!("Changes by {}", self.user))?),
        }
    }

    /// Writes every document whose store head moved since it was last written (a save, undo,
    /// reject, publish, rollback or sync) into the folder, removes deleted ones, then reloads the
    /// live workspace from the files that changed.
    pub(crate) fn write_heads_to_disk(&mut self) -> Result<Vec<WorkspaceEvent>, StudioError> {
        let heads = self.store.export()?;
        let mut changed = Vec::new();
        for (path, content) in &heads {
            if self.written.get(path) == Some(content) {
                continue;
            }
            let target = self.dir.join(path);
            let same_on_disk = std::fs::read_to_string(&target)
                .ok()
                .is_some_and(|text| vantage_store::canonical(path, &text).ok().as_deref() == Some(content));
            if !same_on_disk {
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent).map_err(|e| StudioError::io(parent, &e))?;
                }
                write_atomically(&target, content)?;
                changed.push(path.clone());
            }
        }
        for path in self.written.keys().filter(|p| !heads.contains_key(*p)) {
            let target = self.dir.join(path);
            match std::fs::remove_file(&target) {
                Ok(()) => changed.push(path.clone()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StudioError::io(&target, &e)),
            }
        }
        self.written = heads;
        Ok(if changed.is_empty() { Vec::new() } else { self.live.apply(&changed) })
    }
}

impl Session {
    /// What a save, undo or redo tells the editor: the revision, the slots it changed and those
    /// slots' entries' translation gaps now (the tree's badges follow without a session read).
    fn saved(&self, revision: i64, change: ChangeSetId, events: &[WorkspaceEvent]) -> Saved {
        let affected: Vec<SlotRefView> = events
            .iter()
            .flat_map(|e| match e {
                WorkspaceEvent::Reloaded { affected, .. } => affected.clone(),
                _ => Vec::new(),
            })
            .map(|s| SlotRefView { page: s.page, slot: s.slot })
            .collect();
        let bundle = self.bundle();
        let ws = &bundle.workspace;
        let mut entries: Vec<&String> = affected
            .iter()
            .filter_map(|s| ws.pages.get(&s.page)?.slots.iter().find(|slot| slot.id == s.slot).map(|slot| &slot.entry))
            .collect();
        entries.sort();
        entries.dedup();
        let untranslated =
            entries.into_iter().map(|entry| EntryGaps { entry: entry.clone(), gaps: super::untranslated(&bundle, entry) }).collect();
        Saved { revision: revision as i32, change_set: change as i32, affected, untranslated }
    }
}

/// Writes through a temporary file and a rename, so a crash never leaves half a document and
/// the watcher sees one complete change.
fn write_atomically(target: &std::path::Path, content: &str) -> Result<(), StudioError> {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = target.with_file_name(format!(".{name}.vantage-tmp"));
    std::fs::write(&temp, content).map_err(|e| StudioError::io(&temp, &e))?;
    std::fs::rename(&temp, target).map_err(|e| StudioError::io(target, &e))
}

pub(super) fn parse_json(path: &str, text: &str) -> Result<serde_json::Value, StudioError> {
    serde_json::from_str(text).map_err(|e| StudioError::bad_input(format!("{path}:{}:{}: {e}", e.line(), e.column())))
}

pub(super) fn pretty(content: &serde_json::Value) -> Result<String, StudioError> {
    serde_json::to_string_pretty(content).map(|s| s + "\n").map_err(|e| StudioError::bad_input(format!("not a JSON document: {e}")))
}

fn located(problem: &FileProblem) -> String {
    let place = match (problem.line, problem.column) {
        (Some(line), Some(column)) => format!(" line {line}, column {column}"),
        (Some(line), None) => format!(" line {line}"),
        _ => String::new(),
    };
    format!("{}{place}: {}", problem.file, problem.message)
}

fn describe(problems: &[FileProblem]) -> String {
    problems.iter().map(|p| format!("{}: {}", p.file, p.message)).collect::<Vec<_>>().join("; ")
}
