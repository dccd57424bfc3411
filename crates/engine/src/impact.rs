//! Impact of a change: evaluate the old and the new bundle over the same visitors (the simulated
//! population plus the named profiles) and report, per slot, who sees something different.

use crate::bundle::{Bundle, CompiledPage};
use crate::compose::profile_context;
use serde::Serialize;
use serde_json::{Map, Value};
use vantage_core::catalog::NOW;
use vantage_core::context::Context;
use vantage_core::eval::Scratch;

/// A visitor whose variant changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    pub visitor: String,
    pub before: String,
    pub after: String,
    /// For a recorded visitor: their row in the traffic file (0-based), to preview them by.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
}

/// How one slot changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotImpact {
    pub page: String,
    pub slot: String,
    pub changed: usize,
    pub visitors: usize,
    /// Percentage of visitors whose variant or content changes.
    pub share: f64,
    pub examples: Vec<Example>,
    /// Who moves from what to what, most visitors first.
    pub transitions: Vec<Transition>,
}

/// Visitors who saw variant `before` and now see `after` (the same label: its content changed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub before: String,
    pub after: String,
    /// How many of the visitors measured (simulated and named) move this way.
    pub visitors: usize,
    /// The named profiles among them.
    pub profiles: Vec<String>,
}

/// The impact report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Impact {
    pub old_hash: String,
    pub new_hash: String,
    pub visitors: usize,
    /// Slots where at least one visitor sees something different.
    pub slots: Vec<SlotImpact>,
}

const EXAMPLES: usize = 3;

/// One slot's moves while they are counted: (variant before, variant after) -> how many
/// visitors, and the named profiles among them.
type Moves = std::collections::BTreeMap<(String, String), (usize, Vec<String>)>;

/// Compares `old` and `new` over `new`'s simulated population ([`Bundle::population`]) and its
/// named profiles, all living at the population's moment (`settings.population.now`), so that
/// the same change always measures the same.
pub fn impact(old: &Bundle, new: &Bundle) -> Impact {
    let population = new.population();
    let now = &new.workspace.settings.population.now;
    let mut slots = Vec::new();
    let mut visitors_count = 0;
    for page in new.decisions.pages.iter() {
        let Some(old_page) = old.page(&page.id) else { continue };
        let Some(meta) = new.workspace.pages.get(&page.id) else { continue };
        let mut visitors: Vec<(String, Map<String, Value>)> = new
            .workspace
            .profiles
            .values()
            .map(|p| {
                let mut flat = profile_context(&new.workspace, p, meta);
                flat.insert(NOW.into(), Value::String(now.clone()));
                (p.id.clone(), flat)
            })
            .collect();
        visitors.extend(population.iter().enumerate().map(|(i, flat)| (format!("simulated #{i}"), flat.clone())));
        visitors_count = visitors.len();
        let named = new.workspace.profiles.len();
        slots.extend(page_impact(old, old_page, new, page, &visitors, named));
    }
    Impact { old_hash: old.hash.clone(), new_hash: new.hash.clone(), visitors: visitors_count, slots }
}

fn page_impact(
    old: &Bundle,
    old_page: &CompiledPage,
    new: &Bundle,
    page: &CompiledPage,
    visitors: &[(String, Map<String, Value>)],
    named: usize,
) -> Vec<SlotImpact> {
    let mut report: Vec<SlotImpact> = page
        .slots
        .iter()
        .map(|s| SlotImpact {
            page: page.id.clone(),
            slot: s.slot.clone(),
            changed: 0,
            visitors: visitors.len(),
            share: 0.0,
            examples: Vec::new(),
            transitions: Vec::new(),
        })
        .collect();
    let mut moves: Vec<Moves> = vec![Moves::default(); report.len()];
    let (old_core, new_core) = (&old.decisions, &new.decisions);
    let (mut old_scratch, mut new_scratch) = (Scratch::for_program(&old_core.program), Scratch::for_program(&new_core.program));
    for (index, (name, flat)) in visitors.iter().enumerate() {
        let (old_ctx, new_ctx) = (Context::from_flat(&old_core.program, flat), Context::from_flat(&new_core.program, flat));
        // A visitor reads each side in their own locale: a translation changed is a change.
        let (old_locale, new_locale) = (old.locale_of(flat), new.locale_of(flat));
        old_scratch.reset(&old_core.program);
        new_scratch.reset(&new_core.program);
        for ((slot, entry), moved) in page.slots.iter().zip(report.iter_mut()).zip(moves.iter_mut()) {
            let after_decision = new_core.decide_slot(slot, &new_ctx, &mut new_scratch);
            let after_content = new.content_in(slot, after_decision, new_locale);
            let after = slot.variant_label(after_decision).into_owned();
            let (before, before_content) = match old_page.slots.iter().find(|s| s.slot == slot.slot && s.entry == slot.entry) {
                Some(old_slot) => {
                    let decision = old_core.decide_slot(old_slot, &old_ctx, &mut old_scratch);
                    (old_slot.variant_label(decision).into_owned(), old.content_in(old_slot, decision, old_locale))
                }
                None => ("(not on the page)".to_owned(), None),
            };
            if before != after || before_content != after_content {
                entry.changed += 1;
                let transition = moved.entry((before.clone(), after.clone())).or_default();
                transition.0 += 1;
                if index < named {
                    transition.1.push(name.clone());
                }
                if entry.examples.len() < EXAMPLES {
                    entry.examples.push(Example { visitor: name.clone(), before, after, row: None });
                }
            }
        }
    }
    for (entry, moved) in report.iter_mut().zip(moves) {
        entry.transitions =
            moved.into_iter().map(|((before, after), (visitors, profiles))| Transition { before, after, visitors, profiles }).collect();
        entry.transitions.sort_by(|a, b| b.visitors.cmp(&a.visitors).then_with(|| (&a.before, &a.after).cmp(&(&b.before, &b.after))));
    }
    report.retain(|s| s.changed > 0);
    for s in &mut report {
        s.share = (s.changed as f64 * 1000.0 / s.visitors.max(1) as f64).round() / 10.0;
    }
    report
}
