//! Change sets from the app: the inbox, a reviewer's view of one change (diff, lint, impact,
//! before and after), decisions, publishing, releases and the audit log.

use super::views::*;
use super::{preview, Session};
use crate::bundle_cache::BundleCache;
use crate::error::StudioError;
use crate::live::WorkspaceEvent;
use crate::visits::Look;
use std::collections::BTreeSet;
use std::sync::Arc;
use vantage_engine::bundle::Bundle;
use vantage_engine::diff::ChangeKind;
use vantage_engine::load::SourceFiles;
use vantage_engine::visit::Render;
use vantage_store::{ChainStatus, ChangeSet, ChangeSetId};

impl Session {
    /// Every change set, newest first.
    pub fn change_sets(&self) -> Result<Vec<ChangeSetView>, StudioError> {
        let mut list: Vec<ChangeSetView> = self.store.change_sets()?.into_iter().map(|c| self.change_view(c)).collect();
        list.reverse();
        Ok(list)
    }

    /// Submits a draft for review, under `title` when given (the name reviewers and History show).
    pub fn submit_change(&mut self, id: i64, title: Option<&str>) -> Result<ChangeSetView, StudioError> {
        if let Some(title) = title {
            self.store.rename_change_set(&self.user, id, title)?;
        }
        crate::sync::submit_change(&self.store, &self.user, id, self.signed_in.is_some())?;
        self.change(id)
    }

    /// Approves, or sends back for changes (the draft returns to its author with every edit).
    pub fn decide_change(&mut self, id: i64, approve: bool, comment: &str) -> Result<(ChangeSetView, Vec<WorkspaceEvent>), StudioError> {
        if !approve && comment.trim().is_empty() {
            return Err(StudioError::bad_input("say why you reject it, so the author knows what to change"));
        }
        if approve {
            crate::sync::approve_change(&self.store, &self.user, id, comment, self.signed_in.is_some())?;
        } else {
            self.store.decide(&self.user, id, false, comment)?;
        }
        let events = self.write_heads_to_disk()?;
        Ok((self.change(id)?, events))
    }

    pub fn publish_change(&mut self, id: i64) -> Result<(i64, Vec<WorkspaceEvent>), StudioError> {
        let release = self.store.publish(&self.user, id)?;
        Ok((release, self.write_heads_to_disk()?))
    }

    /// Makes `release` live again, or the workspace as it was imported when `release` is `None`
    /// (which undoes the first release).
    pub fn rollback(&mut self, release: Option<i64>) -> Result<(i64, Vec<WorkspaceEvent>), StudioError> {
        let new_release = self.store.rollback_to(&self.user, rollback_target(release))?;
        Ok((new_release, self.write_heads_to_disk()?))
    }

    /// What rolling back to `release` (`None`: the workspace as imported) would change in the
    /// live workspace, in the review's words.
    pub fn rollback_preview(&self, release: Option<i64>) -> Result<RollbackPreview, StudioError> {
        let target = rollback_target(release);
        let (now, then) = self.store.rollback_sources(target)?;
        let compile = |files: &SourceFiles, what: &str| {
            vantage_engine::load::load(files)
                .map(|ws| Bundle::compile(ws, vantage_engine::bundle::source_hash(files)))
                .map_err(|e| StudioError::bad_input(format!("the workspace {what} does not load: {e}")))
        };
        let (before, after) = (compile(&now, "as it is live")?, compile(&then, "to roll back to")?);
        let changes = code_changes(&now, &then).into_iter().chain(review_diff(&before, &after)).collect();
        let target = release.map_or_else(|| "the workspace as it was imported".to_owned(), |r| format!("release {r}"));
        Ok(RollbackPreview { target, changes })
    }

    /// What a review of change set `id` needs from the store, read under the session's lock;
    /// the heavy part ([`review_change`], [`review_page`]) then runs without it.
    pub fn review_inputs(&self, id: i64) -> Result<ReviewInputs, StudioError> {
        let change = self.change(id)?;
        let (before, after) = self.store.change_set_sources(id)?;
        Ok(ReviewInputs { id, change, before, after, db: super::store_path(&self.dir) })
    }

