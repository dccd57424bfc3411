//! A deterministic population of simulated visitors drawn from the catalog's distributions.
//! The seed is an input, so the same workspace and seed always give the same visitors.

use crate::catalog::{AttrType, Attribute, Distribution, Source};
use crate::compose::product_attributes;
use crate::model::Workspace;
use crate::time::parse_timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

/// Generates `size` flat contexts living at `now` (RFC 3339). Every visitor carries a product in
/// view (drawn from the PIM feed) so that rules on product attributes are exercised too.
pub fn generate(workspace: &Workspace, size: usize, seed: u64, now: &str) -> Vec<Map<String, Value>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let now_ts = parse_timestamp(now).and_then(|t| t.to_jiff());
    let products = &workspace.products.products;
    (0..size)
        .map(|i| {
            let mut flat = Map::new();
            for (path, attr) in &workspace.catalog.attributes {
                if attr.source == Some(Source::Pim) && path.starts_with("product.") {
                    continue;
                }
                if let Some(value) = draw(path, attr, i, now_ts, &mut rng) {
                    flat.insert(path.clone(), value);
                }
            }
            flat.entry(crate::catalog::NOW).or_insert_with(|| json!(now));
            if !products.is_empty() {
                let product = &products[rng.random_range(0..products.len())];
                for (key, value) in product_attributes(product) {
                    flat.insert(key, value);
                }
            }
            let consents: Vec<&str> = workspace
                .settings
                .consent_purposes
                .iter()
                .filter(|p| rng.random_bool(p.grant_rate.clamp(0.0, 1.0)))
                .map(|p| p.id.as_str())
                .collect();
            flat.insert(crate::catalog::CONSENTS.into(), json!(consents));
            flat
        })
        .collect()
}

fn draw(path: &str, attr: &Attribute, index: usize, now: Option<jiff::Timestamp>, rng: &mut ChaCha8Rng) -> Option<Value> {
    let Some(d) = &attr.distribution else {
        // Stable ids need no distribution: every simulated visitor gets their own.
        return (attr.ty == AttrType::String && path.ends_with(".id")).then(|| json!(format!("sim-{index:05}")));
    };
    if rng.random_bool(d.p_missing.unwrap_or(0.0).clamp(0.0, 1.0)) {
        return None;
    }
    match attr.ty {
        AttrType::String | AttrType::Semver => weighted(d, rng).map(Value::String),
        AttrType::Number => {
            let (lo, hi) = (d.min.unwrap_or(0.0), d.max.unwrap_or(1.0));
            let x = if hi > lo { rng.random_range(lo..=hi) } else { lo };
            Some(if d.integer.unwrap_or(false) { json!(x.round() as i64) } else { json!((x * 100.0).round() / 100.0) })
        }
        AttrType::Bool => Some(json!(rng.random_bool(d.p_true.unwrap_or(0.5).clamp(0.0, 1.0)))),
        AttrType::StringList => {
            let each = d.each.as_ref()?;
            let list: Vec<&String> = each.iter().filter(|(_, p)| rng.random_bool(p.clamp(0.0, 1.0))).map(|(v, _)| v).collect();
            Some(json!(list))
        }
        AttrType::Timestamp => {
            let [lo, hi] = d.days_ago?;
            let days = if hi > lo { rng.random_range(lo..=hi) } else { lo };
            let seconds = (days * 86_400.0) as i64;
            let t = now?.checked_sub(jiff::SignedDuration::from_secs(seconds)).ok()?;
            Some(json!(t.to_string()))
        }
    }
}

fn weighted(d: &Distribution, rng: &mut ChaCha8Rng) -> Option<String> {
    let values = d.values.as_ref()?;
    let total: f64 = values.values().filter(|w| **w > 0.0).sum();
    if total <= 0.0 {
        return None;
    }
    let mut pick = rng.random_range(0.0..total);
    for (value, weight) in values.iter().filter(|(_, w)| **w > 0.0) {
        if pick < *weight {
            return Some(value.clone());
        }
        pick -= weight;
    }
    values.keys().last().cloned()
}
