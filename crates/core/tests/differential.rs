//! Differential test: the compiled evaluator agrees with the reference interpreter on random
//! catalogs, audiences, conditions and contexts (three-valued results, not just decisions).
//!
//! Each case is drawn from a proptest-chosen seed by a generator that only builds conditions
//! that type-check against the drawn catalog, so every case exercises evaluation; contexts mix
//! well-typed, mistyped, null and missing values and random consents.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use vantage_core::catalog::{AttrType, Attribute, Catalog};
use vantage_core::compile::compile_one;
use vantage_core::condition::{Condition, Op, Predicate, Rollout};
use vantage_core::context::Context;
use vantage_core::decide::DecisionBundle;
use vantage_core::eval::Scratch;
use vantage_core::reference;
use vantage_core::rules::{EntryRules, PersonalizationRule, Rules, SlotRule};

const TYPES: [AttrType; 6] =
    [AttrType::String, AttrType::Number, AttrType::Bool, AttrType::StringList, AttrType::Semver, AttrType::Timestamp];
const STRINGS: [&str; 9] = ["vip", "gold", "", "caf\u{e9}", "cafe\u{301}", "VIP", "a.b", "vipx", "hiking"];
const NUMBERS: [f64; 9] = [0.0, -0.0, 1.0, 1.5, 18.0, 65.0, 100.0, -3.0, 1e9];
const VERSIONS: [&str; 8] = ["1.0.0", "1.2.3", "1.0.0-beta.2", "1.0.0-beta.11", "2.0.0+build", "1.0.0-alpha", "1.2", "v1.2.3"];
const TIMES: [&str; 8] = [
    "2026-01-05T10:00:00Z",
    "2026-01-04T23:30:00-02:00",
    "2025-12-31T23:59:59.5Z",
    "2026-03-29T01:30:00Z",
    "2026-10-25T00:30:00Z",
    "2026-01-05T09:00:00+01:00",
    "0001-01-01T00:00:00Z",
    "not a time",
];
const ZONES: [&str; 7] = ["UTC", "Europe/Berlin", "Pacific/Kiritimati", "America/New_York", "europe/berlin", "Mars/Olympus_Mons", ""];
const PATTERNS: [&str; 6] = ["^v", "ip$", "(?i)VIP", "a|b", "^.$", "[0-9]+"];
const DURATIONS: [&str; 5] = ["1h", "7d", "0s", "2w", "999999999d"];
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const PURPOSES: [&str; 2] = ["personalization", "analytics"];

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

fn catalog(rng: &mut ChaCha8Rng) -> Catalog {
    let mut attributes = BTreeMap::new();
    for i in 0..rng.random_range(1..7) {
        let ty = *pick(rng, &TYPES);
        let consent = rng.random_bool(0.3).then(|| pick(rng, &PURPOSES).to_string());
        attributes.insert(format!("a{i}"), Attribute { consent, ..Attribute::of_type(ty) });
    }
    Catalog::new(attributes).unwrap()
}

fn scalar(rng: &mut ChaCha8Rng, ty: AttrType) -> Value {
    match ty {
        AttrType::String => json!(pick(rng, &STRINGS)),
        AttrType::Number => json!(pick(rng, &NUMBERS)),
        _ => json!(rng.random_bool(0.5)),
    }
}

