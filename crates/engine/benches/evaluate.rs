//! Engine benchmarks: deciding a realistic 30-slot page (prepared context, raw JSON, traced),
//! compiling the demo workspace, and compiling plus evaluating a 10,000-component workspace.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;
use std::path::Path;
use vantage_engine::bundle::Bundle;
use vantage_engine::context::Context;
use vantage_engine::eval::Scratch;
use vantage_engine::load::{load, SourceFiles};
use vantage_engine::synthetic;
use vantage_engine::visit::{Render, VisitRequest, Visitor};

/// The clock a visit falls back on when the visitor names no moment.
const NOW: &str = "2026-11-20T12:00:00Z";

fn page_bundle() -> Bundle {
    Bundle::compile(synthetic::workspace(30), "bench".into())
}

fn decide(c: &mut Criterion) {
    let bundle = page_bundle();
    let page = &bundle.decisions.pages[0];
    let visitor = synthetic::visitor();
    let raw = serde_json::to_string(&visitor).unwrap_or_else(|e| panic!("the bench's visitor does not serialise: {e}"));
    let ctx = Context::from_flat(&bundle.decisions.program, &visitor);
    let mut scratch = Scratch::for_program(&bundle.decisions.program);
    let mut out = Vec::with_capacity(page.slots.len());
    c.bench_function("decide_30_slots_prepared_context", |b| {
        b.iter(|| {
            bundle.decisions.decide(page, black_box(&ctx), &mut scratch, &mut out);
            black_box(&out);
        })
    });
    c.bench_function("decide_30_slots_from_raw_json", |b| {
        b.iter(|| {
            // A visitor that fails to parse must stop the bench, not time an empty context.
            let ctx = match Context::from_json_str(&bundle.decisions.program, black_box(&raw)) {
                Ok(ctx) => ctx,
                Err(e) => panic!("the bench's visitor does not parse: {e}"),
            };
            bundle.decisions.decide(page, &ctx, &mut scratch, &mut out);
            black_box(&out);
        })
    });
    // The traced path the why panel takes: a visit that renders nothing and explains everything.
    let traced = VisitRequest { trace: true, render: Render::Nothing, ..VisitRequest::page(&page.id, Visitor::Context(&visitor), NOW) };
    c.bench_function("decide_30_slots_traced", |b| b.iter(|| black_box(bundle.visit(black_box(&traced)))));
}

fn read_demo() -> SourceFiles {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/demo-store");
    let mut files = SourceFiles::new();
    let mut stack = vec![dir.clone()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let (Ok(text), Ok(rel)) = (std::fs::read_to_string(&path), path.strip_prefix(&dir)) {
                files.insert(rel.to_string_lossy().replace('\\', "/"), text);
            }
        }
    }
    files
}

fn compile(c: &mut Criterion) {
    let demo = read_demo();
    c.bench_function("compile_demo_workspace_from_sources", |b| {
        b.iter(|| match load(black_box(&demo)) {
            Ok(ws) => black_box(Bundle::compile(ws, String::new()).decisions.pages.len()),
            // A demo that does not load must stop the bench, not time a failure.
            Err(e) => panic!("the demo workspace does not load: {e}"),
        })
    });
    let mut group = c.benchmark_group("ten_thousand_components");
    group.sample_size(10);
    let big = synthetic::workspace(10_000);
    group.bench_function("compile", |b| {
        b.iter_batched(|| big.clone(), |ws| black_box(Bundle::compile(ws, String::new())), BatchSize::LargeInput)
    });
    let bundle = Bundle::compile(big, String::new());
    let ctx = Context::from_flat(&bundle.decisions.program, &synthetic::visitor());
    let mut scratch = Scratch::for_program(&bundle.decisions.program);
    let mut out = Vec::new();
    group.bench_function("decide_every_page", |b| {
        b.iter(|| {
            for page in bundle.decisions.pages.iter() {
                bundle.decisions.decide(page, &ctx, &mut scratch, &mut out);
            }
            black_box(&out);
        })
    });
    group.finish();
}

criterion_group!(benches, decide, compile);
criterion_main!(benches);
