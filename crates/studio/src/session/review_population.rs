//! Whose visitors a review measures: the recorded traffic imported beside the store when there
//! is some and its file is the one imported, else the simulated population (saying why when
//! recorded traffic was there but could not be used). A recorded visitor the change affects can
//! be previewed before and after; their values decide the preview and go nowhere else.

use super::views::{AffectedVisitorView, PagePreview, PopulationView};
use crate::error::StudioError;
use std::path::Path;
use vantage_engine::bundle::Bundle;
use vantage_engine::impact::{Impact, SlotImpact};

/// The impact of `before` -> `after` on the population a reviewer should see, and which it is.
pub(crate) fn measured_impact(before: &Bundle, after: &Bundle, db: &Path) -> (Impact, PopulationView) {
    let simulated = |note: Option<String>| {
        let impact = vantage_engine::impact::impact(before, after);
        let label = format!("{} simulated visitors, made up from the attribute catalog and the saved profiles", impact.visitors);
        (impact, PopulationView { recorded: false, label, note })
    };
    match crate::traffic::traffic_impact(before, after, db) {
        Ok((impact, traffic)) => {
            let label = format!(
                "{} recorded visitors from {}, imported {}",
                traffic.rows,
                traffic.source,
                super::traffic::moment_for_people(&traffic.imported_at)
            );
            (impact, PopulationView { recorded: true, label, note: None })
        }
        Err(_) if !crate::traffic::traffic_path(db).exists() => simulated(None),
        Err(e) => {
            simulated(Some(format!("The recorded traffic could not be used ({}), so these figures are on simulated visitors.", e.message)))
        }
    }
}

/// The recorded visitors of `slot` to preview, with their variants named for people.
pub(crate) fn samples(before: &Bundle, after: &Bundle, slot: &SlotImpact) -> Vec<AffectedVisitorView> {
    slot.examples
        .iter()
        .filter_map(|e| {
            let row = u32::try_from(e.row?).ok()?;
            Some(AffectedVisitorView {
                row,
                label: format!("Recorded visitor #{}", u64::from(row) + 1),
                before: super::review_story::variant_name(before, &slot.page, &slot.slot, &e.before),
                after: super::review_story::variant_name(after, &slot.page, &slot.slot, &e.after),
            })
        })
        .collect()
}

/// `page` of `bundle` as recorded visitor `row` sees it, at the population's moment (the moment
/// the review's figures are measured at).
pub(crate) fn recorded_page(bundle: &Bundle, db: &Path, page: &str, row: u32) -> Result<PagePreview, StudioError> {
    let traffic = crate::traffic::traffic_in_use(db)?.ok_or_else(|| StudioError::not_found("no recorded traffic was imported"))?;
    let flat = vantage_traffic::visitor::visitor(&traffic.file, u64::from(row)).map_err(|e| StudioError::bad_input(e.to_string()))?;
    let moment = bundle.workspace.settings.population.now.clone();
    let look = crate::visits::Look { visitor: vantage_engine::visit::Visitor::Context(&flat), moment: Some(&moment), overrides: None };
    let visit = crate::visits::visit(bundle, page, look, vantage_engine::visit::Render::Page, false)?;
    Ok(PagePreview {
        profile: format!("Recorded visitor #{}", u64::from(row) + 1),
        locale: visit.composed.locale.clone(),
        html: visit.html.unwrap_or_default(),
        slots: super::preview::slot_previews(visit.sections),
    })
}
