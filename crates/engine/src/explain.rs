//! "Why did this visitor get this variant?": the traced evaluation of a page. Its own entry
//! point, so the untraced path pays nothing for tracing.

use crate::bundle::{Bundle, Choice, CompiledPage};
use crate::reference::{evaluate_traced, Trace};
use serde::Serialize;
use serde_json::{Map, Value};
use vantage_core::context::Context;
use vantage_core::decide::ExperimentStatus;
use vantage_core::eval::Scratch;

/// One personalization tried for a slot, in priority order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    pub personalization: String,
    pub trace: Trace,
}

/// Why a slot shows what it shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotExplanation {
    pub slot: String,
    pub entry: String,
    pub variant: String,
    /// What the experiment on this slot did, if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<String>,
    /// Personalizations evaluated until the first match.
    pub attempts: Vec<Attempt>,
}

impl Bundle {
    /// Explains every slot of `page` for the flat context `flat` (see [`Bundle::visit`], which
    /// builds it).
    pub(crate) fn explain(&self, page: &CompiledPage, flat: &Map<String, Value>) -> Vec<SlotExplanation> {
        let core = &self.decisions;
        let ctx = Context::from_flat(&core.program, flat);
        let mut scratch = Scratch::for_program(&core.program);
        scratch.reset(&core.program);
        let audiences = self.workspace.audience_conditions();
        page.slots
            .iter()
            .map(|slot| {
                let decision = core.decide_slot(slot, &ctx, &mut scratch);
                let variant = slot.variant_label(decision).into_owned();
                let experiment = slot.experiment.as_ref().map(|x| {
                    let unit = core.program.slots().get(x.unit_slot as usize).map_or("", |s| s.path.as_str());
                    let name = self.workspace.experiments.iter().find(|e| e.key == x.key).map_or(x.key.as_str(), |e| e.name.as_str());
                    let out = format!("Not taking part in the experiment “{name}”");
                    match core.experiment_status(x, &ctx, &mut scratch) {
                        ExperimentStatus::Assigned(_) if matches!(decision.choice, Choice::Holdout) => {
                            format!("In the holdout of the experiment “{name}”, so this visitor sees the baseline")
                        }
                        ExperimentStatus::Assigned(_) => {
                            let arm = variant.rsplit('/').next().unwrap_or(&variant);
                            format!("Taking part in the experiment “{name}”: their {unit} puts them in the arm “{arm}”")
                        }
                        ExperimentStatus::NoUnit => format!("{out}: their {unit} is not known, or is not an id it can use"),
                        ExperimentStatus::NoConsent => format!("{out}: they have not agreed to the use of their {unit}"),
                        ExperimentStatus::OtherInGroup => {
                            let group = x.group.as_ref().map_or("", |g| g.0.as_str());
                            format!("{out}: they are in another experiment of the group “{group}”, which excludes this one")
                        }
                        ExperimentStatus::NotEligible => format!("{out}: they are not among the visitors it is for"),
                        ExperimentStatus::NoWeights => format!("{out}: none of its arms is given any visitors"),
                    }
                });
                let mut attempts = Vec::new();
                if let Some(entry) = self.workspace.entries.get(&slot.entry) {
                    if !matches!(decision.choice, Choice::Arm(_) | Choice::Holdout) {
                        for rule in &slot.rules {
                            let Some(p) = entry.personalizations.get(rule.personalization as usize) else { continue };
                            let trace = evaluate_traced(&p.condition, &self.workspace.catalog, &audiences, flat);
                            let matched = trace.result.decide();
                            attempts.push(Attempt { personalization: p.id.clone(), trace });
                            if matched {
                                break;
                            }
                        }
                    }
                }
                SlotExplanation { slot: slot.slot.clone(), entry: slot.entry.clone(), variant, experiment, attempts }
            })
            .collect()
    }
}

/// The explanation as indented plain text, headed by the moment it was evaluated at.
pub fn to_text(moment: &crate::visit::Moment, explanations: &[SlotExplanation]) -> String {
    let mut out = format!("{}\n", moment.describe());
    for e in explanations {
        out.push_str(&format!("{} ({}): {}\n", e.slot, e.entry, e.variant));
        if let Some(x) = &e.experiment {
            out.push_str(&format!("  {x}\n"));
        }
        for a in &e.attempts {
            out.push_str(&format!("  {} -> {}\n", a.personalization, word(a.trace.result)));
            trace_lines(&a.trace, 2, &mut out);
        }
    }
    out
}

fn word(t: crate::program::Tri) -> &'static str {
    match t {
        crate::program::Tri::True => "matches",
        crate::program::Tri::False => "does not match",
        crate::program::Tri::Unknown => "unknown (counts as no match)",
    }
}

fn trace_lines(t: &Trace, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    let detail = t.detail.as_deref().map(|d| format!(" — {d}")).unwrap_or_default();
    out.push_str(&format!(
        "{pad}{} -> {}{detail}\n",
        t.text,
        match t.result {
            crate::program::Tri::True => "true",
            crate::program::Tri::False => "false",
            crate::program::Tri::Unknown => "unknown",
        }
    ));
    for c in &t.children {
        trace_lines(c, depth + 1, out);
    }
}
