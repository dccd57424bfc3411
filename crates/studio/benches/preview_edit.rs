//! The backend's share of edit-to-preview latency: one keystroke in the VIP hero headline,
//! re-rendered for four profiles side by side on the home page (`Session::preview_edit`, what the
//! app calls on every input event), in the demo and in the demo grown by 1,000 pages and 10,000
//! entries. The window's share is measured by the end-to-end run.

#![allow(clippy::unwrap_used)] // the shared test support fails by panicking, as benches may

use criterion::{criterion_group, criterion_main, Criterion};
use vantage_studio::session::views::{DocumentEdit, Json, PreviewRequest};
use vantage_studio::Session;

fn preview_edit(c: &mut Criterion) {
    let (_tmp, dir) = vantage_test_support::demo_copy();
    keystrokes(c, "preview_edit_vip_headline_4_profiles", &dir);
    // `cargo test --all-targets` runs each bench once, unoptimised: a small workspace then.
    let measuring = std::env::args().any(|a| a == "--bench");
    let (pages, entries) = if measuring { (1_000, 10_000) } else { (20, 200) };
    let large = tempfile::tempdir().unwrap();
    let dir = large.path().join("large");
    vantage_test_support::grown_demo(&dir, pages, entries);
    keystrokes(c, "preview_edit_vip_headline_4_profiles_1000_pages_10000_entries", &dir);
}

fn keystrokes(c: &mut Criterion, name: &str, dir: &std::path::Path) {
    let session = Session::open(dir, true).unwrap_or_else(|e| panic!("{e}"));
    let mut doc = session.read_document("entries/home-hero.json").unwrap_or_else(|e| panic!("{e}")).content.0;
    let views: Vec<PreviewRequest> = ["vip-anna", "first-time-mobile", "no-consent", "winter-sports-app"]
        .iter()
        .map(|p| PreviewRequest { profile: (*p).into(), overrides: None, at: Some("2026-11-20T12:00:00Z".into()) })
        .collect();
    let mut n = 0u64;
    c.bench_function(name, |b| {
        b.iter(|| {
            n += 1;
            doc["personalizations"][0]["patch"]["headline"] = format!("Welcome back {n}").into();
            let edit = DocumentEdit { path: "entries/home-hero.json".into(), content: Json(doc.clone()) };
            let out = session.preview_edit(&edit, "home", &views).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(out.frames.len(), 4);
        })
    });
}

criterion_group!(benches, preview_edit);
criterion_main!(benches);