    pub fn comments(&self, id: i64) -> Result<Vec<CommentView>, StudioError> {
        Ok(crate::store_cases::comments(&self.store, id)?
            .into_iter()
            .map(|c| CommentView { id: c.id as i32, author: c.author, at: c.at, text: c.text })
            .collect())
    }

    pub fn add_comment(&self, id: i64, text: &str) -> Result<(), StudioError> {
        crate::store_cases::comment(&self.store, &self.user, id, None, text).map(|_| ())
    }

    pub fn releases(&self) -> Result<Vec<ReleaseView>, StudioError> {
        let change_sets = self.store.change_sets()?;
        let mut list: Vec<ReleaseView> = self
            .store
            .releases()?
            .into_iter()
            .map(|r| {
                let change = r.change_set.and_then(|id| change_sets.iter().find(|c| c.id == id));
                ReleaseView {
                    id: r.id as i32,
                    change_set: r.change_set.map(|c| c as i32),
                    title: change.map(|c| c.title.clone()),
                    story: release_story(&r, change),
                    hash: r.hash,
                    published_by: r.published_by,
                    at: r.at,
                    rollback_of: r.rollback_of.map(|c| c as i32),
                    restores_import: r.restores_import,
                }
            })
            .collect();
        list.reverse();
        Ok(list)
    }

    pub fn audit_log(&self, actor: Option<&str>, action: Option<&str>, limit: usize) -> Result<AuditView, StudioError> {
        let entries = self
            .store
            .audit_log(actor.filter(|a| !a.is_empty()), action.filter(|a| !a.is_empty()), limit)?
            .into_iter()
            .map(|e| AuditEntryView { id: e.seq as i32, at: e.at, actor: e.actor, action: e.action, subject: e.subject, detail: e.detail })
            .collect();
        let status = self.store.verify_audit()?;
        let message = crate::store_cases::chain_sentence(&status);
        let chain = match status {
            ChainStatus::Intact { entries, .. } => ChainView { ok: true, checked: entries as i32, first_bad: None, message },
            ChainStatus::Broken { seq, .. } => ChainView { ok: false, checked: seq as i32, first_bad: Some(seq as i32), message },
        };
        Ok(AuditView { entries, chain })
    }

    pub fn sync_status(&self) -> Result<SyncStatusView, StudioError> {
        let s = crate::store_cases::sync_status(&self.store)?;
        Ok(SyncStatusView { pending: s.pending as i32, last_success: s.last_success, last_error: s.last_error })
    }

    fn change(&self, id: ChangeSetId) -> Result<ChangeSetView, StudioError> {
        self.store
            .change_sets()?
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| self.change_view(c))
            .ok_or_else(|| StudioError::not_found(format!("there is no change set {id}")))
    }

    fn change_view(&self, c: ChangeSet) -> ChangeSetView {
        ChangeSetView {
            id: c.id as i32,
            mine: c.author == self.user,
            title: c.title,
            author: c.author,
            state: c.state.into(),
            created_at: c.created_at,
            decided_by: c.decided_by,
            decision_comment: c.decision_comment,
            documents: c.documents,
        }
    }
}

/// A change set and the workspace before and after it.
pub struct ReviewInputs {
    id: i64,
    change: ChangeSetView,
    before: SourceFiles,
    after: SourceFiles,
    /// The store, beside which recorded traffic is kept.
    db: std::path::PathBuf,
}

/// The steps of a review computation, reported as they start (the app shows them as progress).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStage {
    Compiling,
    MeasuringImpact,
    Checking,
    ComparingPages,
}

impl ReviewStage {
    /// The step as a reviewer reads it, with its number and how many there are.
    pub fn progress(self, change: i64) -> ReviewProgressView {
        let (number, step) = match self {
            ReviewStage::Compiling => (1, "Preparing the workspace before and after the change"),
            ReviewStage::MeasuringImpact => (2, "Measuring who would see something different"),
            ReviewStage::Checking => (3, "Running the checks"),
            ReviewStage::ComparingPages => (4, "Comparing every page for each visitor"),
        };
        ReviewProgressView { change: change as i32, step: step.into(), number, of: 4 }
    }
}

