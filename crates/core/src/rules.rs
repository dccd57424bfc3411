//! What deciding needs, and nothing more: the catalog, audiences, each entry's personalization
//! rules, experiments and which entry each page's slots show. A library user builds these
//! directly; the engine builds them from a workspace. Content, schemas, templates and feeds are
//! not part of a decision and live outside the core.

use crate::catalog::Catalog;
use crate::condition::Condition;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The rules of a workspace, as [`crate::DecisionBundle::compile`] takes them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    pub catalog: Catalog,
    /// Audience conditions by name.
    pub audiences: BTreeMap<String, Condition>,
    /// Entries by id: their personalizations in priority order.
    pub entries: BTreeMap<String, EntryRules>,
    pub experiments: Vec<ExperimentRules>,
    /// Pages by id: their slots in order.
    pub pages: BTreeMap<String, Vec<SlotRule>>,
}

/// One entry's personalizations, first match wins; the baseline is the fallback.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryRules {
    pub personalizations: Vec<PersonalizationRule>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonalizationRule {
    /// The variant's stable id, e.g. `vip-welcome`.
    pub id: String,
    pub condition: Condition,
}

/// An A/B/n experiment on one entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentRules {
    pub key: String,
    pub entry: String,
    /// The attribute whose value buckets a visitor (a string or number attribute).
    pub unit: String,
    pub eligibility: Condition,
    pub holdout_percent: f64,
    /// A mutual-exclusion group: a visitor is in at most one of its experiments.
    pub group: Option<String>,
    /// Arm names and traffic weights.
    pub arms: Vec<(String, u32)>,
}

/// A page's slot and the entry it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotRule {
    pub slot: String,
    pub entry: String,
}
