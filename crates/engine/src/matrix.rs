//! The coverage matrix: for each page, slots x named profiles -> the variant each one sees, and
//! the variants no named profile sees.

use crate::bundle::{Bundle, Choice};
use crate::compose::profile_context;
use crate::context::Context;
use crate::eval::Scratch;
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
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageMatrix {
    pub page: String,
    pub profiles: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

/// The matrix of every page for every named profile at `now`.
pub fn matrix(bundle: &Bundle, now: &str) -> Vec<PageMatrix> {
    let ws = &bundle.workspace;
    let mut scratch = Scratch::for_program(&bundle.program);
    let mut decisions = Vec::new();
    bundle
        .pages
        .iter()
        .filter_map(|page| {
            let meta = ws.pages.get(&page.id)?;
            let mut rows: Vec<MatrixRow> = page
                .slots
                .iter()
                .map(|s| MatrixRow { slot: s.slot.clone(), entry: s.entry.clone(), cells: Vec::new(), unseen: Vec::new() })
                .collect();
            let mut seen: Vec<BTreeSet<u16>> = vec![BTreeSet::new(); page.slots.len()];
            for profile in ws.profiles.values() {
                let ctx = Context::from_flat(&bundle.program, &profile_context(ws, profile, meta, now));
                bundle.decide(page, &ctx, &mut scratch, &mut decisions);
                for (i, (slot, decision)) in page.slots.iter().zip(&decisions).enumerate() {
                    rows[i].cells.push(bundle.variant_label(slot, *decision));
                    if let Choice::Personalization(p) = decision.choice {
                        seen[i].insert(p);
                    }
                }
            }
            for (i, slot) in page.slots.iter().enumerate() {
                if let Some(entry) = ws.entries.get(&slot.entry) {
                    rows[i].unseen = entry
                        .personalizations
                        .iter()
                        .enumerate()
                        .filter(|(p, _)| !seen[i].contains(&(*p as u16)))
                        .map(|(_, p)| p.id.clone())
                        .collect();
                }
            }
            Some(PageMatrix { page: page.id.clone(), profiles: ws.profiles.keys().cloned().collect(), rows })
        })
        .collect()
}
