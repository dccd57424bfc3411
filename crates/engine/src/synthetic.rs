//! Generated workspaces of any size, for benchmarks and allocation tests: realistic rule shapes
//! (nested audiences, every operator family, a rollout), deterministic for a given size.

use crate::catalog::{AttrType, Attribute, Catalog};
use crate::condition::Condition;
use crate::model::{
    Audience, ComponentType, DataBinding, Entry, Page, Personalization, PopulationSettings, ProductFeed, Profile, RecommendationFeed,
    Settings, SlotRef, Workspace,
};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

fn cond(v: Value) -> Condition {
    // The literals below are well-formed; a malformed one would be a bug in this file.
    Condition::from_json(&v).unwrap_or_else(|_| Condition::always())
}

fn catalog() -> Catalog {
    let entries: [(&str, AttrType, Option<&str>); 14] = [
        ("profile.id", AttrType::String, None),
        ("profile.tier", AttrType::String, Some("personalization")),
        ("profile.lifetime_value", AttrType::Number, Some("personalization")),
        ("profile.orders", AttrType::Number, Some("personalization")),
        ("profile.segments", AttrType::StringList, Some("personalization")),
        ("profile.last_order_at", AttrType::Timestamp, Some("personalization")),
        ("profile.email_opt_in", AttrType::Bool, Some("marketing")),
        ("request.device", AttrType::String, None),
        ("request.country", AttrType::String, None),
        ("request.referrer", AttrType::String, None),
        ("request.app_version", AttrType::Semver, None),
        ("cart.total", AttrType::Number, None),
        ("product.inventory", AttrType::Number, None),
        ("product.category", AttrType::String, None),
    ];
    let attributes = entries
        .iter()
        .map(|(p, ty, consent)| (p.to_string(), Attribute { consent: consent.map(str::to_owned), ..Attribute::of_type(*ty) }))
        .collect();
    Catalog::new(attributes).unwrap_or_default()
}

/// Ten audiences, nested two to four levels deep, using every operator family.
fn audiences() -> BTreeMap<String, Audience> {
    let defs = [
        ("vip", json!({"attr": "profile.tier", "op": "in", "value": ["vip", "platinum"]})),
        (
            "big-spender",
            json!({"any": [{"attr": "profile.lifetime_value", "op": "gte", "value": 1000}, {"attr": "profile.orders", "op": "between", "value": [10, 500]}]}),
        ),
        ("loyal", json!({"all": [{"audience": "big-spender"}, {"attr": "profile.last_order_at", "op": "within_last", "value": "90d"}]})),
        (
            "vip-loyal",
            json!({"any": [{"audience": "vip"}, {"all": [{"audience": "loyal"}, {"attr": "profile.segments", "op": "any_of", "value": ["outdoor", "alpine"]}]}]}),
        ),
        ("dach", json!({"attr": "request.country", "op": "in", "value": ["DE", "AT", "CH"]})),
        (
            "mobile",
            json!({"any": [{"attr": "request.device", "op": "eq", "value": "mobile"}, {"attr": "request.app_version", "op": "semver_gte", "value": "5.2.0"}]}),
        ),
        ("from-search", json!({"attr": "request.referrer", "op": "matches", "value": "^https://(www\\.)?(google|bing|duckduckgo)\\."})),
        (
            "weekend-evening",
            json!({"all": [{"attr": "request.now", "op": "day_of_week", "value": ["sat", "sun"]}, {"attr": "request.now", "op": "hour_between", "value": [18, 23]}]}),
        ),
        (
            "high-cart",
            json!({"all": [{"attr": "cart.total", "op": "gt", "value": 150}, {"not": {"attr": "profile.segments", "op": "all_of", "value": ["bargain"]}}]}),
        ),
        (
            "low-stock",
            json!({"all": [{"attr": "product.inventory", "op": "lt", "value": 10}, {"attr": "product.category", "op": "starts_with", "value": "jack"}]}),
        ),
    ];
    defs.into_iter()
        .map(|(name, c)| (name.to_owned(), Audience { name: name.to_owned(), description: String::new(), condition: cond(c) }))
        .collect()
}

