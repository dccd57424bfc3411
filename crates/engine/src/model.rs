//! The workspace's domain model, as read from its files (`docs/workspace-format.md`).

use crate::catalog::Catalog;
use crate::condition::Condition;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `vantage.json`: workspace settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub name: String,
    #[serde(default)]
    pub consent_purposes: Vec<ConsentPurpose>,
    #[serde(default)]
    pub brand: BrandRules,
    pub population: PopulationSettings,
    /// The languages content is written in, the default first (`crate::locales`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locales: Vec<Locale>,
    /// Words every template may write (`crate::messages`); a component's own override them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: Messages,
}

/// One language content is written for, and where its missing texts come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locale {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback: Vec<String>,
}

/// A variant's texts per locale: locale code -> the localized fields, shaped as the content.
pub type Translations = BTreeMap<String, Value>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentPurpose {
    pub id: String,
    pub label: String,
    #[serde(default)]
    pub grant_rate: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrandRules {
    #[serde(default)]
    pub banned_words: Vec<String>,
    #[serde(default)]
    pub field_limits: Vec<FieldLimit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldLimit {
    pub component: String,
    pub field: String,
    pub max_length: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationSettings {
    pub size: usize,
    pub seed: u64,
    /// The moment the simulated population lives in (RFC 3339).
    pub now: String,
}

/// `audiences.json` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub condition: Condition,
}

/// What a component's template receives beside its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataBinding {
    None,
    Product,
    ProductList,
    Recommendations,
}

/// `components/<id>/component.json` plus its template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentType {
    #[serde(skip)]
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub data: DataBinding,
    pub schema: Value,
    /// The template's own words (`docs/locales.md`): message key -> locale code -> text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: Messages,
    #[serde(skip)]
    pub template: String,
}

/// A component's message catalog: key -> locale code -> text.
pub type Messages = BTreeMap<String, BTreeMap<String, String>>;

/// `pages/<id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub id: String,
    pub title: String,
    pub path: String,
    #[serde(default)]
    pub product_page: bool,
    pub slots: Vec<SlotRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotRef {
    pub id: String,
    pub entry: String,
}

/// `entries/<id>.json`: a baseline and personalizations in priority order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    #[serde(rename = "type")]
    pub component: String,
    #[serde(default)]
    pub description: String,
    pub baseline: Value,
    /// The baseline's texts in other locales.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: Translations,
    #[serde(default)]
    pub personalizations: Vec<Personalization>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Personalization {
    pub id: String,
    pub name: String,
    pub condition: Condition,
    /// JSON Merge Patch (RFC 7386) over the baseline.
    pub patch: Value,
    /// The texts this patch sets, in other locales.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: Translations,
}

/// `experiments.json` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    pub key: String,
    pub name: String,
    pub entry: String,
    pub unit: String,
    #[serde(default = "Condition::always")]
    pub eligibility: Condition,
    #[serde(default)]
    pub holdout_percent: f64,
    #[serde(default)]
    pub group: Option<String>,
    pub arms: Vec<Arm>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arm {
    pub name: String,
    pub weight: u32,
    #[serde(default)]
    pub patch: Value,
    /// The texts this arm's patch sets, in other locales.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub translations: Translations,
}

/// `profiles/<id>.json`: a simulated visitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub attributes: Map<String, Value>,
    #[serde(default)]
    pub consents: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
}

/// `feeds/products.json`: the PIM feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductFeed {
    pub produced_at: String,
    pub max_age: String,
    pub products: Vec<Product>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub sku: String,
    pub name: String,
    pub category: String,
    pub price: f64,
    pub currency: String,
    pub inventory: i64,
    pub margin_tier: String,
    pub season: String,
    pub added: String,
    #[serde(default)]
    pub blurb: String,
}

/// `feeds/recommendations.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationFeed {
    pub produced_at: String,
    pub max_age: String,
    pub lists: BTreeMap<String, RecommendationList>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationList {
    pub title: String,
    pub skus: Vec<String>,
}

/// A whole workspace, as loaded and schema-checked (cross references are checked by compile).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub settings: Settings,
    pub catalog: Catalog,
    pub audiences: BTreeMap<String, Audience>,
    pub experiments: Vec<Experiment>,
    pub components: BTreeMap<String, ComponentType>,
    /// Pages and entries are shared, not copied, between the workspaces of successive edits:
    /// a keystroke's workspace differs from the last in one document, and a workspace holds
    /// thousands (comparing them is then mostly comparing pointers).
    pub pages: BTreeMap<String, Arc<Page>>,
    pub entries: BTreeMap<String, Arc<Entry>>,
    pub profiles: BTreeMap<String, Profile>,
    pub products: ProductFeed,
    pub recommendations: RecommendationFeed,
    pub theme: String,
}

/// Whether `a` and `b` are the same shared document: the same pointer without comparing (the
/// workspaces of successive edits share all but the edited one), else equal contents.
pub fn same_document<T: PartialEq>(a: Option<&Arc<T>>, b: Option<&Arc<T>>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
        (None, None) => true,
        _ => false,
    }
}

/// Whether two maps hold the same documents under the same ids (see [`same_document`]).
pub fn same_documents<T: PartialEq>(a: &BTreeMap<String, Arc<T>>, b: &BTreeMap<String, Arc<T>>) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && same_document(Some(va), Some(vb)))
}

impl Entry {
    /// Whether `other` has the same rules as this entry: component type, and each
    /// personalization's id and condition in order (what compiling reads; not the content).
    pub fn same_rules(&self, other: &Entry) -> bool {
        self.component == other.component
            && self.personalizations.len() == other.personalizations.len()
            && self.personalizations.iter().zip(&other.personalizations).all(|(a, b)| a.id == b.id && a.condition == b.condition)
    }
}

impl Workspace {
    /// Every entry, or only the one named `only` (found directly: checking one entry of a large
    /// workspace must not walk all of them).
    pub fn entries_or_only<'w>(&'w self, only: Option<&str>) -> std::collections::btree_map::Range<'w, String, Arc<Entry>> {
        use std::ops::Bound::Included;
        match only {
            Some(id) => self.entries.range::<str, _>((Included(id), Included(id))),
            None => self.entries.range::<str, _>(..),
        }
    }

    /// Audience conditions by name, as the compiler wants them.
    pub fn audience_conditions(&self) -> BTreeMap<String, Condition> {
        self.audiences.iter().map(|(k, a)| (k.clone(), a.condition.clone())).collect()
    }

    pub fn product(&self, sku: &str) -> Option<&Product> {
        self.products.products.iter().find(|p| p.sku == sku)
    }
}
