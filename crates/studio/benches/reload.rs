//! The round trip from a file change on disk to the live workspace's reload event (watcher
//! debounce included), and a recompile of the demo workspace after a template change.

#![allow(clippy::unwrap_used)] // the shared test support fails by panicking, as benches may

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::{Duration, Instant};
use vantage_studio::{LiveWorkspace, WorkspaceEvent};

const DEBOUNCE: Duration = Duration::from_millis(20);

fn reload(c: &mut Criterion) {
    let (_tmp, dir) = vantage_test_support::demo_copy();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"));
    let mut live = LiveWorkspace::open(&dir).unwrap_or_else(|e| panic!("{e}"));
    let (_watch, mut rx) = vantage_watch::watch(&dir, DEBOUNCE).unwrap_or_else(|e| panic!("{e}"));
    let template = dir.join("components/hero/template.html");
    let original = std::fs::read_to_string(&template).unwrap_or_default();
    let mut group = c.benchmark_group("live_reload");
    group.sample_size(20);
    let mut n = 0u64;
    group.bench_function("file_change_to_reload_event_20ms_debounce", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                let start = Instant::now();
                let _ = std::fs::write(&template, format!("{original}<!-- {n} -->\n"));
                runtime.block_on(async {
                    while let Ok(Some(Ok(batch))) = tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
                        if live.apply(&batch).iter().any(|e| matches!(e, WorkspaceEvent::Reloaded { .. })) {
                            break;
                        }
                    }
                });
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, reload);
criterion_main!(benches);
