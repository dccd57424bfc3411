//! Composes a page for one visitor (decisions + content + feeds) and renders preview HTML.

use crate::bundle::{Bundle, CompiledPage};
use crate::model::{DataBinding, Page, Product, Profile, Workspace};
use serde::Serialize;
use serde_json::{json, Map, Value};
use vantage_core::Decision;

/// A page as one visitor sees it, before rendering.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComposedPage {
    pub page: String,
    pub title: String,
    pub path: String,
    /// The declared locale the texts are in (none when the workspace declares no locales).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    pub slots: Vec<ComposedSlot>,
}

/// One slot's chosen variant with its merged content and the feed data its template gets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComposedSlot {
    pub slot: String,
    pub entry: String,
    pub component: String,
    pub variant: String,
    pub content: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub products: Option<Vec<Value>>,
    /// Schema violations of the merged content; the slot still renders.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// The flat evaluation context of `profile` on `page`: the profile's attributes (its own
/// `request.now` among them, if it has one), its consents and, on product pages, the product in
/// view. Which moment applies is [`crate::visit`]'s rule.
pub fn profile_context(workspace: &Workspace, profile: &Profile, page: &Page) -> Map<String, Value> {
    let mut flat = profile.attributes.clone();
    flat.insert(crate::catalog::CONSENTS.into(), json!(profile.consents));
    if page.product_page {
        if let Some(product) = product_in_view(workspace, profile) {
            for (key, value) in product_attributes(product) {
                flat.entry(key).or_insert(value);
            }
        }
    }
    flat
}

/// The product a profile looks at on a product page: theirs, or the feed's first.
pub fn product_in_view<'a>(workspace: &'a Workspace, profile: &Profile) -> Option<&'a Product> {
    profile.product.as_deref().and_then(|sku| workspace.product(sku)).or_else(|| workspace.products.products.first())
}

/// A product's `product.*` attributes.
pub fn product_attributes(product: &Product) -> Vec<(String, Value)> {
    vec![
        ("product.sku".into(), json!(product.sku)),
        ("product.category".into(), json!(product.category)),
        ("product.price".into(), json!(product.price)),
        ("product.inventory".into(), json!(product.inventory)),
        ("product.margin_tier".into(), json!(product.margin_tier)),
        ("product.season".into(), json!(product.season)),
    ]
}

impl Bundle {
    /// Composes `page` from decisions already made.
    pub fn compose_decided(&self, page: &CompiledPage, decisions: &[Decision], flat: &Map<String, Value>) -> ComposedPage {
        let ws = &self.workspace;
        let meta = ws.pages.get(&page.id);
        let sku = flat.get("product.sku").and_then(Value::as_str);
        let locale = self.locale_of(flat);
        let slots = page
            .slots
            .iter()
            .zip(decisions)
            .map(|(slot, decision)| {
                let content = self.content_in(slot, *decision, locale).cloned().unwrap_or(Value::Null);
                let component = ws.entries.get(&slot.entry).map(|e| e.component.as_str()).unwrap_or_default();
                let binding = ws.components.get(component).map_or(DataBinding::None, |c| c.data);
                let (product, products) = match binding {
                    DataBinding::None => (None, None),
                    DataBinding::Product => (sku.and_then(|s| ws.product(s)).map(to_value), None),
                    DataBinding::ProductList => (None, Some(product_list(ws, &content))),
                    DataBinding::Recommendations => (None, Some(recommendations(ws, &content))),
                };
                let problems = self.schemas.problems(component, &content);
                ComposedSlot {
                    slot: slot.slot.clone(),
                    entry: slot.entry.clone(),
                    component: component.to_owned(),
                    variant: slot.variant_label(*decision).into_owned(),
                    content,
                    product,
                    products,
                    problems,
                }
            })
            .collect();
        ComposedPage {
            page: page.id.clone(),
            title: meta.map(|p| p.title.clone()).unwrap_or_default(),
            path: meta.map(|p| p.path.clone()).unwrap_or_default(),
            locale: locale.map(str::to_owned),
            slots,
        }
    }
}

fn to_value(p: &Product) -> Value {
    serde_json::to_value(p).unwrap_or(Value::Null)
}

fn limit_of(content: &Value) -> usize {
    content.get("limit").and_then(Value::as_u64).map_or(4, |n| n as usize)
}

/// Products for a `product_list` slot: filtered by `category`, sorted by `sort`, at most `limit`.
fn product_list(ws: &Workspace, content: &Value) -> Vec<Value> {
    let category = content.get("category").and_then(Value::as_str);
    let mut products: Vec<&Product> = ws.products.products.iter().filter(|p| category.is_none_or(|c| p.category == c)).collect();
    let margin_rank = |p: &Product| match p.margin_tier.as_str() {
        "high" => 0,
        "medium" => 1,
        _ => 2,
    };
    match content.get("sort").and_then(Value::as_str) {
        Some("price_asc") => products.sort_by(|a, b| a.price.total_cmp(&b.price)),
        Some("price_desc") => products.sort_by(|a, b| b.price.total_cmp(&a.price)),
        Some("margin") => products.sort_by_key(|p| margin_rank(p)),
        Some("inventory_low") => products.sort_by_key(|p| p.inventory),
        Some("newest") => products.sort_by(|a, b| b.added.cmp(&a.added)),
        _ => {}
    }
    products.into_iter().take(limit_of(content)).map(to_value).collect()
}

fn recommendations(ws: &Workspace, content: &Value) -> Vec<Value> {
    let list = content.get("list").and_then(Value::as_str).and_then(|l| ws.recommendations.lists.get(l));
    list.map(|l| l.skus.iter().filter_map(|sku| ws.product(sku)).take(limit_of(content)).map(to_value).collect()).unwrap_or_default()
}

/// Every way `content` fails `schema`, as `pointer: message` lines.
pub fn schema_problems(schema: &Value, content: &Value) -> Vec<String> {
    match jsonschema::validator_for(schema) {
        Ok(validator) => validator.iter_errors(content).map(|e| schema_message(&e)).collect(),
        Err(e) => vec![format!("the component schema is invalid: {e}")],
    }
}

/// One schema violation as a bounded message naming where it is.
pub(crate) fn schema_message(e: &jsonschema::ValidationError<'_>) -> String {
    let at = e.instance_path.to_string();
    crate::render::bounded_message(&format!("{}: {e}", if at.is_empty() { "content".to_owned() } else { at }))
}
