//! Opening a large workspace as the app does at start (the session: store, folder, compiled
//! workspace, then the view the UI asks for first): the demo grown by 1,000 pages and 10,000
//! entries. The first open also creates the store and imports every file; later opens find it.

#![allow(clippy::unwrap_used)] // the shared test support fails by panicking, as benches may

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;
use vantage_studio::Session;

fn open_large(c: &mut Criterion) {
    // `cargo test --all-targets` runs each bench once, unoptimised: a small workspace then, so
    // the set-up is checked without costing the suite minutes.
    let measuring = std::env::args().any(|a| a == "--bench");
    let (pages, entries) = if measuring { (1_000, 10_000) } else { (20, 200) };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("large");
    vantage_test_support::grown_demo(&dir, pages, entries);
    let mut group = c.benchmark_group("open_1000_pages_10000_entries");
    group.sample_size(10);
    group.bench_function("first_open_creates_the_store", |b| {
        b.iter_batched(
            || {
                let _ = std::fs::remove_dir_all(dir.join(".vantage"));
            },
            |()| {
                let session = Session::open(&dir, false).unwrap();
                black_box(session.view().unwrap());
            },
            BatchSize::PerIteration,
        )
    });
    // The store exists now: what every later start costs.
    drop(Session::open(&dir, false).unwrap());
    group.bench_function("open_again", |b| {
        b.iter(|| {
            let session = Session::open(&dir, false).unwrap();
            black_box(session.view().unwrap());
        })
    });
    group.finish();
}

criterion_group!(benches, open_large);
criterion_main!(benches);
