//! Compiles a workspace into an immutable, content-hashed [`Bundle`]: the decision core's
//! compiled rules, each entry's merged variants, the parsed templates and the workspace's own
//! population settings, so that every caller decides, composes and renders the same way.

use crate::load::SourceFiles;
use crate::locales::Locales;
use crate::model::{same_documents, Entry, Experiment, Translations, Workspace};
use crate::render::Templates;
use crate::schemas::Schemas;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use vantage_core::rules::{EntryRules, ExperimentRules, PersonalizationRule, Rules, SlotRule};
use vantage_core::{Decision, DecisionBundle};

pub use vantage_core::decide::{Choice, CompiledPage, CompiledSlot, Decision as SlotDecision};
pub use vantage_core::{Diagnostic, Severity};

/// The compiled workspace: immutable, `Send + Sync`, identified by the hash of its sources.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub hash: String,
    pub workspace: Workspace,
    /// The decision core's compiled rules; shared with later bundles whose rules did not change
    /// (see [`Bundle::with_new_data`]).
    pub decisions: Arc<DecisionBundle>,
    /// Each entry's variants, merged over its baseline, in each locale.
    pub contents: Arc<BTreeMap<String, Arc<EntryVariants>>>,
    /// The component templates, parsed once.
    pub templates: Arc<Templates>,
    /// The component schemas, compiled once.
    pub schemas: Arc<Schemas>,
    /// Compile problems (rules that serve the baseline instead, slots left off a page).
    pub diagnostics: Vec<Diagnostic>,
    /// The simulated population of the workspace's own settings, drawn on first use.
    population: OnceLock<Arc<Vec<Map<String, Value>>>>,
}

/// An entry's variants merged over its baseline: the baseline, each personalization, then each
/// experiment arm (a [`Decision`]'s `content` indexes these lists).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntryVariants {
    /// In the default locale (or the one language of a workspace without locales).
    pub default: Vec<Value>,
    /// Locale code -> the variants in that locale, for the locales where some text differs.
    pub localized: BTreeMap<String, Vec<Value>>,
}

impl EntryVariants {
    /// Variant `index` in `locale` (the default's where that locale changes nothing).
    pub fn get(&self, index: usize, locale: Option<&str>) -> Option<&Value> {
        locale.and_then(|l| self.localized.get(l)).unwrap_or(&self.default).get(index)
    }
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

/// Merges an RFC 7386 patch over `base`.
pub fn merged(base: &Value, patch: &Value) -> Value {
    let mut out = base.clone();
    json_patch::merge(&mut out, patch);
    out
}

/// What the decision core needs of a workspace. Slots whose entry names an unknown component
/// are left off their page, with a diagnostic.
pub fn rules_of(workspace: &Workspace) -> (Rules, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let pages = workspace
        .pages
        .iter()
        .map(|(id, page)| {
            let slots = page
                .slots
                .iter()
                .filter(|slot| match workspace.entries.get(&slot.entry) {
                    Some(entry) if !workspace.components.contains_key(&entry.component) => {
                        diagnostics.push(Diagnostic::new(
                            Severity::Error,
                            format!("entries/{}.json", entry.id),
                            "/type".into(),
                            "unknown_component",
                            format!("`{}` is not a component type", entry.component),
                        ));
                        false
                    }
                    _ => true,
                })
                .map(|slot| SlotRule { slot: slot.id.clone(), entry: slot.entry.clone() })
                .collect();
            (id.clone(), slots)
        })
        .collect();
    let rules = Rules {
        catalog: workspace.catalog.clone(),
        audiences: workspace.audience_conditions(),
        entries: workspace
            .entries
            .iter()
            .map(|(id, entry)| {
                let personalizations = entry
                    .personalizations
                    .iter()
                    .map(|p| PersonalizationRule { id: p.id.clone(), condition: p.condition.clone() })
                    .collect();
                (id.clone(), EntryRules { personalizations })
            })
            .collect(),
        experiments: workspace
            .experiments
            .iter()
            .map(|e| ExperimentRules {
                key: e.key.clone(),
                entry: e.entry.clone(),
                unit: e.unit.clone(),
                eligibility: e.eligibility.clone(),
                holdout_percent: e.holdout_percent,
                group: e.group.clone(),
                arms: e.arms.iter().map(|a| (a.name.clone(), a.weight)).collect(),
            })
            .collect(),
        pages,
    };
    (rules, diagnostics)
}

impl Bundle {
    /// Compiles `workspace`; problems that keep a rule from compiling become diagnostics and the
    /// slot serves its baseline for that rule. `hash` identifies the sources.
    pub fn compile(workspace: Workspace, hash: String) -> Bundle {
        let (rules, mut diagnostics) = rules_of(&workspace);
        let decisions = DecisionBundle::compile_lenient(&rules);
        diagnostics.extend(decisions.diagnostics.iter().cloned());
        diagnostics.sort();
        let contents = Arc::new(contents(&workspace, &decisions));
        let templates = Arc::new(Templates::new(&workspace));
        let schemas = Arc::new(Schemas::new(&workspace));
        Bundle { hash, workspace, decisions: Arc::new(decisions), contents, templates, schemas, diagnostics, population: OnceLock::new() }
    }