/// The personalizations of slot `i`: 2 to 5, mixing audiences, direct predicates and a rollout.
/// Six shapes, each with values that vary by slot (a rollout's salt and share, a country, a
/// referrer's word), so that a large workspace compiles varied conditions, not six shared ones.
fn personalizations(i: usize) -> Vec<Personalization> {
    let countries = ["GB", "FR", "US", "NL"];
    let words = ["newsletter", "search", "google", "facebook", "shop"];
    let shapes = [
        json!({"all": [{"audience": "vip-loyal"}, {"audience": "dach"}]}),
        json!({"all": [{"audience": "mobile"}, {"not": {"audience": "vip"}}]}),
        json!({"any": [{"audience": "high-cart"}, {"audience": "low-stock"}]}),
        json!({"all": [{"audience": "from-search"}, {"rollout": {"unit": "profile.id", "salt": format!("search-banner-{i}"), "percent": 20 + i % 20}}]}),
        json!({"any": [{"audience": "weekend-evening"}, {"attr": "profile.email_opt_in", "op": "eq", "value": true}]}),
        json!({"all": [
            {"attr": "request.country", "op": "neq", "value": countries[i % countries.len()]},
            {"audience": "loyal"},
            {"attr": "request.referrer", "op": "contains", "value": words[i % words.len()]}
        ]}),
    ];
    let count = 2 + i % 4;
    (0..count)
        .map(|k| {
            let shape = shapes[(i + k * 2) % shapes.len()].clone();
            // Every third rule also has a slot-specific threshold, so not every rule is shared.
            let condition = if (i + k).is_multiple_of(3) {
                json!({"all": [shape, {"attr": "cart.total", "op": "gte", "value": 20 + 5 * i}]})
            } else {
                shape
            };
            Personalization {
                id: format!("p{k}"),
                name: format!("Variant {k}"),
                condition: cond(condition),
                patch: json!({"headline": format!("Variant {k} of slot {i}")}),
                translations: Default::default(),
            }
        })
        .collect()
}

/// A workspace with `components` entries, laid out on pages of 30 slots.
pub fn workspace(components: usize) -> Workspace {
    let card = ComponentType {
        id: "card".into(),
        name: "Card".into(),
        description: String::new(),
        data: DataBinding::None,
        schema: json!({"type": "object", "properties": {"headline": {"type": "string"}}, "required": ["headline"]}),
        messages: Default::default(),
        template: "<h2>{{ content.headline }}</h2>".into(),
    };
    let entries: BTreeMap<String, Arc<Entry>> = (0..components)
        .map(|i| {
            let id = format!("entry-{i:05}");
            (
                id.clone(),
                Arc::new(Entry {
                    id,
                    component: "card".into(),
                    description: String::new(),
                    baseline: json!({"headline": format!("Baseline {i}")}),
                    translations: Default::default(),
                    personalizations: personalizations(i),
                }),
            )
        })
        .collect();
    let mut pages = BTreeMap::new();
    for (n, chunk) in entries.keys().collect::<Vec<_>>().chunks(30).enumerate() {
        let id = format!("page-{n:04}");
        let slots = chunk.iter().enumerate().map(|(s, e)| SlotRef { id: format!("slot-{s:02}"), entry: (*e).clone() }).collect();
        pages.insert(id.clone(), Arc::new(Page { id, title: format!("Page {n}"), path: format!("/p/{n}"), product_page: false, slots }));
    }
    Workspace {
        settings: Settings {
            name: "synthetic".into(),
            consent_purposes: Vec::new(),
            brand: Default::default(),
            population: PopulationSettings { size: 100, seed: 1, now: "2026-11-20T12:00:00Z".into() },
            locales: Vec::new(),
            messages: Default::default(),
        },
        catalog: catalog(),
        audiences: audiences(),
        experiments: Vec::new(),
        components: [("card".to_owned(), card)].into_iter().collect(),
        pages,
        entries,
        profiles: BTreeMap::<String, Profile>::new(),
        products: ProductFeed { produced_at: "2026-11-20T06:00:00Z".into(), max_age: "48h".into(), products: Vec::new() },
        recommendations: RecommendationFeed { produced_at: "2026-11-20T06:00:00Z".into(), max_age: "24h".into(), lists: BTreeMap::new() },
        theme: String::new(),
    }
}

