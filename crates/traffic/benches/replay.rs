//! Impact on recorded traffic: 1,000,000 generated visitors of the demo (`VANTAGE_TRAFFIC_ROWS`
//! to change it), a one-slot change and a change of every slot of the home page, and who every
//! rule reaches (what lint and the coverage matrix judge on recorded traffic).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use vantage_engine::bundle::{source_hash, Bundle};

fn bundle(files: &std::collections::BTreeMap<String, String>) -> Bundle {
    Bundle::compile(vantage_engine::load::load(files).unwrap(), source_hash(files))
}

fn replay(c: &mut Criterion) {
    let rows: usize = std::env::var("VANTAGE_TRAFFIC_ROWS").ok().and_then(|r| r.parse().ok()).unwrap_or(1_000_000);
    let files = vantage_test_support::demo_files();
    let old = bundle(&files);
    let dir = tempfile::tempdir().unwrap();
    let traffic = dir.path().join("traffic.parquet");
    vantage_traffic::generate::generate(&old.workspace, rows, 7, &traffic).unwrap();
    let moment = "2026-11-20T12:00:00Z";

    // One slot: the home hero's VIP rule.
    let mut one = files.clone();
    let mut hero: serde_json::Value = serde_json::from_str(&files["entries/home-hero.json"]).unwrap();
    hero["personalizations"][0]["condition"] = serde_json::json!({"attr": "profile.lifetime_value", "op": "gte", "value": 1000});
    one.insert("entries/home-hero.json".into(), serde_json::to_string(&hero).unwrap());
    let one = bundle(&one);
    // Every slot of the home page: an audience most of them read, and the hero.
    let mut all = files.clone();
    let mut audiences: serde_json::Value = serde_json::from_str(&files["audiences.json"]).unwrap();
    audiences["audiences"]["vip"]["condition"] = serde_json::json!({"attr": "profile.lifetime_value", "op": "gte", "value": 1000});
    all.insert("audiences.json".into(), serde_json::to_string(&audiences).unwrap());
    let all = bundle(&all);

    let mut group = c.benchmark_group(format!("replay_{rows}_visitors"));
    group.sample_size(10);
    group.bench_function("one_slot_change", |b| b.iter(|| vantage_traffic::replay::impact(&old, &one, &traffic, moment).unwrap()));
    group.bench_function("every_slot_change", |b| b.iter(|| vantage_traffic::replay::impact(&old, &all, &traffic, moment).unwrap()));
    // Lint and the matrix on real visitors: every rule of every slot, for every visitor.
    group.bench_function("who_every_rule_reaches", |b| b.iter(|| vantage_traffic::tally::tally(&old, &traffic, moment).unwrap()));
    group.finish();

    let mut import = c.benchmark_group(format!("import_{rows}_visitors"));
    import.sample_size(10);
    let out = dir.path().join("kept.parquet");
    import.bench_function("parquet", |b| {
        b.iter(|| vantage_traffic::import::import(&traffic, &out, &old.workspace.catalog, &Default::default()).unwrap())
    });
    import.finish();
}

criterion_group!(benches, replay);
criterion_main!(benches);
