//! The app never freezes behind heavy work: a keystroke's preview answers while a review (two
//! compiles, the population's impact, lint) is in the middle of its computation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;
use vantage_studio::session::views::{DocumentEdit, Json, PreviewRequest};
use vantage_studio::session::ReviewStage;
use vantage_studio::{Session, SharedSession};
use vantage_test_support::demo_copy;

const HERO: &str = "entries/home-hero.json";
/// Long enough for any healthy machine; reached only if the preview waits behind the review.
const PATIENCE: Duration = Duration::from_secs(60);

fn vip() -> PreviewRequest {
    PreviewRequest { profile: "vip-anna".into(), overrides: None, at: None }
}

#[test]
fn a_keystroke_preview_answers_while_a_review_is_being_computed() {
    let (_tmp, dir) = demo_copy();
    let shared = Arc::new(SharedSession::new(Session::open(&dir, true).unwrap()));
    let (id, mut hero) = {
        let mut session = shared.lock();
        let mut doc = session.read_document(HERO).unwrap();
        doc.content.0["personalizations"][0]["patch"]["headline"] = "Under review".into();
        let (saved, _) = session.save_document(HERO, &doc.content.0, doc.revision.map(i64::from), false).unwrap();
        session.submit_change(i64::from(saved.change_set), None).unwrap();
        (i64::from(saved.change_set), session.read_document(HERO).unwrap().content.0)
    };

    // The review stops in the middle of its work until the keystroke has been answered.
    let (inside_tx, inside_rx) = mpsc::channel();
    let (go_on_tx, go_on_rx) = mpsc::channel::<()>();
    let reviewer = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            shared.review_change(id, None, |stage| {
                if stage == ReviewStage::MeasuringImpact {
                    inside_tx.send(()).unwrap();
                    // Whatever happens, the review finishes: the test reports, it does not hang.
                    let _ = go_on_rx.recv_timeout(PATIENCE);
                }
            })
        })
    };
    inside_rx.recv_timeout(PATIENCE).expect("the review reaches its impact step");

    hero["personalizations"][0]["patch"]["headline"] = "Under review, and still typing".into();
    let (answer_tx, answer_rx) = mpsc::channel();
    let typist = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let edit = DocumentEdit { path: HERO.into(), content: Json(hero) };
            let preview = shared.lock().preview_edit(&edit, "home", &[vip()]);
            let _ = answer_tx.send(preview);
        })
    };
    let answered = answer_rx.recv_timeout(PATIENCE);
    go_on_tx.send(()).unwrap();
    let review = reviewer.join().unwrap();
    typist.join().unwrap();

    let preview = answered.expect("the keystroke's preview waited for the review to finish").unwrap();
    assert!(preview.frames[0].slots.iter().any(|s| s.html.contains("Under review, and still typing")));
    assert!(review.unwrap().impact.slots.iter().any(|s| s.slot == "hero"), "the review itself completes");
}
