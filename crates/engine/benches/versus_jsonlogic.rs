//! The same 30-slot page decided by a general-purpose rule engine (datalogic-rs, JSONLogic),
//! for the ratio the engine's targets are stated against.
//!
//! JSONLogic has no audiences (each is inlined where used, as a JSONLogic author would), and no
//! regex, semver, time-zone, duration or bucketing operators. As a JSONLogic user would, the
//! data carries what those need precomputed (local weekday and hour, rollout buckets, the
//! `within_last` cut-off is folded into the rule), and regex and semver become string
//! operators of similar cost. The benchmark checks that both engines pick the same variants
//! for the visitor before timing anything.

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{json, Map, Value};
use std::hint::black_box;
use vantage_engine::bundle::Bundle;
use vantage_engine::condition::{Condition, Op};
use vantage_engine::context::Context;
use vantage_engine::eval::Scratch;
use vantage_engine::synthetic;

/// The synthetic visitor's `request.now`, 2026-11-21T19:15:00+01:00.
const NOW_SECONDS: i64 = 1_795_284_900;

fn var(path: &str) -> Value {
    json!({"var": path})
}

fn to_jsonlogic(c: &Condition, audiences: &std::collections::BTreeMap<String, Condition>) -> Value {
    match c {
        Condition::All(kids) => json!({"and": kids.iter().map(|k| to_jsonlogic(k, audiences)).chain([json!(true)]).collect::<Vec<_>>()}),
        Condition::Any(kids) => json!({"or": kids.iter().map(|k| to_jsonlogic(k, audiences)).chain([json!(false)]).collect::<Vec<_>>()}),
        Condition::Not(inner) => json!({"!": [to_jsonlogic(inner, audiences)]}),
        Condition::Audience(name) => audiences.get(name).map_or(json!(false), |a| to_jsonlogic(a, audiences)),
        Condition::Rollout(r) => var(&format!("precomputed.rollout_{}", r.salt.replace('-', "_"))),
        Condition::Predicate(p) => {
            let v = p.value.clone().unwrap_or(Value::Null);
            let x = var(&p.attr);
            match p.op {
                Op::Exists => json!({"!!": [x]}),
                Op::Eq => json!({"==": [x, v]}),
                Op::Neq => json!({"!=": [x, v]}),
                Op::In => json!({"in": [x, v]}),
                Op::NotIn => json!({"!": {"in": [x, v]}}),
                Op::Lt | Op::SemverLt | Op::Before => json!({"<": [x, v]}),
                Op::Lte | Op::SemverLte => json!({"<=": [x, v]}),
                Op::Gt | Op::SemverGt | Op::After => json!({">": [x, v]}),
                Op::Gte | Op::SemverGte => json!({">=": [x, v]}),
                // The visitor's clock is fixed, so the cut-off is a constant (RFC 3339 strings
                // in UTC compare in time order).
                Op::WithinLast => {
                    let days = v.as_str().and_then(|d| d.strip_suffix('d')).and_then(|d| d.parse::<i64>().ok()).unwrap_or(0);
                    let cutoff = jiff::Timestamp::from_second(NOW_SECONDS - days * 86_400).map(|t| t.to_string()).unwrap_or_default();
                    json!({">=": [x, cutoff]})
                }
                Op::SemverEq => json!({"==": [x, v]}),
                Op::Between => json!({"<=": [v[0], x, v[1]]}),
                // The page's one regex, search-engine referrers, as a JSONLogic author writes it.
                Op::Matches => json!({"or": [{"in": ["//www.google.", x]}, {"in": ["//www.bing.", x]}, {"in": ["//duckduckgo.", x]}]}),
                Op::Contains | Op::StartsWith | Op::EndsWith => json!({"in": [v, x]}),
                Op::DayOfWeek => json!({"in": [var("precomputed.weekday"), v]}),
                Op::HourBetween => json!({"and": [{">=": [var("precomputed.hour"), v[0]]}, {"<": [var("precomputed.hour"), v[1]]}]}),
                Op::AnyOf => json!({"some": [x, {"in": [{"var": ""}, v]}]}),
                Op::AllOf => json!({"all": [v, {"in": [{"var": ""}, x]}]}),
                Op::NoneOf => json!({"none": [x, {"in": [{"var": ""}, v]}]}),
            }
        }
    }
}

