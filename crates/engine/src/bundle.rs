//! Compiles a workspace into an immutable, content-hashed [`Bundle`] and decides pages with it.

use crate::bucket::{assign, bucket_prefixed, number_unit_text, percent_threshold, Assignment, BUCKETS};
use crate::catalog::AttrType;
use crate::compile::{CompileError, Compiler};
use crate::context::{Context, Val};
use crate::eval::Scratch;
use crate::load::SourceFiles;
use crate::model::{Entry, Workspace};
use crate::program::{NodeId, Program};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// A problem found while compiling or linting, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Workspace file the problem is in.
    pub file: String,
    /// JSON pointer inside that file.
    pub pointer: String,
    /// Stable machine-readable kind, e.g. `unknown_attribute`, `shadowed`, `banned_word`.
    pub code: String,
    pub message: String,
}

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

/// Where a visitor stands in a slot's experiment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExperimentStatus {
    NoUnit,
    NoConsent,
    OtherInGroup,
    NotEligible,
    NoWeights,
    Assigned(Assignment),
}

/// The decision for one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision {
    pub choice: Choice,
    /// Index into the slot's merged contents.
    pub content: u16,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub personalization: u16,
    pub root: NodeId,
}

#[derive(Debug, Clone)]
pub(crate) struct CompiledExperiment {
    pub index: usize,
    pub key: String,
    pub unit_slot: u32,
    pub eligibility: NodeId,
    pub holdout_threshold: u32,
    pub weights: Vec<u32>,
    /// (group name, this experiment's position, number of experiments in the group)
    pub group: Option<(String, u32, u32)>,
}

/// One slot of a page, ready to decide.
#[derive(Debug, Clone)]
pub struct CompiledSlot {
    pub slot: String,
    pub entry: String,
    pub component: String,
    pub(crate) rules: Vec<CompiledRule>,
    pub(crate) experiment: Option<CompiledExperiment>,
    /// Merged content: baseline, then each personalization, then each experiment arm.
    pub contents: Vec<Value>,
}

#[derive(Debug, Clone)]
pub struct CompiledPage {
    pub id: String,
    pub slots: Vec<CompiledSlot>,
}

/// The compiled workspace: immutable, `Send + Sync`, identified by the hash of its sources.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub hash: String,
    pub workspace: Workspace,
    /// Shared with later bundles whose rules did not change (see [`Bundle::with_new_data`]).
    pub program: Arc<Program>,
    pub pages: Arc<Vec<CompiledPage>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The content hash of a workspace's sources: SHA-256 over every path and content, in order.
