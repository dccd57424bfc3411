//! Property tests: merge patch then validate, and the bucketing distribution.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use vantage_engine::bucket::{assign, bucket, Assignment};
use vantage_engine::bundle::merged;
use vantage_engine::compose::schema_problems;

fn hero_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["headline"],
        "properties": {
            "headline": {"type": "string", "maxLength": 40},
            "subline": {"type": "string"},
            "cta": {"type": "object", "additionalProperties": false, "required": ["label"],
                    "properties": {"label": {"type": "string"}, "href": {"type": "string"}}}
        }
    })
}

/// What the schema says, checked by hand.
fn valid_by_hand(v: &Value) -> bool {
    let Some(m) = v.as_object() else { return false };
    let headline_ok = m.get("headline").and_then(Value::as_str).is_some_and(|h| h.chars().count() <= 40);
    let known = m.keys().all(|k| ["headline", "subline", "cta"].contains(&k.as_str()));
    let subline_ok = m.get("subline").is_none_or(Value::is_string);
    let cta_ok = m.get("cta").is_none_or(|c| {
        c.as_object().is_some_and(|c| {
            c.get("label").is_some_and(Value::is_string)
                && c.get("href").is_none_or(Value::is_string)
                && c.keys().all(|k| k == "label" || k == "href")
        })
    });
    headline_ok && known && subline_ok && cta_ok
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        "[a-z ]{0,50}".prop_map(Value::String),
        any::<i32>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(Value::Bool),
    ]
}

fn patch() -> impl Strategy<Value = Value> {
    let key = prop_oneof![Just("headline"), Just("subline"), Just("cta"), Just("extra")];
    let cta = prop::collection::btree_map(prop_oneof![Just("label"), Just("href"), Just("x")], leaf(), 0..3)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>()));
    prop::collection::btree_map(key, prop_oneof![3 => leaf(), 1 => cta], 0..4)
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn merged_content_validates_exactly_when_the_schema_holds(p in patch()) {
        let baseline = json!({"headline": "Built for the long way round", "cta": {"label": "Shop jackets", "href": "/jackets"}});
        let content = merged(&baseline, &p);
        let problems = schema_problems(&hero_schema(), &content);
        prop_assert_eq!(problems.is_empty(), valid_by_hand(&content), "content {} problems {:?}", content, problems);
    }

    #[test]
    fn merge_patch_is_idempotent_and_null_removes(p in patch()) {
        let baseline = json!({"headline": "a", "subline": "b", "cta": {"label": "c"}});
        let once = merged(&baseline, &p);
        prop_assert_eq!(merged(&once, &p), once.clone());
        for (key, value) in p.as_object().into_iter().flatten() {
            if value.is_null() {
                prop_assert!(once.get(key).is_none());
            }
        }
    }
}

#[test]
fn buckets_are_uniform_over_100k_ids() {
    let mut deciles = [0usize; 10];
    for i in 0..100_000 {
        deciles[(bucket("exp-hero", &format!("user-{i}")) / 1000) as usize] += 1;
    }
    for (d, count) in deciles.iter().enumerate() {
        assert!((9_700..=10_300).contains(count), "decile {d} has {count} of 100,000");
    }
}

#[test]
fn a_25_percent_rollout_takes_a_quarter_of_100k_ids() {
    let inside = (0..100_000).filter(|i| bucket("new-nav", &format!("u{i}")) < 2_500).count();
    assert!((24_500..=25_500).contains(&inside), "{inside} of 100,000");
}

#[test]
fn experiment_arms_follow_their_weights_with_holdout() {
    let mut counts = [0usize; 4];
    for i in 0..100_000 {
        match assign("exp-ab", &format!("visitor-{i}"), 1_000, &[50u32, 30, 20]) {
            Some(Assignment::Holdout) => counts[3] += 1,
            Some(Assignment::Arm(a)) => counts[a] += 1,
            None => panic!("no assignment"),
        }
    }
    // 10% holdout, then 50/30/20 of the rest.
    let expected = [45_000.0, 27_000.0, 18_000.0, 10_000.0];
    for (count, want) in counts.iter().zip(expected) {
        assert!((*count as f64 - want).abs() < want * 0.03, "{counts:?}");
    }
}