    /// Whether `workspace` differs from this bundle's only in what compiled rules and merged
    /// variants do not read: component templates and schemas, feeds, profiles, the theme, settings.
    pub fn rules_unchanged(&self, workspace: &Workspace) -> bool {
        let old = &self.workspace;
        old.catalog == workspace.catalog
            && old.audiences == workspace.audiences
            && same_documents(&old.entries, &workspace.entries)
            && old.experiments == workspace.experiments
            && same_documents(&old.pages, &workspace.pages)
            && old.components.keys().eq(workspace.components.keys())
    }

    /// Whether `workspace` differs from this bundle's only in the content of entry `id` (its
    /// baseline, variants' patches, names or description), not in any rule: the most common
    /// edit, a keystroke in a field. [`Bundle::with_entry_content`] is then all it takes.
    pub fn only_entry_content_changed(&self, workspace: &Workspace, id: &str) -> bool {
        let old = &self.workspace;
        let (Some(before), Some(after)) = (old.entries.get(id), workspace.entries.get(id)) else { return false };
        before.same_rules(after)
            && old.entries.len() == workspace.entries.len()
            && old.entries.iter().zip(&workspace.entries).all(|((ka, a), (kb, b))| ka == kb && (ka == id || Arc::ptr_eq(a, b) || a == b))
            && old.catalog == workspace.catalog
            && old.audiences == workspace.audiences
            && old.experiments == workspace.experiments
            && same_documents(&old.pages, &workspace.pages)
            && old.components == workspace.components
            && old.theme == workspace.theme
    }

    /// The bundle for `workspace`, in which only entry `id`'s content differs from this one's
    /// ([`Bundle::only_entry_content_changed`]): the compiled rules, templates and the other
    /// entries' merged variants are shared; only that entry's variants are merged again.
    pub fn with_entry_content(&self, workspace: Workspace, hash: String, id: &str) -> Bundle {
        let mut contents = (*self.contents).clone();
        if let Some(entry) = workspace.entries.get(id) {
            let experiment = experiment_of(&workspace, &self.decisions, id);
            let schema = workspace.components.get(&entry.component).map(|c| &c.schema);
            let fields = schema.map(crate::locales::localized_fields).unwrap_or_default();
            let component = schema.map(|schema| (schema, fields.as_slice()));
            contents.insert(id.to_owned(), Arc::new(entry_contents(entry, experiment, component, &Locales::of(&workspace.settings))));
        }
        Bundle {
            hash,
            workspace,
            decisions: Arc::clone(&self.decisions),
            contents: Arc::new(contents),
            templates: Arc::clone(&self.templates),
            schemas: Arc::clone(&self.schemas),
            diagnostics: self.diagnostics.clone(),
            population: OnceLock::new(),
        }
    }

    /// The bundle for `workspace` reusing this one's compiled rules and merged variants (and its
    /// templates when no component changed). Call it when [`Bundle::rules_unchanged`] holds;
    /// otherwise compile.
    pub fn with_new_data(&self, workspace: Workspace, hash: String) -> Bundle {
        // Components' templates and schemas (which say which fields are links) only change
        // what is drawn: re-parse and re-check the variants then, keep the compiled rules.
        let same_locales = self.workspace.settings.locales == workspace.settings.locales;
        let (templates, schemas, contents) = if self.workspace.components == workspace.components && same_locales {
            (Arc::clone(&self.templates), Arc::clone(&self.schemas), Arc::clone(&self.contents))
        } else {
            (Arc::new(Templates::new(&workspace)), Arc::new(Schemas::new(&workspace)), Arc::new(contents(&workspace, &self.decisions)))
        };
        Bundle {
            hash,
            workspace,
            decisions: Arc::clone(&self.decisions),
            contents,
            templates,
            schemas,
            diagnostics: self.diagnostics.clone(),
            population: OnceLock::new(),
        }
    }

    pub fn page(&self, id: &str) -> Option<&CompiledPage> {
        self.decisions.page(id)
    }

    /// The merged content a decision picked for `slot`, in the default locale.
    pub fn content(&self, slot: &CompiledSlot, decision: Decision) -> Option<&Value> {
        self.content_in(slot, decision, None)
    }

    /// The merged content a decision picked for `slot`, in `locale` (a declared locale's code).
    pub fn content_in(&self, slot: &CompiledSlot, decision: Decision, locale: Option<&str>) -> Option<&Value> {
        self.contents.get(&slot.entry).and_then(|c| c.get(decision.content as usize, locale))
    }

    /// The declared locale a visitor with this context reads ([`Locales::resolve`]).
    pub fn locale_of(&self, flat: &Map<String, Value>) -> Option<&str> {
        Locales::of(&self.workspace.settings).resolve(flat.get(crate::locales::LOCALE).and_then(Value::as_str))
    }