impl ReviewInputs {
    fn bundles(&self, cache: &BundleCache) -> Result<(Arc<Bundle>, Arc<Bundle>), StudioError> {
        let before = cache.get_or_compile(&self.before, "as it is live")?;
        let after = cache.get_or_compile(&self.after, &format!("with change set {}", self.id))?;
        Ok((before, after))
    }

    /// The workspace on one side of the change: as it is live, or with the change set.
    fn side(&self, side: Side, cache: &BundleCache) -> Result<Arc<Bundle>, StudioError> {
        let (before, after) = self.bundles(cache)?;
        Ok(match side {
            Side::Before => before,
            Side::After => after,
        })
    }
}

/// What a reviewer sees: semantic diff, lint of the result, the measured impact over the
/// recorded traffic when some is imported (else the workspace's simulated population), and which pages and named profiles it changes at `at`
/// (else each profile's own moment, else now). Runs off the session's lock; `on_stage` hears
/// each step as it starts.
pub fn review_change(
    inputs: &ReviewInputs,
    at: Option<&str>,
    cache: &BundleCache,
    mut on_stage: impl FnMut(ReviewStage),
) -> Result<Review, StudioError> {
    let feeds_at = crate::usecases::moment_or_clock(at)?;
    on_stage(ReviewStage::Compiling);
    let (before, after) = inputs.bundles(cache)?;
    on_stage(ReviewStage::MeasuringImpact);
    let (impact, population) = super::review_population::measured_impact(&before, &after, &inputs.db);
    on_stage(ReviewStage::Checking);
    let checks = super::review_story::checks(
        preview::findings(vantage_engine::lint::lint(&before, &feeds_at)),
        preview::findings(vantage_engine::lint::lint(&after, &feeds_at)),
    );
    let diff = code_changes(&inputs.before, &inputs.after).into_iter().chain(review_diff(&before, &after)).collect();
    on_stage(ReviewStage::ComparingPages);
    let (pages, profiles) = who_changes(&before, &after, at)?;
    let kind = if population.recorded { "recorded" } else { "simulated" };
    let slots: Vec<SlotImpactView> = impact
        .slots
        .iter()
        .map(|s| SlotImpactView {
            page: s.page.clone(),
            slot: s.slot.clone(),
            changed_share: s.share / 100.0,
            summary: format!("{:.1}% of {kind} visitors ({} of {}) change on {}/{}", s.share, s.changed, s.visitors, s.page, s.slot),
            transitions: super::review_story::transitions(&before, &after, s, kind),
            samples: super::review_population::samples(&before, &after, s),
        })
        .collect();
    let touched: Vec<(String, String)> = vantage_engine::diff::diff(&before.workspace, &after.workspace)
        .into_iter()
        .filter(|c| c.area == "personalization" && c.kind != ChangeKind::Removed)
        .filter_map(|c| c.target.split_once('/').map(|(e, p)| (e.to_owned(), p.to_owned())))
        .collect();
    let flags = super::review_story::flags(&after, &slots, &touched);
    Ok(Review {
        change: inputs.change.clone(),
        at: feeds_at,
        diff,
        checks,
        flags,
        impact: ImpactView { visitors: impact.visitors as u32, slots, population },
        affected_pages: pages,
        affected_profiles: profiles,
    })
}

fn rollback_target(release: Option<i64>) -> vantage_store::RollbackTarget {
    release.map_or(vantage_store::RollbackTarget::Imported, vantage_store::RollbackTarget::Release)
}

