//! A review measured on the team's recorded traffic: once QA imports an export, the review's
//! figures count recorded visitors and say so, name the visitors who move from which variant
//! to which, and let the reviewer preview one of them before and after; a traffic file changed
//! outside Vantage is not measured, and the review says why it fell back to simulated visitors.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic: that is how they fail

use serde_json::json;
use vantage_studio::session::views::*;
use vantage_studio::{Session, SharedSession};
use vantage_test_support::demo_copy;

const AT: &str = "2026-11-20T12:00:00Z";
const HERO: &str = "entries/home-hero.json";

#[test]
fn a_review_counts_recorded_visitors_when_traffic_is_imported_and_previews_one_of_them_before_and_after() {
    let (_tmp, dir) = demo_copy();
    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    // Maria opens the VIP welcome to anyone who spent 1,000 euros.
    let id = {
        let mut session = shared.lock();
        let mut doc = session.read_document(HERO).unwrap().content.0;
        doc["personalizations"][0]["condition"] = json!({"attr": "profile.lifetime_value", "op": "gte", "value": 1000});
        let base = session.read_document(HERO).unwrap().revision.map(i64::from);
        let (saved, _) = session.save_document(HERO, &doc, base, false).unwrap();
        i64::from(saved.change_set)
    };

    let simulated = shared.review_change(id, Some(AT), |_| {}).unwrap();
    assert!(!simulated.impact.population.recorded);
    assert!(simulated.impact.population.label.contains("simulated visitors"), "{}", simulated.impact.population.label);
    let hero = simulated.impact.slots.iter().find(|s| s.slot == "hero").unwrap();
    assert!(hero.summary.contains("of simulated visitors"), "{}", hero.summary);
    assert!(hero.samples.is_empty(), "simulated visitors are nobody to preview");

    // QA imports the warehouse export beside the store.
    let db = dir.join(".vantage/store.db");
    let export = dir.join("..").join("export.parquet");
    let catalog = shared.lock().bundle().workspace.catalog.clone();
    let workspace = shared.lock().bundle().workspace.clone();
    vantage_traffic::generate::generate(&workspace, 4_000, 3, &export).unwrap();
    vantage_studio::traffic::import_traffic(&db, "quinn", &catalog, &export, None).unwrap();

    let recorded = shared.review_change(id, Some(AT), |_| {}).unwrap();
    let population = &recorded.impact.population;
    assert!(population.recorded && population.note.is_none(), "{population:?}");
    assert!(population.label.starts_with("4000 recorded visitors from export.parquet, imported "), "{}", population.label);
    assert!(population.label.ends_with(" UTC"), "a moment people read: {}", population.label);
    let hero = recorded.impact.slots.iter().find(|s| s.slot == "hero").unwrap();
    assert!(hero.summary.contains("of recorded visitors") && hero.summary.contains("of 4000)"), "{}", hero.summary);
    assert!(hero.transitions.iter().all(|t| t.sentence.contains("4000 recorded visitors")), "{:?}", hero.transitions);
    assert!(hero.transitions.iter().any(|t| t.after == "“VIP welcome back”"), "{:?}", hero.transitions);
    let sample = hero.samples.first().expect("a recorded visitor to preview");
    assert!(sample.label.starts_with("Recorded visitor #"));
    assert_ne!(sample.before, sample.after);

    // Before and after, as that visitor: the hero differs, and reading them is audited.
    let before = shared.render_review_recorded(id, Side::Before, "home", sample.row).unwrap();
    let after = shared.render_review_recorded(id, Side::After, "home", sample.row).unwrap();
    let hero_of = |p: &PagePreview| p.slots.iter().find(|s| s.slot == "hero").unwrap().variant.clone();
    assert_ne!(hero_of(&before), hero_of(&after));
    assert_eq!(before.profile, sample.label);
    let reads = shared.lock().audit_log(None, Some("profile_read"), 50).unwrap().entries;
    assert!(reads.iter().any(|e| e.subject == format!("traffic/recorded visitor #{}", sample.row + 1)), "{reads:?}");
    let beyond = shared.render_review_recorded(id, Side::After, "home", 4_000).unwrap_err();
    assert!(beyond.message.contains("no visitor #4001"), "{}", beyond.message);

    // Someone edits the kept file by hand: the review is measured on simulated visitors and says why.
    let kept = dir.join(".vantage/traffic.parquet");
    let mut bytes = std::fs::read(&kept).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&kept, bytes).unwrap();
    let fallen_back = shared.review_change(id, Some(AT), |_| {}).unwrap();
    assert!(!fallen_back.impact.population.recorded);
    let note = fallen_back.impact.population.note.as_deref().unwrap_or_default();
    assert!(note.contains("SHA-256 differs") && note.contains("simulated visitors"), "{note}");
}

