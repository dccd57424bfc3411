//! The core as a library user meets it: rules built in code (no schemas, templates, feeds or
//! theme), compile failures that cannot be ignored, and derived attributes added to a prepared
//! context without cloning the visitor.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::json;
use std::collections::BTreeMap;
use vantage_core::catalog::Catalog;
use vantage_core::condition::Condition;
use vantage_core::context::Context;
use vantage_core::eval::Scratch;
use vantage_core::rules::{EntryRules, PersonalizationRule, Rules, SlotRule};
use vantage_core::{Choice, DecisionBundle};

fn rules(condition: serde_json::Value) -> Rules {
    let catalog = Catalog::from_contract_json(&json!({
        "profile.tier": {"type": "string"},
        "derived.big_spender": {"type": "bool"},
        "profile.email": {"type": "string", "consent": "marketing"}
    }))
    .unwrap();
    let vip = PersonalizationRule { id: "vip-welcome".into(), condition: Condition::from_json(&condition).unwrap() };
    Rules {
        catalog,
        audiences: BTreeMap::new(),
        entries: BTreeMap::from([("hero".into(), EntryRules { personalizations: vec![vip] })]),
        experiments: Vec::new(),
        pages: BTreeMap::from([("home".into(), vec![SlotRule { slot: "hero".into(), entry: "hero".into() }])]),
    }
}

fn decide(bundle: &DecisionBundle, ctx: &Context) -> (Choice, String) {
    let page = bundle.page("home").unwrap();
    let mut scratch = Scratch::for_program(&bundle.program);
    let mut out = Vec::new();
    bundle.decide(page, ctx, &mut scratch, &mut out);
    (out[0].choice, page.slots[0].variant_label(out[0]).into_owned())
}

#[test]
fn a_bundle_for_decisions_needs_only_rules() {
    let bundle = DecisionBundle::compile(&rules(json!({"attr": "profile.tier", "op": "eq", "value": "vip"}))).unwrap();
    let vip = Context::from_json_str(&bundle.program, r#"{"profile.tier": "vip"}"#).unwrap();
    assert_eq!(decide(&bundle, &vip), (Choice::Personalization(0), "vip-welcome".into()));
    let other = Context::from_json_str(&bundle.program, r#"{"profile.tier": "standard"}"#).unwrap();
    assert_eq!(decide(&bundle, &other), (Choice::Baseline, "baseline".into()));
}

#[test]
fn a_rule_that_does_not_compile_is_an_error_naming_where_it_is() {
    let failed = DecisionBundle::compile(&rules(json!({"attr": "profile.unknown", "op": "eq", "value": "x"}))).unwrap_err();
    assert_eq!(failed.diagnostics.len(), 1);
    assert_eq!(failed.diagnostics[0].file, "entries/hero.json");
    assert!(failed.diagnostics[0].pointer.starts_with("/personalizations/0/condition"));
    assert!(failed.to_string().contains("entries/hero.json"));
    // The lenient compile keeps serving: the broken rule's slot shows its baseline.
    let lenient = DecisionBundle::compile_lenient(&rules(json!({"attr": "profile.unknown", "op": "eq", "value": "x"})));
    assert_eq!(lenient.diagnostics.len(), 1);
    assert_eq!(decide(&lenient, &Context::from_json_str(&lenient.program, "{}").unwrap()).0, Choice::Baseline);
}

#[test]
fn a_derived_attribute_is_set_on_a_prepared_context_without_rebuilding_it() {
    let bundle = DecisionBundle::compile(&rules(json!({"attr": "derived.big_spender", "op": "eq", "value": true}))).unwrap();
    let mut ctx = Context::from_json_str(&bundle.program, r#"{"profile.tier": "standard"}"#).unwrap();
    assert_eq!(decide(&bundle, &ctx).0, Choice::Baseline);
    assert!(ctx.set(&bundle.program, "derived.big_spender", &json!(true)));
    assert_eq!(decide(&bundle, &ctx).0, Choice::Personalization(0));
    // A value of the wrong type counts as missing, like any other; an unknown path is refused.
    assert!(ctx.set(&bundle.program, "derived.big_spender", &json!("yes")));
    assert_eq!(decide(&bundle, &ctx).0, Choice::Baseline);
    assert!(!ctx.set(&bundle.program, "nobody.reads.this", &json!(1)));
}

#[test]
fn a_consent_granted_on_a_prepared_context_lets_its_data_select_a_variant() {
    let bundle = DecisionBundle::compile(&rules(json!({"attr": "profile.email", "op": "ends_with", "value": "@example.com"}))).unwrap();
    let mut ctx = Context::from_json_str(&bundle.program, r#"{"profile.email": "a@example.com"}"#).unwrap();
    assert_eq!(decide(&bundle, &ctx).0, Choice::Baseline, "no consent, no personalization");
    assert!(ctx.set_consent(&bundle.program, "marketing", true));
    assert_eq!(decide(&bundle, &ctx).0, Choice::Personalization(0));
    assert!(!ctx.set_consent(&bundle.program, "nothing-needs-this", true));
}

#[test]
fn setting_the_time_zone_recomputes_day_and_hour_windows() {
    let bundle = DecisionBundle::compile(&rules(json!({"attr": "request.now", "op": "hour_between", "value": [18, 23]}))).unwrap();
    let mut ctx = Context::from_json_str(&bundle.program, r#"{"request.now": "2026-11-20T12:00:00Z"}"#).unwrap();
    assert_eq!(decide(&bundle, &ctx).0, Choice::Baseline);
    assert!(ctx.set(&bundle.program, "request.timezone", &json!("Asia/Tokyo")));
    assert_eq!(decide(&bundle, &ctx).0, Choice::Personalization(0), "noon UTC is 21:00 in Tokyo");
}

#[test]
fn one_context_reads_visitor_after_visitor_and_a_broken_one_leaves_no_values_behind() {
    let bundle = DecisionBundle::compile(&rules(json!({"attr": "profile.tier", "op": "eq", "value": "vip"}))).unwrap();
    let mut ctx = Context::empty();
    ctx.read_json_str(&bundle.program, r#"{"profile.tier": "vip", "request.timezone": "Europe/Berlin"}"#).unwrap();
    assert_eq!(decide(&bundle, &ctx).0, Choice::Personalization(0));
    ctx.read_json_str(&bundle.program, r#"{"profile.tier": "standard"}"#).unwrap();
    assert_eq!(decide(&bundle, &ctx).0, Choice::Baseline, "the previous visitor's tier must not linger");
    ctx.read_json_str(&bundle.program, r#"{"request.timezone": "Europe/Berlin", "profile.tier": "vip"}"#).unwrap();
    assert_eq!(decide(&bundle, &ctx).0, Choice::Personalization(0));
    // Broken after the tier was read: the error is reported and the half-read vip is not kept.
    assert!(ctx.read_json_str(&bundle.program, r#"{"profile.tier": "vip", "cart": [1,"#).is_err());
    assert_eq!(decide(&bundle, &ctx).0, Choice::Baseline);
}