fn predicate(rng: &mut ChaCha8Rng, catalog: &Catalog) -> Condition {
    let (path, attr) = {
        let all: Vec<_> = catalog.attributes.iter().collect();
        let (p, a) = *pick(rng, &all);
        (p.clone(), a.clone())
    };
    let (path, ty) = if rng.random_bool(0.1) { ("request.now".to_owned(), AttrType::Timestamp) } else { (path, attr.ty) };
    let ops: Vec<Op> = match ty {
        AttrType::String => vec![Op::Exists, Op::Eq, Op::Neq, Op::In, Op::NotIn, Op::Contains, Op::StartsWith, Op::EndsWith, Op::Matches],
        AttrType::Number => vec![Op::Exists, Op::Eq, Op::Neq, Op::In, Op::NotIn, Op::Lt, Op::Lte, Op::Gt, Op::Gte, Op::Between],
        AttrType::Bool => vec![Op::Exists, Op::Eq, Op::Neq, Op::In, Op::NotIn],
        AttrType::StringList => vec![Op::Exists, Op::AnyOf, Op::AllOf, Op::NoneOf],
        AttrType::Semver => vec![Op::Exists, Op::SemverEq, Op::SemverLt, Op::SemverLte, Op::SemverGt, Op::SemverGte],
        AttrType::Timestamp => vec![Op::Exists, Op::Before, Op::After, Op::WithinLast, Op::DayOfWeek, Op::HourBetween],
    };
    let op = *pick(rng, &ops);
    let valid_versions = &VERSIONS[..6];
    let valid_times = &TIMES[..7];
    let value = match op {
        Op::Exists => None,
        Op::Eq | Op::Neq => Some(scalar(rng, ty)),
        Op::In | Op::NotIn => Some(Value::Array((0..rng.random_range(0..4)).map(|_| scalar(rng, ty)).collect())),
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => Some(json!(pick(rng, &NUMBERS))),
        Op::Between => {
            let (a, b) = (*pick(rng, &NUMBERS), *pick(rng, &NUMBERS));
            Some(json!([a.min(b), a.max(b)]))
        }
        Op::Contains | Op::StartsWith | Op::EndsWith => Some(json!(pick(rng, &STRINGS))),
        Op::Matches => Some(json!(pick(rng, &PATTERNS))),
        Op::SemverEq | Op::SemverLt | Op::SemverLte | Op::SemverGt | Op::SemverGte => Some(json!(pick(rng, valid_versions))),
        Op::Before | Op::After => Some(json!(pick(rng, valid_times))),
        Op::WithinLast => Some(json!(pick(rng, &DURATIONS))),
        Op::DayOfWeek => Some(Value::Array((0..rng.random_range(0..4)).map(|_| json!(pick(rng, &DAYS))).collect())),
        Op::HourBetween => Some(json!([rng.random_range(0..=24), rng.random_range(0..=24)])),
        Op::AnyOf | Op::AllOf | Op::NoneOf => Some(Value::Array((0..rng.random_range(0..4)).map(|_| json!(pick(rng, &STRINGS))).collect())),
    };
    Condition::Predicate(Predicate { attr: path, op, value })
}

fn condition(rng: &mut ChaCha8Rng, catalog: &Catalog, audiences: &[String], depth: u32) -> Condition {
    let leaf = depth == 0 || rng.random_bool(0.35);
    if leaf {
        let units: Vec<&String> =
            catalog.attributes.iter().filter(|(_, a)| matches!(a.ty, AttrType::String | AttrType::Number)).map(|(p, _)| p).collect();
        return match rng.random_range(0..10) {
            0 if !audiences.is_empty() => Condition::Audience(pick(rng, audiences).clone()),
            1 if !units.is_empty() => Condition::Rollout(Rollout {
                unit: (*pick(rng, &units)).clone(),
                salt: pick(rng, &["", "exp", "hero"]).to_string(),
                percent: serde_json::Number::from_f64(*pick(rng, &[0.0, 10.0, 33.33, 50.0, 100.0])).unwrap(),
            }),
            _ => predicate(rng, catalog),
        };
    }
    let kids = |rng: &mut ChaCha8Rng| (0..rng.random_range(0..4)).map(|_| condition(rng, catalog, audiences, depth - 1)).collect();
    match rng.random_range(0..3) {
        0 => Condition::All(kids(rng)),
        1 => Condition::Any(kids(rng)),
        _ => Condition::Not(Box::new(condition(rng, catalog, audiences, depth - 1))),
    }
}