/// The flat visitor as the nested object JSONLogic's dotted `var` paths read.
fn nested(flat: &Map<String, Value>) -> Value {
    let mut root = Map::new();
    for (path, value) in flat {
        let mut parts: Vec<&str> = path.split('.').collect();
        let last = parts.pop().unwrap_or_default();
        let mut node = &mut root;
        for part in parts {
            node = match node.entry(part.to_owned()).or_insert_with(|| json!({})) {
                Value::Object(m) => m,
                _ => return Value::Object(root),
            };
        }
        node.insert(last.to_owned(), value.clone());
    }
    Value::Object(root)
}

fn page_rule(bundle: &Bundle) -> Value {
    let ws = &bundle.workspace;
    let audiences = ws.audience_conditions();
    let slots = bundle.decisions.pages[0].slots.iter().map(|slot| {
        let entry = &ws.entries[&slot.entry];
        let mut branches = Vec::new();
        for (i, p) in entry.personalizations.iter().enumerate() {
            branches.push(to_jsonlogic(&p.condition, &audiences));
            branches.push(json!(i + 1));
        }
        branches.push(json!(0));
        json!({"if": branches})
    });
    Value::Array(slots.collect())
}

fn versus(c: &mut Criterion) {
    let bundle = Bundle::compile(synthetic::workspace(30), String::new());
    let visitor = synthetic::visitor();
    let mut for_jsonlogic = visitor.clone();
    // What JSONLogic cannot compute: local time in the visitor's zone, and the rollout bucket.
    for_jsonlogic.insert("precomputed.weekday".into(), json!("sat"));
    for_jsonlogic.insert("precomputed.hour".into(), json!(19));
    let in_rollout = vantage_engine::bucket::bucket("search-banner", "u-421337") < 2_500;
    for_jsonlogic.insert("precomputed.rollout_search_banner".into(), json!(in_rollout));
    let raw_nested = nested(&for_jsonlogic).to_string();
    let raw_flat = serde_json::to_string(&visitor).unwrap_or_else(|e| panic!("the bench's visitor does not serialise: {e}"));
    let engine = datalogic_rs::Engine::new();
    let Ok(logic) = engine.compile(&page_rule(&bundle).to_string()) else { panic!("the JSONLogic page does not compile") };
    let mut session = engine.session();
    // Both engines must pick the same variants, or the comparison means nothing.
    let theirs = session.eval_str(&logic, &raw_nested).unwrap_or_default();
    session.reset();
    let mut check = Vec::new();
    let ctx = Context::from_flat(&bundle.decisions.program, &visitor);
    bundle.decisions.decide(&bundle.decisions.pages[0], &ctx, &mut Scratch::for_program(&bundle.decisions.program), &mut check);
    let ours = format!("[{}]", check.iter().map(|d| d.content.to_string()).collect::<Vec<_>>().join(","));
    assert_eq!(theirs, ours, "the two engines must agree on the page before they are timed");
    c.bench_function("jsonlogic_datalogic_30_slots_from_raw_json", |b| {
        b.iter(|| {
            let out = session.eval_str(&logic, black_box(&raw_nested));
            session.reset();
            black_box(out.is_ok())
        })
    });
    let page = &bundle.decisions.pages[0];
    let mut scratch = Scratch::for_program(&bundle.decisions.program);
    let mut out = Vec::with_capacity(30);
    c.bench_function("vantage_30_slots_from_raw_json", |b| {
        b.iter(|| {
            match Context::from_json_str(&bundle.decisions.program, black_box(&raw_flat)) {
                Ok(ctx) => bundle.decisions.decide(page, &ctx, &mut scratch, &mut out),
                Err(e) => panic!("the bench's visitor does not parse: {e}"),
            }
            black_box(&out);
        })
    });
}

criterion_group!(benches, versus);
criterion_main!(benches);
