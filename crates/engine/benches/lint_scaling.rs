//! Lint's cost against the number of personalizations in one entry: it must grow linearly (it
//! used to grow quadratically, and compiled the component schema once per variant). Compare the
//! medians: 10x the variants should cost about 10x the time.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use serde_json::{json, Value};
use std::hint::black_box;
use vantage_engine::bundle::Bundle;
use vantage_engine::load::load;

/// The demo workspace with its hero entry holding `n` personalizations.
fn bundle_with_variants(n: usize) -> Option<Bundle> {
    let mut files = vantage_test_support::demo_files();
    let mut hero: Value = serde_json::from_str(files.get("entries/home-hero.json")?).ok()?;
    let own = hero["personalizations"].as_array()?.clone();
    let many: Vec<Value> = (0..n)
        .map(|i| {
            let mut p = own[i % own.len()].clone();
            p["id"] = json!(format!("variant-{i:06}"));
            p["patch"] = json!({"headline": format!("Headline {i}")});
            p
        })
        .collect();
    hero["personalizations"] = json!(many);
    files.insert("entries/home-hero.json".into(), hero.to_string());
    Some(Bundle::compile(load(&files).ok()?, String::new()))
}

fn lint_scaling(c: &mut Criterion) {
    let mut group = c.benchmark_group("lint_one_entry");
    group.sample_size(10);
    for n in [1_000, 10_000] {
        let Some(bundle) = bundle_with_variants(n) else { return };
        let _ = bundle.population();
        group.bench_with_input(BenchmarkId::from_parameter(n), &bundle, |b, bundle| {
            b.iter(|| black_box(vantage_engine::lint::lint(bundle, "2026-11-20T12:00:00Z")))
        });
    }
    group.finish();
}

criterion_group!(benches, lint_scaling);
criterion_main!(benches);
