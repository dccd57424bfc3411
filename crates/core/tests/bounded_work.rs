//! Work is bounded whatever the rules say: a chain of 10,000 audiences each referring to the next
//! compiles to a clear error for the chain's long part (not a stack overflow), in whichever
//! order the audiences are met, and what does compile evaluates with a short chain only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::json;
use std::collections::BTreeMap;
use vantage_core::catalog::Catalog;
use vantage_core::compile::MAX_AUDIENCE_DEPTH;
use vantage_core::condition::Condition;
use vantage_core::rules::{EntryRules, PersonalizationRule, Rules, SlotRule};
use vantage_core::{context::Context, eval::Scratch, DecisionBundle};

const CHAIN: usize = 10_000;

/// Audience `name(i)` refers to `name(i + 1)`; the last one reads an attribute.
fn chain(name: impl Fn(usize) -> String) -> Rules {
    let mut audiences = BTreeMap::new();
    for i in 0..CHAIN {
        let condition =
            if i + 1 == CHAIN { json!({"attr": "profile.tier", "op": "eq", "value": "vip"}) } else { json!({"audience": name(i + 1)}) };
        audiences.insert(name(i), Condition::from_json(&condition).unwrap());
    }
    let uses =
        |i: usize| PersonalizationRule { id: format!("uses-{i}"), condition: Condition::from_json(&json!({"audience": name(i)})).unwrap() };
    Rules {
        catalog: Catalog::from_contract_json(&json!({"profile.tier": {"type": "string"}})).unwrap(),
        audiences,
        // The head of the chain (too deep) and a link near its end (short enough).
        entries: BTreeMap::from([("hero".into(), EntryRules { personalizations: vec![uses(0), uses(CHAIN - 3)] })]),
        experiments: Vec::new(),
        pages: BTreeMap::from([("home".into(), vec![SlotRule { slot: "hero".into(), entry: "hero".into() }])]),
    }
}

fn check(rules: &Rules) {
    let bundle = DecisionBundle::compile_lenient(rules);
    let too_deep: Vec<_> = bundle.diagnostics.iter().filter(|d| d.code == "audience_too_deep").collect();
    assert!(!too_deep.is_empty(), "the long chain is reported");
    assert!(
        too_deep.iter().any(|d| d.file == "entries/hero.json" && d.pointer.starts_with("/personalizations/0")),
        "{:?}",
        too_deep.first()
    );
    assert!(too_deep[0].message.contains(&MAX_AUDIENCE_DEPTH.to_string()));
    // The short end of the chain still works: a VIP gets the personalization that uses it.
    let page = bundle.page("home").unwrap();
    assert_eq!(page.slots[0].rules.len(), 1, "only the rule on the short chain compiled");
    let ctx = Context::from_json_str(&bundle.program, r#"{"profile.tier": "vip"}"#).unwrap();
    let mut out = Vec::new();
    bundle.decide(page, &ctx, &mut Scratch::for_program(&bundle.program), &mut out);
    assert_eq!(page.slots[0].variant_label(out[0]), "uses-9997");
}

#[test]
fn a_chain_of_ten_thousand_audiences_met_head_first_is_a_clear_error() {
    check(&chain(|i| format!("a{i:05}")));
}

#[test]
fn a_chain_of_ten_thousand_audiences_met_tail_first_is_a_clear_error() {
    // Names sort the other way: the end of the chain is compiled first and every audience on
    // its own looks shallow; the depth still adds up.
    check(&chain(|i| format!("a{:05}", CHAIN - i)));
}
