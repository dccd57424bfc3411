//! Compiles [`Rules`] into an immutable [`DecisionBundle`] and decides pages with it:
//! a running experiment the visitor is in, else the first matching personalization, else the
//! baseline.

use crate::bucket::{assign, bucket_prefixed, number_unit_text, percent_threshold, Assignment, BUCKETS};
use crate::catalog::AttrType;
use crate::compile::{CompileError, Compiler};
use crate::context::{Context, Val};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::Scratch;
use crate::plan::{PagePlan, BASELINE};
use crate::program::{NodeId, Program};
use crate::rules::{ExperimentRules, Rules};
use serde::Serialize;
use std::borrow::Cow;

/// The most personalizations of one entry that are compiled and served: decisions index them
/// (and the experiment arms after them) in 16 bits, and no person reads more; the rest are a
/// compile error naming the entry, never silently a wrong variant.
pub const MAX_PERSONALIZATIONS: usize = 10_000;
/// The most arms of one experiment (decisions index them after the personalizations).
pub const MAX_ARMS: usize = 100;
use std::collections::BTreeMap;

/// Which variant a slot shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum Choice {
    Baseline,
    /// Index into the entry's personalizations.
    Personalization(u16),
    /// Index into the experiment's arms.
    Arm(u16),
    /// In the experiment's holdout: sees the baseline.
    Holdout,
}

/// The decision for one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision {
    pub choice: Choice,
    /// Index into the entry's variants: the baseline, then each personalization, then each
    /// experiment arm.
    pub content: u16,
}

/// Where a visitor stands in a slot's experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExperimentStatus {
    NoUnit,
    NoConsent,
    OtherInGroup,
    NotEligible,
    NoWeights,
    Assigned(Assignment),
}

#[derive(Debug, Clone)]
pub struct CompiledRule {
    pub personalization: u16,
    pub root: NodeId,
}

#[derive(Debug, Clone)]
pub struct CompiledExperiment {
    /// Position in [`Rules::experiments`].
    pub index: usize,
    pub key: String,
    pub unit_slot: u32,
    pub eligibility: NodeId,
    pub holdout_threshold: u32,
    pub weights: Vec<u32>,
    pub arms: Vec<String>,
    /// (group name, this experiment's position, number of experiments in the group)
    pub group: Option<(String, u32, u32)>,
}

/// One slot of a page, ready to decide.
#[derive(Debug, Clone)]
pub struct CompiledSlot {
    pub slot: String,
    pub entry: String,
    pub rules: Vec<CompiledRule>,
    pub experiment: Option<CompiledExperiment>,
    /// The entry's personalization ids, in priority order (compiled or not).
    pub personalizations: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CompiledPage {
    pub id: String,
    pub slots: Vec<CompiledSlot>,
    /// Every slot's rules as one plan: what [`DecisionBundle::decide`] runs.
    pub plan: PagePlan,
}

/// Compiled rules: immutable and `Send + Sync`. Deciding a page allocates nothing.
#[derive(Debug, Clone)]
pub struct DecisionBundle {
    pub program: Program,
    pub pages: Vec<CompiledPage>,
    /// Rules that did not compile (their slot serves the baseline for them).
    pub diagnostics: Vec<Diagnostic>,
}

/// Rules that did not all compile; [`DecisionBundle::compile`]'s error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} rule problem(s); the first: {}", .diagnostics.len(), .diagnostics.first().map(ToString::to_string).unwrap_or_default())]
pub struct CompileFailed {
    pub diagnostics: Vec<Diagnostic>,
}

fn from_compile(file: String, base: &str, e: CompileError) -> Diagnostic {
    Diagnostic::new(Severity::Error, file, format!("{base}{}", e.pointer), e.code, e.message)
}

impl DecisionBundle {
    /// Compiles `rules`, refusing them if any rule fails to compile.
    pub fn compile(rules: &Rules) -> Result<DecisionBundle, CompileFailed> {
        let bundle = DecisionBundle::compile_lenient(rules);
        if bundle.diagnostics.is_empty() {
            Ok(bundle)
        } else {
            Err(CompileFailed { diagnostics: bundle.diagnostics })
        }
    }

