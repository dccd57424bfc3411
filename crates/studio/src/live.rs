//! A workspace folder kept live: file changes (from `vantage-watch`) are re-read and validated;
//! a good change swaps in a recompiled bundle and names the slots it affects, a bad one reports
//! file, line and column while the last good version stays in use.

use crate::error::StudioError;
use crate::files::{read_workspace_dir, read_workspace_file, Unreadable};
use crate::usecases::OpenWorkspace;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use vantage_engine::bundle::{source_hash, Bundle};
use vantage_engine::load::{load, load_one_changed, LoadError, SourceFiles};
use vantage_engine::model::{DataBinding, Workspace};

/// What a batch of file changes did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkspaceEvent {
    /// The changed files were valid; the bundle was recompiled.
    Reloaded { changed: Vec<String>, hash: String, affected: Vec<SlotRef> },
    /// A file does not parse or validate; the last good version of it stays in use.
    Invalid { error: LoadError },
    /// A file that was invalid is good again.
    Recovered { file: String },
}

/// A slot whose rendering may have changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SlotRef {
    pub page: String,
    pub slot: String,
}

/// The live state: last good sources, current problems, and the bundle built from them.
pub struct LiveWorkspace {
    dir: PathBuf,
    good: SourceFiles,
    problems: BTreeMap<String, LoadError>,
    /// Files on disk that are not read at all (links, devices, oversized); their last good
    /// version stays in use until they are regular files again.
    refused: BTreeSet<String>,
    bundle: Arc<Bundle>,
}

impl LiveWorkspace {
    pub fn open(dir: &Path) -> Result<LiveWorkspace, StudioError> {
        let ws = crate::usecases::open_workspace(dir)?;
        Ok(LiveWorkspace {
            dir: dir.to_path_buf(),
            good: ws.sources,
            problems: BTreeMap::new(),
            refused: BTreeSet::new(),
            bundle: Arc::new(ws.bundle),
        })
    }

    /// The bundle in use (shared; swapped whole on every good change).
    pub fn bundle(&self) -> Arc<Bundle> {
        Arc::clone(&self.bundle)
    }

    /// Files that are currently invalid, with why.
    pub fn problems(&self) -> impl Iterator<Item = &LoadError> {
        self.problems.values()
    }

    /// Feeds older than their declared freshness limit at `now`; their last good data stays
    /// in use, and the app shows them as stale.
    pub fn stale_feeds(&self, now: &str) -> Vec<vantage_engine::lint::StaleFeed> {
        vantage_engine::lint::stale_feeds(&self.bundle.workspace, now).0
    }

    /// A snapshot as an [`OpenWorkspace`] for the other use cases.
    pub fn snapshot(&self) -> OpenWorkspace {
        OpenWorkspace { sources: self.good.clone(), bundle: (*self.bundle).clone() }
    }

    /// Applies a batch of changed paths (workspace-relative), reading them from disk.
    pub fn apply(&mut self, changed: &[String]) -> Vec<WorkspaceEvent> {
        let mut candidate = self.good.clone();
        let mut refused_now = Vec::new();
        for path in changed {
            match read_workspace_file(&self.dir.join(path)) {
                Ok(text) => {
                    candidate.insert(path.clone(), text);
                    self.refused.remove(path);
                }
                Err(Unreadable::Missing) => {
                    candidate.remove(path);
                    self.refused.remove(path);
                }
                Err(Unreadable::Refused(why)) => {
                    // Not read at all (a link, a device, too big): the last good version stays.
                    self.refused.insert(path.clone());
                    refused_now.push(LoadError { file: path.clone(), line: None, column: None, pointer: None, message: why });
                }
            }
        }
        let mut events = Vec::new();
        let mut bad: Vec<LoadError> = refused_now;
        match load(&candidate) {
            Ok(workspace) => {
                let before = Arc::clone(&self.bundle);
                let hash = source_hash(&candidate);
                // Recompile only when rules changed; a template, feed or profile change keeps
                // the compiled program and re-renders.
                let bundle = if before.rules_unchanged(&workspace) {
                    before.with_new_data(workspace, hash.clone())
                } else {
                    Bundle::compile(workspace, hash.clone())
                };
                let affected = affected_slots(&before.workspace, &bundle.workspace, changed);
                self.bundle = Arc::new(bundle);
                self.good = candidate;
                self.record_problems(bad, &mut events);
                events.push(WorkspaceEvent::Reloaded { changed: changed.to_vec(), hash, affected });
            }
            Err(errors) => {
                bad.extend(errors.0);
                self.record_problems(bad, &mut events);
            }
        }
        events
    }

