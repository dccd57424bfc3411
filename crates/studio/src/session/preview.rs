//! Previews for the app: whole pages, single slots, the "why" trace, coverage and lint.

use super::views::*;
use super::Session;
use crate::error::StudioError;
use crate::visits::Look;
use serde_json::Value;
use vantage_engine::bundle::{Bundle, Severity};
use vantage_engine::explain::SlotExplanation;
use vantage_engine::program::Tri;
use vantage_engine::reference::Trace;
use vantage_engine::visit::{Render, Section, Visit, Visitor};

impl Session {
    pub fn render_page(&self, page: &str, view: &PreviewRequest) -> Result<PagePreview, StudioError> {
        let bundle = self.live.bundle();
        self.record_reads(std::slice::from_ref(view), "preview")?;
        page_preview(&bundle, page, view)
    }

    pub fn render_slots(&self, page: &str, view: &PreviewRequest, slots: &[String]) -> Result<Vec<SlotPreview>, StudioError> {
        let bundle = self.live.bundle();
        self.record_reads(std::slice::from_ref(view), "preview")?;
        let visit = visit(&bundle, page, view, Render::Slots(slots), false)?;
        Ok(slot_previews(visit.sections))
    }

    /// Why `slot` of `page` shows what it shows to this visitor.
    pub fn explain_slot(&self, page: &str, view: &PreviewRequest, slot: &str) -> Result<SlotWhy, StudioError> {
        let bundle = self.live.bundle();
        self.record_reads(std::slice::from_ref(view), "why")?;
        let visit = visit(&bundle, page, view, Render::Nothing, true)?;
        let moment = visit.moment.describe();
        let explanation = visit
            .trace
            .unwrap_or_default()
            .into_iter()
            .find(|e| e.slot == slot)
            .ok_or_else(|| StudioError::not_found(format!("page `{page}` has no slot `{slot}`")))?;
        Ok(why(&bundle, explanation, moment))
    }

    /// Previewing as visitors reads their profiles: the audit log records it, on every path
    /// (the same read again within a minute is covered by its entry, see `recent_reads`).
    pub(crate) fn record_reads(&self, views: &[PreviewRequest], purpose: &str) -> Result<(), StudioError> {
        let profiles: Vec<&str> = views.iter().map(|v| v.profile.as_str()).collect();
        self.record_profile_reads(&profiles, purpose)
    }

    /// Previewing a recorded visitor reads their data: audited like a saved profile, by row.
    pub(crate) fn record_recorded_read(&self, row: u32) -> Result<(), StudioError> {
        let what = format!("traffic/recorded visitor #{}", u64::from(row) + 1);
        Ok(self.store.record_profile_reads(&self.user, &[what.as_str()], "review")?)
    }

    /// Reading every named profile (coverage, a review's impact) is recorded the same way.
    pub(crate) fn record_all_reads(&self, purpose: &str) -> Result<(), StudioError> {
        let bundle = self.live.bundle();
        let profiles: Vec<&str> = bundle.workspace.profiles.keys().map(String::as_str).collect();
        self.record_profile_reads(&profiles, purpose)
    }

    fn record_profile_reads(&self, profiles: &[&str], purpose: &str) -> Result<(), StudioError> {
        let now = std::time::Instant::now();
        let fresh = self.recent_reads.unrecorded(&self.user, purpose, profiles, now);
        if fresh.is_empty() {
            return Ok(());
        }
        crate::store_cases::record_profile_reads(&self.store, &self.user, &fresh, purpose)?;
        self.recent_reads.recorded(&self.user, purpose, &fresh, now);
        Ok(())
    }
}

/// Slots x named profiles at `at` (else each profile's own moment, else now): the variant each
/// sees, and variants nobody sees. Works on a shared bundle, off the session's lock.
pub fn coverage(bundle: &Bundle, at: Option<&str>) -> Result<Vec<CoveragePage>, StudioError> {
    let matrix = vantage_engine::matrix::matrix(bundle, at, &crate::visits::clock(), None).map_err(crate::visits::visit_error)?;
    Ok(matrix
        .into_iter()
        .map(|m| {
            let name = |slot: &str, label: &String| super::review_story::variant_name(bundle, &m.page, slot, label);
            let rows = m
                .rows
                .into_iter()
                .map(|r| CoverageRow {
                    cell_names: r.cells.iter().map(|c| name(&r.slot, c)).collect(),
                    unseen_names: r.unseen.iter().map(|c| name(&r.slot, c)).collect(),
                    slot: r.slot,
                    entry: r.entry,
                    cells: r.cells,
                    unseen: r.unseen,
                })
                .collect();
            CoveragePage {
                title: bundle.workspace.pages.get(&m.page).map(|p| p.title.clone()).unwrap_or_default(),
                page: m.page,
                profiles: m.profiles,
                rows,
            }
        })
        .collect())
}

/// Which personalizations of each slot nobody among the recorded visitors beside the store at
/// `db` sees (experiments decided as they are). Off the session's lock.
pub fn coverage_on_traffic(bundle: &Bundle, db: &std::path::Path) -> Result<RecordedCoverageView, StudioError> {
    let (tally, traffic) = crate::traffic::traffic_tally(bundle, db)?;
    let mut slots = Vec::new();
    for (p, page) in bundle.decisions.pages.iter().enumerate() {
        for (s, slot) in page.slots.iter().enumerate() {
            let nobody = tally.unseen(bundle, p, s);
            let nobody_names = nobody.iter().map(|id| super::review_story::variant_name(bundle, &page.id, &slot.slot, id)).collect();
            slots.push(RecordedSlotView { page: page.id.clone(), slot: slot.slot.clone(), nobody, nobody_names });
        }
    }
    Ok(RecordedCoverageView { label: format!("{} recorded visitors from {}", traffic.rows, traffic.source), slots })
}

