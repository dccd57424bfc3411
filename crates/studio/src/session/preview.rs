//! Previews for the app: whole pages, single slots, the "why" trace, coverage and lint.

use super::views::*;
use super::Session;
use crate::error::StudioError;
use serde_json::Value;
use vantage_engine::bundle::{Bundle, Severity};
use vantage_engine::compose::{profile_context, ComposedPage};
use vantage_engine::program::Tri;
use vantage_engine::reference::Trace;
use vantage_engine::render::Templates;

impl Session {
    pub fn render_page(&self, page: &str, view: &PreviewRequest) -> Result<PagePreview, StudioError> {
        let bundle = self.live.bundle();
        self.record_read(view)?;
        let composed = compose(&bundle, page, view)?;
        Ok(PagePreview {
            profile: view.profile.clone(),
            html: Templates::new(&bundle.workspace).render_page(&composed, &bundle.workspace.theme),
            slots: slot_previews(&bundle, &composed, None),
        })
    }

    pub fn render_slots(&self, page: &str, view: &PreviewRequest, slots: &[String]) -> Result<Vec<SlotPreview>, StudioError> {
        let bundle = self.live.bundle();
        let composed = compose(&bundle, page, view)?;
        Ok(slot_previews(&bundle, &composed, Some(slots)))
    }

    /// Why `slot` of `page` shows what it shows to this visitor.
    pub fn explain_slot(&self, page: &str, view: &PreviewRequest, slot: &str) -> Result<SlotWhy, StudioError> {
        let bundle = self.live.bundle();
        let (compiled, flat) = context(&bundle, page, view)?;
        let explanation = bundle
            .explain(compiled, &flat)
            .into_iter()
            .find(|e| e.slot == slot)
            .ok_or_else(|| StudioError::not_found(format!("page `{page}` has no slot `{slot}`")))?;
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
        Ok(SlotWhy {
            slot: explanation.slot,
            entry: explanation.entry,
            chosen: explanation.variant,
            experiment: explanation.experiment,
            steps,
        })
    }

    /// Slots x named profiles at `at`: the variant each sees, and variants nobody sees.
    pub fn coverage(&self, at: &str) -> Result<Vec<CoveragePage>, StudioError> {
        let bundle = self.live.bundle();
        crate::usecases::check_time(at)?;
        Ok(vantage_engine::matrix::matrix(&bundle, at)
            .into_iter()
            .map(|m| CoveragePage {
                title: bundle.workspace.pages.get(&m.page).map(|p| p.title.clone()).unwrap_or_default(),
                page: m.page,
                profiles: m.profiles,
                rows: m.rows.into_iter().map(|r| CoverageRow { slot: r.slot, entry: r.entry, cells: r.cells, unseen: r.unseen }).collect(),
            })
            .collect())
    }

    /// Lint of the workspace as it is now.
    pub fn lint(&self, at: &str) -> Result<Vec<Finding>, StudioError> {
        let report = crate::usecases::lint(&self.live.snapshot(), at)?;
        Ok(findings(report.findings))
    }

    /// Previewing as a visitor reads their profile: the audit log records it.
    fn record_read(&self, view: &PreviewRequest) -> Result<(), StudioError> {
        crate::store_cases::record_profile_read(&self.store, &self.user, &view.profile)
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

/// The flat context of `view` on `page`: the profile's attributes, the overrides on top, and the
/// preview moment as the request time.
fn context<'b>(
    bundle: &'b Bundle,
    page: &str,
    view: &PreviewRequest,
) -> Result<(&'b vantage_engine::bundle::CompiledPage, serde_json::Map<String, Value>), StudioError> {
    crate::usecases::check_time(&view.at)?;
    let model = &bundle.workspace;
    let meta = model.pages.get(page).ok_or_else(|| StudioError::not_found(format!("there is no page `{page}`")))?;
    let profile =
        model.profiles.get(&view.profile).ok_or_else(|| StudioError::not_found(format!("there is no profile `{}`", view.profile)))?;
    let compiled = bundle.page(page).ok_or_else(|| StudioError::not_found(format!("page `{page}` did not compile")))?;
    let mut flat = profile_context(model, profile, meta, &view.at);
    flat.insert(vantage_engine::catalog::NOW.into(), Value::String(view.at.clone()));
    match view.overrides.as_ref().map(|o| &o.0) {
        None | Some(Value::Null) => {}
        Some(Value::Object(overrides)) => {
            for (key, value) in overrides {
                flat.insert(key.clone(), value.clone());
            }
        }
        Some(_) => return Err(StudioError::bad_input("profile overrides must be a map of attribute to value")),
    }
    Ok((compiled, flat))
}

pub(crate) fn compose(bundle: &Bundle, page: &str, view: &PreviewRequest) -> Result<ComposedPage, StudioError> {
    let (compiled, flat) = context(bundle, page, view)?;
    Ok(bundle.compose(compiled, &flat))
}

/// Each slot's `<section>`, or only `only`'s.
pub(crate) fn slot_previews(bundle: &Bundle, composed: &ComposedPage, only: Option<&[String]>) -> Vec<SlotPreview> {
    let templates = Templates::new(&bundle.workspace);
    composed
        .slots
        .iter()
        .filter(|s| only.is_none_or(|o| o.contains(&s.slot)))
        .map(|s| SlotPreview {
            slot: s.slot.clone(),
            entry: s.entry.clone(),
            variant: s.variant.clone(),
            html: templates.render_section(&composed.page, s),
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
    vantage_engine::lint::entry_findings(bundle, entry).into_iter().map(|d| FieldError { pointer: d.pointer, message: d.message }).collect()
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