fn context(rng: &mut ChaCha8Rng, catalog: &Catalog) -> Map<String, Value> {
    let mut flat = Map::new();
    for (path, attr) in &catalog.attributes {
        let value = match rng.random_range(0..10) {
            0 => continue,
            1 => Value::Null,
            2 => {
                let ty = *pick(rng, &[AttrType::String, AttrType::Number, AttrType::Bool]);
                scalar(rng, ty)
            }
            _ => match attr.ty {
                AttrType::StringList => Value::Array((0..rng.random_range(0..4)).map(|_| json!(pick(rng, &STRINGS))).collect()),
                AttrType::Semver => json!(pick(rng, &VERSIONS)),
                AttrType::Timestamp => json!(pick(rng, &TIMES)),
                ty => scalar(rng, ty),
            },
        };
        flat.insert(path.clone(), value);
    }
    if rng.random_bool(0.9) {
        flat.insert("request.now".into(), json!(pick(rng, &TIMES)));
    }
    match rng.random_range(0..5) {
        0 => {}
        1 => {
            flat.insert("request.timezone".into(), json!(3));
        }
        _ => {
            flat.insert("request.timezone".into(), json!(pick(rng, &ZONES)));
        }
    }
    let consents: Vec<&str> = PURPOSES.iter().copied().filter(|_| rng.random_bool(0.6)).collect();
    flat.insert("consents".into(), json!(consents));
    flat
}

/// Up to three generated audiences and their names; audience i may only use audiences before
/// it, so there are no cycles.
fn audiences(rng: &mut ChaCha8Rng, catalog: &Catalog) -> (BTreeMap<String, Condition>, Vec<String>) {
    let mut audiences = BTreeMap::new();
    let mut names = Vec::new();
    for i in 0..rng.random_range(0..4) {
        let c = condition(rng, catalog, &names, 3);
        names.push(format!("aud{i}"));
        audiences.insert(format!("aud{i}"), c);
    }
    (audiences, names)
}

/// Fills `ctx` from `flat` through the row API, each JSON value by its kind (as an Arrow column of
/// that kind would hand it over).
fn fill_row(ctx: &mut Context, program: &vantage_core::program::Program, flat: &Map<String, Value>) {
    ctx.start_row(program);
    for (path, value) in flat {
        if path == "consents" {
            for purpose in value.as_array().into_iter().flatten().filter_map(Value::as_str) {
                ctx.grant(program, purpose);
            }
            continue;
        }
        let Some(slot) = program.slot_of(path) else { continue };
        match value {
            Value::String(s) => ctx.put_str(program, slot, s),
            Value::Number(n) => ctx.put_number(program, slot, n.as_f64().unwrap_or(f64::NAN)),
            Value::Bool(b) => ctx.put_bool(program, slot, *b),
            Value::Array(items) if items.iter().all(Value::is_string) => {
                ctx.put_list(program, slot, items.iter().filter_map(Value::as_str));
            }
            // Not generated: nothing an Arrow column holds.
            Value::Array(_) | Value::Object(_) | Value::Null => {}
        }
    }
    ctx.end_row(program);
}