#[test]
fn qa_imports_recorded_visitors_from_the_app_a_marketer_may_not_and_a_broken_file_leaves_the_ones_in_use() {
    let (_tmp, dir) = demo_copy();
    let session = Session::open(&dir, true).unwrap();
    let catalog = session.bundle().workspace.catalog.clone();
    let none = vantage_studio::session::traffic_status(&dir).unwrap();
    assert_eq!(none.visitors, 0);
    assert!(none.summary.contains("simulated visitors"), "{}", none.summary);

    let csv = dir.join("..").join("warehouse.csv");
    std::fs::write(&csv, "profile.tier,profile.lifetime_value,favourite_colour\nvip,2600,green\nstandard,lots,blue\ngold,900,red\n")
        .unwrap();
    let done = vantage_studio::session::import_traffic(&dir, "quinn", &catalog, &csv).unwrap();
    assert_eq!((done.read, done.kept), (3, 2));
    assert!(done.left_out.iter().any(|l| l == "1 visitor left out: profile.lifetime_value: not a number"), "{:?}", done.left_out);
    assert!(done.left_out.iter().any(|l| l.starts_with("Column “favourite_colour” not imported")), "{:?}", done.left_out);
    assert!(!format!("{done:?}").contains("lots"), "no visitor's value is quoted");
    assert!(done.status.summary.starts_with("2 recorded visitors from warehouse.csv, imported "), "{}", done.status.summary);

    // A marketer (whose changes the traffic measures) may not replace it, and trying leaves it whole.
    let other = dir.join("..").join("mine.csv");
    std::fs::write(&other, "profile.tier\nvip\nvip\nvip\n").unwrap();
    let refused = vantage_studio::session::import_traffic(&dir, "maria", &catalog, &other).unwrap_err();
    assert!(refused.message.contains("may not import recorded traffic"), "{}", refused.message);
    let after_refusal = vantage_studio::session::traffic_status(&dir).unwrap();
    assert_eq!((after_refusal.visitors, after_refusal.problem), (2, None), "the QA's import is still in use, intact");

    // A broken file is refused whole; the two visitors stay in use.
    let broken = dir.join("..").join("broken.parquet");
    std::fs::write(&broken, b"PAR1 this is not parquet PAR1").unwrap();
    assert!(vantage_studio::session::import_traffic(&dir, "quinn", &catalog, &broken).is_err());
    assert_eq!(vantage_studio::session::traffic_status(&dir).unwrap().visitors, 2);
}

#[test]
fn the_coverage_matrix_names_the_personalizations_nobody_among_the_recorded_visitors_sees() {
    let (_tmp, dir) = demo_copy();
    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    let none = shared.coverage_on_traffic().unwrap_err();
    assert!(none.message.contains("no recorded traffic was imported"), "{}", none.message);
    let catalog = shared.lock().bundle().workspace.catalog.clone();
    let csv = dir.join("..").join("no-vips.csv");
    std::fs::write(&csv, "profile.tier,profile.lifetime_value,consents\nstandard,120,personalization\ngold,900,personalization\n").unwrap();
    vantage_studio::session::import_traffic(&dir, "quinn", &catalog, &csv).unwrap();
    let coverage = shared.coverage_on_traffic().unwrap();
    assert_eq!(coverage.label, "2 recorded visitors from no-vips.csv");
    let hero = coverage.slots.iter().find(|s| s.page == "home" && s.slot == "hero").unwrap();
    let vip = hero.nobody.iter().position(|id| id == "vip-welcome").expect("no VIP among them");
    assert_eq!(hero.nobody_names[vip], "“VIP welcome back”");
}

#[test]
fn an_english_headline_edited_moves_only_the_recorded_visitors_who_read_it_in_english() {
    let (_tmp, dir) = demo_copy();
    let shared = SharedSession::new(Session::open(&dir, true).unwrap());
    let id = {
        let mut session = shared.lock();
        let mut doc = session.read_document(HERO).unwrap().content.0;
        doc["personalizations"][0]["patch"]["headline"] = json!("Your winter edit is ready");
        let base = session.read_document(HERO).unwrap().revision.map(i64::from);
        let (saved, _) = session.save_document(HERO, &doc, base, false).unwrap();
        i64::from(saved.change_set)
    };
    let db = dir.join(".vantage/store.db");
    let export = dir.join("..").join("export.parquet");
    let workspace = shared.lock().bundle().workspace.clone();
    vantage_traffic::generate::generate(&workspace, 3_000, 7, &export).unwrap();
    vantage_studio::traffic::import_traffic(&db, "quinn", &workspace.catalog, &export, None).unwrap();
    let recorded = shared.review_change(id, Some(AT), |_| {}).unwrap();
    let hero = recorded.impact.slots.iter().find(|s| s.slot == "hero").unwrap();
    let kept = dir.join(".vantage/traffic.parquet");
    for sample in &hero.samples {
        let visitor = vantage_traffic::visitor::visitor(&kept, u64::from(sample.row)).unwrap();
        let locale = visitor["request.locale"].as_str().unwrap_or_default().to_owned();
        assert!(!locale.starts_with("de") && !locale.starts_with("fr"), "{} reads {locale}: {}", sample.label, hero.summary);
    }
}