/// A visitor who exercises most rules: a consenting VIP on mobile in Germany, from search.
pub fn visitor() -> Map<String, Value> {
    let v = json!({
        "profile.id": "u-421337", "profile.tier": "gold", "profile.lifetime_value": 1250.5, "profile.orders": 14,
        "profile.segments": ["outdoor", "bargain"], "profile.last_order_at": "2026-10-02T09:30:00Z",
        "profile.email_opt_in": false, "request.device": "mobile", "request.country": "DE",
        "request.referrer": "https://www.google.com/search?q=shell+jacket", "request.app_version": "5.1.3",
        "request.now": "2026-11-21T19:15:00+01:00", "request.timezone": "Europe/Berlin",
        "cart.total": 189.9, "product.inventory": 7, "product.category": "jackets",
        "consents": ["personalization"]
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// `count` different visitors for [`workspace`], deterministic for a `seed`: anonymous and known,
/// every tier, spend, segment mix, device, country, referrer, app version, local time and cart,
/// so that benchmarks on them do not measure one lucky path. Everyone grants
/// `personalization` (a peer engine has no three-valued logic to compare against); half grant
/// `marketing`.
pub fn visitors(count: usize, seed: u64) -> Vec<Map<String, Value>> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let pick = |rng: &mut rand_chacha::ChaCha8Rng, from: &[&str]| from[rng.random_range(0..from.len())].to_owned();
    // 2026-11-16T00:00:00Z, a Monday: visits spread over the following week.
    let week_start = 1_794_787_200_i64;
    (0..count)
        .map(|n| {
            let mut v = Map::new();
            let now = week_start + rng.random_range(0..7 * 86_400);
            let at = |s: i64| jiff::Timestamp::from_second(s).map(|t| t.to_string()).unwrap_or_default();
            v.insert("request.now".into(), json!(at(now)));
            v.insert("request.timezone".into(), json!(pick(&mut rng, &["Europe/Berlin", "Europe/London", "America/New_York"])));
            v.insert("request.device".into(), json!(pick(&mut rng, &["mobile", "desktop", "tablet"])));
            v.insert("request.country".into(), json!(pick(&mut rng, &["DE", "AT", "CH", "FR", "GB", "US", "NL"])));
            let referrer = pick(
                &mut rng,
                &[
                    "https://www.google.com/search?q=shell+jacket",
                    "https://bing.com/search?q=boots",
                    "https://duckduckgo.com/?q=tent",
                    "https://shop.example/newsletter/2026-11",
                    "https://www.facebook.com/",
                    "",
                ],
            );
            if !referrer.is_empty() {
                v.insert("request.referrer".into(), json!(referrer));
            }
            let version = format!("{}.{}.{}", rng.random_range(4..=5), rng.random_range(0..=9), rng.random_range(0..=9));
            v.insert("request.app_version".into(), json!(version));
            v.insert("cart.total".into(), json!(f64::from(rng.random_range(0..40_000_u32)) / 100.0));
            v.insert("product.inventory".into(), json!(rng.random_range(0..50)));
            v.insert("product.category".into(), json!(pick(&mut rng, &["jackets", "jeans", "shoes", "jack-knives", "tents"])));
            // One visitor in five is anonymous: no profile at all.
            if rng.random_range(0..5) > 0 {
                v.insert("profile.id".into(), json!(format!("u-{n:06}")));
                v.insert("profile.tier".into(), json!(pick(&mut rng, &["bronze", "silver", "gold", "vip", "platinum"])));
                v.insert("profile.lifetime_value".into(), json!(f64::from(rng.random_range(0..300_000_u32)) / 100.0));
                v.insert("profile.orders".into(), json!(rng.random_range(0..60)));
                let segments: Vec<&str> =
                    ["outdoor", "alpine", "bargain", "running", "city"].into_iter().filter(|_| rng.random_bool(0.35)).collect();
                v.insert("profile.segments".into(), json!(segments));
                v.insert("profile.last_order_at".into(), json!(at(now - rng.random_range(0..200 * 86_400))));
                v.insert("profile.email_opt_in".into(), json!(rng.random_bool(0.5)));
            }
            let consents: Vec<&str> = if rng.random_bool(0.5) { vec!["personalization", "marketing"] } else { vec!["personalization"] };
            v.insert("consents".into(), json!(consents));
            v
        })
        .collect()
}
