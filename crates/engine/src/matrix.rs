//! The coverage matrix: for each page, slots x named profiles -> the variant each one sees, and
//! the variants no named profile sees. Each cell is a [`Bundle::visit`], like every preview.

use crate::bundle::{Bundle, Choice};
use crate::tally::Tally;
use crate::visit::{Render, VisitError, VisitRequest, Visitor};
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatrixRow {
    pub slot: String,
    pub entry: String,
    /// The variant each profile sees, in the order of [`PageMatrix::profiles`].
    pub cells: Vec<String>,
    /// Personalizations of this slot that no profile sees.
    pub unseen: Vec<String>,
    /// Personalizations of this slot that nobody in a measured population sees (see
    /// [`with_population`]); absent when no population was measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nobody_sees: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageMatrix {
    pub page: String,
    pub profiles: Vec<String>,
    /// The locale each profile reads, in the order of `profiles` (empty when the workspace
    /// declares no locales).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locales: Vec<String>,
    pub rows: Vec<MatrixRow>,
    /// The population `nobody_sees` was measured on ("1000000 recorded visitors").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
}

/// The matrix of every page for every named profile, at `moment` if one is chosen (else each
/// profile's own moment, else `clock`: the rule of [`crate::visit`]), each profile in its own
/// locale unless `locale` is given for all.
pub fn matrix(bundle: &Bundle, moment: Option<&str>, clock: &str, locale: Option<&str>) -> Result<Vec<PageMatrix>, VisitError> {
    let ws = &bundle.workspace;
    let overrides: Option<serde_json::Map<String, serde_json::Value>> =
        locale.map(|l| [(crate::locales::LOCALE.to_owned(), serde_json::Value::String(l.to_owned()))].into_iter().collect());
    let mut out = Vec::new();
    for page in &bundle.decisions.pages {
        if !ws.pages.contains_key(&page.id) {
            continue;
        }
        let mut rows: Vec<MatrixRow> = page
            .slots
            .iter()
            .map(|s| MatrixRow { slot: s.slot.clone(), entry: s.entry.clone(), cells: Vec::new(), unseen: Vec::new(), nobody_sees: None })
            .collect();
        let mut seen: Vec<BTreeSet<u16>> = vec![BTreeSet::new(); page.slots.len()];
        let mut locales = Vec::new();
        for profile in ws.profiles.keys() {
            let request = VisitRequest {
                moment,
                render: Render::Nothing,
                overrides: overrides.as_ref(),
                ..VisitRequest::page(&page.id, Visitor::Profile(profile), clock)
            };
            let visit = bundle.visit(&request)?;
            locales.extend(visit.composed.locale.clone());
            for (i, (slot, decision)) in page.slots.iter().zip(&visit.decisions).enumerate() {
                rows[i].cells.push(slot.variant_label(*decision).into_owned());
                if let Choice::Personalization(p) = decision.choice {
                    seen[i].insert(p);
                }
            }
        }
        for (i, slot) in page.slots.iter().enumerate() {
            rows[i].unseen = slot
                .personalizations
                .iter()
                .enumerate()
                .filter(|(p, _)| !seen[i].contains(&(*p as u16)))
                .map(|(_, id)| id.clone())
                .collect();
        }
        out.push(PageMatrix { page: page.id.clone(), profiles: ws.profiles.keys().cloned().collect(), locales, rows, population: None });
    }
    Ok(out)
}

/// Adds to `matrix` (of `bundle`) the personalizations nobody in `tally`'s population sees, once
/// experiments are decided: a rule no named profile reaches may still be seen by real visitors,
/// and the other way round.
pub fn with_population(matrix: &mut [PageMatrix], bundle: &Bundle, tally: &Tally) {
    for page in matrix.iter_mut() {
        let Some(p) = bundle.decisions.pages.iter().position(|c| c.id == page.page) else { continue };
        page.population = Some(format!("{} {} visitors", tally.visitors, tally.population.adjective()));
        for (s, row) in page.rows.iter_mut().enumerate() {
            row.nobody_sees = Some(tally.unseen(bundle, p, s));
        }
    }
}