/// Who did what for a release, in one line for people.
fn release_story(release: &vantage_store::Release, change: Option<&ChangeSet>) -> String {
    let by = &release.published_by;
    match (release.rollback_of, release.restores_import, change) {
        (Some(to), _, _) => format!("{by} rolled back to release {to}"),
        (None, true, _) => format!("{by} rolled back to the workspace as it was imported"),
        (None, false, Some(c)) => match &c.decided_by {
            Some(approver) => format!("Submitted by {}, approved by {approver}, published by {by}", c.author),
            None => format!("Submitted by {}, published by {by}", c.author),
        },
        (None, false, None) => format!("Published by {by}"),
    }
}

/// The semantic diff of rules and content, as lines a reviewer reads.
fn review_diff(before: &Bundle, after: &Bundle) -> Vec<DiffLine> {
    vantage_engine::diff::diff(&before.workspace, &after.workspace)
        .into_iter()
        .map(|c| DiffLine {
            kind: match c.kind {
                ChangeKind::Added => "added",
                ChangeKind::Removed => "removed",
                ChangeKind::Changed => "changed",
                ChangeKind::Reordered => "reordered",
            }
            .into(),
            subject: super::review_story::subject(before, after, &c.area, &c.target),
            detail: match (&c.before, &c.after) {
                (Some(b), Some(a)) => format!("{}: {b} → {a}", c.aspect),
                (None, Some(a)) => format!("{}: {a}", c.aspect),
                (Some(b), None) => format!("{}: was {b}", c.aspect),
                (None, None) => c.aspect.clone(),
            },
            aspect: c.aspect.clone(),
            before: c.before.clone(),
            after: c.after.clone(),
        })
        .collect()
}

/// Component types and templates are code, not content: a change to one is called out first, so
/// the reviewer has a developer look at it.
fn code_changes(before: &SourceFiles, after: &SourceFiles) -> Vec<DiffLine> {
    let paths: BTreeSet<&String> =
        before.keys().chain(after.keys()).filter(|p| p.starts_with("components/") || *p == "theme.css").collect();
    paths
        .into_iter()
        .filter(|p| before.get(*p) != after.get(*p))
        .map(|p| DiffLine {
            kind: "code".into(),
            subject: p.clone(),
            detail: "a component's template, schema or the theme changed: this is code, so have a developer review it too".into(),
            aspect: "code".into(),
            before: None,
            after: None,
        })
        .collect()
}

/// `page` as `view` sees it before (live) or after (with the change set). Off the session's lock.
pub fn review_page(
    inputs: &ReviewInputs,
    side: Side,
    page: &str,
    view: &PreviewRequest,
    cache: &BundleCache,
) -> Result<PagePreview, StudioError> {
    preview::page_preview(&*inputs.side(side, cache)?, page, view)
}

/// `page` before or after the change as recorded visitor `row` sees it. Off the session's lock.
pub fn review_recorded_page(
    inputs: &ReviewInputs,
    side: Side,
    page: &str,
    row: u32,
    cache: &BundleCache,
) -> Result<PagePreview, StudioError> {
    super::review_population::recorded_page(&*inputs.side(side, cache)?, &inputs.db, page, row)
}

/// Pages and named profiles that see different content (variant or text) after the change.
fn who_changes(before: &Bundle, after: &Bundle, at: Option<&str>) -> Result<(Vec<String>, Vec<String>), StudioError> {
    let (mut pages, mut profiles) = (BTreeSet::new(), BTreeSet::new());
    for page in after.workspace.pages.keys() {
        for profile in after.workspace.profiles.keys() {
            let look = Look::profile(profile, at);
            let old = crate::visits::visit(before, page, look, Render::Nothing, false).ok();
            let new = crate::visits::visit(after, page, look, Render::Nothing, false).ok();
            let same = match (&old, &new) {
                (Some(o), Some(n)) => {
                    o.composed.slots.len() == n.composed.slots.len()
                        && o.composed.slots.iter().zip(&n.composed.slots).all(|(a, b)| a.variant == b.variant && a.content == b.content)
                }
                _ => old.is_none() && new.is_none(),
            };
            if !same {
                pages.insert(page.clone());
                profiles.insert(profile.clone());
            }
        }
    }
    Ok((pages.into_iter().collect(), profiles.into_iter().collect()))
}