    /// Compiles `rules`; a rule that fails to compile becomes a diagnostic in
    /// [`DecisionBundle::diagnostics`] and its slot serves the baseline instead. The studio uses
    /// this so that one broken rule does not take a whole workspace down.
    pub fn compile_lenient(rules: &Rules) -> DecisionBundle {
        let mut program = Program::new();
        let mut diagnostics = Vec::new();
        // Intern every catalog attribute so contexts carry them all (traces and impact read them).
        for (path, attr) in &rules.catalog.attributes {
            program.intern(path, attr.ty, attr.consent.as_deref());
        }
        let mut compiler = Compiler::new(&rules.catalog, &rules.audiences, &mut program);
        for name in rules.audiences.keys() {
            if let Err(e) = compiler.audience(name, "") {
                diagnostics.push(from_compile("audiences.json".into(), &format!("/audiences/{name}/condition"), e));
            }
        }
        let mut compiled_rules: BTreeMap<&str, Vec<CompiledRule>> = BTreeMap::new();
        for (id, entry) in &rules.entries {
            let file = format!("entries/{id}.json");
            let compiled = compiled_rules.entry(id).or_default();
            for (i, p) in entry.personalizations.iter().enumerate() {
                let Some(index) = u16::try_from(i).ok().filter(|_| i < MAX_PERSONALIZATIONS) else {
                    diagnostics.push(Diagnostic::new(
                        Severity::Error,
                        file.clone(),
                        format!("/personalizations/{i}"),
                        "too_many_personalizations",
                        format!(
                            "`{id}` has {} personalizations; at most {MAX_PERSONALIZATIONS} per entry are used, the rest never show",
                            entry.personalizations.len()
                        ),
                    ));
                    break;
                };
                match compiler.compile(&p.condition) {
                    Ok(root) => compiled.push(CompiledRule { personalization: index, root }),
                    Err(e) => diagnostics.push(from_compile(file.clone(), &format!("/personalizations/{i}/condition"), e)),
                }
            }
        }
        let experiments = compile_experiments(rules, &mut compiler, &mut diagnostics);
        drop(compiler);
        let mut pages = Vec::new();
        for (page_id, slots) in &rules.pages {
            let mut compiled_slots = Vec::new();
            for (i, slot) in slots.iter().enumerate() {
                let Some(entry) = rules.entries.get(&slot.entry) else {
                    diagnostics.push(Diagnostic::new(
                        Severity::Error,
                        format!("pages/{page_id}.json"),
                        format!("/slots/{i}/entry"),
                        "unknown_entry",
                        format!("slot `{}` shows `{}`, which is not an entry", slot.slot, slot.entry),
                    ));
                    continue;
                };
                compiled_slots.push(CompiledSlot {
                    slot: slot.slot.clone(),
                    entry: slot.entry.clone(),
                    rules: compiled_rules.get(slot.entry.as_str()).cloned().unwrap_or_default(),
                    experiment: experiments.get(slot.entry.as_str()).cloned(),
                    personalizations: entry.personalizations.iter().take(MAX_PERSONALIZATIONS).map(|p| p.id.clone()).collect(),
                });
            }
            let roots: Vec<Vec<(NodeId, u16)>> =
                compiled_slots.iter().map(|s| s.rules.iter().map(|r| (r.root, r.personalization)).collect()).collect();
            let plan = PagePlan::new(&program, roots.iter().map(Vec::as_slice));
            pages.push(CompiledPage { id: page_id.clone(), slots: compiled_slots, plan });
        }
        diagnostics.sort();
        DecisionBundle { program, pages, diagnostics }
    }

    pub fn page(&self, id: &str) -> Option<&CompiledPage> {
        self.pages.iter().find(|p| p.id == id)
    }