pub fn source_hash(files: &SourceFiles) -> String {
    let mut hasher = Sha256::new();
    for (path, text) in files {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn diag(severity: Severity, file: String, pointer: String, code: &str, message: String) -> Diagnostic {
    Diagnostic { severity, file, pointer, code: code.to_owned(), message }
}

fn from_compile(file: String, base: &str, e: CompileError) -> Diagnostic {
    diag(Severity::Error, file, format!("{base}{}", e.pointer), e.code, e.message)
}

/// Merges an RFC 7386 patch over `base`.
pub fn merged(base: &Value, patch: &Value) -> Value {
    let mut out = base.clone();
    json_patch::merge(&mut out, patch);
    out
}

impl Bundle {
    /// Compiles `workspace`; problems that keep a rule from compiling become diagnostics and the
    /// slot serves its baseline for that rule. `hash` identifies the sources.
    pub fn compile(workspace: Workspace, hash: String) -> Bundle {
        let mut program = Program::new();
        let mut diagnostics = Vec::new();
        let audiences = workspace.audience_conditions();
        // Intern every catalog attribute so contexts carry them all (traces and impact read them).
        for (path, attr) in &workspace.catalog.attributes {
            program.intern(path, attr.ty, attr.consent.as_deref());
        }
        let mut compiler = Compiler::new(&workspace.catalog, &audiences, &mut program);
        for name in workspace.audiences.keys() {
            if let Err(e) = compiler.audience(name, "") {
                diagnostics.push(from_compile("audiences.json".into(), &format!("/audiences/{name}/condition"), e));
            }
        }
        let mut rules: BTreeMap<String, Vec<CompiledRule>> = BTreeMap::new();
        for (id, entry) in &workspace.entries {
            let file = format!("entries/{id}.json");
            let compiled = rules.entry(id.clone()).or_default();
            for (i, p) in entry.personalizations.iter().enumerate() {
                match compiler.compile(&p.condition) {
                    Ok(root) => compiled.push(CompiledRule { personalization: i as u16, root }),
                    Err(e) => diagnostics.push(from_compile(file.clone(), &format!("/personalizations/{i}/condition"), e)),
                }
            }
        }
        let mut experiments: BTreeMap<String, CompiledExperiment> = BTreeMap::new();
        let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for e in &workspace.experiments {
            if let Some(g) = &e.group {
                groups.entry(g).or_default().push(&e.key);
            }
        }
        for (index, e) in workspace.experiments.iter().enumerate() {
            let at = format!("/experiments/{index}");
            let problem = |code: &str, pointer: &str, message: String| {
                diag(Severity::Error, "experiments.json".into(), format!("{at}{pointer}"), code, message)
            };
            if !workspace.entries.contains_key(&e.entry) {
                diagnostics.push(problem(
                    "unknown_entry",
                    "/entry",
                    format!("experiment `{}` runs on `{}`, which is not an entry", e.key, e.entry),
                ));
                continue;
            }
            let unit = workspace.catalog.get(&e.unit).map(|a| (a.ty, a.consent.clone()));
            let unit_slot = match unit {
                Some((ty @ (AttrType::String | AttrType::Number), consent)) => {
                    compiler_intern(&mut compiler, &e.unit, ty, consent.as_deref())
                }
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
            let group = e.group.as_ref().and_then(|g| {
                let members = groups.get(g.as_str())?;
                let position = members.iter().position(|k| *k == e.key)?;
                Some((g.clone(), position as u32, members.len() as u32))
            });
            let weights = e.arms.iter().map(|a| a.weight).collect();
            if experiments.contains_key(&e.entry) {
                diagnostics.push(problem(
                    "duplicate_experiment",
                    "/entry",
                    format!("entry `{}` already has an experiment; only the first runs", e.entry),
                ));
                continue;
            }
            experiments.insert(
                e.entry.clone(),
                CompiledExperiment { index, key: e.key.clone(), unit_slot, eligibility, holdout_threshold, weights, group },
            );
        }
        drop(compiler);
        let mut pages = Vec::new();
        for (page_id, page) in &workspace.pages {
            let mut slots = Vec::new();
            for (i, slot) in page.slots.iter().enumerate() {
                let Some(entry) = workspace.entries.get(&slot.entry) else {
                    diagnostics.push(diag(
                        Severity::Error,
                        format!("pages/{page_id}.json"),
                        format!("/slots/{i}/entry"),
                        "unknown_entry",
                        format!("slot `{}` shows `{}`, which is not an entry", slot.id, slot.entry),
                    ));
                    continue;
                };
                if !workspace.components.contains_key(&entry.component) {
                    diagnostics.push(diag(
                        Severity::Error,
                        format!("entries/{}.json", entry.id),
                        "/type".into(),
                        "unknown_component",
                        format!("`{}` is not a component type", entry.component),
                    ));
                    continue;
                }
                let experiment = experiments.get(&entry.id).cloned();
                slots.push(CompiledSlot {
                    slot: slot.id.clone(),
                    entry: entry.id.clone(),
                    component: entry.component.clone(),
                    rules: rules.get(&entry.id).cloned().unwrap_or_default(),
                    contents: contents(entry, experiment.as_ref().map(|x| &workspace.experiments[x.index])),
                    experiment,
                });
            }
            pages.push(CompiledPage { id: page_id.clone(), slots });
        }
        diagnostics.sort();
        Bundle { hash, workspace, program: Arc::new(program), pages: Arc::new(pages), diagnostics }
    }

    /// Whether `workspace` differs from this bundle's only in what compiled rules do not read:
    /// component templates and schemas, feeds, profiles, the theme, brand rules.
    pub fn rules_unchanged(&self, workspace: &Workspace) -> bool {
        let old = &self.workspace;
        old.catalog == workspace.catalog
            && old.audiences == workspace.audiences
            && old.entries == workspace.entries
            && old.experiments == workspace.experiments
            && old.pages == workspace.pages
            && old.components.keys().eq(workspace.components.keys())
    }

    /// The bundle for `workspace` reusing this one's compiled program and pages, which only
    /// the rules determine. Call it when [`Bundle::rules_unchanged`] holds; otherwise compile.
    pub fn with_new_data(&self, workspace: Workspace, hash: String) -> Bundle {
        Bundle {
            hash,
            workspace,
            program: Arc::clone(&self.program),
            pages: Arc::clone(&self.pages),
            diagnostics: self.diagnostics.clone(),
        }
    }

    pub fn page(&self, id: &str) -> Option<&CompiledPage> {
        self.pages.iter().find(|p| p.id == id)
    }

    /// Decides every slot of `page` for `ctx` into `out` (cleared first). Allocation-free once
    /// `out` and `scratch` have grown to size.
    pub fn decide(&self, page: &CompiledPage, ctx: &Context, scratch: &mut Scratch, out: &mut Vec<Decision>) {
        scratch.reset(&self.program);
        out.clear();
        for slot in &page.slots {
            out.push(self.decide_slot(slot, ctx, scratch));
        }
    }

    /// Decides one slot: a running experiment the visitor is in, else the first matching
    /// personalization, else the baseline.
    pub fn decide_slot(&self, slot: &CompiledSlot, ctx: &Context, scratch: &mut Scratch) -> Decision {
        if let Some(x) = &slot.experiment {
            if let Some(assignment) = self.assign(x, ctx, scratch) {
                return match assignment {
                    Assignment::Holdout => Decision { choice: Choice::Holdout, content: 0 },
                    Assignment::Arm(i) => {
                        let content = 1 + slot.rules_total() + i;
                        Decision { choice: Choice::Arm(i as u16), content: content as u16 }
                    }
                };
            }
        }
        for rule in &slot.rules {
            if self.program.eval(rule.root, ctx, scratch).decide() {
                return Decision { choice: Choice::Personalization(rule.personalization), content: rule.personalization + 1 };
            }
        }
        Decision { choice: Choice::Baseline, content: 0 }
    }

    fn assign(&self, x: &CompiledExperiment, ctx: &Context, scratch: &mut Scratch) -> Option<Assignment> {
        match self.experiment_status(x, ctx, scratch) {
            ExperimentStatus::Assigned(a) => Some(a),
            _ => None,
        }
    }

    /// Where a visitor stands in an experiment, and why.
    pub(crate) fn experiment_status(&self, x: &CompiledExperiment, ctx: &Context, scratch: &mut Scratch) -> ExperimentStatus {
        let mut buf = [0u8; 24];
        let unit = match ctx.values.get(x.unit_slot as usize) {
            Some(Val::Str(s)) => Some(&**s),
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

    /// A readable name of the variant a decision picked, e.g. `vip-welcome` or `exp-hero/b`.
    pub fn variant_label(&self, slot: &CompiledSlot, decision: Decision) -> String {
        let entry = self.workspace.entries.get(&slot.entry);
        match decision.choice {
            Choice::Baseline => "baseline".into(),
            Choice::Holdout => slot.experiment.as_ref().map_or_else(|| "holdout".into(), |x| format!("{}/holdout", x.key)),
            Choice::Personalization(i) => {
                entry.and_then(|e| e.personalizations.get(i as usize)).map_or_else(|| format!("#{i}"), |p| p.id.clone())
            }
            Choice::Arm(i) => slot
                .experiment
                .as_ref()
                .and_then(|x| self.workspace.experiments.get(x.index).map(|e| (x, e)))
                .and_then(|(x, e)| e.arms.get(i as usize).map(|a| format!("{}/{}", x.key, a.name)))
                .unwrap_or_else(|| format!("arm #{i}")),
        }
    }
}

impl CompiledSlot {
    fn rules_total(&self) -> usize {
        self.contents.len().saturating_sub(1 + self.experiment.as_ref().map_or(0, |x| x.weights.len()))
    }
}

fn compiler_intern(compiler: &mut Compiler<'_>, path: &str, ty: AttrType, consent: Option<&str>) -> u32 {
    compiler.intern(path, ty, consent)
}

fn contents(entry: &Entry, experiment: Option<&crate::model::Experiment>) -> Vec<Value> {
    let mut out = vec![entry.baseline.clone()];
    out.extend(entry.personalizations.iter().map(|p| merged(&entry.baseline, &p.patch)));
    if let Some(x) = experiment {
        out.extend(x.arms.iter().map(|a| merged(&entry.baseline, &a.patch)));
    }
    out
}