    /// The simulated visitors of the workspace's own population settings (size, seed, moment),
    /// drawn once per bundle: lint and impact read them from here.
    pub fn population(&self) -> Arc<Vec<Map<String, Value>>> {
        Arc::clone(self.population.get_or_init(|| {
            let settings = &self.workspace.settings.population;
            Arc::new(crate::population::generate(&self.workspace, settings.size, settings.seed, &settings.now))
        }))
    }
}

fn contents(workspace: &Workspace, decisions: &DecisionBundle) -> BTreeMap<String, Arc<EntryVariants>> {
    // The experiment that runs on an entry is the one the core compiled for it.
    let mut experiments: BTreeMap<&str, &Experiment> = BTreeMap::new();
    for slot in decisions.pages.iter().flat_map(|p| &p.slots) {
        if let Some(x) = slot.experiment.as_ref().and_then(|x| workspace.experiments.get(x.index)) {
            experiments.insert(&slot.entry, x);
        }
    }
    let locales = Locales::of(&workspace.settings);
    // Each component's localized fields, read from its schema once rather than per entry.
    let fields: BTreeMap<&str, Vec<String>> =
        workspace.components.iter().map(|(id, c)| (id.as_str(), crate::locales::localized_fields(&c.schema))).collect();
    workspace
        .entries
        .iter()
        .map(|(id, entry)| {
            let component = workspace.components.get(&entry.component).map(|c| (&c.schema, fields.get(entry.component.as_str())));
            let component = component.map(|(schema, fields)| (schema, fields.map(Vec::as_slice).unwrap_or_default()));
            (id.clone(), Arc::new(entry_contents(entry, experiments.get(id.as_str()).copied(), component, &locales)))
        })
        .collect()
}

/// The experiment the core compiled for entry `id`, if one runs on it.
fn experiment_of<'w>(workspace: &'w Workspace, decisions: &DecisionBundle, id: &str) -> Option<&'w Experiment> {
    decisions
        .pages
        .iter()
        .flat_map(|p| &p.slots)
        .filter(|slot| slot.entry == id)
        .find_map(|slot| slot.experiment.as_ref().and_then(|x| workspace.experiments.get(x.index)))
}

/// An entry's variants merged over its baseline, in every locale whose texts differ, with every
/// unsafe link made inert (lint says which), so no page anyone is served carries one.
/// `component` is the entry's component schema and its localized fields.
fn entry_contents(
    entry: &Entry,
    experiment: Option<&Experiment>,
    component: Option<(&Value, &[String])>,
    locales: &Locales<'_>,
) -> EntryVariants {
    // Only the personalizations the core compiles (see `MAX_PERSONALIZATIONS`): decisions index this list.
    let personalizations = &entry.personalizations[..entry.personalizations.len().min(vantage_core::decide::MAX_PERSONALIZATIONS)];
    let arms = experiment.map(|x| x.arms.as_slice()).unwrap_or_default();
    // Each variant: its patch over the baseline (none for the baseline) and its own translations.
    let variants: Vec<(Option<&Value>, &Translations)> = std::iter::once((None, &entry.translations))
        .chain(personalizations.iter().map(|p| (Some(&p.patch), &p.translations)))
        .chain(arms.iter().map(|a| (Some(&a.patch), &a.translations)))
        .collect();
    let schema = component.map(|(schema, _)| schema);
    let fields = component.map(|(_, fields)| fields).unwrap_or_default();
    let mut default: Vec<Value> =
        variants.iter().map(|(patch, _)| patch.map_or_else(|| entry.baseline.clone(), |p| merged(&entry.baseline, p))).collect();
    if let Some(schema) = schema {
        for content in &mut default {
            crate::safe_url::neutralise(schema, content);
        }
    }
    let mut localized = BTreeMap::new();
    if !fields.is_empty() && !locales.others().is_empty() {
        // Which texts each variant has is the same in every locale.
        let texts: Vec<Vec<(String, bool)>> =
            variants.iter().zip(&default).map(|((patch, _), content)| crate::locales::variant_texts(fields, content, *patch)).collect();
        for locale in locales.others() {
            let changed: Vec<Option<Value>> = variants
                .iter()
                .zip(&default)
                .zip(&texts)
                .map(|(((_, own), content), texts)| {
                    let mut changed = crate::locales::localized_if_changed(locales, &locale.code, texts, content, own, &entry.translations);
                    // A translated text can carry a link: made inert as the default's were.
                    if let (Some(schema), Some(changed)) = (schema, changed.as_mut()) {
                        crate::safe_url::neutralise(schema, changed);
                    }
                    changed
                })
                .collect();
            // Only locales where some text differs get their own copy of the variants.
            if changed.iter().any(Option::is_some) {
                let variants = changed.into_iter().zip(&default).map(|(c, d)| c.unwrap_or_else(|| d.clone())).collect();
                localized.insert(locale.code.clone(), variants);
            }
        }
    }
    EntryVariants { default, localized }
}