    /// Decides every slot of `page` for `ctx` into `out` (cleared first). Allocation-free once
    /// `out` and `scratch` have grown to size.
    pub fn decide(&self, page: &CompiledPage, ctx: &Context, scratch: &mut Scratch, out: &mut Vec<Decision>) {
        scratch.reset(&self.program);
        out.clear();
        let mut bits = std::mem::take(&mut scratch.bits);
        page.plan.run(&self.program, ctx, &mut bits);
        out.extend((0..page.slots.len()).map(|i| {
            // Without a branch on the answer: the baseline's outcome wraps to content 0.
            let shown = page.plan.outcome(i, &bits);
            let choice = if shown == BASELINE { Choice::Baseline } else { Choice::Personalization(shown) };
            Decision { choice, content: shown.wrapping_add(1) }
        }));
        // A running experiment the visitor is in comes first.
        for (slot, decision) in page.slots.iter().zip(out.iter_mut()).filter(|(slot, _)| slot.experiment.is_some()) {
            if let Some(assigned) = self.experiment_decision(slot, ctx, scratch) {
                *decision = assigned;
            }
        }
        scratch.bits = bits;
    }

    /// Decides one slot: a running experiment the visitor is in, else the first matching
    /// personalization, else the baseline.
    pub fn decide_slot(&self, slot: &CompiledSlot, ctx: &Context, scratch: &mut Scratch) -> Decision {
        if let Some(decision) = self.experiment_decision(slot, ctx, scratch) {
            return decision;
        }
        for rule in &slot.rules {
            if self.program.eval(rule.root, ctx, scratch).decide() {
                return Decision { choice: Choice::Personalization(rule.personalization), content: rule.personalization + 1 };
            }
        }
        Decision { choice: Choice::Baseline, content: 0 }
    }

    /// The slot's experiment arm or holdout, when the visitor is in its running experiment.
    fn experiment_decision(&self, slot: &CompiledSlot, ctx: &Context, scratch: &mut Scratch) -> Option<Decision> {
        let x = slot.experiment.as_ref()?;
        let ExperimentStatus::Assigned(assignment) = self.experiment_status(x, ctx, scratch) else { return None };
        Some(match assignment {
            Assignment::Holdout => Decision { choice: Choice::Holdout, content: 0 },
            Assignment::Arm(i) => {
                let content = 1 + slot.personalizations.len() + i;
                Decision { choice: Choice::Arm(i as u16), content: content as u16 }
            }
        })
    }

    /// Where a visitor stands in an experiment, and why.
    pub fn experiment_status(&self, x: &CompiledExperiment, ctx: &Context, scratch: &mut Scratch) -> ExperimentStatus {
        let mut buf = [0u8; 24];
        let unit = match ctx.values.get(x.unit_slot as usize) {
            Some(Val::Str(s)) => Some(ctx.str(*s)),
            Some(Val::Num(n)) => number_unit_text(*n, &mut buf),
            _ => None,
        };
        let Some(unit) = unit else { return ExperimentStatus::NoUnit };
        // The unit itself may need consent: no consent, no experiment.
        if let Some(purpose) = self.program.slots[x.unit_slot as usize].consent {
            if !ctx.granted.get(purpose as usize).copied().unwrap_or(false) {
                return ExperimentStatus::NoConsent;
            }
        }
        if let Some((group, position, size)) = &x.group {
            let slot_in_group = bucket_prefixed("group:", group, unit) * size / BUCKETS;
            if slot_in_group != *position {
                return ExperimentStatus::OtherInGroup;
            }
        }
        if !self.program.eval(x.eligibility, ctx, scratch).decide() {
            return ExperimentStatus::NotEligible;
        }
        match assign(&x.key, unit, x.holdout_threshold, &x.weights) {
            Some(a) => ExperimentStatus::Assigned(a),
            None => ExperimentStatus::NoWeights,
        }
    }
}

impl CompiledSlot {
    /// A readable name of the variant a decision picked, e.g. `vip-welcome` or `exp-hero/b`.
    pub fn variant_label(&self, decision: Decision) -> Cow<'_, str> {
        match decision.choice {
            Choice::Baseline => Cow::Borrowed("baseline"),
            Choice::Holdout => self.experiment.as_ref().map_or(Cow::Borrowed("holdout"), |x| Cow::Owned(format!("{}/holdout", x.key))),
            Choice::Personalization(i) => {
                self.personalizations.get(i as usize).map_or_else(|| Cow::Owned(format!("#{i}")), |id| Cow::Borrowed(id.as_str()))
            }
            Choice::Arm(i) => self
                .experiment
                .as_ref()
                .and_then(|x| x.arms.get(i as usize).map(|arm| Cow::Owned(format!("{}/{arm}", x.key))))
                .unwrap_or_else(|| Cow::Owned(format!("arm #{i}"))),
        }
    }
}

