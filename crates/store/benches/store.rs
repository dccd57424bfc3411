//! Store benchmarks: opening a workspace with 100,000 revisions, writing one revision (a
//! committed, fsynced transaction), reading a document's history, exporting the demo workspace.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::path::Path;
use vantage_store::{Role, Store};
use vantage_test_support::demo_files;

/// A store with the demo imported plus `extra` revisions spread over 200 documents, written
/// in one transaction straight through SQL (setting up 100,000 fsynced commits would take
/// minutes; the rows are the same as the API writes).
fn big_store(dir: &Path, extra: i64) -> std::path::PathBuf {
    let path = dir.join("big.db");
    let store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let _ = store.add_user("ada", "ada", Role::Admin);
    let _ = store.import("ada", &demo_files());
    let cs = store.create_change_set("ada", "bulk").unwrap_or_default();
    drop(store);
    let mut conn = rusqlite::Connection::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let tx = conn.transaction().unwrap_or_else(|e| panic!("{e}"));
    let start: i64 = tx.query_row("SELECT MAX(id) FROM revisions", [], |r| r.get(0)).unwrap_or(0);
    for i in 1..=extra {
        let id = start + i;
        let doc = format!("profiles/bulk-{:03}.json", i % 200);
        let parent: Option<i64> = (i > 200).then(|| id - 200);
        let _ = tx.execute(
            "INSERT INTO revisions (id, path, parent, author, at, change_set, content, is_edit, position, parent_edit) VALUES (?1, ?2, ?3, 'ada', '2026-11-20T12:00:00Z', ?4, ?5, 1, ?1, ?3)",
            rusqlite::params![id, doc, parent, cs, format!("{{\"n\": {i}}}\n")],
        );
        let _ = tx.execute(
            "INSERT INTO documents (path, head) VALUES (?1, ?2) ON CONFLICT(path) DO UPDATE SET head = excluded.head",
            rusqlite::params![doc, id],
        );
    }
    let _ = tx.commit();
    path
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = big_store(dir.path(), 100_000);
    let mut group = c.benchmark_group("store");
    group.sample_size(20);
    // Opening = connecting, checking the schema version and listing the change sets.
    group.bench_function("open_with_100k_revisions", |b| {
        b.iter(|| black_box(Store::open(&path).and_then(|s| s.change_sets()).map(|c| c.len()).unwrap_or(0)))
    });
    let store = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let cs = store.create_change_set("ada", "bench").unwrap_or_default();
    let mut n = 0u64;
    group.bench_function("write_one_revision", |b| {
        b.iter(|| {
            n += 1;
            let head = store.document("profiles/bench.json").ok().flatten().map(|(r, _)| r);
            black_box(store.write("ada", cs, "profiles/bench.json", &format!("{{\"n\": {n}}}"), head).is_ok())
        })
    });
    group.bench_function("read_history_of_a_500_revision_document", |b| {
        b.iter(|| black_box(store.history("profiles/bulk-007.json").map(|h| h.len()).unwrap_or(0)))
    });
    group.bench_function("export_demo_workspace", |b| b.iter(|| black_box(store.export().map(|f| f.len()).unwrap_or(0))));
    group.finish();
}

criterion_group!(store_benches, benches);
criterion_main!(store_benches);
