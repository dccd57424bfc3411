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
use vantage_engine::model::{same_document, DataBinding, Workspace};

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
        LiveWorkspace::open_with(dir, crate::files::read_workspace_dir(dir)?)
    }

    /// [`LiveWorkspace::open`] on the folder's files, already read.
    pub fn open_with(dir: &Path, files: vantage_engine::load::SourceFiles) -> Result<LiveWorkspace, StudioError> {
        let ws = crate::usecases::compile(files)?;
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
    ///
    /// This runs on every keystroke, so it costs what the edit touches, not the workspace's
    /// size: an entry or page is parsed alone over the loaded workspace (the same result as
    /// loading every file, held by a test), the other documents are shared, and an edit of an
    /// entry's content re-merges that entry only. The bundle's `hash` identifies the edit over
    /// the saved sources (see [`edit_hash`]) rather than hashing every file again: an unsaved
    /// edit is previewed, never published or looked up by hash.
    pub fn with_edit(&self, path: &str, text: &str) -> Result<(Bundle, Vec<SlotRef>), Vec<LoadError>> {
        let workspace = match load_one_changed(&self.bundle.workspace, path, text) {
            Some(one) => one,
            None => {
                let mut candidate = self.good.clone();
                candidate.insert(path.to_owned(), text.to_owned());
                load(&candidate)
            }
        }
        .map_err(|e| e.0)?;
        let hash = edit_hash(&self.bundle.hash, path, text);
        let entry = path.strip_prefix("entries/").and_then(|p| p.strip_suffix(".json"));
        let bundle = match entry {
            Some(id) if self.bundle.only_entry_content_changed(&workspace, id) => self.bundle.with_entry_content(workspace, hash, id),
            _ if self.bundle.rules_unchanged(&workspace) => self.bundle.with_new_data(workspace, hash),
            _ => Bundle::compile(workspace, hash),
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

/// Ids whose documents differ between `old` and `new` (added, removed or changed), in one walk
/// of both in order rather than a lookup per id.
fn changed_documents<'a, T: PartialEq>(old: &'a BTreeMap<String, Arc<T>>, new: &'a BTreeMap<String, Arc<T>>) -> BTreeSet<&'a str> {
    let mut changed = BTreeSet::new();
    let (mut a, mut b) = (old.iter().peekable(), new.iter().peekable());
    loop {
        match (a.peek(), b.peek()) {
            (Some((ka, va)), Some((kb, vb))) => match ka.cmp(kb) {
                std::cmp::Ordering::Equal => {
                    if !same_document(Some(*va), Some(*vb)) {
                        changed.insert(ka.as_str());
                    }
                    a.next();
                    b.next();
                }
                std::cmp::Ordering::Less => {
                    changed.insert(ka.as_str());
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    changed.insert(kb.as_str());
                    b.next();
                }
            },
            (Some((k, _)), None) | (None, Some((k, _))) => {
                changed.insert(k.as_str());
                a.next();
                b.next();
            }
            (None, None) => return changed,
        }
    }
}

/// Names the sources of an unsaved edit: the saved sources' hash, the edited path and a hash
/// of its text. Two different edits get different names; hashing only the edit keeps a
/// keystroke's cost independent of the workspace's size.
pub fn edit_hash(saved: &str, path: &str, text: &str) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (path, text).hash(&mut hasher);
    format!("{saved}+edit-{:016x}", hasher.finish())
}

/// Slots whose content, rules, component type or feed data differ between two workspaces.
pub(crate) fn affected_slots(old: &Workspace, new: &Workspace, changed: &[String]) -> Vec<SlotRef> {
    let feeds_changed =
        changed.iter().any(|p| p.starts_with("feeds/")) && (old.products != new.products || old.recommendations != new.recommendations);
    let audiences_changed = old.audiences != new.audiences || old.catalog != new.catalog || old.experiments != new.experiments;
    let theme_changed = old.theme != new.theme;
    // Compared once each here, not once per slot that shows them.
    let changed_components: BTreeSet<&str> = new
        .components
        .keys()
        .chain(old.components.keys())
        .filter(|id| old.components.get(*id) != new.components.get(*id))
        .map(String::as_str)
        .collect();
    let changed_entries = changed_documents(&old.entries, &new.entries);
    let mut out = BTreeSet::new();
    for (page_id, page) in &new.pages {
        let page_changed = !same_document(old.pages.get(page_id), Some(page));
        for slot in &page.slots {
            // Looking the entry up costs more than the rest: only when a change could matter.
            let indirectly = || {
                let entry = new.entries.get(&slot.entry);
                let component = entry.and_then(|e| new.components.get(&e.component));
                let component_changed = entry.is_some_and(|e| changed_components.contains(e.component.as_str()));
                let uses_feeds = component.is_some_and(|c| c.data != DataBinding::None);
                let uses_rules = entry.is_some_and(|e| !e.personalizations.is_empty());
                component_changed || (feeds_changed && uses_feeds) || (audiences_changed && uses_rules)
            };
            if page_changed
                || theme_changed
                || changed_entries.contains(slot.entry.as_str())
                || ((!changed_components.is_empty() || feeds_changed || audiences_changed) && indirectly())
            {
                out.insert(SlotRef { page: page_id.clone(), slot: slot.id.clone() });
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests fail by panicking

    use super::*;

    fn demo() -> Workspace {
        load(&vantage_test_support::demo_files()).unwrap()
    }

    fn slots_showing(ws: &Workspace, entries: &[&str]) -> Vec<SlotRef> {
        let mut out: Vec<SlotRef> = ws
            .pages
            .iter()
            .flat_map(|(page, p)| p.slots.iter().map(move |s| (page, s)))
            .filter(|(_, s)| entries.contains(&s.entry.as_str()))
            .map(|(page, s)| SlotRef { page: page.clone(), slot: s.id.clone() })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn an_edited_entry_affects_exactly_the_slots_that_show_it() {
        let old = demo();
        let mut new = old.clone();
        let mut hero = (*new.entries["home-hero"]).clone();
        hero.description.push_str(" (edited)");
        new.entries.insert("home-hero".into(), Arc::new(hero));
        assert_eq!(affected_slots(&old, &new, &["entries/home-hero.json".into()]), slots_showing(&old, &["home-hero"]));
        assert!(affected_slots(&old, &old.clone(), &[]).is_empty(), "a workspace sharing every document affects nothing");
    }

    #[test]
    fn a_removed_component_affects_the_slots_of_its_entries() {
        let old = demo();
        let mut new = old.clone();
        new.components.remove("hero");
        let using: Vec<&str> = old.entries.values().filter(|e| e.component == "hero").map(|e| e.id.as_str()).collect();
        assert!(!using.is_empty());
        assert_eq!(affected_slots(&old, &new, &["components/hero/schema.json".into()]), slots_showing(&old, &using));
    }

    #[test]
    fn added_removed_and_changed_documents_are_found_in_one_walk() {
        let doc = |s: &str| Arc::new(s.to_owned());
        let old: BTreeMap<String, Arc<String>> = [("a", "1"), ("b", "2"), ("c", "3")].map(|(k, v)| (k.to_owned(), doc(v))).into();
        let mut new = old.clone();
        new.remove("a");
        new.insert("b".into(), doc("2 changed"));
        new.insert("d".into(), doc("4"));
        new.insert("c".into(), doc("3")); // a new pointer, equal content: not a change
        assert_eq!(changed_documents(&old, &new).into_iter().collect::<Vec<_>>(), ["a", "b", "d"]);
    }
}