fn compile_experiments<'r>(
    rules: &'r Rules,
    compiler: &mut Compiler<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> BTreeMap<&'r str, CompiledExperiment> {
    let mut experiments: BTreeMap<&str, CompiledExperiment> = BTreeMap::new();
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in &rules.experiments {
        if let Some(g) = &e.group {
            groups.entry(g).or_default().push(&e.key);
        }
    }
    for (index, e) in rules.experiments.iter().enumerate() {
        let at = format!("/experiments/{index}");
        let problem = |code: &str, pointer: &str, message: String| {
            Diagnostic::new(Severity::Error, "experiments.json".into(), format!("{at}{pointer}"), code, message)
        };
        if !rules.entries.contains_key(&e.entry) {
            diagnostics.push(problem(
                "unknown_entry",
                "/entry",
                format!("experiment `{}` runs on `{}`, which is not an entry", e.key, e.entry),
            ));
            continue;
        }
        let unit = rules.catalog.get(&e.unit).map(|a| (a.ty, a.consent.clone()));
        let unit_slot = match unit {
            Some((ty @ (AttrType::String | AttrType::Number), consent)) => compiler.intern(&e.unit, ty, consent.as_deref()),
            _ => {
                diagnostics.push(problem(
                    "bad_unit",
                    "/unit",
                    format!("the unit `{}` must be a string or number attribute in the catalog", e.unit),
                ));
                continue;
            }
        };
        let eligibility = match compiler.compile(&e.eligibility) {
            Ok(root) => root,
            Err(err) => {
                diagnostics.push(from_compile("experiments.json".into(), &format!("{at}/eligibility"), err));
                continue;
            }
        };
        let Some(holdout_threshold) = percent_threshold(e.holdout_percent) else {
            diagnostics.push(problem(
                "bad_value",
                "/holdout_percent",
                "the holdout must be 0 to 100 percent with at most two decimals".into(),
            ));
            continue;
        };
        if e.arms.len() > MAX_ARMS {
            diagnostics.push(problem(
                "too_many_arms",
                "/arms",
                format!("experiment `{}` has {} arms; at most {MAX_ARMS} are allowed", e.key, e.arms.len()),
            ));
            continue;
        }
        let group = group_position(e, &groups);
        if experiments.contains_key(e.entry.as_str()) {
            diagnostics.push(problem(
                "duplicate_experiment",
                "/entry",
                format!("entry `{}` already has an experiment; only the first runs", e.entry),
            ));
            continue;
        }
        experiments.insert(
            &e.entry,
            CompiledExperiment {
                index,
                key: e.key.clone(),
                unit_slot,
                eligibility,
                holdout_threshold,
                weights: e.arms.iter().map(|(_, w)| *w).collect(),
                arms: e.arms.iter().map(|(name, _)| name.clone()).collect(),
                group,
            },
        );
    }
    experiments
}

fn group_position(e: &ExperimentRules, groups: &BTreeMap<&str, Vec<&str>>) -> Option<(String, u32, u32)> {
    let g = e.group.as_ref()?;
    let members = groups.get(g.as_str())?;
    let position = members.iter().position(|k| *k == e.key)?;
    Some((g.clone(), position as u32, members.len() as u32))
}
