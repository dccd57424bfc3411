//! Vantage against datalogic-rs and zen-expression on varied visitors (see the crate's doc).
//!
//! Criterion times one page decision per iteration, each for the next of 1,000 visitors. A
//! second pass, printed as a table after criterion's, gives what criterion does not: the median
//! and 99th percentile per page (each sample is a block of 8 consecutive different visitors,
//! timed together and divided by 8, so that a clock read does not dominate) and the heap
//! allocations per page (a counting global allocator). Run: `cargo bench -p vantage-peer-bench`.

use criterion::{criterion_group, Criterion};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;
use vantage_peer_bench::jsonlogic::JsonLogicPeer;
use vantage_peer_bench::zen::ZenPeer;
use vantage_peer_bench::{agree, personalized_share, PageEngine, Vantage, Workload, VISITORS};

/// Counts every allocation (and reallocation) of the process.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn engines(w: &Workload) -> (Vantage, JsonLogicPeer, ZenPeer) {
    let (mut ours, mut datalogic, mut zen) = (Vantage::new(w), JsonLogicPeer::new(w), ZenPeer::new(w));
    if let Err(difference) = agree(&mut [&mut ours, &mut datalogic, &mut zen], w.visitors.len()) {
        panic!("the engines must agree on every visitor's page before they are timed: {difference}");
    }
    let share = personalized_share(&mut ours, w.visitors.len());
    assert!((0.1..0.9).contains(&share), "the workload should personalize some slots for some visitors, not {share}");
    (ours, datalogic, zen)
}

fn timed(c: &mut Criterion) {
    let w = Workload::new(VISITORS);
    let (mut ours, mut datalogic, mut zen) = engines(&w);
    let mut group = c.benchmark_group("page_of_30_slots_varied_visitors");
    let all: [(&str, &mut dyn PageEngine); 3] = [("vantage", &mut ours), ("datalogic", &mut datalogic), ("zen", &mut zen)];
    for (name, engine) in all {
        for raw in [false, true] {
            let id = format!("{name}/{}", if raw { "raw_json" } else { "prepared" });
            let mut i = 0usize;
            let mut out = Vec::with_capacity(30);
            group.bench_function(id, |b| {
                b.iter(|| {
                    i = i.wrapping_add(1);
                    if raw {
                        engine.decide_raw(i, &mut out);
                    } else {
                        engine.decide_prepared(i, &mut out);
                    }
                    black_box(&out);
                })
            });
        }
    }
    group.finish();
}

/// Median and 99th percentile ns per page, and allocations per page, of one engine and path.
fn distribution(engine: &mut dyn PageEngine, raw: bool, passes: usize) -> (f64, f64, f64) {
    const BLOCK: usize = 8;
    let mut out = Vec::with_capacity(30);
    let run = |engine: &mut dyn PageEngine, i: usize, out: &mut Vec<u16>| {
        if raw {
            engine.decide_raw(i, out)
        } else {
            engine.decide_prepared(i, out)
        }
    };
    (0..VISITORS).for_each(|i| run(engine, i, &mut out));
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    (0..VISITORS).for_each(|i| run(engine, i, &mut out));
    let allocations = (ALLOCATIONS.load(Ordering::Relaxed) - before) as f64 / VISITORS as f64;
    let mut samples = Vec::with_capacity(passes * VISITORS / BLOCK);
    for _ in 0..passes {
        for block in (0..VISITORS).step_by(BLOCK) {
            let start = Instant::now();
            (block..block + BLOCK).for_each(|i| run(engine, i, &mut out));
            samples.push(start.elapsed().as_nanos() as f64 / BLOCK as f64);
        }
    }
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), allocations)
}

/// The table of medians, tails, allocations and ratios (criterion's own figures come first).
fn report(passes: usize) {
    let w = Workload::new(VISITORS);
    let (mut ours, mut datalogic, mut zen) = engines(&w);
    let mut rows = Vec::new();
    let all: [(&str, &mut dyn PageEngine); 3] = [("vantage", &mut ours), ("datalogic-rs", &mut datalogic), ("zen-expression", &mut zen)];
    for (name, engine) in all {
        for raw in [false, true] {
            let (median, p99, allocations) = distribution(engine, raw, passes);
            rows.push((name, if raw { "raw JSON" } else { "prepared" }, median, p99, allocations));
        }
    }
    println!("\n30-slot page, {VISITORS} different visitors; ns per page (blocks of 8 visitors), allocations per page");
    println!("| engine | from | median ns | p99 ns | allocations |");
    println!("|---|---|---|---|---|");
    for (name, from, median, p99, allocations) in &rows {
        println!("| {name} | {from} | {median:.0} | {p99:.0} | {allocations:.1} |");
    }
    let median = |name: &str, from: &str| rows.iter().find(|r| r.0 == name && r.1 == from).map_or(f64::NAN, |r| r.2);
    let ours = median("vantage", "prepared");
    let ours_raw = median("vantage", "raw JSON");
    for peer in ["datalogic-rs", "zen-expression"] {
        println!(
            "{peer}: prepared {:.1}x slower than vantage prepared; vantage from raw JSON is {:.1}x faster than {peer} prepared, {:.1}x faster than {peer} from raw JSON",
            median(peer, "prepared") / ours,
            median(peer, "prepared") / ours_raw,
            median(peer, "raw JSON") / ours_raw
        );
    }
}

criterion_group!(benches, timed);

fn main() {
    // `cargo test --all-targets` runs benches without `--bench`: check agreement and run the
    // report once, briefly, so that the set-up cannot rot.
    let measuring = std::env::args().any(|a| a == "--bench");
    benches();
    report(if measuring { 40 } else { 1 });
    criterion::Criterion::default().configure_from_args().final_summary();
}
