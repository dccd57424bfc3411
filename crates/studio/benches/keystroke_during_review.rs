//! A keystroke's preview (the VIP hero headline, four visitors) while reviews are computed over
//! and over on another thread, as a reviewer and a marketer share the app: what the marketer
//! waits for. Compare with `preview_edit` (the same keystroke on a quiet app).

#![allow(clippy::unwrap_used)] // benches fail by panicking

use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use vantage_studio::session::views::{DocumentEdit, Json, PreviewRequest};
use vantage_studio::{Session, SharedSession};

const HERO: &str = "entries/home-hero.json";

fn keystroke_during_review(c: &mut Criterion) {
    let (_tmp, dir) = vantage_test_support::demo_copy();
    let shared = Arc::new(SharedSession::new(Session::open(&dir, true).unwrap()));
    let (id, mut doc) = {
        let mut session = shared.lock();
        let mut doc = session.read_document(HERO).unwrap();
        doc.content.0["personalizations"][0]["patch"]["headline"] = "Under review".into();
        let (saved, _) = session.save_document(HERO, &doc.content.0, doc.revision.map(i64::from), false).unwrap();
        (i64::from(saved.change_set), session.read_document(HERO).unwrap().content.0)
    };
    let views: Vec<PreviewRequest> = ["vip-anna", "first-time-mobile", "no-consent", "winter-sports-app"]
        .iter()
        .map(|p| PreviewRequest { profile: (*p).into(), overrides: None, at: None })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let reviewer = {
        let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut reviews = 0u32;
            while !stop.load(Ordering::Relaxed) {
                shared.review_change(id, None, |_| {}).unwrap();
                reviews += 1;
            }
            reviews
        })
    };
    let mut n = 0u64;
    c.bench_function("preview_edit_4_profiles_while_reviews_run", |b| {
        b.iter(|| {
            n += 1;
            doc["personalizations"][0]["patch"]["headline"] = format!("Typing {n}").into();
            let edit = DocumentEdit { path: HERO.into(), content: Json(doc.clone()) };
            let out = shared.lock().preview_edit(&edit, "home", &views).unwrap();
            assert_eq!(out.frames.len(), 4);
        })
    });
    stop.store(true, Ordering::Relaxed);
    let reviews = reviewer.join().unwrap();
    eprintln!("{reviews} reviews were computed while the keystrokes were measured");
}

criterion_group!(benches, keystroke_during_review);
criterion_main!(benches);