/// Lint of a shared bundle, feeds checked at `at` (else now). Off the session's lock.
pub fn lint(bundle: &Bundle, at: Option<&str>) -> Result<Vec<Finding>, StudioError> {
    let at = crate::usecases::moment_or_clock(at)?;
    Ok(findings(vantage_engine::lint::lint(bundle, &at)))
}

/// A whole page as `view` sees it in `bundle`, with every slot's section.
pub(crate) fn page_preview(bundle: &Bundle, page: &str, view: &PreviewRequest) -> Result<PagePreview, StudioError> {
    let visit = visit(bundle, page, view, Render::Page, false)?;
    Ok(PagePreview {
        profile: view.profile.clone(),
        locale: visit.composed.locale.clone(),
        html: visit.html.unwrap_or_default(),
        slots: slot_previews(visit.sections),
    })
}

/// The visit `view` asks for: its profile, overrides and moment.
pub(crate) fn visit(bundle: &Bundle, page: &str, view: &PreviewRequest, render: Render<'_>, trace: bool) -> Result<Visit, StudioError> {
    let overrides = match view.overrides.as_ref().map(|o| &o.0) {
        None | Some(Value::Null) => None,
        Some(Value::Object(overrides)) => Some(overrides),
        Some(_) => return Err(StudioError::bad_input("profile overrides must be a map of attribute to value")),
    };
    let look = Look { visitor: Visitor::Profile(&view.profile), moment: view.at.as_deref(), overrides };
    crate::visits::visit(bundle, page, look, render, trace)
}

pub(crate) fn slot_previews(sections: Vec<Section>) -> Vec<SlotPreview> {
    sections.into_iter().map(|s| SlotPreview { slot: s.slot, entry: s.entry, variant: s.variant, html: s.html }).collect()
}

fn why(bundle: &Bundle, explanation: SlotExplanation, moment: String) -> SlotWhy {
    let entry = bundle.workspace.entries.get(&explanation.entry);
    let name_of = |id: &str| {
        entry.and_then(|e| e.personalizations.iter().find(|p| p.id == id)).map(|p| p.name.clone()).unwrap_or_else(|| id.to_owned())
    };
    let mut steps: Vec<WhyStep> = explanation
        .attempts
        .iter()
        .map(|a| {
            let (outcome, reason) = match a.trace.result {
                Tri::True => (Outcome::Chosen, "Its rule matches this visitor, and it is the first that does.".to_owned()),
                Tri::False => (Outcome::NoMatch, "Its rule does not match this visitor.".to_owned()),
                Tri::Unknown => (
                    Outcome::Unknown,
                    "Its rule needs data this visitor has not consented to share (or did not send), so it is skipped.".to_owned(),
                ),
            };
            let mut trace = Vec::new();
            flatten(&a.trace, 0, &mut trace);
            WhyStep { variant: a.personalization.clone(), name: name_of(&a.personalization), outcome, reason, trace }
        })
        .collect();
    if !steps.iter().any(|s| s.outcome == Outcome::Chosen) {
        steps.push(WhyStep {
            variant: "baseline".into(),
            name: "Baseline".into(),
            outcome: Outcome::Chosen,
            reason: "No personalization matched, so everyone in this situation sees the baseline.".into(),
            trace: Vec::new(),
        });
    }
    SlotWhy {
        slot: explanation.slot,
        entry: explanation.entry,
        chosen: explanation.variant,
        experiment: explanation.experiment,
        moment,
        steps,
    }
}

pub(crate) fn findings(list: Vec<vantage_engine::bundle::Diagnostic>) -> Vec<Finding> {
    list.into_iter()
        .map(|d| Finding {
            severity: match d.severity {
                Severity::Error => SeverityName::Error,
                Severity::Warning => SeverityName::Warning,
                Severity::Info => SeverityName::Info,
            },
            code: d.code,
            file: d.file,
            pointer: d.pointer,
            message: d.message,
        })
        .collect()
}

/// Field-level problems of the document at `path` in `bundle` (entries: schema and brand rules).
pub(crate) fn content_problems(bundle: &Bundle, path: &str) -> Vec<FieldError> {
    let Some(entry) = path.strip_prefix("entries/").and_then(|p| p.strip_suffix(".json")) else {
        return bundle
            .diagnostics
            .iter()
            .filter(|d| d.file == path)
            .map(|d| FieldError { pointer: d.pointer.clone(), message: d.message.clone() })
            .collect();
    };
    // A text not yet translated is not a mistake in a field: the editor shows it as the locale's
    // completeness and the fallback a reader gets instead.
    vantage_engine::lint::entry_findings(bundle, entry)
        .into_iter()
        .filter(|d| d.code != "missing_translation")
        .map(|d| FieldError { pointer: d.pointer, message: d.message })
        .collect()
}

fn flatten(trace: &Trace, depth: usize, out: &mut Vec<String>) {
    let result = match trace.result {
        Tri::True => "yes",
        Tri::False => "no",
        Tri::Unknown => "unknown",
    };
    let detail = trace.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
    out.push(format!("{}{} → {result}{detail}", "  ".repeat(depth), trace.text));
    for child in &trace.children {
        flatten(child, depth + 1, out);
    }
}