    /// Makes `bad` (plus files still refused from earlier batches) the current problems: new or
    /// changed ones are reported as invalid, the ones no longer there as recovered.
    fn record_problems(&mut self, bad: Vec<LoadError>, events: &mut Vec<WorkspaceEvent>) {
        let mut still_bad = BTreeSet::new();
        for error in bad {
            still_bad.insert(error.file.clone());
            if self.problems.get(&error.file) != Some(&error) {
                events.push(WorkspaceEvent::Invalid { error: error.clone() });
            }
            self.problems.insert(error.file.clone(), error);
        }
        let recovered: Vec<String> =
            self.problems.keys().filter(|f| !still_bad.contains(*f) && !self.refused.contains(*f)).cloned().collect();
        for file in recovered {
            self.problems.remove(&file);
            events.push(WorkspaceEvent::Recovered { file });
        }
    }

    /// Whether the file at `path` on disk differs from the version in use (a file that cannot
    /// be read counts as different, so its problem gets reported).
    pub fn differs_from_disk(&self, path: &str) -> bool {
        match read_workspace_file(&self.dir.join(path)) {
            Ok(text) => self.good.get(path) != Some(&text) || self.problems.contains_key(path),
            Err(Unreadable::Missing) => self.good.contains_key(path),
            Err(Unreadable::Refused(_)) => true,
        }
    }

    /// The workspace as it would be with `path` holding `text`, without touching disk or the
    /// bundle in use: the new bundle and the slots that differ, or the file's problems.
    pub fn with_edit(&self, path: &str, text: &str) -> Result<(Bundle, Vec<SlotRef>), Vec<LoadError>> {
        let mut candidate = self.good.clone();
        candidate.insert(path.to_owned(), text.to_owned());
        // An entry or page is parsed alone on top of the loaded workspace (the same result as
        // loading every file, held by a test); anything else loads the folder again.
        let workspace = match load_one_changed(&self.bundle.workspace, path, text) {
            Some(one) => one,
            None => load(&candidate),
        }
        .map_err(|e| e.0)?;
        let hash = source_hash(&candidate);
        let bundle = if self.bundle.rules_unchanged(&workspace) {
            self.bundle.with_new_data(workspace, hash)
        } else {
            Bundle::compile(workspace, hash)
        };
        let affected = affected_slots(&self.bundle.workspace, &bundle.workspace, &[path.to_owned()]);
        Ok((bundle, affected))
    }

    /// Re-reads the whole folder (after the watcher reported an error of its own).
    pub fn rescan(&mut self) -> Result<Vec<WorkspaceEvent>, StudioError> {
        let on_disk = read_workspace_dir(&self.dir)?;
        let changed: Vec<String> = on_disk
            .keys()
            .chain(self.good.keys())
            .filter(|p| on_disk.get(*p) != self.good.get(*p))
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        Ok(if changed.is_empty() { Vec::new() } else { self.apply(&changed) })
    }
}

/// Slots whose content, rules, component type or feed data differ between two workspaces.
pub(crate) fn affected_slots(old: &Workspace, new: &Workspace, changed: &[String]) -> Vec<SlotRef> {
    let feeds_changed =
        changed.iter().any(|p| p.starts_with("feeds/")) && (old.products != new.products || old.recommendations != new.recommendations);
    let audiences_changed = old.audiences != new.audiences || old.catalog != new.catalog || old.experiments != new.experiments;
    let mut out = BTreeSet::new();
    for (page_id, page) in &new.pages {
        let page_changed = old.pages.get(page_id) != Some(page);
        for slot in &page.slots {
            let entry = new.entries.get(&slot.entry);
            let component = entry.and_then(|e| new.components.get(&e.component));
            let entry_changed = old.entries.get(&slot.entry) != entry;
            let component_changed = entry.is_some_and(|e| old.components.get(&e.component) != component);
            let uses_feeds = component.is_some_and(|c| c.data != DataBinding::None);
            let uses_rules = entry.is_some_and(|e| !e.personalizations.is_empty());
            if page_changed
                || entry_changed
                || component_changed
                || (feeds_changed && uses_feeds)
                || (audiences_changed && uses_rules)
                || old.theme != new.theme
            {
                out.insert(SlotRef { page: page_id.clone(), slot: slot.id.clone() });
            }
        }
    }
    out.into_iter().collect()
}