fn check(seed: u64) -> Result<(), TestCaseError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let catalog = catalog(&mut rng);
    let (audiences, names) = audiences(&mut rng, &catalog);
    let cond = condition(&mut rng, &catalog, &names, 5);
    let (program, root) = compile_one(&cond, &catalog, &audiences)
        .map_err(|e| TestCaseError::fail(format!("generated condition did not compile: {e}\n{cond:?}")))?;
    let mut scratch = Scratch::for_program(&program);
    // One context reused for every visitor, as a server reads each request into it.
    let mut reused = Context::empty();
    for _ in 0..4 {
        let flat = context(&mut rng, &catalog);
        let ctx = Context::from_flat(&program, &flat);
        scratch.reset(&program);
        let compiled = program.eval(root, &ctx, &mut scratch);
        let interpreted = reference::evaluate(&cond, &catalog, &audiences, &flat);
        prop_assert_eq!(compiled, interpreted, "condition {:?}\ncontext {}", cond, Value::Object(flat.clone()));
        // The streaming JSON path prepares the same context as the tree path.
        let raw = serde_json::to_string(&flat).unwrap();
        let streamed = Context::from_json_str(&program, &raw).unwrap();
        scratch.reset(&program);
        prop_assert_eq!(program.eval(root, &streamed, &mut scratch), compiled, "streamed context differs: {}", raw);
        reused.read_json_str(&program, &raw).unwrap();
        scratch.reset(&program);
        prop_assert_eq!(program.eval(root, &reused, &mut scratch), compiled, "context reused after other visitors differs: {}", raw);
        // Value by value, as recorded traffic is read column by column, into the same context.
        fill_row(&mut reused, &program, &flat);
        scratch.reset(&program);
        prop_assert_eq!(program.eval(root, &reused, &mut scratch), compiled, "context filled value by value differs: {}", raw);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn compiled_evaluator_agrees_with_reference_interpreter(seed in any::<u64>()) {
        check(seed)?;
    }
}

/// Guards the generator: a differential test over conditions that are always false would prove
/// nothing, so every outcome must come up often.
#[test]
fn generated_cases_reach_every_outcome() {
    let mut counts = [0usize; 3];
    for seed in 0..2_000u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let catalog = catalog(&mut rng);
        let cond = condition(&mut rng, &catalog, &[], 4);
        let Ok((program, root)) = compile_one(&cond, &catalog, &BTreeMap::new()) else { continue };
        let flat = context(&mut rng, &catalog);
        let mut scratch = Scratch::for_program(&program);
        scratch.reset(&program);
        let ctx = Context::from_flat(&program, &flat);
        counts[program.eval(root, &ctx, &mut scratch) as usize] += 1;
    }
    assert!(counts.iter().all(|&c| c > 100), "outcomes false/true/unknown: {counts:?}");
}

/// A page of several slots whose personalizations are generated conditions (sharing
/// audiences), decided by the page plan and, slot by slot, by the tree evaluator.
fn check_page_plan(seed: u64) -> Result<(), TestCaseError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let catalog = catalog(&mut rng);
    let (audiences, names) = audiences(&mut rng, &catalog);
    let mut entries = BTreeMap::new();
    let mut slots = Vec::new();
    for e in 0..rng.random_range(1..5) {
        let personalizations = (0..rng.random_range(0..5))
            .map(|p| PersonalizationRule { id: format!("p{p}"), condition: condition(&mut rng, &catalog, &names, 4) })
            .collect();
        entries.insert(format!("e{e}"), EntryRules { personalizations });
        slots.push(SlotRule { slot: format!("s{e}"), entry: format!("e{e}") });
    }
    let rules = Rules { catalog: catalog.clone(), audiences, entries, experiments: Vec::new(), pages: [("page".to_owned(), slots)].into() };
    let bundle = DecisionBundle::compile_lenient(&rules);
    let Some(page) = bundle.pages.first() else { return Ok(()) };
    let mut scratch = Scratch::for_program(&bundle.program);
    let mut planned = Vec::new();
    for _ in 0..4 {
        let flat = context(&mut rng, &catalog);
        let ctx = Context::from_flat(&bundle.program, &flat);
        bundle.decide(page, &ctx, &mut scratch, &mut planned);
        scratch.reset(&bundle.program);
        let walked: Vec<_> = page.slots.iter().map(|slot| bundle.decide_slot(slot, &ctx, &mut scratch)).collect();
        prop_assert_eq!(&planned, &walked, "rules {:?}\ncontext {}", rules.entries, Value::Object(flat.clone()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn page_plan_decides_as_the_tree_evaluator_slot_by_slot(seed in any::<u64>()) {
        check_page_plan(seed)?;
    }
}
